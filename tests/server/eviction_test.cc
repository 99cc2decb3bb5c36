// The leader's evictor and its access table (server/eviction.h, docs/memory.md) against a real
// store: what it proposes, under which policy, and that applying its entry (redraft.evict) keeps
// the dataset at the limit and spares keys rewritten since they were chosen.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "commands/command.h"
#include "commands/write_entry.h"
#include "server/eviction.h"
#include "test_util.h"

namespace redraft::server {
namespace {

using commands::testing::ApplyLog;
using commands::testing::OpenTestStore;
using commands::testing::TempDir;

class EvictorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path());
    Evictor::Hooks h;
    h.propose = [this](std::string entry) {
      proposed_.push_back(std::move(entry));
      return ++token_;
    };
    evictor_ = std::make_unique<Evictor>(store_.get(), &access_, std::move(h));
  }
  void Set(const std::string& key, int64_t expire_ms = 0) {
    auto b = store_->NewBatch();
    store::Value v;
    v.payload = std::string(100, 'v');
    v.expire_ms = expire_ms;
    v.version = index_ + 1;
    b->Put(store::QualifyKey(0, key), v);
    ASSERT_TRUE(store_->Commit(b.get(), ++index_).ok());
  }
  // Applies every proposed entry; returns the stored keys they named.
  std::set<std::string> ApplyProposed() {
    std::set<std::string> named;
    for (const std::string& e : proposed_) {
      commands::LogCommand lc;
      EXPECT_TRUE(commands::DecodeLogCommand(e, &lc));
      EXPECT_EQ(lc.argv[0], "redraft.evict");
      EXPECT_EQ(lc.db, commands::kStoredKeys);
      for (size_t i = 1; i + 1 < lc.argv.size(); i += 2) named.insert(lc.argv[i].substr(1));
      ApplyLog(*store_, lc, ++index_);
    }
    for (uint64_t t = 1; t <= token_; t++) evictor_->OnApplied(t);
    proposed_.clear();
    return named;
  }
  EvictionParams Params(EvictionPolicy policy, int64_t maxmemory) {
    EvictionParams p;
    p.policy = policy;
    p.maxmemory = maxmemory;
    return p;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  AccessTable access_;
  std::unique_ptr<Evictor> evictor_;
  std::vector<std::string> proposed_;
  uint64_t token_ = 0, index_ = 0;
  std::mt19937_64 rng_{1};
};

TEST_F(EvictorTest, EvictsDownToTheLimitAndNoMoreThanOnceForTheSameExcess) {
  for (int i = 0; i < 200; i++) Set("k" + std::to_string(1000 + i));
  const uint64_t per_key = store_->DatasetBytes() / 200;
  const auto p = Params(EvictionPolicy::kAllKeysRandom, static_cast<int64_t>(per_key * 150));
  evictor_->Run(p, 5000);
  ASSERT_FALSE(proposed_.empty());
  evictor_->Run(p, 5001);  // the first entry is in flight: it covers the excess already
  EXPECT_EQ(proposed_.size(), 1u);
  ApplyProposed();
  // Down to 0.5 % under the limit: 50.75 keys' worth, so 51 keys.
  EXPECT_LE(store_->DatasetBytes(), per_key * 150 - per_key * 150 / 200);
  EXPECT_EQ(store_->KeyCount(), 149u);
}

// Eviction ahead of the writes: what writes in flight will add counts as if applied, so the
// evictions for a burst are proposed before the burst lands; a large one takes several entries.
TEST_F(EvictorTest, CountsTheGrowthOfWritesInFlight) {
  for (int i = 0; i < 400; i++) Set("k" + std::to_string(1000 + i));
  const uint64_t per_key = store_->DatasetBytes() / 400;
  const auto p = Params(EvictionPolicy::kAllKeysRandom, static_cast<int64_t>(store_->DatasetBytes()));
  EXPECT_FALSE(evictor_->Behind(p, 0));
  evictor_->Run(p, 5000, /*growth=*/0);
  EXPECT_TRUE(proposed_.empty());  // at the limit, nothing in flight: nothing to do
  EXPECT_TRUE(evictor_->Behind(p, 150 * per_key));
  evictor_->Run(p, 5000, /*growth=*/150 * per_key);
  EXPECT_EQ(proposed_.size(), 3u);  // 150 keys and the 0.5 % margin: 64 + 64 + 24
  EXPECT_FALSE(evictor_->Behind(p, 150 * per_key));  // covered by the entries in flight
  ApplyProposed();
  EXPECT_EQ(store_->KeyCount(), 400u - 152u);
}

// The estimate for a new string key is its charge exactly (what the store adds at apply); for a
// collection it is at least the charge; entries that do not grow the dataset count 0.
TEST_F(EvictorTest, EntryGrowthEstimates) {
  auto growth_of = [&](commands::Argv argv) {
    auto entry = commands::PrepareWrite(*commands::Lookup(argv[0]), argv, /*now_ms=*/1000);
    EXPECT_TRUE(entry.ok());
    const uint64_t estimate = EstimateEntryGrowth(*entry);
    const uint64_t before = store_->DatasetBytes();
    commands::LogCommand lc;
    EXPECT_TRUE(commands::DecodeLogCommand(*entry, &lc));
    ApplyLog(*store_, lc, ++index_);
    return std::pair<uint64_t, int64_t>{estimate, static_cast<int64_t>(store_->DatasetBytes() - before)};
  };
  // ApplyLog writes keys without the database byte the server's keys carry: one more per key.
  auto [set_est, set_real] = growth_of({"set", "key:1", std::string(1000, 'x'), "EX", "3600"});
  EXPECT_EQ(static_cast<int64_t>(set_est), set_real + 1);
  auto [mset_est, mset_real] = growth_of({"mset", "a", "1234", "bb", "5"});
  EXPECT_EQ(static_cast<int64_t>(mset_est), mset_real + 2);
  auto [hset_est, hset_real] = growth_of({"hset", "h", "f1", "v1", "f2", "v2"});
  EXPECT_GE(static_cast<int64_t>(hset_est), hset_real);
  auto [lpush_est, lpush_real] = growth_of({"rpush", "l", "a", "b", "c"});
  EXPECT_GE(static_cast<int64_t>(lpush_est), lpush_real);
  EXPECT_EQ(growth_of({"del", "key:1"}).first, 0u);
  EXPECT_EQ(growth_of({"expire", "h", "100"}).first, 0u);
  commands::LogCommand evict{1000, {"redraft.evict", std::string("\0h"), "1"}};
  EXPECT_EQ(EstimateEntryGrowth(commands::EncodeLogCommand(evict)), 0u);
  EXPECT_EQ(EstimateEntryGrowth("garbage"), 0u);
}

TEST_F(EvictorTest, AllKeysLruEvictsTheLeastRecentlyUsed) {
  EvictionParams p = Params(EvictionPolicy::kAllKeysLru, 0);
  for (int i = 0; i < 100; i++) Set("k" + std::to_string(100 + i));
  evictor_->Sweep(1000);  // every key known, never used
  for (int i = 0; i < 100; i++) access_.Touch(store::QualifyKey(0, "k" + std::to_string(100 + i)), 1000 + i * 10, p, rng_);
  p.maxmemory = static_cast<int64_t>(store_->DatasetBytes() / 2);
  p.samples = 10;
  evictor_->Run(p, 10000);
  std::set<std::string> gone = ApplyProposed();
  ASSERT_FALSE(gone.empty());
  // Sampling is approximate (as Redis's): the evicted keys are mostly the older half.
  int old = 0;
  for (const auto& k : gone) old += std::stoi(k.substr(1)) < 150;
  EXPECT_GE(old * 10, static_cast<int>(gone.size()) * 7) << old << " of " << gone.size();
}

TEST_F(EvictorTest, VolatilePoliciesEvictOnlyKeysWithATtlAndReportStuckWithoutThem) {
  for (int i = 0; i < 50; i++) Set("p" + std::to_string(i));
  for (int i = 0; i < 5; i++) Set("t" + std::to_string(i), 100000 + i);  // few TTL keys: the scan finds them
  evictor_->Sweep(1000);
  for (auto policy : {EvictionPolicy::kVolatileTtl, EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileRandom,
                      EvictionPolicy::kVolatileLfu}) {
    auto p = Params(policy, static_cast<int64_t>(store_->DatasetBytes() - 1));
    evictor_->Run(p, 5000);
    std::set<std::string> gone = ApplyProposed();
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone.begin()->substr(0, 1), "t");
  }
  Set("t_last", 1);
  Set("t_last2", 1);
  auto p = Params(EvictionPolicy::kVolatileRandom, static_cast<int64_t>(store_->DatasetBytes() / 2));
  for (int round = 0; round < 20 && !evictor_->stuck(); round++) {
    evictor_->Run(p, 6000 + round * 100);
    ApplyProposed();
  }
  EXPECT_TRUE(evictor_->stuck());  // only keys without a TTL are left: writes must get OOM
  EXPECT_EQ(store_->KeyCount(), 50u);
}

TEST_F(EvictorTest, ATableFullOfDeletedKeysIsCleanedNotStuck) {
  for (int i = 0; i < 3000; i++) Set("old" + std::to_string(i));
  evictor_->Sweep(5000);
  {
    auto b = store_->NewBatch();
    b->DeleteAll();  // FLUSHALL: the table still names 3,000 keys
    ASSERT_TRUE(store_->Commit(b.get(), ++index_).ok());
  }
  for (int i = 0; i < 40; i++) Set("new" + std::to_string(i));
  const auto p = Params(EvictionPolicy::kAllKeysLru, static_cast<int64_t>(store_->DatasetBytes() / 2));
  for (int i = 0; i < 40; i++) access_.Touch(store::QualifyKey(0, "new" + std::to_string(i)), 1000, p, rng_);
  for (int round = 0; round < 10 && store_->DatasetBytes() > static_cast<uint64_t>(p.maxmemory); round++) {
    evictor_->Run(p, 5000 + round);
    EXPECT_FALSE(evictor_->stuck()) << "round " << round;
    ApplyProposed();
  }
  EXPECT_LE(store_->DatasetBytes(), static_cast<uint64_t>(p.maxmemory));
}

TEST_F(EvictorTest, AKeyRewrittenAfterItWasChosenSurvives) {
  Set("a");
  evictor_->Sweep(10);
  evictor_->Run(Params(EvictionPolicy::kAllKeysRandom, 1), 5000);
  ASSERT_EQ(proposed_.size(), 1u);
  Set("a");  // a new version before the entry applies
  ApplyProposed();
  EXPECT_EQ(store_->KeyCount(), 1u);
}

TEST(LfuTest, CounterGrowsLogarithmicallyAndDecays) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  uint8_t c = kLfuInitVal;
  for (int i = 0; i < 1000; i++) c = LfuLogIncr(c, 10, u(rng));
  EXPECT_GT(c, 10);  // Redis's table: ~18 after 1k hits with factor 10
  EXPECT_LT(c, 30);
  EXPECT_EQ(LfuLogIncr(255, 10, 0.0), 255);
  EXPECT_EQ(LfuDecayed(20, 100, 105, 1), 15);
  EXPECT_EQ(LfuDecayed(20, 100, 200, 1), 0);
  EXPECT_EQ(LfuDecayed(20, 100, 200, 0), 20);  // lfu-decay-time 0: never decays
}

TEST(AccessTableTest, RandomEraseKeepTheDirectoryConsistent) {
  AccessTable t;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100; i++) t.AddCold("k" + std::to_string(i));
  for (int i = 0; i < 100; i += 2) t.Erase("k" + std::to_string(i));
  EXPECT_EQ(t.size(), 50u);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; i++) seen.insert(t.Random(rng));
  EXPECT_EQ(seen.size(), 50u);
  for (const auto& k : seen) EXPECT_EQ(std::stoi(k.substr(1)) % 2, 1);
}

TEST(HintsTest, RoundTripAndMalformedBatches) {
  std::string b;
  AppendHint(&b, std::string_view("\0a", 2));
  AppendHint(&b, std::string(300, 'x'));
  std::vector<std::string> keys;
  EXPECT_TRUE(DecodeHints(b, [&](std::string_view k) { keys.emplace_back(k); }));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].size(), 300u);
  keys.clear();
  EXPECT_FALSE(DecodeHints(b.substr(0, b.size() - 1), [&](std::string_view k) { keys.emplace_back(k); }));
  EXPECT_EQ(keys.size(), 1u);  // what came before the damage is delivered
  EXPECT_FALSE(DecodeHints("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", [](std::string_view) {}));
}

}  // namespace
}  // namespace redraft::server
