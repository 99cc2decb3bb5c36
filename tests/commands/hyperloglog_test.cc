// HyperLogLog: the representation against bytes recorded from redis-server 7.0.15, and the
// commands through the command-test fixture (prepare -> log -> apply), including corrupted input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "commands/hyperloglog_format.h"
#include "commands/hyperloglog_memo.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {


uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// What Redis's PFCOUNT of one key leaves in the header: the count, cache valid.
void StoreCache(std::string* h, uint64_t card) {
  for (int i = 0; i < 8; i++) (*h)[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

std::string Build(int from, int to, int step) {
  std::string h = hll::NewHll();
  for (int i = from; i != to; i += step) hll::Add(&h, "e" + std::to_string(i));
  hll::InvalidateCache(&h);  // PFADD does this once per command
  return h;
}

TEST(HllFormat, MurmurHash64AKnownValues) {
  // MurmurHash64A with Redis's seed; the register and run of "a" follow from it.
  long reg;
  int count = hll::PatLen("a", &reg);
  EXPECT_GE(count, 1);
  EXPECT_LT(reg, hll::kRegisters);
  // Lengths 0..16 all go through the tail switch and the 8-byte loop without reading past the end.
  std::string s;
  for (int i = 0; i < 17; i++, s += 'x') EXPECT_NE(hll::MurmurHash64A(s.data(), static_cast<int>(s.size()), 0xadc83b19), 0u);
}

TEST(HllFormat, SparseBytesMatchRedis) {
  // PFADD h a b c on redis-server 7.0.15, then GET h.
  std::string h = hll::NewHll();
  for (const char* e : {"a", "b", "c"}) EXPECT_EQ(hll::Add(&h, e), 1);
  hll::InvalidateCache(&h);
  EXPECT_EQ(Hex(h), "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  bool invalid = false;
  EXPECT_EQ(hll::Count(h, &invalid), 3u);
  EXPECT_FALSE(invalid);
}

TEST(HllFormat, SparseEncodingDependsOnInsertionOrderLikeRedis) {
  // PFADD s e0..e299 and PFADD o e299..e0: same registers, different sparse bytes in Redis
  // (s was then counted by PFCOUNT, which cached 302 in its header).
  std::string s = Build(0, 300, 1), o = Build(299, -1, -1);
  StoreCache(&s, 302);
  ASSERT_EQ(s.size(), 713u);
  ASSERT_EQ(o.size(), 713u);
  EXPECT_EQ(Fnv1a(s), 0xc7b1bd47db913d5bULL);
  EXPECT_EQ(Fnv1a(o), 0xa4cfffba965d1718ULL);
}

TEST(HllFormat, DensePromotionMatchesRedis) {
  // PFADD d e0..e19999: promoted to dense past hll-sparse-max-bytes (then PFCOUNT cached 19901).
  std::string d = Build(0, 20000, 1);
  std::string counted = d;
  StoreCache(&counted, 19901);
  ASSERT_EQ(d.size(), hll::kDenseSize);
  EXPECT_EQ(static_cast<uint8_t>(d[4]), hll::kDense);
  EXPECT_EQ(Fnv1a(counted), 0x5b776629ffcdd575ULL);
  bool invalid = false;
  EXPECT_EQ(hll::Count(d, &invalid), 19901u);  // PFCOUNT d on redis-server
}

TEST(HllFormat, UnionCountMatchesRedis) {
  std::string d = Build(0, 20000, 1), s = Build(0, 300, 1);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  ASSERT_TRUE(hll::MergeInto(d, max.data()));
  ASSERT_TRUE(hll::MergeInto(s, max.data()));
  EXPECT_EQ(hll::CountRegisters(max.data()), 19901u);
  bool invalid = false;
  EXPECT_EQ(hll::Count(s, &invalid), 302u);
}

TEST(HllFormat, CacheBitAndValue) {
  std::string h = hll::NewHll();
  uint64_t card = 99;
  ASSERT_TRUE(hll::CachedCount(h, &card));
  EXPECT_EQ(card, 0u);
  h[8] = 42;
  hll::InvalidateCache(&h);
  EXPECT_FALSE(hll::CachedCount(h, &card));
  EXPECT_EQ(static_cast<uint8_t>(h[8]), 42);  // Redis keeps the stale bytes, only sets the bit
}

TEST(HllFormat, LooksLikeHll) {
  EXPECT_TRUE(hll::LooksLikeHll(hll::NewHll()));
  EXPECT_FALSE(hll::LooksLikeHll("HYLL"));
  EXPECT_FALSE(hll::LooksLikeHll(std::string("HYLX\x01", 5) + std::string(11, '\0')));
  std::string bad_enc = hll::NewHll();
  bad_enc[4] = 2;
  EXPECT_FALSE(hll::LooksLikeHll(bad_enc));
  std::string short_dense = hll::NewHll();
  short_dense[4] = 0;
  EXPECT_FALSE(hll::LooksLikeHll(short_dense));
}

TEST(HllFormat, CorruptedSparseBodiesAreReportedNeverCrash) {
  // Truncated XZERO, too few registers, too many, VAL overflow, empty body.
  const std::string header = hll::NewHll().substr(0, hll::kHeaderSize);
  for (std::string body : {std::string("\x7f"), std::string("\x7f\xf0"), std::string("\x7f\xff\x00", 3),
                           std::string("\x7f\xfc\x83\x83"), std::string(""), std::string("\x83")}) {
    std::string h = header + body;
    bool invalid = false;
    hll::Count(h, &invalid);
    EXPECT_TRUE(invalid) << Hex(body);
    std::vector<uint8_t> max(hll::kRegisters, 0);
    EXPECT_FALSE(hll::MergeInto(h, max.data())) << Hex(body);
    std::string copy = h;
    EXPECT_FALSE(hll::SparseToDense(&copy)) << Hex(body);
    for (long reg : {0L, 100L, 16383L}) {
      std::string w = h;
      hll::SetRegister(&w, reg, 5);   // any result, but bounded and no crash
      hll::SetRegister(&w, reg, 40);  // the promotion path
    }
  }
}

TEST(HllFormat, RandomBytesNeverCrash) {
  // A cheap in-process fuzz: random sparse bodies through every entry point (the libFuzzer
  // target in tests/fuzz does the same with coverage guidance).
  std::mt19937_64 rng(12345);
  for (int iter = 0; iter < 3000; iter++) {
    std::string h = hll::NewHll().substr(0, hll::kHeaderSize);
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; i++) h += static_cast<char>(rng());
    bool invalid = false;
    hll::Count(h, &invalid);
    std::vector<uint8_t> max(hll::kRegisters, 0);
    hll::MergeInto(h, max.data());
    std::string w = h;
    hll::SetRegister(&w, static_cast<long>(rng() % hll::kRegisters), static_cast<uint8_t>(1 + rng() % 40));
    hll::Add(&w, "x");
  }
}

class HllCommandsTest : public CommandTest {
 protected:
  int64_t ExpireOf(const std::string& key) {
    store::Value v;
    return Raw(key, &v) ? v.expire_ms : -1;
  }
};

TEST_F(HllCommandsTest, PfaddPfcountPfmerge) {
  Expect({"PFADD", "h", "a", "b", "c"}, Int(1));
  Expect({"PFADD", "h", "a"}, Int(0));
  Expect({"PFCOUNT", "h"}, Int(3));
  Expect({"PFCOUNT", "missing"}, Int(0));
  Expect({"PFADD", "e"}, Int(1));
  Expect({"PFCOUNT", "e"}, Int(0));
  Expect({"PFADD", "g", "c", "d"}, Int(1));
  Expect({"PFCOUNT", "h", "g", "missing"}, Int(4));
  Expect({"PFMERGE", "m", "h", "g"}, kOk);
  Expect({"PFCOUNT", "m"}, Int(4));
}

TEST_F(HllCommandsTest, WrongTypeAndNotAnHll) {
  Expect({"HSET", "hash", "f", "v"}, Int(1));
  Expect({"PFADD", "hash", "a"}, Err(kErrWrongType));
  Expect({"SET", "s", "plain string value"}, kOk);
  const std::string not_hll = Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
  Expect({"PFADD", "s", "a"}, not_hll);
  Expect({"PFCOUNT", "s"}, not_hll);
  Expect({"PFMERGE", "d", "s"}, not_hll);
  Expect({"SET", "bad", std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xf0", 18)}, kOk);
  Expect({"PFCOUNT", "bad"}, Err("INVALIDOBJ Corrupted HLL object detected"));
  Expect({"PFMERGE", "d", "bad"}, Err("INVALIDOBJ Corrupted HLL object detected"));
  Expect({"EXISTS", "d"}, Int(0));
}

TEST_F(HllCommandsTest, PfmergeKeepsDestinationTtl) {
  Expect({"PFADD", "d", "x"}, Int(1));
  Expect({"PEXPIRE", "d", "100000"}, Int(1));
  Expect({"PFMERGE", "d"}, kOk);
  EXPECT_GT(ExpireOf("d"), 0);
}

// PFCOUNT's memo (hyperloglog_memo.h) answers only for the exact bytes it counted: a key whose
// value changed by any write (PFADD, SET of other HLL bytes, a corrupted value) is counted again.
TEST_F(HllCommandsTest, PfcountMemoFollowsEveryChangeOfTheValue) {
  Argv add{"PFADD", "big"};
  for (int i = 0; i < 20000; i++) add.push_back("e" + std::to_string(i));
  Expect(add, Int(1));  // dense
  Expect({"PFCOUNT", "big"}, Int(19901));
  Expect({"PFCOUNT", "big"}, Int(19901));  // from the memo
  Expect({"PFADD", "big", "another", "one", "more"}, Int(1));
  store::Value v;
  ASSERT_TRUE(Raw("big", &v));
  bool invalid = false;
  const uint64_t now = hll::Count(v.payload, &invalid);
  EXPECT_NE(now, 19901u);  // the new registers changed the estimate (19902, as redis-server)
  Expect({"PFCOUNT", "big"}, Int(static_cast<int64_t>(now)));
  Expect({"PFADD", "small", "a", "b"}, Int(1));
  ASSERT_TRUE(Raw("small", &v));
  Expect({"SET", "big", v.payload}, kOk);  // another HLL's bytes under the same key
  Expect({"PFCOUNT", "big"}, Int(2));
  Expect({"SET", "big", std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xf0", 18)}, kOk);
  Expect({"PFCOUNT", "big"}, Err("INVALIDOBJ Corrupted HLL object detected"));
}

TEST(HllMemo, HitsOnlyOnEqualBytesOfTheSameKeyAndDatabase) {
  hll_memo::Remember(0, "k", "bytes-1", 7);
  uint64_t card = 0;
  EXPECT_TRUE(hll_memo::Find(0, "k", "bytes-1", &card));
  EXPECT_EQ(card, 7u);
  EXPECT_FALSE(hll_memo::Find(0, "k", "bytes-2", &card));
  EXPECT_FALSE(hll_memo::Find(1, "k", "bytes-1", &card));
  EXPECT_FALSE(hll_memo::Find(0, "other", "bytes-1", &card));
  for (size_t i = 0; i <= hll_memo::kMaxEntries; i++) hll_memo::Remember(0, "f" + std::to_string(i), "x", i);
  EXPECT_FALSE(hll_memo::Find(0, "k", "bytes-1", &card));  // bounded: cleared when full
}

}  // namespace
}  // namespace redraft::commands::testing
