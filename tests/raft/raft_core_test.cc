// Scenario tests over an in-process cluster (tests/raft/core_network.h): the scenarios listed in
// docs/testing.md, plus PreVote, CheckQuorum, ReadIndex, leadership transfer, membership and
// snapshots. Default config: PreVote and CheckQuorum on, ReadIndex "safe".
#include <gtest/gtest.h>

#include "core_network.h"

namespace redraft::raft {
namespace {

using test::Network;

NodeId ElectOne(Network& net, NodeId id) {
  net.Campaign(id);
  EXPECT_EQ(net.raft(id).role(), Role::kLeader);
  return id;
}

int CountLeaders(Network& net) {
  int n = 0;
  for (NodeId id : net.ids()) n += net.node(id).up && net.raft(id).role() == Role::kLeader;
  return n;
}

TEST(Election, NormalElectionByTimeout) {
  Network net(3);
  net.TickAll(25);
  ASSERT_EQ(CountLeaders(net), 1);
  NodeId lead = net.Leader();
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(net.raft(id).leader(), lead);
    EXPECT_EQ(net.raft(id).term(), net.raft(lead).term());
  }
}

TEST(Election, LeaderDeathElectsNewLeader) {
  Network net(3);
  ElectOne(net, 1);
  Term t = net.raft(1).term();
  net.Crash(1);
  net.TickAll(30);
  NodeId lead = net.Leader();
  ASSERT_NE(lead, kNoNode);
  ASSERT_NE(lead, 1u);
  EXPECT_GT(net.raft(lead).term(), t);
}

TEST(Election, SplitVotesResolve) {
  // Four voters; 1 and 2 campaign at once and 3 and 4 each vote for one of them: nobody wins
  // this term. The randomized timeouts then break the tie.
  Network net(4, [](Config* c) { c->pre_vote = false; });
  net.raft(1).Campaign();
  net.raft(2).Campaign();
  auto msgs = net.TakeMessages();
  // Deliver 1's requests to 3 first and 2's to 4 first.
  std::vector<Message> later;
  for (auto& m : msgs) {
    bool first = (m.from == 1 && m.to == 3) || (m.from == 2 && m.to == 4);
    if (first) net.Deliver(m); else later.push_back(m);
  }
  for (auto& m : later) net.Deliver(m);
  net.Stabilize();
  EXPECT_EQ(CountLeaders(net), 0);  // split vote
  net.TickAll(40);
  EXPECT_EQ(CountLeaders(net), 1);
}

TEST(Replication, FollowersConvergeAndApplyCommitted) {
  Network net(5);
  ElectOne(net, 1);
  net.Cut(1, 5);
  for (int i = 0; i < 20; i++) ASSERT_TRUE(net.raft(1).Propose("v" + std::to_string(i)).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(1).applied.size(), 20u);
  EXPECT_TRUE(net.node(5).applied.empty());
  net.Heal();
  net.TickAll(3);
  for (NodeId id : {1, 2, 3, 4, 5}) {
    EXPECT_EQ(net.raft(id).last_index(), net.raft(1).last_index()) << id;
    EXPECT_EQ(net.raft(id).commit_index(), net.raft(1).commit_index()) << id;
    EXPECT_EQ(net.node(id).applied, net.node(1).applied) << id;
  }
}

TEST(Replication, BatchingAndPipeliningRespectLimits) {
  Network net(3, [](Config* c) {
    c->max_size_per_msg = 100;
    c->max_inflight_msgs = 3;
  });
  ElectOne(net, 1);
  for (int i = 0; i < 50; i++) ASSERT_TRUE(net.raft(1).Propose(std::string(30, 'a' + i % 26)).ok());
  auto msgs = net.TakeMessages();
  int apps_to_2 = 0;
  for (auto& m : msgs) {
    if (m.type != MessageType::kApp || m.to != 2) continue;
    apps_to_2++;
    size_t bytes = 0;
    for (auto& e : m.entries) bytes += e.data.size();
    EXPECT_LE(bytes, 100u);
  }
  EXPECT_EQ(apps_to_2, 3);  // window of 3 in flight, then wait for acks
  for (auto& m : msgs) net.Deliver(m);
  net.Stabilize();
  EXPECT_EQ(net.node(2).applied.size(), 50u);
}

TEST(Replication, LaggingNodeCatchesUpByLog) {
  Network net(3);
  ElectOne(net, 1);
  net.Crash(3);
  for (int i = 0; i < 30; i++) ASSERT_TRUE(net.raft(1).Propose("x" + std::to_string(i)).ok());
  net.Stabilize();
  net.Restart(3);
  net.TickAll(3);
  EXPECT_EQ(net.node(3).applied, net.node(1).applied);
  EXPECT_EQ(net.node(3).applied.size(), 30u);
}

TEST(Replication, LaggingNodeCatchesUpBySnapshot) {
  Network net(3);
  ElectOne(net, 1);
  net.Crash(3);
  for (int i = 0; i < 30; i++) ASSERT_TRUE(net.raft(1).Propose("x" + std::to_string(i)).ok());
  net.Stabilize();
  Index applied = net.raft(1).applied_index();
  ASSERT_TRUE(net.raft(1).Compact(applied, "state-at-" + std::to_string(applied)).ok());
  EXPECT_EQ(net.raft(1).first_index(), applied + 1);
  ASSERT_TRUE(net.raft(1).Propose("after-snap").ok());
  net.Stabilize();
  net.Restart(3);
  int snaps = 0;
  net.AddFilter([&](const Message& m) {
    snaps += m.type == MessageType::kSnapshot;
    return false;
  });
  net.TickAll(3);
  EXPECT_EQ(snaps, 1);
  EXPECT_EQ(net.node(3).snap.meta.index, applied);
  EXPECT_EQ(net.node(3).snap.data, "state-at-" + std::to_string(applied));
  EXPECT_EQ(net.node(3).snap.meta.conf.voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(net.node(3).applied.back(), "after-snap");
  EXPECT_EQ(net.raft(3).commit_index(), net.raft(1).commit_index());
  // The leader resumed normal replication with it.
  ASSERT_TRUE(net.raft(1).Propose("again").ok());
  net.Stabilize();
  EXPECT_EQ(net.node(3).applied.back(), "again");
  EXPECT_EQ(net.raft(1).GetProgress(3)->state, ProgressState::kReplicate);
}

TEST(Replication, StaleLeaderIsDeposedAndItsUncommittedEntriesDiscarded) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).Propose("committed").ok());
  net.Stabilize();
  net.Isolate(1);
  ASSERT_TRUE(net.raft(1).Propose("lost-1").ok());
  ASSERT_TRUE(net.raft(1).Propose("lost-2").ok());
  net.Stabilize();
  // 2 and 3 still honour 1's lease (CheckQuorum) for an election timeout, then elect a leader.
  net.Tick(1, 5);  // 1 not yet stepped down: it still believes it leads
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  for (int i = 0; i < 30 && net.raft(2).role() != Role::kLeader && net.raft(3).role() != Role::kLeader; i++) {
    net.Tick(2);
    net.Tick(3);
    net.Stabilize();
  }
  NodeId lead = net.raft(2).role() == Role::kLeader ? 2 : 3;
  ASSERT_EQ(net.raft(lead).role(), Role::kLeader);
  ASSERT_TRUE(net.raft(lead).Propose("new").ok());
  net.Stabilize();
  net.Heal();
  net.TickAll(3);
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.raft(1).leader(), lead);
  std::vector<std::string> want = {"committed", "new"};
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(net.node(id).applied, want) << id;
  for (Index i = 1; i <= net.raft(lead).last_index(); i++) EXPECT_EQ(net.raft(1).TermAt(i), net.raft(lead).TermAt(i));
}

TEST(Election, CandidateMissingCommittedEntriesCannotWin) {
  Network net(3);
  ElectOne(net, 1);
  net.Isolate(3);
  ASSERT_TRUE(net.raft(1).Propose("c").ok());
  net.Stabilize();
  ASSERT_EQ(net.node(1).applied.size(), 1u);  // committed by 1 and 2
  net.Heal();
  net.Crash(1);
  // 3 lacks the committed entry; 2 has it and refuses to vote for 3.
  for (int i = 0; i < 5; i++) net.Campaign(3);
  EXPECT_NE(net.raft(3).role(), Role::kLeader);
  net.TickAll(40);
  EXPECT_EQ(net.Leader(), 2u);
}

// Figure 8 of the paper, end to end on five nodes: an entry from an old term that reaches a
// majority is NOT committed by counting replicas, and indeed a later leader overwrites it.
TEST(Replication, Figure8OldTermEntryOnMajorityIsNotCommitted) {
  Network net(5, [](Config* c) {
    c->pre_vote = false;
    c->check_quorum = false;
    c->max_size_per_msg = 1;  // one non-empty entry per MsgApp: acknowledgements can stop in between
  });
  ElectOne(net, 1);
  // (a) S1 replicates "x" to S2 only.
  for (NodeId b : {3, 4, 5}) net.Cut(1, b);
  ASSERT_TRUE(net.raft(1).Propose("xx").ok());
  net.Stabilize();
  ASSERT_EQ(net.raft(2).last_index(), 2u);
  Term x_term = *net.raft(1).TermAt(2);
  // (b) S1 crashes; S5 wins with S3 and S4 and appends its no-op at index 2, only locally.
  net.Heal();
  net.Crash(1);
  net.AddFilter([](const Message& m) { return m.from == 5 && m.type == MessageType::kApp; });
  ElectOne(net, 5);
  Term s5_term = net.raft(5).term();
  ASSERT_EQ(*net.raft(5).TermAt(2), s5_term);
  net.Crash(5);
  net.Heal();
  // (c) S1 restarts and wins (S2, S3, S4 vote for it); it replicates its old-term entry at 2 to
  // S3 and S4 but not the no-op of its own term at 3.
  net.Restart(1);
  net.AddFilter([&net](const Message& m) {
    // Let S3/S4 reject the first probe (they lack index 2) and take index 2; drop index 3.
    return m.from == 1 && (m.to == 3 || m.to == 4) && m.type == MessageType::kApp && !m.entries.empty() &&
           m.entries.back().index >= 3 && net.raft(m.to).last_index() >= 2;
  });
  for (int i = 0; i < 5 && net.raft(1).role() != Role::kLeader; i++) net.Campaign(1);
  ASSERT_EQ(net.raft(1).role(), Role::kLeader);
  ASSERT_GT(net.raft(1).term(), s5_term);
  EXPECT_EQ(net.raft(3).TermAt(2), x_term);
  EXPECT_EQ(net.raft(4).TermAt(2), x_term);  // "x" is on 4 of 5 nodes...
  EXPECT_EQ(net.raft(1).commit_index(), 1u);  // ...yet not committed: it is not of S1's term
  // (d) S1 crashes; S5 comes back and, with its more recent last term, wins and overwrites "x".
  net.Crash(1);
  net.Heal();
  net.Restart(5);
  for (int i = 0; i < 10 && net.raft(5).role() != Role::kLeader; i++) net.Campaign(5);
  ASSERT_EQ(net.raft(5).role(), Role::kLeader);
  net.Stabilize();
  for (NodeId id : {2, 3, 4, 5}) {
    EXPECT_EQ(net.raft(id).TermAt(2), s5_term) << id;
    for (const std::string& a : net.node(id).applied) EXPECT_NE(a, "xx") << id;
  }
}

TEST(Replication, MinorityPartitionCommitsNothing) {
  Network net(5);
  ElectOne(net, 1);
  Index commit = net.raft(1).commit_index();
  for (NodeId a : {1, 2})
    for (NodeId b : {3, 4, 5}) net.Cut(a, b);
  ASSERT_TRUE(net.raft(1).Propose("minority").ok());
  net.TickAll(5);
  EXPECT_EQ(net.raft(1).commit_index(), commit);
  EXPECT_EQ(net.raft(2).commit_index(), commit);
  net.TickAll(40);
  // The majority side elects a leader and commits; the old leader stepped down (CheckQuorum).
  NodeId lead = net.Leader();
  ASSERT_TRUE(lead == 3 || lead == 4 || lead == 5) << lead;
  EXPECT_NE(net.raft(1).role(), Role::kLeader);
  ASSERT_TRUE(net.raft(lead).Propose("majority").ok());
  net.Stabilize();
  EXPECT_EQ(net.node(lead).applied.back(), "majority");
  EXPECT_TRUE(net.node(1).applied.empty());
}

TEST(PreVote, RejoiningPartitionedNodeDoesNotDisrupt) {
  Network net(3);
  ElectOne(net, 1);
  Term t = net.raft(1).term();
  net.Isolate(3);
  net.TickAll(100);  // 3 keeps timing out, but pre-votes never succeed: its term stays
  EXPECT_EQ(net.raft(3).term(), t);
  net.Heal();
  net.TickAll(10);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  EXPECT_EQ(net.raft(1).term(), t);
  EXPECT_EQ(net.raft(3).leader(), 1u);
}

TEST(PreVote, WithoutPreVoteRejoiningNodeDisrupts) {
  // The counterfactual: it is PreVote that prevents the disruption above.
  Network net(3, [](Config* c) {
    c->pre_vote = false;
    c->check_quorum = false;
  });
  ElectOne(net, 1);
  Term t = net.raft(1).term();
  net.Isolate(3);
  net.TickAll(100);
  EXPECT_GT(net.raft(3).term(), t);
  net.Heal();
  net.TickAll(30);
  EXPECT_GT(net.raft(net.Leader()).term(), t + 1);
}

TEST(CheckQuorum, IsolatedLeaderStepsDown) {
  Network net(3);
  ElectOne(net, 1);
  net.Isolate(1);
  net.TickAll(9);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  net.TickAll(12);  // at most two election timeouts
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_TRUE(net.raft(1).Propose("x").IsNotFound() || !net.raft(1).Propose("x").ok());
}

TEST(CheckQuorum, FollowersWithLiveLeaderIgnoreVotes) {
  Network net(3, [](Config* c) { c->pre_vote = false; });
  ElectOne(net, 1);
  Term t = net.raft(1).term();
  net.Campaign(3);  // 3 bumps its term and asks for votes: 1 and 2 heard from 1 recently
  EXPECT_EQ(net.raft(2).voted_for(), 1u);
  EXPECT_EQ(net.raft(2).term(), t);
  EXPECT_NE(net.raft(3).role(), Role::kLeader);
}

std::vector<ReadState> Reads(Network& net, NodeId id) { return net.node(id).reads; }

TEST(ReadIndex, OnLeaderAfterHeartbeatQuorum) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).Propose("a").ok());
  net.Stabilize();
  Index commit = net.raft(1).commit_index();
  ASSERT_TRUE(net.raft(1).ReadIndex("r1").ok());
  ASSERT_TRUE(net.raft(1).ReadIndex("r2").ok());
  auto msgs = net.TakeMessages();
  EXPECT_TRUE(Reads(net, 1).empty());  // not before a heartbeat quorum
  int hb = 0;
  for (auto& m : msgs) hb += m.type == MessageType::kHeartbeat;
  EXPECT_EQ(hb, 2);  // one round for r1; r2 waits for the next round (batching)
  for (auto& m : msgs) net.Deliver(m);
  net.Stabilize();
  auto reads = Reads(net, 1);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0], (ReadState{commit, "r1"}));
  EXPECT_EQ(reads[1], (ReadState{commit, "r2"}));
}

TEST(ReadIndex, ForwardedFromFollower) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).Propose("a").ok());
  net.Stabilize();
  ASSERT_TRUE(net.raft(2).ReadIndex("f1").ok());
  net.Stabilize();
  auto reads = Reads(net, 2);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0], (ReadState{net.raft(1).commit_index(), "f1"}));
  EXPECT_TRUE(Reads(net, 1).empty());
}

TEST(ReadIndex, WaitsForCurrentTermCommit) {
  Network net(3, [](Config* c) { c->check_quorum = false; });  // no lease: 2 can take over at once
  ElectOne(net, 1);
  net.Stabilize();
  // New leader 2 whose no-op is not yet committed: the read must wait for it.
  net.Crash(1);
  net.raft(2).Campaign();
  for (int i = 0; i < 10 && net.raft(2).role() != Role::kLeader; i++) {
    for (auto& m : net.TakeMessages()) net.Deliver(m);  // pre-votes, votes -> 2 leads
  }
  while (net.raft(2).HasReady()) net.HandleReady(2);
  ASSERT_EQ(net.raft(2).role(), Role::kLeader);
  ASSERT_LT(net.raft(2).commit_index(), net.raft(2).last_index());
  ASSERT_TRUE(net.raft(2).ReadIndex("early").ok());
  net.Stabilize();
  auto reads = Reads(net, 2);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].index, net.raft(2).last_index());  // includes the no-op
}

// TakeReadStates hands a read index out ahead of the Ready that carries new, unpersisted
// entries: the index is the commit index, which covers only entries durable here, not them.
TEST(ReadIndex, TakenAheadOfTheReadyBeingPersisted) {
  Network net(1);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).Propose("a").ok());
  net.Stabilize();
  Index commit = net.raft(1).commit_index();
  ASSERT_TRUE(net.raft(1).Propose("b").ok());  // appended, not yet persisted: not committed
  ASSERT_TRUE(net.raft(1).ReadIndex("r").ok());
  EXPECT_EQ(net.raft(1).commit_index(), commit);
  std::vector<ReadState> taken = net.raft(1).TakeReadStates();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0], (ReadState{commit, "r"}));
  EXPECT_LT(taken[0].index, net.raft(1).last_index());
  ASSERT_TRUE(net.raft(1).HasReady());
  Ready rd = net.raft(1).GetReady();
  EXPECT_TRUE(rd.read_states.empty());  // taken once
  EXPECT_FALSE(rd.entries.empty());
  EXPECT_TRUE(net.raft(1).TakeReadStates().empty());
}

TEST(ReadIndex, DeposedLeaderDoesNotServe) {
  Network net(3);
  ElectOne(net, 1);
  net.Isolate(1);
  ASSERT_TRUE(net.raft(1).ReadIndex("stale").ok());
  net.TickAll(40);  // 2 or 3 take over; 1 steps down
  EXPECT_TRUE(Reads(net, 1).empty());
  EXPECT_NE(net.raft(1).role(), Role::kLeader);
  net.Heal();
  net.TickAll(5);
  EXPECT_TRUE(Reads(net, 1).empty());  // the pending request was dropped, not answered late
}

TEST(ReadIndex, LeaseBasedIsServedWithoutARound) {
  Network net(3, [](Config* c) { c->read_only_option = ReadOnlyOption::kLeaseBased; });
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).ReadIndex("lease").ok());
  auto msgs = net.TakeMessages();
  for (auto& m : msgs) EXPECT_NE(m.type, MessageType::kHeartbeat);
  ASSERT_EQ(Reads(net, 1).size(), 1u);
  EXPECT_EQ(Reads(net, 1)[0].index, net.raft(1).commit_index());
}

TEST(ReadIndex, FollowerWithoutLeaderFails) {
  Network net(3);
  EXPECT_FALSE(net.raft(2).ReadIndex("x").ok());
}

TEST(Transfer, LeadershipTransferToUpToDateFollower) {
  Network net(3);
  ElectOne(net, 1);
  net.Cut(1, 3);
  ASSERT_TRUE(net.raft(1).Propose("a").ok());
  net.Stabilize();
  net.Heal();
  // 3 is behind: the leader catches it up first, then sends MsgTimeoutNow.
  ASSERT_TRUE(net.raft(1).TransferLeadership(3).ok());
  EXPECT_FALSE(net.raft(1).Propose("refused").ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(3).role(), Role::kLeader);
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.raft(1).leader(), 3u);
  ASSERT_TRUE(net.raft(3).Propose("b").ok());
  net.Stabilize();
  EXPECT_EQ(net.node(1).applied, (std::vector<std::string>{"a", "b"}));
}

TEST(Transfer, AbortedAfterElectionTimeout) {
  Network net(3);
  ElectOne(net, 1);
  net.Isolate(3);  // the transferee never answers; 1 and 2 keep a quorum
  ASSERT_TRUE(net.raft(1).TransferLeadership(3).ok());
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  EXPECT_FALSE(net.raft(1).Propose("x").ok());
  net.TickAll(10);
  EXPECT_EQ(net.raft(1).lead_transferee(), kNoNode);
  EXPECT_EQ(net.raft(1).role(), Role::kLeader);
  EXPECT_TRUE(net.raft(1).Propose("x").ok());
}

TEST(Membership, LearnerCatchesUpAndIsPromoted) {
  Network net(3, nullptr, {4});
  ElectOne(net, 1);
  for (int i = 0; i < 5; i++) ASSERT_TRUE(net.raft(1).Propose("e" + std::to_string(i)).ok());
  net.Stabilize();
  EXPECT_EQ(net.node(4).applied, net.node(1).applied);
  EXPECT_TRUE(net.raft(1).GetProgress(4)->is_learner);
  // A learner never campaigns and does not count towards the quorum.
  net.Tick(4, 50);
  net.Stabilize();
  EXPECT_EQ(net.raft(4).role(), Role::kFollower);
  net.Isolate(2);
  net.Isolate(3);
  ASSERT_TRUE(net.raft(1).Propose("needs-a-voter").ok());
  net.Stabilize();
  EXPECT_NE(net.node(1).applied.back(), "needs-a-voter");
  net.Heal();
  net.Stabilize();
  ASSERT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kAddNode, 4, ""}).ok());
  net.Stabilize();
  net.TickAll(1);
  EXPECT_EQ(net.raft(1).conf().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(net.raft(4).conf().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_FALSE(net.raft(1).GetProgress(4)->is_learner);
  // Now 4 counts: with 2 and 3 down, 1 and 4 are only 2 of 4 voters -> no commit; with 3 back, yes.
  net.Isolate(2);
  ASSERT_TRUE(net.raft(1).Propose("q").ok());
  net.Stabilize();
  EXPECT_EQ(net.node(4).applied.back(), "q");
}

TEST(Membership, OneChangeAtATime) {
  Network net(3);
  ElectOne(net, 1);
  net.Isolate(2);
  net.Isolate(3);
  ASSERT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  EXPECT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kAddLearner, 5, ""}).code() == Status::Code::kBusy);
  net.Heal();
  net.Stabilize();
  EXPECT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kAddLearner, 5, ""}).ok());
  EXPECT_FALSE(net.raft(1).ProposeConfChange({ConfChangeType::kAddLearner, 1, ""}).ok());
}

TEST(Membership, RemovedLeaderStepsDownAndOthersContinue) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kRemoveNode, 1, ""}).ok());
  net.Stabilize();
  EXPECT_NE(net.raft(1).role(), Role::kLeader);
  EXPECT_EQ(net.raft(2).conf().voters, (std::vector<NodeId>{2, 3}));
  // The departing leader handed off with MsgTimeoutNow: a successor exists without any tick.
  NodeId successor = net.Leader();
  EXPECT_TRUE(successor == 2 || successor == 3) << successor;
  net.TickAll(30);
  NodeId lead = net.Leader();
  ASSERT_TRUE(lead == 2 || lead == 3) << lead;
  ASSERT_TRUE(net.raft(lead).Propose("after-removal").ok());
  net.Stabilize();
  EXPECT_EQ(net.node(2).applied.back(), "after-removal");
  EXPECT_EQ(net.node(3).applied.back(), "after-removal");
  // The removed node never campaigns again.
  net.Tick(1, 50);
  net.Stabilize();
  EXPECT_EQ(net.raft(1).role(), Role::kFollower);
  EXPECT_EQ(net.raft(lead).role(), Role::kLeader);
}

TEST(Membership, RemovingAFollowerShrinksTheQuorum) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).ProposeConfChange({ConfChangeType::kRemoveNode, 3, ""}).ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(1).GetProgress(3), nullptr);
  net.Crash(3);
  net.Cut(1, 2);
  ASSERT_TRUE(net.raft(1).Propose("x").ok());
  net.Stabilize();
  EXPECT_TRUE(net.node(1).applied.empty());  // needs 2 of {1,2}
  net.Heal();
  net.TickAll(2);
  EXPECT_EQ(net.node(1).applied.back(), "x");
}

TEST(Restart, CrashedNodeRejoinsFromDurableState) {
  Network net(3);
  ElectOne(net, 1);
  for (int i = 0; i < 10; i++) ASSERT_TRUE(net.raft(1).Propose("a" + std::to_string(i)).ok());
  net.Stabilize();
  HardState before = net.raft(2).hard_state();
  net.Crash(2);
  for (int i = 0; i < 10; i++) ASSERT_TRUE(net.raft(1).Propose("b" + std::to_string(i)).ok());
  net.Stabilize();
  net.Restart(2);
  EXPECT_EQ(net.raft(2).term(), before.term);
  EXPECT_EQ(net.raft(2).voted_for(), before.vote);
  EXPECT_EQ(net.raft(2).commit_index(), before.commit);
  net.node(2).applied.clear();
  net.node(2).sm_applied = 0;
  net.Restart(2);  // state machine lost too: everything is re-applied from the log
  net.TickAll(3);
  EXPECT_EQ(net.node(2).applied, net.node(1).applied);
  EXPECT_EQ(net.node(2).applied.size(), 20u);
}

TEST(Restart, FollowerWithWipedDataIsResentTheLogWithoutCrashing) {
  Network net(3);
  ElectOne(net, 1);
  for (int i = 0; i < 10; i++) ASSERT_TRUE(net.raft(1).Propose("a" + std::to_string(i)).ok());
  net.Stabilize();
  Index last = net.raft(1).last_index();
  ASSERT_EQ(net.raft(1).GetProgress(3)->match, last);
  // Node 3 restarts with an empty data directory under the same id.
  net.Crash(3);
  net.node(3) = test::TestNode{};
  net.Restart(3);
  net.TickAll(1);  // a heartbeat claims commit = old match > 3's (empty) log: 3 commits nothing
  net.TickAll(2);
  EXPECT_EQ(net.raft(3).last_index(), last);
  EXPECT_EQ(net.raft(3).commit_index(), net.raft(1).commit_index());
  EXPECT_EQ(net.node(3).applied, net.node(1).applied);
  EXPECT_EQ(net.raft(1).GetProgress(3)->match, last);
}

TEST(Restart, WholeClusterRestartKeepsCommittedData) {
  Network net(3);
  ElectOne(net, 1);
  ASSERT_TRUE(net.raft(1).Propose("durable").ok());
  net.Stabilize();
  for (NodeId id : {1, 2, 3}) net.Crash(id);
  for (NodeId id : {1, 2, 3}) {
    net.node(id).applied.clear();
    net.node(id).sm_applied = 0;
    net.Restart(id);
  }
  net.TickAll(30);
  ASSERT_NE(net.Leader(), kNoNode);
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(net.node(id).applied, std::vector<std::string>{"durable"}) << id;
}

}  // namespace
}  // namespace redraft::raft

namespace redraft::raft {
namespace {

TEST(Api, StepRejectsOtherGroupsAndNodes) {
  test::Network net(3);
  Message m;
  m.type = MessageType::kHeartbeat;
  m.group = 99;
  m.from = 2;
  m.to = 1;
  m.term = 5;
  EXPECT_FALSE(net.raft(1).Step(m).ok());
  EXPECT_EQ(net.raft(1).term(), 0u);
  m.group = 7;
  m.to = 3;
  EXPECT_FALSE(net.raft(1).Step(m).ok());
}

TEST(Api, StepRejectsMalformedEntries) {
  test::Network net(3);
  Message m;
  m.type = MessageType::kApp;
  m.group = 7;
  m.from = 2;
  m.to = 1;
  m.term = 3;
  m.index = 0;
  m.entries = {Entry{3, 2, EntryType::kNormal, "gap"}};  // should be index 1
  EXPECT_FALSE(net.raft(1).Step(m).ok());
  m.entries = {Entry{4, 1, EntryType::kNormal, "future term"}};
  EXPECT_FALSE(net.raft(1).Step(m).ok());
  m.entries = {Entry{3, 1, EntryType::kNormal, "ok"}};
  EXPECT_TRUE(net.raft(1).Step(m).ok());
  EXPECT_EQ(net.raft(1).last_index(), 1u);
}

TEST(Api, PeerStatusesAndReportUnreachable) {
  test::Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.raft(1).Propose("a").ok());
  net.Stabilize();
  auto peers = net.raft(1).PeerStatuses();
  ASSERT_EQ(peers.size(), 3u);
  for (const PeerStatus& p : peers) {
    EXPECT_EQ(p.progress.match, net.raft(1).last_index()) << p.id;
    EXPECT_EQ(p.progress.state, ProgressState::kReplicate) << p.id;
  }
  net.raft(1).ReportUnreachable(2);
  EXPECT_EQ(net.raft(1).GetProgress(2)->state, ProgressState::kProbe);
  EXPECT_TRUE(net.raft(2).PeerStatuses().empty());  // followers track no progress
  // The leader probes and returns to replicating once the follower answers.
  ASSERT_TRUE(net.raft(1).Propose("b").ok());
  net.Stabilize();
  EXPECT_EQ(net.raft(1).GetProgress(2)->state, ProgressState::kReplicate);
  EXPECT_EQ(net.node(2).applied.back(), "b");
}

TEST(Api, ProposalsOnlyOnTheLeader) {
  test::Network net(3);
  EXPECT_FALSE(net.raft(1).Propose("x").ok());
  net.Campaign(1);
  EXPECT_FALSE(net.raft(2).Propose("x").ok());
  EXPECT_FALSE(net.raft(2).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).ok());
  EXPECT_FALSE(net.raft(2).TransferLeadership(3).ok());
  EXPECT_TRUE(net.raft(1).Propose("x").ok());
}

}  // namespace
}  // namespace redraft::raft
