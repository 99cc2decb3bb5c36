// ReadyPipeline (cluster/raft_replicator_pipeline.h): the ready loop's order between persisting
// and applying, driven with a real Raft core and a storage thread the test controls. The rule it
// guards: an entry is applied only once it is durable HERE (in this node's log on disk, with its
// term), whatever is committed; a committed entry already durable is applied without waiting for
// the fsync of the Ready that carries it (the early apply that removes one fsync per write).
#include "cluster/raft_replicator_pipeline.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "raft/ready_order.h"

namespace redraft::cluster {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Index;
using raft::Message;
using raft::MessageType;
using raft::Term;

// A storage thread the test controls: a job's entries are durable only once the test completes
// it, and jobs complete in order (as StorageThread answers them).
struct FakeStorage {
  std::deque<std::vector<Entry>> todo;
  std::map<Index, Term> durable;  // the log on disk: index -> term
  void CompleteOne() {
    ASSERT_FALSE(todo.empty());
    std::vector<Entry>& es = todo.front();
    // Appending at i replaces the suffix from i (a follower's conflicting entries are cut).
    if (!es.empty()) durable.erase(durable.lower_bound(es.front().index), durable.end());
    for (const Entry& e : es) durable[e.index] = e.term;
    todo.pop_front();
  }
};

class ReadyPipelineTest : public ::testing::Test {
 protected:
  void MakeCore(std::vector<raft::NodeId> voters) {
    raft::Config cfg;
    cfg.id = 1;
    cfg.group = 1;
    cfg.initial_conf.voters = std::move(voters);
    core_ = std::make_unique<raft::Raft>(std::move(cfg), raft::RestoredState{});
  }

  // RaftReplicator::Pump reduced to what orders persisting and applying (no sends, no snapshot).
  void Pump() {
    while (core_->HasReady() && !pipe_.full()) {
      raft::Ready rd = core_->GetReady();
      if (!raft::ReadyNeedsPersist(rd) && pipe_.empty()) {
        Apply(rd.committed_entries);  // nothing to sync and nothing earlier in flight
        core_->Advance(rd);
        continue;
      }
      std::vector<Entry> job = rd.entries;
      pipe_.Take(
          *core_, applied_, std::move(rd), {}, 0, [&] { storage_.todo.push_back(std::move(job)); },
          [&](std::span<Entry> early) { Apply(early); });
    }
  }

  // RaftReplicator::OnStorageDone/Finish: the oldest job is durable; apply the rest, Advance.
  void CompleteOne() {
    storage_.CompleteOne();
    ReadyPipeline::InFlight f = pipe_.PopDurable();
    Apply(ReadyPipeline::Remaining(f));
    core_->Advance(f.rd);
  }
  void CompleteAll() {
    while (!pipe_.empty()) CompleteOne();
  }

  void Apply(std::span<Entry> entries) {
    for (const Entry& e : entries) {
      if (e.index <= applied_) continue;
      EXPECT_EQ(e.index, applied_ + 1) << "applied out of order";
      auto it = storage_.durable.find(e.index);
      bool durable = it != storage_.durable.end() && it->second == e.term;
      EXPECT_TRUE(durable) << "entry " << e.index << " (term " << e.term << ") applied before it was durable here";
      applied_ = e.index;
    }
  }

  // An AppendEntries from leader `from` in `term`: entries (all of `term`) after (prev, prev_term).
  void Append(raft::NodeId from, Term term, Index prev, Term prev_term, Index last, Index commit) {
    Message m;
    m.type = MessageType::kApp;
    m.group = 1;
    m.from = from;
    m.to = 1;
    m.term = term;
    m.index = prev;
    m.log_term = prev_term;
    for (Index i = prev + 1; i <= last; i++) m.entries.push_back(Entry{term, i, EntryType::kNormal, "x"});
    m.commit = commit;
    ASSERT_TRUE(core_->Step(std::move(m)).ok());
  }

  std::unique_ptr<raft::Raft> core_;
  ReadyPipeline pipe_;
  FakeStorage storage_;
  Index applied_ = 0;
};

// A follower is told entries and their commit in one message: committed, but not durable here
// until that Ready's fsync. (Deciding by the log's last index instead of its stable index applies
// them early: this test then fails.)
TEST_F(ReadyPipelineTest, FollowerAppliesEntriesCommittedInTheirOwnReadyOnlyOnceDurable) {
  MakeCore({1, 2, 3});
  Append(/*from=*/2, /*term=*/1, /*prev=*/0, 0, /*last=*/3, /*commit=*/2);
  Pump();
  EXPECT_EQ(applied_, 0u);
  EXPECT_EQ(pipe_.size(), 1u);
  CompleteOne();
  EXPECT_EQ(applied_, 2u);
  // Entry 3 is durable now; its commit arrives with new entries 4, 5: 3 applies at once (it does
  // not wait for 4 and 5 to sync), 4 and 5 wait.
  Append(2, 1, /*prev=*/3, 1, /*last=*/5, /*commit=*/5);
  Pump();
  EXPECT_EQ(applied_, 3u);
  CompleteAll();
  EXPECT_EQ(applied_, 5u);
}

// A new leader replaces a durable but uncommitted suffix and commits its own entry at that index
// in the same message: the durable copy has the old term, so it must not count as durable.
TEST_F(ReadyPipelineTest, FollowerDoesNotApplyAReplacedEntryBeforeTheReplacementIsDurable) {
  MakeCore({1, 2, 3});
  Append(2, 1, 0, 0, /*last=*/4, /*commit=*/2);
  Pump();
  CompleteAll();
  ASSERT_EQ(applied_, 2u);
  // Leader 3, term 2: entries 3..4 of term 1 are replaced by 3..4 of term 2, committed up to 4.
  Append(/*from=*/3, /*term=*/2, /*prev=*/2, 1, /*last=*/4, /*commit=*/4);
  Pump();
  EXPECT_EQ(applied_, 2u);
  CompleteAll();
  EXPECT_EQ(applied_, 4u);
  EXPECT_EQ(storage_.durable.at(4), 2u);
}

// Several Readies in flight: a later Ready's early entries never overtake an earlier Ready's
// entries that still wait for their fsync.
TEST_F(ReadyPipelineTest, PipelinedFollowerReadiesApplyInLogOrder) {
  MakeCore({1, 2, 3});
  Append(2, 1, 0, 0, /*last=*/2, /*commit=*/0);
  Pump();
  CompleteAll();
  Append(2, 1, 2, 1, /*last=*/4, /*commit=*/3);  // 1, 2 durable; 3 in this Ready
  Pump();
  EXPECT_EQ(applied_, 2u);
  Append(2, 1, 4, 1, /*last=*/6, /*commit=*/6);  // second Ready in flight, commits 3..6
  Pump();
  EXPECT_EQ(pipe_.size(), 2u);
  EXPECT_EQ(applied_, 2u);  // 3..4 are not durable yet
  CompleteOne();
  EXPECT_EQ(applied_, 3u);  // the first Ready's committed entries
  CompleteOne();
  EXPECT_EQ(applied_, 6u);
}

// The gain: a single-node leader counts its own log only after Advance, so its entries commit in
// the next Ready, which carries the next proposals; they are applied when that Ready is taken.
TEST_F(ReadyPipelineTest, LeaderAppliesItsCommittedEntriesWithoutWaitingForTheNextFsync) {
  MakeCore({1});
  core_->Campaign();
  Pump();
  CompleteAll();
  Pump();
  CompleteAll();
  ASSERT_EQ(core_->role(), raft::Role::kLeader);
  Index base = applied_;
  ASSERT_TRUE(core_->ProposeBatch({"a", "b"}).ok());
  Pump();
  CompleteOne();  // a, b durable; the core commits them on Advance
  ASSERT_TRUE(core_->Propose("c").ok());
  Pump();  // a Ready with c and the commit of a, b
  EXPECT_EQ(pipe_.size(), 1u);
  EXPECT_EQ(applied_, base + 2);  // applied while c is being synced
  CompleteAll();
  Pump();
  CompleteAll();
  EXPECT_EQ(applied_, base + 3);
}

}  // namespace
}  // namespace redraft::cluster
