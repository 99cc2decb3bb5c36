// LATENCY LATEST/HISTORY/RESET/HISTOGRAM/DOCTOR/HELP (Redis 7.0). The event records are this
// node's (observability/latency_monitor.h); HISTOGRAM reads the per-command latency histograms
// (observability/registry.h), whose buckets are redraft's fixed 1-2-5 bounds, not Redis's
// powers of two.
#include <ctime>

#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/monitor.h"
#include "observability/registry.h"

namespace redraft::commands {
namespace {

void LatencyLatest(ExecContext& ctx, const Argv&) {
  const auto& events = observability::Global().latency().events();
  ctx.reply.ArrayHeader(events.size());
  for (const auto& [name, s] : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(s.Latest().time);
    ctx.reply.Integer(s.Latest().latency);
    ctx.reply.Integer(s.max);
  }
}

void LatencyHistory(ExecContext& ctx, const Argv& argv) {
  const auto& events = observability::Global().latency().events();
  auto it = events.find(argv[2]);
  if (it == events.end()) return ctx.reply.ArrayHeader(0);
  auto history = it->second.History();
  ctx.reply.ArrayHeader(history.size());
  for (const auto& s : history) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(s.time);
    ctx.reply.Integer(s.latency);
  }
}

void LatencyReset(ExecContext& ctx, const Argv& argv) {
  std::vector<std::string> names(argv.begin() + 2, argv.end());
  ctx.reply.Integer(observability::Global().latency().Reset(names));
}

void ReplyHistogram(ExecContext& ctx, const observability::CommandStats& c) {
  ctx.reply.Bulk(c.name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(static_cast<int64_t>(c.latency_us.count()));
  ctx.reply.Bulk("histogram_usec");
  observability::HistogramData d = c.latency_us.Data();
  // Cumulative counts at each bucket's upper bound, from the first non-empty bucket until all
  // calls are counted (as Redis's CDF).
  std::vector<std::pair<uint64_t, uint64_t>> cdf;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < observability::kBuckets && cumulative < d.count; i++) {
    cumulative += d.buckets[i];
    if (cumulative == 0) continue;
    uint64_t bound = i < observability::kBounds.size() ? observability::kBounds[i] : observability::kBounds.back() * 2;
    cdf.emplace_back(bound, cumulative);
  }
  ctx.reply.MapHeader(cdf.size());
  for (const auto& [bound, n] : cdf) {
    ctx.reply.Integer(static_cast<int64_t>(bound));
    ctx.reply.Integer(static_cast<int64_t>(n));
  }
}

// LATENCY HISTOGRAM [command ...]: commands never called are left out, as Redis.
void LatencyHistogram(ExecContext& ctx, const Argv& argv) {
  auto all = observability::Global().Commands();
  std::vector<const observability::CommandStats*> chosen;
  for (const observability::CommandStats* c : all) {
    if (c->latency_us.count() == 0) continue;
    bool wanted = argv.size() == 2;
    for (size_t i = 2; i < argv.size() && !wanted; i++) wanted = EqualsIgnoreCase(argv[i], c->name);
    if (wanted) chosen.push_back(c);
  }
  ctx.reply.MapHeader(chosen.size());
  for (const observability::CommandStats* c : chosen) ReplyHistogram(ctx, *c);
}

// LATENCY DOCTOR: Redis's two fixed texts when monitoring is off or nothing was seen; otherwise a
// short per-event report (redraft's wording: its events are fsync, apply, election, snapshot and
// command, not Redis's).
void LatencyDoctor(ExecContext& ctx, const Argv&) {
  observability::LatencyMonitor& m = observability::Global().latency();
  std::string report;
  if (m.threshold_ms() == 0 && m.events().empty()) {
    report =
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
        "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
        "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  } else if (m.events().empty()) {
    report =
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. "
        "I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  } else {
    report = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
             "Dave?\n\n";
    int n = 1;
    for (const auto& [name, s] : m.events()) {
      auto h = s.History();
      uint64_t sum = 0;
      for (const auto& x : h) sum += x.latency;
      report += std::to_string(n++) + ". " + name + ": " + std::to_string(h.size()) +
                " latency spikes (average " + std::to_string(h.empty() ? 0 : sum / h.size()) +
                "ms, worst " + std::to_string(s.max) + "ms).\n";
    }
    report += "\nI have a few advices for you:\n\n";
    if (m.events().count("fsync")) {
      report += "- fsync: the Raft log's fdatasync was slow. Check the disk under dir (iostat), other I/O on it, "
                "and that the log is not on a network or throttled volume.\n";
    }
    if (m.events().count("apply")) {
      report += "- apply: applying committed batches was slow. Look for slow commands (SLOWLOG GET) or big "
                "values, and RocksDB stalls in /metrics.\n";
    }
    if (m.events().count("election")) {
      report += "- election: the cluster was without a leader. Check the network between nodes and that no "
                "node is overloaded (raft-election-ticks x raft-tick-ms is the timeout).\n";
    }
    if (m.events().count("snapshot-send") || m.events().count("snapshot-install")) {
      report += "- snapshot: a follower needed a full copy of the state. It happens when a follower is far "
                "behind; log-compact-entries bounds how far.\n";
    }
    if (m.events().count("command")) {
      report += "- command: requests were slow end to end. SLOWLOG GET (with slowlog-stages yes) shows which "
                "stage took the time.\n";
    }
  }
  ctx.reply.Verbatim(report);
}

void LatencyGraph(ExecContext& ctx, const Argv& argv) {
  const auto& events = observability::Global().latency().events();
  auto it = events.find(argv[2]);
  if (it == events.end()) {
    return ctx.reply.Error("ERR No samples available for event '" + std::string(EchoArg(argv[2])) + "'");
  }
  // A compact text graph: one row per sample, oldest first, a bar scaled to the maximum.
  const auto& s = it->second;
  std::string out = argv[2] + " - high " + std::to_string(s.max) + " ms, low ";
  auto h = s.History();
  uint32_t low = UINT32_MAX;
  for (const auto& x : h) low = std::min(low, x.latency);
  out += std::to_string(h.empty() ? 0 : low) + " ms (all time high " + std::to_string(s.max) + " ms)\n";
  out += std::string(80, '-') + "\n";
  int64_t now = static_cast<int64_t>(time(nullptr));
  for (const auto& x : h) {
    size_t bar = s.max ? static_cast<size_t>(uint64_t{x.latency} * 60 / s.max) : 0;
    char head[48];
    snprintf(head, sizeof(head), "%6llds ago %6u ms |", static_cast<long long>(now - x.time), x.latency);
    out += head + std::string(std::max<size_t>(bar, 1), '#') + "\n";
  }
  ctx.reply.Verbatim(out);
}

void LatencyHelp(ExecContext& ctx, const Argv&) {
  static const char* const kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the specified command "
      "names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kLatencyFlags = kAdmin | kNoScript | kLoading | kStale;
constexpr std::string_view kSpecialTips = "nondeterministic_output request_policy:all_nodes response_policy:special";

const CommandSpec kLatencySubcommands[] = {
    {.name = "latency|reset", .arity = -2, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Reset latency data for one or more events.",
     .complexity = "O(1)", .execute = &LatencyReset,
     .tips = "request_policy:all_nodes response_policy:all_succeeded", .args = "event:string?*"},
    {.name = "latency|history", .arity = 3, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Return timestamp-latency samples for the event.",
     .complexity = "O(1)", .execute = &LatencyHistory, .tips = kSpecialTips, .args = "event:string"},
    {.name = "latency|doctor", .arity = 2, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Return a human readable latency analysis report.",
     .complexity = "O(1)", .execute = &LatencyDoctor, .tips = kSpecialTips},
    {.name = "latency|graph", .arity = 3, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Return a latency graph for the event.",
     .complexity = "O(1)", .execute = &LatencyGraph, .tips = kSpecialTips, .args = "event:string"},
    {.name = "latency|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Show helpful text about the different subcommands.",
     .complexity = "O(1)", .execute = &LatencyHelp},
    {.name = "latency|latest", .arity = 2, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Return the latest latency samples for all events.",
     .complexity = "O(1)", .execute = &LatencyLatest, .tips = kSpecialTips},
    {.name = "latency|histogram", .arity = -2, .flags = kLatencyFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "7.0.0",
     .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
     .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
     .execute = &LatencyHistogram, .tips = kSpecialTips, .args = "command:string?*"},
    {},
};

}  // namespace

const CommandSpec kLatencyCommands[] = {
    {.name = "latency", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "2.8.13", .summary = "A container for latency diagnostics commands",
     .complexity = "Depends on subcommand.", .execute = &DispatchSubcommand, .subcommands = kLatencySubcommands},
    {},
};

}  // namespace redraft::commands
