#include "observability/slowlog.h"

#include <gtest/gtest.h>

#include "observability/latency_monitor.h"
#include "observability/registry.h"
#include "observability/slow_args.h"

namespace redraft::observability {
namespace {

std::vector<std::string> Truncated(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  SlowLog::TruncateArgs(argv, &out);
  return out;
}

TEST(SlowLog, KeepsNewestFirstWithinMaxLen) {
  SlowLog log;
  log.Configure(0, 3);
  for (int i = 0; i < 5; i++) log.Push().duration_us = static_cast<uint64_t>(i);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.newest(0).duration_us, 4u);
  EXPECT_EQ(log.newest(0).id, 4u);
  EXPECT_EQ(log.newest(2).duration_us, 2u);
  log.Configure(0, 2);  // shrinking keeps the newest
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log.newest(0).id, 4u);
  EXPECT_EQ(log.newest(1).id, 3u);
  log.Configure(0, 10);  // growing keeps them all
  log.Push().duration_us = 9;
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.newest(0).id, 5u);
  EXPECT_EQ(log.newest(2).id, 3u);
  log.Reset();
  EXPECT_EQ(log.size(), 0u);
  log.Configure(0, 0);
  log.Push();
  EXPECT_EQ(log.size(), 0u);
}

TEST(SlowLog, Thresholds) {
  SlowLog log;
  log.Configure(-1, 10);
  EXPECT_FALSE(log.active());
  EXPECT_FALSE(log.Wants(1000000));
  log.Configure(0, 10);
  EXPECT_TRUE(log.Wants(0));
  log.Configure(100, 10);
  EXPECT_FALSE(log.Wants(99));
  EXPECT_TRUE(log.Wants(100));
}

// The one compare the per-call path makes (Registry::RecordedCallUs) must let through exactly
// the calls that either recorder wants: every duration around both thresholds, each combination.
TEST(SlowLog, RecordedCallUsAgreesWithBothRecorders) {
  for (int64_t slow_us : {-1, 0, 1, 999, 1000, 2500, 10000}) {
    for (int64_t latency_ms : {0, 1, 2, 3, 10}) {
      Registry m;
      m.slowlog().Configure(slow_us, 10);
      m.latency().set_threshold_ms(latency_ms);
      for (uint64_t us = 0; us <= 12000; us++) {
        bool wanted = m.slowlog().Wants(us) || m.latency().Wants(us / 1000);
        ASSERT_EQ(us >= m.RecordedCallUs(), wanted) << "slowlog " << slow_us << " latency " << latency_ms << " us " << us;
      }
    }
  }
}

TEST(SlowLog, TruncatesAsRedis) {
  std::vector<std::string> argv = {"SET", "k", std::string(200, 'v')};
  auto t = Truncated(argv);
  EXPECT_EQ(t[2], std::string(128, 'v') + "... (72 more bytes)");
  std::vector<std::string> many(40, "a");
  t = Truncated(many);
  ASSERT_EQ(t.size(), 32u);
  EXPECT_EQ(t[31], "... (9 more arguments)");
  EXPECT_EQ(t[30], "a");
}

TEST(SlowArgsArena, GivesWhatTruncateGives) {
  SlowArgsArena arena;
  std::vector<std::vector<std::string>> cases = {{"SET", "k", std::string(200, 'v')}, std::vector<std::string>(40, "ab"),
                                                 std::vector<std::string>(32, "x"), std::vector<std::string>(33, "y"),
                                                 {"PING"}, {"SET", "k", ""}, {"SET", std::string(128, 'k'), std::string(129, 'v')}};
  std::vector<uint64_t> at;
  for (const auto& argv : cases) at.push_back(arena.Add(argv));  // all held at once, as a pipeline's
  std::vector<std::string> out = {"stale", "storage"};
  for (size_t i = 0; i < cases.size(); i++) {
    arena.Get(at[i], &out);
    EXPECT_EQ(out, Truncated(cases[i])) << i;
  }
}

// A connection that always has writes in flight never clears its arena: releasing in order must
// keep it bounded, and positions must stay valid across the compaction.
TEST(SlowArgsArena, ReleasedPrefixIsDroppedAndPositionsSurvive) {
  SlowArgsArena arena;
  std::vector<std::string> argv = {"SET", "key", std::string(100, 'v')};
  std::vector<uint64_t> live;
  std::vector<std::string> out;
  for (int i = 0; i < 100000; i++) {
    argv[1] = "key" + std::to_string(i);
    live.push_back(arena.Add(argv));
    if (live.size() > 16) {  // 16 in flight, the oldest answered
      arena.Get(live.front(), &out);
      ASSERT_EQ(out[1], "key" + std::to_string(i - 16));
      arena.Release(live.front());
      live.erase(live.begin());
    }
  }
  EXPECT_LT(arena.bytes(), 16 * 4096u);
  arena.Get(live.back(), &out);
  EXPECT_EQ(out[1], "key99999");
  uint64_t refused = arena.Add(argv);  // a write refused at once: forgotten, the others stay
  arena.DropFrom(refused);
  arena.Get(live.back(), &out);
  EXPECT_EQ(out[1], "key99999");
  arena.Clear();
  EXPECT_EQ(arena.bytes(), 0u);
  uint64_t next = arena.Add(std::vector<std::string>{"DEL", "k"});
  EXPECT_GT(next, live.back());  // positions only grow
  arena.Get(next, &out);
  EXPECT_EQ(out, (std::vector<std::string>{"DEL", "k"}));
}

TEST(LatencyMonitor, OneSamplePerSecondKeepsTheWorst) {
  LatencyMonitor m;
  m.AddIfNeeded("fsync", 50, 100);  // off: threshold 0
  EXPECT_TRUE(m.events().empty());
  m.set_threshold_ms(10);
  m.AddIfNeeded("fsync", 5, 100);
  EXPECT_TRUE(m.events().empty());
  m.AddIfNeeded("fsync", 20, 100);
  m.AddIfNeeded("fsync", 30, 100);
  m.AddIfNeeded("fsync", 15, 101);
  const auto& s = m.events().at("fsync");
  auto h = s.History();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].time, 100);
  EXPECT_EQ(h[0].latency, 30u);
  EXPECT_EQ(s.Latest().latency, 15u);
  EXPECT_EQ(s.max, 30u);
  for (int i = 0; i < 200; i++) m.Add("fsync", 11, 200 + i);
  EXPECT_EQ(m.events().at("fsync").History().size(), LatencyEventSeries::kLen);
  EXPECT_EQ(m.Reset({"fsync", "nosuch"}), 1);
  EXPECT_EQ(m.Reset({}), 0);
}

}  // namespace
}  // namespace redraft::observability
