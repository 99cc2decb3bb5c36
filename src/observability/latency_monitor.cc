#include "observability/latency_monitor.h"

#include <algorithm>

namespace redraft::observability {

std::vector<LatencySample> LatencyEventSeries::History() const {
  std::vector<LatencySample> out;
  for (size_t i = 0; i < kLen; i++) {
    const LatencySample& s = samples[(idx + i) % kLen];
    if (s.time != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::Add(const std::string& event, uint64_t ms, int64_t now_sec) {
  uint32_t v = static_cast<uint32_t>(std::min<uint64_t>(ms, UINT32_MAX));
  LatencyEventSeries& s = events_[event];
  s.max = std::max(s.max, v);
  // One sample per second: a second sample within the same second keeps the worse of the two.
  LatencySample& prev = s.samples[(s.idx + LatencyEventSeries::kLen - 1) % LatencyEventSeries::kLen];
  if (prev.time == now_sec) {
    prev.latency = std::max(prev.latency, v);
    return;
  }
  s.samples[s.idx] = LatencySample{now_sec, v};
  s.idx = (s.idx + 1) % LatencyEventSeries::kLen;
}

int LatencyMonitor::Reset(const std::vector<std::string>& names) {
  if (names.empty()) {
    int n = static_cast<int>(events_.size());
    events_.clear();
    return n;
  }
  int n = 0;
  for (const std::string& name : names) n += static_cast<int>(events_.erase(name));
  return n;
}

}  // namespace redraft::observability
