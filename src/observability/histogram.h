#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
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

// The first bound >= v, i.e. the number of bounds below v (lower_bound's answer), in two table
// loads and one compare. Why not a search: this runs three or four times per request with metrics
// on, and latencies vary from one request to the next, so a binary search mispredicts (~33 ns per
// call in a loaded micro-benchmark), and even 24 branch-free compares were visible in a GET -P16
// profile. How: v lies in [2^(w-1), 2^w) for w = bit_width(v), and such a range holds at most one
// bound (consecutive bounds differ by a factor >= 2: 1, 2, 5, 10, ...). So the count is the
// bounds below 2^(w-1), plus one if that range's bound exists and is below v.
namespace histogram_detail {
struct BucketTables {
  std::array<uint8_t, 65> below{};  // by bit width w: bounds < 2^(w-1) (w = 0: v = 0, none)
  std::array<uint64_t, 65> inside{};  // the bound in [2^(w-1), 2^w), or UINT64_MAX
};
constexpr BucketTables MakeBucketTables() {
  BucketTables t;
  for (int w = 0; w <= 64; w++) {
    uint64_t lo = w == 0 ? 0 : uint64_t{1} << (w - 1);
    uint64_t hi = w == 0 ? 1 : w == 64 ? UINT64_MAX : uint64_t{1} << w;  // exclusive (w=64: all)
    uint8_t n = 0;
    uint64_t in = UINT64_MAX;
    for (uint64_t b : kBounds) {
      if (b < lo) n++;
      else if (b < hi || (w == 64 && b >= lo)) in = b;
    }
    t.below[w] = n;
    t.inside[w] = in;
  }
  return t;
}
inline constexpr BucketTables kBucketTables = MakeBucketTables();
}  // namespace histogram_detail

inline size_t BucketOf(uint64_t v) {
  const int w = std::bit_width(v);
  return histogram_detail::kBucketTables.below[w] + (histogram_detail::kBucketTables.inside[w] < v);
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
