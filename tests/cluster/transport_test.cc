// PeerTransport over real loopback sockets, several transports on one uv loop.
// Every wait is bounded: RunUntil() stops the loop at a deadline.
#include "cluster/transport.h"
#include "transport_fixture.h"

#include "cluster/peer_auth.h"

#include "common/coding.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <random>

namespace redraft::cluster {
namespace {

TEST_F(TransportTest, ThreeNodesExchangeThousandsOfMessagesInOrder) {
  for (uint64_t id : {1, 2, 3}) Start(id);
  Mesh();
  constexpr int kPerPair = 3000;
  // Half queued before the connections exist, half sent while running.
  auto send_range = [&](int lo, int hi) {
    for (auto& [a, na] : nodes_) {
      for (uint64_t b : {1, 2, 3}) {
        if (a == b) continue;
        for (int i = lo; i < hi; i++) ASSERT_TRUE(na->t->Send(b, "app", std::to_string(i)));
      }
    }
  };
  send_range(0, kPerPair / 2);
  ASSERT_TRUE(RunUntil([&] { return nodes_[1]->t->IsConnected(2) && nodes_[3]->t->IsConnected(1); }));
  send_range(kPerPair / 2, kPerPair);
  ASSERT_TRUE(RunUntil([&] {
    for (auto& [id, n] : nodes_) {
      if (n->got.size() < 2 * kPerPair) return false;
    }
    return true;
  }));
  for (auto& [id, n] : nodes_) {
    ASSERT_EQ(n->got.size(), 2u * kPerPair);
    std::map<uint64_t, int> next;
    for (const auto& r : n->got) {
      EXPECT_NE(r.from, id);
      EXPECT_EQ(r.type, "app");
      EXPECT_EQ(r.payload, std::to_string(next[r.from]++)) << "out of order from " << r.from;
    }
  }
  auto s = StatsOf(1, 2);
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.sent_frames, uint64_t{kPerPair});
  EXPECT_EQ(s.recv_frames, uint64_t{kPerPair});
  EXPECT_EQ(s.dropped_frames, 0u);
  EXPECT_EQ(s.queued_bytes, 0u);
}

TEST_F(TransportTest, PeerThatStartsLaterIsReachedAfterReconnect) {
  int port2 = FreePort();
  Node* n1 = Start(1);
  n1->t->SetPeer(2, "127.0.0.1", port2);
  ASSERT_TRUE(n1->t->Send(2, "app", "early"));
  RunFor(150);
  EXPECT_FALSE(n1->t->IsConnected(2));
  EXPECT_GT(StatsOf(1, 2).reconnects, 0u);
  EXPECT_EQ(StatsOf(1, 2).queued_bytes, 5u);
  Node* n2 = Start(2, port2);
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
  EXPECT_EQ(n2->got[0].payload, "early");
  EXPECT_TRUE(n1->t->IsConnected(2));
}

// Vectored writes: payloads of 4 KiB or more are written in place between their frame's header
// and trailer (AppendFrameAround), mixed with small copied ones in one uv_write; every message
// arrives whole, in order.
TEST_F(TransportTest, MixedSmallAndInPlacePayloadsArriveInOrder) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  n1->t->SetPeer(2, "127.0.0.1", n2->port);
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  std::mt19937 rng(7);
  std::vector<std::string> sent;
  for (int i = 0; i < 300; i++) {
    size_t len = rng() % 3 == 0 ? 4096 + rng() % 60000 : rng() % 4096;
    std::string p(len, static_cast<char>('a' + i % 26));
    if (!p.empty()) p[0] = static_cast<char>(i & 0xff);
    sent.push_back(p);
    ASSERT_TRUE(n1->t->Send(2, "app", p));
    if (i % 50 == 49) RunFor(5);  // several flushes, each a vectored write
  }
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == sent.size(); }));
  for (size_t i = 0; i < sent.size(); i++) ASSERT_EQ(n2->got[i].payload, sent[i]) << i;
}

TEST_F(TransportTest, LocalhostNameIsAccepted) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  n1->t->SetPeer(2, "localhost", n2->port);
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  ASSERT_TRUE(n1->t->Send(2, "app", "x"));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
}

TEST_F(TransportTest, RestartedPeerIsReachedAgain) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  ASSERT_TRUE(n1->t->Send(2, "app", "before"));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
  int port2 = n2->port;
  Stop(2);
  ASSERT_TRUE(RunUntil([&] { return !n1->t->IsConnected(2); }));
  n2 = Start(2, port2);
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  // Raft-style: retransmit until something gets through.
  int seq = 0;
  ASSERT_TRUE(RunUntil([&] {
    n1->t->Send(2, "app", "after" + std::to_string(seq++));
    return n2->CountFrom(1) > 0;
  }));
  EXPECT_EQ(n2->got[0].payload.substr(0, 5), "after");
  EXPECT_TRUE(n1->t->IsConnected(2));
  // And the restarted node reaches the survivor over its own fresh connection.
  ASSERT_TRUE(n2->t->Send(1, "app", "hi"));
  ASSERT_TRUE(RunUntil([&] { return n1->CountFrom(2) == 1; }));
}

TEST_F(TransportTest, LargePayloadIsChunkedWhileSmallMessagesFlow) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  std::string big(50 << 20, '\0');
  std::mt19937_64 rng(7);
  for (size_t i = 0; i + 8 <= big.size(); i += 8) {
    uint64_t v = rng();
    memcpy(&big[i], &v, 8);
  }
  ASSERT_TRUE(n1->t->Send(2, "snapshot", big));
  for (int i = 0; i < 100; i++) ASSERT_TRUE(n1->t->Send(2, "app", std::to_string(i)));
  // Keep sending small messages from a timer while the big one is in flight.
  int ticks = 0;
  ASSERT_TRUE(RunUntil([&] {
    if (ticks < 1000) n1->t->Send(2, "tick", std::to_string(ticks++));
    return n2->CountFrom(1, "snapshot") == 1;
  }, 60000));
  size_t snapshot_at = 0, ticks_before = 0;
  for (size_t i = 0; i < n2->got.size(); i++) {
    if (n2->got[i].type == "snapshot") snapshot_at = i;
  }
  for (size_t i = 0; i < snapshot_at; i++) ticks_before += n2->got[i].type == "tick";
  const Received& r = n2->got[snapshot_at];
  EXPECT_EQ(r.payload.size(), big.size());
  EXPECT_TRUE(r.payload == big) << "snapshot corrupted";
  EXPECT_GE(snapshot_at, 100u) << "small messages were stuck behind the snapshot";
  EXPECT_GT(ticks_before, 0u) << "no small message flowed while the snapshot was sent";
  // In-order delivery of the small messages.
  int next_app = 0, next_tick = 0;
  for (const auto& m : n2->got) {
    if (m.type == "app") {
      EXPECT_EQ(m.payload, std::to_string(next_app++));
    } else if (m.type == "tick") {
      EXPECT_EQ(m.payload, std::to_string(next_tick++));
    }
  }
  EXPECT_EQ(next_app, 100);
}

TEST_F(TransportTest, FramesFromNonMemberAreDropped) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  n1->t->SetPeer(2, "127.0.0.1", n2->port);  // 2 does not list 1 as a member
  ASSERT_TRUE(n1->t->Send(2, "app", "x"));
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().rejected_frames > 0; }));
  RunFor(50);
  EXPECT_TRUE(n2->got.empty());
  // Once 1 becomes a member, its (re)connection is accepted.
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  ASSERT_TRUE(RunUntil([&] {
    n1->t->Send(2, "app", "y");
    return n2->CountFrom(1) > 0;
  }));
}

TEST_F(TransportTest, RejectingPeerIsNotRedialedInATightLoop) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  n1->t->SetPeer(2, "127.0.0.1", n2->port);  // 2 accepts the TCP connection, then rejects 1's hello
  RunFor(500);
  EXPECT_GT(n2->t->counters().rejected_frames, 2u);
  EXPECT_LT(StatsOf(1, 2).reconnects, 25u);  // backoff 10..100 ms; a tight loop would be ~100
}

TEST_F(TransportTest, PeerAddressChangeRedials) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  n2->t->SetPeer(1, "127.0.0.1", n1->port);
  n1->t->SetPeer(2, "127.0.0.1", FreePort());
  ASSERT_TRUE(n1->t->Send(2, "app", "queued"));
  RunFor(50);
  EXPECT_FALSE(n1->t->IsConnected(2));
  n1->t->SetPeer(2, "127.0.0.1", n2->port);
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }, 2000));
  EXPECT_EQ(n2->got[0].payload, "queued");
}

TEST_F(TransportTest, FramesFromAnotherClusterAreDropped) {
  Node* n1 = Start(1, 0, "other-cluster");
  Node* n2 = Start(2);
  Mesh();
  ASSERT_TRUE(n1->t->Send(2, "app", "x"));
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().rejected_frames > 0; }));
  RunFor(50);
  EXPECT_TRUE(n2->got.empty());
}

TEST_F(TransportTest, GarbageOnTheWireClosesTheConnectionOnly) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(n2->port));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const char junk[] = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_GT(write(fd, junk, sizeof(junk) - 1), 0);
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().decode_errors > 0; }));
  close(fd);
  ASSERT_TRUE(n1->t->Send(2, "app", "still works"));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
}

TEST_F(TransportTest, QueueBoundDropsAndCounts) {
  TransportOptions o = opts_;
  o.max_queue_bytes = 1000;
  o.chunk_bytes = 4096;
  Node* n1 = Start(1, 0, kCluster, &o);
  n1->t->SetPeer(2, "127.0.0.1", FreePort());  // nobody listens: everything stays queued
  int accepted = 0, refused = 0;
  for (int i = 0; i < 50; i++) (n1->t->Send(2, "app", std::string(100, 'x')) ? accepted : refused)++;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(refused, 40);
  // A message over the bound still fits into an empty large-message queue, once.
  EXPECT_TRUE(n1->t->Send(2, "snap", std::string(5000, 's')));
  EXPECT_FALSE(n1->t->Send(2, "snap", std::string(5000, 's')));
  auto s = StatsOf(1, 2);
  EXPECT_EQ(s.dropped_frames, 41u);
  EXPECT_EQ(s.queued_bytes, 1000u + 5000u);
  EXPECT_FALSE(n1->t->Send(99, "app", "unknown peer"));
  EXPECT_FALSE(n1->t->Send(2, "hello", "reserved type"));
}

TEST_F(TransportTest, SetBlockedDropsBothDirections) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  ASSERT_TRUE(RunUntil([&] { return n1->t->IsConnected(2) && n2->t->IsConnected(1); }));
  n1->t->SetBlocked(2, true);
  EXPECT_FALSE(n1->t->Send(2, "app", "out"));
  ASSERT_TRUE(n2->t->Send(1, "app", "in"));
  ASSERT_TRUE(RunUntil([&] { return StatsOf(1, 2).dropped_frames == 2; }));
  RunFor(50);
  EXPECT_TRUE(n1->got.empty());
  EXPECT_TRUE(n2->got.empty());
  n1->t->SetBlocked(2, false);
  ASSERT_TRUE(n1->t->Send(2, "app", "out2"));
  ASSERT_TRUE(n2->t->Send(1, "app", "in2"));
  ASSERT_TRUE(RunUntil([&] { return n1->got.size() == 1 && n2->got.size() == 1; }));
  EXPECT_EQ(n1->got[0].payload, "in2");
  EXPECT_EQ(n2->got[0].payload, "out2");
}

TEST_F(TransportTest, BlockedDuringChunkedMessageRecovers) {
  TransportOptions o = opts_;
  o.chunk_bytes = 1024;
  Node* n1 = Start(1, 0, kCluster, &o);
  Node* n2 = Start(2, 0, kCluster, &o);
  Mesh();
  ASSERT_TRUE(RunUntil([&] { return n1->t->IsConnected(2); }));
  ASSERT_TRUE(n1->t->Send(2, "snap", std::string(1 << 20, 'a')));
  RunUntil([&] { return StatsOf(2, 1).recv_frames > 0; }, 5);  // let a few chunks through
  n2->t->SetBlocked(1, true);
  RunFor(30);
  n2->t->SetBlocked(1, false);
  std::string second(100000, 'b');
  ASSERT_TRUE(RunUntil([&] {
    if (StatsOf(1, 2).queued_bytes == 0) n1->t->Send(2, "snap", second);
    return n2->CountFrom(1, "snap") > 0;
  }));
  for (const auto& r : n2->got) EXPECT_TRUE(r.payload == std::string(1 << 20, 'a') || r.payload == second);
}

TEST_F(TransportTest, RemovePeerDropsQueueAndConnections) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  ASSERT_TRUE(RunUntil([&] { return n1->t->IsConnected(2) && n2->t->IsConnected(1); }));
  n1->t->RemovePeer(2);
  EXPECT_FALSE(n1->t->IsConnected(2));
  EXPECT_FALSE(n1->t->Send(2, "app", "x"));
  EXPECT_TRUE(n1->t->Stats().empty());
  // 2's frames are now from a non-member: rejected.
  ASSERT_TRUE(RunUntil([&] {
    n2->t->Send(1, "app", "y");
    return n1->t->counters().rejected_frames > 0;
  }));
  EXPECT_TRUE(n1->got.empty());
}

TEST_F(TransportTest, CloseFromInsideOnMessageIsSafe) {
  Node* n1 = Start(1);
  PeerTransport* t2 = nullptr;
  int calls = 0;
  auto t = std::make_unique<PeerTransport>(&loop_, 2, kCluster, [&](uint64_t, const std::string&, std::string&&) {
    calls++;
    t2->Close();
  }, opts_);
  t2 = t.get();
  ASSERT_TRUE(t2->Listen("127.0.0.1", 0).ok());
  n1->t->SetPeer(2, "127.0.0.1", t2->port());
  t2->SetPeer(1, "127.0.0.1", n1->port);
  for (int i = 0; i < 100; i++) n1->t->Send(2, "app", "x");
  ASSERT_TRUE(RunUntil([&] { return calls > 0; }));
  RunFor(30);
  EXPECT_EQ(calls, 1);
  t.reset();
}

}  // namespace
}  // namespace redraft::cluster

namespace redraft::cluster {
namespace {

// A forged sender: a raw TCP connection writing well-formed frames that claim to come from `from`.
class RawSender {
 public:
  RawSender(int port, uint64_t from) : from_(from) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  }
  ~RawSender() { close(fd_); }
  // One chunk frame: [u8 type_len][type][fixed64 total][fixed64 offset][data].
  void Chunk(uint64_t total, uint64_t offset, std::string_view data, std::string_view type = "app") {
    std::string head(1, static_cast<char>(type.size()));
    head.append(type);
    PutFixed64(&head, total);
    PutFixed64(&head, offset);
    std::string out;
    AppendFrame(&out, kCluster, from_, "chunk", head, data);
    ASSERT_EQ(write(fd_, out.data(), out.size()), static_cast<ssize_t>(out.size()));
  }

 private:
  int fd_;
  uint64_t from_;
};

TEST_F(TransportTest, ChunkDeclaringFourGiBIsRefusedBeforeBuffering) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  RawSender forged(n2->port, 1);
  forged.Chunk(uint64_t{4} << 30, 0, std::string(1000, 'x'));
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().decode_errors > 0; }));
  EXPECT_TRUE(n2->got.empty());
  // The real sender is unaffected.
  ASSERT_TRUE(n1->t->Send(2, "app", "still works"));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
}

TEST_F(TransportTest, ReassemblyIsBoundedInCountAndDeclaredBytes) {
  TransportOptions o = opts_;
  o.max_message_bytes = 1000;
  o.max_reassembly_bytes = 1500;
  o.max_reassemblies = 2;
  Node* n2 = Start(2, 0, kCluster, &o);
  for (uint64_t id : {1, 3, 4, 5}) n2->t->SetPeer(id, "127.0.0.1", 1);  // senders it accepts
  RawSender a(n2->port, 1), b(n2->port, 3), c(n2->port, 4), d(n2->port, 5);
  a.Chunk(1000, 0, std::string(10, 'a'));
  RunFor(50);
  b.Chunk(1000, 0, std::string(10, 'b'));  // 2000 declared bytes > 1500: refused
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().refused_reassemblies == 1; }));
  c.Chunk(400, 0, std::string(10, 'c'));   // fits: 1400 declared, 2 in progress
  RunFor(50);
  d.Chunk(10, 0, std::string(5, 'd'));      // a third one in progress: refused
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().refused_reassemblies == 2; }));
  EXPECT_EQ(n2->t->counters().decode_errors, 0u);
  // The two accepted ones complete and are delivered whole.
  a.Chunk(1000, 10, std::string(990, 'a'));
  c.Chunk(400, 10, std::string(390, 'c'));
  ASSERT_TRUE(RunUntil([&] { return n2->got.size() == 2; }));
  EXPECT_EQ(n2->CountFrom(1, "app"), 1u);
  EXPECT_EQ(n2->CountFrom(4, "app"), 1u);
  for (const auto& r : n2->got) EXPECT_EQ(r.payload.size(), r.from == 1 ? 1000u : 400u);
  // Completed messages gave their budget back: a new sender fits again.
  RawSender e(n2->port, 5);
  e.Chunk(1000, 0, std::string(1000, 'e'));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(5, "app") == 1; }));
  EXPECT_EQ(n2->t->counters().refused_reassemblies, 2u);
}

TEST_F(TransportTest, NewMessageFromTheSameSenderReplacesItsPartialOne) {
  TransportOptions o = opts_;
  o.max_reassemblies = 1;
  Node* n2 = Start(2, 0, kCluster, &o);
  n2->t->SetPeer(1, "127.0.0.1", 1);
  n2->t->SetPeer(3, "127.0.0.1", 1);
  RawSender old_conn(n2->port, 1);
  old_conn.Chunk(100, 0, std::string(50, 'o'));  // a sender that "reconnected" mid-message
  RunFor(50);
  RawSender new_conn(n2->port, 1);
  new_conn.Chunk(100, 0, std::string(50, 'n'));  // not refused: it replaces the partial one
  RunFor(50);
  EXPECT_EQ(n2->t->counters().refused_reassemblies, 0u);
  RawSender other(n2->port, 3);
  other.Chunk(100, 0, std::string(50, 'x'));     // the one slot is taken by sender 1's message
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().refused_reassemblies == 1; }));
  new_conn.Chunk(100, 50, std::string(50, 'n'));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
  EXPECT_EQ(n2->got[0].payload, std::string(100, 'n'));
}

}  // namespace
}  // namespace redraft::cluster

// ---- peer authentication (peer_auth.h) --------------------------------------------------------

namespace redraft::cluster {
namespace {

constexpr char kSecret[] = "s3cret-of-the-cluster";

TEST(PeerAuth, MacsBindSecretIdsAndBothNonces) {
  std::string nd = NewPeerNonce(), na = NewPeerNonce();
  EXPECT_EQ(nd.size(), kPeerNonceBytes);
  EXPECT_NE(nd, na);
  PeerHandshakeIds ids{"c1", 1, 2, nd, na};
  std::string a = AcceptorMac(kSecret, ids), d = DialerMac(kSecret, ids);
  EXPECT_EQ(a.size(), kPeerMacBytes);
  EXPECT_NE(a, d);  // one direction's MAC is no proof for the other
  EXPECT_EQ(a, AcceptorMac(kSecret, ids));
  EXPECT_NE(a, AcceptorMac("other", ids));
  for (auto change : std::vector<std::function<void(PeerHandshakeIds&)>>{
           [](PeerHandshakeIds& i) { i.cluster_id = "c2"; }, [](PeerHandshakeIds& i) { i.from = 3; },
           [](PeerHandshakeIds& i) { i.to = 3; }, [&](PeerHandshakeIds& i) { i.nonce_dialer = na; },
           [&](PeerHandshakeIds& i) { i.nonce_acceptor = nd; }}) {
    PeerHandshakeIds other = ids;
    change(other);
    EXPECT_NE(DialerMac(kSecret, other), d);
  }
  EXPECT_TRUE(MacEquals(d, DialerMac(kSecret, ids)));
  EXPECT_FALSE(MacEquals(d.substr(1), d));
  auto hello = DecodePeerHello(EncodePeerHello(PeerHello{7, nd}));
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->to, 7u);
  EXPECT_EQ(hello->nonce, nd);
  EXPECT_FALSE(DecodePeerHello(""));
  EXPECT_FALSE(DecodePeerChallenge(std::string(10, 'x')));
}

// A raw peer connection speaking the handshake by hand (a forger, or a replayer).
class RawPeer {
 public:
  RawPeer(int port, uint64_t from) : from_(from) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  }
  ~RawPeer() { close(fd_); }
  void Send(std::string_view type, std::string_view payload) {
    std::string out;
    AppendFrame(&out, kCluster, from_, type, payload);
    sent_ += out;
    ASSERT_EQ(write(fd_, out.data(), out.size()), static_cast<ssize_t>(out.size()));
  }
  void SendRaw(const std::string& bytes) { ASSERT_EQ(write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  // Reads whatever arrived (non-blocking); true if the peer closed the connection.
  bool Poll(std::string* got) {
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0) return false;
      got->append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& sent() const { return sent_; }

 private:
  int fd_;
  uint64_t from_;
  std::string sent_;
};

class AuthTest : public TransportTest {
 protected:
  void SetUp() override {
    TransportTest::SetUp();
    opts_.secret = kSecret;
    opts_.handshake_timeout_ms = 300;
  }
  // Runs until the raw peer has a challenge (returned) or the connection closed (nullopt).
  std::optional<PeerChallenge> AwaitChallenge(RawPeer& raw) {
    std::string got;
    bool closed = false;
    RunUntil([&] {
      closed = raw.Poll(&got) || closed;
      return closed || !got.empty();
    }, 2000);
    std::vector<Frame> frames;
    FrameDecoder dec;
    if (got.empty() || !dec.Feed(got, &frames).ok() || frames.size() != 1 || frames[0].type != "auth-challenge") {
      return std::nullopt;
    }
    return DecodePeerChallenge(frames[0].payload);
  }
  bool ClosedBy(RawPeer& raw, uint64_t ms = 2000) {
    std::string got;
    return RunUntil([&] { return raw.Poll(&got); }, ms);
  }
};

TEST_F(AuthTest, PeersWithTheSecretExchangeSmallAndChunkedMessages) {
  opts_.chunk_bytes = 4096;
  for (uint64_t id : {1, 2, 3}) Start(id);
  Mesh();
  std::string big(100000, 'b');
  for (uint64_t from : {1, 2, 3}) {
    for (uint64_t to : {1, 2, 3}) {
      if (from == to) continue;
      for (int i = 0; i < 100; i++) ASSERT_TRUE(nodes_[from]->t->Send(to, "app", std::to_string(i)));
      ASSERT_TRUE(nodes_[from]->t->Send(to, "big", big));
    }
  }
  ASSERT_TRUE(RunUntil([&] {
    for (auto& [id, n] : nodes_) {
      if (n->got.size() < 202) return false;
    }
    return true;
  }));
  for (auto& [id, n] : nodes_) {
    EXPECT_EQ(n->CountFrom(id == 1 ? 2 : 1, "big"), 1u);
    EXPECT_EQ(n->t->counters().auth_failures, 0u);
  }
}

TEST_F(AuthTest, WrongSecretIsRefusedOnBothSides) {
  Node* n1 = Start(1);
  TransportOptions other = opts_;
  other.secret = "not-the-secret";
  Node* n2 = Start(2, 0, kCluster, &other);
  Mesh();
  ASSERT_TRUE(n1->t->Send(2, "app", "x"));
  ASSERT_TRUE(n2->t->Send(1, "app", "y"));
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures >= 2 && n2->t->counters().auth_failures >= 2; }));
  RunFor(100);
  EXPECT_TRUE(n1->got.empty());
  EXPECT_TRUE(n2->got.empty());
}

TEST_F(AuthTest, PeerWithoutASecretIsRefused) {
  TransportOptions none = opts_;
  none.secret.clear();
  Node* n1 = Start(1, 0, kCluster, &none);
  Node* n2 = Start(2);
  Mesh();
  ASSERT_TRUE(n1->t->Send(2, "app", "x"));
  ASSERT_TRUE(RunUntil([&] { return n2->t->counters().auth_failures > 0; }));
  RunFor(100);
  EXPECT_TRUE(n2->got.empty());
}

TEST_F(AuthTest, ForgedFramesBeforeTheHandshakeAreRefusedUnread) {
  Node* n1 = Start(1);
  Node* n2 = Start(2);
  Mesh();
  {
    RawPeer forged(n2->port, 1);  // knows the cluster id and a member's id, not the secret
    forged.Send("app", "forged");
    EXPECT_TRUE(ClosedBy(forged));
  }
  {
    RawPeer forged(n2->port, 1);
    forged.Send("hello", EncodePeerHello(PeerHello{2, NewPeerNonce()}));
    ASSERT_TRUE(AwaitChallenge(forged));
    forged.Send("auth-proof", std::string(kPeerMacBytes, 'x'));
    forged.Send("app", "forged");
    EXPECT_TRUE(ClosedBy(forged));
  }
  {
    RawPeer forged(n2->port, 1);  // a large payload before authenticating is refused unbuffered
    forged.Send("hello", std::string(1 << 20, 'h'));
    EXPECT_TRUE(ClosedBy(forged));
  }
  EXPECT_GE(n2->t->counters().auth_failures, 3u);
  ASSERT_TRUE(n1->t->Send(2, "app", "real"));
  ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1) == 1; }));
  EXPECT_EQ(n2->got[0].payload, "real");
}

TEST_F(AuthTest, AProofWorksOnItsOwnConnectionOnly) {
  Start(1);
  Node* n2 = Start(2);
  Mesh();
  std::string nd = NewPeerNonce();
  std::string recorded;
  {
    RawPeer honest(n2->port, 1);  // knows the secret
    honest.Send("hello", EncodePeerHello(PeerHello{2, nd}));
    auto ch = AwaitChallenge(honest);
    ASSERT_TRUE(ch);
    PeerHandshakeIds ids{kCluster, 1, 2, nd, ch->nonce};
    ASSERT_EQ(ch->mac, AcceptorMac(kSecret, ids));  // the acceptor proved itself
    honest.Send("auth-proof", DialerMac(kSecret, ids));
    honest.Send("app", "honest");
    ASSERT_TRUE(RunUntil([&] { return n2->CountFrom(1, "app") == 1; }));
    recorded = honest.sent();
  }
  RawPeer replay(n2->port, 1);  // the same bytes on a new connection meet a new acceptor nonce
  replay.SendRaw(recorded);
  EXPECT_TRUE(ClosedBy(replay));
  RunFor(50);
  EXPECT_EQ(n2->CountFrom(1, "app"), 1u);
}

TEST_F(AuthTest, DialerSendsNothingToAnImpostorAcceptor) {
  Node* n1 = Start(1);
  // An impostor listening at node 2's address: it answers the hello with a challenge it cannot
  // sign (it does not know the secret).
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  ASSERT_EQ(listen(lfd, 4), 0);
  n1->t->SetPeer(2, "127.0.0.1", ntohs(a.sin_port));
  ASSERT_TRUE(n1->t->Send(2, "app", "for node 2 only"));
  int fd = -1;
  ASSERT_TRUE(RunUntil([&] {
    fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
    return fd >= 0;
  }));
  std::string got;
  char buf[4096];
  auto drain = [&] {
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;) got.append(buf, static_cast<size_t>(n));
  };
  ASSERT_TRUE(RunUntil([&] { drain(); return !got.empty(); }));
  std::string challenge;
  AppendFrame(&challenge, kCluster, 2, "auth-challenge",
              EncodePeerChallenge(PeerChallenge{NewPeerNonce(), std::string(kPeerMacBytes, 'm')}));
  ASSERT_EQ(write(fd, challenge.data(), challenge.size()), static_cast<ssize_t>(challenge.size()));
  ASSERT_TRUE(RunUntil([&] { return n1->t->counters().auth_failures > 0; }));
  RunFor(100);
  drain();
  std::vector<Frame> frames;
  FrameDecoder dec;
  ASSERT_TRUE(dec.Feed(got, &frames).ok());
  ASSERT_EQ(frames.size(), 1u);  // the hello, and nothing after it
  EXPECT_EQ(frames[0].type, "hello");
  close(fd);
  close(lfd);
}

TEST_F(AuthTest, AHandshakeThatStallsIsClosed) {
  Start(1);
  Node* n2 = Start(2);
  Mesh();
  RawPeer stalled(n2->port, 1);
  stalled.Send("hello", EncodePeerHello(PeerHello{2, NewPeerNonce()}));
  ASSERT_TRUE(AwaitChallenge(stalled));
  EXPECT_TRUE(ClosedBy(stalled, 3000));  // handshake_timeout_ms = 300
}

}  // namespace
}  // namespace redraft::cluster
