#include "tls/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <sstream>

namespace redraft::tls {
namespace {

// OpenSSL's queued errors as one line (and the queue emptied).
std::string OpenSslErrors() {
  std::string out;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || static_cast<int>(pass->size()) >= size) return 0;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

// Redis's tls-protocols: a space-separated subset of TLSv1 TLSv1.1 TLSv1.2 TLSv1.3. The allowed
// range is from the lowest to the highest listed (OpenSSL's min/max).
Status ApplyProtocols(SSL_CTX* ctx, const std::string& protocols) {
  if (protocols.empty()) return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1
                                    ? Status::OK()
                                    : Status::InvalidArgument("tls-protocols: " + OpenSslErrors());
  int lo = 0, hi = 0;
  std::istringstream in(protocols);
  for (std::string p; in >> p;) {
    int v = p == "TLSv1" ? TLS1_VERSION : p == "TLSv1.1" ? TLS1_1_VERSION : p == "TLSv1.2" ? TLS1_2_VERSION
          : p == "TLSv1.3" ? TLS1_3_VERSION : 0;
    if (v == 0) return Status::InvalidArgument("tls-protocols: invalid protocol '" + p + "'");
    lo = lo == 0 ? v : std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo == 0) return Status::InvalidArgument("tls-protocols: no protocol given");
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
    return Status::InvalidArgument("tls-protocols: " + OpenSslErrors());
  }
  return Status::OK();
}

}  // namespace

namespace {

// The shared part of both sides: protocols, ciphers, certificate and key, CA.
Status Configure(SSL_CTX* raw, const TlsOptions& opts, const std::string& cert, const std::string& key,
                 const std::string& pass) {
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               (opts.prefer_server_ciphers ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  REDRAFT_RETURN_IF_ERROR(ApplyProtocols(raw, opts.protocols));
  // The password lives in opts only during Create: OpenSSL reads the key here.
  SSL_CTX_set_default_passwd_cb(raw, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(raw, const_cast<std::string*>(&pass));
  if (SSL_CTX_use_certificate_chain_file(raw, cert.c_str()) != 1) {
    return Status::InvalidArgument("Failed to load certificate: " + cert + ": " + OpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(raw, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument("Failed to load private key: " + key + ": " + OpenSslErrors());
  }
  SSL_CTX_set_default_passwd_cb_userdata(raw, nullptr);
  if (SSL_CTX_check_private_key(raw) != 1) {
    return Status::InvalidArgument("The private key does not match the certificate: " + OpenSslErrors());
  }
  if (!opts.ciphers.empty() && SSL_CTX_set_cipher_list(raw, opts.ciphers.c_str()) != 1) {
    return Status::InvalidArgument("Failed to configure ciphers: " + OpenSslErrors());
  }
  if (!opts.ciphersuites.empty() && SSL_CTX_set_ciphersuites(raw, opts.ciphersuites.c_str()) != 1) {
    return Status::InvalidArgument("Failed to configure ciphersuites: " + OpenSslErrors());
  }
  if (!opts.ca_cert_file.empty() || !opts.ca_cert_dir.empty()) {
    const char* file = opts.ca_cert_file.empty() ? nullptr : opts.ca_cert_file.c_str();
    const char* dir = opts.ca_cert_dir.empty() ? nullptr : opts.ca_cert_dir.c_str();
    if (SSL_CTX_load_verify_locations(raw, file, dir) != 1) {
      return Status::InvalidArgument("Failed to configure CA certificate(s) file/directory: " + OpenSslErrors());
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::Create(const TlsOptions& opts) {
  if (opts.cert_file.empty() || opts.key_file.empty()) {
    return Status::InvalidArgument("TLS needs tls-cert-file and tls-key-file");
  }
  if (opts.auth_clients != "no" && opts.ca_cert_file.empty() && opts.ca_cert_dir.empty()) {
    return Status::InvalidArgument(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is yes or optional");
  }
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Status::IOError("SSL_CTX_new: " + OpenSslErrors());
  std::shared_ptr<TlsContext> ctx(new TlsContext(raw, /*client=*/false));
  if (opts.session_caching) {
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(raw, opts.session_cache_size);
    SSL_CTX_set_timeout(raw, opts.session_cache_timeout);
    static const unsigned char kSessionId[] = "redraft";
    SSL_CTX_set_session_id_context(raw, kSessionId, sizeof(kSessionId) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  }
  REDRAFT_RETURN_IF_ERROR(Configure(raw, opts, opts.cert_file, opts.key_file, opts.key_file_pass));
  int verify = opts.auth_clients == "yes"        ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
               : opts.auth_clients == "optional" ? SSL_VERIFY_PEER
                                                 : SSL_VERIFY_NONE;
  SSL_CTX_set_verify(raw, verify, nullptr);
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::CreateClient(const TlsOptions& opts) {
  bool own = !opts.client_cert_file.empty();
  const std::string& cert = own ? opts.client_cert_file : opts.cert_file;
  const std::string& key = own ? opts.client_key_file : opts.key_file;
  const std::string& pass = own ? opts.client_key_file_pass : opts.key_file_pass;
  if (cert.empty() || key.empty()) {
    return Status::InvalidArgument("TLS needs tls-cert-file and tls-key-file (or tls-client-cert-file and tls-client-key-file)");
  }
  if (opts.ca_cert_file.empty() && opts.ca_cert_dir.empty()) {
    return Status::InvalidArgument("Either tls-ca-cert-file or tls-ca-cert-dir must be specified for outgoing TLS connections");
  }
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
  if (raw == nullptr) return Status::IOError("SSL_CTX_new: " + OpenSslErrors());
  std::shared_ptr<TlsContext> ctx(new TlsContext(raw, /*client=*/true));
  SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  REDRAFT_RETURN_IF_ERROR(Configure(raw, opts, cert, key, pass));
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsConn::TlsConn(std::shared_ptr<TlsContext> ctx) : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->ctx());
  REDRAFT_CHECK(ssl_ != nullptr);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  REDRAFT_CHECK(in_ != nullptr && out_ != nullptr);
  BIO_set_mem_eof_return(in_, -1);  // an empty input BIO means "want more", not EOF
  SSL_set_bio(ssl_, in_, out_);     // ssl_ owns both from here
  if (ctx_->is_client()) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

Status TlsConn::Start() {
  std::string none;
  return Pump(&none);
}

std::vector<std::string> CertificateNames(SSL* ssl) {
  std::vector<std::string> out;
  X509* cert = SSL_get_peer_certificate(ssl);
  if (cert == nullptr) return out;
  char cn[256];
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
  if (n > 0) out.emplace_back(cn, static_cast<size_t>(n));
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); i++) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
    if (g->type != GEN_DNS) continue;
    const unsigned char* d = ASN1_STRING_get0_data(g->d.dNSName);
    out.emplace_back(reinterpret_cast<const char*>(d), static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
  }
  GENERAL_NAMES_free(sans);
  X509_free(cert);
  return out;
}

std::vector<std::string> TlsConn::PeerNames() const { return CertificateNames(ssl_); }

TlsConn::~TlsConn() { SSL_free(ssl_); }

Status TlsConn::Feed(const char* data, size_t n, std::string* plaintext) {
  if (first_input_ && n > 0) {
    first_input_ = false;
    // Every TLS connection opens with a handshake record (content type 22): anything else is a
    // plaintext client or garbage, and OpenSSL's "wrong version number" would not say so.
    if (!ctx_->is_client() && static_cast<unsigned char>(data[0]) != 0x16) {
      return Status::Aborted("not a TLS handshake (a plaintext client on a TLS port?)");
    }
  }
  while (n > 0) {
    int w = BIO_write(in_, data, static_cast<int>(std::min<size_t>(n, 1 << 30)));
    if (w <= 0) return Status::IOError("TLS: cannot buffer input");
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Pump(plaintext);
}

Status TlsConn::Pump(std::string* plaintext) {
  ERR_clear_error();
  if (!handshake_done_) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::OK();
      std::string why = "TLS handshake failed: " + OpenSslErrors();
      long v = SSL_get_verify_result(ssl_);
      if (v != X509_V_OK) why += " (certificate: " + std::string(X509_verify_cert_error_string(v)) + ")";
      return Status::Aborted(why);
    }
    handshake_done_ = true;
    if (!pending_.empty()) {
      std::string p = std::move(pending_);
      pending_.clear();
      REDRAFT_RETURN_IF_ERROR(Write(p));
    }
  }
  char buf[16384];
  for (;;) {
    int r = SSL_read(ssl_, buf, sizeof(buf));
    if (r > 0) {
      plaintext->append(buf, static_cast<size_t>(r));
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Status::OK();
    if (e == SSL_ERROR_ZERO_RETURN) return Status::Aborted("TLS connection closed by the peer");
    return Status::Aborted("TLS error: " + OpenSslErrors());
  }
}

Status TlsConn::Write(std::string_view plaintext) {
  if (!handshake_done_) {
    pending_.append(plaintext);
    return Status::OK();
  }
  ERR_clear_error();
  while (!plaintext.empty()) {
    // A memory BIO takes everything: SSL_write completes (possibly in parts: partial writes on).
    int r = SSL_write(ssl_, plaintext.data(), static_cast<int>(std::min<size_t>(plaintext.size(), 1 << 30)));
    if (r <= 0) return Status::Aborted("TLS write failed: " + OpenSslErrors());
    plaintext.remove_prefix(static_cast<size_t>(r));
  }
  return Status::OK();
}

bool TlsConn::HasCiphertext() const { return BIO_ctrl_pending(out_) > 0; }

std::string TlsConn::TakeCiphertext() {
  std::string out(BIO_ctrl_pending(out_), '\0');
  if (!out.empty()) {
    int r = BIO_read(out_, out.data(), static_cast<int>(out.size()));
    out.resize(r > 0 ? static_cast<size_t>(r) : 0);
  }
  return out;
}

}  // namespace redraft::tls
