// CLUSTER commands and READONLY/READWRITE. The cluster is one shard owning all 16384 slots: the
// Raft leader is its primary and the followers its replicas, so cluster-aware clients (redis-cli
// -c, redis-py RedisCluster, ioredis Cluster) find every key on the leader.
#include <string>

#include "commands/args.h"
#include "commands/cluster_api.h"
#include "commands/command.h"
#include "commands/server_api.h"
#include "resp/error_text.h"

namespace redraft::commands {
namespace {

constexpr int kSlots = 16384;

// CRC16-CCITT (XModem), as Redis Cluster's keyHashSlot uses.
uint16_t Crc16(std::string_view s) {
  uint16_t crc = 0;
  for (unsigned char c : s) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
  }
  return crc;
}

// Redis keyHashSlot: only the part inside the first non-empty {...} is hashed, if any.
int KeySlot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return Crc16(key) & (kSlots - 1);
}

ClusterApi* Api(ExecContext& ctx) { return ctx.server ? ctx.server->cluster() : nullptr; }

void ReplyNodeEntry(resp::ReplyBuilder& r, const ClusterNode& n) {
  r.ArrayHeader(3);
  r.Bulk(n.host);
  r.Integer(n.port);
  r.Bulk(n.id);
}

void ClusterSlots(ExecContext& ctx, ClusterApi* api) {
  auto nodes = api->Nodes();
  if (nodes.empty() || !nodes[0].leader) return ctx.reply.ArrayHeader(0);
  size_t n = 0;
  for (auto& node : nodes) n += node.learner ? 0 : 1;
  ctx.reply.ArrayHeader(1);
  ctx.reply.ArrayHeader(2 + n);
  ctx.reply.Integer(0);
  ctx.reply.Integer(kSlots - 1);
  for (auto& node : nodes) {
    if (!node.learner) ReplyNodeEntry(ctx.reply, node);
  }
}

void ClusterShards(ExecContext& ctx, ClusterApi* api) {
  auto nodes = api->Nodes();
  auto& r = ctx.reply;
  r.ArrayHeader(1);
  r.MapHeader(2);
  r.Bulk("slots");
  if (!nodes.empty() && nodes[0].leader) {
    r.ArrayHeader(2), r.Integer(0), r.Integer(kSlots - 1);
  } else {
    r.ArrayHeader(0);
  }
  r.Bulk("nodes");
  r.ArrayHeader(nodes.size());
  for (auto& node : nodes) {
    r.MapHeader(7);
    r.Bulk("id"), r.Bulk(node.id);
    r.Bulk("port"), r.Integer(node.port);
    r.Bulk("ip"), r.Bulk(node.host);
    r.Bulk("endpoint"), r.Bulk(node.host);
    r.Bulk("role"), r.Bulk(node.leader ? "master" : "replica");
    r.Bulk("replication-offset"), r.Integer(0);
    r.Bulk("health"), r.Bulk(node.connected ? "online" : "fail");
  }
}

std::string ClusterNodesText(ClusterApi* api) {
  auto nodes = api->Nodes();
  std::string leader_id = (!nodes.empty() && nodes[0].leader) ? nodes[0].id : "-";
  std::string epoch = std::to_string(api->CurrentTerm());
  std::string out;
  for (auto& n : nodes) {
    std::string flags = n.self ? "myself," : "";
    flags += n.leader ? "master" : "slave";
    if (!n.connected) flags += ",fail";
    out += n.id + " " + n.host + ":" + std::to_string(n.port) + "@" + std::to_string(n.cluster_port) + " " + flags +
           " " + (n.leader ? "-" : leader_id) + " 0 0 " + epoch + " " + (n.connected ? "connected" : "disconnected");
    if (n.leader) out += " 0-16383";
    out += "\n";
  }
  return out;
}

std::string ClusterInfoText(ClusterApi* api) {
  auto nodes = api->Nodes();
  bool ok = api->HasLeader();
  std::string epoch = std::to_string(api->CurrentTerm());
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += k + ":" + v + "\r\n"; };
  line("cluster_state", ok ? "ok" : "fail");
  line("cluster_slots_assigned", ok ? "16384" : "0");
  line("cluster_slots_ok", ok ? "16384" : "0");
  line("cluster_slots_pfail", "0");
  line("cluster_slots_fail", "0");
  line("cluster_known_nodes", std::to_string(nodes.size()));
  line("cluster_size", ok ? "1" : "0");
  line("cluster_current_epoch", epoch);
  line("cluster_my_epoch", epoch);
  line("cluster_stats_messages_sent", "0");
  line("cluster_stats_messages_received", "0");
  line("total_cluster_links_buffer_limit_exceeded", "0");
  return out;
}

void ReplyStatus(ExecContext& ctx, const Status& st) {
  if (st.ok()) return ctx.reply.Ok();
  ctx.reply.Error(resp::ErrorText(st));
}

void Cluster(ExecContext& ctx, const Argv& argv) {
  std::string sub = argv[1];
  for (auto& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (sub == "keyslot") {
    if (argv.size() != 3) return ctx.reply.Error(WrongArity("cluster|keyslot"));
    return ctx.reply.Integer(KeySlot(argv[2]));
  }
  ClusterApi* api = Api(ctx);
  if (!api) return ctx.reply.Error("ERR This instance has cluster support disabled");
  if (sub == "info") return ctx.reply.Verbatim(ClusterInfoText(api));
  if (sub == "myid") return ctx.reply.Bulk(api->MyId());
  if (sub == "nodes") return ctx.reply.Verbatim(ClusterNodesText(api));
  if (sub == "slots") return ClusterSlots(ctx, api);
  if (sub == "shards") return ClusterShards(ctx, api);
  if (sub == "meet") {
    if (argv.size() < 4) return ctx.reply.Error(WrongArity("cluster|meet"));
    int64_t port;
    if (!ParseInt64(argv[3], &port) || port <= 0 || port > 65535) {
      return ctx.reply.Error("ERR Invalid base port specified: " + std::string(EchoArg(argv[3])));
    }
    // Answered when the probe of the new node is done (or failed); the loop goes on meanwhile.
    int proto = ctx.session.proto;
    api->Meet(argv[2], static_cast<int>(port), [reply = ctx.server->DeferReply(ctx.session.id), proto](Status st) {
      std::string out;
      resp::ReplyBuilder rb(&out, proto);
      if (st.ok()) rb.Ok();
      else rb.Error(resp::ErrorText(st));
      reply(std::move(out));
    });
    return;
  }
  if (sub == "forget") {
    if (argv.size() != 3) return ctx.reply.Error(WrongArity("cluster|forget"));
    return ReplyStatus(ctx, api->Forget(argv[2]));
  }
  if (sub == "failover") {
    std::string target;
    for (size_t i = 2; i < argv.size(); i++) {
      if (EqualsIgnoreCase(argv[i], "force") || EqualsIgnoreCase(argv[i], "takeover")) continue;
      target = argv[i];
    }
    return ReplyStatus(ctx, api->Failover(target));
  }
  if (sub == "join") {
    if (argv.size() < 3 || argv.size() % 2 != 1) return ctx.reply.Error(WrongArity("cluster|join"));
    return ReplyStatus(ctx, api->Join(argv[2], Argv(argv.begin() + 3, argv.end())));
  }
  ctx.reply.Error(UnknownSubcommand(argv));
}

// DEBUG PARTITION <node-id|*> on|off: fault injection for tests (enable-debug-command yes).
void Debug(ExecContext& ctx, const Argv& argv) {
  if (!ctx.server || !ctx.server->debug_enabled()) {
    return ctx.reply.Error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                           "you can run it from a local connection, otherwise you need to set this option in the "
                           "configuration file, and then restart the server.");
  }
  if (argv.size() == 4 && EqualsIgnoreCase(argv[1], "partition")) {
    ClusterApi* api = Api(ctx);
    if (!api) return ctx.reply.Error("ERR This instance has cluster support disabled");
    bool on = EqualsIgnoreCase(argv[3], "on");
    if (!on && !EqualsIgnoreCase(argv[3], "off")) return ctx.reply.Error(kErrSyntax);
    return ReplyStatus(ctx, api->BlockPeer(argv[2], on));
  }
  ctx.reply.Error(UnknownSubcommand(argv));
}

void ReadOnly(ExecContext& ctx, const Argv&) {
  ctx.session.readonly = true;
  ctx.reply.Ok();
}

void ReadWrite(ExecContext& ctx, const Argv&) {
  ctx.session.readonly = false;
  ctx.reply.Ok();
}

}  // namespace

int ClusterKeySlot(std::string_view key) { return KeySlot(key); }

const CommandSpec kClusterCommands[] = {
    {"cluster", -2, 0, 0, 0, 0, "cluster", "3.0.0", "A container for Redis Cluster commands.", "Depends on subcommand.", Cluster},
    {"debug", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, "server", "1.0.0", "A container for debugging commands.", "Depends on subcommand.", Debug},
    {"readonly", 1, kFast | kLoading | kStale, 0, 0, 0, "cluster", "3.0.0", "Enables read-only queries for a connection to a Redis Cluster replica node.", "O(1)", ReadOnly},
    {"readwrite", 1, kFast | kLoading | kStale, 0, 0, 0, "cluster", "3.0.0", "Enables read-write queries for a connection to a Redis Cluster replica node.", "O(1)", ReadWrite},
    {},
};

}  // namespace redraft::commands
