// The gate between writes and the log (commands/write_entry.h): what may be proposed, and what
// apply makes of an entry that should never have been proposed.
#include "commands/write_entry.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace redraft::commands {
namespace {

std::string Entry(Argv argv, int64_t now_ms = 1000) { return EncodeLogCommand(LogCommand{now_ms, std::move(argv)}); }

TEST(PrepareWrite, EncodesTheRewrittenLogForm) {
  // Absolute expiry is normalised; relative expiry stays relative (applied against the
  // leader-stamped entry time, docs/time.md).
  auto e = PrepareWrite(*Lookup("set"), {"SET", "k", "v", "EXAT", "10"}, 5000);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  LogCommand cmd;
  ASSERT_TRUE(DecodeLogCommand(*e, &cmd));
  EXPECT_EQ(cmd.now_ms, 5000);
  EXPECT_EQ(cmd.argv, (Argv{"set", "k", "v", "PXAT", "10000"}));
  e = PrepareWrite(*Lookup("set"), {"SET", "k", "v", "EX", "10"}, 5000);
  ASSERT_TRUE(e.ok() && DecodeLogCommand(*e, &cmd));
  EXPECT_EQ(cmd.argv, (Argv{"SET", "k", "v", "EX", "10"}));
}

TEST(PrepareWrite, RefusesWithTheRedisError) {
  auto e = PrepareWrite(*Lookup("set"), {"SET", "k", "v", "BOGUS"}, 0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "ERR syntax error");
  e = PrepareWrite(*Lookup("incr"), {"INCR"}, 0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "ERR wrong number of arguments for 'incr' command");
  e = PrepareWrite(*Lookup("get"), {"GET", "k"}, 0);
  EXPECT_FALSE(e.ok());
}

TEST(ValidateWriteEntry, AcceptsWhatPrepareWriteProduces) {
  for (Argv argv : {Argv{"SET", "k", "v", "EX", "10", "NX", "GET"}, Argv{"setex", "k", "5", "v"},
                    Argv{"getex", "k", "PERSIST"}, Argv{"expire", "k", "100", "GT"}, Argv{"del", "a", "b"},
                    Argv{"mset", "a", "1", "b", "2"}, Argv{"flushall", "sync"}, Argv{"incrbyfloat", "k", "1.5"}}) {
    const CommandSpec* spec = Lookup(argv[0]);
    auto e = PrepareWrite(*spec, argv, 123456);
    ASSERT_TRUE(e.ok()) << argv[0] << ": " << e.status().ToString();
    EXPECT_TRUE(ValidateWriteEntry(*e).ok()) << argv[0];
  }
  // Internal writes proposed by the server itself (active expiry) may be forwarded too.
  EXPECT_TRUE(ValidateWriteEntry(Entry({"redraft.expired", "k"})).ok());
}

TEST(ValidateWriteEntry, RefusesWhatNoCorrectProposerSends) {
  EXPECT_EQ(ValidateWriteEntry(Entry({"get", "k"})).message(), "ERR invalid log entry: 'get' is not a write command");
  EXPECT_EQ(ValidateWriteEntry(Entry({"ping"})).message(), "ERR invalid log entry: 'ping' is not a write command");
  EXPECT_EQ(ValidateWriteEntry(Entry({"nosuch", "a"})).message(),
            "ERR unknown command 'nosuch', with args beginning with: 'a' ");
  EXPECT_EQ(ValidateWriteEntry(Entry({"setnx", "k"})).message(),
            "ERR wrong number of arguments for 'setnx' command");
  EXPECT_EQ(ValidateWriteEntry(Entry({"set", "k", "v", "PXAT", "nope"})).message(), "ERR value is not an integer or out of range");
  EXPECT_EQ(ValidateWriteEntry(Entry({"mset", "a", "1", "b"})).message(),
            "ERR wrong number of arguments for 'mset' command");
  EXPECT_EQ(ValidateWriteEntry(Entry({})).message(), "ERR invalid log entry: no command");
  EXPECT_EQ(ValidateWriteEntry("\xff\xff").message(), "ERR invalid log entry: it does not decode");
  std::string trailing = Entry({"set", "k", "v"}) + "x";
  EXPECT_FALSE(ValidateWriteEntry(trailing).ok());
}

TEST(DecodeWriteEntry, ChecksStructureOnly) {
  LogCommand cmd;
  auto spec = DecodeWriteEntry(Entry({"set", "k", "v", "BOGUS"}), &cmd);
  ASSERT_TRUE(spec.ok());  // apply re-parses the options and answers the syntax error itself
  EXPECT_EQ((*spec)->name, "set");
  EXPECT_FALSE(DecodeWriteEntry(Entry({"get", "k"}), &cmd).ok());
  EXPECT_FALSE(DecodeWriteEntry(Entry({"incr"}), &cmd).ok());
}

}  // namespace
}  // namespace redraft::commands
