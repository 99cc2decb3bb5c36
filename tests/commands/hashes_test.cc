// The hash family against a real Store, through the same prepare -> log -> apply path as the
// server (test_util.h). Byte-exact replies against redis-server 7.0 are in
// tests/integration/compat_cases.txt; these tests cover one command each plus what a transcript
// cannot: versions (DEL/overwrite/expiry are O(1) and old fields never come back), RENAME,
// the snapshot view, reclamation of stale sub-keys, and RESP3 shapes.
#include <gtest/gtest.h>

#include "commands/args.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

class HashesTest : public CommandTest {
 protected:
  // Number of sub-keys physically under (key, version).
  int SubKeys(const std::string& key, uint64_t version) { return static_cast<int>(SubKeyList(key, version).size()); }
};

const std::string kWrongType = Err(kErrWrongType);

TEST_F(HashesTest, Hset) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  Expect({"HSET", "h", "a", "x", "c", "3"}, Int(1));
  Expect({"HSET", "h", "d", "1", "d", "2"}, Int(1));  // a repeated field counts once
  Expect({"HGET", "h", "d"}, Bulk("2"));
  Expect({"HSET", "h", "a"}, Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_FALSE(has_log());  // bad pairing never reaches the log
  Expect({"HLEN", "h"}, Int(4));
  Expect({"TYPE", "h"}, "+hash\r\n");
}

// Redis builds a reply of 2^63 random picks and runs out of memory; the reply is capped instead
// (collection.h kMaxRandomReplyBytes), for every family's random read.
TEST_F(HashesTest, HugeRandomCountsAreRefusedNotBuilt) {
  Expect({"HSET", "h", "a", "1"}, Int(1));
  Expect({"SADD", "s", "a"}, Int(1));
  Expect({"ZADD", "z", "1", "a"}, Int(1));
  for (const char* cmd : {"HRANDFIELD h", "SRANDMEMBER s", "ZRANDMEMBER z"}) {
    std::string c(cmd);
    Argv argv = {c.substr(0, c.find(' ')), c.substr(c.find(' ') + 1), "-9223372036854775807"};
    Expect(argv, Err("ERR value is out of range"));
  }
  Expect({"HRANDFIELD", "h", "-3"}, Array({Bulk("a"), Bulk("a"), Bulk("a")}));
}

TEST_F(HashesTest, Hmset) {
  Expect({"HMSET", "h", "a", "1", "b", "2"}, kOk);
  Expect({"HMSET", "h", "a", "1", "b"}, Err("ERR wrong number of arguments for 'hmset' command"));
  Expect({"HMGET", "h", "a", "x", "b"}, Array({Bulk("1"), kNil, Bulk("2")}));
}

TEST_F(HashesTest, Hsetnx) {
  Expect({"HSETNX", "h", "a", "1"}, Int(1));
  Expect({"HSETNX", "h", "a", "2"}, Int(0));
  Expect({"HGET", "h", "a"}, Bulk("1"));
  Expect({"HLEN", "h"}, Int(1));
}

TEST_F(HashesTest, HgetHmgetMissing) {
  Expect({"HGET", "nokey", "f"}, kNil);
  Expect({"HMGET", "nokey", "a", "b"}, Array({kNil, kNil}));
  Expect({"HSET", "h", "a", "1"}, Int(1));
  Expect({"HGET", "h", "zz"}, kNil);
}

TEST_F(HashesTest, HdelDeletesTheEmptyHash) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  Expect({"HDEL", "h", "a", "zz", "a"}, Int(1));
  Expect({"HLEN", "h"}, Int(1));
  Expect({"HDEL", "h", "b"}, Int(1));
  Expect({"EXISTS", "h"}, Int(0));
  Expect({"HDEL", "h", "b"}, Int(0));
  EXPECT_EQ(store().KeyCount(), 0u);
}

TEST_F(HashesTest, HlenHstrlenHexists) {
  Expect({"HSET", "h", "a", "hello"}, Int(1));
  Expect({"HLEN", "h"}, Int(1));
  Expect({"HLEN", "nokey"}, Int(0));
  Expect({"HSTRLEN", "h", "a"}, Int(5));
  Expect({"HSTRLEN", "h", "b"}, Int(0));
  Expect({"HEXISTS", "h", "a"}, Int(1));
  Expect({"HEXISTS", "h", "b"}, Int(0));
  Expect({"HEXISTS", "nokey", "b"}, Int(0));
}

TEST_F(HashesTest, HgetallHkeysHvalsInFieldOrder) {
  Expect({"HSET", "h", "b", "2", "a", "1", "", "0"}, Int(3));
  Expect({"HGETALL", "h"}, Array({kEmptyBulk, Bulk("0"), Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  Expect({"HKEYS", "h"}, Array({kEmptyBulk, Bulk("a"), Bulk("b")}));
  Expect({"HVALS", "h"}, Array({Bulk("0"), Bulk("1"), Bulk("2")}));
  Expect({"HGETALL", "nokey"}, "*0\r\n");
  set_proto(3);
  Expect({"HGETALL", "h"}, "%3\r\n" + kEmptyBulk + Bulk("0") + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2"));
  Expect({"HGETALL", "nokey"}, "%0\r\n");
  Expect({"HKEYS", "nokey"}, "*0\r\n");
}

TEST_F(HashesTest, Hincrby) {
  Expect({"HINCRBY", "h", "n", "5"}, Int(5));
  Expect({"HINCRBY", "h", "n", "-7"}, Int(-2));
  Expect({"HINCRBY", "h", "n", "x"}, Err(kErrNotInteger));
  EXPECT_FALSE(has_log());
  Expect({"HSET", "h", "s", "abc", "big", "9223372036854775807"}, Int(2));
  Expect({"HINCRBY", "h", "s", "1"}, Err("ERR hash value is not an integer"));
  Expect({"HINCRBY", "h", "big", "1"}, Err(kErrOverflow));
  Expect({"HGET", "h", "big"}, Bulk("9223372036854775807"));
  Expect({"HLEN", "h"}, Int(3));
}

TEST_F(HashesTest, Hincrbyfloat) {
  Expect({"HINCRBYFLOAT", "h", "f", "10.5"}, Bulk("10.5"));
  Expect({"HINCRBYFLOAT", "h", "f", "0.1"}, Bulk("10.6"));
  Expect({"HINCRBYFLOAT", "h", "f", "-10.6"}, Bulk("0"));
  Expect({"HINCRBYFLOAT", "h", "f", "5.0e3"}, Bulk("5000"));
  Expect({"HINCRBYFLOAT", "h", "f", "abc"}, Err(kErrNotFloat));
  Expect({"HINCRBYFLOAT", "h", "f", "inf"}, Err("ERR value is NaN or Infinity"));
  Expect({"HSET", "h", "s", "x"}, Int(1));
  Expect({"HINCRBYFLOAT", "h", "s", "1"}, Err("ERR hash value is not a float"));
  set_proto(3);
  Expect({"HINCRBYFLOAT", "h", "f", "1"}, Bulk("5001"));  // a bulk string in RESP3 too
}

TEST_F(HashesTest, Hrandfield) {
  Expect({"HRANDFIELD", "nokey"}, kNil);
  Expect({"HRANDFIELD", "nokey", "2"}, "*0\r\n");
  Expect({"HSET", "h", "a", "1", "b", "2", "c", "3"}, Int(3));
  Expect({"HRANDFIELD", "h", "0"}, "*0\r\n");
  Expect({"HRANDFIELD", "h", "5"}, Array({Bulk("a"), Bulk("b"), Bulk("c")}));  // whole hash
  Expect({"HRANDFIELD", "h", "1", "x"}, Err(kErrSyntax));
  Expect({"HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"}, Err("ERR value is out of range"));
  std::string r = Run({"HRANDFIELD", "h", "-5"});
  EXPECT_EQ(r.substr(0, 4), "*5\r\n");
  r = Run({"HRANDFIELD", "h", "2", "WITHVALUES"});
  EXPECT_EQ(r.substr(0, 4), "*4\r\n");
  r = Run({"HRANDFIELD", "h"});
  EXPECT_TRUE(r == Bulk("a") || r == Bulk("b") || r == Bulk("c")) << r;
  Expect({"HSET", "one", "f", "v"}, Int(1));
  set_proto(3);
  Expect({"HRANDFIELD", "one", "-2", "WITHVALUES"}, "*2\r\n*2\r\n" + Bulk("f") + Bulk("v") + "*2\r\n" + Bulk("f") + Bulk("v"));
}

TEST_F(HashesTest, HscanPagesLargeHashes) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  Expect({"HSCAN", "h", "0", "COUNT", "1"}, "*2\r\n" + Bulk("0") + Array({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  Expect({"HSCAN", "nokey", "0", "BAD"}, "*2\r\n" + Bulk("0") + "*0\r\n");
  Expect({"HSCAN", "h", "x"}, Err("ERR invalid cursor"));
  Expect({"HSCAN", "h", "0", "COUNT", "0"}, Err(kErrSyntax));
  Argv big = {"HSET", "big"};
  for (int i = 0; i < 300; i++) {
    big.push_back("f" + std::to_string(1000 + i));
    big.push_back("v");
  }
  Expect(big, Int(300));
  std::string cursor = "0";
  int seen = 0, calls = 0;
  do {
    std::string r = Run({"HSCAN", "big", cursor, "COUNT", "50"});
    // *2 $<n> cursor *<2m> ...
    size_t p = r.find("\r\n", 4);
    size_t q = r.find("\r\n", p + 2);
    cursor = r.substr(p + 2, q - p - 2);
    size_t star = r.find('*', q);
    seen += std::stoi(r.substr(star + 1)) / 2;
    calls++;
  } while (cursor != "0" && calls < 100);
  EXPECT_EQ(seen, 300);
  EXPECT_EQ(calls, 6);
}

TEST_F(HashesTest, WrongType) {
  Expect({"SET", "s", "v"}, kOk);
  for (Argv a : std::vector<Argv>{{"HSET", "s", "f", "v"}, {"HSETNX", "s", "f", "v"}, {"HMSET", "s", "f", "v"},
                                  {"HGET", "s", "f"}, {"HMGET", "s", "f"}, {"HGETALL", "s"}, {"HKEYS", "s"},
                                  {"HVALS", "s"}, {"HLEN", "s"}, {"HSTRLEN", "s", "f"}, {"HEXISTS", "s", "f"},
                                  {"HDEL", "s", "f"}, {"HINCRBY", "s", "f", "1"}, {"HINCRBYFLOAT", "s", "f", "1"},
                                  {"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "1"}, {"HSCAN", "s", "0"}}) {
    Expect(a, kWrongType);
  }
  Expect({"HSET", "h", "f", "v"}, Int(1));
  Expect({"GET", "h"}, kWrongType);
  Expect({"APPEND", "h", "x"}, kWrongType);
  Expect({"SET", "h", "str"}, kOk);  // SET overwrites any type
  Expect({"GET", "h"}, Bulk("str"));
}

// DEL, overwrite and expiry touch only the metadata record; the old fields never come back.
TEST_F(HashesTest, ARecreatedHashHasNoOldFields) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  uint64_t v1 = VersionOf("h");
  EXPECT_EQ(v1, (index() << 20) | 1);  // derived from the log index
  Expect({"DEL", "h"}, Int(1));
  EXPECT_EQ(SubKeys("h", v1), 2);  // still there physically: garbage, reclaimed later
  Expect({"HSET", "h", "c", "3"}, Int(1));
  EXPECT_NE(VersionOf("h"), v1);
  Expect({"HGETALL", "h"}, Array({Bulk("c"), Bulk("3")}));
  Expect({"SET", "h", "s"}, kOk);
  Expect({"HSET", "h", "d", "4"}, kWrongType);
  Expect({"DEL", "h"}, Int(1));
  Expect({"HSET", "h", "d", "4"}, Int(1));
  Expect({"HKEYS", "h"}, Array({Bulk("d")}));
}

TEST_F(HashesTest, Expiry) {
  Expect({"HSET", "h", "a", "1"}, Int(1));
  Expect({"PEXPIRE", "h", "100"}, Int(1));
  Expect({"PTTL", "h"}, Int(100));
  Expect({"HGET", "h", "a"}, Bulk("1"));
  advance(100);
  Expect({"HGET", "h", "a"}, kNil);
  Expect({"HLEN", "h"}, Int(0));
  Expect({"EXISTS", "h"}, Int(0));
  Expect({"HSET", "h", "b", "2"}, Int(1));  // the expired hash is replaced, not extended
  Expect({"HGETALL", "h"}, Array({Bulk("b"), Bulk("2")}));
  Expect({"TTL", "h"}, Int(-1));
  Expect({"EXPIRE", "h", "100"}, Int(1));
  Expect({"PERSIST", "h"}, Int(1));
  Expect({"TTL", "h"}, Int(-1));
}

TEST_F(HashesTest, RenameMovesTheFields) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  Expect({"EXPIRE", "h", "100"}, Int(1));
  Expect({"RENAME", "h", "g"}, kOk);
  Expect({"EXISTS", "h"}, Int(0));
  Expect({"HGETALL", "g"}, Array({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  Expect({"HLEN", "g"}, Int(2));
  Expect({"TTL", "g"}, Int(100));
  Expect({"HSET", "h", "z", "9"}, Int(1));
  Expect({"RENAMENX", "g", "h"}, Int(0));
  Expect({"RENAME", "g", "h"}, kOk);  // overwrites the other hash
  Expect({"HGETALL", "h"}, Array({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  Expect({"SCAN", "0", "TYPE", "hash"}, "*2\r\n" + Bulk("0") + Array({Bulk("h")}));
  Expect({"DBSIZE"}, Int(1));
}

TEST_F(HashesTest, FlushallRemovesSubKeys) {
  Expect({"HSET", "h", "a", "1"}, Int(1));
  uint64_t v = VersionOf("h");
  Expect({"FLUSHALL"}, kOk);
  EXPECT_EQ(SubKeys("h", v), 0);
}

TEST_F(HashesTest, CompactionReclaimsStaleSubKeys) {
  Argv big = {"HSET", "h"};
  for (int i = 0; i < 1000; i++) {
    big.push_back("f" + std::to_string(i));
    big.push_back("v");
  }
  Expect(big, Int(1000));
  uint64_t v1 = VersionOf("h");
  Expect({"HSET", "keep", "x", "1"}, Int(1));
  Expect({"DEL", "h"}, Int(1));
  Expect({"HSET", "h", "new", "1"}, Int(1));
  ASSERT_TRUE(store().Flush().ok());
  {
    // An open snapshot view pins everything: nothing is reclaimed.
    auto view = store().NewSnapshotView();
    ASSERT_TRUE(store().CompactAll().ok());
    EXPECT_EQ(store().StaleSubKeysDropped(), 0u);
  }
  ASSERT_TRUE(store().CompactAll().ok());
  EXPECT_EQ(store().StaleSubKeysDropped(), 1000u);
  EXPECT_EQ(SubKeys("h", v1), 0);
  Expect({"HGETALL", "h"}, Array({Bulk("new"), Bulk("1")}));
  Expect({"HGETALL", "keep"}, Array({Bulk("x"), Bulk("1")}));
}

// The snapshot view lists keys, then sub-keys; staged into another store it installs a
// readable hash.
TEST_F(HashesTest, SnapshotViewRoundTrip) {
  Expect({"HSET", "h", "a", "1", "b", "2"}, Int(2));
  Expect({"SET", "s", "v"}, kOk);
  TempDir other;
  auto dst = OpenTestStore(other.path() + "/db");
  ASSERT_NE(dst, nullptr);
  ASSERT_TRUE(dst->StageBegin().ok());
  auto view = store().NewSnapshotView();
  int keys = 0, subs = 0;
  store::Value v;
  for (; view->Valid(); view->Next()) {
    ASSERT_TRUE(view->value(&v).ok());
    if (v.type == store::ValueType::kSubKey) subs++; else { EXPECT_EQ(subs, 0); keys++; }
    dst->StagePut(view->key(), v);
  }
  ASSERT_TRUE(view->status().ok());
  EXPECT_EQ(keys, 2);
  EXPECT_EQ(subs, 2);
  ASSERT_TRUE(dst->StageInstall(view->applied_index(), view->key_count(), view->log_time_ms()).ok());
  store::Value h;
  ASSERT_TRUE(dst->Get("h", 0, &h).ok());
  std::string val;
  ASSERT_TRUE(dst->GetSub("h", h.version, "b", &val).ok());
  EXPECT_EQ(val, "2");
}

TEST_F(HashesTest, VersionsAreDeterministic) {
  // Two stores applying the same entries at the same indexes get the same versions.
  Expect({"HSET", "h", "a", "1"}, Int(1));
  TempDir other;
  auto twin = OpenTestStore(other.path() + "/db");
  LogCommand log{now_ms(), {"HSET", "h", "a", "1"}};
  ApplyLog(*twin, log, 1);
  store::Value a, b;
  ASSERT_TRUE(Raw("h", &a));
  ASSERT_TRUE(twin->Get("h", 0, &b).ok());
  EXPECT_EQ(a.version, b.version);
}

}  // namespace
}  // namespace redraft::commands::testing
