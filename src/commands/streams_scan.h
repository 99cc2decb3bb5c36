// Entry scans and the entry reply, shared by the stream commands (streams.cc) and the consumer
// group commands (streams_groups*.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/collection.h"
#include "commands/streams_internal.h"
#include "common/status.h"
#include "resp/reply_builder.h"

namespace redraft::commands::streams {

using store::Value;

// One entry reply: [id, [field, value, ...]] (the same shape in RESP2 and RESP3).
inline void ReplyEntry(resp::ReplyBuilder& r, const StreamId& id, std::string_view value) {
  std::vector<std::string_view> fv;
  if (!streams::DecodeEntry(value, &fv)) REDRAFT_PANIC("corrupt stream entry");
  r.ArrayHeader(2);
  r.Bulk(id.ToString());
  r.ArrayHeader(fv.size());
  for (auto s : fv) r.Bulk(s);
}

// Visits the live entries with start <= id <= end in ID order (or reverse), at most count
// (0 = all). fn returns false to stop.
template <class Store, class Fn>
void VisitRange(Store& st, std::string_view key, const Value& v, const StreamMeta& m, StreamId start, StreamId end,
                bool rev, const Fn& fn) {
  if (m.length == 0 || start > end) return;
  if (start < m.first_id) start = m.first_id;  // skip the tombstones of trimmed entries
  if (start > end) return;
  std::string from = streams::EntryField(start);
  Status s;
  if (!rev) {
    s = st.ScanSub(key, v.version, from, [&](std::string_view f, std::string_view val) {
      StreamId id;
      if (!streams::DecodeEntryField(f, &id) || id > end) return false;
      return fn(id, val);
    });
  } else {
    std::string before = streams::EntryField(end);
    before.push_back('\0');  // inclusive of end
    s = st.ScanSubBefore(key, v.version, before, [&](std::string_view f, std::string_view val) {
      StreamId id;
      if (!streams::DecodeEntryField(f, &id) || id < start) return false;
      return fn(id, val);
    });
  }
  PanicOnStoreError(s);
}

// The last live entry (Redis streamLastValidID), if any.
template <class Store>
std::optional<StreamId> LastLive(Store& st, std::string_view key, const Value& v, const StreamMeta& m) {
  std::optional<StreamId> out;
  VisitRange(st, key, v, m, m.first_id, kMaxId, true, [&](const StreamId& id, std::string_view) {
    out = id;
    return false;
  });
  return out;
}

// The first live entry at or after from, if any.
template <class Store>
std::optional<StreamId> FirstFrom(Store& st, std::string_view key, const Value& v, const StreamMeta& m,
                                  StreamId from) {
  std::optional<StreamId> out;
  VisitRange(st, key, v, m, from, streams::kMaxId, false, [&](const StreamId& id, std::string_view) {
    out = id;
    return false;
  });
  return out;
}

}  // namespace redraft::commands::streams
