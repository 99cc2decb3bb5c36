// Key-space commands: exact reply bytes, checked against redis-server 7.0.15 by hand, through
// the same prepare -> log -> apply / execute path as the server (test_util.h).
#include <algorithm>
#include <map>
#include <set>

#include "test_util.h"

namespace redraft::commands {
namespace {

using namespace redraft::commands::testing;

class KeysTest : public CommandTest {
 protected:
  // SET via the store directly (keeps these tests independent of strings.cc).
  void Put(const std::string& key, const std::string& value, int64_t expire_ms = 0) {
    auto batch = store().NewBatch();
    store::Value v;
    v.payload = value;
    v.expire_ms = expire_ms;
    batch->Put(key, v);
    ASSERT_TRUE(store().Commit(batch.get(), ++index_).ok());
  }
  bool Present(const std::string& key) {  // physically present, expired or not
    store::Value v;
    return Raw(key, &v);
  }
  int64_t ExpireOf(const std::string& key) {
    store::Value v;
    EXPECT_TRUE(Raw(key, &v));
    return v.expire_ms;
  }
  // Parses "*2\r\n$<n>\r\n<cursor>\r\n*<k>\r\n($<n>\r\n<key>\r\n)*".
  static bool ParseScanReply(const std::string& r, std::string* cursor,
                             std::vector<std::string>* keys) {
    size_t pos = 0;
    auto line = [&](std::string* out) {
      size_t e = r.find("\r\n", pos);
      if (e == std::string::npos) return false;
      *out = r.substr(pos, e - pos);
      pos = e + 2;
      return true;
    };
    auto bulk = [&](std::string* out) {
      std::string h;
      if (!line(&h) || h[0] != '$') return false;
      size_t n = std::stoul(h.substr(1));
      *out = r.substr(pos, n);
      pos += n + 2;
      return true;
    };
    std::string h;
    if (!line(&h) || h != "*2" || !bulk(cursor) || !line(&h) || h[0] != '*') return false;
    keys->clear();
    for (int n = std::stoi(h.substr(1)); n > 0; n--) {
      std::string k;
      if (!bulk(&k)) return false;
      keys->push_back(k);
    }
    return pos == r.size();
  }
  // Full SCAN iteration; returns every key returned (with repeats) and the number of calls.
  std::vector<std::string> ScanAll(Argv extra, int* calls = nullptr) {
    std::vector<std::string> all;
    std::string cursor = "0";
    int n = 0;
    do {
      Argv argv = {"scan", cursor};
      argv.insert(argv.end(), extra.begin(), extra.end());
      std::vector<std::string> keys;
      std::string r = Run(argv);
      EXPECT_TRUE(ParseScanReply(r, &cursor, &keys)) << r;
      all.insert(all.end(), keys.begin(), keys.end());
      if (++n > 10000) {
        ADD_FAILURE() << "SCAN does not terminate";
        break;
      }
    } while (cursor != "0");
    if (calls) *calls = n;
    return all;
  }
};

TEST_F(KeysTest, SpecsMatchRedisCommandInfo) {
  struct Want {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
  };
  const Want wants[] = {
      {"del", -2, kWrite, 1, -1, 1},          {"unlink", -2, kWrite | kFast, 1, -1, 1},
      {"exists", -2, kReadonly | kFast, 1, -1, 1}, {"touch", -2, kReadonly | kFast, 1, -1, 1},
      {"type", 2, kReadonly | kFast, 1, 1, 1}, {"rename", 3, kWrite, 1, 2, 1},
      {"renamenx", 3, kWrite | kFast, 1, 2, 1}, {"keys", 2, kReadonly, 0, 0, 0},
      {"scan", -2, kReadonly, 0, 0, 0},        {"randomkey", 1, kReadonly, 0, 0, 0},
      {"expire", -3, kWrite | kFast, 1, 1, 1}, {"pexpire", -3, kWrite | kFast, 1, 1, 1},
      {"expireat", -3, kWrite | kFast, 1, 1, 1}, {"pexpireat", -3, kWrite | kFast, 1, 1, 1},
      {"ttl", 2, kReadonly | kFast, 1, 1, 1},  {"pttl", 2, kReadonly | kFast, 1, 1, 1},
      {"expiretime", 2, kReadonly | kFast, 1, 1, 1}, {"pexpiretime", 2, kReadonly | kFast, 1, 1, 1},
      {"persist", 2, kWrite | kFast, 1, 1, 1}, {"redraft.expired", -2, kWrite | kInternal, 1, -1, 1},
  };
  for (const auto& w : wants) {
    const CommandSpec* c = Lookup(w.name);
    ASSERT_NE(c, nullptr) << w.name;
    EXPECT_EQ(c->arity, w.arity) << w.name;
    EXPECT_EQ(c->flags, w.flags) << w.name;
    EXPECT_EQ(c->first_key, w.first) << w.name;
    EXPECT_EQ(c->last_key, w.last) << w.name;
    EXPECT_EQ(c->key_step, w.step) << w.name;
    EXPECT_EQ(c->group, "generic") << w.name;
    EXPECT_FALSE(c->summary.empty()) << w.name;
    if (c->is_write()) {
      EXPECT_NE(c->apply, nullptr) << w.name;
    } else {
      EXPECT_NE(c->execute, nullptr) << w.name;
    }
  }
  EXPECT_EQ(Lookup("EXPIRETIME")->since, "7.0.0");
}

TEST_F(KeysTest, DelAndUnlink) {
  Put("a", "1");
  Put("b", "2");
  Put("c", "3");
  EXPECT_EQ(Run({"del", "a", "a", "nokey", "b"}), Int(2));  // a repeated counts once
  EXPECT_EQ(Run({"unlink", "c", "c"}), Int(1));
  EXPECT_EQ(Run({"del", "a"}), Int(0));
  EXPECT_EQ(store().KeyCount(), 0u);
  EXPECT_EQ(Run({"del"}), Err("ERR wrong number of arguments for 'del' command"));
}

TEST_F(KeysTest, DelOfExpiredKeyCountsZeroButRemovesIt) {
  Put("e", "v", now_ms() + 100);
  advance(100);
  EXPECT_TRUE(Present("e"));
  EXPECT_EQ(Run({"del", "e"}), Int(0));
  EXPECT_FALSE(Present("e"));
  EXPECT_EQ(store().KeyCount(), 0u);
}

TEST_F(KeysTest, ExistsTouchType) {
  Put("a", "1");
  Put("e", "v", now_ms() + 10);
  EXPECT_EQ(Run({"exists", "a", "a", "nokey"}), Int(2));
  EXPECT_EQ(Run({"touch", "a", "nokey", "a"}), Int(2));
  EXPECT_EQ(Run({"type", "a"}), "+string\r\n");
  EXPECT_EQ(Run({"type", "nokey"}), "+none\r\n");
  EXPECT_EQ(Run({"exists", "e"}), Int(1));
  advance(10);  // now == expire: expired
  EXPECT_EQ(Run({"exists", "e"}), Int(0));
  EXPECT_EQ(Run({"type", "e"}), "+none\r\n");
  EXPECT_EQ(Run({"type", "a", "b"}), Err("ERR wrong number of arguments for 'type' command"));
}

TEST_F(KeysTest, Rename) {
  EXPECT_EQ(Run({"rename", "nokey", "x"}), "-ERR no such key\r\n");
  EXPECT_EQ(Run({"renamenx", "nokey", "x"}), "-ERR no such key\r\n");
  EXPECT_EQ(Run({"rename", "nokey", "nokey"}), "-ERR no such key\r\n");
  Put("a", "1", now_ms() + 5000);
  EXPECT_EQ(Run({"rename", "a", "a"}), kOk);
  EXPECT_EQ(Run({"renamenx", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"rename", "a", "b"}), kOk);
  EXPECT_FALSE(Present("a"));
  EXPECT_EQ(ExpireOf("b"), now_ms() + 5000);  // TTL moves with the value
  EXPECT_EQ(Run({"pttl", "b"}), Int(5000));
  Put("c", "3");
  EXPECT_EQ(Run({"rename", "b", "c"}), kOk);  // overwrites, count drops
  EXPECT_EQ(store().KeyCount(), 1u);
  EXPECT_EQ(Run({"pttl", "c"}), Int(5000));
  Put("d", "4");
  EXPECT_EQ(Run({"renamenx", "c", "d"}), Int(0));
  EXPECT_TRUE(Present("c"));
  EXPECT_EQ(Run({"renamenx", "c", "f"}), Int(1));
  EXPECT_EQ(Run({"exists", "c", "f"}), Int(1));
}

TEST_F(KeysTest, RenameNxOverExpiredDestinationSucceeds) {
  Put("src", "1");
  Put("dst", "2", now_ms() + 1);
  advance(1);
  EXPECT_EQ(Run({"renamenx", "src", "dst"}), Int(1));
  EXPECT_EQ(Run({"pttl", "dst"}), Int(-1));
  EXPECT_EQ(store().KeyCount(), 1u);
}

TEST_F(KeysTest, ExpireThenTtlAndLogForm) {
  Put("k", "v");
  EXPECT_EQ(Run({"expire", "k", "10"}), Int(1));
  // Relative time stays relative in the log: apply adds it to the entry's (leader) time.
  EXPECT_EQ(last_log_argv(), (Argv{"expire", "k", "10"}));
  EXPECT_EQ(Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(Run({"pttl", "k"}), Int(10000));
  advance(8500);
  EXPECT_EQ(Run({"pttl", "k"}), Int(1500));
  EXPECT_EQ(Run({"ttl", "k"}), Int(2));  // (ttl + 500) / 1000, as Redis rounds
  advance(1);
  EXPECT_EQ(Run({"pttl", "k"}), Int(1499));
  EXPECT_EQ(Run({"ttl", "k"}), Int(1));
  advance(1499);
  EXPECT_EQ(Run({"pttl", "k"}), Int(-2));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-2));
  EXPECT_EQ(Run({"expire", "k", "10"}), Int(0));  // expired = missing
  EXPECT_FALSE(Present("k"));                       // and the write path deleted it
}

TEST_F(KeysTest, ExpireVariantsAndLogForms) {
  Put("k", "v");
  EXPECT_EQ(Run({"pexpire", "k", "1500", "nx"}), Int(1));
  EXPECT_EQ(last_log_argv(), (Argv{"pexpire", "k", "1500", "nx"}));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(now_ms() + 1500));
  EXPECT_EQ(Run({"expireat", "k", "1800000000"}), Int(1));
  EXPECT_EQ(last_log_argv(), (Argv{"pexpireat", "k", "1800000000000"}));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(1800000000));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(1800000000000));
  EXPECT_EQ(Run({"pexpireat", "k", "1800000000123"}), Int(1));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(1800000000));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(1800000000123));
  EXPECT_EQ(Run({"pexpireat", "k", "1800000000500"}), Int(1));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(1800000001));  // rounded to nearest, as Redis
  EXPECT_EQ(Run({"pexpireat", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"expiretime", "k"}), Int(9223372036854776));
  EXPECT_EQ(Run({"expiretime", "nokey"}), Int(-2));
  Put("p", "v");
  EXPECT_EQ(Run({"expiretime", "p"}), Int(-1));
  EXPECT_EQ(Run({"pexpiretime", "p"}), Int(-1));
  EXPECT_EQ(Run({"ttl", "p"}), Int(-1));
  EXPECT_EQ(Run({"expire", "nokey", "10"}), Int(0));
}

TEST_F(KeysTest, ExpireInThePastDeletes) {
  Put("a", "1");
  Put("b", "2");
  Put("c", "3");
  EXPECT_EQ(Run({"pexpireat", "a", "1000"}), Int(1));
  EXPECT_FALSE(Present("a"));
  EXPECT_EQ(Run({"expire", "b", "-1"}), Int(1));
  EXPECT_FALSE(Present("b"));
  EXPECT_EQ(Run({"pexpire", "c", "0"}), Int(1));  // when == now counts as past
  EXPECT_FALSE(Present("c"));
  EXPECT_EQ(store().KeyCount(), 0u);
  EXPECT_EQ(Run({"pexpireat", "a", "1000"}), Int(0));
}

TEST_F(KeysTest, ExpireNxXxGtLt) {
  Put("k", "v");  // no TTL: treated as infinite
  EXPECT_EQ(Run({"expire", "k", "100", "xx"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "100", "gt"}), Int(0));
  EXPECT_EQ(Run({"pttl", "k"}), Int(-1));
  EXPECT_EQ(Run({"expire", "k", "100", "lt"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(Run({"expire", "k", "50", "nx"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "50", "gt"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "100", "gt"}), Int(0));  // equal is not greater
  EXPECT_EQ(Run({"expire", "k", "200", "GT"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(200));
  EXPECT_EQ(Run({"expire", "k", "300", "lt"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "200", "lt"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "150", "xx", "lt"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(150));
  EXPECT_EQ(Run({"persist", "k"}), Int(1));
  EXPECT_EQ(Run({"expire", "k", "10", "NX"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(Run({"expire", "k", "-5", "lt"}), Int(1));  // LT into the past deletes
  EXPECT_FALSE(Present("k"));
}

TEST_F(KeysTest, ExpireErrors) {
  Put("k", "v");
  EXPECT_EQ(Run({"expire", "k", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"expire", "k", "10.5"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"expire", "k", "abc", "foo"}), Err("ERR Unsupported option foo"));  // options first
  EXPECT_EQ(Run({"expire", "k", "abc", "nx", "xx"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"expire", "k", "10", "nx", "gt"}),
            Err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"expire", "k", "10", "gt", "lt"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"expire", "k", "10", "xx", "gt", "lt"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"expire", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"expire", "k", "9223372036854775"}),  // fits *1000, overflows + now
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"pexpire", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"expireat", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"expire", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"expire", "k"}), Err("ERR wrong number of arguments for 'expire' command"));
  EXPECT_FALSE(has_log());  // errors are never proposed
  EXPECT_EQ(Run({"pttl", "k"}), Int(-1));
  // The largest absolute time is accepted.
  EXPECT_EQ(Run({"pexpireat", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"pexpiretime", "k"}), Int(9223372036854775807));
}

TEST_F(KeysTest, Persist) {
  EXPECT_EQ(Run({"persist", "nokey"}), Int(0));
  Put("k", "v");
  EXPECT_EQ(Run({"persist", "k"}), Int(0));
  EXPECT_EQ(Run({"expire", "k", "10"}), Int(1));
  EXPECT_EQ(Run({"persist", "k"}), Int(1));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(ExpireOf("k"), 0);
}

TEST_F(KeysTest, InternalExpiredDeletesOnlyExpiredKeys) {
  Put("gone", "1", now_ms() + 10);
  Put("renewed", "2", now_ms() + 10);
  Put("forever", "3");
  // The leader saw both expire, but "renewed" got a new TTL before the deletion was applied.
  EXPECT_EQ(Run({"persist", "renewed"}), Int(1));
  advance(10);
  EXPECT_EQ(Run({"redraft.expired", "gone", "renewed", "forever", "nokey"}), Int(1));
  EXPECT_FALSE(Present("gone"));
  EXPECT_TRUE(Present("renewed"));
  EXPECT_TRUE(Present("forever"));
  EXPECT_EQ(store().KeyCount(), 2u);
  // The proposer's clock decides: applied with an older now_ms, nothing is expired yet.
  Put("later", "4", now_ms() + 100);
  EXPECT_EQ(Run({"redraft.expired", "later"}), Int(0));
  EXPECT_TRUE(Present("later"));
}

TEST_F(KeysTest, KeysPattern) {
  for (const char* k : {"hello", "hallo", "hxllo", "hllo", "heeeello", "other"}) Put(k, "v");
  Put("hexpired", "v", now_ms() - 1);
  EXPECT_EQ(Run({"keys", "h?llo"}), Array({Bulk("hallo"), Bulk("hello"), Bulk("hxllo")}));
  EXPECT_EQ(Run({"keys", "h[ae]llo"}), Array({Bulk("hallo"), Bulk("hello")}));
  EXPECT_EQ(Run({"keys", "h[^e]llo"}), Array({Bulk("hallo"), Bulk("hxllo")}));
  EXPECT_EQ(Run({"keys", "h*llo"}),
            Array({Bulk("hallo"), Bulk("heeeello"), Bulk("hello"), Bulk("hllo"), Bulk("hxllo")}));
  EXPECT_EQ(Run({"keys", "nomatch*"}), "*0\r\n");
  EXPECT_EQ(Run({"keys", "h*"}).find("hexpired"), std::string::npos);
  Put("", "empty");
  EXPECT_EQ(Run({"keys", "*"}).substr(0, 11), "*7\r\n$0\r\n\r\n$");  // "*" matches "" too
}

TEST_F(KeysTest, ScanReturnsEveryKeyExactlyOnce) {
  std::set<std::string> want;
  for (int i = 0; i < 57; i++) {
    std::string k = "key:" + std::to_string(i);
    Put(k, "v");
    want.insert(k);
  }
  int calls = 0;
  auto got = ScanAll({"count", "5"}, &calls);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  EXPECT_EQ(calls, 12);  // ceil(57 / 5)
  // Default COUNT is 10.
  std::string cursor;
  std::vector<std::string> keys;
  ASSERT_TRUE(ParseScanReply(Run({"scan", "0"}), &cursor, &keys));
  EXPECT_EQ(keys.size(), 10u);
  EXPECT_NE(cursor, "0");
  EXPECT_EQ(cursor.find_first_not_of("0123456789"), std::string::npos);  // numeric, unsigned
  // A cursor can be reused (client retry) and returns the same page.
  std::vector<std::string> page1, page2;
  std::string c1, c2;
  ASSERT_TRUE(ParseScanReply(Run({"scan", cursor, "count", "3"}), &c1, &page1));
  ASSERT_TRUE(ParseScanReply(Run({"scan", cursor, "count", "3"}), &c2, &page2));
  EXPECT_EQ(page1, page2);
  // Big COUNT: one call.
  got = ScanAll({"COUNT", "1000"}, &calls);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got.size(), want.size());
}

TEST_F(KeysTest, ScanKeysWrittenDuringIterationDoNotBreakIt) {
  for (int i = 0; i < 20; i++) Put("k" + std::to_string(100 + i), "v");
  std::string cursor = "0";
  std::multiset<std::string> got;
  int round = 0;
  do {
    std::vector<std::string> keys;
    ASSERT_TRUE(ParseScanReply(Run({"scan", cursor, "count", "4"}), &cursor, &keys));
    got.insert(keys.begin(), keys.end());
    Put("k" + std::to_string(200 + round), "v");  // after every key so far
    EXPECT_EQ(Run({"del", "k" + std::to_string(119 - round)}), Int(1));
    round++;
  } while (cursor != "0" && round < 100);
  // Keys present for the whole iteration are returned exactly once.
  for (int i = 100; i < 119 - round + 1; i++) EXPECT_EQ(got.count("k" + std::to_string(i)), 1u) << i;
}

TEST_F(KeysTest, ScanMatchTypeAndExpired) {
  for (int i = 0; i < 30; i++) Put((i % 2 ? "odd:" : "even:") + std::to_string(i), "v");
  Put("even:expired", "v", now_ms());
  auto even = ScanAll({"match", "even:*", "count", "7"});
  EXPECT_EQ(even.size(), 15u);
  for (const auto& k : even) EXPECT_EQ(k.rfind("even:", 0), 0u);
  EXPECT_EQ(ScanAll({"type", "STRING"}).size(), 30u);
  EXPECT_EQ(ScanAll({"type", "hash"}).size(), 0u);
  EXPECT_EQ(ScanAll({"type", "nosuchtype"}).size(), 0u);  // 7.0: no error, just nothing
  EXPECT_EQ(ScanAll({"match", "*"}).size(), 30u);
  // MATCH filters after fetching: a page may be empty while the cursor continues.
  std::string cursor;
  std::vector<std::string> keys;
  ASSERT_TRUE(ParseScanReply(Run({"scan", "0", "match", "zzz*", "count", "3"}), &cursor, &keys));
  EXPECT_TRUE(keys.empty());
  EXPECT_NE(cursor, "0");
}

TEST_F(KeysTest, ScanErrorsAndEdgeCases) {
  EXPECT_EQ(Run({"scan", "0"}), Array({Bulk("0"), "*0\r\n"}));
  EXPECT_EQ(Run({"scan", ""}), Array({Bulk("0"), "*0\r\n"}));  // strtoul("") == 0, as Redis
  EXPECT_EQ(Run({"scan", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"scan", " 0"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"scan", "99999999999999999999999"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"scan", "0", "count", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"scan", "0", "count", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"scan", "0", "match"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"scan", "0", "foo", "bar"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"scan", "abc", "foo"}), Err("ERR invalid cursor"));  // cursor checked first
  // A cursor this node never issued (another node's, or from before a restart).
  EXPECT_EQ(Run({"scan", "12345"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"scan"}), Err("ERR wrong number of arguments for 'scan' command"));
}

TEST_F(KeysTest, RandomKey) {
  EXPECT_EQ(Run({"randomkey"}), kNil);
  Put("only", "v");
  EXPECT_EQ(Run({"randomkey"}), Bulk("only"));
  std::map<std::string, int> seen;
  for (int i = 0; i < 20; i++) Put("key:" + std::to_string(i), "v");
  for (int i = 0; i < 400; i++) {
    std::string r = Run({"randomkey"});
    ASSERT_EQ(r[0], '$');
    seen[r]++;
  }
  EXPECT_GE(seen.size(), 5u);  // not always the same key
  for (auto& [r, n] : seen) EXPECT_TRUE(r.find("key:") != std::string::npos || r == Bulk("only")) << r;
}

TEST_F(KeysTest, RandomKeyLargeKeySpaceSpreads) {
  // Above the exact-index threshold: the trie walk.
  auto batch = store().NewBatch();
  for (int i = 0; i < 3000; i++) {
    store::Value v;
    v.payload = "v";
    batch->Put((i % 3 ? "user:" : "item:") + std::to_string(i), v);
  }
  batch->Put("user:1", store::Value{});  // a key that is also a prefix of others
  ASSERT_TRUE(store().Commit(batch.get(), ++index_).ok());
  std::map<std::string, int> seen;
  int items = 0;
  for (int i = 0; i < 600; i++) {
    std::string r = Run({"randomkey"});
    ASSERT_EQ(r[0], '$') << r;
    ASSERT_TRUE(r.find("user:") != std::string::npos || r.find("item:") != std::string::npos) << r;
    items += r.find("item:") != std::string::npos;
    seen[r]++;
  }
  EXPECT_GE(seen.size(), 300u);
  EXPECT_GT(items, 100);  // both branches are reached
  EXPECT_LT(items, 500);
}

TEST_F(KeysTest, RandomKeySkipsExpired) {
  for (int i = 0; i < 10; i++) Put("e" + std::to_string(i), "v", now_ms() + 1);
  Put("live", "v");
  advance(1);
  for (int i = 0; i < 20; i++) EXPECT_EQ(Run({"randomkey"}), Bulk("live"));
  EXPECT_EQ(Run({"del", "live"}), Int(1));
  EXPECT_EQ(Run({"randomkey"}), kNil);  // only expired keys left
}

}  // namespace
}  // namespace redraft::commands
