// ReplyBuilder: exact bytes for every reply type in RESP2 and RESP3, as Redis 7.0 sends them.
// Double cases were compared with redis-server 7.0.15 ZSCORE replies under HELLO 2 and HELLO 3.
#include "resp/reply_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

namespace redraft::resp {
namespace {

using namespace std::string_literals;

std::string Build(int proto, const std::function<void(ReplyBuilder&)>& f) {
  std::string out;
  ReplyBuilder b(&out, proto);
  f(b);
  return out;
}

struct Case {
  const char* name;
  std::function<void(ReplyBuilder&)> f;
  std::string resp2;
  std::string resp3;
};

TEST(ReplyBuilderTest, EveryTypeInBothProtocols) {
  const std::vector<Case> cases = {
      {"simple", [](ReplyBuilder& b) { b.SimpleString("PONG"); }, "+PONG\r\n", "+PONG\r\n"},
      {"ok", [](ReplyBuilder& b) { b.Ok(); }, "+OK\r\n", "+OK\r\n"},
      {"error", [](ReplyBuilder& b) { b.Error("ERR syntax error"); }, "-ERR syntax error\r\n",
       "-ERR syntax error\r\n"},
      {"error crlf", [](ReplyBuilder& b) { b.Error("ERR a\r\nb\nc"); }, "-ERR a  b c\r\n",
       "-ERR a  b c\r\n"},
      {"integer", [](ReplyBuilder& b) { b.Integer(42); }, ":42\r\n", ":42\r\n"},
      {"integer min", [](ReplyBuilder& b) { b.Integer(INT64_MIN); }, ":-9223372036854775808\r\n",
       ":-9223372036854775808\r\n"},
      {"integer max", [](ReplyBuilder& b) { b.Integer(INT64_MAX); }, ":9223372036854775807\r\n",
       ":9223372036854775807\r\n"},
      {"bulk", [](ReplyBuilder& b) { b.Bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
      {"bulk empty", [](ReplyBuilder& b) { b.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n"},
      {"bulk binary", [](ReplyBuilder& b) { b.Bulk("a\0\r\nb"s); }, "$5\r\na\0\r\nb\r\n"s,
       "$5\r\na\0\r\nb\r\n"s},
      {"null", [](ReplyBuilder& b) { b.Null(); }, "$-1\r\n", "_\r\n"},
      {"null array", [](ReplyBuilder& b) { b.NullArray(); }, "*-1\r\n", "_\r\n"},
      {"array", [](ReplyBuilder& b) { b.ArrayHeader(3); }, "*3\r\n", "*3\r\n"},
      {"array empty", [](ReplyBuilder& b) { b.ArrayHeader(0); }, "*0\r\n", "*0\r\n"},
      {"map", [](ReplyBuilder& b) { b.MapHeader(2); }, "*4\r\n", "%2\r\n"},
      {"set", [](ReplyBuilder& b) { b.SetHeader(2); }, "*2\r\n", "~2\r\n"},
      {"push", [](ReplyBuilder& b) { b.PushHeader(3); }, "*3\r\n", ">3\r\n"},
      {"bool true", [](ReplyBuilder& b) { b.Bool(true); }, ":1\r\n", "#t\r\n"},
      {"bool false", [](ReplyBuilder& b) { b.Bool(false); }, ":0\r\n", "#f\r\n"},
      {"verbatim", [](ReplyBuilder& b) { b.Verbatim("# Server\r\n"); }, "$10\r\n# Server\r\n\r\n",
       "=14\r\ntxt:# Server\r\n\r\n"},
      {"bulk array",
       [](ReplyBuilder& b) {
         b.BulkArray({"a", "", "bc"});
       },
       "*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n", "*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n"},
      {"raw", [](ReplyBuilder& b) { b.Raw(":1\r\n"); }, ":1\r\n", ":1\r\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Build(2, c.f), c.resp2) << c.name;
    EXPECT_EQ(Build(3, c.f), c.resp3) << c.name;
  }
}

struct DoubleCase {
  double d;
  std::string text;
};

TEST(ReplyBuilderTest, DoubleLikeRedisAddReplyDouble) {
  // Redis 7.0 addReplyDouble: RESP2 bulk "%.17g", RESP3 ",%.17g"; inf spelled out.
  const std::vector<DoubleCase> cases = {
      {1.5, "1.5"},
      {0.1, "0.10000000000000001"},
      {0, "0"},
      {-0.0, "-0"},
      {1e300, "1.0000000000000001e+300"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {-2.5, "-2.5"},
      {3, "3"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::nan(""), "nan"},
      {-std::nan(""), "-nan"},  // glibc "%.17g", as Redis 7.0 prints it
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Build(2, [&](ReplyBuilder& b) { b.Double(c.d); }),
              "$" + std::to_string(c.text.size()) + "\r\n" + c.text + "\r\n")
        << c.text;
    EXPECT_EQ(Build(3, [&](ReplyBuilder& b) { b.Double(c.d); }), "," + c.text + "\r\n") << c.text;
  }
}

TEST(ReplyBuilderTest, AppendsToCallerBufferAndSwitchesProtocol) {
  std::string out = "prefix";
  ReplyBuilder b(&out);
  EXPECT_EQ(b.proto(), 2);
  EXPECT_EQ(b.buffer(), &out);
  b.Null();
  b.set_proto(3);
  EXPECT_EQ(b.proto(), 3);
  b.Null();
  b.MapHeader(1);
  b.Bulk("k");
  b.Integer(-1);
  EXPECT_EQ(out, "prefix$-1\r\n_\r\n%1\r\n$1\r\nk\r\n:-1\r\n");
}

}  // namespace
}  // namespace redraft::resp
