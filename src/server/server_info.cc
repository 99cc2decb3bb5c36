// The parts of Server that report on or adjust the server: INFO, CLIENT LIST/KILL, CONFIG.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "server/logging.h"
#include "server/server.h"

#include "commands/scripting_cmds.h"
#include "commands/args.h"
#include "commands/cluster_api.h"
#include "commands/eviction_cmds.h"

// Defined only when jemalloc is linked in (weak: null otherwise).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));

namespace redraft::server {

namespace {
std::string MemAllocatorName() {
  const char* version = nullptr;
  size_t len = sizeof(version);
  if (mallctl == nullptr || mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) return "libc";
  std::string v(version);  // e.g. "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"
  return "jemalloc-" + v.substr(0, v.find('-'));
}
}  // namespace
namespace {

std::string Human(uint64_t bytes) {
  char buf[32];
  double b = static_cast<double>(bytes);
  if (b < 1024) snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(bytes));
  else if (b < 1024.0 * 1024) snprintf(buf, sizeof(buf), "%.2fK", b / 1024);
  else if (b < 1024.0 * 1024 * 1024) snprintf(buf, sizeof(buf), "%.2fM", b / 1024 / 1024);
  else snprintf(buf, sizeof(buf), "%.2fG", b / 1024 / 1024 / 1024);
  return buf;
}

uint64_t RssBytes() {
  long pages = 0, rss = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
  }
  return static_cast<uint64_t>(rss) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::string Server::InfoText(const std::vector<std::string>& sections) {
  auto want = [&](const char* name) {
    for (auto& s : sections) {
      if (s == name || s == "all" || s == "everything" || s == "default") return true;
    }
    return false;
  };
  int64_t now = NowMs();
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) { out += k + ":" + v + "\r\n"; };
  auto section = [&](const char* title) {
    if (!out.empty()) out += "\r\n";
    out += std::string("# ") + title + "\r\n";
  };
  if (want("server")) {
    section("Server");
    utsname u{};
    uname(&u);
    line("redis_version", "7.0.15");
    line("redraft_version", "0.1.0");
    line("redis_mode", "standalone");
    line("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    line("arch_bits", "64");
    line("multiplexing_api", "epoll");
    line("process_id", std::to_string(getpid()));
    line("tcp_port", std::to_string(cfg_.port));
    line("server_time_usec", std::to_string(now * 1000));
    line("uptime_in_seconds", std::to_string((now - start_ms_) / 1000));
    line("uptime_in_days", std::to_string((now - start_ms_) / 86400000));
    line("hz", std::to_string(cfg_.hz));
  }
  if (want("clients")) {
    section("Clients");
    line("connected_clients", std::to_string(clients_.size()));
    line("maxclients", std::to_string(cfg_.maxclients));
    line("blocked_clients", std::to_string(blocking_->size()));
  }
  if (want("memory")) {
    section("Memory");
    uint64_t rss = RssBytes();
    // used_memory is the dataset's logical size, what maxmemory bounds (docs/memory.md); the
    // process's memory is used_memory_rss.
    const uint64_t dataset = store_->DatasetBytes();
    line("used_memory", std::to_string(dataset));
    line("used_memory_human", Human(dataset));
    line("used_memory_dataset", std::to_string(dataset));
    line("used_memory_rss", std::to_string(rss));
    line("used_memory_rss_human", Human(rss));
    line("store_memory", std::to_string(store_->ApproximateMemoryBytes()));
    line("maxmemory", std::to_string(cfg_.maxmemory));
    line("maxmemory_human", Human(static_cast<uint64_t>(cfg_.maxmemory)));
    line("maxmemory_policy", cfg_.maxmemory_policy);
    // Redis's name for the allocator it was built with: "jemalloc-<version>" when the server
    // links jemalloc (src/CMakeLists.txt; found by its mallctl symbol), else "libc".
    line("mem_allocator", MemAllocatorName());
  }
  if (want("persistence")) {
    section("Persistence");
    // Redis's fields as they read for redraft (issue 13 "INFO persistence with real figures";
    // docs/observability.md): the Raft log is an append-only file fsynced before every reply,
    // so the AOF is on (CONFIG GET appendonly says yes), no change is ever unsaved, and nothing
    // forks. aof_last_write_status is err while a disk fault refuses writes (disk_status).
    line("loading", "0");
    line("async_loading", "0");
    line("rdb_changes_since_last_save", "0");
    line("rdb_bgsave_in_progress", "0");
    line("rdb_last_bgsave_status", "ok");
    line("aof_enabled", "1");
    line("aof_rewrite_in_progress", "0");
    line("aof_last_write_status", sm_->disk().WritesRefused() ? "err" : "ok");
    // The log's fdatasyncs since start: how many, their total time, the entries they made durable.
    line("log_fsyncs", std::to_string(observability::Global().fsync_us.count()));
    line("log_fsync_usec", std::to_string(observability::Global().fsync_us.Data().sum));
    line("log_fsync_entries", std::to_string(observability::Global().fsync_batch_entries.Data().sum));
    line("log_last_index", std::to_string(log_->last_index()));
    line("log_durable_index", std::to_string(log_->durable_index()));
    line("store_applied_index", std::to_string(store_->applied_index()));
    line("store_disk_bytes", std::to_string(store_->ApproximateDiskBytes()));
    // Disk faults (README "Disk faults"): ok, or which of log/store/low_space refuse writes.
    line("disk_status", sm_->disk().Describe());
    line("disk_error", sm_->disk().Reason());
  }
  if (want("stats")) {
    section("Stats");
    line("total_connections_received", std::to_string(total_connections_));
    line("total_commands_processed", std::to_string(total_commands_));
    line("total_net_input_bytes", std::to_string(net_input_bytes_));
    line("total_net_output_bytes", std::to_string(net_output_bytes_));
    line("rejected_connections", std::to_string(rejected_connections_));
    line("expired_keys", std::to_string(expired_keys_proposed_));
    line("evicted_keys", std::to_string(commands::EvictedKeysApplied()));  // docs/memory.md
    // Pub/Sub on this node (docs/pubsub.md); the last three are redraft's.
    line("pubsub_channels", std::to_string(pubsub_.Channels(PubsubKind::kChannel, nullptr).size()));
    line("pubsub_patterns", std::to_string(pubsub_.NumPat()));
    line("pubsubshard_channels", std::to_string(pubsub_.Channels(PubsubKind::kShard, nullptr).size()));
    line("pubsub_peer_messages", std::to_string(pubsub_peer_messages_));
    line("pubsub_peer_bad_batches", std::to_string(pubsub_peer_dropped_batches_));
    line("pubsub_limit_disconnects", std::to_string(pubsub_limit_disconnects_));
  }
  if (want("replication")) {
    section("Replication");
    line("role", log_->is_leader() ? "master" : "slave");
    line("connected_slaves", "0");
  }
  if (want("cluster")) {
    section("Cluster");
    line("cluster_enabled", cluster_ ? "1" : "0");
  }
  if (want("raft") && cluster_) {
    section("Raft");
    out += cluster_->RaftInfo();
  }
  if (want("cpu")) {
    section("CPU");
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld.%06ld", ru.ru_stime.tv_sec, ru.ru_stime.tv_usec);
    line("used_cpu_sys", buf);
    snprintf(buf, sizeof(buf), "%ld.%06ld", ru.ru_utime.tv_sec, ru.ru_utime.tv_usec);
    line("used_cpu_user", buf);
  }
  StatsSections(sections, &out);  // commandstats, errorstats, latencystats (server_metrics.cc)
  if (want("keyspace")) {
    section("Keyspace");
    for (int db = 0; db < cfg_.databases; db++) {
      uint64_t keys = store_->DbKeyCount(db);
      if (keys) {
        line("db" + std::to_string(db), "keys=" + std::to_string(keys) + ",expires=" +
                                            std::to_string(store_->DbExpiresCount(db)) + ",avg_ttl=0");
      }
    }
  }
  return out;
}

std::string Server::ClientLine(const Connection& c, int64_t now) const {
  char buf[1024];
  std::string flags = c.monitor ? "O" : "";  // MONITOR (Redis's order: O, then P, then x)
  if (pubsub_.IsSubscriber(c.id)) flags += "P";
  if (c.in_multi) flags += "x";
  if (flags.empty()) flags = "N";
  auto subs = [&](PubsubKind k) { return pubsub_.ClientSubscriptions(c.id, k).size(); };
  snprintf(buf, sizeof(buf),
           "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%zu psub=%zu "
           "ssub=%zu multi=%lld qbuf=%zu qbuf-free=0 argv-mem=0 multi-mem=0 rbs=%zu rbp=0 obl=0 oll=%zu "
           "omem=%zu tot-mem=%zu events=r cmd=%s user=%s redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
           static_cast<unsigned long long>(c.id), c.addr.c_str(), c.laddr.c_str(), c.fd,
           c.session.name.c_str(), static_cast<long long>((now - c.created_ms) / 1000),
           static_cast<long long>((now - c.last_interaction_ms) / 1000), flags.c_str(), c.session.db,
           subs(PubsubKind::kChannel), subs(PubsubKind::kPattern), subs(PubsubKind::kShard),
           c.in_multi ? static_cast<long long>(c.queued.size()) : -1LL, c.query.size(),
           c.query.capacity(), c.slots.size(), c.out.size(), c.query.capacity() + c.out.capacity(),
           c.last_cmd.c_str(), c.session.user.c_str(), c.session.proto, c.session.lib_name.c_str(), c.session.lib_ver.c_str());
  return buf;
}

std::string Server::ClientList(const std::vector<uint64_t>& ids) {
  int64_t now = NowMs();
  std::string out;
  if (ids.empty()) {
    std::vector<const Connection*> all;
    for (auto& [id, c] : clients_) all.push_back(c);
    std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->id < b->id; });
    for (auto* c : all) out += ClientLine(*c, now);
  } else {
    for (uint64_t id : ids) {
      auto it = clients_.find(id);
      if (it != clients_.end()) out += ClientLine(*it->second, now);
    }
  }
  return out;
}

int Server::KillClients(uint64_t caller_id, const commands::ClientKillFilter& f) {
  std::vector<Connection*> victims;
  for (auto& [id, c] : clients_) {
    if (f.id && *f.id != id) continue;
    if (f.addr && *f.addr != c->addr) continue;
    if (f.laddr && *f.laddr != c->laddr) continue;
    if (f.skipme && id == caller_id) continue;
    victims.push_back(c);
  }
  for (Connection* c : victims) {
    if (c->id == caller_id) c->close_after_reply = true;  // still gets this reply
    else CloseConnection(c);
  }
  return static_cast<int>(victims.size());
}

void Server::CloseAfterReply(uint64_t client_id) {
  auto it = clients_.find(client_id);
  if (it != clients_.end()) it->second->close_after_reply = true;
}

commands::ServerApi::DeferredReply Server::DeferReply(uint64_t client_id) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return [](std::string&&) {};
  // A write-kind slot: answered through the same path as an applied write (OnApplied).
  uint64_t token = NewSlot(it->second, /*is_read=*/false);
  it->second->slots.back().stats = nullptr;  // the command that deferred is counted as it ran
  return [this, token](std::string&& reply) { OnApplied(token, std::move(reply)); };
}

void Server::WaitReplicas(uint64_t client_id, int64_t numreplicas, int64_t timeout_ms, resp::ReplyBuilder& reply) {
  auto it = clients_.find(client_id);
  uint64_t index = it == clients_.end() ? 0 : it->second->last_write_index;
  int n = log_->FollowersHolding(index);
  if (n >= numreplicas || it == clients_.end() || in_exec_) return reply.Integer(n);  // EXEC: no blocking, as Redis
  uint64_t deadline = timeout_ms > 0 ? uv_now(&loop_) + static_cast<uint64_t>(timeout_ms) : 0;
  replica_waits_.Add(client_id, index, numreplicas, deadline, DeferReply(client_id));
}

std::vector<std::pair<std::string, std::string>> Server::ConfigGet(const std::string& pattern) {
  return GetDirectives(cfg_, pattern);
}

Status Server::ConfigSet(const std::vector<std::pair<std::string, std::string>>& pairs, std::string* failed) {
  Config next = cfg_;
  for (const auto& [name, value] : pairs) {
    *failed = name;
    REDRAFT_RETURN_IF_ERROR(ApplyDirective(&next, name, {value}, /*startup=*/false));
  }
  if (next.maxclients > cfg_.maxclients) {
    *failed = "maxclients";
    // As Redis's updateMaxclients: raise RLIMIT_NOFILE first, refuse what it cannot hold.
    int allowed = AdjustOpenFilesLimit(next.maxclients);
    if (allowed < next.maxclients) {
      return Status::InvalidArgument("The operating system is not able to handle the specified number of clients, try with " +
                                     std::to_string(allowed));
    }
  }
  if (next.requirepass != cfg_.requirepass) sm_->acl().SetRequirePass(next.requirepass);
  for (const auto& [name, value] : pairs) {
    if (!UsesTls() || !commands::EqualsIgnoreCase(std::string_view(name).substr(0, 4), "tls-")) continue;
    // New TLS connections use the new certificates; a configuration that does not load is
    // refused and the old one stays.
    *failed = name;
    if (Status tls = LoadTls(next); !tls.ok()) {
      spdlog::warn("CONFIG SET: TLS configuration not updated: {}", tls.message());
      return Status::InvalidArgument("Unable to update TLS configuration. Check server logs.");
    }
    break;
  }
  cfg_ = next;
  ApplyObservabilityConfig();  // slowlog-*, latency-monitor-threshold, metrics-enabled (issue 13)
  SetLogLevel(cfg_.loglevel);
  commands::SetScriptLimits(static_cast<uint64_t>(cfg_.lua_instruction_limit), static_cast<uint64_t>(cfg_.lua_memory_limit));
  resp::ParserLimits limits;
  limits.max_bulk_len = cfg_.proto_max_bulk_len;
  for (auto& [id, c] : clients_) c->parser.set_limits(limits);
  uv_timer_set_repeat(&cron_, 1000 / cfg_.hz);
  return Status::OK();
}

}  // namespace redraft::server
