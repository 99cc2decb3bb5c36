#include "server/server.h"
#include "server/tls_config.h"

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

constexpr size_t kReadChunk = 64 * 1024;

// An error reply for `msg` (the text after '-'): through ReplyBuilder::Error, which maps CR/LF
// to spaces as Redis does, so client bytes echoed in msg can never end the reply early and forge
// the reply to the next command. Errors are the same bytes in RESP2 and RESP3.
std::string ErrorReply(std::string_view msg) {
  std::string out;
  resp::ReplyBuilder(&out).Error(msg);
  return out;
}
constexpr size_t kExpireSweepKeys = 200;  // keys examined per cron tick by active expiry

std::string PeerName(uv_tcp_t* h, bool local) {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  int rc = local ? uv_tcp_getsockname(h, reinterpret_cast<sockaddr*>(&ss), &len)
                 : uv_tcp_getpeername(h, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return "?:0";
  char ip[64] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

Connection* FromHandle(void* h) { return static_cast<Connection*>(static_cast<uv_handle_t*>(h)->data); }

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

// --- connections ---

// Protected mode (Redis 7.0's text, byte for byte): with no password, only loopback clients.
constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is "
    "set for the default user. In this mode connections are only accepted from the loopback interface"
    ". If you want to connect from external computers to Redis you may adopt one of the following sol"
    "utions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from t"
    "he loopback interface by connecting to Redis from the same host the server is running, however M"
    "AKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make"
    " this change permanent. 2) Alternatively you can just disable the protected mode by editing the "
    "Redis configuration file, and setting the protected mode option to 'no', and then restarting the"
    " server. 3) If you started the server manually just for testing, restart it with the '--protecte"
    "d-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only ne"
    "ed to do one of the above things in order for the server to start accepting connections from the"
    " outside."
    "\r\n";

// Redis's islocalClient: the literal loopback addresses only (127.0.0.2 is not "local").
bool IsLoopbackPeer(std::string_view addr) { return addr.starts_with("127.0.0.1:") || addr.starts_with("::1:"); }

void Server::OnNewConnection(uv_tcp_t* listener, int status) {
  if (status < 0 || shutting_down_) return;
  auto* c = new Connection();
  uv_tcp_init(&loop_, &c->handle);
  c->handle.data = c;
  if (listener == &tls_listener_) c->tls = std::make_unique<TlsConn>(tls_ctx_);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener), reinterpret_cast<uv_stream_t*>(&c->handle)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->handle), [](uv_handle_t* h) { delete FromHandle(h); });
    return;
  }
  if (clients_.size() >= static_cast<size_t>(cfg_.maxclients)) {
    rejected_connections_++;
    static const char kErr[] = "-ERR max number of clients reached\r\n";
    uv_buf_t b = uv_buf_init(const_cast<char*>(kErr), sizeof(kErr) - 1);
    uv_try_write(reinterpret_cast<uv_stream_t*>(&c->handle), &b, 1);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->handle), [](uv_handle_t* h) { delete FromHandle(h); });
    return;
  }
  bool open = sm_->acl().DefaultOpensWithoutPassword();  // Redis: the default user has nopass
  bool denied = cfg_.protected_mode == "yes" && open && !IsLoopbackPeer(PeerName(&c->handle, false));
  uv_tcp_nodelay(&c->handle, 1);
  c->id = next_client_id_++;
  c->session.id = c->id;
  c->session.authenticated = open;
  c->addr = PeerName(&c->handle, false);
  c->laddr = PeerName(&c->handle, true);
  uv_fileno(reinterpret_cast<uv_handle_t*>(&c->handle), &c->fd);
  c->created_ms = c->last_interaction_ms = NowMs();
  resp::ParserLimits limits;
  limits.max_bulk_len = cfg_.proto_max_bulk_len;
  c->parser.set_limits(limits);
  clients_[c->id] = c;
  total_connections_++;
  StartReading(c);
  if (denied) {
    // Written, then closed like QUIT (whatever the client sent is read and ignored, so the close
    // is a FIN after the text, not a reset that could destroy it).
    rejected_connections_++;
    Reply(c, kProtectedModeDenied);
    c->close_after_reply = true;
  }
}

void Server::StartReading(Connection* c) {
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->handle),
                [](uv_handle_t*, size_t, uv_buf_t* buf) {
                  // One shared buffer: the loop is single-threaded and OnRead copies out of it.
                  static char chunk[kReadChunk];
                  *buf = uv_buf_init(chunk, sizeof(chunk));
                },
                [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                  static_cast<Server*>(s->loop->data)->OnRead(FromHandle(s), n, buf);
                });
  c->reading = true;
}

void Server::OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    CloseConnection(c);
    return;
  }
  if (nread == 0) return;
  if (c->lingering) return;  // dropped: the connection only waits for the client to close
  net_input_bytes_ += static_cast<uint64_t>(nread);
  if (c->tls) {
    Status st = c->tls->Feed(buf->base, static_cast<size_t>(nread), &c->query);
    if (c->tls->HasCiphertext()) MarkDirty(c);  // handshake records to send
    if (!st.ok()) {
      // A refused handshake (garbage, plaintext, a certificate from another CA or expired) is one
      // line; an established session ending is routine.
      if (!c->tls->handshake_done()) {
        spdlog::info("refused TLS client {}: {}", c->addr, st.ToString());
      } else {
        spdlog::debug("closing TLS client {}: {}", c->addr, st.ToString());
      }
      CloseConnection(c);
      return;
    }
  } else {
    c->query.append(buf->base, static_cast<size_t>(nread));
  }
  c->last_interaction_ms = NowMs();
  ProcessInput(c);
}

void Server::ProcessInput(Connection* c) {
  size_t pos = 0;
  std::string error;
  while (!c->closing && !c->close_after_reply && c->deferred.empty() && !c->blocked && pos < c->query.size()) {
    size_t consumed = 0;
    auto outcome = c->parser.Parse(std::string_view(c->query).substr(pos), &consumed, &c->argv, &error);
    pos += consumed;
    c->command_bytes += consumed;
    if (outcome == resp::RequestParser::Outcome::kNeedMore) {
      if (static_cast<int64_t>(c->command_bytes + c->query.size() - pos) > cfg_.client_query_buffer_limit) {
        spdlog::warn("closing client {} that reached max query buffer length", c->addr);
        CloseConnection(c);
        return;
      }
      break;
    }
    if (outcome == resp::RequestParser::Outcome::kError) {
      Reply(c, ErrorReply("ERR " + error));
      c->close_after_reply = true;
      break;
    }
    c->command_bytes = 0;
    if (c->argv.empty()) continue;
    c->session.reply_skip = std::exchange(c->session.reply_skip_next, false);  // CLIENT REPLY SKIP
    if (!Dispatch(c, c->argv)) break;
  }
  if (!c->closing) c->query.erase(0, pos);
  if (!c->deferred.empty() && c->reading && !c->closing) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->handle));
    c->reading = false;
  }
}

// Metrics of one Dispatch (server_metrics.cc): which command's stats an error reply or a slot
// counts against; the previous values are restored when Dispatch returns (it may nest).
struct Server::CallScope {
  Server* s;
  Connection* c;
  observability::CommandStats* stats;
  uint64_t t0;
  bool ran;
  observability::RequestTrace trace;  // the outer Dispatch's traced request (traces)
  CallScope(Server* srv, Connection* conn)
      : s(srv), c(conn), stats(srv->cur_stats_), t0(srv->cur_t0_us_), ran(srv->cur_ran_), trace(srv->cur_trace_) {
    s->cur_stats_ = nullptr;
    s->cur_trace_ = observability::RequestTrace{};
  }
  void Start(const commands::CommandSpec& spec) {
    observability::Registry& m = observability::Global();
    if (!m.enabled()) return;
    s->cur_stats_ = m.Command(&spec, spec.name);
    s->cur_stats_->skip_slowlog = spec.flags & commands::kSkipSlowlog;
    s->cur_t0_us_ = observability::NowMicros();
    s->cur_ran_ = false;
  }
  ~CallScope() {
    if (s->cur_trace_.trace_id) s->TraceEndNow(c);  // answered within Dispatch (server_trace.cc)
    s->cur_trace_ = trace;
    if (!s->own_monitor_line_.empty()) {  // MONITOR's line for the monitor's own command
      if (!c->closing) {
        c->out.append(s->own_monitor_line_);
        s->MarkDirty(c);
      }
      s->own_monitor_line_.clear();
    }
    s->cur_stats_ = stats;
    s->cur_t0_us_ = t0;
    s->cur_ran_ = ran;
  }
};

bool Server::Dispatch(Connection* c, commands::Argv& argv) {
  total_commands_++;
  CallScope scope(this, c);
  const commands::CommandSpec* spec = commands::Lookup(argv[0]);
  if (!spec || (spec->flags & commands::kInternal)) {  // internal commands come only from the server
    FlagTransaction(c);
    Reply(c, ErrorReply(commands::UnknownCommand(argv)));
    return true;
  }
  const commands::CommandSpec* named = commands::LookupArgv(argv);  // "client|list" for CLIENT LIST
  c->last_cmd = named ? named->name : "NULL";
  scope.Start(named ? *named : *spec);
  if (c->session.trace || observability::Tracing().sampling()) TraceBegin(c, (named ? named : spec)->name);
  int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    if (c->in_multi && spec->name == "exec") {  // Redis's execCommandAbort
      Reply(c, ErrorReply("EXECABORT Transaction discarded because of: " + commands::WrongArity(spec->name).substr(4)));
      EndTransaction(c);
      return true;
    }
    FlagTransaction(c);
    Reply(c, ErrorReply(commands::WrongArity(spec->name)));
    return true;
  }
  if (!c->session.authenticated && !(spec->flags & commands::kNoAuth)) {
    FlagTransaction(c);
    Reply(c, "-NOAUTH Authentication required.\r\n");
    return true;
  }
  if (!AclAllows(c, *spec, argv)) return !c->closing;
  if (SubscriberModeRefuses(c, *spec, argv)) return true;  // RESP2 subscriber mode (pubsub_server.cc)
  if (cfg_.maxmemory > 0 && RefuseOom(c, named ? *named : *spec)) return true;  // docs/memory.md
  if (cfg_.maxmemory > 0 && spec->first_key > 0) NoteAccess(*spec, argv, c->session.db);  // eviction's LRU/LFU
  if (!monitors_.empty()) FeedMonitors(c, named ? *named : *spec, argv);
  if (c->in_multi && tracking_.active()) TrackCommand(c, *spec, argv, /*queued=*/true);
  // Inside MULTI: queued (answered +QUEUED, in order behind any pending reply) or refused.
  if (QueueOrRefuse(c, *spec, argv)) return true;
  const commands::CommandSpec* user_spec = spec;  // before the log forms below
  commands::AclWriteForm(&spec, &argv);  // ACL SETUSER/DELUSER are log writes
  commands::ScriptForm(&spec, &argv, *store_, c->acl_user.get());  // EVAL -> redraft.eval, SCRIPT LOAD -> log (scripting_cmds.h)
  // A script sent over maxmemory carries that fact: Redis 7.0's rules apply at apply time (scripting_cmds.h).
  if (cfg_.maxmemory > 0 && spec->name == "redraft.eval" && OutOfMemory()) commands::MarkScriptOom(*spec, &argv);
  commands::XgroupForm(&spec, &argv);  // XGROUP CREATE/SETID/... -> redraft.xgroup, a log write (streams_groups.h)
  if (spec->name == "xread") {  // XREAD BLOCK -> redraft.xread, a blocking write (streams_blocking.h)
    store::DbStore db(*store_, c->session.db);
    commands::XreadBlockForm(&spec, &argv, db, LogClockMs());
  }
  bool is_read = (spec->flags & commands::kReadonly) && !spec->is_write();
  // A read behind this connection's pending writes runs at its log position instead of waiting
  // for them (commands/log_read.h, docs/pipelining.md); READONLY sessions keep their local reads.
  bool log_read = is_read && c->pending_writes > 0 && !c->session.readonly && commands::LogReadable(*spec);
  bool must_wait = log_read                 ? false
                   : spec->is_write()       ? c->pending_reads > 0 && !MoveReadsToLog(c)
                   : is_read        ? c->pending_writes > 0
                                    : !c->slots.empty();
  if (spec->name == "multi" || spec->name == "discard" || spec->name == "unwatch") must_wait = false;
  if (must_wait) {
    cur_trace_ = observability::RequestTrace{};  // traced (or not) when dispatched again
    c->deferred = std::move(argv);
    return false;
  }
  // ACL SAVE; ACL LOAD becomes a write (only with an aclfile: no call on the common path).
  if (!cfg_.aclfile.empty() && AclFileCommand(c, &spec, &argv)) return !c->closing;
  if (tracking_.active()) TrackCommand(c, *user_spec, argv, /*queued=*/false);
  if (log_read) commands::LogReadForm(&spec, &argv);  // now a write: proposed below, no user carried
  // WATCH and EXEC wait for the slots to drain (WATCH then sees this client's earlier writes
  // applied; EXEC runs after them); MULTI, DISCARD and UNWATCH only change connection state.
  if (RunTransactionCommand(c, *spec, argv)) {
    if (tracking_.active() && spec->name == "exec") TrackingAfterExec(c);
    return !c->closing;
  }
  if (spec->is_write()) {
    // A disk fault (common/disk_health.h): new writes are refused, like Redis's MISCONF.
    if (sm_->disk().WritesRefused()) {
      Reply(c, sm_->disk().MisconfError());
      return true;
    }
    // Only what passed commands::PrepareWrite is proposed (see write_entry.h).
    // The entry carries the user: judged again where it executes (docs/acl.md).
    std::string slow_args;  // what SLOWLOG would show, kept until the reply (metrics)
    if (cur_stats_ && observability::Global().slowlog().active()) observability::SlowLog::Pack(argv, &slow_args);
    auto entry = commands::PrepareWrite(*spec, std::move(argv), LogClockMs(), c->session.db,
                                        log_read ? std::string_view() : std::string_view(c->session.user));
    if (!entry.ok()) {
      std::string err = ErrorReply(entry.status().message());
      if (cur_stats_) {  // the command ran and failed (its own checks), as Redis counts it
        CountCall(c, cur_stats_, cur_t0_us_, observability::NowMicros(), err, nullptr, {}, &slow_args);
        cur_ran_ = true;
      }
      Reply(c, err);
      return true;
    }
    uint64_t token = NewSlot(c, /*is_read=*/false);
    if (cur_stats_) {
      Connection::Slot& s = c->slots.back();
      s.slow_args = std::move(slow_args);
      s.t_proposed_us = observability::NowMicros();
      observability::Global().stage(observability::Stage::kWritePropose).Observe(s.t_proposed_us - cur_t0_us_);
    }
    bool traced = cur_trace_.trace_id && TraceWriteProposed(c->slots.back());
    if (spec->flags & commands::kBlocking) c->blocked = blocking_->Block(c->id, token, c->session.proto, *entry);
    log_->Propose(std::move(entry).value(), token, c->session.proto);
    if (traced) observability::Tracing().TakeNextProposal();  // unused if the log did not take it
    return !c->blocked;  // a blocked client parses nothing more until answered
  }
  if (is_read) {
    // A data read: answered once a linearizable read barrier passed and it reaches the head.
    uint64_t token = NewSlot(c, /*is_read=*/true);
    c->slots.back().argv = std::move(argv);
    if (cur_trace_.trace_id) TraceIntoSlot(c->slots.back());  // traces
    // READONLY connections read this node's applied state as it is (may be stale on a follower).
    if (c->session.readonly) OnReadReady(token);
    else log_->ReadBarrier(token);
    return !c->closing;
  }
  std::string held;  // CLIENT REPLY OFF/SKIP drop the reply, unless the command was CLIENT REPLY ON
  bool silenced = c->session.replies_silenced();
  std::string* out = silenced ? &held : &c->out;
  size_t before = out->size();
  ExecuteNow(c, *spec, argv, out);
  if (cur_stats_) {
    cur_ran_ = true;
    std::string_view reply = out->size() > before ? std::string_view(*out).substr(before) : std::string_view();
    CountCall(c, cur_stats_, cur_t0_us_, observability::NowMicros(), reply, &argv, {});
  }
  if (silenced && !c->session.replies_silenced()) c->out.append(held);
  MarkDirty(c);
  return !c->closing && !c->close_after_reply;
}

uint64_t Server::NewSlot(Connection* c, bool is_read) {
  uint64_t token = next_token_++;
  proposals_.Put(token, c->id);
  c->slots.emplace_back();
  c->slots.back().token = token;
  c->slots.back().is_read = is_read;
  c->slots.back().silent = c->session.replies_silenced();
  c->slots.back().stats = cur_stats_;
  c->slots.back().t0_us = cur_t0_us_;
  (is_read ? c->pending_reads : c->pending_writes)++;
  return token;
}

bool Server::MoveReadsToLog(Connection* c) {
  if (c->session.readonly) return false;  // READONLY reads are local by request: they wait
  const commands::CommandSpec* read_spec = commands::Lookup("redraft.read");
  for (const Connection::Slot& s : c->slots) {
    if (!s.is_read || s.state == Connection::Slot::kDone) continue;
    const commands::CommandSpec* spec = s.exec.empty() && !s.argv.empty() ? commands::Lookup(s.argv[0]) : nullptr;
    if (!spec || !commands::LogReadable(*spec)) return false;
  }
  // Each read gets a log position after its arrival and before the write: linearizable, and it
  // sees none of the connection's later writes. Its barrier token is forgotten: when the barrier
  // answers, FindSlot finds no slot holding it.
  for (Connection::Slot& s : c->slots) {
    if (!s.is_read || s.state == Connection::Slot::kDone) continue;
    const commands::CommandSpec* spec = read_spec;
    commands::Argv argv = std::move(s.argv);
    s.argv.clear();
    commands::LogReadForm(&spec, &argv);
    auto entry = commands::PrepareWrite(*spec, std::move(argv), LogClockMs(), c->session.db);
    REDRAFT_CHECK(entry.ok());  // LogReadable was checked above; prepare checks only that
    s.token = next_token_++;
    proposals_.Put(s.token, c->id);
    s.is_read = false;
    s.state = Connection::Slot::kWaiting;
    if (s.stats) s.t_proposed_us = observability::NowMicros();
    c->pending_reads--;
    c->pending_writes++;
    log_->Propose(std::move(entry).value(), s.token, c->session.proto);
  }
  return true;
}

void Server::ExecuteNow(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv,
                        std::string* out) {
  resp::ReplyBuilder rb(out, c->session.proto);
  store::DbStore db(*store_, c->session.db);  // the session's database (SELECT)
  commands::ExecContext ctx{db, LogClockMs(), rb, c->session, this};
  spec.execute(ctx, argv);
}

Connection::Slot* Server::FindSlot(uint64_t token, Connection** conn) {
  uint64_t client_id = 0;
  if (!proposals_.Take(token, &client_id)) return nullptr;
  auto cit = clients_.find(client_id);
  if (cit == clients_.end()) return nullptr;  // the client went away; a write still happens
  for (auto& s : cit->second->slots) {
    if (s.token == token) {
      *conn = cit->second;
      return &s;
    }
  }
  return nullptr;
}

void Server::OnApplied(uint64_t token, std::string&& reply) {
  if (evictor_ && evictor_->OnApplied(token)) return;  // the evictor's own entries (docs/memory.md)
  if (blocking_ && blocking_->OnApplied(token, reply)) return;
  AnswerSlot(token, std::move(reply));
}

void Server::AnswerSlot(uint64_t token, std::string&& reply) {
  Connection* c = nullptr;
  Connection::Slot* slot = FindSlot(token, &c);
  if (!slot) return;
  if (slot->trace) TraceAnswered(*slot);  // traces (server_trace.cc)
  // A failed read barrier also arrives here, as its error reply.
  (slot->is_read ? c->pending_reads : c->pending_writes)--;
  if (!slot->is_read) c->last_write_index = std::max(c->last_write_index, store_->applied_index());  // WAIT
  if (slot->stats) {
    uint64_t now = observability::NowMicros();
    slot->t_ready_us = now;
    uint64_t proposed = slot->t_proposed_us ? slot->t_proposed_us : slot->t0_us;
    CountCall(c, slot->stats, slot->t0_us, now, reply, nullptr,
              {{"propose", proposed - slot->t0_us}, {"replicate_apply", now - proposed}},
              slot->is_read ? nullptr : &slot->slow_args);
  }
  slot->state = Connection::Slot::kDone;
  slot->bytes = std::move(reply);
  slot->argv.clear();
  Drain(c);
}

void Server::OnReadReady(uint64_t token) {
  Connection* c = nullptr;
  Connection::Slot* slot = FindSlot(token, &c);
  if (!slot) return;
  slot->state = Connection::Slot::kRunnable;
  if (slot->trace) TraceAnswered(*slot);  // traces (server_trace.cc)
  if (slot->stats) {
    slot->t_ready_us = observability::NowMicros();
    observability::Global().stage(observability::Stage::kReadBarrierWait).Observe(slot->t_ready_us - slot->t0_us);
  }
  Drain(c);
}

// Moves finished replies from the head of the slots to the output, running reads whose barrier
// passed once they reach the head; then resumes a command that waited for the slots to drain.
void Server::Drain(Connection* c) {
  bool moved = false;
  while (!c->slots.empty()) {
    Connection::Slot& s = c->slots.front();
    if (s.state == Connection::Slot::kRunnable) {
      std::string dropped;
      std::string* out = s.silent ? &dropped : &c->out;
      size_t before = out->size();
      if (!s.exec.empty()) {
        resp::ReplyBuilder rb(out, c->session.proto);
        commands::ExecContext ctx{*store_, LogClockMs(), rb, c->session, this};
        commands::RunReadOnlyExec(s.exec, *store_, s.exec_db, ctx);
      } else if (const commands::CommandSpec* spec = commands::Lookup(s.argv[0]); spec->name == "watch") {
        WatchNow(c, s.argv);
      } else {
        ExecuteNow(c, *spec, s.argv, out);
      }
      c->pending_reads--;
      if (s.stats) {
        uint64_t now = observability::NowMicros();
        observability::Global().stage(observability::Stage::kReadExecute).Observe(now - s.t_ready_us);
        std::string_view reply = out->size() > before ? std::string_view(*out).substr(before) : std::string_view();
        CountCall(c, s.stats, s.t0_us, now, reply, s.exec.empty() ? &s.argv : &s.exec,
                  {{"barrier_wait", s.t_ready_us - s.t0_us}, {"read", now - s.t_ready_us}});
      }
      if (s.trace) TraceReplied(c, s);  // traces
    } else if (s.state == Connection::Slot::kDone) {
      if (s.stats && !s.is_read) {
        observability::Global().stage(observability::Stage::kWriteReply).Observe(observability::NowMicros() - s.t_ready_us);
      }
      if (!s.silent) c->out.append(s.bytes);
      if (s.trace) TraceReplied(c, s);  // traces
    } else {
      break;
    }
    c->slots.pop_front();
    moved = true;
  }
  if (moved) MarkDirty(c);
  if (c->slots.empty() && !c->deferred.empty() && !c->closing) {
    commands::Argv argv = std::move(c->deferred);
    c->deferred.clear();
    total_commands_--;  // counted when it was first dispatched
    Dispatch(c, argv);
    if (c->deferred.empty() && !c->closing) {
      if (!c->reading) StartReading(c);
      ProcessInput(c);
    }
  }
}

void Server::Reply(Connection* c, std::string_view bytes) {
  if (observability::Registry::IsError(bytes) && observability::Global().enabled() && !cur_ran_) CountRejection(bytes);
  if (c->session.replies_silenced()) return;  // CLIENT REPLY OFF/SKIP
  if (c->slots.empty()) {
    c->out.append(bytes);
    MarkDirty(c);
  } else {
    c->slots.emplace_back();
    c->slots.back().state = Connection::Slot::kDone;
    c->slots.back().bytes.assign(bytes);
  }
}

void Server::MarkDirty(Connection* c) {
  if (c->in_dirty_list || c->closing) return;
  c->in_dirty_list = true;
  dirty_.push_back(c);
}

void Server::FlushOutputs() {
  if (shutting_down_) {
    BeginShutdown();
    return;
  }
  // tracking-table-max-keys, before sleeping as Redis: the reads that remembered keys have their
  // reply slots, so an eviction's invalidation goes behind their replies.
  if (tracking_.active()) LimitTrackingTable();
  SendPubsubBatch();  // before log_->Flush(), which writes the transport's queues now
  flushed_token_ = next_token_;
  log_->Flush();
  // Flush can complete read barriers, which resumes connections that waited for their slots to
  // drain: their commands (a write deferred behind reads, the input parsed after it) propose or
  // ask barriers during it. Handed over now, not at the next loop iteration, which may be a timer
  // tick away (measured: `DBSIZE DBSIZE SET` pipelines at p90 ~40 ms, docs/pipelining.md).
  for (int i = 0; i < 8 && next_token_ != flushed_token_; i++) {
    flushed_token_ = next_token_;
    log_->Flush();
  }
  std::vector<Connection*> dirty;
  dirty.swap(dirty_);
  for (Connection* c : dirty) {
    c->in_dirty_list = false;
    if (!c->closing) WriteOut(c);
  }
}

void Server::WriteOut(Connection* c) {
  if (c->writing) return;
  if (c->internal_output) return WriteInternal(c);  // internal_client.cc
  if (c->tls) {  // out holds plaintext replies: encrypt them, then write what TLS has to send
    if (!c->out.empty() && !c->tls->Write(c->out).ok()) return CloseConnection(c);
    c->out = c->tls->TakeCiphertext();
  }
  if (!c->out.empty()) {
    net_output_bytes_ += c->out.size();
    uv_buf_t b = uv_buf_init(c->out.data(), static_cast<unsigned>(c->out.size()));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&c->handle), &b, 1);
    if (n == UV_EAGAIN) n = 0;
    if (n < 0) {
      CloseConnection(c);
      return;
    }
    c->out.erase(0, static_cast<size_t>(n));
    if (!c->out.empty()) {
      c->write_buf.swap(c->out);
      c->out.clear();
      c->writing = true;
      c->write_req.data = c;
      uv_buf_t wb = uv_buf_init(c->write_buf.data(), static_cast<unsigned>(c->write_buf.size()));
      uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->handle), &wb, 1, [](uv_write_t* req, int status) {
        Connection* c = static_cast<Connection*>(req->data);
        c->writing = false;
        c->write_buf.clear();
        Server* s = static_cast<Server*>(req->handle->loop->data);
        if (status < 0) return s->CloseConnection(c);
        s->WriteOut(c);
      });
      return;
    }
  }
  if (c->close_after_reply && c->slots.empty()) LingerClose(c);
}

void Server::LingerClose(Connection* c) {
  if (c->lingering || c->closing) return;
  c->lingering = true;
  c->linger_since_ms = NowMs();
  auto* req = new uv_shutdown_t;
  if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&c->handle), [](uv_shutdown_t* r, int) { delete r; }) != 0) {
    delete req;
    CloseConnection(c);
    return;
  }
  if (!c->reading) StartReading(c);
}

void Server::CloseConnection(Connection* c) {
  if (c->closing) return;
  c->closing = true;
  clients_.erase(c->id);
  if (c->monitor) std::erase(monitors_, c);
  if (c->blocked) blocking_->Disconnected(c->id);
  pubsub_.RemoveClient(c->id);
  tracking_.Forget(c->id);
  if (c->in_dirty_list) {
    std::erase(dirty_, c);
    c->in_dirty_list = false;
  }
  if (c->internal_output) c->internal_output({}, true);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->handle), [](uv_handle_t* h) { delete FromHandle(h); });
}

// --- cron ---

namespace {
constexpr int64_t kTlsHandshakeTimeoutMs = 10000;
}  // namespace

void Server::Cron() {
  int64_t now = NowMs();
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
