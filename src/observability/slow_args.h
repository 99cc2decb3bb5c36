#pragma once

// What SLOWLOG would show of the requests a connection has in flight whose duration is known only
// at their reply (writes). The arguments have to be kept from dispatch: PrepareWrite consumes the
// argv and may rewrite it into its log form (SET ... EXAT -> the entry's form), and SLOWLOG shows
// what was sent, as Redis does (its original_argv). Only what SLOWLOG keeps is copied (at most 32
// arguments of at most 128 bytes each: SlowLog::TruncateArgs's rules), into one buffer per
// connection that is reused: once it has grown to a pipeline's worth, a write costs a short copy
// and no allocation (a string per write showed as 0.7 % of a SET -P16 profile, allocation included).
//
// Records are released in the order they were added (a connection's replies leave in request
// order). Positions are absolute (bytes added since the arena began), so dropping the released
// prefix moves no position.
//
// Thread-safety: none; the connection's loop thread.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "observability/slowlog.h"

namespace redraft::observability {

class SlowArgsArena {
 public:
  static constexpr uint64_t kNone = ~uint64_t{0};

  // Appends argv's SLOWLOG form; returns its position (for Get).
  template <typename Argv>
  uint64_t Add(const Argv& argv) {
    size_t argc = std::min(argv.size(), SlowLog::kMaxArgc);
    size_t bytes = 8;
    for (size_t i = 0; i < argc; i++) bytes += 8 + std::min(std::string_view(argv[i]).size(), SlowLog::kMaxString);
    uint64_t pos = base_ + buf_.size();
    size_t at = buf_.size();
    buf_.resize(at + bytes);  // one size check; the capacity stays from earlier pipelines
    char* p = buf_.data() + at;
    p = Put32(p, static_cast<uint32_t>(argc));
    p = Put32(p, static_cast<uint32_t>(argv.size() - argc));  // arguments left out
    for (size_t i = 0; i < argc; i++) {
      std::string_view a = argv[i];
      size_t n = std::min(a.size(), SlowLog::kMaxString);
      p = Put32(p, static_cast<uint32_t>(n));
      p = Put32(p, static_cast<uint32_t>(a.size() - n));  // bytes left out
      memcpy(p, a.data(), n);
      p += n;
    }
    return pos;
  }
  // The record at pos as SlowLog::TruncateArgs would give it, into *out. REQUIRES: pos was
  // returned by Add and is neither released nor dropped.
  void Get(uint64_t pos, std::vector<std::string>* out) const;
  // The record at pos and every earlier one are no longer needed.
  void Release(uint64_t pos);
  // Forgets the record at pos and every later one (a write refused before it took a slot).
  void DropFrom(uint64_t pos) { buf_.resize(pos - base_); }
  // No record is needed any more (the connection has nothing in flight).
  void Clear() {
    base_ += buf_.size();
    buf_.clear();
    released_ = base_;
  }
  size_t bytes() const { return buf_.size(); }  // held now (tests)

 private:
  static char* Put32(char* p, uint32_t v) {
    memcpy(p, &v, 4);
    return p + 4;
  }

  std::string buf_;
  uint64_t base_ = 0;      // the position of buf_[0]
  uint64_t released_ = 0;  // the start of the last released record: everything before is garbage
};

}  // namespace redraft::observability
