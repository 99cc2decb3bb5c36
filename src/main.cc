// redraft-server [config-file] [--directive value ...]
#include <cstdio>

#include <spdlog/spdlog.h>

#include "cluster/peer_auth.h"
#include "cluster/raft_replicator.h"
#include "observability/prometheus.h"
#include "http/http_server.h"
#include "server/config.h"
#include "server/logging.h"
#include "server/server.h"
#include "server/tls_config.h"

namespace {

using redraft::Result;
using redraft::Status;

// "id@host:port[@cport],..." -> members.
Result<std::map<uint64_t, redraft::cluster::MemberAddr>> ParseMembers(const std::string& spec) {
  std::map<uint64_t, redraft::cluster::MemberAddr> out;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find_first_of(", ", pos);
    std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? spec.size() : comma + 1;
    if (item.empty()) continue;
    size_t at = item.find('@');
    redraft::cluster::MemberAddr a;
    uint64_t id = at == std::string::npos ? 0 : redraft::cluster::ParseNodeId(item.substr(0, at));
    if (id == 0 || !redraft::cluster::MemberAddr::Decode(item.substr(at + 1), &a)) {
      return Status::InvalidArgument("bad cluster-members item '" + item + "' (want id@host:port)");
    }
    out[id] = a;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace redraft::server;
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf("Usage: redraft-server [/path/to/redraft.conf] [--directive value ...]\n"
                "Every directive is documented in conf/redraft.conf.\n");
    return 0;
  }
  auto cfg = ParseCommandLine(argc, argv);
  if (!cfg.ok()) {
    std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", cfg.status().message().c_str());
    return 1;
  }
  auto members = ParseMembers(cfg->cluster_members);
  if (!members.ok()) {
    std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", members.status().message().c_str());
    return 1;
  }
  Status st = SetupLogging(cfg->logfile, cfg->loglevel);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  if (!cfg->secrets_in_readable_file.empty()) {
    spdlog::warn("config file {} holds a password or the cluster secret and is readable by group or others "
                 "(chmod 600 it)", cfg->secrets_in_readable_file);
  }
  redraft::cluster::ClusterOptions opts;
  opts.dir = cfg->dir;
  opts.bind = cfg->bind;
  // The client port a cluster advertises (CLUSTER NODES, the peer port's base): the TLS port on a
  // TLS-only node (port 0).
  if (cfg->port == 0 && cfg->tls_port == 0) {
    std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\nport 0 (no plain TCP port) needs a tls-port\n");
    return 1;
  }
  opts.port = cfg->port != 0 ? cfg->port : cfg->tls_port;
  opts.cluster_port = cfg->cluster_port;
  opts.node_id = redraft::cluster::ParseNodeId(cfg->cluster_node_id);
  opts.cluster_id = cfg->cluster_id;
  opts.initial_members = std::move(members).value();
  opts.join = cfg->cluster_join == "yes";
  opts.tick_ms = cfg->raft_tick_ms;
  opts.election_tick = cfg->raft_election_ticks;
  opts.request_timeout_ms = cfg->cluster_request_timeout;
  opts.compact_every = cfg->log_compact_entries;
  opts.compact_bytes = cfg->log_compact_bytes;
  opts.segment_bytes = static_cast<uint64_t>(cfg->log_segment_size);
  opts.disk_min_free = static_cast<uint64_t>(cfg->disk_min_free);
  if (!cfg->cluster_secret.empty() && !cfg->cluster_secret_file.empty()) {
    std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\ncluster-secret and cluster-secret-file are exclusive\n");
    return 1;
  }
  opts.cluster_secret = cfg->cluster_secret;
  if (!cfg->cluster_secret_file.empty()) {
    std::string error;
    auto file = redraft::cluster::ReadSecretFile(cfg->cluster_secret_file, &error);
    if (!file) {
      std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", error.c_str());
      return 1;
    }
    if (file->world_readable) {
      spdlog::warn("cluster-secret-file {} is readable by group or others (chmod 600 it)", cfg->cluster_secret_file);
    }
    opts.cluster_secret = file->secret;
  }
  if (cfg->tls_cluster == "yes") {
    // Peer connections are mutual TLS whatever tls-auth-clients says for clients.
    redraft::tls::TlsOptions t = TlsOptionsFromConfig(*cfg);
    t.auth_clients = "yes";
    auto server_ctx = redraft::tls::TlsContext::Create(t);
    auto client_ctx = server_ctx.ok() ? redraft::tls::TlsContext::CreateClient(t) : server_ctx;
    if (!client_ctx.ok()) {
      std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\ntls-cluster: %s\n", client_ctx.status().message().c_str());
      return 1;
    }
    opts.tls_server = std::move(server_ctx).value();
    opts.tls_client = std::move(client_ctx).value();
    spdlog::info("tls-cluster: peer connections are mutual TLS; a peer's certificate must name redraft-node-<its id>");
  }
  if (opts.cluster_secret.empty() && !opts.tls_server && !opts.initial_members.empty()) {
    spdlog::warn("no cluster-secret: anyone who can reach the peer port can send Raft traffic (set cluster-secret)");
  }
  int http_port = cfg->http_port;  // the HTTP port's settings (cfg moves into the server)
  std::string http_bind = cfg->http_bind;
  int64_t http_max_body = cfg->http_max_body;
  bool http_tls = cfg->http_tls == "yes";
  Server server(std::move(cfg).value(), [opts](uv_loop_t* loop, StateMachine* sm, Replicator::AppliedFn applied,
                                               Replicator::ReadReadyFn ready) {
    auto r = std::make_unique<redraft::cluster::RaftReplicator>(loop, sm, opts, std::move(applied), std::move(ready));
    Server::ReplicationLayer layer;
    layer.cluster = r.get();
    layer.replicator = std::move(r);
    return layer;
  });
  st = server.Init();
  if (!st.ok()) {
    spdlog::critical("startup failed: {}", st.ToString());
    return 1;
  }
  // The HTTP port (src/http/): REST API, /metrics and the web console, on the server's loop.
  redraft::http::HttpOptions http_opts;
  http_opts.port = http_port;
  http_opts.bind = http_bind;
  http_opts.max_body = static_cast<size_t>(http_max_body);
  http_opts.tls = http_tls;
  // /metrics: the observability layer's rendering (docs/observability.md), on the loop thread.
  http_opts.metrics = [] { return redraft::observability::RenderPrometheus(redraft::observability::Global()); };
  redraft::http::HttpServer http(&server, std::move(http_opts));
  if (st = http.Start(); !st.ok()) {
    spdlog::critical("startup failed: {}", st.ToString());
    return 1;
  }
  server.Run();
  return 0;
}
