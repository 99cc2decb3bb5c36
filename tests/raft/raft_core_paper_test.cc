// Tests indexed to the Raft paper (Ongaro & Ousterhout 2014), mostly Figure 2's rules, driving
// a single core with hand-written messages (etcd-io/raft raft_paper_test.go).
#include <gtest/gtest.h>

#include "core_network.h"
#include "raft/raft.h"

namespace redraft::raft {
namespace {

Config Cfg(NodeId id, int n = 3, bool pre_vote = false, bool check_quorum = false) {
  Config c;
  c.id = id;
  c.group = 7;
  for (int i = 1; i <= n; i++) c.initial_conf.voters.push_back(i);
  c.pre_vote = pre_vote;
  c.check_quorum = check_quorum;
  c.seed = id;
  return c;
}

std::vector<Entry> Ents(std::initializer_list<Term> terms, Index first = 1) {
  std::vector<Entry> out;
  for (Term t : terms) out.push_back(Entry{t, first++, EntryType::kNormal, "x"});
  return out;
}

std::unique_ptr<Raft> NewRaft(Config c, std::vector<Entry> ents = {}, HardState hs = {}) {
  RestoredState r;
  r.entries = std::move(ents);
  r.hard_state = hs;
  return std::make_unique<Raft>(c, r);
}

Message Msg(MessageType t, NodeId from, NodeId to, Term term) {
  Message m;
  m.type = t;
  m.group = 7;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

std::vector<Message> Drain(Raft& r) {
  Ready rd = r.GetReady();
  r.Advance(rd);
  return rd.messages;
}

void ElectionTimeout(Raft& r) {
  for (int i = 0; i < 2 * 10; i++) r.Tick();
}

// §5.1: "If a server receives a request with a stale term number, it rejects the request";
// "if one server's current term is smaller than the other's, then it updates its current term".
TEST(Paper, UpdateTermFromMessageForEveryRole) {
  for (Role role : {Role::kFollower, Role::kCandidate, Role::kLeader}) {
    auto r = NewRaft(Cfg(1));
    if (role != Role::kFollower) r->Campaign();
    if (role == Role::kLeader) {
      Message v = Msg(MessageType::kVoteResp, 2, 1, r->term());
      r->Step(v);
    }
    ASSERT_EQ(r->role(), role);
    r->Step(Msg(MessageType::kApp, 2, 1, 9));
    EXPECT_EQ(r->term(), 9u) << RoleName(role);
    EXPECT_EQ(r->role(), Role::kFollower) << RoleName(role);
    EXPECT_EQ(r->leader(), 2u);
  }
}

TEST(Paper, RejectsStaleTermMessages) {
  auto r = NewRaft(Cfg(1), {}, HardState{5, 0, 0});
  r->Step(Msg(MessageType::kApp, 2, 1, 4));
  EXPECT_EQ(r->leader(), kNoNode);
  EXPECT_EQ(r->term(), 5u);
  auto msgs = Drain(*r);
  // Figure 2: AppendEntries from a stale term is answered with currentTerm (whatever the options),
  // so the stale leader steps down; nothing else changes.
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, MessageType::kAppResp);
  EXPECT_EQ(msgs[0].term, 5u);
  EXPECT_EQ(msgs[0].to, 2u);
}

// Figure 2 RequestVote results: "term: currentTerm, for candidate to update itself" — a stale
// candidate is told the newer term and steps down.
TEST(Paper, StaleCandidateLearnsNewerTermFromRejection) {
  auto voter = NewRaft(Cfg(1), {}, HardState{9, 0, 0});
  Message req = Msg(MessageType::kVote, 2, 1, 4);
  voter->Step(req);
  auto msgs = Drain(*voter);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, MessageType::kVoteResp);
  EXPECT_TRUE(msgs[0].reject);
  EXPECT_EQ(msgs[0].term, 9u);
  auto cand = NewRaft(Cfg(2), {}, HardState{3, 0, 0});
  cand->Campaign();
  ASSERT_EQ(cand->term(), 4u);
  msgs[0].to = 2;
  cand->Step(msgs[0]);
  EXPECT_EQ(cand->role(), Role::kFollower);
  EXPECT_EQ(cand->term(), 9u);
}

// §5.2: servers start as followers; the leader sends heartbeats to maintain authority.
TEST(Paper, StartAsFollowerAndLeaderSendsHeartbeats) {
  auto r = NewRaft(Cfg(1));
  EXPECT_EQ(r->role(), Role::kFollower);
  r->Campaign();
  r->Step(Msg(MessageType::kVoteResp, 2, 1, 1));
  ASSERT_EQ(r->role(), Role::kLeader);
  Drain(*r);
  r->Tick();  // heartbeat_tick = 1
  auto msgs = Drain(*r);
  int hb = 0;
  for (auto& m : msgs) hb += m.type == MessageType::kHeartbeat;
  EXPECT_EQ(hb, 2);
}

// §5.2: on election timeout a follower increments its term, votes for itself, becomes candidate
// and sends RequestVote to every other server.
TEST(Paper, FollowerStartsElectionOnTimeout) {
  auto r = NewRaft(Cfg(1));
  ElectionTimeout(*r);
  EXPECT_EQ(r->role(), Role::kCandidate);
  EXPECT_EQ(r->term(), 1u);
  EXPECT_EQ(r->voted_for(), 1u);
  auto msgs = Drain(*r);
  ASSERT_EQ(msgs.size(), 2u);
  for (auto& m : msgs) {
    EXPECT_EQ(m.type, MessageType::kVote);
    EXPECT_EQ(m.term, 1u);
  }
}

// §5.2: election timeouts are chosen randomly from [T, 2T).
TEST(Paper, ElectionTimeoutIsRandomizedInRange) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    Config c = Cfg(1);
    c.seed = seed;
    auto r = NewRaft(c);
    int ticks = 0;
    while (r->role() == Role::kFollower) {
      r->Tick();
      ticks++;
      ASSERT_LT(ticks, 20);
    }
    EXPECT_GE(ticks, 10);
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 5u);
}

// §5.2: a server votes for at most one candidate per term, first-come-first-served.
TEST(Paper, VotesOncePerTerm) {
  auto r = NewRaft(Cfg(1));
  Message v2 = Msg(MessageType::kVote, 2, 1, 1);
  r->Step(v2);
  Message v3 = Msg(MessageType::kVote, 3, 1, 1);
  r->Step(v3);
  r->Step(v2);  // a retransmission to the same candidate is granted again
  auto msgs = Drain(*r);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_FALSE(msgs[0].reject);
  EXPECT_TRUE(msgs[1].reject);
  EXPECT_FALSE(msgs[2].reject);
  EXPECT_EQ(r->voted_for(), 2u);
}

// §5.2: a candidate wins with a majority, loses on a majority of rejections, else waits.
TEST(Paper, CandidateElectionOutcomes) {
  struct Case {
    int n;
    std::map<NodeId, bool> votes;
    Role want;
  } cases[] = {
      {3, {{2, true}}, Role::kLeader},
      {3, {{2, false}}, Role::kCandidate},
      {3, {{2, false}, {3, false}}, Role::kFollower},
      {5, {{2, true}, {3, true}}, Role::kLeader},
      {5, {{2, true}, {3, false}, {4, false}}, Role::kCandidate},
      {5, {{2, false}, {3, false}, {4, false}}, Role::kFollower},
  };
  for (auto& c : cases) {
    auto r = NewRaft(Cfg(1, c.n));
    r->Campaign();
    for (auto [from, yes] : c.votes) {
      Message m = Msg(MessageType::kVoteResp, from, 1, 1);
      m.reject = !yes;
      r->Step(m);
    }
    EXPECT_EQ(r->role(), c.want) << c.n;
  }
}

// §5.2: a candidate that receives AppendEntries from a leader of its term steps down.
TEST(Paper, CandidateFallsBackToFollower) {
  auto r = NewRaft(Cfg(1));
  r->Campaign();
  ASSERT_EQ(r->role(), Role::kCandidate);
  r->Step(Msg(MessageType::kApp, 2, 1, 1));
  EXPECT_EQ(r->role(), Role::kFollower);
  EXPECT_EQ(r->leader(), 2u);
  EXPECT_EQ(r->term(), 1u);
}

// §5.4.1: a voter denies its vote if its own log is more up-to-date than the candidate's.
TEST(Paper, VoterRejectsLessUpToDateCandidate) {
  struct Case {
    Index index;
    Term log_term;
    bool reject;
  } cases[] = {{3, 2, false}, {2, 2, true}, {4, 2, false}, {9, 1, true}, {1, 3, false}};
  for (auto& c : cases) {
    auto r = NewRaft(Cfg(1), Ents({1, 2, 2}));
    Message m = Msg(MessageType::kVote, 2, 1, 3);
    m.index = c.index;
    m.log_term = c.log_term;
    r->Step(m);
    auto msgs = Drain(*r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].reject, c.reject) << c.index << "/" << c.log_term;
  }
}

// §5.3: the leader appends the proposal and sends it to every follower; it commits once a
// majority acknowledged, and followers learn the commit index in later messages.
TEST(Paper, LeaderReplicatesAndCommits) {
  test::Network net(3);
  net.Campaign(1);
  ASSERT_EQ(net.raft(1).role(), Role::kLeader);
  Index before = net.raft(1).commit_index();
  ASSERT_TRUE(net.raft(1).Propose("hello").ok());
  auto msgs = net.TakeMessages();
  int apps = 0;
  for (auto& m : msgs) {
    if (m.type == MessageType::kApp && !m.entries.empty() && m.entries.back().data == "hello") apps++;
  }
  EXPECT_EQ(apps, 2);
  EXPECT_EQ(net.raft(1).commit_index(), before);  // not committed before acknowledgements
  for (auto& m : msgs) net.Deliver(m);
  net.Stabilize();
  EXPECT_EQ(net.raft(1).commit_index(), before + 1);
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(net.raft(id).commit_index(), before + 1) << id;
    EXPECT_EQ(net.node(id).applied.back(), "hello") << id;
  }
}

// §5.3: AppendEntries consistency check: the follower rejects if it lacks prev_index/prev_term,
// and answers with a hint pointing before the conflicting term.
TEST(Paper, FollowerChecksPrevEntry) {
  auto r = NewRaft(Cfg(1), Ents({1, 2, 2, 2}), HardState{2, 0, 1});
  Message m = Msg(MessageType::kApp, 2, 1, 3);
  m.index = 4;
  m.log_term = 3;
  r->Step(m);
  auto msgs = Drain(*r);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_TRUE(msgs[0].reject);
  EXPECT_EQ(msgs[0].reject_hint, 4u);  // term 2 <= 3: leader should look for term 2 at 4
  EXPECT_EQ(msgs[0].log_term, 2u);
  m.index = 4;
  m.log_term = 2;
  r->Step(m);
  msgs = Drain(*r);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_FALSE(msgs[0].reject);
  EXPECT_EQ(msgs[0].index, 4u);
}

// §5.3: a conflicting suffix is deleted and replaced by the leader's entries.
TEST(Paper, FollowerTruncatesConflictingSuffix) {
  auto r = NewRaft(Cfg(1), Ents({1, 1, 2, 2}), HardState{2, 0, 1});
  Message m = Msg(MessageType::kApp, 2, 1, 3);
  m.index = 2;
  m.log_term = 1;
  m.entries = Ents({3}, 3);
  m.commit = 3;
  r->Step(m);
  EXPECT_EQ(r->last_index(), 3u);
  EXPECT_EQ(*r->TermAt(3), 3u);
  EXPECT_EQ(r->commit_index(), 3u);
}

// §5.3 / Figure 7: whatever the followers' logs look like, the leader brings them to its own.
TEST(Paper, LeaderSyncsDivergentFollowerLogs) {
  // Leader (term 8) log of Figure 7: 1 1 1 4 4 5 5 6 6 6.
  std::vector<Term> leader_terms = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  std::vector<std::vector<Term>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},              // (a)
      {1, 1, 1, 4},                             // (b)
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},        // (c)
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},     // (d)
      {1, 1, 1, 4, 4, 4, 4},                    // (e)
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},        // (f)
  };
  for (size_t k = 0; k < followers.size(); k++) {
    test::Network net(3);
    auto to_ents = [](const std::vector<Term>& ts) {
      std::vector<Entry> out;
      for (size_t i = 0; i < ts.size(); i++) out.push_back(Entry{ts[i], i + 1, EntryType::kNormal, "t" + std::to_string(ts[i])});
      return out;
    };
    net.node(1).entries = to_ents(leader_terms);
    net.node(1).hs = HardState{7, 0, 0};
    net.node(2).entries = to_ents(followers[k]);
    net.node(2).hs = HardState{7, 0, 0};
    net.node(3).entries = to_ents(leader_terms);
    net.node(3).hs = HardState{7, 0, 0};
    for (NodeId id : {1, 2, 3}) net.Restart(id);
    net.Campaign(1);
    ASSERT_EQ(net.raft(1).role(), Role::kLeader) << k;
    ASSERT_TRUE(net.raft(1).Propose("after").ok());
    net.Stabilize();
    ASSERT_EQ(net.raft(2).last_index(), net.raft(1).last_index()) << k;
    for (Index i = 1; i <= net.raft(1).last_index(); i++) {
      EXPECT_EQ(net.raft(2).TermAt(i), net.raft(1).TermAt(i)) << "case " << k << " index " << i;
    }
  }
}

// §5.4.2 / Figure 8: a leader never commits an entry from a previous term by counting replicas.
TEST(Paper, LeaderCommitsOnlyCurrentTermEntriesByCounting) {
  auto r = NewRaft(Cfg(1), Ents({1, 2}), HardState{2, 0, 0});
  r->Campaign();  // term 3
  r->Step(Msg(MessageType::kVoteResp, 2, 1, 3));
  ASSERT_EQ(r->role(), Role::kLeader);
  Ready rd = r->GetReady();
  r->Advance(rd);  // persists the no-op at index 3
  // Follower 2 acknowledges index 2 only (the term-2 entry): a majority holds it, but it is not
  // of the current term, so it must not be committed.
  Message ack = Msg(MessageType::kAppResp, 2, 1, 3);
  ack.index = 2;
  r->Step(ack);
  EXPECT_EQ(r->commit_index(), 0u);
  ack.index = 3;  // the no-op of term 3: now everything up to 3 commits
  r->Step(ack);
  EXPECT_EQ(r->commit_index(), 3u);
}

// Figure 2 (all servers): "If commitIndex > lastApplied: apply log[lastApplied]" — committed
// entries come out of Ready exactly once and in order.
TEST(Paper, CommittedEntriesAreHandedOutOnceInOrder) {
  auto r = NewRaft(Cfg(1, 1));
  r->Campaign();
  ASSERT_EQ(r->role(), Role::kLeader);
  std::vector<Index> applied;
  for (int i = 0; i < 5; i++) {
    ASSERT_TRUE(r->Propose("p" + std::to_string(i)).ok());
    while (r->HasReady()) {
      Ready rd = r->GetReady();
      for (auto& e : rd.committed_entries) applied.push_back(e.index);
      r->Advance(rd);
    }
  }
  ASSERT_EQ(applied.size(), 6u);  // no-op + 5
  for (size_t i = 0; i < applied.size(); i++) EXPECT_EQ(applied[i], i + 1);
  EXPECT_EQ(r->applied_index(), 6u);
}

// Ready contract: a vote is in the HardState of the same Ready as the vote response message, so
// it is persisted before it is sent.
TEST(Paper, VoteIsPersistedWithItsResponse) {
  auto r = NewRaft(Cfg(1));
  r->Step(Msg(MessageType::kVote, 2, 1, 1));
  Ready rd = r->GetReady();
  ASSERT_TRUE(rd.hard_state);
  EXPECT_EQ(rd.hard_state->vote, 2u);
  EXPECT_EQ(rd.hard_state->term, 1u);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::kVoteResp);
}

}  // namespace
}  // namespace redraft::raft

namespace redraft::raft {
namespace {

// The server persists asynchronously: inputs keep arriving between GetReady() and Advance().
// Each entry must be handed out for persistence exactly once, and the leader must count only
// persisted entries towards its own acknowledgement.
TEST(ReadyContract, InputsBetweenGetReadyAndAdvance) {
  Config c;
  c.id = 1;
  c.group = 7;
  c.initial_conf.voters = {1};
  auto r = std::make_unique<Raft>(c, RestoredState{});
  r->Campaign();
  ASSERT_EQ(r->role(), Role::kLeader);
  Ready rd1 = r->GetReady();
  ASSERT_EQ(rd1.entries.size(), 1u);  // the no-op
  ASSERT_TRUE(r->Propose("a").ok());  // arrives while rd1 is being persisted
  EXPECT_EQ(r->commit_index(), 0u);   // nothing persisted yet: nothing committed
  r->Advance(rd1);
  EXPECT_EQ(r->commit_index(), 1u);   // the no-op is durable: committed (single voter)
  Ready rd2 = r->GetReady();
  ASSERT_EQ(rd2.entries.size(), 1u);
  EXPECT_EQ(rd2.entries[0].data, "a");
  ASSERT_EQ(rd2.committed_entries.size(), 1u);
  EXPECT_EQ(rd2.committed_entries[0].index, 1u);
  r->Advance(rd2);
  Ready rd3 = r->GetReady();
  EXPECT_TRUE(rd3.entries.empty());
  ASSERT_EQ(rd3.committed_entries.size(), 1u);
  EXPECT_EQ(rd3.committed_entries[0].data, "a");
  r->Advance(rd3);
  EXPECT_FALSE(r->HasReady());
  EXPECT_EQ(r->applied_index(), 2u);
}

}  // namespace
}  // namespace redraft::raft
