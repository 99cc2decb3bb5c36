// The stream node model (rdb/stream_nodes.h) against the listpacks the DUMP encoder really
// builds: for random streams (varying field sets, integer and string values of every listpack
// size class, ID gaps that need wide diffs), the nodes decoded from EncodeDump's payload (count,
// byte size of each listpack, master fields, last ID) equal CutStreamNodes' prediction.
#include <gtest/gtest.h>

#include <random>

#include "rdb/stream_nodes.h"
#include "rdb/value.h"

namespace redraft::rdb {
namespace {

std::string RandomValue(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return std::to_string(static_cast<int64_t>(rng() % 200) - 100);
    case 1: return std::to_string(static_cast<int64_t>(rng()));  // int64 encodings
    case 2: return std::to_string(static_cast<int64_t>(rng() % 100000000));
    case 3: return std::string(rng() % 70, 'x');                  // 6-bit / 12-bit lengths
    case 4: return std::string(rng() % 5000, 'y');                // up to 32-bit lengths
    default: return "0" + std::to_string(rng() % 100);             // not canonical: a string
  }
}

TEST(StreamNodes, ModelMatchesTheEncodersListpacks) {
  std::mt19937_64 rng(12);
  for (int round = 0; round < 200; round++) {
    Object o;
    o.kind = Kind::kStream;
    StreamId id{1 + rng() % 1000, rng() % 3};
    size_t n = 1 + rng() % 400;
    int big = static_cast<int>(rng() % 4);
    for (size_t i = 0; i < n; i++) {
      StreamEntry e;
      if (rng() % 4 == 0) {
        id.ms += 1 + rng() % (uint64_t{1} << (8 * (1 + rng() % 5)));
        id.seq = rng() % 100000;  // negative seq diffs too
      } else {
        id.seq++;
      }
      e.id = id;
      size_t nf = rng() % 3 == 0 ? 1 + rng() % 4 : 2;
      for (size_t f = 0; f < nf; f++) {
        e.fields_values.push_back(rng() % 5 == 0 ? RandomValue(rng) : "f" + std::to_string(f));
        e.fields_values.push_back(big == 0 ? RandomValue(rng) : std::to_string(rng() % 1000));
      }
      o.stream.entries.push_back(std::move(e));
    }
    o.stream.last_id = id;
    o.stream.entries_added = n;
    Object back;
    ASSERT_EQ(DecodeDump(EncodeDump(o), &back), DumpStatus::kOk);
    std::vector<StreamNode> want = CutStreamNodes(o.stream.entries);
    ASSERT_EQ(back.stream.nodes.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < want.size(); i++) {
      EXPECT_EQ(back.stream.nodes[i], want[i]) << "round " << round << " node " << i << " bytes "
                                               << back.stream.nodes[i].bytes << " vs " << want[i].bytes;
    }
    StreamNode rt;
    ASSERT_TRUE(DecodeStreamNode(EncodeStreamNode(want[0]), &rt));
    rt.master = want[0].master;
    EXPECT_EQ(rt, want[0]);
  }
}

}  // namespace
}  // namespace redraft::rdb
