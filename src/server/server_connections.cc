// Connection lifecycle: accepting (maxclients, protected mode), reading from the socket, the
// per-iteration output flush (FlushOutputs, once per loop iteration), writing, lingering close
// and close. What a connection's bytes mean is server_dispatch.cc's business.
#include <spdlog/spdlog.h>

#include "observability/batch_clock.h"
#include "server/server.h"

namespace redraft::server {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

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

}  // namespace

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

Connection* Server::NewConnection() {
  auto* c = new Connection();
  uv_tcp_init(&loop_, &c->handle);
  c->handle.data = c;  // freed by the uv_close callback of CloseConnection (FromHandle)
  return c;
}

void Server::InitConnection(Connection* c, std::string addr, std::string laddr) {
  c->id = next_client_id_++;
  c->session.id = c->id;
  c->session.authenticated = sm_->acl().DefaultOpensWithoutPassword();  // Redis: the default user has nopass
  c->addr = std::move(addr);
  c->laddr = std::move(laddr);
  c->created_ms = c->last_interaction_ms = NowMs();
  resp::ParserLimits limits;
  limits.max_bulk_len = cfg_.proto_max_bulk_len;
  c->parser.set_limits(limits);
  clients_[c->id] = c;
  total_connections_++;
}

void Server::OnNewConnection(uv_tcp_t* listener, int status) {
  if (status < 0 || shutting_down_) return;
  Connection* c = NewConnection();
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
  uv_tcp_nodelay(&c->handle, 1);
  uv_fileno(reinterpret_cast<uv_handle_t*>(&c->handle), &c->fd);
  InitConnection(c, PeerName(&c->handle, false), PeerName(&c->handle, true));
  bool denied = cfg_.protected_mode == "yes" && c->session.authenticated && !IsLoopbackPeer(c->addr);
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
  observability::Batch().Invalidate();  // a read callback is a batch: its requests share t0
  ProcessInput(c);
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
  observability::Batch().Invalidate();  // Flush may answer barriers and writes: a new batch
  if (!hints_batch_.empty()) FlushHintsIfDue();  // eviction's access hints (docs/memory.md)
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
  if (!answered_reads_.empty()) CountAnsweredReads();  // their replies are written now
  observability::Batch().Invalidate();  // the loop polls next: no batch spans the wait
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
  if (!answered_reads_.empty()) CountAnsweredReads();  // they may name c, freed after this loop iteration
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

}  // namespace redraft::server
