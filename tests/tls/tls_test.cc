// server::TlsConn over memory: a real OpenSSL client handshakes with it, both directions carry
// data, client certificates are required/optional/ignored as tls-auth-clients says, and garbage
// or a certificate from another CA fails the handshake. Certificates are made per run with the
// openssl command (never committed).
#include "tls/tls.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace redraft::tls {
namespace {

namespace fs = std::filesystem;

// A CA, a server certificate and a client certificate signed by it, and a client certificate
// signed by another CA, in a temp dir.
class Certs {
 public:
  Certs() {
    dir_ = fs::temp_directory_path() / ("redraft-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ca -keyout ca.key -out ca.crt");
    Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout other.key -out other.crt");
    for (std::string who : {"server", "client"}) {
      Run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + who + " -keyout " + who + ".key -out " + who + ".csr");
      Run("openssl x509 -req -in " + who + ".csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out " + who + ".crt");
    }
    Run("openssl req -newkey rsa:2048 -nodes -subj /CN=stranger -keyout stranger.key -out stranger.csr");
    Run("openssl x509 -req -in stranger.csr -CA other.crt -CAkey other.key -CAcreateserial -days 2 -out stranger.crt");
  }
  ~Certs() { fs::remove_all(dir_); }
  std::string Path(const std::string& f) const { return (dir_ / f).string(); }
  TlsOptions Server(const std::string& auth) const {
    TlsOptions o;
    o.cert_file = Path("server.crt");
    o.key_file = Path("server.key");
    o.ca_cert_file = Path("ca.crt");
    o.auth_clients = auth;
    return o;
  }

 private:
  void Run(const std::string& cmd) {
    std::string full = "cd " + dir_.string() + " && " + cmd + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << cmd;
  }
  fs::path dir_;
};

const Certs& TestCerts() {
  static Certs* certs = new Certs();
  return *certs;
}

// An OpenSSL client over memory BIOs, trusting the test CA, optionally presenting a certificate.
class Client {
 public:
  explicit Client(const std::string& cert = "", const std::string& key = "") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, TestCerts().Path("ca.crt").c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, TestCerts().Path(cert).c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, TestCerts().Path(key).c_str(), SSL_FILETYPE_PEM);
    }
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  // Moves bytes both ways until neither side has anything to say; returns the server's status.
  Status Exchange(TlsConn& server, std::string* server_plain, std::string* client_plain) {
    for (int round = 0; round < 20; round++) {
      SSL_do_handshake(ssl_);
      std::string c2s = Drain(out_);
      Status s = server.Feed(c2s.data(), c2s.size(), server_plain);
      std::string s2c = server.TakeCiphertext();
      BIO_write(in_, s2c.data(), static_cast<int>(s2c.size()));
      char buf[4096];
      for (int r; (r = SSL_read(ssl_, buf, sizeof(buf))) > 0;) client_plain->append(buf, static_cast<size_t>(r));
      if (!s.ok()) return s;
      if (c2s.empty() && s2c.empty()) return Status::OK();
    }
    return Status::OK();
  }
  void Send(const std::string& plain) { SSL_write(ssl_, plain.data(), static_cast<int>(plain.size())); }
  SSL* ssl() { return ssl_; }

 private:
  static std::string Drain(BIO* b) {
    std::string s(BIO_ctrl_pending(b), '\0');
    if (!s.empty()) s.resize(static_cast<size_t>(std::max(0, BIO_read(b, s.data(), static_cast<int>(s.size())))));
    return s;
  }
  SSL_CTX* ctx_;
  SSL* ssl_;
  BIO *in_, *out_;
};

TEST(Tls, HandshakeAndDataBothWays) {
  auto ctx = TlsContext::Create(TestCerts().Server("no"));
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  TlsConn server(*ctx);
  ASSERT_TRUE(server.Write("+early\r\n").ok());  // held until the handshake completes
  Client client;
  std::string got, back;
  ASSERT_TRUE(client.Exchange(server, &got, &back).ok());
  EXPECT_TRUE(server.handshake_done());
  EXPECT_EQ(back, "+early\r\n");
  client.Send("PING\r\n");
  ASSERT_TRUE(client.Exchange(server, &got, &back).ok());
  EXPECT_EQ(got, "PING\r\n");
  ASSERT_TRUE(server.Write(std::string(100000, 'x')).ok());  // larger than one TLS record
  back.clear();
  ASSERT_TRUE(client.Exchange(server, &got, &back).ok());
  EXPECT_EQ(back, std::string(100000, 'x'));
}

TEST(Tls, ClientCertificatesAsTlsAuthClientsSays) {
  auto required = TlsContext::Create(TestCerts().Server("yes"));
  auto optional = TlsContext::Create(TestCerts().Server("optional"));
  ASSERT_TRUE(required.ok() && optional.ok());
  std::string got, back;
  {
    TlsConn server(*required);
    Client anonymous;
    EXPECT_FALSE(anonymous.Exchange(server, &got, &back).ok());  // yes: no certificate, no entry
  }
  {
    TlsConn server(*required);
    Client stranger("stranger.crt", "stranger.key");  // signed by another CA
    EXPECT_FALSE(stranger.Exchange(server, &got, &back).ok());
  }
  {
    TlsConn server(*required);
    Client member("client.crt", "client.key");
    EXPECT_TRUE(member.Exchange(server, &got, &back).ok());
    EXPECT_TRUE(server.handshake_done());
  }
  {
    TlsConn server(*optional);
    Client anonymous;
    EXPECT_TRUE(anonymous.Exchange(server, &got, &back).ok());
    EXPECT_TRUE(server.handshake_done());
  }
}

TEST(Tls, GarbageFailsTheHandshakeCleanly) {
  auto ctx = TlsContext::Create(TestCerts().Server("no"));
  ASSERT_TRUE(ctx.ok());
  TlsConn server(*ctx);
  std::string got;
  const char junk[] = "PING\r\nGET / HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(server.Feed(junk, sizeof(junk) - 1, &got).ok());
  EXPECT_TRUE(got.empty());
}

TEST(Tls, ConfigurationErrorsNameTheProblem) {
  TlsOptions o = TestCerts().Server("no");
  o.key_file = TestCerts().Path("client.key");  // not the certificate's key
  auto r = TlsContext::Create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("client.key"), std::string::npos) << r.status().ToString();
  o = TestCerts().Server("yes");
  o.ca_cert_file.clear();
  EXPECT_FALSE(TlsContext::Create(o).ok());
  o = TestCerts().Server("no");
  o.cert_file = "/nonexistent.crt";
  r = TlsContext::Create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent.crt"), std::string::npos);
  o = TestCerts().Server("no");
  o.protocols = "TLSv1.3 SSLv9";
  EXPECT_FALSE(TlsContext::Create(o).ok());
}

}  // namespace
}  // namespace redraft::tls
