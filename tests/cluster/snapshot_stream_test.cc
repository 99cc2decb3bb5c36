// The streamed snapshot protocol (snapshot_sender.h, snapshot_receiver.h) between two real stores
// over an in-memory pipe that can lose or corrupt messages.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <filesystem>

#include "cluster/snapshot_receiver.h"
#include "cluster/snapshot_sender.h"
#include "cluster/snapshot_stream.h"
#include "store/rocks_store.h"

namespace redraft::cluster {
namespace {

constexpr uint64_t kLeader = 1, kFollower = 2;

std::unique_ptr<store::Store> OpenStore(const std::string& dir) {
  store::StoreOptions o;
  o.block_cache_bytes = 8 << 20;
  o.write_buffer_bytes = 4 << 20;
  auto r = store::Store::Open(dir, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r.value());
}

class SnapshotStreamTest : public ::testing::Test {
 protected:
  struct Msg {
    uint64_t to;
    std::string type, payload;
  };
  void SetUp() override {
    char tmpl[] = "/tmp/redraft_snapstream_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    leader_ = OpenStore(root_ + "/l");
    follower_ = OpenStore(root_ + "/f");
    SnapshotSenderOptions so;
    so.chunk_bytes = 16 << 10;
    so.window = 3;
    so.timeout_ms = 1000;
    sender_ = std::make_unique<SnapshotSender>(
        leader_.get(), [this](uint64_t to, PeerKind k, std::string p) {
          wire_.push_back({to, PeerKindName(k), std::move(p)});
          return true;
        },
        [this](uint64_t, bool ok) { result_ = ok; }, 100, so);
    receiver_ = std::make_unique<SnapshotReceiver>(follower_.get(), 1000);
  }
  void TearDown() override {
    sender_.reset();
    receiver_.reset();
    leader_.reset();
    follower_.reset();
    std::filesystem::remove_all(root_);
  }
  void Fill(store::Store* s, uint64_t index, int n, size_t big_every = 0) {
    auto b = s->NewBatch();
    for (int i = 0; i < n; i++) {
      store::Value v;
      v.payload = std::string(big_every && i % big_every == 0 ? 40000 : 100, static_cast<char>('a' + i % 26));
      v.expire_ms = i % 7 == 0 ? 5000000000000 + i : 0;
      b->Put("key" + std::to_string(i), v);
    }
    ASSERT_TRUE(s->Commit(b.get(), index).ok());
  }
  // Delivers messages until the wire is empty; drop(i) / corrupt(i) act on the i-th data message.
  void Run(const std::function<bool(const Msg&)>& drop = nullptr) {
    while (!wire_.empty()) {
      Msg m = std::move(wire_.front());
      wire_.pop_front();
      max_wire_ = std::max(max_wire_, wire_.size() + 1);
      if (drop && drop(m)) continue;
      std::optional<std::string> ack;
      if (m.type == "snap-begin") ack = receiver_->OnBegin(kLeader, m.payload, now_);
      else if (m.type == "snap-chunk") ack = receiver_->OnChunk(kLeader, m.payload, now_);
      else if (m.type == "snap-end") {
        auto r = receiver_->OnEnd(kLeader, m.payload, now_, &ack);
        if (r.ok()) {
          EXPECT_EQ(*r, "raft@" + std::to_string(receiver_->staged_index()));
          ack = receiver_->EndAck(true);
        }
      }
      if (ack) sender_->OnAck(kFollower, *ack, now_);
    }
  }
  bool Start() {
    return sender_->Start(kFollower, [](uint64_t a) { return "raft@" + std::to_string(a); }, {}, now_);
  }
  std::vector<std::pair<std::string, std::string>> Dump(store::Store* s) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(s->Scan("", [&](std::string_view k, const store::Value& v) {
      out.emplace_back(std::string(k), v.payload + "/" + std::to_string(v.expire_ms));
      return true;
    }).ok());
    return out;
  }

  std::string root_;
  std::unique_ptr<store::Store> leader_, follower_;
  std::unique_ptr<SnapshotSender> sender_;
  std::unique_ptr<SnapshotReceiver> receiver_;
  std::deque<Msg> wire_;
  std::optional<bool> result_;
  size_t max_wire_ = 0;
  int64_t now_ = 1000;
};

TEST_F(SnapshotStreamTest, TransfersTheWholeStateWithinTheWindowAndInstallsAtomically) {
  Fill(leader_.get(), 40, 3000, 250);  // some records larger than a chunk
  Fill(follower_.get(), 3, 10);
  ASSERT_TRUE(Start());
  Fill(leader_.get(), 41, 5);  // after the view was taken: not in the snapshot
  Run();
  ASSERT_EQ(result_, true);
  EXPECT_LE(max_wire_, 3u);  // the window (the begin is acknowledged before chunks flow)
  ASSERT_TRUE(receiver_->staged());
  EXPECT_EQ(follower_->applied_index(), 3u);  // nothing switched before Install
  std::map<uint64_t, MemberAddr> members;
  ASSERT_TRUE(receiver_->Install(40, &members).ok());
  EXPECT_EQ(follower_->applied_index(), 40u);
  EXPECT_EQ(follower_->KeyCount(), 3000u);
  // The leader's state at index 40 (its later writes only changed the first five keys' values).
  auto want = Dump(leader_.get());
  auto got = Dump(follower_.get());
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(std::vector(got.begin() + 5, got.end()), std::vector(want.begin() + 5, want.end()));
  EXPECT_EQ(receiver_->installed(), 1u);
}

TEST_F(SnapshotStreamTest, ALostChunkIsRefusedAndLeavesTheOldState) {
  Fill(leader_.get(), 40, 2000);
  Fill(follower_.get(), 3, 10);
  auto before = Dump(follower_.get());
  ASSERT_TRUE(Start());
  int chunks = 0;
  Run([&](const Msg& m) { return m.type == "snap-chunk" && ++chunks == 4; });
  EXPECT_EQ(result_, false);
  EXPECT_FALSE(receiver_->receiving());
  EXPECT_FALSE(sender_->Active(kFollower));
  EXPECT_EQ(Dump(follower_.get()), before);
  // A new transfer (new id) starts over and completes.
  result_.reset();
  ASSERT_TRUE(Start());
  Run();
  EXPECT_EQ(result_, true);
}

TEST_F(SnapshotStreamTest, ACorruptChunkIsNeverStagedAndTheNextOneRevealsTheGap) {
  Fill(leader_.get(), 40, 2000);
  Fill(follower_.get(), 3, 10);
  auto before = Dump(follower_.get());
  ASSERT_TRUE(Start());
  int chunks = 0;
  Run([&](const Msg& m) {
    if (m.type != "snap-chunk" || ++chunks != 2) return false;
    std::string bad = m.payload;
    bad[bad.size() / 2] ^= 1;
    EXPECT_FALSE(receiver_->OnChunk(kLeader, bad, now_).has_value());  // unreadable: no answer
    return true;
  });
  EXPECT_EQ(result_, false);
  EXPECT_FALSE(receiver_->receiving());
  EXPECT_EQ(Dump(follower_.get()), before);
}

TEST_F(SnapshotStreamTest, SilenceTimesOutOnBothSides) {
  Fill(leader_.get(), 40, 2000);
  ASSERT_TRUE(Start());
  int chunks = 0;
  Run([&](const Msg& m) { return m.type == "snap-chunk" && ++chunks >= 2; });  // the link dies
  EXPECT_FALSE(result_.has_value());
  EXPECT_TRUE(receiver_->receiving());
  now_ += 2000;
  sender_->Tick(now_);
  EXPECT_EQ(result_, false);
  EXPECT_FALSE(sender_->CompactFloor().has_value());
  receiver_->Tick(now_);
  EXPECT_FALSE(receiver_->receiving());
}

TEST_F(SnapshotStreamTest, AStaleTransfersChunksAreRefused) {
  Fill(leader_.get(), 40, 500);
  ASSERT_TRUE(Start());
  Msg begin = wire_.front();
  Run();
  ASSERT_EQ(result_, true);
  receiver_->Discard();
  // A chunk of a transfer the receiver does not know (e.g. it restarted): refused with its id.
  std::string chunk = StartSnapChunk(12345, 1);
  FinishSnapChunk(&chunk);
  auto ack = receiver_->OnChunk(kLeader, chunk, now_);
  ASSERT_TRUE(ack.has_value());
  SnapAck a;
  ASSERT_TRUE(DecodeSnapAck(*ack, &a));
  EXPECT_EQ(a.id, 12345u);
  EXPECT_FALSE(a.ok);
}

// A hash travels as its metadata record plus its sub-keys (records after every key), and a
// stale version's sub-keys travel too (they are garbage the follower's filter reclaims).
TEST_F(SnapshotStreamTest, HashesTravelWithTheirSubKeys) {
  Fill(leader_.get(), 40, 200);
  {
    auto b = leader_->NewBatch();
    store::Value h;
    h.type = store::ValueType::kHash;
    h.version = 41ull << 20 | 1;
    store::SetCollectionSize(&h, 3000);
    b->Put("hash", h);
    for (int i = 0; i < 3000; i++) b->PutSub("hash", h.version, "f" + std::to_string(i), std::string(50, 'v'));
    ASSERT_TRUE(leader_->Commit(b.get(), 41).ok());
  }
  ASSERT_TRUE(Start());
  Run();
  ASSERT_EQ(result_, true);
  std::map<uint64_t, MemberAddr> members;
  ASSERT_TRUE(receiver_->Install(41, &members).ok());
  EXPECT_EQ(follower_->KeyCount(), 201u);
  store::Value h;
  ASSERT_TRUE(follower_->Get("hash", 0, &h).ok());
  EXPECT_EQ(h.type, store::ValueType::kHash);
  EXPECT_EQ(store::CollectionSize(h), 3000u);
  int n = 0;
  ASSERT_TRUE(follower_->ScanSub("hash", h.version, "", [&](std::string_view, std::string_view v) {
    n++;
    return v == std::string(50, 'v');
  }).ok());
  EXPECT_EQ(n, 3000);
}

}  // namespace
}  // namespace redraft::cluster
