// The list family against a real Store, through the same prepare -> log -> apply path as the
// server (test_util.h). Byte-exact replies against redis-server 7.0 are in
// tests/integration/compat_cases_lists.txt; these tests cover the encoding (docs/data_model.md,
// "Lists"): the metadata payload [size][head][tail], one sub-key per position exactly at
// head..tail-1 after every write, which side LINSERT/LREM move, O(1) deletion of a list emptied
// whole, versions, and a model-checked random workload over long lists.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "commands/args.h"
#include "common/coding.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

constexpr uint64_t kStart = 1ull << 63;

struct Meta {
  uint64_t size, head, tail;
};

class ListsTest : public CommandTest {
 protected:
  Meta MetaOf(const std::string& key) {
    store::Value v;
    EXPECT_TRUE(Raw(key, &v));
    EXPECT_EQ(v.type, store::ValueType::kList);
    EXPECT_EQ(v.payload.size(), 24u);
    if (v.payload.size() < 24) return {0, 0, 0};
    const char* p = v.payload.data();
    return {DecodeFixed64(p), DecodeFixed64(p + 8), DecodeFixed64(p + 16)};
  }
  static uint64_t Pos(std::string_view field) {
    EXPECT_EQ(field.size(), 8u);
    uint64_t p = 0;
    for (unsigned char c : field) p = (p << 8) | c;
    return p;
  }
  // Every sub-key under the key's live version, as (position, element).
  std::vector<std::pair<uint64_t, std::string>> Elements(const std::string& key) {
    std::vector<std::pair<uint64_t, std::string>> out;
    EXPECT_TRUE(store().ScanSub(key, VersionOf(key), "", [&](std::string_view f, std::string_view v) {
      out.emplace_back(Pos(f), v);
      return true;
    }).ok());
    return out;
  }
  int SubKeys(const std::string& key, uint64_t version) {
    int n = 0;
    EXPECT_TRUE(store().ScanSub(key, version, "", [&](std::string_view, std::string_view) {
      n++;
      return true;
    }).ok());
    return n;
  }
  // The encoding's invariant: size == tail - head, and exactly one sub-key per position in
  // [head, tail), holding want in order.
  void CheckList(const std::string& key, const std::deque<std::string>& want) {
    if (want.empty()) {
      store::Value v;
      EXPECT_FALSE(Raw(key, &v)) << key << " should be deleted";
      return;
    }
    Meta m = MetaOf(key);
    ASSERT_EQ(m.size, want.size());
    ASSERT_EQ(m.tail - m.head, m.size);
    auto elems = Elements(key);
    ASSERT_EQ(elems.size(), want.size()) << "stray or missing sub-keys";
    for (size_t i = 0; i < elems.size(); i++) {
      EXPECT_EQ(elems[i].first, m.head + i);
      EXPECT_EQ(elems[i].second, want[i]) << "index " << i;
    }
  }
};

const std::string kWrongType = Err(kErrWrongType);

TEST_F(ListsTest, PushesGrowBothEndsFromTheMiddle) {
  Expect({"RPUSH", "l", "a", "b"}, Int(2));
  Meta m = MetaOf("l");
  EXPECT_EQ(m.head, kStart);
  EXPECT_EQ(m.tail, kStart + 2);
  Expect({"LPUSH", "l", "x", "y", "z"}, Int(5));
  m = MetaOf("l");
  EXPECT_EQ(m.head, kStart - 3);
  EXPECT_EQ(m.tail, kStart + 2);
  CheckList("l", {"z", "y", "x", "a", "b"});
  Expect({"TYPE", "l"}, "+list\r\n");
}

TEST_F(ListsTest, IndexIsOnePointLookup) {
  Expect({"RPUSH", "l", "a", "b", "c"}, Int(3));
  Expect({"LPUSH", "l", "z"}, Int(4));
  Expect({"LINDEX", "l", "0"}, Bulk("z"));
  Expect({"LINDEX", "l", "-1"}, Bulk("c"));
  Expect({"LSET", "l", "-4", "Z"}, kOk);
  Expect({"LSET", "l", "3", "C"}, kOk);
  CheckList("l", {"Z", "a", "b", "C"});
}

TEST_F(ListsTest, PopsMoveTheEndsAndDeleteTheEmptyList) {
  Expect({"RPUSH", "l", "a", "b", "c", "d"}, Int(4));
  Expect({"LPOP", "l"}, Bulk("a"));
  Expect({"RPOP", "l", "2"}, Array({Bulk("d"), Bulk("c")}));
  Meta m = MetaOf("l");
  EXPECT_EQ(m.head, kStart + 1);
  EXPECT_EQ(m.tail, kStart + 2);
  CheckList("l", {"b"});
  uint64_t v = VersionOf("l");
  Expect({"RPOP", "l"}, Bulk("b"));
  CheckList("l", {});
  EXPECT_EQ(store().KeyCount(), 0u);
  Expect({"RPOP", "l"}, kNil);
  Expect({"RPOP", "l", "2"}, "*-1\r\n");
  EXPECT_EQ(SubKeys("l", v), 1) << "the last element is left as garbage, not deleted one by one";
}

TEST_F(ListsTest, Resp3NullForms) {
  set_proto(3);
  Expect({"LPOP", "nokey"}, "_\r\n");
  Expect({"LPOP", "nokey", "3"}, "_\r\n");
  Expect({"LMPOP", "1", "nokey", "LEFT"}, "_\r\n");
  Expect({"LINDEX", "nokey", "0"}, "_\r\n");
  Expect({"LPOS", "nokey", "a"}, "_\r\n");
  Expect({"RPUSH", "l", "a"}, Int(1));
  Expect({"LPOP", "l", "0"}, "*0\r\n");
  Expect({"LMOVE", "nokey", "l", "LEFT", "LEFT"}, "_\r\n");
}

TEST_F(ListsTest, ArgumentErrorsAreNeverProposed) {
  Expect({"LPOP", "l", "-1"}, Err(kErrNotPositive));
  EXPECT_FALSE(has_log());
  Expect({"RPOP", "l", "1", "2"}, Err("ERR wrong number of arguments for 'rpop' command"));
  EXPECT_FALSE(has_log());
  Expect({"LINSERT", "l", "MIDDLE", "a", "b"}, Err(kErrSyntax));
  EXPECT_FALSE(has_log());
  Expect({"LREM", "l", "x", "a"}, Err(kErrNotInteger));
  EXPECT_FALSE(has_log());
  Expect({"LTRIM", "l", "0", "x"}, Err(kErrNotInteger));
  EXPECT_FALSE(has_log());
  Expect({"LMOVE", "a", "b", "LEFT", "UP"}, Err(kErrSyntax));
  EXPECT_FALSE(has_log());
  Expect({"LMPOP", "0", "a", "LEFT"}, Err("ERR numkeys should be greater than 0"));
  EXPECT_FALSE(has_log());
  // numkeys far beyond argc: a syntax error, nothing allocated per key.
  Expect({"LMPOP", "9223372036854775807", "a", "LEFT"}, Err(kErrSyntax));
  EXPECT_FALSE(has_log());
  // LSET looks the key up first, so its index is checked at apply time, as Redis does.
  Expect({"LSET", "nokey", "x", "v"}, Err(kErrNoSuchKey));
  EXPECT_TRUE(has_log());
}

TEST_F(ListsTest, WrongTypeLeavesBothKeysAlone) {
  Expect({"SET", "s", "v"}, kOk);
  Expect({"RPUSH", "l", "a", "b"}, Int(2));
  Expect({"LMOVE", "l", "s", "LEFT", "LEFT"}, kWrongType);
  Expect({"RPOPLPUSH", "s", "l"}, kWrongType);
  Expect({"LMPOP", "2", "s", "l", "LEFT"}, kWrongType);
  CheckList("l", {"a", "b"});
  Expect({"GET", "s"}, Bulk("v"));
}

// LINSERT moves the elements on the shorter side of the insertion point by one position.
TEST_F(ListsTest, LinsertMovesTheShorterSide) {
  Argv push = {"RPUSH", "l"};
  std::deque<std::string> model;
  for (int i = 0; i < 10; i++) {
    push.push_back(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  Expect(push, Int(10));
  Expect({"LINSERT", "l", "AFTER", "1", "x"}, Int(11));  // index 2: the head side moves
  model.insert(model.begin() + 2, "x");
  Meta m = MetaOf("l");
  EXPECT_EQ(m.head, kStart - 1);
  EXPECT_EQ(m.tail, kStart + 10);
  CheckList("l", model);
  Expect({"LINSERT", "l", "BEFORE", "8", "y"}, Int(12));  // near the tail: the tail side moves
  model.insert(model.begin() + 9, "y");
  m = MetaOf("l");
  EXPECT_EQ(m.head, kStart - 1);
  EXPECT_EQ(m.tail, kStart + 11);
  CheckList("l", model);
  Expect({"LINSERT", "l", "BEFORE", "0", "h"}, Int(13));  // at the head: nothing moves
  model.push_front("h");
  Expect({"LINSERT", "l", "AFTER", "9", "t"}, Int(14));   // at the tail: nothing moves
  model.push_back("t");
  CheckList("l", model);
}

// LREM closes its gaps by moving the cheaper side; the vacated positions are deleted.
TEST_F(ListsTest, LremClosesGapsFromTheCheaperSide) {
  Argv push = {"RPUSH", "l", "a", "b", "a"};
  for (int i = 0; i < 20; i++) push.push_back("k" + std::to_string(i));
  Expect(push, Int(23));
  Expect({"LREM", "l", "0", "a"}, Int(2));  // holes near the head: the head side moves up
  Meta m = MetaOf("l");
  EXPECT_EQ(m.head, kStart + 2);
  EXPECT_EQ(m.tail, kStart + 23);
  std::deque<std::string> model = {"b"};
  for (int i = 0; i < 20; i++) model.push_back("k" + std::to_string(i));
  CheckList("l", model);
  Expect({"RPUSH", "l", "z", "k5", "z"}, Int(24));
  Expect({"LREM", "l", "-2", "z"}, Int(2));  // near the tail: the tail side moves down
  m = MetaOf("l");
  EXPECT_EQ(m.head, kStart + 2);
  EXPECT_EQ(m.tail, kStart + 24);
  model.push_back("k5");
  CheckList("l", model);
  Expect({"LREM", "l", "1", "k5"}, Int(1));  // the first k5 only
  model.erase(model.begin() + 6);
  CheckList("l", model);
}

TEST_F(ListsTest, LtrimEverythingIsOneMetadataDelete) {
  Argv push = {"RPUSH", "l"};
  for (int i = 0; i < 500; i++) push.push_back("e");
  Expect(push, Int(500));
  uint64_t v = VersionOf("l");
  Expect({"LTRIM", "l", "1", "0"}, kOk);
  Expect({"EXISTS", "l"}, Int(0));
  EXPECT_EQ(SubKeys("l", v), 500) << "left as garbage for the compaction filter";
  Expect({"RPUSH", "l", "new"}, Int(1));
  EXPECT_NE(VersionOf("l"), v);
  CheckList("l", {"new"});
  ASSERT_TRUE(store().Flush().ok());
  ASSERT_TRUE(store().CompactAll().ok());
  EXPECT_EQ(SubKeys("l", v), 0);
  EXPECT_EQ(store().StaleSubKeysDropped(), 500u);
}

TEST_F(ListsTest, LtrimKeepsTheMiddle) {
  Expect({"RPUSH", "l", "a", "b", "c", "d", "e"}, Int(5));
  Expect({"LTRIM", "l", "1", "-2"}, kOk);
  Meta m = MetaOf("l");
  EXPECT_EQ(m.head, kStart + 1);
  EXPECT_EQ(m.tail, kStart + 4);
  CheckList("l", {"b", "c", "d"});
}

TEST_F(ListsTest, ARecreatedListHasNoOldElements) {
  Expect({"RPUSH", "l", "a", "b", "c"}, Int(3));
  Expect({"DEL", "l"}, Int(1));
  Expect({"LPUSH", "l", "x"}, Int(1));
  Expect({"LRANGE", "l", "0", "-1"}, Array({Bulk("x")}));
  // Expired: the next push starts a fresh list (and a fresh expiry-free record).
  Expect({"PEXPIRE", "l", "100"}, Int(1));
  advance(200);
  Expect({"RPUSH", "l", "y"}, Int(1));
  Expect({"LRANGE", "l", "0", "-1"}, Array({Bulk("y")}));
  Expect({"PTTL", "l"}, Int(-1));
  Expect({"PEXPIRE", "l", "100"}, Int(1));
  advance(200);
  Expect({"LLEN", "l"}, Int(0));
  Expect({"LMOVE", "l", "m", "LEFT", "LEFT"}, kNil);
}

TEST_F(ListsTest, RenameKeepsPositions) {
  Expect({"RPUSH", "l", "a", "b"}, Int(2));
  Expect({"LPUSH", "l", "z"}, Int(3));
  Meta before = MetaOf("l");
  Expect({"RENAME", "l", "m"}, kOk);
  Meta after = MetaOf("m");
  EXPECT_EQ(after.head, before.head);
  EXPECT_EQ(after.tail, before.tail);
  CheckList("m", {"z", "a", "b"});
  Expect({"LSET", "m", "0", "Z"}, kOk);
  Expect({"RPUSH", "m", "c"}, Int(4));
  CheckList("m", {"Z", "a", "b", "c"});
}

TEST_F(ListsTest, LmoveOntoItselfRotates) {
  Expect({"RPUSH", "l", "a", "b", "c"}, Int(3));
  Expect({"LMOVE", "l", "l", "LEFT", "RIGHT"}, Bulk("a"));
  CheckList("l", {"b", "c", "a"});
  Expect({"RPOPLPUSH", "l", "l"}, Bulk("a"));
  CheckList("l", {"a", "b", "c"});
  Expect({"RPUSH", "one", "x"}, Int(1));
  Expect({"LMOVE", "one", "one", "RIGHT", "LEFT"}, Bulk("x"));
  CheckList("one", {"x"});
}

TEST_F(ListsTest, LrangeStreamsLongLists) {
  Argv push = {"RPUSH", "l"};
  std::string want = "*1000\r\n";
  for (int i = 0; i < 1000; i++) {
    push.push_back(std::to_string(i));
    want += Bulk(std::to_string(i));
  }
  Expect(push, Int(1000));
  Expect({"LRANGE", "l", "0", "-1"}, want);
  Expect({"LRANGE", "l", "998", "5000"}, Array({Bulk("998"), Bulk("999")}));
  Expect({"LPOS", "l", "3", "RANK", "-1"}, Int(3));  // a backward scan across chunks
  Expect({"LPOS", "l", "999", "RANK", "-1", "MAXLEN", "1"}, Int(999));
  Expect({"LPOS", "l", "0", "RANK", "-1", "MAXLEN", "999"}, kNil);
}

// LINSERT/LREM on lists longer than one move chunk (256): moves cross chunk boundaries in both
// directions without overwriting an element before it is read.
TEST_F(ListsTest, LongListsMoveAcrossChunks) {
  Argv push = {"RPUSH", "l"};
  std::deque<std::string> model;
  for (int i = 0; i < 1000; i++) {
    push.push_back("e" + std::to_string(i));
    model.push_back("e" + std::to_string(i));
  }
  Expect(push, Int(1000));
  Expect({"LINSERT", "l", "AFTER", "e600", "x"}, Int(1001));  // 399 move towards the tail
  model.insert(model.begin() + 601, "x");
  CheckList("l", model);
  Expect({"LINSERT", "l", "BEFORE", "e300", "y"}, Int(1002));  // 300 move towards the head
  model.insert(model.begin() + 300, "y");
  CheckList("l", model);
  Expect({"RPUSH", "l", "x", "y"}, Int(1004));
  model.push_back("x");
  model.push_back("y");
  Expect({"LREM", "l", "0", "x"}, Int(2));  // holes at 602 and 1002: the tail side moves
  model.erase(std::remove(model.begin(), model.end(), "x"), model.end());
  CheckList("l", model);
  Expect({"LPUSH", "l", "y"}, Int(1003));
  model.push_front("y");
  Expect({"LREM", "l", "2", "y"}, Int(2));  // holes at 0 and 301: the head side moves
  model.erase(model.begin() + 301);
  model.pop_front();
  CheckList("l", model);
}

// A random workload over long lists, checked after every write against a std::deque model and
// the encoding invariant (exactly one sub-key per position in [head, tail)).
TEST_F(ListsTest, RandomWorkloadKeepsTheEncodingInvariant) {
  std::mt19937 rng(7);
  std::deque<std::string> model;
  const std::vector<std::string> alphabet = {"a", "b", "c", "d", "e", "f", "g"};
  auto pick = [&]() { return alphabet[rng() % alphabet.size()]; };
  for (int step = 0; step < 600; step++) {
    int op = static_cast<int>(rng() % 8);
    std::string e = pick();
    if (op <= 1 || model.size() < 5) {
      Argv push = {op == 0 ? "LPUSH" : "RPUSH", "l"};
      for (int i = 0; i < 1 + static_cast<int>(rng() % 20); i++) {
        std::string x = pick();
        push.push_back(x);
        if (op == 0) model.push_front(x); else model.push_back(x);
      }
      Run(push);
    } else if (op == 2) {
      auto it = std::find(model.begin(), model.end(), e);
      bool after = rng() % 2;
      Expect({"LINSERT", "l", after ? "AFTER" : "BEFORE", e, "n"},
             Int(it == model.end() ? -1 : static_cast<int64_t>(model.size() + 1)));
      if (it != model.end()) model.insert(after ? it + 1 : it, "n");
    } else if (op == 3 || op == 4) {
      int64_t count = static_cast<int64_t>(rng() % 7) - 3;
      int64_t removed = 0;
      uint64_t limit = count < 0 ? -count : count;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end() && (limit == 0 || removed < (int64_t)limit);) {
          if (*it == e) { it = model.erase(it); removed++; } else { ++it; }
        }
      } else {
        for (size_t i = model.size(); i-- > 0 && removed < (int64_t)limit;) {
          if (model[i] == e) { model.erase(model.begin() + i); removed++; }
        }
      }
      Expect({"LREM", "l", std::to_string(count), e}, Int(removed));
    } else if (op == 5) {
      size_t n = rng() % 4;
      Run({"LPOP", "l", std::to_string(n)});
      for (size_t i = 0; i < n && !model.empty(); i++) model.pop_front();
    } else if (op == 6) {
      size_t i = rng() % model.size();
      Expect({"LSET", "l", std::to_string(i), e}, kOk);
      model[i] = e;
    } else {
      Run({"LTRIM", "l", "1", "-2"});
      if (model.size() <= 2) model.clear(); else { model.pop_front(); model.pop_back(); }
    }
    ASSERT_NO_FATAL_FAILURE(CheckList("l", model)) << "step " << step;
    if (HasFailure()) return;
  }
}

TEST_F(ListsTest, SnapshotViewCarriesPositions) {
  Expect({"RPUSH", "l", "a", "b"}, Int(2));
  Expect({"LPUSH", "l", "z"}, Int(3));
  TempDir other;
  auto dst = OpenTestStore(other.path() + "/db");
  ASSERT_NE(dst, nullptr);
  ASSERT_TRUE(dst->StageBegin().ok());
  auto view = store().NewSnapshotView();
  store::Value v;
  for (; view->Valid(); view->Next()) {
    ASSERT_TRUE(view->value(&v).ok());
    dst->StagePut(view->key(), v);
  }
  ASSERT_TRUE(dst->StageInstall(view->applied_index(), view->key_count(), view->log_time_ms()).ok());
  store::Value l;
  ASSERT_TRUE(dst->Get("l", 0, &l).ok());
  ASSERT_EQ(l.payload, [&] { store::Value x; EXPECT_TRUE(Raw("l", &x)); return x.payload; }());
  std::string out;
  ASSERT_TRUE(dst->ScanSub("l", l.version, "", [&](std::string_view f, std::string_view e) {
    out += std::to_string(Pos(f) - (kStart - 1)) + std::string(e);
    return true;
  }).ok());
  EXPECT_EQ(out, "0z1a2b");
}

}  // namespace
}  // namespace redraft::commands::testing
