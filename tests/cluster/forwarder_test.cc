#include "cluster/forwarder.h"

#include <gtest/gtest.h>

#include <limits>

#include "commands/command.h"

namespace redraft::cluster {
namespace {

// A Forwarder on a single-voter Raft group (it leads at once) with a recording Env: what it
// proposes commits when the test drives the Ready loop, as RaftReplicator does.
class ForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    raft::Config cfg;
    cfg.id = 1;
    cfg.group = 1;
    cfg.initial_conf.voters = {1};
    raft_ = std::make_unique<raft::Raft>(std::move(cfg), raft::RestoredState{});
    raft_->Campaign();
    Drive();
    ASSERT_EQ(raft_->role(), raft::Role::kLeader);
  }

  Forwarder Make() {
    return Forwarder(Forwarder::Env{
                         .raft = [this] { return raft_.get(); },
                         .leader_reachable = [this] { return reachable_; },
                         .send =
                             [this](uint64_t to, FwdKind kind, std::string payload) {
                               sent_.push_back({to, kind, std::move(payload)});
                               return true;
                             },
                         .cluster_time_ms = [] { return int64_t{1000}; },
                         .note_stamp = [](int64_t) {},
                         .answer = [this](uint64_t t, std::string r) { answers_.emplace_back(t, std::move(r)); },
                         .growth = [this](std::string_view e) -> uint64_t { return growth_ ? growth_(e) : 0; },
                         .before_batch = [this] { if (before_batch_) before_batch_(); },
                     },
                     /*request_timeout_ms=*/5000, /*session=*/42);
  }

  // Runs Readies to completion; every committed entry "applies" with reply ":<index>".
  void Drive(Forwarder* f = nullptr) {
    for (int i = 0; i < 10 && raft_->HasReady(); i++) {
      raft::Ready rd = raft_->GetReady();
      for (raft::Entry& e : rd.committed_entries) {
        if (!f) continue;
        uint64_t own = f->OwnWriteSeq(e);
        std::string reply = ":" + std::to_string(e.index) + "\r\n";
        f->OnApplied(e, own, reply);
        applied_ = e.index;
      }
      raft_->Advance(rd);
    }
    if (f) f->AfterApply(applied_);
  }

  // Replaces the core with a follower of node 2 in `term` (a three-voter group): our writes are
  // forwarded to node 2.
  void BecomeFollower(raft::Term term) {
    raft::Config cfg;
    cfg.id = 1;
    cfg.group = 1;
    cfg.initial_conf.voters = {1, 2, 3};
    raft_ = std::make_unique<raft::Raft>(std::move(cfg), raft::RestoredState{});
    raft::Message hb;
    hb.type = raft::MessageType::kHeartbeat;
    hb.group = 1;
    hb.from = 2;
    hb.to = 1;
    hb.term = term;
    ASSERT_TRUE(raft_->Step(std::move(hb)).ok());
    ASSERT_EQ(raft_->leader(), 2u);
    ASSERT_EQ(raft_->term(), term);
  }
  // Our apply of an entry that is not one of our writes (another node's, or the new leader's no-op).
  static void ApplyOther(Forwarder& f, raft::Index index, raft::Term term) {
    raft::Entry e{term, index, raft::EntryType::kNormal, ""};
    std::string reply = "+OK\r\n";
    f.OnApplied(e, f.OwnWriteSeq(e), reply);
    f.AfterApply(index);
  }
  size_t WriteBatchesSent() const {
    size_t n = 0;
    for (const Sent& s : sent_) n += s.kind == FwdKind::kWriteBatch;
    return n;
  }

  static std::string SetEntry() { return commands::EncodeLogCommand(commands::LogCommand{1, {"SET", "k", "v"}}); }

  struct Sent {
    uint64_t to;
    FwdKind kind;
    std::string payload;
  };
  std::unique_ptr<raft::Raft> raft_;
  std::vector<Sent> sent_;
  std::vector<std::pair<uint64_t, std::string>> answers_;
  raft::Index applied_ = 0;
  bool reachable_ = true;
  std::function<uint64_t(std::string_view)> growth_;  // Env::growth, if set
  std::function<void()> before_batch_;                // Env::before_batch, if set
};

TEST_F(ForwarderTest, OwnWriteIsProposedOnceAndAnsweredByItsApply) {
  Forwarder f = Make();
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  f.Propose(SetEntry(), /*token=*/8, /*proto=*/2);
  raft::Index before = raft_->last_index();
  f.ProposeQueued();
  EXPECT_EQ(raft_->last_index(), before + 2);  // one batch for the iteration
  Drive(&f);
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_EQ(answers_[0], (std::pair<uint64_t, std::string>{7, ":" + std::to_string(before + 1) + "\r\n"}));
  EXPECT_EQ(answers_[1].first, 8u);
  EXPECT_EQ(f.writes_count(), 0u);
  f.Flush();
  EXPECT_TRUE(sent_.empty());  // nothing forwarded: we lead
}

// A write that could not be sent (no leader reachable) waits, and goes once a leader is: it must
// be remembered as unsent (the common path, a write sent at once, never records it as unsent).
TEST_F(ForwarderTest, WriteProposedWithoutALeaderIsSentOnceOneIsReachable) {
  Forwarder f = Make();
  reachable_ = false;
  raft::Index before = raft_->last_index();
  f.Propose(SetEntry(), /*token=*/9, /*proto=*/2);
  f.ProposeQueued();
  EXPECT_EQ(raft_->last_index(), before);
  reachable_ = true;
  f.ResendUnsent(/*min_interval_ms=*/0);
  f.ProposeQueued();
  EXPECT_EQ(raft_->last_index(), before + 1);
  Drive(&f);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].first, 9u);
  EXPECT_EQ(f.writes_count(), 0u);
}

TEST_F(ForwarderTest, ForwardedWritesGetTheirRepliesInOneOutcomeFrame) {
  Forwarder f = Make();
  ForwardBatchWriter w;
  w.Add(5, 3, SetEntry());
  w.Add(6, 2, SetEntry());
  f.OnFrame(/*from=*/2, FwdKind::kWriteBatch, w.Take(raft_->term()));
  ForwardBatchWriter stale;
  stale.Add(9, 2, SetEntry());
  f.OnFrame(/*from=*/3, FwdKind::kWriteBatch, stale.Take(raft_->term() + 1));  // not our term
  f.ProposeQueued();
  EXPECT_EQ(f.pending_count(), 2u);
  Drive(&f);
  EXPECT_EQ(f.pending_count(), 0u);
  f.Flush();
  ASSERT_EQ(sent_.size(), 2u);
  for (const Sent& s : sent_) {
    EXPECT_EQ(s.kind, FwdKind::kReplyBatch);
    auto out = DecodeForwardOutcomes(s.kind, s.payload);
    if (s.to == 2) {
      ASSERT_EQ(out.size(), 2u);
      EXPECT_EQ(out[0].kind, ForwardOutcome::Kind::kReplied);
      EXPECT_EQ(out[0].req, 5u);
      EXPECT_EQ(out[1].req, 6u);
    } else {
      EXPECT_EQ(s.to, 3u);
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].kind, ForwardOutcome::Kind::kNotExecuted);
      EXPECT_EQ(out[0].req, 9u);
      EXPECT_EQ(out[0].term, raft_->term() + 1);
    }
  }
  EXPECT_TRUE(answers_.empty());  // none of them was ours
}

TEST_F(ForwarderTest, InvalidForwardedEntryIsAnsweredWithAnErrorAndNeverProposed) {
  Forwarder f = Make();
  ForwardBatchWriter w;
  w.Add(5, 2, "not an entry");
  raft::Index before = raft_->last_index();
  f.OnFrame(2, FwdKind::kWriteBatch, w.Take(raft_->term()));
  f.ProposeQueued();
  EXPECT_EQ(raft_->last_index(), before);
  f.Flush();
  ASSERT_EQ(sent_.size(), 1u);
  auto out = DecodeForwardOutcomes(sent_[0].kind, sent_[0].payload);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ForwardOutcome::Kind::kReplied);
  EXPECT_EQ(out[0].reply.substr(0, 1), "-");
}

// Rule 3 (docs/exactly_once.md): a forwarded write is provably not applied once we apply an entry
// of a later term without meeting it; it is sent again.
TEST_F(ForwarderTest, ForwardedWriteIsSentAgainOnceALaterTermIsApplied) {
  BecomeFollower(5);
  Forwarder f = Make();
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  f.Flush();
  ASSERT_EQ(WriteBatchesSent(), 1u);
  ApplyOther(f, /*index=*/10, /*term=*/6);
  f.Flush();
  EXPECT_EQ(WriteBatchesSent(), 2u);  // sent again
  EXPECT_TRUE(answers_.empty());
}

// A snapshot received while our write is in flight may hold its entry, whose reply it does not
// carry. The write is not answered UNCERTAIN at once (every snapshot a restarted node received
// while its clients wrote turned into UNCERTAIN replies: test_exactly_once), it waits for the
// leader's outcome; and a later term applied after the snapshot proves nothing about it, so it is
// not sent again (that could apply it twice).
TEST_F(ForwarderTest, WriteInFlightAcrossASnapshotWaitsForTheLeadersOutcome) {
  BecomeFollower(5);
  Forwarder f = Make();
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  f.Flush();
  ASSERT_EQ(WriteBatchesSent(), 1u);
  f.OnSnapshotInstalled(/*term=*/5);
  f.AfterApply(100);
  EXPECT_TRUE(answers_.empty());
  ApplyOther(f, /*index=*/101, /*term=*/6);
  f.ResendUnsent(/*min_interval_ms=*/0);
  f.Flush();
  EXPECT_EQ(WriteBatchesSent(), 1u);  // not sent again
  EXPECT_TRUE(answers_.empty());
  EXPECT_EQ(f.writes_count(), 1u);
  ForwardOutcomeWriter out;
  out.AddReplied(/*req=*/1, ":42\r\n");
  f.OnFrame(2, FwdKind::kReplyBatch, out.Take());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0], (std::pair<uint64_t, std::string>{7, ":42\r\n"}));
  EXPECT_EQ(f.writes_count(), 0u);
}

// ... and if no outcome comes, the deadline answers UNCERTAIN; "not executed" from the leader
// proves it and the write goes again, tracked by terms again.
TEST_F(ForwarderTest, WriteInFlightAcrossASnapshotIsSettledByNotExecutedOrItsDeadline) {
  BecomeFollower(5);
  Forwarder f = Make();
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  f.Propose(SetEntry(), /*token=*/8, /*proto=*/2);
  f.Flush();
  f.OnSnapshotInstalled(5);
  ForwardOutcomeWriter out;
  out.AddNotExecuted(/*req=*/2, /*term=*/5);
  f.OnFrame(2, FwdKind::kReplyBatch, out.Take());
  f.ResendUnsent(0);
  f.Flush();
  EXPECT_EQ(WriteBatchesSent(), 2u);  // write 2 went again
  ApplyOther(f, 101, 6);
  f.Flush();
  EXPECT_EQ(WriteBatchesSent(), 3u);  // its new copy: a later term proves it dead again; write 1 stays
  f.Sweep(std::numeric_limits<int64_t>::max());
  ASSERT_EQ(answers_.size(), 2u);
  for (const auto& [token, reply] : answers_) EXPECT_EQ(reply.substr(0, 10), "-UNCERTAIN") << token;
}

}  // namespace
}  // namespace redraft::cluster

namespace redraft::cluster {
namespace {

// Eviction ahead of the writes (docs/memory.md): the estimated growth of every entry the leader
// queued (its own clients' and forwarded ones) counts from the moment it is queued until its
// index is applied, and what before_batch proposes (the evictor's entries) joins the same batch.
TEST_F(ForwarderTest, ProposedGrowthCountsQueuedAndProposedEntriesUntilApplied) {
  Forwarder f = Make();
  growth_ = [](std::string_view e) -> uint64_t { return e.size(); };
  const std::string evict = commands::EncodeLogCommand(commands::LogCommand{1, {"redraft.evict", "k", "1"}});
  int hook_calls = 0;
  before_batch_ = [&] {
    hook_calls++;
    f.Propose(evict, /*token=*/99, /*proto=*/2);  // joins this batch; the hook is not re-entered
  };
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  ForwardBatchWriter w;
  w.Add(5, 2, SetEntry());
  f.OnFrame(/*from=*/2, FwdKind::kWriteBatch, w.Take(raft_->term()));
  const uint64_t queued = f.proposed_growth();
  EXPECT_GE(queued, 2 * SetEntry().size());  // both, before they have an index
  raft::Index before = raft_->last_index();
  f.ProposeQueued();
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(raft_->last_index(), before + 3);  // the write, the forwarded one, the eviction
  EXPECT_GT(f.proposed_growth(), queued);      // in flight now, the eviction's entry too
  Drive(&f);
  EXPECT_EQ(f.proposed_growth(), 0u);          // applied: nothing in flight
  f.ProposeQueued();                           // an empty batch: no hook call
  EXPECT_EQ(hook_calls, 1);
}

// A batch that cannot be proposed (not the leader any more) leaves nothing counted.
TEST_F(ForwarderTest, ProposedGrowthForgetsABatchThatWasNotProposed) {
  Forwarder f = Make();
  growth_ = [](std::string_view) -> uint64_t { return 100; };
  f.Propose(SetEntry(), /*token=*/7, /*proto=*/2);
  EXPECT_EQ(f.proposed_growth(), 100u);
  BecomeFollower(raft_->term() + 1);
  f.ProposeQueued();
  EXPECT_EQ(f.proposed_growth(), 0u);
}

}  // namespace
}  // namespace redraft::cluster
