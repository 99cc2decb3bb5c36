// Redis 7.0's DUMP payload (and FUNCTION DUMP's): one value in RDB serialization, then the RDB
// version (2 bytes LE) and a CRC-64 of everything before it (8 bytes LE). Decoding accepts
// every encoding Redis 7.0 loads (RDB versions up to 10); encoding picks the one Redis 7.0 would
// choose for the value with default config. Depends on common/ only (the fuzz target links it
// alone). Format: docs/dump_format.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redraft::rdb {

inline constexpr uint16_t kRdbVersion = 10;  // Redis 7.0

struct StreamId {
  uint64_t ms = 0, seq = 0;
  auto operator<=>(const StreamId&) const = default;
};

struct StreamEntry {
  StreamId id;
  std::vector<std::string> fields_values;  // field, value, field, value, ...
};

struct StreamPending {  // one entry of a group's pending entries list
  StreamId id;
  int64_t delivery_ms = 0;
  uint64_t delivery_count = 0;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_ms = 0;
  int64_t active_ms = -1;       // RDB type 21 (7.2) only; -1 = unknown
  std::vector<StreamId> pending;  // ids of the group's PEL owned by this consumer
};

struct StreamGroup {
  std::string name;
  StreamId last_id;
  int64_t entries_read = -1;  // -1: unknown (SCG_INVALID_ENTRIES_READ)
  std::vector<StreamPending> pel;
  std::vector<StreamConsumer> consumers;
};

// One radix-tree node of a stream (rdb/stream_nodes.h).
struct StreamNode {
  StreamId master;                  // the node's key: the first ID stored in it
  StreamId last;                    // the last ID stored in it (live or deleted)
  uint64_t live = 0, deleted = 0;   // its master entry's counters
  uint64_t bytes = 0;               // its listpack's size
  std::vector<std::string> fields;  // its master entry's fields
  bool operator==(const StreamNode&) const = default;
};

struct Stream {
  std::vector<StreamEntry> entries;  // ascending IDs
  std::vector<StreamNode> nodes;     // as read from a payload (ascending masters); the encoder
                                     // ignores them (it cuts nodes from the entries)
  StreamId last_id, first_id, max_deleted_id;
  uint64_t entries_added = 0;
  std::vector<StreamGroup> groups;
};

enum class Kind : uint8_t { kString, kList, kSet, kHash, kZset, kStream };

// One Redis value. Only the member for its kind is used.
struct Object {
  Kind kind = Kind::kString;
  std::string str;                                         // kString
  std::vector<std::string> elems;                          // kList (in order), kSet (any order)
  std::vector<std::pair<std::string, std::string>> pairs;  // kHash (any order)
  std::vector<std::pair<std::string, double>> zset;        // kZset: ascending (score, member)
  Stream stream;                                           // kStream
};

enum class DumpStatus { kOk, kVersionOrChecksum, kBadFormat };

// RESTORE's payload check (Redis verifyDumpPayload): at least 10 bytes, RDB version <= 10,
// CRC-64 matching. kOk or kVersionOrChecksum.
DumpStatus VerifyPayload(std::string_view payload);

// The DUMP payload of o, byte for byte what Redis 7.0 writes for the same value and encoding
// (hash-table encodings list elements in o's order; Redis's is its dict's).
std::string EncodeDump(const Object& o);

// Parses a DUMP payload. Invariants of a successful decode: no empty collection except a
// stream, no duplicate set members / hash fields / zset members, no NaN score, stream IDs
// strictly ascending and not above last_id, zset sorted by (score, member).
DumpStatus DecodeDump(std::string_view payload, Object* out);

// FUNCTION DUMP / FUNCTION RESTORE: each library's code as an RDB_OPCODE_FUNCTION2 record.
std::string EncodeFunctionDump(const std::vector<std::string>& codes);
// False with *err set to Redis's message (without "ERR ").
bool DecodeFunctionDump(std::string_view payload, std::vector<std::string>* codes, std::string* err);

// Redis's d2string as 7.0 uses it for listpack scores: integral values within +-2^62 in
// decimal, "inf"/"-inf", else "%.17g".
std::string ScoreString(double d);

}  // namespace redraft::rdb
