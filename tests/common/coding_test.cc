#include <gtest/gtest.h>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/status.h"

namespace redraft {

TEST(Coding, VarintRoundTripAtBoundaries) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 63), ~0ull}) {
    std::string s;
    PutVarint64(&s, v);
    std::string_view in = s;
    uint64_t out = 0;
    ASSERT_TRUE(GetVarint64(&in, &out));
    EXPECT_EQ(out, v);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Coding, TruncatedVarintFails) {
  std::string s;
  PutVarint64(&s, 1ull << 40);
  std::string_view in(s.data(), s.size() - 1);
  uint64_t out;
  EXPECT_FALSE(GetVarint64(&in, &out));
}

TEST(Coding, FixedAndLengthPrefixed) {
  std::string s;
  PutFixed32(&s, 0xdeadbeef);
  PutFixed64(&s, 0x0123456789abcdefull);
  PutLengthPrefixed(&s, std::string("a\0b", 3));
  std::string_view in = s;
  uint32_t a;
  uint64_t b;
  std::string_view c;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  ASSERT_TRUE(GetLengthPrefixed(&in, &c));
  EXPECT_EQ(a, 0xdeadbeefu);
  EXPECT_EQ(b, 0x0123456789abcdefull);
  EXPECT_EQ(c, std::string_view("a\0b", 3));
}

TEST(Crc32c, KnownVectors) {
  // RFC 3720 B.4 test vectors.
  char zeros[32] = {0};
  EXPECT_EQ(crc32c::Value(zeros, 32), 0x8a9136aau);
  EXPECT_EQ(crc32c::Value("123456789", 9), 0xe3069283u);
  uint32_t c = crc32c::Value("1234", 4);
  EXPECT_EQ(crc32c::Extend(c, "56789", 5), 0xe3069283u);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(0x12345678u)), 0x12345678u);
}

TEST(Status, ResultCarriesValueOrError) {
  Result<int> ok(5);
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), 5);
  Result<int> bad(Status::Corruption("x"));
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption());
}

}  // namespace redraft
