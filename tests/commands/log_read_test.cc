// Which reads may run at their log position (commands/log_read.h, docs/pipelining.md).
#include <gtest/gtest.h>

#include "commands/command.h"
#include "commands/log_read.h"
#include "commands/write_entry.h"

namespace redraft::commands::testing {
namespace {

bool Readable(std::string_view name) { return LogReadable(*Lookup(name)); }

TEST(LogRead, KeyedStoreReadsQualifyOthersDoNot) {
  for (auto n : {"get", "mget", "strlen", "exists", "hget", "lrange", "zscore", "pfcount", "bitcount", "dump"}) {
    EXPECT_TRUE(Readable(n)) << n;
  }
  // Writes, reads of node or connection state, reads without keys (their view would need the
  // batch's written keys), a read-only EXEC: they keep waiting for the pending writes.
  for (auto n : {"set", "watch", "object", "memory", "sort_ro", "keys", "scan", "dbsize", "randomkey", "exec",
                 "ping", "redraft.read"}) {
    EXPECT_FALSE(Readable(n)) << n;
  }
}

TEST(LogRead, FormAndValidation) {
  const CommandSpec* spec = Lookup("get");
  Argv argv{"GET", "k"};
  LogReadForm(&spec, &argv);
  EXPECT_EQ(spec->name, "redraft.read");
  ASSERT_EQ(argv.size(), 3u);
  EXPECT_EQ(argv[0], "redraft.read");
  auto entry = PrepareWrite(*spec, argv, 1000, 0);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(ValidateWriteEntry(*entry).ok());  // a follower's log read, checked by the leader
  // A forged entry naming a write, a state-reading command or the wrong arity is refused.
  for (Argv bad : {Argv{"redraft.read", "set", "k", "v"}, Argv{"redraft.read", "object", "encoding", "k"},
                   Argv{"redraft.read", "get"}, Argv{"redraft.read", "nosuchcommand", "k"}}) {
    EXPECT_FALSE(PrepareWrite(*spec, bad, 1000, 0).ok()) << bad[1];
  }
}

}  // namespace
}  // namespace redraft::commands::testing
