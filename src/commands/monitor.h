#pragma once

// SLOWLOG, LATENCY and MONITOR (Redis's observability commands; docs/observability.md). Their
// records live in observability/ (the node's own, never replicated); MONITOR's streaming is the
// server's (ServerApi::Monitor).

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/command.h"

namespace redraft::commands {

extern const CommandSpec kSlowlogCommands[];  // slowlog.cc
extern const CommandSpec kLatencyCommands[];  // latency.cc
extern const CommandSpec kMonitorCommands[];  // monitor.cc

// One MONITOR line as Redis 7.0 writes it, a status reply:
//   +<unix sec>.<µs> [<db> <client addr>] "arg" "arg"...\r\n
// each argument quoted and escaped as Redis's sdscatrepr. `source` is the client's ip:port, or
// "lua" for a command a script ran.
std::string MonitorLine(int64_t unix_us, int db, std::string_view source, const Argv& argv);
// sdscatrepr: "..." with \\ \" \n \r \t \a \b escaped and other non-printable bytes as \xHH.
void AppendRepr(std::string* out, std::string_view s);

}  // namespace redraft::commands
