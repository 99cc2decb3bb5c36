#include "observability/slowlog.h"

#include <cstring>

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

void SlowLog::Unpack(std::string_view p, std::vector<std::string>* out) {
  out->clear();
  auto u32 = [&](uint32_t* v) {
    if (p.size() < 4) return false;
    memcpy(v, p.data(), 4);
    p.remove_prefix(4);
    return true;
  };
  uint32_t n = 0, more = 0;
  while (p.size() > 4) {
    if (!u32(&n) || !u32(&more) || p.size() < n) return;
    out->emplace_back(p.substr(0, n));
    if (more) out->back().append("... (").append(std::to_string(more)).append(" more bytes)");
    p.remove_prefix(n);
  }
  uint32_t dropped = 0;
  if (u32(&dropped) && dropped && !out->empty()) {
    out->back() = "... (" + std::to_string(dropped + 1) + " more arguments)";
  }
}

}  // namespace redraft::observability
