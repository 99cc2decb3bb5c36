#include "cluster/transport.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "cluster/peer_auth.h"
#include "cluster/transport_internal.h"
#include "common/coding.h"

namespace redraft::cluster {

using namespace transport_internal;

namespace {

constexpr size_t kReadBufferBytes = 256 << 10;
constexpr size_t kVectorMinBytes = 4096;  // payloads this large are written in place, not copied
constexpr size_t kMaxChunkedTypeBytes = 255;
constexpr unsigned kKeepAliveSeconds = 10;
constexpr unsigned kUserTimeoutMs = 30000;

std::string UvError(int err) { return std::string(uv_err_name(err)) + ": " + uv_strerror(err); }

template <typename H>
void CloseAndDelete(H* h) {
  uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* x) { delete reinterpret_cast<H*>(x); });
}

bool IsReserved(std::string_view type) {
  return type == kHelloType || type == kChunkType || type == kAuthChallengeType || type == kAuthProofType;
}

}  // namespace

std::string transport_internal::RemoteAddr(const uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[64] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

PeerTransport::PeerTransport(uv_loop_t* loop, uint64_t self_id, std::string cluster_id, OnMessage on_message,
                             TransportOptions opts)
    : loop_(loop),
      self_id_(self_id),
      cluster_id_(std::move(cluster_id)),
      on_message_(std::move(on_message)),
      opts_(std::move(opts)),
      alive_(std::make_shared<bool>(true)),
      read_buf_(kReadBufferBytes),
      rng_(self_id ^ static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
  opts_.chunk_bytes = std::max<size_t>(opts_.chunk_bytes, 1);
  // A chunk frame's payload is chunk_bytes plus a small header: the receiver must accept it.
  opts_.max_frame_bytes = std::max(opts_.max_frame_bytes, opts_.chunk_bytes + 2 * kMaxChunkedTypeBytes);
  opts_.reconnect_min_ms = std::max(opts_.reconnect_min_ms, 1);
  opts_.reconnect_max_ms = std::max(opts_.reconnect_max_ms, opts_.reconnect_min_ms);
  prepare_ = new uv_prepare_t;
  uv_prepare_init(loop_, prepare_);
  prepare_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
  handshake_timer_ = new uv_timer_t;
  uv_timer_init(loop_, handshake_timer_);
  handshake_timer_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(handshake_timer_));
}

PeerTransport::~PeerTransport() {
  if (!closed_) Close();
}

void PeerTransport::Log(std::string_view msg) const {
  if (opts_.logger) opts_.logger(msg);
}

PeerTransport::Peer* PeerTransport::FindPeer(uint64_t id) const {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

bool PeerTransport::IsBlocked(uint64_t id) const { return blocked_.count(id) != 0; }

// ---- listening and inbound connections -------------------------------------------------------

Status PeerTransport::Listen(const std::string& bind, int port) {
  if (closed_) return Status::Aborted("transport closed");
  if (listener_ != nullptr) return Status::InvalidArgument("already listening");
  sockaddr_storage addr;
  if (uv_ip4_addr(bind.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(bind.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return Status::InvalidArgument("cluster bind address is not an IP literal: " + bind);
  }
  listener_ = new uv_tcp_t;
  uv_tcp_init(loop_, listener_);
  listener_->data = this;
  int r = uv_tcp_bind(listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (r == 0) {
    r = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 128, [](uv_stream_t* s, int status) {
      static_cast<PeerTransport*>(s->data)->OnAccept(status);
    });
  }
  if (r != 0) {
    CloseAndDelete(listener_);
    listener_ = nullptr;
    return Status::IOError("cluster listen on " + bind + ":" + std::to_string(port) + ": " + UvError(r));
  }
  sockaddr_storage bound;
  int len = sizeof(bound);
  uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::OK();
}

void PeerTransport::OnAccept(int status) {
  if (status < 0 || closed_) return;
  auto* c = new Conn;
  c->t = this;
  uv_tcp_init(loop_, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_), reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
    return;
  }
  if (inbound_count_ >= opts_.max_inbound_connections) {
    counters_.refused_connections++;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
    return;
  }
  counters_.accepted_connections++;
  inbound_count_++;
  conns_.insert(c);
  c->connected = true;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_tcp_keepalive(&c->tcp, 1, kKeepAliveSeconds);  // notices a vanished sender's half-open connection
  c->remote = RemoteAddr(&c->tcp);
  bool auth = !opts_.secret.empty();
  c->decoder = std::make_unique<FrameDecoder>(
      auth ? kHandshakeFrameBytes : opts_.max_frame_bytes,
      [this, c](std::string_view cluster_id, uint64_t from, std::string_view type) {
        return CheckHeader(c, cluster_id, from, type);
      });
  c->opened_at = uv_now(loop_);
  if (auth) c->auth = Conn::Auth::kAwaitHello;
  if (opts_.tls_server) TlsOpen(c);
  if (c->setting_up()) StartHandshakeTimer();
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), AllocRead, ReadCb);
}

void PeerTransport::AllocRead(uv_handle_t* h, size_t, uv_buf_t* buf) {
  // One buffer per transport is enough: each read is consumed before the next allocation.
  auto* c = static_cast<PeerTransport::Conn*>(h->data);
  *buf = uv_buf_init(c->t->read_buf_.data(), static_cast<unsigned>(c->t->read_buf_.size()));
}

void PeerTransport::ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(s->data);
  c->t->OnRead(c, nread, buf);
}

Status PeerTransport::CheckHeader(Conn* c, std::string_view cluster_id, uint64_t from, std::string_view type) const {
  if (cluster_id != cluster_id_) return Status::Aborted("frame from another cluster");
  if (c->auth == Conn::Auth::kAwaitHello && type != kHelloType) {
    return Status::Aborted("a '" + std::string(type) + "' frame before the handshake");
  }
  if (c->auth == Conn::Auth::kAwaitProof && type != kAuthProofType) {
    return Status::Aborted("a '" + std::string(type) + "' frame instead of the handshake's proof");
  }
  if (!c->handshaking() && (type == kAuthChallengeType || type == kAuthProofType)) {
    return Status::Aborted("a handshake frame on an open connection");
  }
  if (from == self_id_ || (FindPeer(from) == nullptr && !accept_unknown_)) {
    return Status::Aborted("frame from non-member " + std::to_string(from));
  }
  if (c->peer_known && c->peer_id != from) return Status::Aborted("sender id changed on a connection");
  if (c->tls && std::find(c->cert_ids.begin(), c->cert_ids.end(), from) == c->cert_ids.end()) {
    // The id-in-certificate rule (docs/peer_protocol.md): a member's certificate is no licence
    // to speak as another member.
    return Status::Aborted("its certificate names no redraft-node-" + std::to_string(from) + " but it claims to be node " +
                           std::to_string(from));
  }
  return Status::OK();
}

void PeerTransport::OnRead(Conn* c, ssize_t nread, const uv_buf_t* buf) {
  if (c->closing) return;
  if (c->tls && nread > 0) {
    std::string plain;
    if (!TlsRead(c, buf->base, static_cast<size_t>(nread), &plain)) return;
    if (plain.empty()) return;
    uv_buf_t pb = uv_buf_init(plain.data(), static_cast<unsigned>(plain.size()));
    OnBytes(c, static_cast<ssize_t>(plain.size()), &pb);
    return;
  }
  OnBytes(c, nread, buf);
}

void PeerTransport::OnBytes(Conn* c, ssize_t nread, const uv_buf_t* buf) {
  if (c->outbound) {
    // Peers write on our outbound connections only the handshake's challenge: after it, only
    // EOF/errors matter here.
    if (nread > 0 && c->auth == Conn::Auth::kAwaitChallenge) {
      std::vector<Frame> frames;
      size_t used;
      Status s = c->decoder->FeedOne(buf->base, static_cast<size_t>(nread), &frames, &used);
      for (Frame& f : frames) {
        if (!DialerHandshake(c, std::move(f))) return;
      }
      if (!s.ok()) {
        counters_.auth_failures++;
        Log("cluster: peer " + std::to_string(c->peer_id) + " sent a bad handshake: " + s.ToString());
        FailConn(c);
      }
      return;
    }
    if (nread >= 0) return;
    FailConn(c);
    return;
  }
  if (nread < 0) {
    CloseConn(c);
    return;
  }
  // While handshaking, one frame at a time: the frames after the proof are judged as coming from
  // an authenticated peer (larger limit), those before it as not.
  Status s;
  size_t off = 0, n = static_cast<size_t>(nread);
  while (off < n && s.ok() && !c->closing) {
    std::vector<Frame> frames;
    if (c->handshaking()) {
      size_t used;
      s = c->decoder->FeedOne(buf->base + off, n - off, &frames, &used);
      off += used;
    } else {
      s = c->decoder->Feed(buf->base + off, n - off, &frames);
      off = n;
    }
    for (Frame& f : frames) {
      if (c->closing) return;
      HandleFrame(c, std::move(f));
    }
  }
  if (!s.ok() && !c->closing) {
    if (c->handshaking()) {
      RefuseAuth(c, s.ToString());
    } else if (s.code() == Status::Code::kAborted) {
      counters_.rejected_frames++;
    } else {
      counters_.decode_errors++;
    }
    Log("cluster: closing inbound connection from " + c->remote + ": " + s.ToString());
    CloseConn(c);
  }
}

void PeerTransport::HandleFrame(Conn* c, Frame&& f) {
  // Re-check: on_message may have changed membership since the header was checked.
  Status s = CheckHeader(c, f.cluster_id, f.from, f.type);
  if (!s.ok()) {
    counters_.rejected_frames++;
    Log("cluster: closing inbound connection from " + c->remote + ": " + s.ToString());
    CloseConn(c);
    return;
  }
  if (c->handshaking()) {
    AcceptorHandshake(c, std::move(f));
    return;
  }
  c->peer_known = true;
  c->peer_id = f.from;
  Peer* p = FindPeer(f.from);
  if (p == nullptr) {
    // An unknown sender, accepted only while accept_unknown_ (CheckHeader): small messages only.
    if (f.type == kHelloType) return;
    if (f.type == kChunkType) {
      counters_.rejected_frames++;
      CloseConn(c);
      return;
    }
    if (on_message_) on_message_(f.from, f.type, std::move(f.payload));
    return;
  }
  if (IsBlocked(f.from)) {
    if (f.type != kHelloType) p->dropped++;
    DropReassembly(c);
    return;
  }
  if (f.type == kHelloType) return;
  if (f.type == kChunkType) {
    HandleChunk(c, p, std::move(f.payload));
    return;
  }
  Deliver(p, f.type, std::move(f.payload));
}

void PeerTransport::HandleChunk(Conn* c, Peer* p, std::string&& payload) {
  std::string_view in = payload;
  uint64_t total = 0, offset = 0;
  if (in.empty() || in.size() < 1 + static_cast<uint8_t>(in[0]) + 16u) {
    counters_.decode_errors++;
    Log("cluster: malformed chunk");
    CloseConn(c);
    return;
  }
  std::string_view type = in.substr(1, static_cast<uint8_t>(in[0]));
  in.remove_prefix(1 + type.size());
  GetFixed64(&in, &total);
  GetFixed64(&in, &offset);
  if (offset == 0) {
    // A new message; a partial one (abandoned by a sender-side block) is discarded, and so is
    // one from the same sender on another connection (it reconnected and starts over).
    DropReassembly(c);
    for (Conn* other : conns_) {
      if (other != c && other->asm_active && other->peer_known && other->peer_id == c->peer_id) DropReassembly(other);
    }
    if (total > opts_.max_message_bytes) {
      counters_.decode_errors++;
      Log("cluster: chunked message too large: " + std::to_string(total));
      CloseConn(c);
      return;
    }
    if (reassemblies_ >= opts_.max_reassemblies || total > opts_.max_reassembly_bytes - reassembly_bytes_) {
      counters_.refused_reassemblies++;
      Log("cluster: refusing a chunked message of " + std::to_string(total) + " bytes: " +
          std::to_string(reassemblies_) + " in progress, " + std::to_string(reassembly_bytes_) + " bytes declared");
      CloseConn(c);
      return;
    }
    c->asm_active = true;
    c->asm_type.assign(type);
    c->asm_total = total;
    reassemblies_++;
    reassembly_bytes_ += total;
    c->asm_buf = std::string();
    c->asm_buf.reserve(static_cast<size_t>(std::min<uint64_t>(total, uint64_t{64} << 20)));
  } else if (!c->asm_active) {
    p->dropped++;  // the rest of a message whose start was dropped while blocked
    return;
  }
  if (offset != c->asm_buf.size() || total != c->asm_total || type != c->asm_type || in.size() > total - offset) {
    counters_.decode_errors++;
    Log("cluster: chunk out of sequence");
    CloseConn(c);
    return;
  }
  // Grow by doubling as data arrives, never past the declared total (no over-allocation).
  if (c->asm_buf.size() + in.size() > c->asm_buf.capacity()) {
    c->asm_buf.reserve(static_cast<size_t>(std::min<uint64_t>(c->asm_total, 2 * c->asm_buf.capacity() + in.size())));
  }
  c->asm_buf.append(in.data(), in.size());
  if (c->asm_buf.size() == c->asm_total) {
    std::string msg = std::move(c->asm_buf);
    std::string msg_type = std::move(c->asm_type);
    DropReassembly(c);
    Deliver(p, msg_type, std::move(msg));
  }
}

void PeerTransport::DropReassembly(Conn* c) {
  if (c->asm_active) {
    reassemblies_--;
    reassembly_bytes_ -= c->asm_total;
  }
  c->asm_active = false;
  c->asm_total = 0;
  c->asm_buf = std::string();
}

void PeerTransport::Deliver(Peer* p, const std::string& type, std::string&& payload) {
  p->recv++;
  if (on_message_) on_message_(p->id, type, std::move(payload));
}

// ---- peers and outbound connections ----------------------------------------------------------

void PeerTransport::SetPeer(uint64_t id, const std::string& host, int port) {
  REDRAFT_CHECK(id != self_id_);
  if (closed_) return;
  Peer* p = FindPeer(id);
  if (p == nullptr) {
    auto owned = std::make_unique<Peer>();
    p = owned.get();
    p->t = this;
    p->id = id;
    p->timer = new uv_timer_t;
    uv_timer_init(loop_, p->timer);
    p->timer->data = p;
    peers_.emplace(id, std::move(owned));
  } else if (p->host == host && p->port == port) {
    return;
  } else {
    DropOutbound(p, /*reconnect=*/false);
    uv_timer_stop(p->timer);
  }
  p->host = host;
  p->port = port;
  p->epoch++;
  p->resolving = false;
  p->attempts = 0;
  Dial(p);
}

void PeerTransport::RemovePeer(uint64_t id) {
  Peer* p = FindPeer(id);
  if (p == nullptr) return;
  DropOutbound(p, /*reconnect=*/false);
  std::vector<Conn*> inbound;
  for (Conn* c : conns_) {
    if (!c->outbound && c->peer_known && c->peer_id == id) inbound.push_back(c);
  }
  for (Conn* c : inbound) CloseConn(c);
  uv_timer_stop(p->timer);
  CloseAndDelete(p->timer);
  dirty_.erase(p);
  peers_.erase(id);
}

void PeerTransport::Dial(Peer* p) {
  if (closed_ || p->out != nullptr || p->resolving) return;
  if (p->dialed_before) p->reconnects++;
  p->dialed_before = true;
  std::string host = p->host == "localhost" ? "127.0.0.1" : p->host;
  sockaddr_storage addr;
  if (uv_ip4_addr(host.c_str(), p->port, reinterpret_cast<sockaddr_in*>(&addr)) == 0 ||
      uv_ip6_addr(host.c_str(), p->port, reinterpret_cast<sockaddr_in6*>(&addr)) == 0) {
    StartConnect(p, reinterpret_cast<const sockaddr*>(&addr));
    return;
  }
  auto* r = new Resolve{{}, alive_, this, p->id, p->epoch};
  r->req.data = r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string service = std::to_string(p->port);
  p->resolving = true;
  int rc = uv_getaddrinfo(loop_, &r->req, [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
    std::unique_ptr<Resolve> r(static_cast<Resolve*>(req->data));
    if (*r->alive) {
      Peer* p = r->t->FindPeer(r->id);
      if (p != nullptr && p->epoch == r->epoch && p->resolving) {
        p->resolving = false;
        if (status == 0 && res != nullptr) {
          r->t->StartConnect(p, res->ai_addr);
        } else {
          r->t->Log("cluster: cannot resolve " + p->host + ": " + UvError(status));
          r->t->ScheduleReconnect(p);
        }
      }
    }
    uv_freeaddrinfo(res);
  }, host.c_str(), service.c_str(), &hints);
  if (rc != 0) {
    delete r;
    p->resolving = false;
    ScheduleReconnect(p);
  }
}

void PeerTransport::StartConnect(Peer* p, const sockaddr* addr) {
  auto* c = new Conn;
  c->t = this;
  c->outbound = true;
  c->peer_id = p->id;
  c->peer_known = true;
  uv_tcp_init(loop_, &c->tcp);
  c->tcp.data = c;
  c->connect_req.data = c;
  conns_.insert(c);
  p->out = c;
  int r = uv_tcp_connect(&c->connect_req, &c->tcp, addr, [](uv_connect_t* req, int status) {
    auto* conn = static_cast<Conn*>(req->data);
    if (conn->closing) return;  // includes UV_ECANCELED after CloseConn
    conn->t->OnConnected(conn, status);
  });
  if (r != 0) {
    Log("cluster: connect to peer " + std::to_string(p->id) + ": " + UvError(r));
    DropOutbound(p, /*reconnect=*/true);
  }
}

void PeerTransport::OnConnected(Conn* c, int status) {
  Peer* p = FindPeer(c->peer_id);
  if (p == nullptr || p->out != c) {
    CloseConn(c);
    return;
  }
  if (status < 0) {
    if (p->attempts == 0) Log("cluster: connect to peer " + std::to_string(p->id) + ": " + UvError(status));
    DropOutbound(p, /*reconnect=*/true);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_tcp_keepalive(&c->tcp, 1, kKeepAliveSeconds);
#ifdef TCP_USER_TIMEOUT
  // A write that stays unacknowledged this long (dead host, no RST) fails the connection, which
  // is then redialed, instead of stalling the peer's queue for the kernel's ~15 minutes.
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&c->tcp), &fd) == 0) {
    unsigned int ms = kUserTimeoutMs;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
  }
#endif
  c->connected = true;
  c->connected_at = uv_now(loop_);
  c->opened_at = c->connected_at;
  c->remote = p->host + ":" + std::to_string(p->port);
  if (!opts_.secret.empty()) {
    c->auth = Conn::Auth::kAwaitChallenge;
    c->nonce_dialer = NewPeerNonce();
    c->decoder = std::make_unique<FrameDecoder>(
        kHandshakeFrameBytes, [this](std::string_view cluster_id, uint64_t, std::string_view type) {
          if (cluster_id != cluster_id_) return Status::Aborted("challenge from another cluster");
          if (type != kAuthChallengeType) return Status::Aborted("a '" + std::string(type) + "' frame instead of a challenge");
          return Status::OK();
        });
    StartHandshakeTimer();
  }
  p->large_offset = 0;  // a chunked message interrupted by a reconnect starts over
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), AllocRead, ReadCb);
  if (opts_.tls_client) {
    TlsOpen(c);  // the ClientHello; the hello frame waits for the checked certificate
    StartHandshakeTimer();
    return;
  }
  MarkDirty(p);  // sends the hello and whatever is queued
}

void PeerTransport::ScheduleReconnect(Peer* p) {
  if (closed_) return;
  uint64_t delay = static_cast<uint64_t>(opts_.reconnect_min_ms) << std::min(p->attempts, 20);
  delay = std::min<uint64_t>(delay, static_cast<uint64_t>(opts_.reconnect_max_ms));
  // Jitter: uniform in [max(delay/2, min), delay], so restarted peers don't dial in lockstep.
  uint64_t lo = std::max<uint64_t>(delay / 2, static_cast<uint64_t>(opts_.reconnect_min_ms));
  delay = lo + rng_() % (delay - lo + 1);
  p->attempts++;
  uv_timer_start(p->timer, [](uv_timer_t* t) {
    auto* peer = static_cast<Peer*>(t->data);
    peer->t->Dial(peer);
  }, delay, 0);
}

void PeerTransport::DropOutbound(Peer* p, bool reconnect) {
  if (p->out != nullptr) {
    if (p->out->writing) p->dropped += p->out->wbuf_msgs;
    // Only a connection that lived a while resets the backoff: a peer that accepts and then
    // closes at once (it does not know us yet, or is crash-looping) is not redialed in a tight loop.
    if (p->out->connected && uv_now(loop_) - p->out->connected_at >= static_cast<uint64_t>(opts_.reconnect_max_ms)) {
      p->attempts = 0;
    }
    CloseConn(p->out);
    p->out = nullptr;
  }
  if (reconnect) ScheduleReconnect(p);
}

void PeerTransport::FailConn(Conn* c) {
  Peer* p = FindPeer(c->peer_id);
  if (p != nullptr && p->out == c) {
    DropOutbound(p, /*reconnect=*/true);
  } else {
    CloseConn(c);
  }
}

void PeerTransport::CloseConn(Conn* c) {
  if (c->closing) return;
  c->closing = true;
  DropReassembly(c);
  conns_.erase(c);
  if (!c->outbound) inbound_count_--;
  // Pending connect/write callbacks run (with UV_ECANCELED) before the close callback frees c.
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
}

bool PeerTransport::IsConnected(uint64_t id) const {
  Peer* p = FindPeer(id);
  // Connected = usable: TCP up and the TLS and secret handshakes (if any) finished.
  return p != nullptr && p->out != nullptr && p->out->connected && !p->out->setting_up();
}

// ---- write path ------------------------------------------------------------------------------

bool PeerTransport::Send(uint64_t to, const std::string& type, std::string payload) {
  if (closed_ || IsReserved(type) || type.size() > kMaxChunkedTypeBytes) return false;
  Peer* p = FindPeer(to);
  if (p == nullptr) return false;
  if (IsBlocked(to)) {
    p->dropped++;
    return false;
  }
  size_t n = payload.size();
  bool large = n > opts_.chunk_bytes;
  size_t& queued = large ? p->large_bytes : p->small_bytes;
  bool empty = large ? p->large.empty() : p->small.empty();
  if (!empty && queued + n > opts_.max_queue_bytes) {
    p->dropped++;
    return false;
  }
  queued += n;
  (large ? p->large : p->small).push_back(OutMsg{type, std::move(payload)});
  MarkDirty(p);
  return true;
}

void PeerTransport::MarkDirty(Peer* p) {
  if (closed_) return;
  dirty_.insert(p);
  uv_prepare_start(prepare_, [](uv_prepare_t* h) { static_cast<PeerTransport*>(h->data)->FlushAll(); });
}

void PeerTransport::FlushAll() {
  std::vector<Peer*> dirty(dirty_.begin(), dirty_.end());
  dirty_.clear();
  uv_prepare_stop(prepare_);
  for (Peer* p : dirty) Flush(p);
}

void PeerTransport::Flush(Peer* p) {
  Conn* c = p->out;
  if (closed_ || c == nullptr || !c->connected || c->writing || c->closing) return;
  if (c->tls && !c->tls_ready) return;  // nothing before the peer's certificate is checked
  c->wbuf.clear();
  c->wpayloads.clear();
  uint64_t msgs = 0;
  if (!c->hello_sent) {
    std::string hello = c->auth == Conn::Auth::kOff ? std::string() : EncodePeerHello(PeerHello{p->id, c->nonce_dialer});
    AppendFrame(&c->wbuf, cluster_id_, self_id_, kHelloType, hello);
    c->hello_sent = true;
  }
  if (c->auth == Conn::Auth::kDone && !c->proof_sent) {
    PeerHandshakeIds ids{cluster_id_, self_id_, p->id, c->nonce_dialer, c->nonce_acceptor};
    AppendFrame(&c->wbuf, cluster_id_, self_id_, kAuthProofType, DialerMac(opts_.secret, ids));
    c->proof_sent = true;
  }
  // Nothing but the hello until the acceptor proved it knows the secret.
  bool open = c->auth == Conn::Auth::kOff || c->auth == Conn::Auth::kDone;
  // One uv_write of several buffers: frame headers and small payloads are copied into wbuf,
  // payloads of kVectorMinBytes or more are written in place (segments: offsets into wbuf, or
  // one of wpayloads).
  struct Segment {
    const std::string* payload;  // null: wbuf[off, off + len)
    size_t off, len;
  };
  std::vector<Segment> segs;
  size_t cursor = 0;     // wbuf bytes before this are in segs
  size_t in_write = 0;   // payload bytes in this write
  // Small messages up to ~chunk_bytes per write, then one chunk of the current large message.
  while (open && !p->small.empty() && in_write < opts_.chunk_bytes) {
    OutMsg& m = p->small.front();
    in_write += m.payload.size();
    if (m.payload.size() >= kVectorMinBytes) {
      size_t at = AppendFrameAround(&c->wbuf, cluster_id_, self_id_, m.type, m.payload);
      segs.push_back(Segment{nullptr, cursor, at - cursor});
      c->wpayloads.push_back(std::move(m.payload));
      segs.push_back(Segment{&c->wpayloads.back(), 0, c->wpayloads.back().size()});
      cursor = at;
      p->small_bytes -= c->wpayloads.back().size();
    } else {
      AppendFrame(&c->wbuf, cluster_id_, self_id_, m.type, m.payload);
      p->small_bytes -= m.payload.size();
    }
    p->small.pop_front();
    msgs++;
  }
  if (open && !p->large.empty()) {
    OutMsg& m = p->large.front();
    uint64_t total = m.payload.size();
    size_t piece = static_cast<size_t>(std::min<uint64_t>(opts_.chunk_bytes, total - p->large_offset));
    std::string head;
    head.push_back(static_cast<char>(m.type.size()));
    head.append(m.type);
    PutFixed64(&head, total);
    PutFixed64(&head, p->large_offset);
    AppendFrame(&c->wbuf, cluster_id_, self_id_, kChunkType, head,
                std::string_view(m.payload).substr(static_cast<size_t>(p->large_offset), piece));
    p->large_offset += piece;
    if (p->large_offset == total) {
      p->large_bytes -= m.payload.size();
      p->large.pop_front();
      p->large_offset = 0;
      msgs++;
    }
  }
  if (c->wbuf.empty()) return;
  segs.push_back(Segment{nullptr, cursor, c->wbuf.size() - cursor});
  std::vector<uv_buf_t> bufs;  // uv_write copies the array; the bytes live in wbuf/wpayloads
  bufs.reserve(segs.size());
  for (const Segment& g : segs) {
    if (g.len == 0) continue;
    char* base = g.payload ? const_cast<char*>(g.payload->data()) : c->wbuf.data() + g.off;
    bufs.push_back(uv_buf_init(base, static_cast<unsigned>(g.len)));
  }
  if (c->tls) {
    // Encrypt the frames in order; the ciphertext (and anything TLS queued before) is one write.
    for (const uv_buf_t& b : bufs) {
      if (Status st = c->tls->Write(std::string_view(b.base, b.len)); !st.ok()) {
        Log("cluster: TLS write to peer " + std::to_string(p->id) + ": " + st.ToString());
        DropOutbound(p, /*reconnect=*/true);
        return;
      }
    }
    c->tls_wbuf = c->tls->TakeCiphertext();
    c->wpayloads.clear();
    bufs.assign(1, uv_buf_init(c->tls_wbuf.data(), static_cast<unsigned>(c->tls_wbuf.size())));
  }
  c->wbuf_msgs = msgs;
  c->writing = true;
  c->write_req.data = c;
  int r = uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), bufs.data(),
                   static_cast<unsigned>(bufs.size()), [](uv_write_t* req, int status) {
    auto* conn = static_cast<Conn*>(req->data);
    conn->writing = false;
    if (conn->closing) return;
    conn->t->OnWriteDone(conn, status);
  });
  if (r != 0) {
    Log("cluster: write to peer " + std::to_string(p->id) + ": " + UvError(r));
    DropOutbound(p, /*reconnect=*/true);
  }
}

void PeerTransport::OnWriteDone(Conn* c, int status) {
  Peer* p = FindPeer(c->peer_id);
  if (p == nullptr || p->out != c) {
    CloseConn(c);
    return;
  }
  if (status < 0) {
    p->dropped += c->wbuf_msgs;
    c->wbuf_msgs = 0;
    Log("cluster: write to peer " + std::to_string(p->id) + ": " + UvError(status));
    DropOutbound(p, /*reconnect=*/true);
    return;
  }
  p->sent += c->wbuf_msgs;
  c->wbuf_msgs = 0;
  c->wpayloads.clear();
  if (c->wbuf.capacity() > 4 * opts_.chunk_bytes) c->wbuf = std::string();
  if (!p->small.empty() || !p->large.empty()) MarkDirty(p);
}

// ---- control ---------------------------------------------------------------------------------

void PeerTransport::SetSelfId(uint64_t id) {
  REDRAFT_CHECK(FindPeer(id) == nullptr);
  if (id == self_id_) return;
  self_id_ = id;
  for (auto& [pid, p] : peers_) DropOutbound(p.get(), /*reconnect=*/true);
}

void PeerTransport::SetBlocked(uint64_t id, bool blocked) {
  if (!blocked) {
    blocked_.erase(id);
    return;
  }
  blocked_.insert(id);
  if (Peer* p = FindPeer(id)) {
    p->dropped += p->small.size() + p->large.size();
    p->small.clear();
    p->large.clear();
    p->small_bytes = p->large_bytes = 0;
    p->large_offset = 0;
  }
}

void PeerTransport::Close() {
  if (closed_) return;
  closed_ = true;
  *alive_ = false;
  if (listener_ != nullptr) {
    CloseAndDelete(listener_);
    listener_ = nullptr;
  }
  for (auto& [id, p] : peers_) {
    DropOutbound(p.get(), /*reconnect=*/false);
    uv_timer_stop(p->timer);
    CloseAndDelete(p->timer);
  }
  peers_.clear();
  std::vector<Conn*> rest(conns_.begin(), conns_.end());
  for (Conn* c : rest) CloseConn(c);
  dirty_.clear();
  uv_prepare_stop(prepare_);
  CloseAndDelete(prepare_);
  prepare_ = nullptr;
  uv_timer_stop(handshake_timer_);
  CloseAndDelete(handshake_timer_);
  handshake_timer_ = nullptr;
}

std::vector<PeerTransport::PeerStats> PeerTransport::Stats() const {
  std::vector<PeerStats> out;
  for (const auto& [id, p] : peers_) {
    out.push_back(PeerStats{id, p->out != nullptr && p->out->connected && !p->out->setting_up(), p->sent, p->recv, p->dropped,
                            p->small_bytes + p->large_bytes, p->reconnects});
  }
  return out;
}

}  // namespace redraft::cluster
