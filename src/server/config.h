// server/: the libuv event loop, listeners, client connections, output buffers, timers, signals,
// configuration and logging setup. Must not know command semantics (they live in commands/).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace redraft::server {

// Every directive is documented, with its default, in conf/redraft.conf.
struct Config {
  int port = 6379;
  std::string bind = "127.0.0.1";
  std::string dir = "./data";
  std::string loglevel = "notice";  // debug | verbose | notice | warning
  std::string logfile;              // empty = stdout
  int maxclients = 10000;
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  // Scripts (docs/scripting.md): the deterministic budgets of a new script, carried in its entry.
  int lua_instruction_limit = 50000000;          // scripting::kDefaultMaxInstructions
  int64_t lua_memory_limit = 64ll * 1024 * 1024;  // scripting::kDefaultMaxMemory
  // Client-side caching (docs/tracking.md): keys the tracking table holds at most (0 = no limit);
  // past it, keys leave the table and their readers are invalidated, as Redis's.
  int tracking_table_max_keys = 1000000;
  int64_t client_query_buffer_limit = 1024ll * 1024 * 1024;
  int timeout = 0;                  // seconds of idle before closing a client; 0 = never
  int databases = 16;               // SELECT 0..databases-1 (at most store::kMaxDatabases)
  std::string requirepass;
  std::string aclfile;              // ACL LOAD / ACL SAVE / start-up seeding (docs/acl.md); empty = none
  std::string protected_mode = "yes";  // yes: with no requirepass, only loopback clients (Redis's rule)
  // TLS on a second client port (Redis's tls-* directives; tls/tls.h). 0 = no TLS port.
  int tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_key_file_pass, tls_ca_cert_file, tls_ca_cert_dir;
  std::string tls_auth_clients = "yes";
  std::string tls_protocols, tls_ciphers, tls_ciphersuites;
  std::string tls_prefer_server_ciphers = "no";
  std::string tls_session_caching = "yes";
  int tls_session_cache_size = 20480;
  int tls_session_cache_timeout = 300;
  std::string tls_cluster = "no";  // yes: peer connections are mutual TLS (cluster/transport.h)
  std::string tls_client_cert_file, tls_client_key_file, tls_client_key_file_pass;  // outgoing side
  int hz = 10;                      // server cron frequency (active expiry, timeouts)
  int64_t log_compact_entries = 100000;  // flush the store and drop the log behind it this often
  int64_t log_compact_bytes = 64 << 20;  // ... or once this many bytes of entries were appended
  int64_t log_segment_size = 64ll << 20;  // bytes preallocated per log segment
  int64_t disk_min_free = 256ll << 20;    // refuse writes when the data dir has less free (0 = off)
  std::string pidfile;
  // The HTTP port (src/http/: REST API, /metrics, web console); 0 = off. Startup-only.
  int http_port = 0;
  std::string http_bind = "127.0.0.1";
  int64_t http_max_body = 64ll << 20;  // larger request bodies get 413
  // yes: the HTTP port speaks only HTTPS, with the tls-* certificate settings (and their client
  // certificate rule, tls-auth-clients) of the client TLS port. Startup-only.
  std::string http_tls = "no";
  // Reported for clients and tools that read them (redis-benchmark, monitoring): every write is
  // in the durable log before it is acknowledged, whatever these say. Fixed at startup.
  // Cluster (see conf/redraft.conf): with nothing set, the node is a single-node cluster.
  int cluster_port = 0;                 // 0 = port + 10000
  std::string cluster_node_id;          // empty = random on first start
  std::string cluster_id;               // empty = derived from cluster-members, or random
  std::string cluster_members;          // "id@host:port[@cport],..." for a static cluster
  std::string cluster_join = "no";      // yes: start empty and wait for CLUSTER MEET
  std::string cluster_secret;           // peers must prove they know it (cluster/peer_auth.h)
  std::string cluster_secret_file;      // ... or read it from this file's first line
  int raft_tick_ms = 40;
  int raft_election_ticks = 8;       // 320-640 ms at 40 ms ticks (conf/redraft.conf: why)
  int cluster_request_timeout = 5000;   // ms
  std::string enable_debug_command = "no";  // yes: DEBUG PARTITION (fault injection) is allowed
  // Keyspace notifications: Redis's NOTIFY_* bits (commands/notify.h); 0 = none (the default).
  uint32_t notify_keyspace_events = 0;
  // maxmemory and eviction (docs/memory.md): the bound on the dataset's logical size (0 = none),
  // the policy, and Redis's tuning knobs for its sampling and LFU counters. Per node: the leader's
  // values decide evictions, each node's decide its own OOM answers.
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int maxmemory_samples = 5;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  // client-output-buffer-limit: bytes (hard, soft) and seconds over soft, per class. Only the
  // pubsub class is enforced (on subscribers); normal and replica are reported as set.
  struct OutputLimit {
    int64_t hard = 0, soft = 0, soft_seconds = 0;
  };
  OutputLimit normal_output_limit{0, 0, 0};
  OutputLimit replica_output_limit{256ll << 20, 64ll << 20, 60};
  OutputLimit pubsub_output_limit{32ll << 20, 8ll << 20, 60};
  std::string save;
  std::string appendonly = "yes";
  // Observability (issue 13, docs/observability.md): SLOWLOG, LATENCY, and the per-request
  // metrics switch (no: nothing is recorded per request; for measuring their cost).
  int64_t slowlog_log_slower_than = 10000;  // µs; -1 = off, 0 = every command
  int64_t slowlog_max_len = 128;
  std::string slowlog_stages = "no";        // yes: SLOWLOG GET entries carry stage timings (7th element)
  int64_t latency_monitor_threshold = 0;    // ms; 0 = off
  std::string metrics_enabled = "yes";
  std::string log_format = "text";          // text | json (server/log_format.h)
  // Per-request traces (docs/observability.md "Traces"): fraction of requests traced at this
  // node (0..1; 0 = only CLIENT TRACE ON connections), and where spans go (Zipkin v2 JSON lines).
  double trace_sample_rate = 0;
  std::string trace_file;
  // Not a directive: set by ParseCommandLine when the config file itself sets a password or the
  // cluster secret and is readable by group or others (main warns at startup).
  std::string secrets_in_readable_file;
};

// Parses "redraft-server [config-file] [--directive value ...]" (like redis-server).
Result<Config> ParseCommandLine(int argc, char** argv);
// Applies one directive (name case-insensitive; value already unquoted). Used by files, the
// command line and CONFIG SET. `startup` allows immutable directives.
Status ApplyDirective(Config* cfg, const std::string& name, const std::vector<std::string>& args,
                      bool startup);
// CONFIG GET: (name, value) pairs for every directive matching a glob pattern, then Redis 7.0's
// other standard parameters with their Redis defaults (they have no effect here; see config.cc).
std::vector<std::pair<std::string, std::string>> GetDirectives(const Config& cfg,
                                                               const std::string& pattern);

}  // namespace redraft::server
