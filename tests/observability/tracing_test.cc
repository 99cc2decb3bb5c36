// Per-request traces (observability/tracing.h): the sampler's determinism, Zipkin v2 span JSON,
// the ring behind GET /v1/traces, the trace-file lines, and the contexts of writes in flight.
#include <cmath>
#include "observability/tracing.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace redraft::observability {
namespace {

using nlohmann::json;

TEST(Sampler, OffAtZeroAndAllAtOne) {
  Sampler s;
  for (int i = 0; i < 100; i++) EXPECT_FALSE(s.Next());
  s.set_rate(1);
  for (int i = 0; i < 100; i++) EXPECT_TRUE(s.Next());
}

TEST(Sampler, ExactlyTheRateEvenlySpacedAndDeterministic) {
  Sampler a, b;
  a.set_rate(0.01);
  b.set_rate(0.01);
  int hits = 0, last = -1000;
  for (int i = 0; i < 10000; i++) {
    bool x = a.Next();
    EXPECT_EQ(x, b.Next());  // same sequence, no RNG
    if (x) {
      hits++;
      if (last >= 0) EXPECT_GE(i - last, 99);
      last = i;
    }
  }
  EXPECT_EQ(hits, 100);
  Sampler q;
  q.set_rate(0.25);
  std::string pattern;
  for (int i = 0; i < 8; i++) pattern += q.Next() ? 'x' : '.';
  EXPECT_EQ(pattern, "...x...x");
}

// The countdown form (one compare per request) samples exactly the requests the definition
// names: n iff floor(n*r) > floor((n-1)*r).
TEST(Sampler, MatchesTheDefinitionAtAnyRate) {
  for (double r : {0.01, 0.001, 0.3, 0.25, 1.0 / 3, 0.999, 0.5, 0.07}) {
    Sampler s;
    s.set_rate(r);
    for (uint64_t n = 1; n <= 20000; n++) {
      bool want = std::floor(double(n) * r) > std::floor(double(n - 1) * r);
      ASSERT_EQ(s.Next(), want) << "rate " << r << " request " << n;
    }
  }
}

TEST(Sampler, RetryGivesTheSampleToTheNextRequest) {
  Sampler s;
  s.set_rate(0.25);
  std::string pattern;
  for (int i = 0; i < 8; i++) {
    bool x = s.Next();
    if (x && i == 3) {
      s.Retry();  // request 4 was CLIENT TRACE: not traced, so request 5 is
      pattern += 'r';
      continue;
    }
    pattern += x ? 'x' : '.';
  }
  EXPECT_EQ(pattern, "...rx..x");
}

// The Ready loop's pre-filter: an untraced write's seq is passed over without a tag decode, a
// bound one never is (false positives allowed, false negatives not).
TEST(Tracer, MaybeBoundFollowsBindAndErase) {
  Tracer t;
  EXPECT_FALSE(t.MaybeBound(7));
  t.Bind(11, 7, TraceContext{1, 2, 3});
  t.Bind(12, 7 + 4096, TraceContext{4, 5, 6});  // same bucket, another session
  EXPECT_TRUE(t.MaybeBound(7));
  t.Erase(11, 7);
  EXPECT_TRUE(t.MaybeBound(7));  // the other context still shares the bucket
  t.Erase(12, 7 + 4096);
  EXPECT_FALSE(t.MaybeBound(7));
  t.Erase(12, 7 + 4096);  // erasing twice does not underflow
  EXPECT_FALSE(t.MaybeBound(7));
  for (uint64_t s = 1; s <= 5000; s++) t.Bind(s, s, TraceContext{s, s, 0});  // past kMaxContexts
  for (uint64_t s = 1; s <= 5000; s++) {
    if (t.Find(s, s)) EXPECT_TRUE(t.MaybeBound(s)) << s;
  }
  t.Reset();
  EXPECT_FALSE(t.MaybeBound(4999));
}

TEST(Sampler, ClampsBadRates) {
  Sampler s;
  s.set_rate(-1);
  EXPECT_FALSE(s.on());
  s.set_rate(7);
  EXPECT_EQ(s.rate(), 1.0);
}

TEST(Tracer, SpanJsonIsZipkinV2) {
  Tracer t;
  t.set_endpoint("redraft-7001", "127.0.0.1", 7001);
  Span s;
  s.trace_id = 0xabc;
  s.id = 0x1234567890abcdefull;
  s.parent_id = 0x42;
  s.name = "raft.apply \"x\"";
  s.start_us = 1700000000000000;
  s.duration_us = 0;
  s.tags.emplace_back("raft.index", "12");
  json j = json::parse(t.SpanJson(s));
  EXPECT_EQ(j["traceId"], "0000000000000abc");
  EXPECT_EQ(j["id"], "1234567890abcdef");
  EXPECT_EQ(j["parentId"], "0000000000000042");
  EXPECT_EQ(j["name"], "raft.apply \"x\"");
  EXPECT_EQ(j["timestamp"], 1700000000000000);
  EXPECT_EQ(j["duration"], 1);  // Zipkin reads 0 as "unknown"
  EXPECT_EQ(j["localEndpoint"]["serviceName"], "redraft-7001");
  EXPECT_EQ(j["localEndpoint"]["ipv4"], "127.0.0.1");
  EXPECT_EQ(j["localEndpoint"]["port"], 7001);
  EXPECT_EQ(j["tags"]["raft.index"], "12");
  s.parent_id = 0;
  EXPECT_FALSE(json::parse(t.SpanJson(s)).contains("parentId"));  // a root span
}

TEST(Tracer, IdsAreNonZeroAndDistinct) {
  Tracer t;
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; i++) {
    uint64_t id = t.NewId();
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(Tracer, RecentGroupsByTraceNewestFirstAndFileHasOneArrayPerLine) {
  std::string path = ::testing::TempDir() + "/tracing_test.jsonl";
  std::remove(path.c_str());
  Tracer t;
  EXPECT_EQ(t.Configure(0, path), "");
  for (uint64_t trace : {1, 2, 1, 3}) {
    Span s;
    s.trace_id = trace;
    s.id = t.NewId();
    s.name = "n" + std::to_string(trace);
    t.Record(s);
  }
  json recent = json::parse(t.RecentJson(2));
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0][0]["traceId"], "0000000000000003");
  EXPECT_EQ(recent[1][0]["traceId"], "0000000000000002");  // by first span; 1 is beyond the limit
  EXPECT_EQ(json::parse(t.RecentJson(3))[2].size(), 2u);  // trace 1's two spans together
  EXPECT_EQ(json::parse(t.RecentJson(10)).size(), 3u);
  t.FlushFile();
  Span s;
  s.trace_id = 9;
  s.id = 9;
  t.Record(s);
  t.FlushFile();
  t.FlushFile();  // nothing new: no line
  std::ifstream in(path);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 4u);
  EXPECT_EQ(lines[1].size(), 1u);
  EXPECT_NE(t.Configure(0, "/nonexistent-dir/x.jsonl"), "");
}

TEST(Tracer, ContextsByTagAndTheProposalHandOff) {
  Tracer t;
  EXPECT_FALSE(t.active());
  t.Bind(7, 1, TraceContext{11, 12, 0});
  EXPECT_TRUE(t.active());
  ASSERT_NE(t.Find(7, 1), nullptr);
  EXPECT_EQ(t.Find(7, 1)->trace_id, 11u);
  EXPECT_EQ(t.Find(7, 2), nullptr);
  t.Erase(7, 1);
  EXPECT_FALSE(t.active());  // tracing off again: the Ready loop's hooks stop running
  for (uint64_t i = 1; i <= 5000; i++) t.Bind(1, i, TraceContext{i, i, 0});
  EXPECT_EQ(t.Find(1, 1), nullptr);  // bounded: the oldest went
  EXPECT_NE(t.Find(1, 5000), nullptr);
  EXPECT_FALSE(t.has_next_proposal());
  t.SetNextProposal(TraceContext{5, 6, 7});
  EXPECT_TRUE(t.has_next_proposal());
  EXPECT_EQ(t.TakeNextProposal().trace_id, 5u);
  EXPECT_FALSE(t.has_next_proposal());
}

}  // namespace
}  // namespace redraft::observability
