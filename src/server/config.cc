#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <sys/stat.h>

#include "commands/args.h"
#include "commands/glob.h"
#include "commands/notify.h"

namespace redraft::server {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Redis's memtoll(): "1gb" = 1024^3, "1g" = 10^9, plain numbers are bytes.
bool ParseMemory(const std::string& s, int64_t* out) {
  std::string v = Lower(s);
  int64_t mul = 1;
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024ll * 1024 * 1024},
      {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000ll * 1000 * 1000}, {"b", 1}};
  for (auto& [suffix, m] : kUnits) {
    size_t n = strlen(suffix);
    if (v.size() > n && v.compare(v.size() - n, n, suffix) == 0) {
      mul = m;
      v.resize(v.size() - n);
      break;
    }
  }
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty() || n < 0) return false;
  if (n > INT64_MAX / mul) return false;
  *out = n * mul;
  return true;
}

bool ParseInt(const std::string& s, int64_t lo, int64_t hi, int64_t* out) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || n < lo || n > hi) return false;
  *out = n;
  return true;
}

// One row per directive: how to read it for CONFIG GET and how to set it.
struct Directive {
  const char* name;
  bool mutable_at_runtime;
  std::function<std::string(const Config&)> get;
  std::function<Status(Config*, const std::string&)> set;
};

// The reason part of Redis's "CONFIG SET failed (possibly related to argument 'x') - <reason>".
Status BadValue(const std::string& /*name*/, const std::string& /*value*/, const char* why) {
  return Status::InvalidArgument(why);
}

template <typename T>
Directive IntDirective(const char* name, bool mut, T Config::*field, int64_t lo, int64_t hi) {
  return {name, mut, [field](const Config& c) { return std::to_string(c.*field); },
          [name, field, lo, hi](Config* c, const std::string& v) {
            int64_t n;
            if (!ParseInt(v, lo, hi, &n)) return BadValue(name, v, "argument couldn't be parsed into an integer or is out of range");
            c->*field = static_cast<T>(n);
            return Status::OK();
          }};
}

Directive MemDirective(const char* name, bool mut, int64_t Config::*field, int64_t lo) {
  return {name, mut, [field](const Config& c) { return std::to_string(c.*field); },
          [name, field, lo](Config* c, const std::string& v) {
            int64_t n;
            if (!ParseMemory(v, &n) || n < lo) return BadValue(name, v, "argument must be a memory value");
            c->*field = n;
            return Status::OK();
          }};
}

Directive StringDirective(const char* name, bool mut, std::string Config::*field,
                          std::vector<std::string> allowed = {}) {
  return {name, mut, [field](const Config& c) { return c.*field; },
          [name, field, allowed](Config* c, const std::string& v) {
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), Lower(v)) == allowed.end()) {
              std::string list;
              for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
              return Status::InvalidArgument("argument(s) must be one of the following: " + list);
            }
            c->*field = allowed.empty() ? v : Lower(v);
            return Status::OK();
          }};
}

// An int directive with Redis 7.0's two error texts (unparsable / out of range), mutable at
// runtime, up to INT_MAX (maxmemory and eviction, docs/memory.md).
Directive BoundedIntDirective(const char* name, int Config::*field, int64_t lo) {
  return {name, true, [field](const Config& c) { return std::to_string(c.*field); },
          [field, lo](Config* c, const std::string& v) {
            int64_t n;
            if (!ParseInt(v, INT64_MIN, INT64_MAX, &n)) {
              return Status::InvalidArgument("argument couldn't be parsed into an integer");
            }
            if (n < lo || n > INT32_MAX) {
              return Status::InvalidArgument("argument must be between " + std::to_string(lo) +
                                             " and 2147483647 inclusive");
            }
            c->*field = static_cast<int>(n);
            return Status::OK();
          }};
}

// notify-keyspace-events: Redis's flag letters, read back in Redis's normal form.
Directive NotifyDirective() {
  return {"notify-keyspace-events", true,
          [](const Config& c) { return commands::NotifyFlagsToString(c.notify_keyspace_events); },
          [](Config* c, const std::string& v) {
            auto flags = commands::ParseNotifyFlags(v);
            if (!flags) return Status::InvalidArgument("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            c->notify_keyspace_events = *flags;
            return Status::OK();
          }};
}

// client-output-buffer-limit "<class> <hard> <soft> <soft-seconds> ...": Redis's format; only
// the classes named change (as Redis's CONFIG SET).
Directive OutputLimitDirective() {
  return {"client-output-buffer-limit", true,
          [](const Config& c) {
            auto one = [](const char* cls, const Config::OutputLimit& l) {
              return std::string(cls) + " " + std::to_string(l.hard) + " " + std::to_string(l.soft) + " " +
                     std::to_string(l.soft_seconds);
            };
            return one("normal", c.normal_output_limit) + " " + one("slave", c.replica_output_limit) + " " +
                   one("pubsub", c.pubsub_output_limit);
          },
          [](Config* c, const std::string& v) {
            std::vector<std::string> t;
            std::istringstream in(v);
            for (std::string w; in >> w;) t.push_back(w);
            if (t.size() % 4 != 0) return Status::InvalidArgument("Wrong number of arguments in buffer limit configuration.");
            Config next = *c;
            for (size_t i = 0; i < t.size(); i += 4) {
              std::string cls = Lower(t[i]);
              Config::OutputLimit* l = cls == "normal"                      ? &next.normal_output_limit
                                       : cls == "slave" || cls == "replica" ? &next.replica_output_limit
                                       : cls == "pubsub"                    ? &next.pubsub_output_limit
                                                                            : nullptr;
              if (!l) return Status::InvalidArgument("Invalid client class specified in buffer limit configuration.");
              int64_t secs;
              if (!ParseMemory(t[i + 1], &l->hard) || !ParseMemory(t[i + 2], &l->soft) ||
                  !ParseInt(t[i + 3], 0, INT64_MAX, &secs)) {
                return Status::InvalidArgument("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
              }
              l->soft_seconds = secs;
            }
            *c = next;
            return Status::OK();
          }};
}

// trace-sample-rate: a decimal fraction in [0, 1] ("0.01", "1", "0").
Directive TraceRateDirective() {
  return {"trace-sample-rate", true,
          [](const Config& c) {
            char buf[32];
            snprintf(buf, sizeof buf, "%g", c.trace_sample_rate);
            return std::string(buf);
          },
          [](Config* c, const std::string& v) {
            double d = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
            if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(d >= 0 && d <= 1)) {
              return BadValue("trace-sample-rate", v, "argument must be a number between 0 and 1");
            }
            c->trace_sample_rate = d;
            return Status::OK();
          }};
}

// mutable_at_runtime (the bool after the name) is true only for directives whose new value the
// running server actually uses: CONFIG SET must never answer OK and change nothing.
// log-compact-entries, log-compact-bytes and cluster-request-timeout are copied into the Raft replicator's options
// at startup, so they are startup-only until the replicator can take them at runtime.
const std::vector<Directive>& Directives() {
  static const std::vector<Directive> kDirectives = {
      IntDirective("port", false, &Config::port, 0, 65535),
      StringDirective("bind", false, &Config::bind),
      StringDirective("dir", false, &Config::dir),
      StringDirective("loglevel", true, &Config::loglevel, {"debug", "verbose", "notice", "warning"}),
      StringDirective("logfile", false, &Config::logfile),
      StringDirective("pidfile", false, &Config::pidfile),
      IntDirective("maxclients", true, &Config::maxclients, 1, 1000000),
      MemDirective("proto-max-bulk-len", true, &Config::proto_max_bulk_len, 1024 * 1024),
      MemDirective("client-query-buffer-limit", true, &Config::client_query_buffer_limit, 1024 * 1024),
      IntDirective("timeout", true, &Config::timeout, 0, INT32_MAX),
      IntDirective("lua-instruction-limit", true, &Config::lua_instruction_limit, 100000, INT32_MAX),
      MemDirective("lua-memory-limit", true, &Config::lua_memory_limit, 1024 * 1024),
      IntDirective("tracking-table-max-keys", true, &Config::tracking_table_max_keys, 0, INT32_MAX),
      IntDirective("databases", false, &Config::databases, 1, 255),  // store::kMaxDatabases
      StringDirective("requirepass", true, &Config::requirepass),
      StringDirective("aclfile", false, &Config::aclfile),  // docs/acl.md: read at start-up and by ACL LOAD
      StringDirective("protected-mode", true, &Config::protected_mode, {"yes", "no"}),
      IntDirective("tls-port", false, &Config::tls_port, 0, 65535),
      StringDirective("tls-cert-file", true, &Config::tls_cert_file),
      StringDirective("tls-key-file", true, &Config::tls_key_file),
      StringDirective("tls-key-file-pass", true, &Config::tls_key_file_pass),
      StringDirective("tls-ca-cert-file", true, &Config::tls_ca_cert_file),
      StringDirective("tls-ca-cert-dir", true, &Config::tls_ca_cert_dir),
      StringDirective("tls-auth-clients", true, &Config::tls_auth_clients, {"yes", "no", "optional"}),
      StringDirective("tls-protocols", true, &Config::tls_protocols),
      StringDirective("tls-ciphers", true, &Config::tls_ciphers),
      StringDirective("tls-ciphersuites", true, &Config::tls_ciphersuites),
      StringDirective("tls-prefer-server-ciphers", true, &Config::tls_prefer_server_ciphers, {"yes", "no"}),
      StringDirective("tls-session-caching", true, &Config::tls_session_caching, {"yes", "no"}),
      IntDirective("tls-session-cache-size", true, &Config::tls_session_cache_size, 1, INT32_MAX),
      IntDirective("tls-session-cache-timeout", true, &Config::tls_session_cache_timeout, 1, INT32_MAX),
      // Peer traffic over mutual TLS (cluster/transport.h): startup-only, as the peer transport
      // builds its contexts once.
      StringDirective("tls-cluster", false, &Config::tls_cluster, {"yes", "no"}),
      StringDirective("tls-client-cert-file", false, &Config::tls_client_cert_file),
      StringDirective("tls-client-key-file", false, &Config::tls_client_key_file),
      StringDirective("tls-client-key-file-pass", false, &Config::tls_client_key_file_pass),
      IntDirective("hz", true, &Config::hz, 1, 500),
      IntDirective("log-compact-entries", false, &Config::log_compact_entries, 1000, INT64_MAX),
      MemDirective("log-compact-bytes", false, &Config::log_compact_bytes, 1024 * 1024),
      MemDirective("log-segment-size", false, &Config::log_segment_size, 64 * 1024),
      MemDirective("disk-min-free", false, &Config::disk_min_free, 0),
      IntDirective("cluster-port", false, &Config::cluster_port, 0, 65535),
      StringDirective("cluster-node-id", false, &Config::cluster_node_id),
      StringDirective("cluster-id", false, &Config::cluster_id),
      StringDirective("cluster-members", false, &Config::cluster_members),
      StringDirective("cluster-join", false, &Config::cluster_join, {"yes", "no"}),
      StringDirective("cluster-secret", false, &Config::cluster_secret),
      StringDirective("cluster-secret-file", false, &Config::cluster_secret_file),
      IntDirective("raft-tick-ms", false, &Config::raft_tick_ms, 1, 10000),
      IntDirective("raft-election-ticks", false, &Config::raft_election_ticks, 2, 1000),
      IntDirective("cluster-request-timeout", false, &Config::cluster_request_timeout, 10, 3600000),
      StringDirective("enable-debug-command", false, &Config::enable_debug_command, {"yes", "no"}),
      NotifyDirective(),
      // maxmemory and eviction (docs/memory.md)
      MemDirective("maxmemory", true, &Config::maxmemory, 0),
      StringDirective("maxmemory-policy", true, &Config::maxmemory_policy,
                      {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
                       "allkeys-lfu", "allkeys-random", "noeviction"}),
      BoundedIntDirective("maxmemory-samples", &Config::maxmemory_samples, 1),
      BoundedIntDirective("lfu-log-factor", &Config::lfu_log_factor, 0),
      BoundedIntDirective("lfu-decay-time", &Config::lfu_decay_time, 0),
      OutputLimitDirective(),
      StringDirective("save", false, &Config::save),
      StringDirective("appendonly", false, &Config::appendonly),
      // The HTTP port (src/http/http_server.h): startup-only, the listener is made once.
      IntDirective("http-port", false, &Config::http_port, 0, 65535),
      StringDirective("http-bind", false, &Config::http_bind),
      MemDirective("http-max-body", false, &Config::http_max_body, 1024),
      StringDirective("http-tls", false, &Config::http_tls, {"yes", "no"}),
      // Observability (issue 13, docs/observability.md): this node's own records, never replicated.
      IntDirective("slowlog-log-slower-than", true, &Config::slowlog_log_slower_than, -1, INT64_MAX),
      IntDirective("slowlog-max-len", true, &Config::slowlog_max_len, 0, INT64_MAX),
      StringDirective("slowlog-stages", true, &Config::slowlog_stages, {"yes", "no"}),
      IntDirective("latency-monitor-threshold", true, &Config::latency_monitor_threshold, 0, INT64_MAX),
      StringDirective("metrics-enabled", true, &Config::metrics_enabled, {"yes", "no"}),
      StringDirective("log-format", true, &Config::log_format, {"text", "json"}),
      TraceRateDirective(),  // traces (docs/observability.md "Traces")
      // Startup-only, as logfile: a path CONFIG SET could change would let any client allowed
      // CONFIG append to any file the server may write (Redis protects dir/dbfilename likewise).
      StringDirective("trace-file", false, &Config::trace_file),
  };
  return kDirectives;
}

// Redis 7.0's other standard parameters, answered by CONFIG GET as Redis answers them with its
// defaults (clients and tools read them) though they change nothing here; CONFIG SET and config
// files refuse them. Exceptions, where Redis's default would misdescribe redraft:
// appendfsync is "always" (every write is in the fsynced log before it is acknowledged) and
// cluster-enabled is "yes" (a node is always part of a cluster, if only of itself). The list and
// its rationale: docs/introspection.md.
const std::vector<std::pair<std::string_view, std::string_view>>& RedisOnlyParameters() {
  static const std::vector<std::pair<std::string_view, std::string_view>> kParams = {
      {"acl-pubsub-default", "resetchannels"}, {"acllog-max-len", "128"},
      {"active-defrag-cycle-max", "25"}, {"active-defrag-cycle-min", "1"},
      {"active-defrag-ignore-bytes", "104857600"}, {"active-defrag-max-scan-fields", "1000"},
      {"active-defrag-threshold-lower", "10"}, {"active-defrag-threshold-upper", "100"},
      {"active-expire-effort", "1"}, {"activedefrag", "no"}, {"activerehashing", "yes"},
      {"always-show-logo", "no"}, {"aof-disable-auto-gc", "no"}, {"aof-load-truncated", "yes"},
      {"aof-rewrite-incremental-fsync", "yes"}, {"aof-timestamp-enabled", "no"},
      {"aof-use-rdb-preamble", "yes"}, {"aof_rewrite_cpulist", ""}, {"appenddirname", "appendonlydir"},
      {"appendfilename", "appendonly.aof"}, {"appendfsync", "always"},
      {"auto-aof-rewrite-min-size", "67108864"}, {"auto-aof-rewrite-percentage", "100"},
      {"bgsave_cpulist", ""}, {"bind-source-addr", ""}, {"bio_cpulist", ""}, {"busy-reply-threshold", "5000"},
      {"cluster-allow-pubsubshard-when-down", "yes"}, {"cluster-allow-reads-when-down", "no"},
      {"cluster-allow-replica-migration", "yes"}, {"cluster-announce-bus-port", "0"},
      {"cluster-announce-hostname", ""}, {"cluster-announce-ip", ""}, {"cluster-announce-port", "0"},
      {"cluster-announce-tls-port", "0"}, {"cluster-config-file", "nodes.conf"}, {"cluster-enabled", "yes"},
      {"cluster-link-sendbuf-limit", "0"}, {"cluster-migration-barrier", "1"},
      {"cluster-node-timeout", "15000"}, {"cluster-preferred-endpoint-type", "ip"},
      {"cluster-replica-no-failover", "no"}, {"cluster-replica-validity-factor", "10"},
      {"cluster-require-full-coverage", "yes"}, {"cluster-slave-no-failover", "no"},
      {"cluster-slave-validity-factor", "10"}, {"crash-log-enabled", "yes"}, {"crash-memcheck-enabled", "yes"},
      {"daemonize", "no"}, {"dbfilename", "dump.rdb"}, {"disable-thp", "yes"}, {"dynamic-hz", "yes"},
      {"enable-module-command", "no"}, {"enable-protected-configs", "no"},
      {"hash-max-listpack-entries", "512"}, {"hash-max-listpack-value", "64"},
      {"hash-max-ziplist-entries", "512"}, {"hash-max-ziplist-value", "64"}, {"hll-sparse-max-bytes", "3000"},
      {"ignore-warnings", ""}, {"io-threads", "1"}, {"io-threads-do-reads", "no"},
      {"jemalloc-bg-thread", "yes"}, {"latency-tracking", "yes"},
      {"latency-tracking-info-percentiles", "50 99 99.9"}, {"lazyfree-lazy-eviction", "no"},
      {"lazyfree-lazy-expire", "no"}, {"lazyfree-lazy-server-del", "no"}, {"lazyfree-lazy-user-del", "no"},
      {"lazyfree-lazy-user-flush", "no"},
      {"list-compress-depth", "0"}, {"list-max-listpack-size", "-2"}, {"list-max-ziplist-size", "-2"},
      {"lua-time-limit", "5000"}, {"masterauth", ""}, {"masteruser", ""},
      {"maxmemory-clients", "0"}, {"maxmemory-eviction-tenacity", "10"}, {"min-replicas-max-lag", "10"}, {"min-replicas-to-write", "0"},
      {"min-slaves-max-lag", "10"}, {"min-slaves-to-write", "0"}, {"no-appendfsync-on-rewrite", "no"},
      {"oom-score-adj", "no"}, {"oom-score-adj-values", "0 200 800"},
      {"proc-title-template", "{title} {listen-addr} {server-mode}"}, {"propagation-error-behavior", "ignore"},
      {"rdb-del-sync-files", "no"}, {"rdb-save-incremental-fsync", "yes"}, {"rdbchecksum", "yes"},
      {"rdbcompression", "yes"}, {"repl-backlog-size", "1048576"}, {"repl-backlog-ttl", "3600"},
      {"repl-disable-tcp-nodelay", "no"}, {"repl-diskless-load", "disabled"}, {"repl-diskless-sync", "yes"},
      {"repl-diskless-sync-delay", "5"}, {"repl-diskless-sync-max-replicas", "0"},
      {"repl-ping-replica-period", "10"}, {"repl-ping-slave-period", "10"}, {"repl-timeout", "60"},
      {"replica-announce-ip", ""}, {"replica-announce-port", "0"}, {"replica-announced", "yes"},
      {"replica-ignore-disk-write-errors", "no"}, {"replica-ignore-maxmemory", "yes"},
      {"replica-lazy-flush", "no"}, {"replica-priority", "100"}, {"replica-read-only", "yes"},
      {"replica-serve-stale-data", "yes"}, {"replicaof", ""}, {"sanitize-dump-payload", "no"},
      {"server_cpulist", ""}, {"set-max-intset-entries", "512"}, {"set-proc-title", "yes"},
      {"shutdown-on-sigint", "default"}, {"shutdown-on-sigterm", "default"}, {"shutdown-timeout", "10"},
      {"slave-announce-ip", ""}, {"slave-announce-port", "0"}, {"slave-ignore-maxmemory", "yes"},
      {"slave-lazy-flush", "no"}, {"slave-priority", "100"}, {"slave-read-only", "yes"},
      {"slave-serve-stale-data", "yes"}, {"slaveof", ""},
      {"socket-mark-id", "0"}, {"stop-writes-on-bgsave-error", "yes"},
      {"stream-node-max-bytes", "4096"}, {"stream-node-max-entries", "100"}, {"supervised", "no"},
      {"syslog-enabled", "no"}, {"syslog-facility", "local0"}, {"syslog-ident", "redis"},
      {"tcp-backlog", "511"}, {"tcp-keepalive", "300"}, 
      {"tls-dh-params-file", ""}, {"tls-replication", "no"}, {"tracking-table-max-keys", "1000000"},
      {"unixsocket", ""}, {"unixsocketperm", "0"}, {"zset-max-listpack-entries", "128"},
      {"zset-max-listpack-value", "64"}, {"zset-max-ziplist-entries", "128"}, {"zset-max-ziplist-value", "64"}
  };
  return kParams;
}

bool IsRedisOnlyParameter(const std::string& lower_name) {
  for (const auto& [name, value] : RedisOnlyParameters()) {
    if (name == lower_name) return true;
  }
  return false;
}

// Splits a config line like Redis's sdssplitargs (double and single quotes).
bool SplitLine(const std::string& line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= line.size()) break;
    std::string tok;
    if (line[i] == '"' || line[i] == '\'') {
      char q = line[i++];
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '\\' && q == '"' && i + 1 < line.size()) {
          char c = line[++i];
          tok.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c);
          i++;
        } else if (line[i] == q) {
          closed = true;
          i++;
          break;
        } else {
          tok.push_back(line[i++]);
        }
      }
      if (!closed) return false;
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) tok.push_back(line[i++]);
    }
    out->push_back(tok);
  }
  return true;
}

}  // namespace

Status ApplyDirective(Config* cfg, const std::string& name, const std::vector<std::string>& args,
                      bool startup) {
  std::string key = Lower(name);
  for (const auto& d : Directives()) {
    if (key != d.name) continue;
    if (!startup && !d.mutable_at_runtime) return Status::InvalidArgument("can't set immutable config");
    if (key == "client-output-buffer-limit" && args.size() > 1) {  // a config file line: its words
      std::string joined;
      for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
      return d.set(cfg, joined);
    }
    if (args.size() != 1) return Status::InvalidArgument("wrong number of arguments");
    return d.set(cfg, args[0]);
  }
  if (IsRedisOnlyParameter(key)) {
    if (!startup) return Status::InvalidArgument("can't set immutable config");
    return Status::InvalidArgument("a Redis parameter with no effect in redraft (CONFIG GET reports its default)");
  }
  return Status::NotFound("Unknown option or number of arguments for CONFIG SET - '" +
                          std::string(commands::EchoArg(name)) + "'");
}

std::vector<std::pair<std::string, std::string>> GetDirectives(const Config& cfg,
                                                               const std::string& pattern) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : Directives()) {
    if (commands::GlobMatch(pattern, d.name, /*nocase=*/true)) out.emplace_back(d.name, d.get(cfg));
  }
  for (const auto& [name, value] : RedisOnlyParameters()) {
    if (commands::GlobMatch(pattern, name, /*nocase=*/true)) out.emplace_back(name, value);
  }
  // A plain name (no glob characters) comes back as the client wrote it, as in Redis 7.0.
  if (pattern.find_first_of("*?[") == std::string::npos) {
    for (auto& kv : out) kv.first = pattern;
  }
  return out;
}

Result<Config> ParseCommandLine(int argc, char** argv) {
  Config cfg;
  std::vector<std::vector<std::string>> lines;  // each: name, args...
  int i = 1;
  if (i < argc && std::string(argv[i]).rfind("--", 0) != 0) {
    std::ifstream in(argv[i]);
    if (!in) return Status::IOError(std::string("can't open config file '") + argv[i] + "'");
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
      lineno++;
      std::vector<std::string> toks;
      if (!SplitLine(line, &toks)) return Status::InvalidArgument("unbalanced quotes in config line " + std::to_string(lineno));
      if (toks.empty() || toks[0][0] == '#') continue;
      bool secret = toks.size() > 1 && !toks[1].empty() &&
                    (commands::EqualsIgnoreCase(toks[0], "requirepass") || commands::EqualsIgnoreCase(toks[0], "cluster-secret") ||
                     commands::EqualsIgnoreCase(toks[0], "tls-key-file-pass") ||
                     commands::EqualsIgnoreCase(toks[0], "tls-client-key-file-pass"));
      if (secret) {
        struct stat st {};
        if (stat(argv[i], &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) cfg.secrets_in_readable_file = argv[i];
      }
      lines.push_back(toks);
    }
    i++;
  }
  while (i < argc) {
    std::string a = argv[i++];
    if (a.rfind("--", 0) != 0 || a.size() == 2) return Status::InvalidArgument("expected --directive, got '" + a + "'");
    std::vector<std::string> toks{a.substr(2)};
    while (i < argc && std::string(argv[i]).rfind("--", 0) != 0) toks.push_back(argv[i++]);
    lines.push_back(toks);
  }
  for (auto& toks : lines) {
    std::vector<std::string> args(toks.begin() + 1, toks.end());
    Status st = ApplyDirective(&cfg, toks[0], args, /*startup=*/true);
    if (!st.ok()) return Status::InvalidArgument("Bad directive or wrong number of arguments: '" + toks[0] + "': " + st.message());
  }
  return cfg;
}

}  // namespace redraft::server
