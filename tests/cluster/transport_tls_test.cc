// PeerTransport with tls-cluster: mutual TLS on every connection, the id-in-certificate rule,
// and refusals (another CA, an expired certificate, a certificate naming another member, a
// plaintext dialer, a stalled handshake, garbage). Certificates are made per run with the openssl
// command (never committed); the expired one with faketime.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cluster/transport.h"
#include "transport_fixture.h"

namespace redraft::cluster {
namespace {

namespace fs = std::filesystem;

constexpr char kSecret[] = "tls-and-secret";

// A CA and node certificates signed by it; another CA; in a temp dir for the whole suite.
class PeerCerts {
 public:
  PeerCerts() {
    dir_ = fs::temp_directory_path() / ("redraft-peertls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Ca("ca");
    Ca("other-ca");
    Leaf("node1", "ca", "/CN=redraft-node-1");
    Leaf("node2", "ca", "/CN=somebody", "subjectAltName=DNS:localhost,DNS:redraft-node-2");  // SAN form
    Leaf("node3", "ca", "/CN=redraft-node-3");
    Leaf("stranger3", "other-ca", "/CN=redraft-node-3");      // right id, wrong CA
    Leaf("claims2", "ca", "/CN=redraft-node-2");              // a valid cert for node 2
    Leaf("noid", "ca", "/CN=server");                         // names no member
    // Valid for one day in 2020 (the CA is current: only the leaf is expired).
    Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=redraft-node-3 "
        "-keyout expired3.key -out expired3.csr");
    Run("faketime 2020-01-01 openssl x509 -req -in expired3.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
        "-out expired3.crt");
  }
  ~PeerCerts() { fs::remove_all(dir_); }
  std::string Path(const std::string& f) const { return (dir_ / f).string(); }
  // Transport options for a node presenting `who`'s certificate and trusting `ca`.
  TransportOptions Options(const std::string& who, const std::string& ca = "ca") const {
    tls::TlsOptions t;
    t.cert_file = Path(who + ".crt");
    t.key_file = Path(who + ".key");
    t.ca_cert_file = Path(ca + ".crt");
    t.auth_clients = "yes";
    TransportOptions o;
    o.reconnect_min_ms = 10;
    o.reconnect_max_ms = 100;
    o.handshake_timeout_ms = 400;
    o.logger = [](std::string_view l) { fprintf(stderr, "%.*s\n", (int)l.size(), l.data()); };
    auto s = tls::TlsContext::Create(t);
    auto c = tls::TlsContext::CreateClient(t);
    EXPECT_TRUE(s.ok() && c.ok()) << (s.ok() ? c.status().ToString() : s.status().ToString());
    if (s.ok() && c.ok()) {
      o.tls_server = *s;
      o.tls_client = *c;
    }
    return o;
  }

 private:
  void Run(const std::string& cmd) {
    std::string full = "cd " + dir_.string() + " && " + cmd + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << cmd;
  }
  void Ca(const std::string& name) {
    Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" + name +
        " -keyout " + name + ".key -out " + name + ".crt");
  }
  void Leaf(const std::string& name, const std::string& ca, const std::string& subj, const std::string& ext = "") {
    Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj " + subj + " -keyout " + name +
        ".key -out " + name + ".csr");
    std::string extfile;
    if (!ext.empty()) {
      std::ofstream(dir_ / (name + ".ext")) << ext << "\n";
      extfile = " -extfile " + name + ".ext";
    }
    Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -days 2 -out " +
        name + ".crt" + extfile);
  }
  fs::path dir_;
};

class TlsTransportTest : public TransportTest {
 protected:
  static void SetUpTestSuite() { certs_ = new PeerCerts(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }
  Node* StartTls(uint64_t id, const std::string& who, const std::string& ca = "ca", bool secret = false) {
    TransportOptions o = certs_->Options(who, ca);
    if (secret) o.secret = kSecret;
    return Start(id, 0, kCluster, &o);
  }
  static PeerCerts* certs_;
};
PeerCerts* TlsTransportTest::certs_ = nullptr;

TEST(MemberIdsInCertificate, ParsesOnlyTheExactForm) {
  EXPECT_EQ(MemberIdsInCertificate({"redraft-node-1", "localhost", "redraft-node-42"}),
            (std::vector<uint64_t>{1, 42}));
  EXPECT_TRUE(MemberIdsInCertificate({"redraft-node-", "redraft-node-01", "redraft-node-2x", "redraft-node-0",
                                      "xredraft-node-3", "redraft-node--3", "redraft-node-99999999999999999999999"})
                  .empty());
}

TEST_F(TlsTransportTest, MutualTlsCarriesSmallAndChunkedMessagesWithTheSecretInside) {
  TransportOptions o1 = certs_->Options("node1"), o2 = certs_->Options("node2");
  o1.secret = o2.secret = kSecret;
  o1.chunk_bytes = o2.chunk_bytes = 64 << 10;
  Node* n1 = Start(1, 0, kCluster, &o1);
  Node* n2 = Start(2, 0, kCluster, &o2);
  Mesh();
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>('a' + i % 26);
  for (int i = 0; i < 200; i++) n1->t->Send(2, "app", "m" + std::to_string(i));
  n1->t->Send(2, "big", big);
  n2->t->Send(1, "app", "back");
  ASSERT_TRUE(RunUntil([&] { return n2->got.size() == 201 && n1->got.size() == 1; }));
  for (int i = 0; i < 200; i++) EXPECT_EQ(n2->got[i].payload, "m" + std::to_string(i));
  EXPECT_EQ(n2->CountFrom(1, "big"), 1u);
  for (const auto& r : n2->got) {
    if (r.type == "big") {
      EXPECT_EQ(r.payload, big);
    }
  }
  EXPECT_EQ(n1->t->counters().auth_failures + n2->t->counters().auth_failures, 0u);
}

TEST_F(TlsTransportTest, CertificateFromAnotherCaIsRefusedBothWays) {
  Node* n1 = StartTls(1, "node1");
  Node* n3 = StartTls(3, "stranger3", "other-ca");
  Mesh();
  n3->t->Send(1, "app", "forged");
  n1->t->Send(3, "app", "secret data");
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 2; }, 5000));
  RunFor(200);
  EXPECT_EQ(n1->got.size(), 0u);
  EXPECT_EQ(n3->got.size(), 0u);  // n1 never talked to an endpoint whose certificate it could not verify
  EXPECT_FALSE(n1->t->IsConnected(3));
}

TEST_F(TlsTransportTest, ExpiredCertificateIsRefused) {
  Node* n1 = StartTls(1, "node1");
  Node* n3 = StartTls(3, "expired3");
  Mesh();
  n3->t->Send(1, "app", "late");
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 1; }, 5000));
  RunFor(200);
  EXPECT_EQ(n1->got.size(), 0u);
}

TEST_F(TlsTransportTest, ValidCertificateForAnotherMemberCannotSpeakAsThisOne) {
  // Node 3 holds a good certificate, but it names node 2: it may not speak as node 3, and a node
  // dialing "node 3" does not take it for node 3 either.
  Node* n1 = StartTls(1, "node1");
  Node* n3 = StartTls(3, "claims2");
  Mesh();
  n3->t->Send(1, "app", "i am three");
  n1->t->Send(3, "app", "for three");
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 2; }, 5000));
  RunFor(200);
  EXPECT_EQ(n1->got.size(), 0u);
  EXPECT_EQ(n3->got.size(), 0u);
  // The same node with its own certificate gets through.
  Stop(3);
  Node* good = StartTls(3, "node3");
  n1->t->SetPeer(3, "127.0.0.1", good->port);
  good->t->SetPeer(1, "127.0.0.1", n1->port);
  good->t->Send(1, "app", "really three");
  ASSERT_TRUE(RunUntil([&] { return n1->CountFrom(3) == 1; }));
}

TEST_F(TlsTransportTest, CertificateNamingNoMemberIsRefused) {
  Node* n1 = StartTls(1, "node1");
  Node* n3 = StartTls(3, "noid");
  Mesh();
  n3->t->Send(1, "app", "anonymous");
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 1; }, 5000));
  RunFor(100);
  EXPECT_EQ(n1->got.size(), 0u);
}

TEST_F(TlsTransportTest, PlaintextDialerIsRefusedAndOthersAreNotDisturbed) {
  Node* n1 = StartTls(1, "node1");
  Node* n2 = StartTls(2, "node2");
  TransportOptions plain = opts_;
  Node* n3 = Start(3, 0, kCluster, &plain);  // no TLS at all
  Mesh();
  n3->t->Send(1, "app", "plaintext");
  n2->t->Send(1, "app", "fine");
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 1 && n1->CountFrom(2) == 1; }, 5000));
  RunFor(100);
  EXPECT_EQ(n1->CountFrom(3), 0u);
}

TEST_F(TlsTransportTest, StalledHandshakeAndGarbageAreClosedOnTime) {
  Node* n1 = StartTls(1, "node1");
  Node* n2 = StartTls(2, "node2");
  Mesh();
  // A TCP connection that never starts TLS, and one that sends a TLS-looking byte then garbage.
  int stall = socket(AF_INET, SOCK_STREAM, 0), junk = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(n1->port));
  ASSERT_EQ(connect(stall, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(connect(junk, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  std::string garbage = "\x16\x03\x01\x00\x05hello world garbage";
  ASSERT_EQ(write(junk, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  n2->t->Send(1, "app", "meanwhile");
  ASSERT_TRUE(RunUntil([&] { return n1->CountFrom(2) == 1; }));
  // Both closed within the handshake timeout (400 ms) plus the check period.
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 2; }, 2000));
  char c;
  EXPECT_EQ(recv(stall, &c, 1, MSG_DONTWAIT), 0);  // EOF: the node closed it
  close(stall);
  close(junk);
  n2->t->Send(1, "app", "after");
  ASSERT_TRUE(RunUntil([&] { return n1->CountFrom(2) == 2; }));
}

}  // namespace
}  // namespace redraft::cluster
