// Server lifecycle: construction, Init (store, log, listeners, timers, signals), Run, the cron
// (lingering/idle/TLS-handshake closes, active expiry, eviction, ACL seeding), shutdown, and the
// hooks of blocking operations. The request path lives in server_connections.cc (sockets and
// output), server_dispatch.cc (parsing and command dispatch) and server_slots.cc (reply slots
// and proposal tokens).
#include "server/server.h"
#include "server/tls_config.h"
#include "observability/batch_clock.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <utility>

#include <spdlog/spdlog.h>

#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/databases.h"
#include "commands/log_read.h"
#include "commands/scripting_cmds.h"
#include "commands/streams_blocking.h"
#include "commands/streams_groups.h"
#include "commands/write_entry.h"
#include "store/db_view.h"

namespace redraft::server {
namespace {

constexpr size_t kExpireSweepKeys = 200;  // keys examined per cron tick by active expiry

constexpr int kReservedFds = 32;  // Redis CONFIG_MIN_RESERVED_FDS: RocksDB, the log, peers, listeners

}  // namespace

// See server.h. As Redis's adjustOpenFilesLimit (server.c), with its log lines.
int AdjustOpenFilesLimit(int maxclients) {
  rlim_t want = static_cast<rlim_t>(maxclients) + kReservedFds;
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients "
                 "configuration accordingly.", strerror(errno));
    return std::min<int>(maxclients, 1024 - kReservedFds);
  }
  if (lim.rlim_cur >= want) return maxclients;
  // Try the wanted limit, then lower ones in steps of 16, as Redis does.
  rlim_t best = want;
  int err = 0;
  while (best > lim.rlim_cur) {
    rlimit next{best, std::max(best, lim.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &next) == 0) break;
    next = rlimit{best, lim.rlim_max};
    if (best <= lim.rlim_max && setrlimit(RLIMIT_NOFILE, &next) == 0) break;
    err = errno;
    best = best > 16 ? best - 16 : 0;
  }
  if (best < lim.rlim_cur) best = lim.rlim_cur;
  if (best >= want) return maxclients;
  int allowed = best > static_cast<rlim_t>(kReservedFds) ? static_cast<int>(best - kReservedFds) : 1;
  spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.", maxclients,
               static_cast<unsigned long long>(want));
  spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.",
               static_cast<unsigned long long>(want), strerror(err ? err : EPERM));
  spdlog::warn("Current maximum open files is {}. maxclients has been reduced to {} to compensate for low "
               "ulimit. If you need higher maxclients increase 'ulimit -n'.",
               static_cast<unsigned long long>(best), allowed);
  return allowed;
}


Server::Server(Config cfg, ReplicationFactory factory) : cfg_(std::move(cfg)), factory_(std::move(factory)) {
  uv_loop_init(&loop_);
  loop_.data = this;
}

Server::~Server() {
  if (metrics_collector_) observability::Global().RemoveCollector(metrics_collector_);
  uv_loop_close(&loop_);
}

int64_t Server::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

Status Server::Init() {
  start_ms_ = NowMs();
  ApplyObservabilityConfig();  // log-format first: every line from here on is in it
  cfg_.maxclients = AdjustOpenFilesLimit(cfg_.maxclients);
  std::signal(SIGPIPE, SIG_IGN);
  commands::SetDatabaseCount(cfg_.databases);
  commands::SetScriptLimits(static_cast<uint64_t>(cfg_.lua_instruction_limit), static_cast<uint64_t>(cfg_.lua_memory_limit));
  std::error_code ec;
  std::filesystem::create_directories(cfg_.dir, ec);
  if (ec) return Status::IOError("can't create dir '" + cfg_.dir + "': " + ec.message());
  store::StoreOptions store_opts;
  store_opts.statistics = cfg_.metrics_enabled == "yes";  // block cache hit/miss figures (issue 13)
  auto st = store::Store::Open(cfg_.dir + "/store", store_opts);
  if (!st.ok()) return WhatToDo(st.status(), cfg_.dir + "/store");
  store_ = std::move(st).value();
  RegisterMetrics();
  sm_ = std::make_unique<StateMachine>(store_.get());
  sm_->acl().SetRequirePass(cfg_.requirepass);
  if (!cfg_.aclfile.empty()) {  // as Redis: a file that does not load stops the start-up
    acl::AclFileResult file = ReadAclFile();
    if (file.error) return Status::InvalidArgument("Aborting Redis startup because of ACL errors: " + *file.error);
    if (!file.users.empty()) acl_seed_ = std::move(file.users);
  }
  auto layer = factory_(
      &loop_, sm_.get(), [this](uint64_t token, std::string&& reply) { OnApplied(token, std::move(reply)); },
      [this](uint64_t token) { OnReadReady(token); });
  log_ = std::move(layer.replicator);
  cluster_ = layer.cluster;
  if (Status started = log_->Start(); !started.ok()) return WhatToDo(started, cfg_.dir + "/log");
  MakeBlockedClients();
  log_->SetPubsubReceiver([this](std::string_view batch) { OnPeerPublishes(batch); });
  log_->SetAccessHintsReceiver([this](std::string_view batch) { OnAccessHints(batch); });  // docs/memory.md
  // Eviction ahead of the writes (docs/memory.md): the leader counts what its proposals may add.
  log_->SetEvictionHooks(Replicator::EvictionHooks{
      .growth = [this](std::string_view entry) -> uint64_t {
        return cfg_.maxmemory > 0 ? EstimateEntryGrowth(entry) : 0;
      },
      .make_room = [this] { if (cfg_.maxmemory > 0) EvictAhead(); },
  });
  sm_->SetKeyEventSink(&cfg_.notify_keyspace_events,
                       [this](std::vector<commands::KeyEvent>&& events) { PublishKeyEvents(std::move(events)); });
  sm_->SetScriptPublishSink([this](std::vector<commands::ScriptMessage>&& msgs) {
    for (const commands::ScriptMessage& m : msgs) DeliverLocal(m.shard, m.channel, m.message);
  });
  sm_->SetAccessNoteSink([this](std::vector<commands::AccessNote>&& notes) { OnRestoredAccess(notes); });
  sm_->SetChangeObserver([this] { return tracking_.active(); },
                         [this](std::vector<std::string>&& keys) { OnKeysChanged(std::move(keys)); });

  // port 0: no plain TCP port (Redis's rule; a TLS-only node sets tls-port).
  if (cfg_.port != 0) REDRAFT_RETURN_IF_ERROR(Listen(&listener_, cfg_.port));
  if (UsesTls()) REDRAFT_RETURN_IF_ERROR(LoadTls(cfg_));
  if (cfg_.tls_port != 0) REDRAFT_RETURN_IF_ERROR(Listen(&tls_listener_, cfg_.tls_port));

  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, [](uv_prepare_t* p) { static_cast<Server*>(p->data)->FlushOutputs(); });
  replica_waits_.Init(&loop_, [this](uint64_t index) { return log_->FollowersHolding(index); },
                      [this](uint64_t id) { return clients_.count(id) > 0; });  // WAIT
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uv_timer_start(&cron_, [](uv_timer_t* t) { static_cast<Server*>(t->data)->Cron(); },
                 1000 / cfg_.hz, 1000 / cfg_.hz);
  for (auto [sig, h] : {std::pair{SIGTERM, &sigterm_}, std::pair{SIGINT, &sigint_}}) {
    uv_signal_init(&loop_, h);
    h->data = this;
    uv_signal_start(h, [](uv_signal_t* s, int signum) {
      spdlog::warn("received {}, scheduling shutdown", signum == SIGTERM ? "SIGTERM" : "SIGINT");
      static_cast<Server*>(s->data)->shutting_down_ = true;
    }, sig);
  }
  if (!cfg_.pidfile.empty()) std::ofstream(cfg_.pidfile) << getpid() << "\n";
  if (cfg_.port != 0) spdlog::info("redraft ready to accept connections on {}:{}", cfg_.bind, cfg_.port);
  if (cfg_.tls_port != 0) spdlog::info("redraft ready to accept TLS connections on {}:{}", cfg_.bind, cfg_.tls_port);
  return Status::OK();
}

Status Server::Listen(uv_tcp_t* listener, int port) {
  uv_tcp_init(&loop_, listener);
  listener->data = this;
  sockaddr_storage addr{};
  if (uv_ip4_addr(cfg_.bind.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(cfg_.bind.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return Status::InvalidArgument("bad bind address '" + cfg_.bind + "'");
  }
  int rc = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 511, [](uv_stream_t* s, int status) {
      static_cast<Server*>(s->data)->OnNewConnection(reinterpret_cast<uv_tcp_t*>(s), status);
    });
  }
  if (rc != 0) {
    return Status::IOError("Could not create server TCP listening socket " + cfg_.bind + ":" +
                           std::to_string(port) + ": " + uv_strerror(rc));
  }
  return Status::OK();
}

Status Server::LoadTls(const Config& cfg) {
  auto ctx = TlsContext::Create(TlsOptionsFromConfig(cfg));
  if (!ctx.ok()) return ctx.status();
  tls_ctx_ = std::move(ctx).value();
  return Status::OK();
}

void Server::Run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Close whatever is left and let the close callbacks run.
  uv_walk(&loop_, [](uv_handle_t* h, void*) { if (!uv_is_closing(h)) uv_close(h, nullptr); }, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (!cfg_.pidfile.empty()) unlink(cfg_.pidfile.c_str());
  spdlog::info("redraft is now ready to exit, bye bye...");
}

// --- cron ---

namespace {
constexpr int64_t kTlsHandshakeTimeoutMs = 10000;
}  // namespace

void Server::Cron() {
  int64_t now = NowMs();
  observability::Batch().Invalidate();  // a timer callback: whatever it answers is a new batch
  observability::Tracing().FlushFile();  // trace-file: the spans of the last tick, one line
  std::vector<Connection*> lingered;
  for (auto& [id, c] : clients_) {
    if (c->lingering && now - c->linger_since_ms > 2000) lingered.push_back(c);
    // A TLS client that does not finish its handshake in time holds a connection and a TLS
    // state for nothing (a stalled or hostile client): closed, whatever `timeout` says.
    if (c->tls && !c->tls->handshake_done() && !c->lingering && now - c->created_ms > kTlsHandshakeTimeoutMs) {
      spdlog::info("refused TLS client {}: no TLS handshake within {} ms", c->addr, kTlsHandshakeTimeoutMs);
      lingered.push_back(c);
    }
  }
  for (Connection* c : lingered) CloseConnection(c);
  if (cfg_.timeout > 0) {
    std::vector<Connection*> idle;
    for (auto& [id, c] : clients_) {
      // Subscribers are never idle (Redis's clientsCronHandleTimeout exempts CLIENT_PUBSUB).
      if (c->slots.empty() && !pubsub_.IsSubscriber(id) && now - c->last_interaction_ms > int64_t{cfg_.timeout} * 1000) {
        idle.push_back(c);
      }
    }
    for (Connection* c : idle) CloseConnection(c);
  }
  ActiveExpire(LogClockMs());
  EvictionCron();  // docs/memory.md
  SeedAclFromFile(now);
}

// Damaged data refuses to start with one message naming what is damaged and what to do: a node
// cannot vouch for data it cannot read, and guessing could lose acknowledged writes.
Status Server::WhatToDo(const Status& st, const std::string& where) {
  if (!st.IsCorruption()) return st;
  return Status::Corruption(
      "the data in " + where + " is damaged (" + st.message() +
      "). This node refuses to start rather than serve or vote with data it cannot vouch for. In a cluster: move " +
      cfg_.dir + " aside (or empty it) and start the node again: it rejoins as a new node and copies the data from "
      "the others (docs/membership.md). A single node: restore " + cfg_.dir + " from a backup.");
}

int64_t Server::LogClockMs() const { return std::max(log_->ClusterTimeMs(), store_->log_time_ms()); }

// Sweeps the key space (the stored keys of every database) a little every tick and proposes
// deletion of keys found expired. The deletion is a log entry (redraft.expired) that deletes a
// key only if it is still expired when applied, so a key rewritten meanwhile survives and every
// replica converges.
void Server::ActiveExpire(int64_t now) {
  if (!log_->is_leader() || sm_->disk().WritesRefused()) return;  // no new entries on a faulty disk
  commands::Argv argv{"redraft.expired"};
  size_t seen = 0;
  std::string last;
  store_->Scan(expire_cursor_, [&](std::string_view key, const store::Value& v) {
    if (seen++ >= kExpireSweepKeys) return false;
    last.assign(key);
    if (store::IsExpired(v, now)) argv.emplace_back(key);
    return true;
  });
  expire_cursor_ = seen > kExpireSweepKeys ? last + '\0' : std::string();
  if (argv.size() == 1) return;
  expired_keys_proposed_ += argv.size() - 1;
  commands::LogCommand lc{now, std::move(argv)};
  lc.db = commands::kStoredKeys;  // every database's keys, as stored
  uint64_t token = next_token_++;
  proposals_.Put(token, 0);
  log_->Propose(commands::EncodeLogCommand(lc), token, 2);
}

// --- shutdown ---

void Server::Shutdown(uint64_t caller_id) {
  spdlog::warn("user requested shutdown...");
  shutting_down_ = true;
}

void Server::BeginShutdown() {
  if (stopped_) return;
  stopped_ = true;
  spdlog::warn("shutting down: making every acknowledged write durable");
  if (cfg_.port != 0) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  if (cfg_.tls_port != 0) uv_close(reinterpret_cast<uv_handle_t*>(&tls_listener_), nullptr);
  log_->Stop();  // drains: everything proposed becomes durable and applied, proposers answered
  std::vector<Connection*> all;
  for (auto& [id, c] : clients_) all.push_back(c);
  for (Connection* c : all) {
    if (c->tls && !c->writing) {
      if (!c->out.empty()) (void)c->tls->Write(c->out);
      c->out = c->tls->TakeCiphertext();
    }
    if (!c->out.empty() && !c->writing) {
      uv_buf_t b = uv_buf_init(c->out.data(), static_cast<unsigned>(c->out.size()));
      uv_try_write(reinterpret_cast<uv_stream_t*>(&c->handle), &b, 1);
    }
    CloseConnection(c);
  }
  if (blocking_) blocking_->Close();
  dirty_.clear();
  observability::Tracing().FlushFile();  // the spans of the last cron tick
  uv_stop(&loop_);
}

// --- blocking operations (blocking.h, docs/blocking.md) ---

void Server::MakeBlockedClients() {
  BlockedClients::Hooks h;
  h.propose = [this](std::string entry, uint64_t token, int proto) {
    if (sm_->disk().WritesRefused()) return false;
    log_->Propose(std::move(entry), token, proto);
    return true;
  };
  h.answer = [this](uint64_t client_id, uint64_t token, std::string&& reply) {
    if (auto it = clients_.find(client_id); it != clients_.end()) it->second->blocked = false;
    if (reply.empty()) {
      proposals_.Erase(token);  // the client is gone
      return;
    }
    AnswerSlot(token, std::move(reply));
  };
  h.resume = [this](uint64_t client_id) {
    auto it = clients_.find(client_id);
    if (it != clients_.end() && !it->second->closing && !it->second->blocked) ProcessInput(it->second);
  };
  h.has_elements = [this](std::string_view key, store::ValueType type) {  // key: [logical db][key]
    store::Value v;
    store::DbStore db(*store_, static_cast<uint8_t>(key[0]));
    return db.Get(key.substr(1), LogClockMs(), &v).ok() && v.type == type && store::CollectionSize(v) > 0;
  };
  h.stream_ready = [this](std::string_view key, const std::string& entry) {  // key: [logical db][key]
    commands::LogCommand cmd;
    if (!commands::DecodeLogCommand(entry, &cmd)) return false;
    store::DbStore db(*store_, static_cast<uint8_t>(key[0]));
    return commands::StreamWaitReady(db, cmd.argv, key.substr(1), LogClockMs());
  };
  h.log_clock_ms = [this] { return LogClockMs(); };
  blocking_ = std::make_unique<BlockedClients>(&loop_, std::move(h));
  sm_->SetKeyObserver([this](std::string_view key) { return blocking_->Watching(key); },
                      [this](std::vector<std::string>&& keys) { blocking_->KeysTouched(std::move(keys)); });
}

}  // namespace redraft::server
