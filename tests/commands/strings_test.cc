// The string family against a real Store, through the same prepare -> log -> apply path as the
// server (test_util.h). Transcript tests were recorded from redis-server 7.0.15 by running the
// same commands (FLUSHALL between tests) and compare exact reply bytes; the tests after them
// cover what a transcript cannot: log forms, expiry with a fake clock, WRONGTYPE, determinism.
#include <gtest/gtest.h>

#include <map>

#include "commands/args.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

class StringsTest : public CommandTest {
 protected:

  // Stores a value of a non-string type (as a future hash/list would be) for WRONGTYPE tests.
  void PutOtherType(const std::string& key, int64_t expire_ms = 0) {
    store::Value v;
    v.type = static_cast<store::ValueType>(7);
    v.expire_ms = expire_ms;
    v.payload = "opaque";
    auto batch = store().NewBatch();
    batch->Put(key, v);
    ASSERT_TRUE(store().Commit(batch.get(), ++index_).ok());
  }

  // The stored expiry of key (0 = none, -1 = absent).
  int64_t ExpireOf(const std::string& key) {
    store::Value v;
    return Raw(key, &v) ? v.expire_ms : -1;
  }
};

// ------------------------------------------------------------------------------------------------
// Transcripts (recorded from redis-server 7.0.15)

TEST_F(StringsTest, SetAndGet) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "k", "v"}, "+OK\r\n");
  Expect({"GET", "k"}, "$1\r\nv\r\n");
  Expect({"GET", "missing"}, "$-1\r\n");
  Expect({"SET", "k", ""}, "+OK\r\n");
  Expect({"GET", "k"}, "$0\r\n\r\n");
  Expect({"SET", "bin", std::string("a\x00""b\r\n\xff""", 6)}, "+OK\r\n");
  Expect({"GET", "bin"}, std::string("$6\r\na\x00""b\r\n\xff""\r\n", 12));
  Expect({"SET", "k", "new"}, "+OK\r\n");
  Expect({"GET", "k"}, "$3\r\nnew\r\n");
}

TEST_F(StringsTest, SetOptionErrors) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "EX", "-1"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "k", "v", "EX", "1.5"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "k", "v", "EX"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "PX"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EX", "10", "PX", "10"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "NX", "XX"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "XX", "NX"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "KEEPTTL", "EX", "10"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EX", "10", "KEEPTTL"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EXAT", "0"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "PXAT", "0"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "PXAT", "-5"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "PX", "9223372036854775807"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "EX", "9223372036854776"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "EX", "9223372036854775"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "foo"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "PERSIST"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EXAT", "10", "PXAT", "10"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EX", "10", "EXAT", "10"}, "-ERR syntax error\r\n");
  Expect({"SET", "k", "v", "EX", "01"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "k", "v", "EX", " 1"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "k", "v", "NX", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "k", "v", "EX", "10", "foo"}, "-ERR syntax error\r\n");
  Expect({"GET", "k"}, "$-1\r\n");
}

TEST_F(StringsTest, SetOptionsRepeatAndCase) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"set", "k", "v", "ex", "10", "ex", "20"}, "+OK\r\n");
  Expect({"SeT", "k", "v", "nX", "Nx"}, "$-1\r\n");
  Expect({"set", "k", "v", "xx", "xx", "get", "get"}, "$1\r\nv\r\n");
  Expect({"set", "k", "v", "keepttl", "keepttl"}, "+OK\r\n");
  Expect({"set", "k", "v", "px", "100", "PX", "200"}, "+OK\r\n");
  Expect({"GET", "k"}, "$1\r\nv\r\n");
}

TEST_F(StringsTest, SetNxXx) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "k", "v", "XX"}, "$-1\r\n");
  Expect({"GET", "k"}, "$-1\r\n");
  Expect({"SET", "k", "v", "NX"}, "+OK\r\n");
  Expect({"SET", "k", "w", "NX"}, "$-1\r\n");
  Expect({"GET", "k"}, "$1\r\nv\r\n");
  Expect({"SET", "k", "w", "XX"}, "+OK\r\n");
  Expect({"GET", "k"}, "$1\r\nw\r\n");
}

TEST_F(StringsTest, SetGetFlag) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "k", "v", "GET"}, "$-1\r\n");
  Expect({"SET", "k", "w", "GET"}, "$1\r\nv\r\n");
  Expect({"SET", "k", "x", "NX", "GET"}, "$1\r\nw\r\n");
  Expect({"GET", "k"}, "$1\r\nw\r\n");
  Expect({"SET", "m", "v", "XX", "GET"}, "$-1\r\n");
  Expect({"GET", "m"}, "$-1\r\n");
  Expect({"SET", "m", "v", "NX", "GET"}, "$-1\r\n");
  Expect({"GET", "m"}, "$1\r\nv\r\n");
  Expect({"SET", "m", "z", "XX", "GET"}, "$1\r\nv\r\n");
  Expect({"GET", "m"}, "$1\r\nz\r\n");
  Expect({"SET", "k", "v", "GET", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n");
  Expect({"SET", "k", "v", "GET", "NX", "EX", "10"}, "$1\r\nw\r\n");
}

TEST_F(StringsTest, Getdel) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "k", "v"}, "+OK\r\n");
  Expect({"GETDEL", "k"}, "$1\r\nv\r\n");
  Expect({"GET", "k"}, "$-1\r\n");
  Expect({"GETDEL", "k"}, "$-1\r\n");
  Expect({"GETDEL"}, "-ERR wrong number of arguments for 'getdel' command\r\n");
  Expect({"GETDEL", "a", "b"}, "-ERR wrong number of arguments for 'getdel' command\r\n");
}

TEST_F(StringsTest, GetexSyntaxAndOrder) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"GETEX", "missing", "EX", "0"}, "$-1\r\n");
  Expect({"GETEX", "missing", "EX", "abc"}, "$-1\r\n");
  Expect({"GETEX", "missing", "foo"}, "-ERR syntax error\r\n");
  Expect({"SET", "s", "v"}, "+OK\r\n");
  Expect({"GETEX", "s", "EX", "0"}, "-ERR invalid expire time in 'getex' command\r\n");
  Expect({"GETEX", "s", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"GETEX", "s", "PX", "-1"}, "-ERR invalid expire time in 'getex' command\r\n");
  Expect({"GETEX", "s", "EX", "10", "PERSIST"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "PERSIST", "EX", "10"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "PERSIST", "PERSIST"}, "$1\r\nv\r\n");
  Expect({"GETEX", "s", "foo"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s"}, "$1\r\nv\r\n");
  Expect({"GETEX", "s", "KEEPTTL"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "NX"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "GET"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "EX"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "EX", "10", "EX", "20"}, "$1\r\nv\r\n");
  Expect({"GETEX", "s", "EX", "10", "PX", "10"}, "-ERR syntax error\r\n");
  Expect({"GETEX", "s", "PXAT", "1"}, "$1\r\nv\r\n");
  Expect({"GET", "s"}, "$-1\r\n");
  Expect({"GETEX", "s", "EXAT", "0"}, "$-1\r\n");
  Expect({"GETEX"}, "-ERR wrong number of arguments for 'getex' command\r\n");
}

TEST_F(StringsTest, Getset) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"GETSET", "k", "v"}, "$-1\r\n");
  Expect({"GETSET", "k", "w"}, "$1\r\nv\r\n");
  Expect({"GET", "k"}, "$1\r\nw\r\n");
  Expect({"GETSET", "k"}, "-ERR wrong number of arguments for 'getset' command\r\n");
}

TEST_F(StringsTest, SetnxSetexPsetex) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SETNX", "k", "v"}, ":1\r\n");
  Expect({"SETNX", "k", "w"}, ":0\r\n");
  Expect({"GET", "k"}, "$1\r\nv\r\n");
  Expect({"SETEX", "k", "0", "v"}, "-ERR invalid expire time in 'setex' command\r\n");
  Expect({"SETEX", "k", "a", "v"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SETEX", "k", "-1", "v"}, "-ERR invalid expire time in 'setex' command\r\n");
  Expect({"PSETEX", "k", "-1", "v"}, "-ERR invalid expire time in 'psetex' command\r\n");
  Expect({"PSETEX", "k", "0", "v"}, "-ERR invalid expire time in 'psetex' command\r\n");
  Expect({"PSETEX", "k", "1.5", "v"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SETEX", "k", "9223372036854776", "v"}, "-ERR invalid expire time in 'setex' command\r\n");
  Expect({"SETEX", "k", "100", "x"}, "+OK\r\n");
  Expect({"GET", "k"}, "$1\r\nx\r\n");
  Expect({"PSETEX", "k", "100000", "y"}, "+OK\r\n");
  Expect({"GET", "k"}, "$1\r\ny\r\n");
  Expect({"SETEX", "k", "100"}, "-ERR wrong number of arguments for 'setex' command\r\n");
  Expect({"SETNX", "k"}, "-ERR wrong number of arguments for 'setnx' command\r\n");
}

TEST_F(StringsTest, MsetMgetMsetnx) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"MSET", "a", "1", "b", "2"}, "+OK\r\n");
  Expect({"MGET", "a", "b", "c"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
  Expect({"MSET", "a"}, "-ERR wrong number of arguments for 'mset' command\r\n");
  Expect({"MSET", "a", "1", "b"}, "-ERR wrong number of arguments for 'mset' command\r\n");
  Expect({"MSETNX", "x", "1", "a", "5"}, ":0\r\n");
  Expect({"MGET", "x", "a"}, "*2\r\n$-1\r\n$1\r\n1\r\n");
  Expect({"MSETNX", "x", "1", "y", "2"}, ":1\r\n");
  Expect({"MGET", "x", "y"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  Expect({"MSETNX", "d", "1", "d", "2"}, ":1\r\n");
  Expect({"GET", "d"}, "$1\r\n2\r\n");
  Expect({"MSET", "a", "3", "a", "4"}, "+OK\r\n");
  Expect({"GET", "a"}, "$1\r\n4\r\n");
  Expect({"MSETNX", "q"}, "-ERR wrong number of arguments for 'msetnx' command\r\n");
  Expect({"MSETNX", "q", "1", "r"}, "-ERR wrong number of arguments for 'msetnx' command\r\n");
  Expect({"MGET"}, "-ERR wrong number of arguments for 'mget' command\r\n");
  Expect({"MGET", "nope"}, "*1\r\n$-1\r\n");
}

TEST_F(StringsTest, IncrDecr) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"INCR", "n"}, ":1\r\n");
  Expect({"INCRBY", "n", "10"}, ":11\r\n");
  Expect({"DECR", "n"}, ":10\r\n");
  Expect({"DECRBY", "n", "5"}, ":5\r\n");
  Expect({"INCRBY", "n", "-7"}, ":-2\r\n");
  Expect({"DECRBY", "n", "-3"}, ":1\r\n");
  Expect({"INCRBY", "n", "abc"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"INCRBY", "n", "1.5"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"INCRBY", "n", " 1"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"INCRBY", "n", "+1"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"INCRBY", "n", "01"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"DECRBY", "n", "x"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"INCRBY", "n", "9223372036854775808"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"GET", "n"}, "$1\r\n1\r\n");
  Expect({"INCR", "n", "x"}, "-ERR wrong number of arguments for 'incr' command\r\n");
}

TEST_F(StringsTest, IncrOverflow) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "n", "9223372036854775807"}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR increment or decrement would overflow\r\n");
  Expect({"INCRBY", "n", "0"}, ":9223372036854775807\r\n");
  Expect({"SET", "n", "-9223372036854775808"}, "+OK\r\n");
  Expect({"DECR", "n"}, "-ERR increment or decrement would overflow\r\n");
  Expect({"INCRBY", "n", "-1"}, "-ERR increment or decrement would overflow\r\n");
  Expect({"DECRBY", "n", "-9223372036854775808"}, "-ERR decrement would overflow\r\n");
  Expect({"DECRBY", "missing", "-9223372036854775808"}, "-ERR decrement would overflow\r\n");
  Expect({"INCRBY", "m", "-9223372036854775808"}, ":-9223372036854775808\r\n");
  Expect({"DECRBY", "m", "1"}, "-ERR increment or decrement would overflow\r\n");
  Expect({"GET", "n"}, "$20\r\n-9223372036854775808\r\n");
}

TEST_F(StringsTest, IncrStoredNotInteger) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "n", "abc"}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", " 1"}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", "01"}, "+OK\r\n");
  Expect({"DECR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", "1.0"}, "+OK\r\n");
  Expect({"INCRBY", "n", "1"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", "-0"}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", "99999999999999999999"}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", ""}, "+OK\r\n");
  Expect({"INCR", "n"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SET", "n", "-5"}, "+OK\r\n");
  Expect({"INCR", "n"}, ":-4\r\n");
}

TEST_F(StringsTest, Incrbyfloat) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"INCRBYFLOAT", "f", "10.5"}, "$4\r\n10.5\r\n");
  Expect({"INCRBYFLOAT", "f", "0.1"}, "$4\r\n10.6\r\n");
  Expect({"INCRBYFLOAT", "f", "-5e3"}, "$23\r\n-4989.39999999999999991\r\n");
  Expect({"SET", "f", "1e3"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "f", "1"}, "$4\r\n1001\r\n");
  Expect({"INCRBYFLOAT", "z", "0.1"}, "$3\r\n0.1\r\n");
  Expect({"INCRBYFLOAT", "z", "0.2"}, "$3\r\n0.3\r\n");
  Expect({"INCRBYFLOAT", "h", "3.0"}, "$1\r\n3\r\n");
  Expect({"INCRBYFLOAT", "h", "-3"}, "$1\r\n0\r\n");
  Expect({"INCRBYFLOAT", "i", "5.0e3"}, "$4\r\n5000\r\n");
  Expect({"INCRBYFLOAT", "i", "1.5e-3"}, "$22\r\n5000.00150000000000006\r\n");
  Expect({"INCRBYFLOAT", "j", "0x10"}, "$2\r\n16\r\n");
  Expect({"INCRBYFLOAT", "j", "1e-20"}, "$2\r\n16\r\n");
  Expect({"INCRBYFLOAT", "g", "1e308"}, "$308\r\n99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048\r\n");
  Expect({"INCRBYFLOAT", "g", "1e308"}, "$309\r\n199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096\r\n");
  Expect({"INCRBYFLOAT", "neg", "-0.0"}, "$1\r\n0\r\n");
  Expect({"GET", "neg"}, "$1\r\n0\r\n");
  Expect({"SET", "x", "7"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "x", "-7.5"}, "$4\r\n-0.5\r\n");
  Expect({"INCRBYFLOAT", "y", "1.23456789012345678"}, "$19\r\n1.23456789012345678\r\n");
}

TEST_F(StringsTest, IncrbyfloatErrors) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"INCRBYFLOAT", "f", "abc"}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", ""}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", " 1"}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", "1 "}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", "nan"}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", "inf"}, "-ERR increment would produce NaN or Infinity\r\n");
  Expect({"INCRBYFLOAT", "f", "-inf"}, "-ERR increment would produce NaN or Infinity\r\n");
  Expect({"GET", "f"}, "$-1\r\n");
  Expect({"SET", "f", "inf"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "f", "1"}, "-ERR increment would produce NaN or Infinity\r\n");
  Expect({"SET", "f", "abc"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "f", "1"}, "-ERR value is not a valid float\r\n");
  Expect({"SET", "f", "1"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "f", "1e999999"}, "-ERR value is not a valid float\r\n");
  Expect({"INCRBYFLOAT", "f", "1e5000"}, "-ERR value is not a valid float\r\n");
  Expect({"SET", "f", "1.7e308"}, "+OK\r\n");
  Expect({"INCRBYFLOAT", "f", "1.7e308"}, "$309\r\n340000000000000000006273556050395193590540427779388267466087171526404912102411641988123739177800600673957047683771263425322806997836001586961457274820033393094901317200013624802610872515245814124760542925564488876540887382670905522638137419003805178364056052028734561012664811529831035124023358619554802565120\r\n");
}

TEST_F(StringsTest, AppendStrlen) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"APPEND", "a", "hello"}, ":5\r\n");
  Expect({"APPEND", "a", " world"}, ":11\r\n");
  Expect({"GET", "a"}, "$11\r\nhello world\r\n");
  Expect({"STRLEN", "a"}, ":11\r\n");
  Expect({"STRLEN", "missing"}, ":0\r\n");
  Expect({"APPEND", "e", ""}, ":0\r\n");
  Expect({"GET", "e"}, "$0\r\n\r\n");
  Expect({"STRLEN", "e"}, ":0\r\n");
  Expect({"APPEND", "a", std::string("\x00""", 1)}, ":12\r\n");
  Expect({"STRLEN", "a"}, ":12\r\n");
  Expect({"SET", "n", "10"}, "+OK\r\n");
  Expect({"APPEND", "n", "5"}, ":3\r\n");
  Expect({"INCR", "n"}, ":106\r\n");
}

TEST_F(StringsTest, Getrange) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SET", "s", "This is a string"}, "+OK\r\n");
  Expect({"GETRANGE", "s", "0", "3"}, "$4\r\nThis\r\n");
  Expect({"GETRANGE", "s", "-3", "-1"}, "$3\r\ning\r\n");
  Expect({"GETRANGE", "s", "0", "-1"}, "$16\r\nThis is a string\r\n");
  Expect({"GETRANGE", "s", "10", "100"}, "$6\r\nstring\r\n");
  Expect({"GETRANGE", "s", "5", "3"}, "$0\r\n\r\n");
  Expect({"GETRANGE", "s", "-1", "-5"}, "$0\r\n\r\n");
  Expect({"GETRANGE", "s", "-100", "-50"}, "$1\r\nT\r\n");
  Expect({"GETRANGE", "s", "-100", "5"}, "$6\r\nThis i\r\n");
  Expect({"GETRANGE", "s", "0", "-100"}, "$1\r\nT\r\n");
  Expect({"GETRANGE", "s", "16", "20"}, "$0\r\n\r\n");
  Expect({"GETRANGE", "s", "15", "15"}, "$1\r\ng\r\n");
  Expect({"GETRANGE", "missing", "0", "-1"}, "$0\r\n\r\n");
  Expect({"GETRANGE", "s", "a", "1"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"GETRANGE", "s", "0", "b"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"GETRANGE", "s", "0", "9223372036854775807"}, "$16\r\nThis is a string\r\n");
  Expect({"GETRANGE", "s", "-9223372036854775808", "-1"}, "$16\r\nThis is a string\r\n");
  Expect({"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"}, "$16\r\nThis is a string\r\n");
  Expect({"GETRANGE", "s", "-1", "-9223372036854775808"}, "$0\r\n\r\n");
  Expect({"SET", "e", ""}, "+OK\r\n");
  Expect({"GETRANGE", "e", "0", "-1"}, "$0\r\n\r\n");
  Expect({"GETRANGE", "e", "-1", "0"}, "$0\r\n\r\n");
  Expect({"SUBSTR", "s", "0", "3"}, "$4\r\nThis\r\n");
  Expect({"GETRANGE", "s", "0"}, "-ERR wrong number of arguments for 'getrange' command\r\n");
  Expect({"GETRANGE", "missing", "x", "0"}, "-ERR value is not an integer or out of range\r\n");
}

TEST_F(StringsTest, Setrange) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"SETRANGE", "m", "5", ""}, ":0\r\n");
  Expect({"GET", "m"}, "$-1\r\n");
  Expect({"SETRANGE", "m", "0", ""}, ":0\r\n");
  Expect({"SETRANGE", "m", "5", "abc"}, ":8\r\n");
  Expect({"GET", "m"}, std::string("$8\r\n\x00""\x00""\x00""\x00""\x00""abc\r\n", 14));
  Expect({"SETRANGE", "m", "0", "XY"}, ":8\r\n");
  Expect({"GET", "m"}, std::string("$8\r\nXY\x00""\x00""\x00""abc\r\n", 14));
  Expect({"SETRANGE", "m", "-1", "a"}, "-ERR offset is out of range\r\n");
  Expect({"SETRANGE", "m", "-1", ""}, "-ERR offset is out of range\r\n");
  Expect({"SETRANGE", "m", "abc", "a"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SETRANGE", "m", "536870912", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  Expect({"SETRANGE", "m", "536870912", ""}, ":8\r\n");
  Expect({"SETRANGE", "m", "99999999999999999999", "a"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"SETRANGE", "m", "9223372036854775807", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  Expect({"SETRANGE", "m", "1", ""}, ":8\r\n");
  Expect({"SETRANGE", "m", "7", "LONGER"}, ":13\r\n");
  Expect({"GET", "m"}, std::string("$13\r\nXY\x00""\x00""\x00""abLONGER\r\n", 20));
  Expect({"SETRANGE", "new", "536870912", "a"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  Expect({"SETRANGE", "new", "536870912", ""}, ":0\r\n");
  Expect({"GET", "new"}, "$-1\r\n");
  Expect({"SETRANGE", "m", "1"}, "-ERR wrong number of arguments for 'setrange' command\r\n");
}

TEST_F(StringsTest, Lcs) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"MSET", "key1", "ohmytext", "key2", "mynewtext"}, "+OK\r\n");
  Expect({"LCS", "key1", "key2"}, "$6\r\nmytext\r\n");
  Expect({"LCS", "key1", "key2", "LEN"}, ":6\r\n");
  Expect({"LCS", "key1", "key2", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "key1", "key2", "idx", "withmatchlen"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "key1", "key2", "IDX", "LEN"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  Expect({"LCS", "key1", "key2", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  Expect({"LCS", "key1", "key2", "MINMATCHLEN"}, "-ERR syntax error\r\n");
  Expect({"LCS", "key1", "key2", "MINMATCHLEN", "x"}, "-ERR value is not an integer or out of range\r\n");
  Expect({"LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "key1", "key2", "foo"}, "-ERR syntax error\r\n");
  Expect({"LCS", "key1", "missing"}, "$0\r\n\r\n");
  Expect({"LCS", "missing", "key2", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  Expect({"LCS", "missing", "nope", "LEN"}, ":0\r\n");
  Expect({"LCS", "key1", "key1", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n");
  Expect({"LCS", "key1"}, "-ERR wrong number of arguments for 'lcs' command\r\n");
  Expect({"LCS", "key1", "key2", "LEN", "MINMATCHLEN", "3"}, ":6\r\n");
  Expect({"MSET", "ra", "cbbccaa", "rb", "cbccaabbaacc"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$6\r\ncbccaa\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:8\r\n:9\r\n:2\r\n*3\r\n*2\r\n:2\r\n:4\r\n*2\r\n:1\r\n:3\r\n:3\r\n*3\r\n*2\r\n:0\r\n:0\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:5\r\n:6\r\n*2\r\n:8\r\n:9\r\n*2\r\n*2\r\n:2\r\n:4\r\n*2\r\n:1\r\n:3\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"MSET", "ra", "acbbccccac", "rb", "y"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$0\r\n\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  Expect({"MSET", "ra", "caaaaacabbbca", "rb", "acbbacab"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$6\r\nacbbca\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:11\r\n:12\r\n*2\r\n:5\r\n:6\r\n:2\r\n*3\r\n*2\r\n:9\r\n:10\r\n*2\r\n:2\r\n:3\r\n:2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*3\r\n*2\r\n*2\r\n:11\r\n:12\r\n*2\r\n:5\r\n:6\r\n*2\r\n*2\r\n:9\r\n:10\r\n*2\r\n:2\r\n:3\r\n*2\r\n*2\r\n:5\r\n:6\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
  Expect({"MSET", "ra", "bbcacbbacb", "rb", "y"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$0\r\n\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  Expect({"MSET", "ra", "c", "rb", "ababbaacaaaa"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$1\r\nc\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:0\r\n*2\r\n:7\r\n:7\r\n:1\r\n$3\r\nlen\r\n:1\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:1\r\n");
  Expect({"MSET", "ra", "bcbbacc", "rb", "cbb"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$3\r\ncbb\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:1\r\n:3\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:1\r\n:3\r\n*2\r\n:0\r\n:2\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"MSET", "ra", "b", "rb", "abaaa"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$1\r\nb\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:0\r\n*2\r\n:1\r\n:1\r\n:1\r\n$3\r\nlen\r\n:1\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:1\r\n");
  Expect({"MSET", "ra", "aaabbaccabc", "rb", "cab"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$3\r\ncab\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:7\r\n:9\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:7\r\n:9\r\n*2\r\n:0\r\n:2\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"MSET", "ra", "babbaabcba", "rb", "abc"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$3\r\nabc\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:5\r\n:7\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:5\r\n:7\r\n*2\r\n:0\r\n:2\r\n$3\r\nlen\r\n:3\r\n");
  Expect({"MSET", "ra", "caaaabbacb", "rb", "bbaaaaccaacbb"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$7\r\naaaaacb\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:9\r\n:9\r\n*2\r\n:12\r\n:12\r\n:1\r\n*3\r\n*2\r\n:7\r\n:8\r\n*2\r\n:9\r\n:10\r\n:2\r\n*3\r\n*2\r\n:1\r\n:4\r\n*2\r\n:2\r\n:5\r\n:4\r\n$3\r\nlen\r\n:7\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:7\r\n:8\r\n*2\r\n:9\r\n:10\r\n*2\r\n*2\r\n:1\r\n:4\r\n*2\r\n:2\r\n:5\r\n$3\r\nlen\r\n:7\r\n");
  Expect({"MSET", "ra", "bacbcabac", "rb", "ba"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$2\r\nba\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:6\r\n:7\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:2\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:6\r\n:7\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:2\r\n");
  Expect({"MSET", "ra", "cacaacccacbbc", "rb", "b"}, "+OK\r\n");
  Expect({"LCS", "ra", "rb"}, "$1\r\nb\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:11\r\n:11\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:1\r\n");
  Expect({"LCS", "ra", "rb", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:1\r\n");
}

TEST_F(StringsTest, ArityAndUnknown) {
  // Transcript recorded from redis-server 7.0.15.
  Expect({"GET"}, "-ERR wrong number of arguments for 'get' command\r\n");
  Expect({"GET", "a", "b"}, "-ERR wrong number of arguments for 'get' command\r\n");
  Expect({"SET", "k"}, "-ERR wrong number of arguments for 'set' command\r\n");
  Expect({"SETEX", "k", "1"}, "-ERR wrong number of arguments for 'setex' command\r\n");
  Expect({"FOO", "a", "b"}, "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
  Expect({"GETEX"}, "-ERR wrong number of arguments for 'getex' command\r\n");
  Expect({"MGET"}, "-ERR wrong number of arguments for 'mget' command\r\n");
  Expect({"STRLEN"}, "-ERR wrong number of arguments for 'strlen' command\r\n");
  Expect({"APPEND", "a"}, "-ERR wrong number of arguments for 'append' command\r\n");
  Expect({"INCRBYFLOAT", "a"}, "-ERR wrong number of arguments for 'incrbyfloat' command\r\n");
  Expect({"getrange", "a", "1"}, "-ERR wrong number of arguments for 'getrange' command\r\n");
  Expect({"SETRANGE", "a", "1"}, "-ERR wrong number of arguments for 'setrange' command\r\n");
  Expect({"DECR"}, "-ERR wrong number of arguments for 'decr' command\r\n");
}

// ------------------------------------------------------------------------------------------------
// Log forms: absolute expiry is normalised to PXAT; relative expiry stays relative and is applied
// against the entry's time (which the leader stamps)

TEST_F(StringsTest, SetExStaysRelativeInTheLog) {
  Expect({"SET", "k", "v", "EX", "10"}, kOk);
  ASSERT_TRUE(has_log());
  EXPECT_EQ(last_log_argv(), (Argv{"SET", "k", "v", "EX", "10"}));
  EXPECT_EQ(last_log().now_ms, now_ms());
  EXPECT_EQ(ExpireOf("k"), now_ms() + 10000);
}

TEST_F(StringsTest, SetOptionsAreKeptInTheLogForm) {
  Expect({"set", "k", "v", "px", "250", "nx", "get"}, kNil);
  EXPECT_EQ(last_log_argv(), (Argv{"set", "k", "v", "px", "250", "nx", "get"}));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 250);
  Expect({"SET", "k", "w", "XX", "EXAT", "2000000000"}, kOk);
  EXPECT_EQ(last_log_argv(), (Argv{"set", "k", "w", "XX", "PXAT", "2000000000000"}));
  EXPECT_EQ(ExpireOf("k"), 2000000000000);
  Expect({"SET", "k", "x", "PXAT", "2000000000001"}, kOk);
  EXPECT_EQ(last_log_argv(), (Argv{"set", "k", "x", "PXAT", "2000000000001"}));
}

TEST_F(StringsTest, SetWithoutExpiryIsLoggedUnchanged) {
  Expect({"SET", "k", "v", "KEEPTTL", "XX"}, kNil);
  EXPECT_EQ(last_log_argv(), (Argv{"SET", "k", "v", "KEEPTTL", "XX"}));
}

TEST_F(StringsTest, BadSyntaxNeverReachesTheLog) {
  for (Argv argv : {Argv{"SET", "k", "v", "EX", "0"}, Argv{"SET", "k", "v", "NX", "XX"},
                    Argv{"SETEX", "k", "x", "v"}, Argv{"PSETEX", "k", "0", "v"},
                    Argv{"GETEX", "k", "FOO"}, Argv{"INCRBY", "k", "x"},
                    Argv{"DECRBY", "k", "-9223372036854775808"}, Argv{"SETRANGE", "k", "-1", "v"},
                    Argv{"MSET", "a", "1", "b"}, Argv{"GET"}}) {
    Run(argv);
    EXPECT_FALSE(has_log()) << argv[0];
  }
  EXPECT_EQ(index(), 0u);
}

TEST_F(StringsTest, SetexAndPsetexStayRelativeInTheLog) {
  Expect({"SETEX", "k", "100", "v"}, kOk);
  EXPECT_EQ(last_log_argv(), (Argv{"SETEX", "k", "100", "v"}));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 100000);
  Expect({"PSETEX", "k", "1500", "w"}, kOk);
  EXPECT_EQ(last_log_argv(), (Argv{"PSETEX", "k", "1500", "w"}));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 1500);
  Expect({"GET", "k"}, Bulk("w"));
}

TEST_F(StringsTest, UnrewrittenEntriesStillApplyDeterministically) {
  // Entries that skipped prepare (e.g. built by hand) use the entry's clock, never a local one.
  EXPECT_EQ(ApplyLog(store(), LogCommand{1000, {"SETEX", "k", "10", "v"}}, ++index_), kOk);
  EXPECT_EQ(ExpireOf("k"), 11000);
  EXPECT_EQ(ApplyLog(store(), LogCommand{1000, {"PSETEX", "k", "0", "v"}}, ++index_),
            Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(ApplyLog(store(), LogCommand{1000, {"SET", "j", "v", "EX", "5"}}, ++index_), kOk);
  EXPECT_EQ(ExpireOf("j"), 6000);
}

TEST_F(StringsTest, GetexLogFormsRelativeAndAbsolute) {
  Expect({"SET", "k", "v"}, kOk);
  Expect({"GETEX", "k", "EX", "5"}, Bulk("v"));
  EXPECT_EQ(last_log_argv(), (Argv{"GETEX", "k", "EX", "5"}));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 5000);
  Expect({"GETEX", "k", "PX", "7"}, Bulk("v"));
  EXPECT_EQ(last_log_argv(), (Argv{"GETEX", "k", "PX", "7"}));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 7);
  Expect({"GETEX", "k", "EXAT", "2000000000"}, Bulk("v"));
  EXPECT_EQ(last_log_argv(), (Argv{"getex", "k", "PXAT", "2000000000000"}));
}

TEST_F(StringsTest, GetexWithInvalidTimeIsDecidedAtApply) {
  // Redis checks the time only if the key exists: nil for a missing key, an error otherwise.
  Expect({"GETEX", "missing", "EX", "0"}, kNil);
  EXPECT_EQ(last_log_argv(), (Argv{"GETEX", "missing", "EX", "0"}));
  Expect({"SET", "k", "v", "EX", "100"}, kOk);
  Expect({"GETEX", "k", "PX", "-5"}, Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 100000);
}

TEST_F(StringsTest, OtherWritesAreLoggedUnchanged) {
  Expect({"INCRBYFLOAT", "f", "1.5"}, Bulk("1.5"));
  EXPECT_EQ(last_log_argv(), (Argv{"INCRBYFLOAT", "f", "1.5"}));
  Expect({"MSET", "a", "1", "b", "2"}, kOk);
  EXPECT_EQ(last_log_argv(), (Argv{"MSET", "a", "1", "b", "2"}));
  Expect({"SETRANGE", "a", "3", "x"}, Int(4));
  EXPECT_EQ(last_log_argv(), (Argv{"SETRANGE", "a", "3", "x"}));
}

// ------------------------------------------------------------------------------------------------
// Expiry and TTL keeping

TEST_F(StringsTest, ExpiredKeyIsAbsent) {
  Expect({"SET", "k", "v", "PX", "100"}, kOk);
  advance(99);
  Expect({"GET", "k"}, Bulk("v"));
  advance(1);
  Expect({"GET", "k"}, kNil);
  Expect({"MGET", "k"}, Array({kNil}));
  Expect({"STRLEN", "k"}, Int(0));
  Expect({"GETRANGE", "k", "0", "-1"}, kEmptyBulk);
  Expect({"SET", "k", "w", "NX"}, kOk);  // expired counts as missing for NX
  EXPECT_EQ(ExpireOf("k"), 0);
}

TEST_F(StringsTest, ExpiredKeyRestartsCounters) {
  Expect({"SET", "n", "41", "EX", "1"}, kOk);
  advance(1000);
  Expect({"INCR", "n"}, Int(1));
  EXPECT_EQ(ExpireOf("n"), 0);
  Expect({"SET", "s", "abc", "EX", "1"}, kOk);
  advance(1000);
  Expect({"APPEND", "s", "x"}, Int(1));
  Expect({"GETSET", "s", "y"}, Bulk("x"));
  Expect({"SET", "t", "v", "PX", "1"}, kOk);
  advance(1);
  Expect({"SET", "t", "w", "XX"}, kNil);
  Expect({"GETDEL", "t"}, kNil);
}

TEST_F(StringsTest, SetWithPastAbsoluteTimeLeavesNoKey) {
  Expect({"SET", "k", "old"}, kOk);
  Expect({"SET", "k", "v", "PXAT", "1"}, kOk);
  Expect({"GET", "k"}, kNil);
  store::Value v;
  EXPECT_FALSE(Raw("k", &v));
  Expect({"SET", "k", "v", "EXAT", std::to_string(now_ms() / 1000)}, kOk);
  Expect({"GET", "k"}, kNil);
}

TEST_F(StringsTest, SetClearsTtlUnlessKeepttl) {
  Expect({"SET", "k", "v", "EX", "100"}, kOk);
  Expect({"SET", "k", "w", "KEEPTTL"}, kOk);
  EXPECT_EQ(ExpireOf("k"), now_ms() + 100000);
  Expect({"GET", "k"}, Bulk("w"));
  Expect({"SET", "k", "x"}, kOk);
  EXPECT_EQ(ExpireOf("k"), 0);
  Expect({"SET", "new", "v", "KEEPTTL"}, kOk);
  EXPECT_EQ(ExpireOf("new"), 0);
}

TEST_F(StringsTest, ModifyingCommandsKeepTtl) {
  const int64_t at = now_ms() + 100000;
  Expect({"SET", "n", "1", "EX", "100"}, kOk);
  Expect({"INCR", "n"}, Int(2));
  Expect({"INCRBY", "n", "3"}, Int(5));
  Expect({"DECRBY", "n", "1"}, Int(4));
  Expect({"INCRBYFLOAT", "n", "0.5"}, Bulk("4.5"));
  Expect({"APPEND", "n", "0"}, Int(4));
  Expect({"SETRANGE", "n", "0", "9"}, Int(4));
  Expect({"GET", "n"}, Bulk("9.50"));
  EXPECT_EQ(ExpireOf("n"), at);
  Expect({"SET", "n", "x", "GET", "KEEPTTL"}, Bulk("9.50"));
  EXPECT_EQ(ExpireOf("n"), at);
}

TEST_F(StringsTest, GetsetAndMsetClearTtl) {
  Expect({"SET", "a", "1", "EX", "100"}, kOk);
  Expect({"GETSET", "a", "2"}, Bulk("1"));
  EXPECT_EQ(ExpireOf("a"), 0);
  Expect({"SET", "b", "1", "EX", "100"}, kOk);
  Expect({"MSET", "b", "2"}, kOk);
  EXPECT_EQ(ExpireOf("b"), 0);
}

TEST_F(StringsTest, GetexPersistAndPastTimes) {
  Expect({"SET", "k", "v", "EX", "100"}, kOk);
  Expect({"GETEX", "k"}, Bulk("v"));
  EXPECT_EQ(ExpireOf("k"), now_ms() + 100000);
  Expect({"GETEX", "k", "PERSIST"}, Bulk("v"));
  EXPECT_EQ(ExpireOf("k"), 0);
  Expect({"GETEX", "k", "PXAT", std::to_string(now_ms())}, Bulk("v"));
  Expect({"GET", "k"}, kNil);
  store::Value v;
  EXPECT_FALSE(Raw("k", &v));
}

// ------------------------------------------------------------------------------------------------
// WRONGTYPE: checks go through Value.type

TEST_F(StringsTest, WrongTypeErrors) {
  PutOtherType("h");
  const std::string wrong = Err(kErrWrongType);
  for (Argv argv : {Argv{"GET", "h"}, Argv{"STRLEN", "h"}, Argv{"GETRANGE", "h", "0", "1"},
                    Argv{"SUBSTR", "h", "0", "1"}, Argv{"GETDEL", "h"}, Argv{"GETEX", "h"},
                    Argv{"GETEX", "h", "EX", "0"}, Argv{"GETSET", "h", "v"},
                    Argv{"SET", "h", "v", "GET"}, Argv{"INCR", "h"}, Argv{"DECRBY", "h", "2"},
                    Argv{"INCRBYFLOAT", "h", "1"}, Argv{"INCRBYFLOAT", "h", "x"},
                    Argv{"APPEND", "h", "v"}, Argv{"SETRANGE", "h", "0", "v"},
                    Argv{"SETRANGE", "h", "0", ""}}) {
    Expect(argv, wrong);
  }
  Expect({"LCS", "h", "x"}, Err("ERR The specified keys must contain string values"));
  Expect({"LCS", "x", "h", "BADOPTION"}, Err("ERR The specified keys must contain string values"));
  store::Value v;
  ASSERT_TRUE(Raw("h", &v));
  EXPECT_EQ(v.payload, "opaque");  // no write happened
  // Reads that do not check the type, and writes that replace any type.
  Expect({"MGET", "h", "x"}, Array({kNil, kNil}));
  Expect({"SETNX", "h", "v"}, Int(0));
  Expect({"MSETNX", "h", "v", "y", "1"}, Int(0));
  Expect({"SET", "h", "v", "NX"}, kNil);
  Expect({"SET", "h", "v", "XX"}, kOk);
  Expect({"GET", "h"}, Bulk("v"));
  PutOtherType("h2");
  Expect({"MSET", "h2", "s"}, kOk);
  Expect({"GET", "h2"}, Bulk("s"));
}

TEST_F(StringsTest, ExpiredOtherTypeIsAbsent) {
  PutOtherType("h", now_ms() - 1);
  Expect({"GET", "h"}, kNil);
  Expect({"INCR", "h"}, Int(1));
}

// ------------------------------------------------------------------------------------------------
// RESP3 and protocol details

TEST_F(StringsTest, Resp3NullsAndErrors) {
  set_proto(3);
  Expect({"GET", "missing"}, "_\r\n");
  Expect({"SET", "k", "v", "XX"}, "_\r\n");
  Expect({"MGET", "k", "missing"}, "*2\r\n_\r\n_\r\n");
  Expect({"SET", "k", "v", "GET"}, "_\r\n");
  Expect({"GETRANGE", "missing", "0", "1"}, kEmptyBulk);
  Expect({"INCRBYFLOAT", "f", "2.5"}, Bulk("2.5"));
}

TEST_F(StringsTest, BinarySafeKeysAndValues) {
  const std::string key("k\0\r\n\xff", 5), value("\0\0v\r\n", 5);
  Expect({"SET", key, value, "EX", "10"}, kOk);
  Expect({"GET", key}, Bulk(value));
  Expect({"APPEND", key, std::string("\0", 1)}, Int(6));
  Expect({"GETRANGE", key, "0", "1"}, Bulk(std::string("\0\0", 2)));
  Expect({"SET", "k", "v", std::string("NX\0junk", 7)}, kOk);  // Redis compares options as C strings
  Expect({"SET", "k", "v", std::string("N\0", 2)}, Err(kErrSyntax));
}

TEST_F(StringsTest, CommandTableMatchesRedis) {
  struct Row {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
  };
  for (const Row& r : std::initializer_list<Row>{
           {"get", 2, kReadonly | kFast, 1, 1, 1},
           {"set", -3, kWrite | kDenyOom, 1, 1, 1},
           {"getex", -2, kWrite | kFast, 1, 1, 1},
           {"getdel", 2, kWrite | kFast, 1, 1, 1},
           {"mget", -2, kReadonly | kFast, 1, -1, 1},
           {"mset", -3, kWrite | kDenyOom, 1, -1, 2},
           {"msetnx", -3, kWrite | kDenyOom, 1, -1, 2},
           {"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1},
           {"getrange", 4, kReadonly, 1, 1, 1},
           {"setrange", 4, kWrite | kDenyOom, 1, 1, 1},
           {"lcs", -3, kReadonly, 1, 2, 1},
       }) {
    const CommandSpec* c = Lookup(r.name);
    ASSERT_NE(c, nullptr) << r.name;
    EXPECT_EQ(c->arity, r.arity) << r.name;
    EXPECT_EQ(c->flags, r.flags) << r.name;
    EXPECT_EQ(c->first_key, r.first) << r.name;
    EXPECT_EQ(c->last_key, r.last) << r.name;
    EXPECT_EQ(c->key_step, r.step) << r.name;
    EXPECT_EQ(c->group, "string");
  }
  for (const CommandSpec* c = kStringCommands; !c->name.empty(); ++c) {
    EXPECT_EQ(c->is_write(), c->apply != nullptr) << c->name;
    EXPECT_EQ(!c->is_write(), c->execute != nullptr) << c->name;
    EXPECT_FALSE(c->summary.empty() || c->since.empty() || c->complexity.empty()) << c->name;
  }
}

// ------------------------------------------------------------------------------------------------
// Determinism: the log applied at another store (another replica) gives the same state

TEST_F(StringsTest, SameLogSameStateOnAnotherStore) {
  std::vector<LogCommand> log;
  auto run = [&](Argv argv) {
    Run(std::move(argv));
    if (has_log()) log.push_back(last_log());
    advance(7);
  };
  run({"SET", "a", "1", "EX", "100"});
  run({"INCRBYFLOAT", "a", "0.1"});
  run({"INCRBYFLOAT", "f", "1e-3"});
  run({"SETEX", "b", "5", "x"});
  run({"PSETEX", "c", "5", "y"});
  run({"APPEND", "b", "yz"});
  run({"SETRANGE", "d", "3", "q"});
  run({"MSET", "e", "1", "g", "2"});
  run({"MSETNX", "e", "1", "h", "2"});
  run({"INCR", "e"});
  run({"GETEX", "g", "EX", "9"});
  run({"GETDEL", "h"});
  run({"SET", "c", "z", "KEEPTTL", "GET"});
  run({"GETSET", "e", "n"});
  ASSERT_GE(log.size(), 14u);

  TempDir other_dir;
  auto other = OpenTestStore(other_dir.path());
  ASSERT_NE(other, nullptr);
  // A replica applies every entry later, with a different local clock: results must not change.
  for (size_t i = 0; i < log.size(); i++) {
    std::string entry = EncodeLogCommand(log[i]);
    LogCommand decoded;
    ASSERT_TRUE(DecodeLogCommand(entry, &decoded));
    ApplyLog(*other, decoded, i + 1);
  }
  auto dump = [](store::Store& s) {
    std::map<std::string, std::tuple<int, int64_t, std::string>> m;
    EXPECT_TRUE(s.Scan("", [&](std::string_view k, const store::Value& v) {
                   m[std::string(k)] = {static_cast<int>(v.type), v.expire_ms, v.payload};
                   return true;
                 }).ok());
    return m;
  };
  auto mine = dump(store());
  EXPECT_EQ(mine, dump(*other));
  EXPECT_EQ(std::get<2>(mine["a"]), "1.1");
  EXPECT_EQ(std::get<2>(mine["f"]), "0.001");
  EXPECT_EQ(store().KeyCount(), other->KeyCount());
}

}  // namespace
}  // namespace redraft::commands::testing
