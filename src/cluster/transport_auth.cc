// The peer handshake's side of the transport (peer_auth.h, docs/peer_protocol.md): the
// acceptor's and the dialer's steps, refusals, and the deadline for connections that do not
// finish it.
#include "cluster/peer_auth.h"
#include "cluster/transport.h"
#include "cluster/transport_internal.h"

namespace redraft::cluster {

using namespace transport_internal;

bool PeerTransport::AcceptorHandshake(Conn* c, Frame&& f) {
  if (c->auth == Conn::Auth::kAwaitHello) {
    std::optional<PeerHello> hello = DecodePeerHello(f.payload);
    if (!hello) {
      RefuseAuth(c, "node " + std::to_string(f.from) + " opened without the handshake (is cluster-secret set on it?)");
      return false;
    }
    c->peer_known = true;
    c->peer_id = f.from;
    c->hello_to = hello->to;
    c->nonce_dialer = std::move(hello->nonce);
    c->nonce_acceptor = NewPeerNonce();
    PeerHandshakeIds ids{cluster_id_, c->peer_id, c->hello_to, c->nonce_dialer, c->nonce_acceptor};
    std::string challenge;
    AppendFrame(&challenge, cluster_id_, self_id_, kAuthChallengeType,
                EncodePeerChallenge(PeerChallenge{c->nonce_acceptor, AcceptorMac(opts_.secret, ids)}));
    c->auth = Conn::Auth::kAwaitProof;
    WriteControl(c, challenge);
    return !c->closing;
  }
  // kAwaitProof (CheckHeader let nothing else through).
  PeerHandshakeIds ids{cluster_id_, c->peer_id, c->hello_to, c->nonce_dialer, c->nonce_acceptor};
  if (!MacEquals(f.payload, DialerMac(opts_.secret, ids))) {
    RefuseAuth(c, "node " + std::to_string(f.from) + " failed the handshake (wrong cluster-secret)");
    return false;
  }
  c->auth = Conn::Auth::kDone;
  c->nonce_dialer.clear();
  c->nonce_acceptor.clear();
  c->decoder->set_max_element_bytes(opts_.max_frame_bytes);
  return true;
}

bool PeerTransport::DialerHandshake(Conn* c, Frame&& f) {
  Peer* p = FindPeer(c->peer_id);
  if (p == nullptr || p->out != c) {
    CloseConn(c);
    return false;
  }
  std::optional<PeerChallenge> ch = DecodePeerChallenge(f.payload);
  bool ok = false;
  if (ch) {
    PeerHandshakeIds ids{cluster_id_, self_id_, c->peer_id, c->nonce_dialer, ch->nonce};
    ok = MacEquals(ch->mac, AcceptorMac(opts_.secret, ids));
  }
  if (!ok) {
    counters_.auth_failures++;
    Log("cluster: peer " + std::to_string(p->id) + " at " + p->host + ":" + std::to_string(p->port) +
        " failed the handshake (wrong cluster-secret, or not the node configured there)");
    DropOutbound(p, /*reconnect=*/true);
    return false;
  }
  c->nonce_acceptor = std::move(ch->nonce);
  c->auth = Conn::Auth::kDone;
  MarkDirty(p);  // the proof, then whatever is queued
  return true;
}

void PeerTransport::RefuseAuth(Conn* c, const std::string& why) {
  counters_.auth_failures++;
  Log("cluster: refused peer connection from " + c->remote + ": " + why);
  CloseConn(c);
}

void PeerTransport::StartHandshakeTimer() {
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(handshake_timer_))) return;
  uint64_t every = static_cast<uint64_t>(std::clamp(opts_.handshake_timeout_ms / 4, 10, 1000));
  uv_timer_start(handshake_timer_, [](uv_timer_t* t) {
    static_cast<PeerTransport*>(t->data)->CheckHandshakeDeadlines();
  }, every, every);
}

void PeerTransport::CheckHandshakeDeadlines() {
  uint64_t now = uv_now(loop_);
  bool pending = false;
  std::vector<Conn*> all(conns_.begin(), conns_.end());
  for (Conn* c : all) {
    if (c->closing || !c->setting_up()) continue;
    if (now - c->opened_at < static_cast<uint64_t>(opts_.handshake_timeout_ms)) {
      pending = true;
      continue;
    }
    if (!c->outbound) {
      RefuseAuth(c, std::string(c->tls && !c->tls_ready ? "no TLS handshake" : "no handshake") + " within " +
                        std::to_string(opts_.handshake_timeout_ms) + " ms");
      continue;
    }
    counters_.auth_failures++;
    Log("cluster: peer " + std::to_string(c->peer_id) + " did not answer the " +
        (c->tls && !c->tls_ready ? "TLS handshake (is tls-cluster on there?)" : "handshake (is cluster-secret set on it?)"));
    FailConn(c);
  }
  if (!pending) uv_timer_stop(handshake_timer_);
}


}  // namespace redraft::cluster
