#pragma once

// Prometheus text exposition format 0.0.4 (what /metrics serves): families of samples, each family
// announced once with # HELP and # TYPE, its samples contiguous. Names follow Prometheus's
// conventions (docs/observability.md): redraft_ prefix, base units (seconds, bytes) in the name,
// counters end in _total, histograms have _bucket{le}, _sum and _count.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "observability/histogram.h"
#include "observability/registry.h"

namespace redraft::observability {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PromWriter {
 public:
  explicit PromWriter(std::string* out) : out_(out) {}
  // Starts a family; type is counter, gauge or histogram. Its samples must follow.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  // A histogram's samples (name_bucket/_sum/_count) from data recorded in units of 1/scale of the
  // family's unit (scale 1e6 for microseconds rendered as seconds, 1 for counts).
  void HistogramSamples(std::string_view name, const Labels& labels, const HistogramData& data, double scale);
  // A family of one unlabelled sample.
  void Gauge(std::string_view name, std::string_view help, double value);
  void Counter(std::string_view name, std::string_view help, double value);

 private:
  void Labels_(const Labels& labels, const std::pair<std::string, std::string>* extra);
  std::string* out_;
};

// Formats a sample value: integers exactly, others with up to 9 significant digits.
std::string FormatValue(double v);
// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabel(std::string_view v);

// The whole exposition: the registry's own figures, then every collector's.
std::string RenderPrometheus(const Registry& r);

}  // namespace redraft::observability
