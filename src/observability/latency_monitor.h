#pragma once

// LATENCY's records (Redis 7.0's latency.c semantics): per event class, the latest 160 samples of
// at least latency-monitor-threshold milliseconds (0: monitoring off), at most one per second
// (the worst of that second), and the all-time maximum. redraft's events: fsync (the Raft log's
// fdatasync), apply (applying a committed batch), election (no known leader -> a leader),
// snapshot-send and snapshot-install, plus command (a request slower than the threshold).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace redraft::observability {

struct LatencySample {
  int64_t time = 0;      // unix seconds
  uint32_t latency = 0;  // ms
};

struct LatencyEventSeries {
  static constexpr size_t kLen = 160;  // Redis's LATENCY_TS_LEN
  std::array<LatencySample, kLen> samples{};
  size_t idx = 0;        // where the next sample goes
  uint32_t max = 0;
  // Samples oldest first.
  std::vector<LatencySample> History() const;
  const LatencySample& Latest() const { return samples[(idx + kLen - 1) % kLen]; }
};

class LatencyMonitor {
 public:
  void set_threshold_ms(int64_t ms) { threshold_ms_ = ms; }
  int64_t threshold_ms() const { return threshold_ms_; }
  // Records `ms` for `event` if monitoring is on and ms reaches the threshold.
  bool Wants(uint64_t ms) const { return threshold_ms_ > 0 && ms >= static_cast<uint64_t>(threshold_ms_); }
  void AddIfNeeded(const char* event, uint64_t ms, int64_t now_sec) {
    if (threshold_ms_ > 0 && ms >= static_cast<uint64_t>(threshold_ms_)) Add(event, ms, now_sec);
  }
  void Add(const std::string& event, uint64_t ms, int64_t now_sec);
  const std::map<std::string, LatencyEventSeries>& events() const { return events_; }
  // Forgets the named events (all when empty); returns how many were forgotten.
  int Reset(const std::vector<std::string>& names);

 private:
  int64_t threshold_ms_ = 0;
  std::map<std::string, LatencyEventSeries> events_;
};

}  // namespace redraft::observability
