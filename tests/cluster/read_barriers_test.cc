#include "cluster/read_barriers.h"

#include <gtest/gtest.h>

#include "cluster/errors.h"

namespace redraft::cluster {
namespace {

// A node as the barriers see it: a leader that may be unreachable, an apply index, and the answers.
struct FakeNode {
  bool reachable = true;
  bool read_index_ok = true;
  uint64_t applied = 0;
  std::vector<std::string> asked;               // ReadIndex contexts, in order
  std::vector<uint64_t> ready;                   // tokens told to run
  std::vector<std::pair<uint64_t, std::string>> failed;

  ReadBarriers Make(int64_t timeout_ms = 1000, int64_t hold_ms = 500) {
    return ReadBarriers(ReadBarriers::Env{
                            .self_id = [] { return uint64_t{7}; },
                            .leader_reachable = [this] { return reachable; },
                            .read_index =
                                [this](const std::string& ctx) {
                                  asked.push_back(ctx);
                                  return read_index_ok ? Status::OK() : Status::InvalidArgument("no");
                                },
                            .applied_index = [this] { return applied; },
                            .fail = [this](uint64_t t, const Status& e) { failed.emplace_back(t, ErrorReply(e)); },
                            .ready = [this](uint64_t t) { ready.push_back(t); },
                        },
                        timeout_ms, hold_ms);
  }
};

std::vector<raft::ReadState> States(const std::string& ctx, raft::Index index) {
  raft::ReadState rs;
  rs.context = ctx;
  rs.index = index;
  return {rs};
}

TEST(ReadBarriers, OneRequestPerIterationAndReadyOnlyOnceApplied) {
  FakeNode n;
  ReadBarriers r = n.Make();
  r.Add(1);
  r.Add(2);
  r.Flush();
  r.Flush();  // nothing new: no second request
  ASSERT_EQ(n.asked, std::vector<std::string>{"7:1"});
  auto st = States("7:1", 5);
  n.applied = 4;
  r.OnReadStates(st);
  EXPECT_TRUE(n.ready.empty());  // the apply has not reached the read index
  n.applied = 5;
  r.Serve();
  EXPECT_EQ(n.ready, (std::vector<uint64_t>{1, 2}));
  r.Serve();
  EXPECT_EQ(n.ready.size(), 2u);  // answered once
  EXPECT_TRUE(n.failed.empty());
}

TEST(ReadBarriers, HeldWithoutLeaderThenAskedOrFailedAsNotExecuted) {
  FakeNode n;
  ReadBarriers r = n.Make(1000, 0);
  n.reachable = false;
  r.Add(1);
  r.Flush();
  EXPECT_TRUE(n.asked.empty());
  n.reachable = true;
  r.ReleaseHeld();
  r.Flush();
  EXPECT_EQ(n.asked.size(), 1u);

  n.reachable = false;
  r.Add(2);
  r.Flush();
  r.Sweep(INT64_MAX);  // hold deadline passed: never asked, so CLUSTERDOWN
  ASSERT_EQ(n.failed.size(), 2u);  // the waiting one timed out too
  EXPECT_EQ(n.failed[0], (std::pair<uint64_t, std::string>{2, ErrorReply(NoLeaderError())}));
  EXPECT_EQ(n.failed[1], (std::pair<uint64_t, std::string>{1, ErrorReply(ReadTimeoutError())}));
}

TEST(ReadBarriers, LeaderChangeAsksAgainAndStaleAnswersAreIgnored) {
  FakeNode n;
  ReadBarriers r = n.Make();
  r.Add(1);
  r.Flush();
  r.OnLeaderChanged();
  r.ReleaseHeld();
  r.Flush();
  ASSERT_EQ(n.asked, (std::vector<std::string>{"7:1", "7:2"}));
  n.applied = 10;
  auto stale = States("7:1", 3);
  r.OnReadStates(stale);
  EXPECT_TRUE(n.ready.empty());
  auto fresh = States("7:2", 9);
  r.OnReadStates(fresh);
  EXPECT_EQ(n.ready, std::vector<uint64_t>{1});
}

TEST(ReadBarriers, RefusedRequestAndDivergenceFailEveryBarrier) {
  FakeNode n;
  ReadBarriers r = n.Make();
  n.read_index_ok = false;
  r.Add(1);
  r.Flush();
  n.read_index_ok = true;
  r.Add(2);
  r.Flush();
  r.FailWaiting(Status::Corruption("DIVERGED x"));
  ASSERT_EQ(n.failed.size(), 2u);
  EXPECT_EQ(n.failed[0].second, ErrorReply(NoLeaderError()));
  EXPECT_EQ(n.failed[1].second, "-DIVERGED x\r\n");
}

}  // namespace
}  // namespace redraft::cluster
