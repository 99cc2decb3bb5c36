#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

namespace redraft::observability {

// Fixed-bucket histograms. Values are recorded in microseconds (latencies) or plain counts (batch
// sizes); the bucket bounds are fixed at compile time so observing is a few comparisons and two
// increments, with no allocation and no lock.
//
// Two flavours share one layout:
//   - Histogram: plain integers, for the event-loop thread only (it records and it renders).
//   - SharedHistogram: relaxed atomics, written by one other thread (the storage thread) and read
//     by the loop thread when rendering. A reader may see a bucket incremented before the count
//     (or the reverse) for a moment; each figure is still a true count, never torn.

// Upper bounds, inclusive ("le" in Prometheus): 1, 2, 5 x 10^k from 1 to 50,000,000 (µs: 1 µs to
// 50 s; counts: 1 to 50 million), then +Inf.
inline constexpr std::array<uint64_t, 24> kBounds = {
    1,      2,      5,      10,      20,      50,      100,      200,      500,      1000,      2000,      5000,
    10000,  20000,  50000,  100000,  200000,  500000,  1000000,  2000000,  5000000,  10000000,  20000000,  50000000};
inline constexpr size_t kBuckets = kBounds.size() + 1;  // the last is +Inf

// The first bound >= v, i.e. the number of bounds below v (lower_bound's answer), counted without
// a branch: latencies vary from one request to the next, and a binary search's mispredicted
// branches cost more than 24 compares (~33 against ~13 ns per call in a loaded micro-benchmark;
// metrics-on observes three or four histograms per write).
inline size_t BucketOf(uint64_t v) {
  size_t below = 0;
  for (uint64_t bound : kBounds) below += bound < v;
  return below;
}

// A copy of a histogram's figures (per-bucket, not cumulative), for rendering and percentiles.
struct HistogramData {
  std::array<uint64_t, kBuckets> buckets{};
  uint64_t count = 0;
  uint64_t sum = 0;
  // The value below which fraction q (0..1) of the observations fall, interpolated linearly inside
  // its bucket (so its precision is the bucket's width); 0 when empty. Values in the +Inf bucket
  // report the last finite bound.
  double Quantile(double q) const;
  void Merge(const HistogramData& o);
};

class Histogram {
 public:
  void Observe(uint64_t v) {
    buckets_[BucketOf(v)]++;
    count_++;
    sum_ += v;
  }
  uint64_t count() const { return count_; }
  uint64_t sum() const { return sum_; }
  HistogramData Data() const;
  void Reset() { *this = Histogram(); }

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0, sum_ = 0;
};

class SharedHistogram {
 public:
  void Observe(uint64_t v) {  // one writer thread
    buckets_[BucketOf(v)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  HistogramData Data() const;  // any thread

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0}, sum_{0};
};

}  // namespace redraft::observability
