// Unit tests of the core's building blocks: message coding, quorum maths, progress, the
// in-memory log, conf changes and the client session table.
#include <gtest/gtest.h>

#include "raft/conf_change.h"
#include "sim/sim_dedup.h"
#include "raft/message.h"
#include "raft/progress.h"
#include "raft/quorum.h"
#include "raft/raft_log.h"
#include "raft/rng.h"

namespace redraft::raft {
namespace {

Message FullMessage() {
  Message m;
  m.type = MessageType::kSnapshot;
  m.group = 3;
  m.from = 1;
  m.to = 2;
  m.term = 9;
  m.log_term = 8;
  m.index = 1234567;
  m.commit = 77;
  m.reject = true;
  m.reject_hint = 5;
  m.context = "ctx";
  m.entries = {Entry{8, 1234568, EntryType::kNormal, "a"}, Entry{9, 1234569, EntryType::kConfChange, ""}};
  Snapshot s;
  s.meta.index = 100;
  s.meta.term = 4;
  s.meta.conf.voters = {1, 2, 3};
  s.meta.conf.learners = {9};
  s.data = std::string(300, 'x');
  m.snapshot = s;
  return m;
}

TEST(MessageCoding, RoundTrip) {
  Message m = FullMessage();
  auto d = Message::Decode(m.Encode());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, m);
  Message empty;
  auto d2 = Message::Decode(empty.Encode());
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(*d2, empty);
}

TEST(MessageCoding, EveryTruncationIsRejected) {
  std::string enc = FullMessage().Encode();
  for (size_t n = 0; n < enc.size(); n++) {
    EXPECT_FALSE(Message::Decode(std::string_view(enc).substr(0, n)).ok()) << "prefix " << n;
  }
  EXPECT_FALSE(Message::Decode(enc + "z").ok());
}

TEST(MessageCoding, ArbitraryBytesNeverCrash) {
  Rng rng(42);
  std::string base = FullMessage().Encode();
  int ok = 0;
  for (int iter = 0; iter < 20000; iter++) {
    std::string s = base;
    int flips = 1 + rng.Uniform(4);
    for (int i = 0; i < flips; i++) s[rng.Uniform(s.size())] = static_cast<char>(rng.Next());
    if (rng.Chance(1, 4)) s.resize(rng.Uniform(s.size()));
    if (rng.Chance(1, 8)) {  // pure noise
      s.resize(rng.Uniform(64));
      for (char& c : s) c = static_cast<char>(rng.Next());
    }
    auto d = Message::Decode(s);
    if (d.ok()) {
      ok++;
      EXPECT_EQ(Message::Decode(d->Encode()).ok(), true);
    }
  }
  EXPECT_LT(ok, 20000);
}

TEST(MessageCoding, HugeCountsAreRejectedWithoutAllocating) {
  std::string s;
  s.push_back(1);  // version
  s.push_back(0);  // kApp
  for (int i = 0; i < 7; i++) s.push_back(0);
  s.push_back(0);                                   // flags
  s.push_back(0);                                   // reject_hint
  s.push_back(0);                                   // context ""
  s.append("\xff\xff\xff\xff\xff\xff\xff\xff\x7f");  // entry count ~2^63
  EXPECT_FALSE(Message::Decode(s).ok());
}

TEST(Quorum, CommittedIndexIsTheMajorityMedian) {
  std::map<NodeId, Index> m = {{1, 5}, {2, 3}, {3, 9}};
  auto f = [&](NodeId id) { return m.count(id) ? m[id] : 0; };
  EXPECT_EQ(QuorumCommittedIndex({1, 2, 3}, f), 5u);
  EXPECT_EQ(QuorumCommittedIndex({1, 2}, f), 3u);
  EXPECT_EQ(QuorumCommittedIndex({1}, f), 5u);
  EXPECT_EQ(QuorumCommittedIndex({1, 2, 3, 4, 5}, f), 3u);  // 4, 5 unknown count as 0
  EXPECT_EQ(QuorumCommittedIndex({}, f), 0u);
}

TEST(Quorum, VoteResult) {
  EXPECT_EQ(QuorumVoteResult({1, 2, 3}, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(QuorumVoteResult({1, 2, 3}, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(QuorumVoteResult({1, 2, 3}, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(QuorumVoteResult({1, 2, 3, 4}, {{1, true}, {2, true}, {3, false}}), VoteResult::kPending);
  EXPECT_EQ(QuorumVoteResult({1, 2, 3, 4}, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(QuorumVoteResult({1, 2, 3}, {{9, true}, {8, true}, {1, true}}), VoteResult::kPending);  // non-voters
}

TEST(Progress, ProbeSendsOneAtATimeAndBacksOffWithHint) {
  Progress pr(4);
  pr.next = 11;
  EXPECT_FALSE(pr.IsPaused());
  pr.probe_sent = true;
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_FALSE(pr.MaybeDecrTo(5, 3));  // stale: not the last probe (next - 1 == 10)
  EXPECT_TRUE(pr.MaybeDecrTo(10, 3));
  EXPECT_EQ(pr.next, 4u);
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_TRUE(pr.MaybeUpdate(7));
  EXPECT_EQ(pr.match, 7u);
  EXPECT_EQ(pr.next, 8u);
  EXPECT_FALSE(pr.MaybeUpdate(6));
}

TEST(Progress, ReplicateWindowPausesWhenFull) {
  Progress pr(2);
  pr.match = 5;
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next, 6u);
  pr.OptimisticUpdate(8);
  pr.inflights.Add(8);
  pr.OptimisticUpdate(10);
  pr.inflights.Add(10);
  EXPECT_TRUE(pr.IsPaused());
  pr.inflights.FreeLE(8);
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_FALSE(pr.MaybeDecrTo(4, 0));  // below match: stale
  EXPECT_TRUE(pr.MaybeDecrTo(9, 0));
  EXPECT_EQ(pr.next, 6u);
}

TEST(Progress, SnapshotStateResumesAfterSnapshot) {
  Progress pr(2);
  pr.BecomeSnapshot(50);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 51u);
}

std::vector<Entry> Ents(std::initializer_list<std::pair<Index, Term>> l) {
  std::vector<Entry> out;
  for (auto [i, t] : l) out.push_back(Entry{t, i, EntryType::kNormal, "e" + std::to_string(i)});
  return out;
}

TEST(RaftLog, MaybeAppendTruncatesOnlyOnConflict) {
  RaftLog log(Snapshot{}, Ents({{1, 1}, {2, 2}, {3, 2}}));
  EXPECT_FALSE(log.MaybeAppend(3, 3, Ents({{4, 3}})));  // prev term mismatch
  EXPECT_FALSE(log.MaybeAppend(4, 2, Ents({{5, 3}})));  // prev beyond last
  // A duplicate, shorter append must not truncate (Figure 2 rule 3 deletes only on conflict).
  EXPECT_EQ(*log.MaybeAppend(1, 1, Ents({{2, 2}})), 2u);
  EXPECT_EQ(log.LastIndex(), 3u);
  EXPECT_EQ(*log.MaybeAppend(1, 1, Ents({{2, 3}, {3, 3}, {4, 3}})), 4u);
  EXPECT_EQ(*log.TermAt(2), 3u);
  EXPECT_EQ(log.LastIndex(), 4u);
  EXPECT_EQ(log.stable(), 1u);  // truncation rewinds the stable mark
  EXPECT_EQ(log.UnstableEntries().size(), 3u);
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {
  RaftLog log(Snapshot{}, Ents({{1, 1}, {2, 1}, {3, 4}, {4, 4}, {5, 6}, {6, 6}}));
  EXPECT_EQ(log.FindConflictByTerm(6, 5), 4u);
  EXPECT_EQ(log.FindConflictByTerm(6, 3), 2u);
  EXPECT_EQ(log.FindConflictByTerm(6, 0), 0u);
  EXPECT_EQ(log.FindConflictByTerm(9, 6), 6u);
}

TEST(RaftLog, CompactAndRestore) {
  RaftLog log(Snapshot{}, Ents({{1, 1}, {2, 1}, {3, 2}, {4, 2}}));
  log.CommitTo(3);
  log.AppliedTo(3);
  Snapshot s;
  s.meta.index = 2;
  s.meta.term = 1;
  log.Compact(s);
  EXPECT_EQ(log.FirstIndex(), 3u);
  EXPECT_FALSE(log.TermAt(1));
  EXPECT_EQ(*log.TermAt(2), 1u);
  EXPECT_EQ(log.Slice(3, 5, 0).size(), 1u);  // max_bytes 0 still returns one entry
  Snapshot s2;
  s2.meta.index = 10;
  s2.meta.term = 5;
  log.Restore(s2);
  EXPECT_TRUE(log.snapshot_unstable());
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_FALSE(log.HasNextCommittedEntries());
}

// Pipelined Readies: entries and committed entries are handed out once; a truncation rewinds
// what was handed out so the replacement is handed out again.
TEST(RaftLog, InProgressEntriesAreHandedOutOnce) {
  RaftLog log(Snapshot{}, {});
  log.Append({Entry{1, 1, EntryType::kNormal, "a"}, Entry{1, 2, EntryType::kNormal, "b"}});
  EXPECT_EQ(log.UnstableEntries().size(), 2u);
  log.AcceptInProgress();
  EXPECT_FALSE(log.HasUnstableEntries());
  EXPECT_EQ(log.stable(), 0u);  // handed out, not yet durable
  log.Append({Entry{1, 3, EntryType::kNormal, "c"}});
  ASSERT_EQ(log.UnstableEntries().size(), 1u);
  EXPECT_EQ(log.UnstableEntries()[0].index, 3u);
  log.AcceptInProgress();
  log.Append({Entry{2, 2, EntryType::kNormal, "B"}});  // replaces 2 and 3
  EXPECT_EQ(log.in_progress(), 1u);
  ASSERT_EQ(log.UnstableEntries().size(), 1u);
  log.AcceptInProgress();
  log.StableTo(2, 1);  // the first Ready's entry 2 is gone: ignored
  EXPECT_EQ(log.stable(), 0u);
  log.StableTo(2, 2);
  EXPECT_EQ(log.stable(), 2u);
  log.CommitTo(2);
  ASSERT_EQ(log.NextCommittedEntries(1 << 20).size(), 2u);
  log.AcceptApplying(1);
  ASSERT_EQ(log.NextCommittedEntries(1 << 20).size(), 1u);
  log.AcceptApplying(2);
  EXPECT_FALSE(log.HasNextCommittedEntries());
  EXPECT_EQ(log.applied(), 0u);
  log.AppliedTo(2);
  EXPECT_FALSE(log.HasNextCommittedEntries());
}

TEST(RaftLog, UpToDate) {
  RaftLog log(Snapshot{}, Ents({{1, 1}, {2, 3}}));
  EXPECT_TRUE(log.IsUpToDate(1, 4));
  EXPECT_TRUE(log.IsUpToDate(2, 3));
  EXPECT_FALSE(log.IsUpToDate(1, 3));
  EXPECT_FALSE(log.IsUpToDate(9, 2));
}

TEST(ConfChange, CodingAndApply) {
  ConfChange cc{ConfChangeType::kAddLearner, 4, "addr"};
  auto d = ConfChange::Decode(cc.Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, cc);
  EXPECT_FALSE(ConfChange::Decode("\x07").ok());
  ConfState c{{1, 2, 3}, {}};
  c = ApplyToConfState(c, cc);
  EXPECT_EQ(c.learners, std::vector<NodeId>{4});
  c = ApplyToConfState(c, ConfChange{ConfChangeType::kAddNode, 4, ""});
  EXPECT_EQ(c.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_TRUE(c.learners.empty());
  c = ApplyToConfState(c, ConfChange{ConfChangeType::kRemoveNode, 1, ""});
  EXPECT_EQ(c.voters, (std::vector<NodeId>{2, 3, 4}));
}

TEST(SessionTable, RetriedCommandAppliesAtMostOnce) {
  // A toy counter state machine: "incr" adds one; replies carry the new value.
  SessionTable t;
  int counter = 0;
  auto apply = [&](uint64_t client, uint64_t seq) {
    std::string reply;
    switch (t.Check(client, seq, &reply)) {
      case SessionTable::Outcome::kNew:
        reply = std::to_string(++counter);
        t.Record(client, seq, reply);
        return reply;
      case SessionTable::Outcome::kDuplicate: return reply;
      case SessionTable::Outcome::kStale: return std::string("stale");
    }
    return std::string();
  };
  EXPECT_EQ(apply(1, 1), "1");
  EXPECT_EQ(apply(1, 1), "1");  // the retry committed again: not re-executed, same reply
  EXPECT_EQ(apply(2, 1), "2");
  EXPECT_EQ(apply(1, 2), "3");
  EXPECT_EQ(apply(1, 1), "stale");
  EXPECT_EQ(counter, 3);
  auto copy = SessionTable::Decode(t.Encode());
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(*copy, t);
  ClientRequest r{5, 6, "SET k v"};
  auto rd = ClientRequest::Decode(r.Encode());
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(rd->payload, "SET k v");
  EXPECT_EQ(rd->seq, 6u);
}

}  // namespace
}  // namespace redraft::raft
