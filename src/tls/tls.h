// tls/: TLS over OpenSSL with memory BIOs, for connections whose socket I/O the libuv loop does:
// the client TLS port (server/, Redis's tls-* directives) and, with tls-cluster, both sides of
// every peer connection (cluster/transport.h). Ciphertext read from the socket goes in,
// plaintext comes out; plaintext to send goes in, ciphertext comes out for uv_write. No sockets,
// no blocking calls, no threads. A TlsContext is built from the configuration and can be rebuilt
// at runtime (CONFIG SET of a certificate): connections keep the context they started with.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace redraft::tls {

struct TlsOptions {
  std::string cert_file, key_file, key_file_pass;
  std::string ca_cert_file, ca_cert_dir;
  std::string auth_clients = "yes";  // yes | no | optional (Redis's tls-auth-clients)
  std::string protocols;             // e.g. "TLSv1.2 TLSv1.3"; empty = OpenSSL's defaults (1.2+)
  std::string ciphers, ciphersuites; // TLS 1.2 cipher list / TLS 1.3 suites; empty = defaults
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int session_cache_size = 20480;
  int session_cache_timeout = 300;  // seconds
  // The outgoing side (CreateClient): Redis's tls-client-cert-file / -key-file / -key-file-pass;
  // empty = cert_file / key_file / key_file_pass.
  std::string client_cert_file, client_key_file, client_key_file_pass;
};

// A TLS configuration: certificate, key, CA, protocols; server side (accepts) or client side
// (connects).
class TlsContext {
 public:
  // Server side: loads certificate and key (and the CA when clients must or may present a
  // certificate). Errors name the file and OpenSSL's reason.
  static Result<std::shared_ptr<TlsContext>> Create(const TlsOptions& opts);
  // Client side (a node dialing a peer): presents client_cert_file (else cert_file) and requires
  // the server's certificate to chain to the CA (tls-ca-cert-file/dir, mandatory here).
  static Result<std::shared_ptr<TlsContext>> CreateClient(const TlsOptions& opts);
  ~TlsContext();
  SSL_CTX* ctx() const { return ctx_; }
  bool is_client() const { return client_; }

 private:
  TlsContext(SSL_CTX* ctx, bool client) : ctx_(ctx), client_(client) {}
  SSL_CTX* ctx_;
  bool client_;
};

// One TLS connection, accepting or connecting as its context says.
class TlsConn {
 public:
  explicit TlsConn(std::shared_ptr<TlsContext> ctx);
  ~TlsConn();
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;

  // Feeds ciphertext read from the socket; appends the plaintext it yields to *plaintext. A
  // failed handshake or a protocol error returns non-OK (the connection must be closed; the
  // message says why, for one log line). Handshake bytes to send become available through
  // TakeCiphertext().
  Status Feed(const char* data, size_t n, std::string* plaintext);
  // Encrypts plaintext for the peer (held until the handshake completes).
  Status Write(std::string_view plaintext);
  // Ciphertext ready to be written to the socket (handshake records, encrypted replies, alerts).
  bool HasCiphertext() const;
  std::string TakeCiphertext();
  bool handshake_done() const { return handshake_done_; }
  // Client side: starts the handshake (the ClientHello becomes ciphertext to send).
  Status Start();
  // After the handshake: the names the peer's certificate (verified against the CA) carries: its
  // subject CN and every subjectAltName DNS entry. Empty if it presented none.
  std::vector<std::string> PeerNames() const;

 private:
  Status Pump(std::string* plaintext);

  std::shared_ptr<TlsContext> ctx_;  // keeps the SSL_CTX alive as long as the connection
  SSL* ssl_;
  BIO* in_;   // ciphertext from the socket (owned by ssl_)
  BIO* out_;  // ciphertext for the socket (owned by ssl_)
  bool handshake_done_ = false;
  bool first_input_ = true;  // the acceptor checks the first byte is a TLS handshake record
  std::string pending_;  // plaintext written before the handshake completed
};

// The names the peer's certificate on an established SSL carries: its subject CN and every
// subjectAltName DNS entry (also for callers that run OpenSSL on a blocking socket).
std::vector<std::string> CertificateNames(SSL* ssl);

}  // namespace redraft::tls
