#include "observability/slowlog.h"

#include <gtest/gtest.h>

#include "observability/latency_monitor.h"

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

TEST(SlowLog, PackUnpackEqualsTruncate) {
  for (const auto& argv : {std::vector<std::string>{"SET", "k", std::string(200, 'v')}, std::vector<std::string>(40, "ab"),
                           std::vector<std::string>(32, "x"), std::vector<std::string>{"PING"}}) {
    std::string packed;
    SlowLog::Pack(argv, &packed);
    std::vector<std::string> out;
    SlowLog::Unpack(packed, &out);
    EXPECT_EQ(out, Truncated(argv));
  }
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
