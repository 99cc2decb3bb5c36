// The TLS side of the transport (tls-cluster; transport.h, docs/peer_protocol.md): opening TLS on
// a connection, feeding it, checking the peer's certificate names the member id it speaks as,
// refusals, and writing ciphertext. Every byte on a TLS connection passes through here.
#include <algorithm>
#include <charconv>

#include "cluster/transport.h"
#include "cluster/transport_internal.h"

namespace redraft::cluster {

using namespace transport_internal;

namespace {

constexpr std::string_view kCertIdPrefix = "redraft-node-";

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "(none)";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// A heap write request owning its bytes: control writes and TLS records outside the flush.
struct OwnedWrite {
  uv_write_t req;
  std::string bytes;
};

}  // namespace

std::vector<uint64_t> MemberIdsInCertificate(const std::vector<std::string>& names) {
  std::vector<uint64_t> ids;
  for (const std::string& n : names) {
    if (n.size() <= kCertIdPrefix.size() || n.compare(0, kCertIdPrefix.size(), kCertIdPrefix) != 0) continue;
    const char* b = n.data() + kCertIdPrefix.size();
    const char* e = n.data() + n.size();
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(b, e, id);
    // Decimal digits only, the whole rest of the name, no leading zero (one spelling per id).
    if (ec != std::errc() || end != e || id == 0 || *b == '0') continue;
    ids.push_back(id);
  }
  return ids;
}

void PeerTransport::TlsOpen(Conn* c) {
  c->tls = std::make_unique<tls::TlsConn>(c->outbound ? opts_.tls_client : opts_.tls_server);
  if (!c->outbound) return;  // the acceptor waits for the ClientHello
  Status s = c->tls->Start();
  SendCiphertext(c);
  if (!s.ok()) TlsFail(c, s.ToString());
}

bool PeerTransport::TlsRead(Conn* c, const char* data, size_t n, std::string* plaintext) {
  bool was_ready = c->tls->handshake_done();
  Status s = c->tls->Feed(data, n, plaintext);
  SendCiphertext(c);  // handshake records, tickets, alerts: in order with everything else
  if (c->closing) return false;
  if (!s.ok()) {
    if (c->tls_ready && !c->outbound) {
      // An open connection ending (close_notify) or breaking: not a refusal.
      Log("cluster: TLS connection from " + c->remote + " closed: " + s.ToString());
      CloseConn(c);
    } else {
      // Outbound, TLS 1.3 finishes the client's handshake before the server judged the client's
      // certificate: its refusal arrives as an alert afterwards, and is a refusal all the same.
      TlsFail(c, s.ToString());
    }
    return false;
  }
  if (!was_ready && c->tls->handshake_done()) return TlsCheckPeer(c);
  return true;
}

bool PeerTransport::TlsCheckPeer(Conn* c) {
  // OpenSSL verified the chain to our CA (both contexts require a certificate); here: the names.
  std::vector<std::string> names = c->tls->PeerNames();
  std::vector<uint64_t> ids = MemberIdsInCertificate(names);
  if (c->outbound) {
    if (std::find(ids.begin(), ids.end(), c->peer_id) == ids.end()) {
      TlsFail(c, "its certificate (names " + JoinNames(names) + ") does not name redraft-node-" +
                     std::to_string(c->peer_id));
      return false;
    }
    c->tls_ready = true;
    if (Peer* p = FindPeer(c->peer_id)) MarkDirty(p);  // the hello, then what is queued
    return true;
  }
  if (ids.empty()) {
    TlsFail(c, "its certificate (names " + JoinNames(names) + ") names no member id (redraft-node-<id>)");
    return false;
  }
  c->cert_ids = std::move(ids);
  c->tls_ready = true;
  return true;
}

void PeerTransport::TlsFail(Conn* c, const std::string& why) {
  if (!c->outbound) {
    RefuseAuth(c, "TLS: " + why);  // one line naming the remote address
    return;
  }
  counters_.auth_failures++;
  Peer* p = FindPeer(c->peer_id);
  // A dialer retries with backoff: say it on the first failure and then now and then.
  if (p == nullptr || p->attempts == 0 || p->attempts % 60 == 0) {
    Log("cluster: refused TLS connection to peer " + std::to_string(c->peer_id) + " at " + c->remote + ": " + why);
  }
  FailConn(c);
}

void PeerTransport::SendCiphertext(Conn* c) {
  if (c->closing || !c->tls || !c->tls->HasCiphertext()) return;
  auto* w = new OwnedWrite;
  w->bytes = c->tls->TakeCiphertext();
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  // Writes on one stream leave in the order they were queued, so these records stay in order
  // with the flush's ciphertext.
  int r = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, [](uv_write_t* req, int) {
    delete static_cast<OwnedWrite*>(req->data);  // a failed write shows up as a read error too
  });
  if (r != 0) delete w;
}

void PeerTransport::WriteControl(Conn* c, std::string_view bytes) {
  if (c->tls) {
    if (Status s = c->tls->Write(bytes); !s.ok()) {
      RefuseAuth(c, s.ToString());
      return;
    }
    SendCiphertext(c);
    return;
  }
  auto* w = new OwnedWrite;
  w->bytes.assign(bytes);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  auto* conn_ref = c;
  int r = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, [](uv_write_t* req, int) {
    delete static_cast<OwnedWrite*>(req->data);
  });
  if (r != 0) {
    delete w;
    CloseConn(conn_ref);
  }
}

}  // namespace redraft::cluster
