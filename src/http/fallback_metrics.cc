#include "http/fallback_metrics.h"

#include <charconv>
#include <map>
#include <vector>

namespace redraft::http {
namespace {

bool IsNumber(const std::string& s) {
  double d;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// Label values escape backslash, quote and newline (exposition format).
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderFallbackMetrics(const std::string& info_text) {
  std::map<std::string, std::string> info;
  size_t pos = 0;
  while (pos < info_text.size()) {
    size_t eol = info_text.find('\n', pos);
    if (eol == std::string::npos) eol = info_text.size();
    std::string line = info_text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string::npos) info[line.substr(0, colon)] = line.substr(colon + 1);
    pos = eol + 1;
  }
  std::string out;
  auto metric = [&](const std::string& name, const char* type, const char* help, const std::string& value,
                    const std::string& labels = "") {
    if (!IsNumber(value)) return;
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += name + labels + " " + value + "\n";
  };
  auto get = [&](const char* k) { auto it = info.find(k); return it == info.end() ? std::string() : it->second; };
  std::string node = get("raft_node_id"), role = get("raft_role");
  out += "# HELP redraft_node_info This node's identity (value always 1).\n# TYPE redraft_node_info gauge\n";
  out += "redraft_node_info{node_id=\"" + Label(node) + "\",cluster_id=\"" + Label(get("raft_cluster_id")) + "\"} 1\n";
  out += "# HELP redraft_raft_role 1 for this node's current Raft role.\n# TYPE redraft_raft_role gauge\n";
  for (const char* r : {"leader", "follower", "candidate", "learner", "forming", "diverged"}) {
    out += std::string("redraft_raft_role{role=\"") + r + "\"} " + (role == r ? "1" : "0") + "\n";
  }
  metric("redraft_raft_is_leader", "gauge", "1 if this node is the Raft leader.", role == "leader" ? "1" : "0");
  metric("redraft_raft_term", "gauge", "Current Raft term.", get("raft_term"));
  metric("redraft_raft_commit_index", "gauge", "Highest log index known committed.", get("raft_commit_index"));
  metric("redraft_raft_applied_index", "gauge", "Highest log index applied to the store.", get("raft_applied_index"));
  metric("redraft_raft_last_index", "gauge", "Last index in this node's log.", get("raft_last_index"));
  metric("redraft_raft_durable_index", "gauge", "Last index fsynced to this node's log.", get("raft_durable_index"));
  metric("redraft_raft_snapshot_index", "gauge", "Index of the latest snapshot (log compacted behind it).",
         get("raft_snapshot_index"));
  metric("redraft_raft_voters", "gauge", "Voting members.", get("raft_voters"));
  metric("redraft_raft_learners", "gauge", "Non-voting members (catching up).", get("raft_learners"));
  metric("redraft_raft_pending_proposals", "gauge", "Proposals waiting to be committed.", get("raft_pending_proposals"));
  // Per peer (reported by the leader only).
  std::vector<std::map<std::string, std::string>> peers;
  for (const auto& [k, v] : info) {
    if (k.rfind("raft_peer", 0) != 0) continue;
    std::map<std::string, std::string> f;
    size_t p = 0;
    while (p <= v.size()) {
      size_t comma = v.find(',', p);
      if (comma == std::string::npos) comma = v.size();
      std::string kv = v.substr(p, comma - p);
      size_t eq = kv.find('=');
      if (eq != std::string::npos) f[kv.substr(0, eq)] = kv.substr(eq + 1);
      p = comma + 1;
    }
    peers.push_back(f);
  }
  if (!peers.empty()) {
    for (auto [name, field, help] : {std::tuple{"redraft_raft_peer_match_index", "match", "Highest index known replicated on the peer (leader's view)."},
                                     std::tuple{"redraft_raft_peer_lag_entries", "lag", "Entries the peer is behind the leader's last index."},
                                     std::tuple{"redraft_raft_peer_connected", "connected", "1 if the peer link is up."}}) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
      for (auto& f : peers) {
        if (!IsNumber(f[field])) continue;
        out += std::string(name) + "{peer=\"" + Label(f["id"]) + "\"} " + f[field] + "\n";
      }
    }
  }
  metric("redraft_connected_clients", "gauge", "Client connections (internal HTTP sessions included).",
         get("connected_clients"));
  metric("redraft_commands_processed_total", "counter", "Commands processed since start.",
         get("total_commands_processed"));
  metric("redraft_connections_received_total", "counter", "Connections accepted since start.",
         get("total_connections_received"));
  return out;
}

}  // namespace redraft::http
