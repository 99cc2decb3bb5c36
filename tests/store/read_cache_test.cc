#include "store/read_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace redraft::store {
namespace {

Value Str(std::string payload) {
  Value v;
  v.payload = std::move(payload);
  return v;
}

TEST(ReadCacheTest, PutLookupEraseClear) {
  ReadCache c(1 << 20);
  Value out;
  EXPECT_FALSE(c.Lookup("k", &out));
  c.Put("k", Str("v1"));
  ASSERT_TRUE(c.Lookup("k", &out));
  EXPECT_EQ(out.payload, "v1");
  c.Put("k", Str("v2"));  // an overwrite replaces, never duplicates
  ASSERT_TRUE(c.Lookup("k", &out));
  EXPECT_EQ(out.payload, "v2");
  EXPECT_EQ(c.entries(), 1u);
  c.Erase("k");
  EXPECT_FALSE(c.Lookup("k", &out));
  EXPECT_EQ(c.bytes(), 0u);
  c.Put("a", Str("x"));
  c.Put("b", Str("y"));
  c.Clear();
  EXPECT_FALSE(c.Lookup("a", &out));
  EXPECT_EQ(c.entries(), 0u);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(ReadCacheTest, LargePayloadsAreNotCachedAndEraseTheOldRecord) {
  ReadCache c(1 << 20);
  Value out;
  c.Put("k", Str("small"));
  c.Put("k", Str(std::string(ReadCache::kMaxPayload + 1, 'x')));
  EXPECT_FALSE(c.Lookup("k", &out));  // the stale "small" must not survive
}

TEST(ReadCacheTest, StaysWithinBudgetAndKeepsTheNewestAndTheReadOften) {
  const size_t budget = 64 << 10;
  ReadCache c(budget);
  Value out;
  c.Put("hot", Str("h"));
  for (int i = 0; i < 5000; i++) {
    c.Put("k" + std::to_string(i), Str(std::string(20, 'v')));
    EXPECT_LE(c.bytes(), budget);
    if (i % 50 == 0) EXPECT_TRUE(c.Lookup("hot", &out)) << i;  // read often: promoted, kept
  }
  EXPECT_TRUE(c.Lookup("k4999", &out));  // the newest writes are always there
  EXPECT_FALSE(c.Lookup("k0", &out));    // the oldest were dropped
  ASSERT_TRUE(c.Lookup("hot", &out));
  EXPECT_EQ(out.payload, "h");
}

TEST(ReadCacheTest, EraseReachesBothGenerations) {
  ReadCache c(8 << 10);
  Value out;
  c.Put("k", Str("old"));
  for (int i = 0; i < 40; i++) c.Put("f" + std::to_string(i), Str("x"));  // rotates once: k is old
  c.Erase("k");
  EXPECT_FALSE(c.Lookup("k", &out));
  c.Put("k", Str("new"));
  for (int i = 40; i < 80; i++) c.Put("f" + std::to_string(i), Str("x"));
  c.Put("k", Str("newer"));
  ASSERT_TRUE(c.Lookup("k", &out));
  EXPECT_EQ(out.payload, "newer");
}

// The table (open addressing, backward-shift deletion) against a model, with a budget that never
// evicts: every key written and not erased is found with its latest value, no other is.
TEST(ReadCacheTest, MatchesAModelUnderRandomPutsAndErases) {
  ReadCache c(1 << 30);
  std::map<std::string, std::string> model;
  std::mt19937 rng(7);
  Value out;
  for (int step = 0; step < 200000; step++) {
    std::string key = "k" + std::to_string(rng() % 3000);
    if (rng() % 3 == 0) {
      c.Erase(key);
      model.erase(key);
    } else {
      std::string v = std::to_string(step);
      c.Put(key, Str(v));
      model[key] = v;
    }
    if (step % 1000 == 0) {
      for (int k = 0; k < 3000; k++) {
        std::string probe = "k" + std::to_string(k);
        auto it = model.find(probe);
        ASSERT_EQ(c.Lookup(probe, &out), it != model.end()) << probe << " at step " << step;
        if (it != model.end()) ASSERT_EQ(out.payload, it->second);
      }
      ASSERT_EQ(c.entries(), model.size());
    }
  }
}

TEST(ReadCacheTest, KeepsTheWholeRecord) {
  ReadCache c(1 << 20);
  Value v;
  v.type = ValueType::kHash;
  v.expire_ms = -3;
  v.version = 1ull << 60;
  v.payload = std::string("\0\xff", 2);
  c.Put(std::string("\0k", 2), v);
  c.Put("", Str("empty key"));
  Value out;
  ASSERT_TRUE(c.Lookup(std::string("\0k", 2), &out));
  EXPECT_EQ(out.type, ValueType::kHash);
  EXPECT_EQ(out.expire_ms, -3);
  EXPECT_EQ(out.version, 1ull << 60);
  EXPECT_EQ(out.payload, v.payload);
  ASSERT_TRUE(c.Lookup("", &out));
  EXPECT_EQ(out.payload, "empty key");
  EXPECT_FALSE(c.Lookup("k", &out));
}


// Hinted puts (ReadCache::Hint): hints taken by Lookup and Probe at random earlier times, many
// of them stale (erased, rotated out, cleared, promoted, resized since), never let a Put change
// another key or resurrect a dropped one: every cached key reads as its latest value.
TEST(ReadCacheTest, StaleHintsNeverWriteTheWrongEntry) {
  ReadCache c(64 << 10);  // small: generations rotate every few hundred puts
  std::map<std::string, std::string> model;
  std::map<std::string, ReadCache::Hint> hints;
  std::mt19937 rng(5);
  Value out;
  for (int step = 0; step < 300000; step++) {
    std::string key = "k" + std::to_string(rng() % 500);
    // Same-size values mostly (the in-place path a hint takes), sometimes another size.
    auto value = [&] { return std::to_string(100000 + step % 900000) + (rng() % 8 == 0 ? "+" : ""); };
    switch (rng() % 10) {
      case 0:
        c.Erase(key);
        model.erase(key);
        break;
      case 1:
        c.Lookup(key, &out, &hints[key]);
        break;
      case 2: {
        int64_t exp;
        uint64_t charge;
        c.Probe(key, &exp, &charge, &hints[key]);
        break;
      }
      case 3:
        if (rng() % 500 == 0) {
          c.Clear();
          model.clear();
          break;
        }
        [[fallthrough]];
      default: {
        std::string v = value();
        c.Put(key, ValueType::kString, 0, 0, 0, v, hints[key]);
        model[key] = v;
      }
    }
    if (step % 997 == 0) {
      for (int k = 0; k < 500; k++) {
        std::string probe = "k" + std::to_string(k);
        auto it = model.find(probe);
        if (c.Lookup(probe, &out)) {
          ASSERT_NE(it, model.end()) << probe << " at step " << step;
          ASSERT_EQ(out.payload, it->second) << probe << " at step " << step;
        }
      }
    }
  }
}

}  // namespace
}  // namespace redraft::store
