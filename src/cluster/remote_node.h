// RemoteNode: a short blocking RESP exchange with another node's client port, for CLUSTER MEET
// (cluster_admin.cc). It runs on a libuv thread-pool worker, never on the event loop (a
// slow or blackholed node would stall every client); every step is bounded by a 2 s timeout.
// With tls-cluster the exchange is TLS (OpenSSL over the blocking socket, our client certificate
// presented, the node's certificate verified against the CA), and CertificateNames() tells the
// caller which member ids the node's certificate names, so MEET admits a node only under an id
// its certificate names (docs/peer_protocol.md). Not thread-safe: one worker at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "tls/tls.h"

typedef struct ssl_st SSL;

namespace redraft::cluster {

class RemoteNode {
 public:
  RemoteNode() = default;
  ~RemoteNode();
  RemoteNode(const RemoteNode&) = delete;
  RemoteNode& operator=(const RemoteNode&) = delete;

  // tls: a client context (TlsContext::CreateClient), or null for plaintext.
  Status Connect(const std::string& host, int port, std::shared_ptr<tls::TlsContext> tls);
  bool connected() const { return fd_ >= 0; }
  // Sends one command; returns the reply's text (simple string, bulk or integer), or the error
  // reply as Aborted, or IOError.
  Result<std::string> Call(const std::vector<std::string>& args);
  // TLS: the member ids the node's certificate names (empty without TLS).
  const std::vector<uint64_t>& certificate_ids() const { return cert_ids_; }

 private:
  Status WriteAll(const std::string& data);
  Result<size_t> ReadSome(char* buf, size_t n);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::shared_ptr<tls::TlsContext> tls_;
  std::vector<uint64_t> cert_ids_;
  std::string host_;
  int port_ = 0;
};

}  // namespace redraft::cluster
