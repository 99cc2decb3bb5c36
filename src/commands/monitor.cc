// MONITOR: the connection becomes a monitor of the commands this node receives (server/ streams
// them); the line format is Redis 7.0's.
#include "commands/monitor.h"

#include <cstdio>

#include "commands/server_api.h"

namespace redraft::commands {

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (ch >= 0x20 && ch < 0x7f) {
          out->push_back(static_cast<char>(ch));
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", ch);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

std::string MonitorLine(int64_t unix_us, int db, std::string_view source, const Argv& argv) {
  char head[64];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(unix_us / 1000000),
           static_cast<long long>(unix_us % 1000000), db);
  std::string out = head;
  out.append(source).append("]");
  for (const std::string& a : argv) {
    out.push_back(' ');
    AppendRepr(&out, a);
  }
  out.append("\r\n");
  return out;
}

namespace {

void Monitor(ExecContext& ctx, const Argv&) {
  if (!ctx.server) return ctx.reply.Error("ERR MONITOR is not available here");
  ctx.server->Monitor(ctx.session.id);
  ctx.reply.Ok();
}

}  // namespace

const CommandSpec kMonitorCommands[] = {
    {.name = "monitor", .arity = 1, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "1.0.0",
     .summary = "Listen for all requests received by the server in real time", .execute = &Monitor},
    {},
};

}  // namespace redraft::commands
