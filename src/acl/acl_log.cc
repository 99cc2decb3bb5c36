#include "acl/acl_log.h"

#include <cstdlib>

namespace redraft::acl {

const char* DenialName(Denial d) {
  switch (d) {
    case Denial::kCommand: return "command";
    case Denial::kKey: return "key";
    case Denial::kChannel: return "channel";
    case Denial::kAuth: return "auth";
    default: return "unknown";
  }
}

void DenialLog::Add(LogEntry e) {
  constexpr int64_t kGroupingMs = 60000;
  size_t scan = std::min<size_t>(10, entries_.size());
  for (size_t i = 0; i < scan; i++) {
    LogEntry& cur = entries_[i];
    if (cur.reason == e.reason && cur.context == e.context && std::llabs(cur.ctime_ms - e.ctime_ms) <= kGroupingMs &&
        cur.object == e.object && cur.username == e.username) {
      LogEntry merged = std::move(cur);
      entries_.erase(entries_.begin() + static_cast<long>(i));
      merged.client_info = std::move(e.client_info);
      merged.ctime_ms = e.ctime_ms;
      merged.count++;
      entries_.push_front(std::move(merged));
      return;
    }
  }
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len_) entries_.pop_back();
}

void DenialLog::set_max_len(size_t n) {
  max_len_ = n;
  while (entries_.size() > max_len_) entries_.pop_back();
}

}  // namespace redraft::acl
