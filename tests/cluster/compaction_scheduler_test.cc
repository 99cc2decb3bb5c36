#include "cluster/compaction_scheduler.h"

#include <gtest/gtest.h>

namespace redraft::cluster {
namespace {

std::vector<raft::Entry> Entries(size_t n, size_t bytes) {
  std::vector<raft::Entry> out(n);
  for (auto& e : out) e.data.assign(bytes, 'x');
  return out;
}

TEST(CompactionScheduler, DueAfterEntriesOrBytes) {
  CompactionScheduler c(/*every_entries=*/100, /*every_bytes=*/1000);
  c.Recovered(50);
  EXPECT_FALSE(c.Due(149, std::nullopt));
  EXPECT_EQ(c.Due(150, std::nullopt), 150u);
  c.NoteAppended(Entries(10, 100));  // 1000 bytes
  EXPECT_EQ(c.Due(60, std::nullopt), 60u);
  c.Compacted(60);
  EXPECT_EQ(c.last_compact(), 60u);
  EXPECT_FALSE(c.Due(61, std::nullopt));  // the byte count starts again
}

TEST(CompactionScheduler, TransferHoldsBackWithinABound) {
  CompactionScheduler c(100, 1000);
  EXPECT_EQ(c.Due(500, /*transfer_floor=*/200), 200u);  // keeps what the transfer needs
  EXPECT_FALSE(c.Due(500, 80));                           // below the bound: nothing yet
  EXPECT_EQ(c.Due(500, 600), 500u);                       // a floor ahead does not matter
  c.NoteAppended(Entries(4, 1000));
  EXPECT_TRUE(c.TransferMayHoldBack());  // 4x the byte bound
  c.NoteAppended(Entries(1, 1));
  EXPECT_FALSE(c.TransferMayHoldBack());
}

}  // namespace
}  // namespace redraft::cluster
