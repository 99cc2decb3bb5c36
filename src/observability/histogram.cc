#include "observability/histogram.h"

namespace redraft::observability {

double HistogramData::Quantile(double q) const {
  if (count == 0) return 0;
  double rank = q * static_cast<double>(count);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; i++) {
    if (buckets[i] == 0) continue;
    if (static_cast<double>(seen + buckets[i]) >= rank) {
      if (i == kBounds.size()) return static_cast<double>(kBounds.back());
      double lo = i == 0 ? 0 : static_cast<double>(kBounds[i - 1]);
      double hi = static_cast<double>(kBounds[i]);
      double within = (rank - static_cast<double>(seen)) / static_cast<double>(buckets[i]);
      return lo + (hi - lo) * std::clamp(within, 0.0, 1.0);
    }
    seen += buckets[i];
  }
  return static_cast<double>(kBounds.back());
}

void HistogramData::Merge(const HistogramData& o) {
  for (size_t i = 0; i < kBuckets; i++) buckets[i] += o.buckets[i];
  count += o.count;
  sum += o.sum;
}

HistogramData Histogram::Data() const {
  HistogramData d;
  d.buckets = buckets_;
  d.count = count_;
  d.sum = sum_;
  return d;
}

HistogramData SharedHistogram::Data() const {
  HistogramData d;
  for (size_t i = 0; i < kBuckets; i++) d.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  d.count = count_.load(std::memory_order_relaxed);
  d.sum = sum_.load(std::memory_order_relaxed);
  return d;
}

}  // namespace redraft::observability
