// Stream IDs and the stream's stored form (docs/streams.md), shared by the stream commands and
// their unit tests. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace redraft::commands::streams {

// A stream entry ID: <ms>-<seq>, ordered by ms then seq (Redis streamID).
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamId&) const = default;
  std::string ToString() const;  // "ms-seq"
};
inline constexpr StreamId kMaxId{UINT64_MAX, UINT64_MAX};

// Redis streamIncrID / streamDecrID: the next / previous ID; false (id unchanged) at the end.
bool IncrId(StreamId* id);
bool DecrId(StreamId* id);

// Redis string2ull: string2ll for values >= 0, else strtoull over the whole C string (which
// accepts a leading '+' or whitespace for values above LLONG_MAX, as Redis does).
bool ParseUint64(std::string_view s, uint64_t* out);

// Redis streamGenericParseIDOrReply over the C string of arg (an embedded NUL ends it):
// "-" and "+" (refused when strict), "ms" (seq = missing_seq) and "ms-seq"; with seq_given
// non-null also "ms-*" (*seq_given = false). False: "Invalid stream ID ...".
bool ParseId(std::string_view arg, uint64_t missing_seq, bool strict, StreamId* id, bool* seq_given = nullptr);
// Redis streamParseIntervalIDOrReply: an optional '(' (exclusive, then strict) before the ID.
bool ParseIntervalId(std::string_view arg, uint64_t missing_seq, StreamId* id, bool* exclusive);

inline constexpr std::string_view kErrInvalidId = "ERR Invalid stream ID specified as stream command argument";

// ---- stored form ----
// Metadata payload, after the common [size:8 LE]: the stream's counters (docs/streams.md).
struct StreamMeta {
  uint64_t length = 0;
  StreamId last_id;            // the greatest ID ever added (or set by XSETID)
  StreamId first_id;           // the first live entry's ID (0-0 when empty)
  StreamId max_deleted_id;     // the greatest ID deleted by XDEL (0-0 when none)
  uint64_t entries_added = 0;  // every entry ever added
  // Redis's radix-tree nodes are mirrored by 'n' records (streams_nodes.h). Streams stored
  // before they existed (a 64-byte payload) have none: `~` trims them exactly up to LIMIT.
  bool nodes = true;
  bool has_tail = false;  // nodes only: a node exists; tail is the last one's master ID
  StreamId tail;
  std::string tail_rec;   // the last node's record (rdb::EncodeStreamNode): kept here, not as an
                          // 'n' record, so XADD reads and writes no extra sub-key
};
StreamMeta DecodeMeta(const store::Value& v);
void EncodeMeta(const StreamMeta& m, store::Value* v);

// Entry sub-keys: 'e' + ms:8 BE + seq:8 BE, so a sub-key scan walks entries in ID order.
inline constexpr char kEntryTag = 'e';
std::string EntryField(const StreamId& id);
// False if field is not an entry sub-key.
bool DecodeEntryField(std::string_view field, StreamId* id);

// An entry's value: its field-value pairs, each string as [len:4 LE][bytes].
std::string EncodeEntry(const std::vector<std::string_view>& fields_values);
bool DecodeEntry(std::string_view value, std::vector<std::string_view>* fields_values);

}  // namespace redraft::commands::streams
