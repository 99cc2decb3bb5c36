// SCAN cursors. Redis clients treat the cursor as an unsigned 64-bit decimal, but our key space
// is ordered by key bytes (RocksDB), so a position is a key, which does not fit in 64 bits. A
// ScanCursorTable maps each cursor number handed out to the key where the next call resumes.
//
// - Cursor 0 starts (and, returned, ends) an iteration, as in Redis.
// - Numbers are below 2^53: node-redis 4 parses cursors into JavaScript numbers, which are exact
//   only up to 2^53 (its scanIterator would resume elsewhere, or never end).
// - Numbers are a per-table random salt mixed with a counter (a bijection on 53 bits), so a
//   cursor from another node or from before a restart is very unlikely to alias a live one.
// - Bounded: at most `capacity` cursors; the least recently issued/used one is forgotten first.
//   An unknown cursor (evicted, issued by another node or before a restart) is an error
//   ("ERR invalid cursor") rather than a silent restart, which could loop forever, or a silent
//   end, which would lose keys.
// - A cursor may be used more than once (a client retrying after a lost reply): Lookup does
//   not consume it.
// Thread-safe (a mutex; called once per SCAN).
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace redraft::commands {

class ScanCursorTable {
 public:
  explicit ScanCursorTable(size_t capacity = 16384);

  // Returns a fresh cursor in [1, 2^53) that resumes at resume_key.
  uint64_t Issue(std::string resume_key);
  // The resume key of cursor, or nullopt if unknown. Marks it recently used.
  std::optional<std::string> Lookup(uint64_t cursor);
  size_t size() const;

 private:
  using Entry = std::pair<uint64_t, std::string>;
  mutable std::mutex mu_;
  size_t capacity_;
  uint64_t salt_;
  uint64_t counter_ = 0;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

// Redis parseScanCursorOrReply's rules (SCAN, HSCAN): false means "ERR invalid cursor".
bool ParseScanCursor(const std::string& s, uint64_t* cursor);

// The options of SCAN-like commands from argv[first] on: [MATCH pattern] [COUNT count], plus
// [TYPE type] when allow_type (SCAN). Pointers point into argv; pattern is null for "*".
struct ScanOptions {
  int64_t count = 10;
  const std::string* pattern = nullptr;
  const std::string* type = nullptr;
};
// On a bad option returns false with *error set to Redis's text (scanGenericCommand's checks).
bool ParseScanOptions(const std::vector<std::string>& argv, size_t first, bool allow_type, ScanOptions* out,
                      std::string_view* error);

// The process's table used by SCAN. TODO(lead): move into per-group server state (ServerApi /
// ExecContext) when several Raft groups share a process.
ScanCursorTable& DefaultScanCursors();

}  // namespace redraft::commands
