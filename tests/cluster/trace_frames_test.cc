// The "trace" peer frame's payload (cluster/trace_frames.h).
#include "cluster/trace_frames.h"

#include <gtest/gtest.h>

namespace redraft::cluster {
namespace {

TEST(TraceFrames, RoundTrip) {
  std::vector<TraceItem> items{{1, 2, 3, 4}, {~0ull, 1ull << 40, 0x1234567890abcdefull, 1}};
  EXPECT_EQ(DecodeTraceItems(EncodeTraceItems(items)), items);
  EXPECT_TRUE(DecodeTraceItems(EncodeTraceItems({})).empty());
}

TEST(TraceFrames, PrefixTolerantAndDropsZeroTraceIds) {
  std::string p = EncodeTraceItems({{1, 2, 3, 4}, {5, 6, 7, 8}});
  auto got = DecodeTraceItems(std::string_view(p).substr(0, p.size() - 3));  // second item torn
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (TraceItem{1, 2, 3, 4}));
  EXPECT_TRUE(DecodeTraceItems("").empty());
  EXPECT_TRUE(DecodeTraceItems(EncodeTraceItems({{1, 2, 0, 4}})).empty());
}

}  // namespace
}  // namespace redraft::cluster
