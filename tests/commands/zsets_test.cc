// The sorted set family against a real Store, through the same prepare -> log -> apply path as
// the server (test_util.h). Byte-exact replies against redis-server 7.0 are in
// tests/integration/compat_cases_zsets.txt and test_diff_zsets.py; these tests cover the encoding
// (score order, ties, -0, both indexes kept in step), what a transcript cannot see (versions,
// expiry, RENAME, reclamation, errors never reaching the log) and large zsets (past the listpack
// size where Redis's behaviour is the skiplist's).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "commands/args.h"
#include "commands/zsets_internal.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

class ZsetsTest : public CommandTest {
 protected:
};

const std::string kWrongType = Err(kErrWrongType);

TEST(ZsetEncoding, ScoreEncodingPreservesOrder) {
  const double inf = std::numeric_limits<double>::infinity();
  const double den = std::numeric_limits<double>::denorm_min();
  std::vector<double> ordered = {-inf, -1.7976931348623157e308, -1e10, -1.5, -1, -den, 0, den, 1e-300, 0.1,
                                 1, 1.0000000000000002, 2, 1e10, 1.7976931348623157e308, inf};
  for (size_t i = 0; i < ordered.size(); i++) {
    std::string e = zset::EncodeScore(ordered[i]);
    ASSERT_EQ(e.size(), 8u);
    EXPECT_EQ(zset::DecodeScore(e), ordered[i]);
    if (i > 0) EXPECT_LT(zset::EncodeScore(ordered[i - 1]), e) << ordered[i - 1] << " vs " << ordered[i];
  }
  EXPECT_EQ(zset::EncodeScore(-0.0), zset::EncodeScore(0.0));  // -0 sorts as 0
  EXPECT_EQ(zset::ScoreValue(-0.0), zset::ScoreValue(0.0));
  double d;
  EXPECT_TRUE(zset::ParseScoreValue(zset::ScoreValue(-2.5), &d));
  EXPECT_EQ(d, -2.5);
  EXPECT_FALSE(zset::ParseScoreValue("short", &d));
}

TEST(ZsetEncoding, RangeParsing) {
  zset::ScoreRange r;
  EXPECT_TRUE(zset::ParseScoreRange("(1", "+inf", &r));
  EXPECT_TRUE(r.minex);
  EXPECT_FALSE(r.maxex);
  EXPECT_FALSE(r.GteMin(1));
  EXPECT_TRUE(r.GteMin(1.5));
  EXPECT_TRUE(zset::ParseScoreRange("", "(", &r));  // strtod of "" is 0, as in Redis
  EXPECT_TRUE(r.Empty());
  EXPECT_TRUE(zset::ParseScoreRange(std::string("1\0x", 3), "2", &r));  // the C string ends at NUL
  EXPECT_FALSE(zset::ParseScoreRange("nan", "1", &r));
  EXPECT_FALSE(zset::ParseScoreRange("1x", "1", &r));
  zset::LexRange l;
  EXPECT_TRUE(zset::ParseLexRange("-", "+", &l));
  EXPECT_FALSE(l.Empty());
  EXPECT_TRUE(zset::ParseLexRange("+", "-", &l));
  EXPECT_TRUE(l.Empty());
  EXPECT_TRUE(zset::ParseLexRange("[a", "(a", &l));
  EXPECT_TRUE(l.Empty());
  EXPECT_TRUE(zset::ParseLexRange("[a", "[a", &l));
  EXPECT_FALSE(l.Empty());
  EXPECT_TRUE(l.GteMin("a") && l.LteMax("a") && !l.LteMax(std::string_view("a\0", 2)));
  EXPECT_FALSE(zset::ParseLexRange("", "+", &l));
  EXPECT_FALSE(zset::ParseLexRange("a", "+", &l));
  EXPECT_FALSE(zset::ParseLexRange("-x", "+", &l));
}

// One member is two sub-keys: 'm'+member -> score bits and 's'+score+member -> "".
TEST_F(ZsetsTest, SubKeyLayout) {
  Expect({"ZADD", "z", "1.5", "a"}, Int(1));
  uint64_t v = VersionOf("z");
  auto subs = SubKeyList("z", v);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].first, "ma");
  EXPECT_EQ(subs[0].second, zset::ScoreValue(1.5));
  EXPECT_EQ(subs[1].first, "s" + zset::EncodeScore(1.5) + "a");
  EXPECT_EQ(subs[1].second, "");
  // Changing the score moves the score-index entry; nothing stale is left behind.
  Expect({"ZADD", "z", "-3", "a"}, Int(0));
  subs = SubKeyList("z", v);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[1].first, "s" + zset::EncodeScore(-3) + "a");
  Expect({"ZINCRBY", "z", "1", "a"}, Bulk("-2"));
  Expect({"ZADD", "z", "7", "b"}, Int(1));
  EXPECT_EQ(SubKeyList("z", v).size(), 4u);
  store::Value meta;
  ASSERT_TRUE(Raw("z", &meta));
  EXPECT_EQ(meta.type, store::ValueType::kZset);
  EXPECT_EQ(meta.payload.size(), 8u);
  EXPECT_EQ(store::CollectionSize(meta), 2u);
  Expect({"TYPE", "z"}, "+zset\r\n");
  Expect({"ZREM", "z", "a", "b"}, Int(2));
  EXPECT_FALSE(Raw("z", &meta));  // the empty zset is deleted
  EXPECT_TRUE(SubKeyList("z", v).empty());
}

TEST_F(ZsetsTest, TiesOrderByMemberBytesAndNegativeZeroIsZero) {
  Expect({"ZADD", "z", "1", "b", "1", std::string("a\0", 2), "1", "\xff", "1", "a", "0", "x", "-0", "y"}, Int(6));
  Expect({"ZRANGE", "z", "0", "-1"},
         Array({Bulk("x"), Bulk("y"), Bulk("a"), Bulk(std::string("a\0", 2)), Bulk("b"), Bulk("\xff")}));
  Expect({"ZSCORE", "z", "y"}, Bulk("0"));
  Expect({"ZRANK", "z", "b"}, Int(4));
  Expect({"ZREVRANK", "z", "b"}, Int(1));
  Expect({"ZADD", "z", "INCR", "-0", "new"}, Bulk("-0"));  // the reply is the computed -0...
  Expect({"ZSCORE", "z", "new"}, Bulk("0"));                // ...stored as 0, like a listpack
}

TEST_F(ZsetsTest, ErrorsFoundBeforeTheKeyNeverReachTheLog) {
  Expect({"ZADD", "z", "nan", "a"}, Err(kErrNotFloat));
  EXPECT_FALSE(has_log());
  Expect({"ZADD", "z", "NX", "XX", "1", "a"}, Err("ERR XX and NX options at the same time are not compatible"));
  EXPECT_FALSE(has_log());
  Expect({"ZREMRANGEBYSCORE", "z", "x", "1"}, Err("ERR min or max is not a float"));
  EXPECT_FALSE(has_log());
  Expect({"ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"}, Err(kErrSyntax));
  EXPECT_FALSE(has_log());
  Expect({"ZMPOP", "0", "z", "MIN"}, Err("ERR numkeys should be greater than 0"));
  EXPECT_FALSE(has_log());
  Expect({"ZPOPMIN", "z", "-1"}, Err(kErrNotPositive));
  EXPECT_FALSE(has_log());
  // The log form is the command as sent.
  Expect({"ZADD", "z", "GT", "CH", "1", "a"}, Int(1));
  ASSERT_TRUE(has_log());
  EXPECT_EQ(last_log_argv(), (Argv{"ZADD", "z", "GT", "CH", "1", "a"}));
  // Errors found after the key (WRONGTYPE; options after the inputs of ZUNIONSTORE) are applied.
  Expect({"SET", "s", "x"}, kOk);
  Expect({"ZUNIONSTORE", "d", "1", "s", "BADOPT"}, kWrongType);
  Expect({"ZUNIONSTORE", "d", "1", "z", "BADOPT"}, Err(kErrSyntax));
}

TEST_F(ZsetsTest, ARecreatedZsetHasNoOldMembers) {
  Expect({"ZADD", "z", "1", "a", "2", "b"}, Int(2));
  uint64_t v1 = VersionOf("z");
  Expect({"DEL", "z"}, Int(1));
  EXPECT_EQ(SubKeyList("z", v1).size(), 4u);  // garbage until compaction
  Expect({"ZADD", "z", "3", "c"}, Int(1));
  EXPECT_NE(VersionOf("z"), v1);
  Expect({"ZRANGE", "z", "0", "-1", "WITHSCORES"}, Array({Bulk("c"), Bulk("3")}));
  Expect({"ZRANK", "z", "a"}, kNil);
  Expect({"SET", "z", "s"}, kOk);
  Expect({"ZADD", "z", "1", "a"}, kWrongType);
  Expect({"ZCARD", "z"}, kWrongType);
}

TEST_F(ZsetsTest, Expiry) {
  Expect({"ZADD", "z", "1", "a"}, Int(1));
  Expect({"PEXPIRE", "z", "100"}, Int(1));
  Expect({"ZCARD", "z"}, Int(1));
  advance(100);
  Expect({"ZCARD", "z"}, Int(0));
  Expect({"ZSCORE", "z", "a"}, kNil);
  Expect({"ZADD", "z", "XX", "5", "a"}, Int(0));  // the expired zset is gone for XX too
  Expect({"EXISTS", "z"}, Int(0));
  Expect({"ZADD", "z", "2", "b"}, Int(1));  // replaced, not extended
  Expect({"ZRANGE", "z", "0", "-1", "WITHSCORES"}, Array({Bulk("b"), Bulk("2")}));
  Expect({"TTL", "z"}, Int(-1));
  // Z*STORE and ZRANGESTORE replace the destination and clear its expiry.
  Expect({"SET", "d", "x", "EX", "100"}, kOk);
  Expect({"ZUNIONSTORE", "d", "1", "z"}, Int(1));
  Expect({"TTL", "d"}, Int(-1));
  Expect({"TYPE", "d"}, "+zset\r\n");
}

TEST_F(ZsetsTest, RenameMovesTheMembers) {
  Expect({"ZADD", "z", "1", "a", "2", "b"}, Int(2));
  Expect({"RENAME", "z", "y"}, kOk);
  Expect({"EXISTS", "z"}, Int(0));
  Expect({"ZRANGE", "y", "0", "-1", "WITHSCORES"}, Array({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  Expect({"ZRANGEBYSCORE", "y", "(1", "+inf"}, Array({Bulk("b")}));
  Expect({"ZSCORE", "y", "b"}, Bulk("2"));
  Expect({"SCAN", "0", "TYPE", "zset"}, "*2\r\n" + Bulk("0") + Array({Bulk("y")}));
}

TEST_F(ZsetsTest, RemovingEverythingDeletesOnlyTheMetadata) {
  Argv big = {"ZADD", "z"};
  for (int i = 0; i < 1000; i++) {
    big.push_back(std::to_string(i));
    big.push_back("m" + std::to_string(i));
  }
  Expect(big, Int(1000));
  uint64_t v = VersionOf("z");
  Expect({"ZREMRANGEBYSCORE", "z", "-inf", "+inf"}, Int(1000));
  Expect({"EXISTS", "z"}, Int(0));
  EXPECT_EQ(SubKeyList("z", v).size(), 2000u);  // O(1): the sub-keys are garbage now
  ASSERT_TRUE(store().Flush().ok());
  ASSERT_TRUE(store().CompactAll().ok());
  EXPECT_EQ(store().StaleSubKeysDropped(), 2000u);
  EXPECT_TRUE(SubKeyList("z", v).empty());
}

// Past 128 members (Redis's skiplist encoding): ranks, reverse ranges, pops and ZSCAN paging.
TEST_F(ZsetsTest, LargeZset) {
  Argv big = {"ZADD", "z"};
  for (int i = 0; i < 500; i++) {
    big.push_back(std::to_string(i % 250));  // two members per score
    big.push_back("m" + std::to_string(1000 + i));
  }
  Expect(big, Int(500));
  Expect({"ZRANK", "z", "m1000"}, Int(0));
  Expect({"ZRANK", "z", "m1250"}, Int(1));
  Expect({"ZREVRANK", "z", "m1499"}, Int(0));
  Expect({"ZCOUNT", "z", "(10", "20"}, Int(20));
  Expect({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "3"},
         Array({Bulk("m1249"), Bulk("m1498"), Bulk("m1248")}));
  Expect({"ZREVRANGE", "z", "0", "1"}, Array({Bulk("m1499"), Bulk("m1249")}));
  Expect({"ZRANGE", "z", "3", "4"}, Array({Bulk("m1251"), Bulk("m1002")}));
  Expect({"ZPOPMAX", "z", "2"}, Array({Bulk("m1499"), Bulk("249"), Bulk("m1249"), Bulk("249")}));
  Expect({"ZPOPMIN", "z"}, Array({Bulk("m1000"), Bulk("0")}));
  Expect({"ZCARD", "z"}, Int(497));
  // ZSCAN pages by COUNT in member order and visits every member once.
  std::string cursor = "0";
  int seen = 0, calls = 0;
  do {
    std::string r = Run({"ZSCAN", "z", cursor, "COUNT", "100"});
    size_t a = r.find("\r\n", 4) + 2, b = r.find("\r\n", a);
    cursor = r.substr(a, b - a);
    seen += std::stoi(r.substr(b + 3, r.find("\r\n", b + 2) - b - 3)) / 2;
    calls++;
  } while (cursor != "0" && calls < 20);
  EXPECT_EQ(seen, 497);
  EXPECT_EQ(calls, 5);
}

TEST_F(ZsetsTest, Resp3Replies) {
  set_proto(3);
  Expect({"ZADD", "z", "1.5", "a", "inf", "b"}, Int(2));
  Expect({"ZSCORE", "z", "a"}, ",1.5\r\n");
  Expect({"ZSCORE", "z", "b"}, ",inf\r\n");
  Expect({"ZSCORE", "z", "x"}, "_\r\n");
  Expect({"ZRANGE", "z", "0", "0", "WITHSCORES"}, "*1\r\n*2\r\n" + Bulk("a") + ",1.5\r\n");
  Expect({"ZPOPMIN", "z"}, "*2\r\n" + Bulk("a") + ",1.5\r\n");
  Expect({"ZPOPMIN", "z", "1"}, "*1\r\n*2\r\n" + Bulk("b") + ",inf\r\n");
  Expect({"ZMPOP", "1", "z", "MIN"}, "_\r\n");
}

// ZUNION & co. accept sets (members with score 1): a set here is its members as sub-key fields.
TEST_F(ZsetsTest, SetInputsCountAsScoreOne) {
  auto batch = store().NewBatch();
  store::Value set;
  set.type = store::ValueType::kSet;
  set.version = 77;
  store::SetCollectionSize(&set, 2);
  batch->Put("set", set);
  batch->PutSub("set", 77, "a", "");
  batch->PutSub("set", 77, "b", "");
  ASSERT_TRUE(store().Commit(batch.get(), ++index_).ok());
  Expect({"ZADD", "z", "5", "a"}, Int(1));
  Expect({"ZUNION", "2", "z", "set", "WITHSCORES"}, Array({Bulk("b"), Bulk("1"), Bulk("a"), Bulk("6")}));
  Expect({"ZINTER", "2", "set", "z", "WEIGHTS", "3", "1", "WITHSCORES"}, Array({Bulk("a"), Bulk("8")}));
  Expect({"ZDIFF", "2", "set", "z"}, Array({Bulk("b")}));
  Expect({"ZINTERCARD", "2", "set", "z"}, Int(1));
  Expect({"ZDIFFSTORE", "d", "2", "set", "z"}, Int(1));
  Expect({"ZRANGE", "d", "0", "-1", "WITHSCORES"}, Array({Bulk("b"), Bulk("1")}));
}

TEST_F(ZsetsTest, VersionsAreDeterministic) {
  Expect({"ZADD", "z", "1", "a"}, Int(1));
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  ApplyLog(*twin, LogCommand{now_ms(), {"ZADD", "z", "1", "a"}}, 1);
  store::Value a, b;
  ASSERT_TRUE(Raw("z", &a));
  ASSERT_TRUE(twin->Get("z", 0, &b).ok());
  EXPECT_EQ(a.version, b.version);
}

}  // namespace
}  // namespace redraft::commands::testing
