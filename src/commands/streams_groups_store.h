// Consumer groups' stored form (docs/streams.md, "Consumer groups"): records under the stream's
// version, after its entries ('e'), so entry scans never see them and DEL/overwrite/expiry of the
// stream drops them with the entries (a new version). Shared by streams_groups*.cc.
//
//   'g' name                                  -> group: last-delivered ID, entries-read, counts
//   'h' [glen:4 BE] group name                -> consumer: seen time, PEL size
//   'p' [glen:4 BE] group id:16 BE            -> pending entry: delivery time/count, consumer
//   'q' [glen:4 BE] group [clen:4 BE] consumer id:16 BE -> "" (the consumer's PEL, ID order)
//
// Byte order of the names is Redis's rax order (memcmp, shorter prefix first), so scans list
// groups and consumers in the order Redis replies them. Every time here (delivery, seen) is an
// entry's now_ms (the leader's clock), so every replica stores the same PEL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/collection.h"
#include "commands/streams_internal.h"

namespace redraft::commands::streams {

inline constexpr int64_t kInvalidEntriesRead = -1;  // Redis SCG_INVALID_ENTRIES_READ

struct Group {
  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  uint64_t pel_count = 0;
  uint64_t consumers = 0;
};
struct Consumer {
  int64_t seen_ms = 0;
  uint64_t pel_count = 0;
};
struct Pending {
  int64_t delivery_ms = 0;
  uint64_t delivery_count = 0;
  std::string consumer;
};

std::string GroupField(std::string_view group);
inline constexpr std::string_view kGroupPrefix = "g";
std::string ConsumerPrefix(std::string_view group);
std::string ConsumerField(std::string_view group, std::string_view consumer);
std::string PelPrefix(std::string_view group);
std::string PelField(std::string_view group, const StreamId& id);
std::string ConsumerPelPrefix(std::string_view group, std::string_view consumer);
std::string ConsumerPelField(std::string_view group, std::string_view consumer, const StreamId& id);

std::string EncodeGroup(const Group& g);
Group DecodeGroup(std::string_view v);
std::string EncodeConsumer(const Consumer& c);
Consumer DecodeConsumer(std::string_view v);
std::string EncodePending(const Pending& p);
Pending DecodePending(std::string_view v);
// The 16-byte big-endian ID at the end of a PEL field.
StreamId IdSuffix(std::string_view field);

// Visits the sub-keys whose field starts with prefix, in field order; fn(field, value) returns
// false to stop. St is store::Store or store::Store::Batch.
template <class St, class Fn>
void ScanPrefix(St& st, std::string_view key, uint64_t version, std::string_view prefix, const Fn& fn) {
  Status s = st.ScanSub(key, version, prefix, [&](std::string_view f, std::string_view v) {
    if (!f.starts_with(prefix)) return false;
    return fn(f, v);
  });
  PanicOnStoreError(s);
}

template <class St>
std::optional<std::string> GetSubOpt(St& st, std::string_view key, uint64_t version, std::string_view field) {
  std::string out;
  Status s = st.GetSub(key, version, field, &out);
  PanicOnStoreError(s);
  if (!s.ok()) return std::nullopt;
  return out;
}

template <class St>
std::optional<Group> LoadGroup(St& st, std::string_view key, uint64_t version, std::string_view name) {
  auto v = GetSubOpt(st, key, version, GroupField(name));
  if (!v) return std::nullopt;
  return DecodeGroup(*v);
}

template <class St>
std::optional<Consumer> LoadConsumer(St& st, std::string_view key, uint64_t version, std::string_view group,
                                     std::string_view name) {
  auto v = GetSubOpt(st, key, version, ConsumerField(group, name));
  if (!v) return std::nullopt;
  return DecodeConsumer(*v);
}

template <class St>
bool EntryExists(St& st, std::string_view key, uint64_t version, const StreamId& id) {
  return GetSubOpt(st, key, version, EntryField(id)).has_value();
}

// Redis streamEstimateDistanceFromFirstEverEntry: the entries-read counter of id, or -1.
int64_t EstimateEntriesRead(const StreamMeta& m, const StreamId& id);
// Redis streamRangeHasTombstones(s, start, NULL): could an XDEL'd entry lie at or after start?
bool HasTombstonesFrom(const StreamMeta& m, const StreamId& start);
// Redis streamReplyWithCGLag's value; nullopt: unknown (nil).
std::optional<int64_t> GroupLag(const StreamMeta& m, const Group& g);

}  // namespace redraft::commands::streams
