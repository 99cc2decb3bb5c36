// The parts of Server that feed observability/ (docs/observability.md): per-command stats and
// error counts, the slow log, LATENCY's "command" event, MONITOR, the INFO sections commandstats,
// errorstats and latencystats, and the figures a /metrics scrape asks of the server
// (connections, the storage engine).
#include <sys/time.h>

#include <chrono>
#include <ctime>

#include "commands/args.h"
#include "commands/monitor.h"
#include "server/log_format.h"
#include "server/server.h"

#include <spdlog/spdlog.h>

namespace redraft::server {

using observability::Global;

namespace {

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Redis 7.0 hides credentials from MONITOR and SLOWLOG: AUTH's arguments, HELLO's AUTH pair.
commands::Argv Redacted(const commands::Argv& argv) {
  commands::Argv out = argv;
  if (commands::EqualsIgnoreCase(argv[0], "auth")) {
    for (size_t i = 1; i < out.size(); i++) out[i] = "(redacted)";
  } else if (commands::EqualsIgnoreCase(argv[0], "hello")) {
    for (size_t i = 1; i + 2 < out.size(); i++) {
      if (commands::EqualsIgnoreCase(out[i], "auth")) {
        out[i + 1] = out[i + 2] = "(redacted)";
        i += 2;
      }
    }
  }
  return out;
}

bool NeedsRedaction(const commands::Argv& argv) {
  return commands::EqualsIgnoreCase(argv[0], "auth") || commands::EqualsIgnoreCase(argv[0], "hello");
}

}  // namespace

void Server::ApplyObservabilityConfig() {
  observability::Registry& m = Global();
  m.set_enabled(cfg_.metrics_enabled == "yes");
  m.slowlog().Configure(cfg_.slowlog_log_slower_than, cfg_.slowlog_max_len);
  m.slowlog().set_with_stages(cfg_.slowlog_stages == "yes");
  m.latency().set_threshold_ms(cfg_.latency_monitor_threshold);
  SetLogFormat(cfg_.log_format);
  // Traces (server_trace.cc): this node's name in the spans, the rate and the file.
  std::string ip = cfg_.bind.substr(0, cfg_.bind.find(' '));
  if (ip.find(':') != std::string::npos || ip.find_first_not_of("0123456789.") != std::string::npos) ip.clear();
  observability::Tracing().set_endpoint("redraft-" + std::to_string(cfg_.port), ip, static_cast<int>(cfg_.port));
  std::string err = observability::Tracing().Configure(cfg_.trace_sample_rate, cfg_.trace_file);
  if (!err.empty()) spdlog::warn("traces: {}", err);
}

void Server::CountRejection(std::string_view reply) {
  Global().Error(reply);
  if (cur_stats_) cur_stats_->rejected++;
}

// One log line per slow request, at most 10 a second (SLOWLOG keeps them all; a threshold of 0
// must not flood the log): the count of lines left out is in the next one.
void Server::LogSlowRequest(const observability::SlowlogEntry& e) {
  int64_t now = static_cast<int64_t>(time(nullptr));
  if (now != slow_log_second_) {
    slow_log_second_ = now;
    slow_log_lines_ = 0;
  }
  if (++slow_log_lines_ > 10) {
    slow_log_suppressed_++;
    return;
  }
  std::string args;
  for (size_t i = 0; i < e.args.size() && i < 4; i++) args += (i ? " " : "") + e.args[i].substr(0, 32);
  std::string stages;
  for (const auto& [name, us] : e.stages) stages += " " + std::string(name) + "=" + std::to_string(us) + "us";
  spdlog::info("slow request: {} us '{}' from {}{}{}", e.duration_us, args, e.addr,
               stages.empty() ? "" : " (" + stages.substr(1) + ")",
               slow_log_suppressed_ ? " [" + std::to_string(slow_log_suppressed_) + " more not logged]" : "");
  slow_log_suppressed_ = 0;
}

void Server::CountCall(const Connection* c, observability::CommandStats* st, uint64_t t0_us, uint64_t end_us,
                       std::string_view reply, const commands::Argv* args,
                       std::initializer_list<std::pair<const char*, uint64_t>> stages, uint64_t slow_args_at) {
  observability::Registry& m = Global();
  uint64_t us = end_us - t0_us;
  st->calls++;
  st->usec += us;
  st->latency_us.Observe(us);
  if (observability::Registry::IsError(reply)) {
    st->failed++;
    m.Error(reply);
  }
  if (us >= m.RecordedCallUs()) CountSlowCall(c, st, us, args, stages, slow_args_at);
}

void Server::CountSlowCall(const Connection* c, const observability::CommandStats* st, uint64_t us,
                           const commands::Argv* args, std::initializer_list<std::pair<const char*, uint64_t>> stages,
                           uint64_t slow_args_at) {
  observability::Registry& m = Global();
  if (m.slowlog().Wants(us) && !st->skip_slowlog) {
    // Filled in place (the storage of the entry it replaces is reused: no allocation per record
    // once the log is full, which matters when an overloaded node finds every request slow).
    observability::SlowlogEntry& e = m.slowlog().Push();
    e.time_sec = static_cast<int64_t>(time(nullptr));
    e.duration_us = us;
    if (slow_args_at != observability::SlowArgsArena::kNone) {
      c->slow_args.Get(slow_args_at, &e.args);
    } else if (args && !args->empty()) {
      observability::SlowLog::TruncateArgs(NeedsRedaction(*args) ? Redacted(*args) : *args, &e.args);
    } else {
      e.args.clear();
    }
    e.addr.assign(c->addr);
    e.name.assign(c->session.name);
    e.stages.assign(stages.begin(), stages.end());
    LogSlowRequest(e);
  }
  if (m.latency().Wants(us / 1000)) m.latency().Add("command", us / 1000, static_cast<int64_t>(time(nullptr)));
}

// MONITOR (Redis 7.0): what this node receives from its clients, once past arity, auth and ACL
// checks; administrative commands are not shown (Redis's rule), credentials are redacted.
void Server::FeedMonitors(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  if (spec.flags & commands::kAdmin) return;
  std::string line = commands::MonitorLine(UnixMicros(), c->session.db, c->addr,
                                           NeedsRedaction(argv) ? Redacted(argv) : argv);
  for (Connection* m : monitors_) {
    if (m->closing) continue;
    if (m == c) {  // a monitor's own command: its line follows its reply, as in Redis (CallScope)
      own_monitor_line_ = line;
      continue;
    }
    m->out.append(line);
    MarkDirty(m);
  }
}

void Server::Monitor(uint64_t client_id) {
  auto it = clients_.find(client_id);
  if (it == clients_.end() || it->second->monitor) return;
  it->second->monitor = true;
  monitors_.push_back(it->second);
}

// INFO commandstats / errorstats / latencystats, in Redis 7.0's format. errorstats is in the
// default set, the other two only when asked for (or all/everything), as Redis.
void Server::StatsSections(const std::vector<std::string>& sections, std::string* out) {
  auto want = [&](const char* name, bool in_default) {
    for (auto& s : sections) {
      if (s == name || s == "all" || s == "everything" || (in_default && s == "default")) return true;
    }
    return false;
  };
  observability::Registry& m = Global();
  auto section = [&](const char* title) {
    if (!out->empty()) out->append("\r\n");
    out->append("# ").append(title).append("\r\n");
  };
  char buf[256];
  if (want("commandstats", false)) {
    section("Commandstats");
    for (const observability::CommandStats* c : m.Commands()) {
      snprintf(buf, sizeof(buf), ":calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu\r\n",
               static_cast<unsigned long long>(c->calls), static_cast<unsigned long long>(c->usec),
               c->calls ? static_cast<double>(c->usec) / static_cast<double>(c->calls) : 0.0,
               static_cast<unsigned long long>(c->rejected), static_cast<unsigned long long>(c->failed));
      out->append("cmdstat_").append(c->name).append(buf);
    }
  }
  if (want("errorstats", true)) {
    section("Errorstats");
    for (const auto& [prefix, n] : m.errors()) {
      out->append("errorstat_").append(prefix).append(":count=").append(std::to_string(n)).append("\r\n");
    }
  }
  if (want("latencystats", false)) {
    section("Latencystats");
    for (const observability::CommandStats* c : m.Commands()) {
      if (c->latency_us.count() == 0) continue;
      observability::HistogramData d = c->latency_us.Data();
      snprintf(buf, sizeof(buf), ":p50=%.3f,p99=%.3f,p99.9=%.3f\r\n", d.Quantile(0.5), d.Quantile(0.99),
               d.Quantile(0.999));
      out->append("latency_percentiles_usec_").append(c->name).append(buf);
    }
  }
}

void Server::RegisterMetrics() {
  metrics_collector_ = Global().AddCollector([this](observability::PromWriter& w) { CollectMetrics(w); });
}

void Server::CollectMetrics(observability::PromWriter& w) const {
  w.Gauge("redraft_connected_clients", "Client connections open now.", double(clients_.size()));
  w.Counter("redraft_connections_received_total", "Client connections accepted.", double(total_connections_));
  w.Counter("redraft_commands_processed_total", "Commands received (INFO total_commands_processed).",
            double(total_commands_));
  w.Counter("redraft_connections_rejected_total", "Client connections refused (maxclients, protected mode).",
            double(rejected_connections_));
  w.Gauge("redraft_blocked_clients", "Clients waiting in a blocking command.", blocking_ ? double(blocking_->size()) : 0);
  w.Gauge("redraft_monitor_clients", "Clients in MONITOR mode.", double(monitors_.size()));
  w.Counter("redraft_net_input_bytes_total", "Bytes read from clients.", double(net_input_bytes_));
  w.Counter("redraft_net_output_bytes_total", "Bytes written to clients.", double(net_output_bytes_));
  w.Counter("redraft_error_replies_all_total", "Error replies sent (all prefixes; Redis's total_error_replies).",
            double(Global().total_errors()));
  if (store_) {
    for (const store::EngineFigure& f : store_->EngineFigures()) {
      w.Family(f.name, f.type, f.help);
      w.Sample(f.name, {}, f.value);
    }
  }
}

}  // namespace redraft::server
