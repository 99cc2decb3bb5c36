#pragma once

// log-format json (issue 13, docs/observability.md): one JSON object per line with
//   time (UTC, ISO 8601 with ms), level, node (this node's id, hex; "" before it is known),
//   term, role, component, msg
// The node's id, term and role come from SetLogContext (the cluster layer calls it when they
// change); the component is the message's leading "word:" when it has one ("raft: role ...",
// "snapshot transfer ..." -> "snapshot"), else "server".

#include <cstdint>
#include <string>
#include <string_view>

namespace redraft::server {

// Switches the default logger between "text" (Redis-like lines) and "json".
void SetLogFormat(const std::string& format);
// What every JSON line says about the node (any thread).
void SetLogContext(uint64_t node_id, uint64_t term, const char* role);
// One JSON line for a message (exposed for tests).
std::string JsonLogLine(int64_t unix_ms, std::string_view level, std::string_view msg);
// The component of a message (see above).
std::string_view LogComponent(std::string_view msg);

}  // namespace redraft::server
