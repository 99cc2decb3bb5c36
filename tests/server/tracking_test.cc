// TrackingTable (server/tracking.h): who gets which invalidation, without sockets.
#include "server/tracking.h"

#include <gtest/gtest.h>

namespace redraft::server {
namespace {

using Msgs = std::vector<TrackingTable::Message>;
const TrackingTable::OwnWrite kNobody = [](uint64_t, std::string_view) { return false; };

TEST(TrackingTable, DefaultModeInvalidatesOncePerRead) {
  TrackingTable t;
  ASSERT_EQ(t.Enable(1, {}), "");
  t.Remember(1, {"a", "b"});
  Msgs m;
  t.KeysChanged({"a", "a", "c"}, kNobody, &m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].client, 1u);
  EXPECT_EQ(m[0].keys, std::vector<std::string>{"a"});
  m.clear();
  t.KeysChanged({"a"}, kNobody, &m);  // not read again
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(t.tracked_keys(), 1u);  // b
}

TEST(TrackingTable, OffAndClosedClientsAreSkipped) {
  TrackingTable t;
  ASSERT_EQ(t.Enable(1, {}), "");
  ASSERT_EQ(t.Enable(2, {}), "");
  t.Remember(1, {"k"});
  t.Remember(2, {"k"});
  t.Disable(1);
  t.Forget(2);
  Msgs m;
  t.KeysChanged({"k"}, kNobody, &m);
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(t.active());
}

TEST(TrackingTable, NoloopSkipsOwnWrites) {
  TrackingTable t;
  TrackingOptions o;
  o.noloop = true;
  ASSERT_EQ(t.Enable(1, o), "");
  t.Remember(1, {"k", "j"});
  Msgs m;
  t.KeysChanged({"k", "j"}, [](uint64_t id, std::string_view key) { return id == 1 && key == "k"; }, &m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].keys, std::vector<std::string>{"j"});
}

TEST(TrackingTable, BroadcastGroupsKeysPerPrefixSortedAndUnique) {
  TrackingTable t;
  TrackingOptions o;
  o.bcast = true;
  o.prefixes = {"u:", "o:"};
  ASSERT_EQ(t.Enable(7, o), "");
  Msgs m;
  t.KeysChanged({"u:2", "x", "o:1", "u:1", "u:2"}, kNobody, &m);
  EXPECT_TRUE(m.empty());  // sent by TakeBroadcasts
  t.TakeBroadcasts(kNobody, &m);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].keys, std::vector<std::string>{"o:1"});
  EXPECT_EQ(m[1].keys, (std::vector<std::string>{"u:1", "u:2"}));
  m.clear();
  t.TakeBroadcasts(kNobody, &m);
  EXPECT_TRUE(m.empty());
}

TEST(TrackingTable, FlushReachesEveryTrackingClientInIdOrder) {
  TrackingTable t;
  TrackingOptions b;
  b.bcast = true;
  ASSERT_EQ(t.Enable(5, b), "");
  ASSERT_EQ(t.Enable(3, {}), "");
  t.Remember(3, {"k"});
  Msgs m;
  t.Flushed(&m);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].client, 3u);
  EXPECT_TRUE(m[0].flush);
  EXPECT_EQ(m[1].client, 5u);
  EXPECT_EQ(t.tracked_keys(), 0u);
}

TEST(TrackingTable, OptionErrorsAsRedis) {
  TrackingTable t;
  TrackingOptions o;
  o.prefixes = {"a"};
  EXPECT_EQ(t.Enable(1, o), "PREFIX option requires BCAST mode to be enabled");
  o.bcast = true;
  o.prefixes = {"ab", "a"};
  EXPECT_EQ(t.Enable(1, o),
            "Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.");
  o.prefixes = {"ab"};
  ASSERT_EQ(t.Enable(1, o), "");
  o.prefixes = {"abc"};
  EXPECT_EQ(t.Enable(1, o),
            "Prefix 'abc' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.");
  EXPECT_EQ(t.Enable(1, {}).substr(0, 28), "You can't switch BCAST mode ");
}

// tracking-table-max-keys: keys leave the table down to the limit, each reader invalidated once;
// the effort per call grows while the table stays over (Redis's trackingLimitUsedSlots).
TEST(TrackingTable, LimitKeysEvictsAndInvalidates) {
  TrackingTable t;
  ASSERT_EQ(t.Enable(1, {}), "");
  ASSERT_EQ(t.Enable(2, {}), "");
  t.Remember(1, {"a", "b", "c"});
  t.Remember(2, {"c"});
  Msgs m;
  t.LimitKeys(3, &m);  // at the limit
  EXPECT_TRUE(m.empty());
  t.LimitKeys(0, &m);  // no limit
  EXPECT_TRUE(m.empty());
  t.LimitKeys(1, &m);
  EXPECT_EQ(t.tracked_keys(), 1u);
  size_t keys = 0;
  for (const auto& msg : m) keys += msg.keys.size();
  EXPECT_GE(m.size(), 2u);  // two keys gone, "c" has two readers
  EXPECT_EQ(keys, m.size());
  m.clear();
  for (int i = 0; i < 1000; i++) t.Remember(1, {"k" + std::to_string(i)});
  t.LimitKeys(1, &m);
  EXPECT_EQ(m.size(), 100u);  // 100 per call at first...
  m.clear();
  t.LimitKeys(1, &m);
  EXPECT_EQ(m.size(), 200u);  // ...more while still over
  m.clear();
  for (int i = 0; i < 10; i++) t.LimitKeys(1, &m);
  EXPECT_EQ(t.tracked_keys(), 1u);
}

}  // namespace
}  // namespace redraft::server
