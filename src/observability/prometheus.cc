#include "observability/prometheus.h"

#include <cmath>
#include <cstdio>

namespace redraft::observability {

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '"') out += "\\\"";
    else if (ch == '\n') out += "\\n";
    else out += ch;
  }
  return out;
}

void PromWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PromWriter::Labels_(const Labels& labels, const std::pair<std::string, std::string>* extra) {
  if (labels.empty() && !extra) return;
  out_->push_back('{');
  bool first = true;
  auto one = [&](const std::pair<std::string, std::string>& l) {
    if (!first) out_->push_back(',');
    first = false;
    out_->append(l.first).append("=\"").append(EscapeLabel(l.second)).append("\"");
  };
  for (const auto& l : labels) one(l);
  if (extra) one(*extra);
  out_->push_back('}');
}

void PromWriter::Sample(std::string_view name, const Labels& labels, double value) {
  out_->append(name);
  Labels_(labels, nullptr);
  out_->append(" ").append(FormatValue(value)).append("\n");
}

void PromWriter::HistogramSamples(std::string_view name, const Labels& labels, const HistogramData& data,
                                  double scale) {
  uint64_t cumulative = 0;
  std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i < kBuckets; i++) {
    cumulative += data.buckets[i];
    std::pair<std::string, std::string> le{
        "le", i < kBounds.size() ? FormatValue(static_cast<double>(kBounds[i]) / scale) : "+Inf"};
    out_->append(bucket);
    Labels_(labels, &le);
    out_->append(" ").append(FormatValue(static_cast<double>(cumulative))).append("\n");
  }
  // _count equals the +Inf bucket even if a concurrent writer moved count meanwhile.
  Sample(std::string(name) + "_sum", labels, static_cast<double>(data.sum) / scale);
  Sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

void PromWriter::Gauge(std::string_view name, std::string_view help, double value) {
  Family(name, "gauge", help);
  Sample(name, {}, value);
}

void PromWriter::Counter(std::string_view name, std::string_view help, double value) {
  Family(name, "counter", help);
  Sample(name, {}, value);
}

std::string RenderPrometheus(const Registry& r) {
  std::string out;
  out.reserve(16 << 10);
  PromWriter w(&out);
  auto commands = r.Commands();
  w.Family("redraft_commands_total", "counter", "Commands run, by command (Redis's cmdstat calls).");
  for (const CommandStats* c : commands) w.Sample("redraft_commands_total", {{"cmd", c->name}}, double(c->calls));
  w.Family("redraft_command_errors_total", "counter",
           "Commands that replied an error: failed (by the command) or rejected (before running).");
  for (const CommandStats* c : commands) {
    w.Sample("redraft_command_errors_total", {{"cmd", c->name}, {"kind", "failed"}}, double(c->failed));
    w.Sample("redraft_command_errors_total", {{"cmd", c->name}, {"kind", "rejected"}}, double(c->rejected));
  }
  w.Family("redraft_command_duration_seconds", "histogram",
           "Time from a parsed request to its reply being ready (writes include replication).");
  for (const CommandStats* c : commands) {
    w.HistogramSamples("redraft_command_duration_seconds", {{"cmd", c->name}}, c->latency_us.Data(), 1e6);
  }
  w.Family("redraft_error_replies_total", "counter", "Error replies by error prefix (Redis's errorstat).");
  for (const auto& [prefix, n] : r.errors()) w.Sample("redraft_error_replies_total", {{"prefix", prefix}}, double(n));
  w.Family("redraft_request_stage_duration_seconds", "histogram",
           "Duration of each stage of a write (propose, leader_durable, quorum_commit, apply, reply) and of a read "
           "(barrier_wait, read, reply).");
  for (size_t i = 0; i < static_cast<size_t>(Stage::kCount); i++) {
    StageName n = NameOf(static_cast<Stage>(i));
    w.HistogramSamples("redraft_request_stage_duration_seconds", {{"op", n.op}, {"stage", n.stage}},
                       r.stage(static_cast<Stage>(i)).Data(), 1e6);
  }
  w.Family("redraft_log_fsync_duration_seconds", "histogram", "Duration of each fdatasync of the Raft log.");
  w.HistogramSamples("redraft_log_fsync_duration_seconds", {}, r.fsync_us.Data(), 1e6);
  w.Family("redraft_log_fsync_batch_entries", "histogram", "Log entries made durable by one fdatasync (group commit).");
  w.HistogramSamples("redraft_log_fsync_batch_entries", {}, r.fsync_batch_entries.Data(), 1);
  const ClusterCounters& c = r.cluster();
  w.Counter("redraft_raft_elections_total", "Elections this node started (campaigns).", double(c.elections));
  w.Counter("redraft_raft_leader_changes_total", "Changes of leader seen by this node.", double(c.leader_changes));
  w.Counter("redraft_raft_proposals_dropped_total", "Proposals the Raft log refused.", double(c.proposals_dropped));
  w.Counter("redraft_forwarded_requests_total", "Client writes forwarded to the leader.", double(c.forwards));
  w.Counter("redraft_snapshots_sent_total", "Snapshots streamed to followers.", double(c.snapshots_sent));
  w.Counter("redraft_snapshot_sent_bytes_total", "Bytes of snapshot streamed to followers.",
            double(c.snapshot_bytes_sent));
  w.Counter("redraft_snapshots_received_total", "Snapshots received and installed.", double(c.snapshots_received));
  w.Counter("redraft_snapshot_received_bytes_total", "Bytes of snapshot received.", double(c.snapshot_bytes_received));
  r.Collect(w);
  return out;
}

}  // namespace redraft::observability
