#include "observability/slowlog.h"

namespace redraft::observability {

void SlowLog::Configure(int64_t slower_than_us, int64_t max_len) {
  slower_than_us_ = slower_than_us;
  max_len_ = max_len < 0 ? 0 : static_cast<size_t>(max_len);
  while (entries_.size() > max_len_) entries_.pop_back();
}

void SlowLog::Add(SlowlogEntry e) {
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len_) entries_.pop_back();
}

std::string SlowLog::TruncateArg(std::string_view a) {
  if (a.size() <= kMaxString) return std::string(a);
  return std::string(a.substr(0, kMaxString)) + "... (" + std::to_string(a.size() - kMaxString) + " more bytes)";
}

}  // namespace redraft::observability
