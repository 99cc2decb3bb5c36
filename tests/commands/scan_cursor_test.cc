#include "commands/scan_cursor.h"

#include <gtest/gtest.h>

#include <set>

namespace redraft::commands {
namespace {

TEST(ScanCursorTableTest, IssueLookupAndEvictOldest) {
  ScanCursorTable t(3);
  uint64_t a = t.Issue("a"), b = t.Issue("b"), c = t.Issue("c");
  EXPECT_NE(a, 0u);
  EXPECT_EQ(std::set<uint64_t>({a, b, c}).size(), 3u);
  EXPECT_EQ(t.Lookup(b), "b");
  EXPECT_EQ(t.Lookup(b), "b");  // lookups do not consume (client retries)
  EXPECT_EQ(t.Lookup(a), "a");  // a is now the most recently used; c the least
  uint64_t d = t.Issue("d");
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Lookup(c), std::nullopt);
  EXPECT_EQ(t.Lookup(a), "a");
  EXPECT_EQ(t.Lookup(d), "d");
  EXPECT_EQ(t.Lookup(0), std::nullopt);
  EXPECT_EQ(t.Lookup(12345), std::nullopt);
}

TEST(ScanCursorTableTest, TablesDoNotShareNumbers) {
  ScanCursorTable t1, t2;
  std::set<uint64_t> s1;
  for (int i = 0; i < 100; i++) s1.insert(t1.Issue("x"));
  for (int i = 0; i < 100; i++) EXPECT_EQ(s1.count(t2.Issue("y")), 0u);
}

}  // namespace
}  // namespace redraft::commands
