#pragma once

#include <string>

namespace redraft::http {

// The Raft and connection gauges of one node in Prometheus text format (version 0.0.4), rendered
// from its INFO text (sections raft, clients, stats). It stands in for /metrics until the
// observability layer's full rendering (src/observability/) is wired by main; names follow
// Prometheus conventions (redraft_ prefix, _total counters, base units).
std::string RenderFallbackMetrics(const std::string& info_text);

}  // namespace redraft::http
