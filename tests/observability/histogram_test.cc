#include "observability/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <thread>

namespace redraft::observability {
namespace {

TEST(Histogram, BucketsAreInclusiveUpperBounds) {
  EXPECT_EQ(BucketOf(0), 0u);
  EXPECT_EQ(BucketOf(1), 0u);
  EXPECT_EQ(BucketOf(2), 1u);
  EXPECT_EQ(BucketOf(3), 2u);
  EXPECT_EQ(BucketOf(50000000), kBounds.size() - 1);
  EXPECT_EQ(BucketOf(50000001), kBounds.size());  // +Inf
}

// BucketOf counts without branches; it must answer what a binary search (lower_bound) does at and
// around every bound.
TEST(Histogram, BucketOfIsLowerBound) {
  for (uint64_t b : kBounds) {
    for (uint64_t v : {b - 1, b, b + 1, b * 3 / 2}) {
      size_t want = static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), v) - kBounds.begin());
      EXPECT_EQ(BucketOf(v), want) << v;
    }
  }
  EXPECT_EQ(BucketOf(UINT64_MAX), kBounds.size());
  // Every value up to 2^20, then around every power of two.
  auto want = [](uint64_t v) {
    return static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), v) - kBounds.begin());
  };
  for (uint64_t v = 0; v <= (1u << 20); v++) ASSERT_EQ(BucketOf(v), want(v)) << v;
  for (int k = 1; k < 64; k++) {
    uint64_t p = uint64_t{1} << k;
    for (uint64_t v : {p - 1, p, p + 1}) ASSERT_EQ(BucketOf(v), want(v)) << v;
  }
}

TEST(Histogram, CountsSumAndQuantiles) {
  Histogram h;
  for (int i = 0; i < 90; i++) h.Observe(100);   // bucket (50, 100]
  for (int i = 0; i < 10; i++) h.Observe(1500);  // bucket (1000, 2000]
  HistogramData d = h.Data();
  EXPECT_EQ(d.count, 100u);
  EXPECT_EQ(d.sum, 90u * 100 + 10u * 1500);
  EXPECT_GT(d.Quantile(0.5), 50);
  EXPECT_LE(d.Quantile(0.5), 100);
  EXPECT_GT(d.Quantile(0.99), 1000);
  EXPECT_LE(d.Quantile(0.99), 2000);
  EXPECT_EQ(HistogramData().Quantile(0.5), 0);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
}

TEST(Histogram, OverflowReportsLastBound) {
  Histogram h;
  h.Observe(uint64_t{1} << 40);
  EXPECT_EQ(h.Data().buckets[kBounds.size()], 1u);
  EXPECT_EQ(h.Data().Quantile(0.5), static_cast<double>(kBounds.back()));
}

TEST(SharedHistogram, OneWriterThreadOneReader) {
  SharedHistogram h;
  std::thread writer([&] {
    for (int i = 0; i < 100000; i++) h.Observe(static_cast<uint64_t>(i % 1000));
  });
  uint64_t last = 0;
  while (last < 100000) {  // the reader sees counts only grow
    HistogramData d = h.Data();
    EXPECT_GE(d.count, last);
    last = d.count;
  }
  writer.join();
  HistogramData d = h.Data();
  uint64_t total = 0;
  for (uint64_t b : d.buckets) total += b;
  EXPECT_EQ(total, 100000u);
}

}  // namespace
}  // namespace redraft::observability
