// SLOWLOG GET/LEN/RESET/HELP (Redis 7.0). Entries are this node's (observability/slowlog.h).
// With slowlog-stages yes, each entry gets a 7th element: the request's stage durations as a flat
// array of name, µs (docs/observability.md); off by default so Redis clients see Redis's shape.
#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/monitor.h"
#include "observability/registry.h"

namespace redraft::commands {
namespace {

void SlowlogGet(ExecContext& ctx, const Argv& argv) {
  int64_t count = 10;
  if (argv.size() > 3) {  // Redis's addReplySubcommandSyntaxError
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(EchoArg(argv[1], 128)) + "'. Try SLOWLOG HELP.");
  }
  if (argv.size() == 3 && (!ParseInt64(argv[2], &count) || count < -1)) {
    return ctx.reply.Error("ERR count should be greater than or equal to -1");
  }
  observability::SlowLog& log = observability::Global().slowlog();
  size_t n = count == -1 ? log.size() : std::min<size_t>(log.size(), static_cast<size_t>(count));
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; i++) {
    const observability::SlowlogEntry& e = log.newest(i);
    ctx.reply.ArrayHeader(log.with_stages() ? 7 : 6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.time_sec);
    ctx.reply.Integer(static_cast<int64_t>(e.duration_us));
    ctx.reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.addr);
    ctx.reply.Bulk(e.name);
    if (log.with_stages()) {
      ctx.reply.ArrayHeader(e.stages.size() * 2);
      for (const auto& [name, us] : e.stages) {
        ctx.reply.Bulk(name);
        ctx.reply.Integer(static_cast<int64_t>(us));
      }
    }
  }
}

void SlowlogLen(ExecContext& ctx, const Argv&) {
  ctx.reply.Integer(static_cast<int64_t>(observability::Global().slowlog().size()));
}

void SlowlogReset(ExecContext& ctx, const Argv&) {
  observability::Global().slowlog().Reset();
  ctx.reply.Ok();
}

void SlowlogHelp(ExecContext& ctx, const Argv&) {
  static const char* const kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kSlowlogFlags = kAdmin | kLoading | kStale;

const CommandSpec kSlowlogSubcommands[] = {
    {.name = "slowlog|len", .arity = 2, .flags = kSlowlogFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.2.12", .summary = "Get the slow log's length", .complexity = "O(1)",
     .execute = &SlowlogLen, .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"},
    {.name = "slowlog|reset", .arity = 2, .flags = kSlowlogFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.2.12", .summary = "Clear all entries from the slow log",
     .complexity = "O(N) where N is the number of entries in the slowlog", .execute = &SlowlogReset,
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "slowlog|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "6.2.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &SlowlogHelp},
    {.name = "slowlog|get", .arity = -2, .flags = kSlowlogFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.2.12", .summary = "Get the slow log's entries",
     .complexity = "O(N) where N is the number of entries returned", .execute = &SlowlogGet,
     .tips = "request_policy:all_nodes nondeterministic_output", .args = "count:integer?",
     .history = "4.0.0 Added client IP address, port and name to the reply."},
    {},
};

}  // namespace

const CommandSpec kSlowlogCommands[] = {
    {.name = "slowlog", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "2.2.12", .summary = "A container for slow log commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kSlowlogSubcommands},
    {},
};

}  // namespace redraft::commands
