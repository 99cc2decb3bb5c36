// The ACL LOG (Redis 7.0): recent denials, newest first, similar ones (same reason, context,
// object and user within 60 s, among the 10 newest) merged into one entry with a count. Kept per
// node in memory, as Redis keeps it per server. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "acl/user.h"

namespace redraft::acl {

struct LogEntry {
  uint64_t count = 1;
  Denial reason = Denial::kCommand;
  std::string context = "toplevel";
  std::string object;    // the command's full name, the key, the channel, or "AUTH"/"HELLO"
  std::string username;
  int64_t ctime_ms = 0;  // the last time it happened
  std::string client_info;
};

class DenialLog {
 public:
  explicit DenialLog(size_t max_len = 128) : max_len_(max_len) {}
  void Add(LogEntry e);
  void Reset() { entries_.clear(); }
  const std::deque<LogEntry>& entries() const { return entries_; }  // newest first
  void set_max_len(size_t n);

 private:
  size_t max_len_;
  std::deque<LogEntry> entries_;
};

// "command", "key", "channel", "auth".
const char* DenialName(Denial d);

}  // namespace redraft::acl
