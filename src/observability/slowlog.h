#pragma once

// SLOWLOG's records (Redis 7.0's slowlog.c semantics): requests that took at least
// slowlog-log-slower-than microseconds (negative: none; 0: all), newest first, at most
// slowlog-max-len of them. In redraft a request's duration runs from its parsed arrival to its
// reply being ready, so a write's includes replication (docs/observability.md); each entry also
// keeps the durations of the request's stages.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redraft::observability {

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t time_sec = 0;      // unix time when logged
  uint64_t duration_us = 0;
  std::vector<std::string> args;  // truncated as Redis does (TruncateArgs)
  std::string addr, name;         // the client's ip:port and CLIENT SETNAME
  std::vector<std::pair<const char*, uint64_t>> stages;  // (stage name, µs), in order
};

class SlowLog {
 public:
  static constexpr size_t kMaxArgc = 32;     // Redis's SLOWLOG_ENTRY_MAX_ARGC
  static constexpr size_t kMaxString = 128;  // Redis's SLOWLOG_ENTRY_MAX_STRING

  void Configure(int64_t slower_than_us, int64_t max_len);
  bool active() const { return slower_than_us_ >= 0; }
  int64_t slower_than_us() const { return slower_than_us_; }  // < 0: off
  bool Wants(uint64_t duration_us) const {
    return slower_than_us_ >= 0 && duration_us >= static_cast<uint64_t>(slower_than_us_);
  }
  // The entry to fill for a new record (id and nothing else set): the oldest one's storage is
  // reused once the log is full, so an overloaded node where every request is slow does not
  // allocate per record. Not kept when slowlog-max-len is 0.
  SlowlogEntry& Push();
  size_t size() const { return size_; }
  const SlowlogEntry& newest(size_t i) const { return ring_[(head_ + ring_.size() - i) % ring_.size()]; }  // i < size()
  void Reset() { size_ = 0; }
  // slowlog-stages: SLOWLOG GET adds each entry's stage durations as a 7th element.
  bool with_stages() const { return with_stages_; }
  void set_with_stages(bool on) { with_stages_ = on; }

  // At most 32 arguments (the last saying "... (N more arguments)"), each at most 128 bytes (then
  // "... (N more bytes)"), as Redis's slowlogCreateEntry. Into *out, reusing its storage.
  // Writes, answered later, keep theirs in a SlowArgsArena (slow_args.h), which gives the same.
  template <typename Argv>
  static void TruncateArgs(const Argv& argv, std::vector<std::string>* out) {
    size_t argc = std::min(argv.size(), kMaxArgc);
    out->resize(argc);
    for (size_t i = 0; i < argc; i++) {
      if (argc != argv.size() && i == argc - 1) {
        (*out)[i] = "... (" + std::to_string(argv.size() - argc + 1) + " more arguments)";
      } else {
        TruncateArg(argv[i], &(*out)[i]);
      }
    }
  }
  static void TruncateArg(std::string_view a, std::string* out);

 private:
  int64_t slower_than_us_ = 10000;
  size_t max_len_ = 128;
  uint64_t next_id_ = 0;
  bool with_stages_ = false;
  std::vector<SlowlogEntry> ring_;  // max_len_ slots; newest at head_
  size_t head_ = 0, size_ = 0;
  SlowlogEntry scratch_;  // Push's answer when nothing is kept
};

}  // namespace redraft::observability
