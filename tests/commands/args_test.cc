// Shared parsers and error texts (args.h) and the log form coding (log_command.cc). Expected
// values were checked against redis-server 7.0.15.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "commands/args.h"
#include "commands/command.h"
#include "common/coding.h"

namespace redraft::commands {
namespace {

TEST(ParseInt64, AcceptsWhatString2llAccepts) {
  int64_t v = 42;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-1", &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(ParseInt64("1234567890", &v));
  EXPECT_EQ(v, 1234567890);
}

TEST(ParseInt64, RejectsWhatString2llRejects) {
  int64_t v;
  for (std::string_view s :
       {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1.0", "1e3", "abc", "0x10",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999", "000000000000000000001", "-01"}) {
    EXPECT_FALSE(ParseInt64(s, &v)) << s;
  }
  EXPECT_FALSE(ParseInt64(std::string_view("1\0", 2), &v));
}

TEST(ParseNonNegative, RejectsNegative) {
  int64_t v;
  EXPECT_TRUE(ParseNonNegative("5", &v));
  EXPECT_EQ(v, 5);
  EXPECT_FALSE(ParseNonNegative("-5", &v));
}

TEST(ParseLongDouble, MatchesString2ld) {
  long double v;
  EXPECT_TRUE(ParseLongDouble("1.5", &v));
  EXPECT_EQ(v, 1.5L);
  EXPECT_TRUE(ParseLongDouble("-3", &v));
  EXPECT_TRUE(ParseLongDouble("1e10", &v));
  EXPECT_TRUE(ParseLongDouble("inf", &v));
  EXPECT_TRUE(std::isinf(v));
  EXPECT_TRUE(ParseLongDouble("0x10", &v));
  EXPECT_EQ(v, 16.0L);
  EXPECT_TRUE(ParseLongDouble("5.0000", &v));
  for (std::string_view s : {"", " 1", "1 ", "abc", "nan", "1.5x", "1e999999", "-1e999999",
                             "1e-999999"}) {
    EXPECT_FALSE(ParseLongDouble(s, &v)) << s;
  }
  EXPECT_FALSE(ParseLongDouble(std::string(5120, '1'), &v));
  EXPECT_FALSE(ParseLongDouble(std::string_view("1\0", 2), &v));
}

TEST(ParseDouble, MatchesString2d) {
  double v;
  EXPECT_TRUE(ParseDouble("1.5", &v));
  EXPECT_EQ(v, 1.5);
  EXPECT_TRUE(ParseDouble("-inf", &v));
  for (std::string_view s : {"", " 1", "1 ", "nan", "x", "1e400"}) {
    EXPECT_FALSE(ParseDouble(s, &v)) << s;
  }
}

TEST(EqualsIgnoreCase, Basic) {
  EXPECT_TRUE(EqualsIgnoreCase("ex", "EX"));
  EXPECT_TRUE(EqualsIgnoreCase("KeepTTL", "keepttl"));
  EXPECT_FALSE(EqualsIgnoreCase("ex", "exa"));
  EXPECT_FALSE(EqualsIgnoreCase("ex", "px"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
}

TEST(FormatLongDoubleHuman, MatchesRedisIncrbyfloatReplies) {
  EXPECT_EQ(FormatLongDoubleHuman(10.5L), "10.5");
  EXPECT_EQ(FormatLongDoubleHuman(3.0L), "3");
  EXPECT_EQ(FormatLongDoubleHuman(0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-2.5L), "-2.5");
  EXPECT_EQ(FormatLongDoubleHuman(5.0e3L), "5000");
  EXPECT_EQ(FormatLongDoubleHuman(0.1L + 0.2L), "0.3");
  EXPECT_EQ(FormatLongDoubleHuman(1e20L), "100000000000000000000");
  EXPECT_EQ(FormatLongDoubleHuman(HUGE_VALL), "inf");
  EXPECT_EQ(FormatLongDoubleHuman(-HUGE_VALL), "-inf");
  EXPECT_EQ(FormatLongDoubleHuman(1e-20L), "0");
}

TEST(FormatDouble, Percent17g) {
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(HUGE_VAL), "inf");
  EXPECT_EQ(FormatDouble(-HUGE_VAL), "-inf");
  EXPECT_EQ(FormatInt64(INT64_MIN), "-9223372036854775808");
}

TEST(ErrorText, MatchesRedis70) {
  EXPECT_EQ(WrongArity("get"), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(InvalidExpireTime("set"), "ERR invalid expire time in 'set' command");
  EXPECT_EQ(UnknownCommand({"foo", "a", "b"}),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  EXPECT_EQ(UnknownCommand({"foo"}), "ERR unknown command 'foo', with args beginning with: ");
  EXPECT_EQ(UnknownSubcommand({"config", "foo"}),
            "ERR unknown subcommand 'foo'. Try CONFIG HELP.");
}

TEST(ErrorText, UnknownCommandTruncatesLikeRedis) {
  // redis-server 7.0: name cut at 128 bytes; args appended while the list is < 128 bytes, each
  // cut to the remaining room; printf's %s stops at NUL.
  std::string name(200, 'n');
  std::string a(100, 'a'), b(100, 'b');
  std::string expected = "ERR unknown command '" + std::string(128, 'n') +
                         "', with args beginning with: '" + a + "' '" + std::string(25, 'b') +
                         "' ";
  EXPECT_EQ(UnknownCommand({name, a, b, "c"}), expected);
  EXPECT_EQ(UnknownCommand({"x", std::string("a\0b", 3)}),
            "ERR unknown command 'x', with args beginning with: 'a' ");
}

// --- log form ---

TEST(LogCommand, RoundTrip) {
  LogCommand in{1'700'000'000'123, {"set", "k", std::string("v\0\xff", 3), "PXAT", "123"}};
  std::string enc = EncodeLogCommand(in);
  LogCommand out;
  ASSERT_TRUE(DecodeLogCommand(enc, &out));
  EXPECT_EQ(out.now_ms, in.now_ms);
  EXPECT_EQ(out.argv, in.argv);
}

TEST(LogCommand, RoundTripEdgeValues) {
  for (int64_t now : {int64_t{0}, int64_t{-1}, INT64_MIN, INT64_MAX}) {
    LogCommand in{now, {}};
    LogCommand out{5, {"x"}};
    ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(in), &out));
    EXPECT_EQ(out.now_ms, now);
    EXPECT_TRUE(out.argv.empty());
  }
  LogCommand big{1, {std::string(100000, 'z'), ""}};
  LogCommand out;
  ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(big), &out));
  EXPECT_EQ(out.argv, big.argv);
}

// The apply loop decodes every entry of a group into one LogCommand (reusing its strings): each
// decode must give exactly that entry, and a failed decode must leave the previous one whole.
TEST(LogCommand, DecodingIntoAReusedCommandGivesExactlyThatEntry) {
  LogCommand out;
  LogCommand a{7, {"set", "a-long-key-name-beyond-sso", std::string(64, 'v')}};
  a.db = 3;
  a.user = "alice";
  a.tag = WriteTag{9, 10};
  ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(a), &out));
  EXPECT_EQ(out.argv, a.argv);
  LogCommand b{8, {"del", "k"}};
  ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(b), &out));
  EXPECT_EQ(out.argv, b.argv);
  EXPECT_EQ(out.now_ms, 8);
  EXPECT_EQ(out.db, 0);
  EXPECT_TRUE(out.user.empty());
  EXPECT_EQ(out.tag, WriteTag{});
  std::string bad = EncodeLogCommand(a);
  bad.push_back('\x01');  // trailing bytes: does not decode
  EXPECT_FALSE(DecodeLogCommand(bad, &out));
  EXPECT_FALSE(DecodeLogCommand(bad.substr(0, bad.size() / 2), &out));
  EXPECT_EQ(out.argv, b.argv);  // untouched by the failures
  EXPECT_EQ(out.now_ms, 8);
}

TEST(LogCommand, FormatIsVarintsAndLengthPrefixedStrings) {
  std::string enc = EncodeLogCommand(LogCommand{300, {"ab", ""}});
  EXPECT_EQ(enc, std::string("\xac\x02\x02\x02" "ab" "\x00", 7));
}

TEST(LogCommand, DatabaseIsOptionalAndOldEntriesAreDatabaseZero) {
  LogCommand cmd{300, {"ab", ""}};
  std::string old = EncodeLogCommand(cmd);  // db 0: byte for byte the format from before databases
  cmd.db = 5;
  std::string enc = EncodeLogCommand(cmd);
  EXPECT_EQ(enc, old + std::string("\x00\x06", 2));
  LogCommand out;
  ASSERT_TRUE(DecodeLogCommand(old, &out));
  EXPECT_EQ(out.db, 0);
  ASSERT_TRUE(DecodeLogCommand(enc, &out));
  EXPECT_EQ(out.db, 5);
  // With a tag: the database comes first; tagging, reading the tag and restamping keep it.
  ASSERT_TRUE(TagLogCommand(&enc, WriteTag{7, 9}));
  EXPECT_EQ(LogCommandTag(enc), (WriteTag{7, 9}));
  ASSERT_TRUE(RestampLogCommand(&enc, 1234));
  ASSERT_TRUE(DecodeLogCommand(enc, &out));
  EXPECT_EQ(out.db, 5);
  EXPECT_EQ(out.tag, (WriteTag{7, 9}));
  EXPECT_EQ(out.now_ms, 1234);
  EXPECT_EQ(EncodeLogCommand(out), enc);
  // Stored keys (active expiry) and the last database round-trip; beyond it is rejected.
  cmd.db = kStoredKeys;
  ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(cmd), &out));
  EXPECT_EQ(out.db, kStoredKeys);
  cmd.db = store::kMaxDatabases - 1;
  ASSERT_TRUE(DecodeLogCommand(EncodeLogCommand(cmd), &out));
  EXPECT_EQ(out.db, store::kMaxDatabases - 1);
  cmd.db = store::kMaxDatabases;
  EXPECT_FALSE(DecodeLogCommand(EncodeLogCommand(cmd), &out));
}

TEST(LogCommand, TruncatedIsRejected) {
  std::string enc = EncodeLogCommand(LogCommand{12345, {"set", "key", "value"}});
  for (size_t n = 0; n < enc.size(); n++) {
    LogCommand out;
    EXPECT_FALSE(DecodeLogCommand(std::string_view(enc).substr(0, n), &out)) << n;
  }
}

TEST(LogCommand, TrailingBytesAreRejected) {
  std::string enc = EncodeLogCommand(LogCommand{1, {"incr", "k"}});
  LogCommand out;
  EXPECT_FALSE(DecodeLogCommand(enc + "x", &out));
}

TEST(LogCommand, HugeCountsAreRejectedWithoutAllocating) {
  std::string s;
  PutVarint64(&s, 1);
  PutVarint64(&s, ~0ull);  // argc
  LogCommand out;
  EXPECT_FALSE(DecodeLogCommand(s, &out));
  s.clear();
  PutVarint64(&s, 1);
  PutVarint64(&s, 1);
  PutVarint64(&s, ~0ull);  // length of argv[0]
  s += "abc";
  EXPECT_FALSE(DecodeLogCommand(s, &out));
  // An over-long varint (more than 10 bytes of continuation).
  EXPECT_FALSE(DecodeLogCommand(std::string(12, '\xff'), &out));
}

TEST(LogCommand, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(7);
  std::string good = EncodeLogCommand(LogCommand{99, {"set", "k", "v", "PXAT", "1000"}});
  for (int i = 0; i < 20000; i++) {
    std::string s;
    if (i % 2 == 0) {
      s.resize(rng() % 40);
      for (auto& c : s) c = static_cast<char>(rng());
    } else {
      s = good;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; f++) s[rng() % s.size()] = static_cast<char>(rng());
    }
    LogCommand out;
    if (DecodeLogCommand(s, &out)) {
      // Whatever decodes re-encodes to the same bytes (the format has one encoding per value
      // except for non-minimal varints, which re-encode shorter).
      EXPECT_LE(EncodeLogCommand(out).size(), s.size());
    }
  }
}

}  // namespace
}  // namespace redraft::commands
