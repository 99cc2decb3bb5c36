#include "observability/slowlog.h"

namespace redraft::observability {

void SlowLog::Configure(int64_t slower_than_us, int64_t max_len) {
  slower_than_us_ = slower_than_us;
  size_t len = max_len < 0 ? 0 : static_cast<size_t>(std::min<int64_t>(max_len, 1 << 20));
  if (len == max_len_ && ring_.size() == len) return;
  // Keep the newest min(size, len) entries, newest first at index 0.
  std::vector<SlowlogEntry> kept;
  for (size_t i = 0; i < size_ && i < len; i++) kept.push_back(std::move(ring_[(head_ + ring_.size() - i) % ring_.size()]));
  max_len_ = len;
  ring_.assign(len, SlowlogEntry());
  size_ = kept.size();
  head_ = size_ ? size_ - 1 : 0;
  for (size_t i = 0; i < kept.size(); i++) ring_[head_ - i] = std::move(kept[i]);
}

SlowlogEntry& SlowLog::Push() {
  if (ring_.size() != max_len_) Configure(slower_than_us_, static_cast<int64_t>(max_len_));
  if (max_len_ == 0) {
    scratch_.id = next_id_++;
    return scratch_;
  }
  head_ = size_ == 0 ? 0 : (head_ + 1) % ring_.size();
  if (size_ < ring_.size()) size_++;
  SlowlogEntry& e = ring_[head_];
  e.id = next_id_++;
  return e;
}

void SlowLog::TruncateArg(std::string_view a, std::string* out) {
  if (a.size() <= kMaxString) {
    out->assign(a);
    return;
  }
  out->assign(a.substr(0, kMaxString));
  out->append("... (").append(std::to_string(a.size() - kMaxString)).append(" more bytes)");
}

}  // namespace redraft::observability
