#include "store/read_cache.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace redraft::store
