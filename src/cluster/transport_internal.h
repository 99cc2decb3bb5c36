// Internal to the peer transport (transport.cc, transport_auth.cc): the connection and peer
// records and the wire constants. Not part of the transport's interface.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/frame.h"
#include "cluster/transport.h"

namespace redraft::cluster {
namespace transport_internal {

inline constexpr std::string_view kHelloType = "hello";
inline constexpr std::string_view kChunkType = "chunk";
inline constexpr std::string_view kAuthChallengeType = "auth-challenge";
inline constexpr std::string_view kAuthProofType = "auth-proof";
// Payload limit before a connection authenticated: the handshake frames are tens of bytes.
inline constexpr size_t kHandshakeFrameBytes = 256;

// "host:port" of the other end of a connection, for log lines.
std::string RemoteAddr(const uv_tcp_t* tcp);

}  // namespace transport_internal

struct PeerTransport::Conn {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  uv_write_t write_req;
  PeerTransport* t = nullptr;
  bool outbound = false;
  bool closing = false;
  bool connected = false;
  uint64_t connected_at = 0;  // uv_now() when the outbound connection was established
  // Outbound: the peer dialed. Inbound: the sender, once its first frame is verified.
  uint64_t peer_id = 0;
  bool peer_known = false;
  // Outbound write state: at most one write in flight, whose bytes live in wbuf.
  bool writing = false;
  bool hello_sent = false;
  std::string wbuf;
  // Vectored writes: large payloads are written from here, not copied into wbuf (a deque: its
  // strings never move while the write is in flight).
  std::deque<std::string> wpayloads;
  uint64_t wbuf_msgs = 0;  // messages that the in-flight write completes
  // Inbound read state.
  std::unique_ptr<FrameDecoder> decoder;
  bool asm_active = false;
  std::string asm_type;
  std::string asm_buf;
  uint64_t asm_total = 0;
  // The handshake (opts_.secret set; peer_auth.h). Inbound: kAwaitHello -> kAwaitProof -> kDone.
  // Outbound: kAwaitChallenge -> kDone; nothing but the hello is written before kDone.
  enum class Auth { kOff, kAwaitHello, kAwaitChallenge, kAwaitProof, kDone };
  Auth auth = Auth::kOff;
  std::string nonce_dialer, nonce_acceptor;
  uint64_t hello_to = 0;
  bool proof_sent = false;
  uint64_t opened_at = 0;  // uv_now() when accepted or connected (handshake deadline)
  std::string remote;      // the other end's address, for log lines

  // tls-cluster: the connection's TLS; tls_ready once its handshake finished and the peer's
  // certificate was checked (outbound: it names the peer dialed; inbound: cert_ids holds the
  // member ids it names, which every frame's sender must be one of). Outbound, nothing but the
  // TLS handshake is written before tls_ready.
  std::unique_ptr<tls::TlsConn> tls;
  bool tls_ready = false;
  std::vector<uint64_t> cert_ids;
  std::string tls_wbuf;  // the flush's ciphertext while its write is in flight

  bool handshaking() const { return auth != Auth::kOff && auth != Auth::kDone; }
  // Not yet open for traffic: the TLS or the secret handshake is unfinished (deadline applies).
  bool setting_up() const { return handshaking() || (tls && !tls_ready); }
};

struct PeerTransport::Peer {
  PeerTransport* t = nullptr;
  uint64_t id = 0;
  std::string host;
  int port = 0;
  Conn* out = nullptr;             // outbound connection (connecting or connected)
  uv_timer_t* timer = nullptr;     // reconnect backoff; heap, freed by its close callback
  bool resolving = false;
  uint64_t epoch = 0;              // bumped on address change: stale resolutions are ignored
  int attempts = 0;                // failures since the last long-lived connection, for the backoff
  bool dialed_before = false;
  std::deque<OutMsg> small;        // payload <= chunk_bytes
  std::deque<OutMsg> large;        // payload > chunk_bytes, sent in chunks
  size_t small_bytes = 0;
  size_t large_bytes = 0;
  uint64_t large_offset = 0;       // bytes of large.front() already encoded on this connection
  uint64_t sent = 0, recv = 0, dropped = 0, reconnects = 0;
};

struct PeerTransport::Resolve {
  uv_getaddrinfo_t req;
  std::shared_ptr<bool> alive;
  PeerTransport* t;
  uint64_t id;
  uint64_t epoch;
};

}  // namespace redraft::cluster
