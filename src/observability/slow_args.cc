#include "observability/slow_args.h"

namespace redraft::observability {

namespace {
uint32_t Get32(const char*& p) {
  uint32_t v;
  memcpy(&v, p, 4);
  p += 4;
  return v;
}
}  // namespace

void SlowArgsArena::Get(uint64_t pos, std::vector<std::string>* out) const {
  const char* p = buf_.data() + (pos - base_);
  uint32_t argc = Get32(p);
  uint32_t dropped = Get32(p);
  out->resize(argc);
  for (uint32_t i = 0; i < argc; i++) {
    uint32_t n = Get32(p);
    uint32_t more = Get32(p);
    std::string& a = (*out)[i];
    a.assign(p, n);
    p += n;
    if (more) a.append("... (").append(std::to_string(more)).append(" more bytes)");
  }
  // Redis's slowlogCreateEntry: the last kept slot says how many arguments were left out.
  if (dropped) out->back() = "... (" + std::to_string(dropped + 1) + " more arguments)";
}

void SlowArgsArena::Release(uint64_t pos) {
  if (pos <= released_) return;
  released_ = pos;
  // Only the bytes before the record at pos are known to be garbage (its own end is not kept).
  // Dropped once they are most of the buffer: the copy is amortized over the records it drops.
  size_t garbage = static_cast<size_t>(released_ - base_);
  if (garbage >= 4096 && garbage * 2 >= buf_.size()) {
    buf_.erase(0, garbage);
    base_ = released_;
  }
}

}  // namespace redraft::observability
