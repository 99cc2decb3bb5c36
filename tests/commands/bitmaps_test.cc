// Bitmaps: the bit helpers (ranges, BITPOS, bitfields, overflow rules) and the commands through
// the command-test fixture. Expected values were checked against redis-server 7.0.15.
#include <gtest/gtest.h>

#include <string>

#include "commands/bitmaps_ops.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

namespace b = redraft::commands::bits;

TEST(BitOps, ResolveRangeLikeRedis) {
  b::BitRange r = b::ResolveRange(0, -1, false, 3);
  EXPECT_FALSE(r.empty);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.last, 23);
  r = b::ResolveRange(5, 30, true, 3);
  EXPECT_EQ(r.first, 5);
  EXPECT_EQ(r.last, 23);
  EXPECT_TRUE(b::ResolveRange(2, 1, false, 3).empty);
  EXPECT_TRUE(b::ResolveRange(0, -1, false, 0).empty);  // empty string
  r = b::ResolveRange(-100, 100, false, 3);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.last, 23);
}

TEST(BitOps, CountBitsEdges) {
  std::string s = "foobar";
  EXPECT_EQ(b::CountBits(s, b::ResolveRange(0, -1, false, 6)), 26);
  EXPECT_EQ(b::CountBits(s, b::ResolveRange(1, 1, false, 6)), 6);
  EXPECT_EQ(b::CountBits(s, b::ResolveRange(5, 30, true, 6)), 17);
  EXPECT_EQ(b::CountBits(s, b::ResolveRange(3, 3, true, 6)), 0);  // 'f' = 0110 0110
  EXPECT_EQ(b::CountBits(s, b::ResolveRange(1, 1, true, 6)), 1);
}

TEST(BitOps, FindBit) {
  std::string s("\xff\xf0\x00", 3);
  EXPECT_EQ(b::FindBit(s, 0, b::ResolveRange(0, -1, false, 3), false), 12);
  EXPECT_EQ(b::FindBit(s, 1, b::ResolveRange(2, -1, false, 3), false), -1);
  std::string ones("\xff\xff", 2);
  EXPECT_EQ(b::FindBit(ones, 0, b::ResolveRange(0, -1, false, 2), false), 16);  // padded with zeros
  EXPECT_EQ(b::FindBit(ones, 0, b::ResolveRange(0, -1, false, 2), true), -1);   // explicit end
  EXPECT_EQ(b::FindBit(ones, 1, b::ResolveRange(3, 5, true, 2), true), 3);
}

TEST(BitOps, BitfieldGetSetBigEndian) {
  uint8_t buf[9] = {0};
  b::SetUnsigned(buf, 4, 8, 0xab);
  EXPECT_EQ(buf[0], 0x0a);
  EXPECT_EQ(buf[1], 0xb0);
  EXPECT_EQ(b::GetUnsigned(buf, 2, 4, 8), 0xabu);
  EXPECT_EQ(b::GetSigned(buf, 2, 4, 8), -85);
  EXPECT_EQ(b::GetUnsigned(buf, 1, 4, 8), 0xa0u);  // bytes past len read as zero
  b::SetUnsigned(buf, 0, 64, ~uint64_t{0});
  EXPECT_EQ(b::GetSigned(buf, 9, 0, 64), -1);
}

TEST(BitOps, OverflowRules) {
  int64_t s;
  uint64_t u;
  EXPECT_EQ(b::CheckSignedOverflow(100, 100, 8, b::Overflow::kWrap, &s), 1);
  EXPECT_EQ(s, -56);
  EXPECT_EQ(b::CheckSignedOverflow(100, 100, 8, b::Overflow::kSat, &s), 1);
  EXPECT_EQ(s, 127);
  EXPECT_EQ(b::CheckSignedOverflow(-100, -100, 8, b::Overflow::kSat, &s), -1);
  EXPECT_EQ(s, -128);
  EXPECT_EQ(b::CheckSignedOverflow(1, 2, 8, b::Overflow::kFail, &s), 0);
  EXPECT_EQ(b::CheckSignedOverflow(INT64_MAX, 1, 64, b::Overflow::kWrap, &s), 1);
  EXPECT_EQ(s, INT64_MIN);
  EXPECT_EQ(b::CheckUnsignedOverflow(10, 10, 4, b::Overflow::kWrap, &u), 1);
  EXPECT_EQ(u, 4u);
  EXPECT_EQ(b::CheckUnsignedOverflow(10, 10, 4, b::Overflow::kSat, &u), 1);
  EXPECT_EQ(u, 15u);
  EXPECT_EQ(b::CheckUnsignedOverflow(3, -5, 4, b::Overflow::kSat, &u), -1);
  EXPECT_EQ(u, 0u);
  EXPECT_EQ(b::CheckUnsignedOverflow(3, -5, 4, b::Overflow::kWrap, &u), 1);
  EXPECT_EQ(u, 14u);
}

class BitmapsTest : public CommandTest {
 protected:
  int64_t ExpireOf(const std::string& key) {
    store::Value v;
    return Raw(key, &v) ? v.expire_ms : -1;
  }
};

TEST_F(BitmapsTest, SetbitGetbitAndBytes) {
  Expect({"SETBIT", "b", "7", "1"}, Int(0));
  Expect({"SETBIT", "b", "7", "1"}, Int(1));
  Expect({"SETBIT", "b", "0", "1"}, Int(0));
  Expect({"GET", "b"}, Bulk("\x81"));
  Expect({"GETBIT", "b", "7"}, Int(1));
  Expect({"GETBIT", "b", "100"}, Int(0));
  Expect({"SETBIT", "b", "23", "1"}, Int(0));
  Expect({"GET", "b"}, Bulk(std::string("\x81\x00\x01", 3)));
}

TEST_F(BitmapsTest, Errors) {
  const std::string offset = Err("ERR bit offset is not an integer or out of range");
  Expect({"SETBIT", "b", "-1", "1"}, offset);
  Expect({"SETBIT", "b", "4294967296", "1"}, offset);
  Expect({"GETBIT", "b", "x"}, offset);
  Expect({"SETBIT", "b", "1", "2"}, Err("ERR bit is not an integer or out of range"));
  Expect({"BITFIELD", "b", "GET", "u64", "0"},
         Err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."));
  Expect({"BITFIELD", "b", "OVERFLOW", "x"}, Err("ERR Invalid OVERFLOW type specified"));
  Expect({"BITFIELD_RO", "b", "SET", "u8", "0", "1"}, Err("ERR BITFIELD_RO only supports the GET subcommand"));
  Expect({"BITOP", "NOT", "d", "a", "b"}, Err("ERR BITOP NOT must be called with a single source key."));
  Expect({"BITOP", "NAND", "d", "a"}, Err("ERR syntax error"));
  Expect({"BITPOS", "b", "2"}, Err("ERR The bit argument must be 1 or 0."));
  Expect({"EXISTS", "b"}, Int(0));
  Expect({"HSET", "h", "f", "v"}, Int(1));
  Expect({"SETBIT", "h", "1", "1"}, Err(kErrWrongType));
  Expect({"BITCOUNT", "h"}, Err(kErrWrongType));
}

TEST_F(BitmapsTest, BitfieldOverflowAndFailStillGrows) {
  Expect({"BITFIELD", "bf", "SET", "i8", "0", "100", "INCRBY", "i8", "0", "100"}, Array({Int(0), Int(-56)}));
  Expect({"BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-100"}, Array({Int(-128)}));
  Expect({"BITFIELD", "nf", "OVERFLOW", "FAIL", "INCRBY", "u8", "16", "300"}, Array({kNil}));
  Expect({"GET", "nf"}, Bulk(std::string(3, '\0')));  // created and grown although nothing was written
}

TEST_F(BitmapsTest, BitopReplacesDestinationAndDropsTtl) {
  Expect({"SET", "a", "\xf0"}, kOk);
  Expect({"SET", "d", "old", "EX", "100"}, kOk);
  Expect({"BITOP", "NOT", "d", "a"}, Int(1));
  Expect({"GET", "d"}, Bulk("\x0f"));
  EXPECT_EQ(ExpireOf("d"), 0);
  Expect({"BITOP", "OR", "d", "missing"}, Int(0));
  Expect({"EXISTS", "d"}, Int(0));
}

TEST_F(BitmapsTest, SetbitKeepsTtl) {
  Expect({"SET", "k", "x", "EX", "100"}, kOk);
  Expect({"SETBIT", "k", "100", "1"}, Int(0));
  EXPECT_GT(ExpireOf("k"), 0);
}

}  // namespace
}  // namespace redraft::commands::testing
