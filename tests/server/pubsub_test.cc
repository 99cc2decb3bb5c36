// PubsubRegistry (server/pubsub.h): subscription bookkeeping, receivers and their order, the
// counts Redis reports, introspection, the frames, and the peer batch format.
#include "server/pubsub.h"

#include <gtest/gtest.h>

#include "commands/notify.h"

namespace redraft::server {
namespace {

using K = PubsubKind;

std::vector<std::pair<uint64_t, std::string>> Receivers(const PubsubRegistry& r, K kind, std::string_view ch) {
  std::vector<std::pair<uint64_t, std::string>> out;
  size_t n = r.ForEachReceiver(kind, ch, [&](uint64_t c, const std::string* p) { out.emplace_back(c, p ? *p : ""); });
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(PubsubRegistry, SubscribeIsIdempotentAndCounts) {
  PubsubRegistry r;
  EXPECT_TRUE(r.Subscribe(1, K::kChannel, "a"));
  EXPECT_FALSE(r.Subscribe(1, K::kChannel, "a"));
  EXPECT_TRUE(r.Subscribe(1, K::kPattern, "a*"));
  EXPECT_TRUE(r.Subscribe(1, K::kShard, "s"));
  EXPECT_EQ(r.ChannelAndPatternCount(1), 2u);  // Redis's clientSubscriptionsCount
  EXPECT_EQ(r.ShardCount(1), 1u);
  EXPECT_TRUE(r.IsSubscriber(1));
  EXPECT_FALSE(r.IsSubscriber(2));
  EXPECT_TRUE(r.Unsubscribe(1, K::kChannel, "a"));
  EXPECT_FALSE(r.Unsubscribe(1, K::kChannel, "a"));
  EXPECT_FALSE(r.Unsubscribe(2, K::kChannel, "a"));
  r.Unsubscribe(1, K::kPattern, "a*");
  EXPECT_TRUE(r.IsSubscriber(1));  // still a shard subscriber
  r.Unsubscribe(1, K::kShard, "s");
  EXPECT_FALSE(r.IsSubscriber(1));
  EXPECT_TRUE(r.empty());
}

TEST(PubsubRegistry, ReceiversChannelThenPatternsInSubscriptionOrder) {
  PubsubRegistry r;
  r.Subscribe(3, K::kChannel, "news");
  r.Subscribe(1, K::kChannel, "news");
  r.Subscribe(2, K::kPattern, "n*");
  r.Subscribe(1, K::kPattern, "n*");
  r.Subscribe(1, K::kPattern, "ne?s");
  r.Subscribe(4, K::kPattern, "x*");
  r.Subscribe(5, K::kShard, "news");
  auto got = Receivers(r, K::kChannel, "news");
  std::vector<std::pair<uint64_t, std::string>> want = {{3, ""}, {1, ""}, {2, "n*"}, {1, "n*"}, {1, "ne?s"}};
  EXPECT_EQ(got, want);  // a client subscribed twice (channel + patterns) receives each
  // SPUBLISH reaches shard subscribers only, never patterns.
  EXPECT_EQ(Receivers(r, K::kShard, "news"), (std::vector<std::pair<uint64_t, std::string>>{{5, ""}}));
  EXPECT_TRUE(Receivers(r, K::kChannel, "other").empty());
}

TEST(PubsubRegistry, PatternsUseRedisGlob) {
  PubsubRegistry r;
  r.Subscribe(1, K::kPattern, "h[ae]llo");
  r.Subscribe(2, K::kPattern, "h\\*");
  r.Subscribe(3, K::kPattern, "[^a]*");
  EXPECT_EQ(Receivers(r, K::kChannel, "hello").size(), 2u);  // 1 and 3
  EXPECT_EQ(Receivers(r, K::kChannel, "h*").size(), 2u);     // 2 and 3
  EXPECT_EQ(Receivers(r, K::kChannel, "abc").size(), 0u);
}

TEST(PubsubRegistry, RemoveClientAndIntrospection) {
  PubsubRegistry r;
  r.Subscribe(1, K::kChannel, "a");
  r.Subscribe(1, K::kChannel, "b");
  r.Subscribe(2, K::kChannel, "a");
  r.Subscribe(1, K::kPattern, "p*");
  r.Subscribe(2, K::kPattern, "p*");
  r.Subscribe(1, K::kShard, "s");
  EXPECT_EQ(r.NumSub(K::kChannel, "a"), 2u);
  EXPECT_EQ(r.NumPat(), 1u);  // unique patterns
  EXPECT_EQ(r.ClientSubscriptions(1, K::kChannel), (std::vector<std::string>{"a", "b"}));
  std::string pat = "[ab]";
  auto chans = r.Channels(K::kChannel, &pat);
  std::sort(chans.begin(), chans.end());
  EXPECT_EQ(chans, (std::vector<std::string>{"a", "b"}));
  r.RemoveClient(1);
  EXPECT_EQ(r.NumSub(K::kChannel, "a"), 1u);
  EXPECT_EQ(r.NumSub(K::kChannel, "b"), 0u);
  EXPECT_EQ(r.Channels(K::kChannel, nullptr), (std::vector<std::string>{"a"}));  // empty entries erased
  EXPECT_EQ(r.NumPat(), 1u);
  EXPECT_EQ(r.Channels(K::kShard, nullptr).size(), 0u);
  r.RemoveClient(2);
  EXPECT_EQ(r.NumPat(), 0u);
  EXPECT_TRUE(r.empty());
}

TEST(PubsubFrames, Resp2AndResp3) {
  std::string out;
  std::string ch = "c";
  AppendSubscriptionFrame(&out, 2, "subscribe", &ch, 1);
  EXPECT_EQ(out, "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  out.clear();
  AppendSubscriptionFrame(&out, 3, "unsubscribe", nullptr, 0);
  EXPECT_EQ(out, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
  out.clear();
  AppendSubscriptionFrame(&out, 2, "punsubscribe", nullptr, 0);
  EXPECT_EQ(out, "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  out.clear();
  AppendMessageFrame(&out, 3, true, "s", "m");
  EXPECT_EQ(out, ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n");
  out.clear();
  AppendPatternMessageFrame(&out, 2, "p*", "px", "");
  EXPECT_EQ(out, "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npx\r\n$0\r\n\r\n");
}

TEST(PubsubBatch, RoundTripAndDamage) {
  std::string batch;
  AppendPublish(&batch, false, "a", "1");
  AppendPublish(&batch, true, std::string("b\0c", 3), std::string(300, 'x'));
  AppendPublish(&batch, false, "", "");
  std::vector<std::tuple<bool, std::string, std::string>> got;
  auto collect = [&](bool shard, std::string_view c, std::string_view p) {
    got.emplace_back(shard, std::string(c), std::string(p));
  };
  ASSERT_TRUE(DecodePublishBatch(batch, collect));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1], std::make_tuple(true, std::string("b\0c", 3), std::string(300, 'x')));
  // A truncated batch delivers what came before the damage and reports it.
  got.clear();
  EXPECT_FALSE(DecodePublishBatch(std::string_view(batch).substr(0, batch.size() - 1 - 300), collect));
  EXPECT_EQ(got.size(), 1u);
  got.clear();
  EXPECT_FALSE(DecodePublishBatch(std::string("\x07", 1), collect));  // unknown kind
  EXPECT_TRUE(got.empty());
}

TEST(NotifyFlags, RedisNormalization) {
  using commands::NotifyFlagsToString;
  using commands::ParseNotifyFlags;
  auto norm = [](std::string_view s) { return NotifyFlagsToString(*ParseNotifyFlags(s)); };
  EXPECT_EQ(norm("KEA"), "AKE");
  EXPECT_EQ(norm("Elg"), "glE");
  EXPECT_EQ(norm("Kn"), "nK");
  EXPECT_EQ(norm("AKEmn"), "AKEm");  // Redis drops n next to A when reading back
  EXPECT_EQ(norm("$lshzxetd"), "$lshzxetd");
  EXPECT_EQ(norm(""), "");
  EXPECT_FALSE(ParseNotifyFlags("K9").has_value());
  EXPECT_EQ(*ParseNotifyFlags("A") & commands::kNotifyKeyMiss, 0u);
}

}  // namespace
}  // namespace redraft::server
