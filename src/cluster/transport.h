// PeerTransport: Raft traffic between redraft-server processes over TCP on the cluster port
// (client port + 10000), on the server's single libuv loop. No threads, no blocking calls.
//
// Connections. Each node DIALS every peer for its own outbound traffic (one uv_tcp_t per peer,
// TCP_NODELAY, keepalive, TCP_USER_TIMEOUT 30 s) and ACCEPTS inbound connections on which it
// only reads. An outbound connection starts with a "hello" frame (empty payload), so the
// acceptor learns the sender early; every frame (see cluster/frame.h) carries the cluster id and
// the sender id, and the receiver checks both, before buffering the payload: a frame whose
// cluster id differs, or whose sender is not a current peer (membership = the SetPeer'd ids), or
// that changes sender on one connection, closes that inbound connection and is counted in
// Counters::rejected_frames; undecodable input closes it and counts in decode_errors. A failed or closed outbound connection is retried with
// exponential backoff and jitter, from reconnect_min_ms up to reconnect_max_ms; the backoff
// resets only after a connection that stayed up for reconnect_max_ms.
//
// Writes. Send() only queues; a uv_prepare handle flushes every peer with queued data once per
// loop iteration, as ONE uv_write holding everything queued (up to ~chunk_bytes of small frames
// plus one chunk), with at most one write in flight per connection. The write is vectored: frame
// headers and small payloads are copied into one buffer, payloads of 4 KiB or more (a batch of
// log entries) are written in place from the queued message. What is queued when the
// connection dies is kept and sent on the next connection; the batch that was in flight is lost
// (counted as dropped): Raft retransmits.
//
// Large messages. A payload larger than chunk_bytes is sent as a sequence of "chunk" frames, one
// per flush, encoded from the message buffer as the socket drains (never encoded whole), so small
// messages keep flowing between its chunks. Chunk payload:
//   [u8 type_len][type][fixed64 total_size][fixed64 offset][data]      (fixed64 = little endian)
// The receiver reassembles per inbound connection (chunks of one message are contiguous and in
// order on the connection; any violation or total > max_message_bytes closes the connection)
// and delivers the message once complete. If the connection drops mid-message the sender
// restarts that message from offset 0 on the next connection.
// Reassembly memory is bounded whatever a peer declares or sends: at most one message in progress
// per sender id (a new first chunk from the same sender, on any connection, discards the older
// partial message: the sender restarts messages on reconnect), at most max_reassemblies in
// progress in all, and the DECLARED totals of those in progress sum to at most
// max_reassembly_bytes. A first chunk that does not fit is refused by closing its connection
// (counted in Counters::refused_reassemblies). So buffered chunk data never exceeds
// max_reassembly_bytes (plus one read buffer), even if a peer declares 4 GiB.
//
// Ordering. Per sender, messages with payload <= chunk_bytes are delivered in Send() order, and
// large messages in Send() order among themselves; a large message may be delivered after small
// messages sent later than it. Nothing is delivered twice within one connection; across a
// reconnect a message may be lost, never duplicated.
//
// Authentication. With opts.secret set, every connection opens with the mutual challenge-response
// handshake of peer_auth.h (docs/peer_protocol.md): the dialer's hello carries its nonce, the
// acceptor answers on the same connection with a challenge proving it knows the secret, the
// dialer answers with its proof and only then sends anything else. Before the proof verifies, an
// inbound connection accepts nothing but the hello and the proof (small payloads only); a wrong
// MAC, another frame, or no proof within handshake_timeout_ms closes it with one log line naming
// the remote address (Counters::auth_failures). Once authenticated, every frame's sender must be
// the id the handshake proved. Without a secret connections open with an empty hello, as before.
//
// TLS (tls-cluster; opts.tls_server and opts.tls_client set): every connection, both directions,
// is mutual TLS over memory BIOs (tls/tls.h) before any frame: the dialer and the acceptor each
// require the other's certificate to chain to the configured CA, and the certificate must NAME
// the member id its holder speaks as: "redraft-node-<id>" (decimal) as its subject CN or as a
// subjectAltName DNS entry. The dialer checks that the certificate names the peer it dialed
// before it writes anything but the TLS handshake; the acceptor checks every frame's sender
// against the names (CheckHeader), so a valid certificate for node 2 cannot speak as node 3.
// A plaintext dialer, garbage, another CA's or an expired certificate, a certificate naming no
// member id, or no finished handshake within handshake_timeout_ms: the connection is closed with
// one log line naming the remote address (Counters::auth_failures). The secret handshake above
// runs inside TLS when both are configured (defence in depth).
//
// Reserved types: "hello", "chunk", "auth-challenge", "auth-proof" (Send() refuses them).
//
// Thread-safety: none. Every method and callback runs on the loop thread.
// Lifetime: Close() stops everything; the loop must then run until the closed handles' callbacks
// have fired (e.g. uv_run(loop, UV_RUN_DEFAULT) returns or uv_run NOWAIT a few times) before the
// loop itself is closed. The destructor calls Close() if needed and does not touch the loop
// afterwards, so destroying the transport right after Close() is safe.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cluster/frame.h"
#include "common/status.h"
#include "tls/tls.h"

namespace redraft::cluster {

struct TransportOptions {
  size_t max_queue_bytes = size_t{64} << 20;  // per peer, payload bytes queued and not yet written
  int reconnect_min_ms = 50;
  int reconnect_max_ms = 1000;
  size_t max_frame_bytes = size_t{64} << 20;  // largest frame payload accepted from the wire
  size_t chunk_bytes = size_t{1} << 20;       // payloads larger than this are chunked
  // Largest reassembled (chunked) message accepted. The largest legitimate one is a state
  // snapshot, built and held in memory whole by both sides (see state_snapshot.h).
  uint64_t max_message_bytes = uint64_t{1} << 30;
  size_t max_reassemblies = 4;                          // chunked messages in progress, all senders
  uint64_t max_reassembly_bytes = uint64_t{1} << 30;    // sum of their declared totals
  size_t max_inbound_connections = 1024;      // beyond this, new inbound connections are refused
  std::function<void(std::string_view)> logger;  // optional: one line per notable event
  std::string secret;              // non-empty: peers must prove they know it (peer_auth.h)
  int handshake_timeout_ms = 5000;  // an unauthenticated connection is closed after this long
  // tls-cluster: both set, or neither. tls_server must require client certificates.
  std::shared_ptr<tls::TlsContext> tls_server;  // inbound connections
  std::shared_ptr<tls::TlsContext> tls_client;  // outbound connections
};

// The member ids a peer certificate's names (tls::TlsConn::PeerNames) name: every
// "redraft-node-<decimal id>" among them.
std::vector<uint64_t> MemberIdsInCertificate(const std::vector<std::string>& names);

class PeerTransport {
 public:
  // on_message(from, type, payload): a verified frame from a member peer (loop thread).
  // It may call any method of this transport, including RemovePeer() and Close(), but must not
  // destroy the transport.
  using OnMessage = std::function<void(uint64_t from, const std::string& type, std::string&& payload)>;

  struct PeerStats {
    uint64_t id;
    bool connected;          // outbound connection established and past its handshakes
    uint64_t sent_frames;    // messages fully handed to the socket (a chunked message counts once)
    uint64_t recv_frames;    // messages delivered to on_message from this peer
    uint64_t dropped_frames; // refused by Send (full/blocked), emptied by SetBlocked, lost in a failed
                             // write, or frames (each chunk counts) dropped on receipt while blocked
    uint64_t queued_bytes;   // payload bytes queued, not yet written
    uint64_t reconnects;     // connection attempts after the first one
  };
  struct Counters {
    uint64_t accepted_connections = 0;
    uint64_t rejected_frames = 0;       // foreign cluster, non-member sender, or sender id change
    uint64_t decode_errors = 0;         // inbound connections closed on a FrameDecoder error
    uint64_t refused_connections = 0;   // over max_inbound_connections
    uint64_t refused_reassemblies = 0;  // first chunks over max_reassemblies/max_reassembly_bytes
    uint64_t auth_failures = 0;         // connections refused by the handshake (either side)
  };

  PeerTransport(uv_loop_t* loop, uint64_t self_id, std::string cluster_id, OnMessage on_message,
                TransportOptions opts = {});
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Listens on bind:port (IPv4 or IPv6 literal; port 0 picks a free port, see port()).
  Status Listen(const std::string& bind, int port);
  int port() const { return port_; }  // the bound port after Listen, else 0

  // Adds or changes a peer (an IP literal, "localhost", or a name resolved with uv_getaddrinfo).
  // Changing the address drops the current outbound connection and redials. REQUIRES: id != self.
  void SetPeer(uint64_t id, const std::string& host, int port);
  // Forgets a peer: drops its queue and closes its outbound and inbound connections.
  void RemovePeer(uint64_t id);

  // Queues a message to `to`. Returns false (and drops it) when `to` is unknown, blocked, the
  // type is reserved or longer than 255 bytes, the transport is closed, or the queue is full.
  // Never blocks. Small (<= chunk_bytes) and large messages are queued separately, each bounded
  // by max_queue_bytes of payload: a message is refused when its queue is non-empty and would
  // exceed the bound (so one message larger than the bound, e.g. a snapshot, is accepted into an
  // empty queue, and a snapshot in progress never starves heartbeats).
  bool Send(uint64_t to, const std::string& type, std::string payload);

  // The outbound connection to `id` is up and past its TLS and secret handshakes.
  bool IsConnected(uint64_t id) const;
  // Writes what is queued now instead of at this transport's next uv_prepare. For a caller that
  // queues from its own prepare callback: libuv runs prepare callbacks in an order of its own, so
  // without this a message queued after ours ran would wait for the next wakeup (a timer, 40 ms).
  void FlushNow() { FlushAll(); }
  // While set, frames from senders that are not peers are accepted too (same cluster id; chunked
  // messages excepted) and delivered with their sender id. A node in formation uses it to hear
  // members whose ids it cannot know yet (they rejoined under new ids: see formation.h); it
  // answers nothing but probes meanwhile.
  void SetAcceptUnknownSenders(bool accept) { accept_unknown_ = accept; }
  // Changes the id frames are sent as (a node in formation that took a new id; see formation.h).
  // Outbound connections are redialled, so every connection carries one sender id.
  // REQUIRES: id is not a peer's id.
  void SetSelfId(uint64_t id);
  void Close();
  std::vector<PeerStats> Stats() const;
  Counters counters() const { return counters_; }

  // Fault injection: while blocked, frames to and from `id` are dropped (both directions); the
  // queue to `id` is emptied when blocking starts. Connections stay up.
  void SetBlocked(uint64_t id, bool blocked);

 private:
  struct Conn;
  struct Peer;
  struct Resolve;
  struct OutMsg {
    std::string type;
    std::string payload;
  };

  // Connection lifecycle.
  void Dial(Peer* p);
  void StartConnect(Peer* p, const sockaddr* addr);
  void OnConnected(Conn* c, int status);
  void ScheduleReconnect(Peer* p);
  void DropOutbound(Peer* p, bool reconnect);
  void CloseConn(Conn* c);
  // A connection failed: if it is its peer's current outbound one, DropOutbound and reconnect;
  // otherwise (replaced, or inbound) just close it.
  void FailConn(Conn* c);
  void OnAccept(int status);
  void OnRead(Conn* c, ssize_t nread, const uv_buf_t* buf);
  void OnWriteDone(Conn* c, int status);
  void HandleFrame(Conn* c, Frame&& f);
  void HandleChunk(Conn* c, Peer* p, std::string&& payload);
  void DropReassembly(Conn* c);  // frees c's partial message and its share of the budget
  Status CheckHeader(Conn* c, std::string_view cluster_id, uint64_t from, std::string_view type) const;
  // The handshake (opts_.secret set): the acceptor's side for hello/proof frames, the dialer's
  // side for the challenge. Each returns false after closing the connection.
  bool AcceptorHandshake(Conn* c, Frame&& f);
  bool DialerHandshake(Conn* c, Frame&& f);
  void RefuseAuth(Conn* c, const std::string& why);
  void StartHandshakeTimer();
  // TLS (transport_tls.cc). Each returns false after closing the connection.
  void TlsOpen(Conn* c);
  bool TlsRead(Conn* c, const char* data, size_t n, std::string* plaintext);
  bool TlsCheckPeer(Conn* c);
  void TlsFail(Conn* c, const std::string& why);
  void SendCiphertext(Conn* c);
  // Writes bytes outside the flush path (the acceptor's challenge), through TLS if on.
  void WriteControl(Conn* c, std::string_view bytes);
  void OnBytes(Conn* c, ssize_t nread, const uv_buf_t* buf);
  void CheckHandshakeDeadlines();
  void Deliver(Peer* p, const std::string& type, std::string&& payload);

  static void AllocRead(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void ReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);

  // Write path.
  void MarkDirty(Peer* p);
  void FlushAll();
  void Flush(Peer* p);
  void Log(std::string_view msg) const;
  Peer* FindPeer(uint64_t id) const;
  bool IsBlocked(uint64_t id) const;

  uv_loop_t* const loop_;
  uint64_t self_id_;
  bool accept_unknown_ = false;
  const std::string cluster_id_;
  OnMessage on_message_;
  TransportOptions opts_;
  bool closed_ = false;
  int port_ = 0;
  uv_tcp_t* listener_ = nullptr;   // heap: freed by its close callback
  uv_prepare_t* prepare_ = nullptr;
  uv_timer_t* handshake_timer_ = nullptr;  // heap; runs while handshakes are pending
  std::map<uint64_t, std::unique_ptr<Peer>> peers_;
  std::unordered_set<uint64_t> blocked_;
  std::unordered_set<Conn*> conns_;         // every open (not closing) connection
  std::unordered_set<Peer*> dirty_;         // peers with data to flush
  std::shared_ptr<bool> alive_;             // false once closed: guards getaddrinfo callbacks
  size_t inbound_count_ = 0;
  size_t reassemblies_ = 0;         // connections with asm_active
  uint64_t reassembly_bytes_ = 0;   // sum of their asm_total
  std::vector<char> read_buf_;
  std::mt19937_64 rng_;
  Counters counters_;
};

}  // namespace redraft::cluster
