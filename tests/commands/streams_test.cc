// The stream family against a real Store, through the same prepare -> log -> apply path as the
// server (test_util.h). Byte-exact replies against redis-server 7.0 are in
// tests/integration/compat_cases_streams.txt and test_diff_streams.py; these tests cover ID
// parsing and encoding, auto IDs from the entry's clock (deterministic, never going backwards),
// errors that never reach the log, and what a transcript cannot see (sub-key layout).
#include <gtest/gtest.h>

#include "commands/args.h"
#include "commands/streams_internal.h"
#include "commands/streams_nodes.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

using streams::StreamId;

TEST(StreamIds, ParseForms) {
  StreamId id;
  bool seq_given = true;
  ASSERT_TRUE(streams::ParseId("5", 0, false, &id));
  EXPECT_EQ(id, (StreamId{5, 0}));
  ASSERT_TRUE(streams::ParseId("5", UINT64_MAX, false, &id));
  EXPECT_EQ(id, (StreamId{5, UINT64_MAX}));
  ASSERT_TRUE(streams::ParseId("5-7", 0, true, &id));
  EXPECT_EQ(id, (StreamId{5, 7}));
  ASSERT_TRUE(streams::ParseId("-", 0, false, &id));
  EXPECT_EQ(id, (StreamId{0, 0}));
  ASSERT_TRUE(streams::ParseId("+", 0, false, &id));
  EXPECT_EQ(id, streams::kMaxId);
  EXPECT_FALSE(streams::ParseId("-", 0, true, &id));
  EXPECT_FALSE(streams::ParseId("+", 0, true, &id));
  ASSERT_TRUE(streams::ParseId("9-*", 0, true, &id, &seq_given));
  EXPECT_FALSE(seq_given);
  EXPECT_EQ(id.ms, 9u);
  EXPECT_FALSE(streams::ParseId("9-*", 0, true, &id));  // only XADD accepts ms-*
  ASSERT_TRUE(streams::ParseId("18446744073709551615-18446744073709551615", 0, true, &id));
  EXPECT_EQ(id, streams::kMaxId);
  // string2ull's strtoull fallback above LLONG_MAX (Redis accepts a '+' there, not below).
  ASSERT_TRUE(streams::ParseId("+18446744073709551615", 0, true, &id));
  EXPECT_EQ(id.ms, UINT64_MAX);
  for (const char* bad : {"", "abc", "-1", "1--1", "1-2-3", "18446744073709551616", "1.0", "1-", "-5", "1-x"}) {
    EXPECT_FALSE(streams::ParseId(bad, 0, false, &id)) << bad;
  }
  EXPECT_FALSE(streams::ParseId(std::string(128, '1'), 0, false, &id));
  ASSERT_TRUE(streams::ParseId(std::string("7\0junk", 6), 0, true, &id));  // C-string semantics
  EXPECT_EQ(id, (StreamId{7, 0}));
}

TEST(StreamIds, IntervalsAndSteps) {
  StreamId id;
  bool ex;
  ASSERT_TRUE(streams::ParseIntervalId("(5-1", 0, &id, &ex));
  EXPECT_TRUE(ex);
  EXPECT_EQ(id, (StreamId{5, 1}));
  ASSERT_TRUE(streams::ParseIntervalId("(", 0, &id, &ex) == false);
  EXPECT_FALSE(streams::ParseIntervalId("(-", 0, &id, &ex));  // exclusive is strict
  id = {1, UINT64_MAX};
  ASSERT_TRUE(streams::IncrId(&id));
  EXPECT_EQ(id, (StreamId{2, 0}));
  ASSERT_TRUE(streams::DecrId(&id));
  EXPECT_EQ(id, (StreamId{1, UINT64_MAX}));
  id = streams::kMaxId;
  EXPECT_FALSE(streams::IncrId(&id));
  id = {0, 0};
  EXPECT_FALSE(streams::DecrId(&id));
}

TEST(StreamEncoding, EntryFieldsSortInIdOrder) {
  std::vector<StreamId> ordered = {{0, 1}, {0, 2}, {1, 0}, {255, 0}, {256, 0}, {1ull << 40, 3}, streams::kMaxId};
  for (size_t i = 0; i + 1 < ordered.size(); i++) {
    EXPECT_LT(streams::EntryField(ordered[i]), streams::EntryField(ordered[i + 1]));
  }
  StreamId back;
  ASSERT_TRUE(streams::DecodeEntryField(streams::EntryField({12, 34}), &back));
  EXPECT_EQ(back, (StreamId{12, 34}));
  EXPECT_FALSE(streams::DecodeEntryField("g", &back));
  std::vector<std::string_view> fv = {"", std::string_view("a\0b", 3), "value"}, out;
  std::string enc = streams::EncodeEntry(fv);
  ASSERT_TRUE(streams::DecodeEntry(enc, &out));
  EXPECT_EQ(out, fv);
  EXPECT_FALSE(streams::DecodeEntry("\x05\x00\x00\x00ab", &out));
}

class StreamsTest : public CommandTest {};

TEST_F(StreamsTest, AutoIdsComeFromTheEntryClockAndNeverGoBack) {
  set_now(1000);
  Expect({"XADD", "s", "*", "f", "v"}, Bulk("1000-0"));
  Expect({"XADD", "s", "*", "f", "v"}, Bulk("1000-1"));
  set_now(900);  // a leader with a slower clock: the ms part stays
  Expect({"XADD", "s", "*", "f", "v"}, Bulk("1000-2"));
  set_now(2000);
  Expect({"XADD", "s", "*", "f", "v"}, Bulk("2000-0"));
  Expect({"XADD", "s", "2000-*", "f", "v"}, Bulk("2000-1"));
  Expect({"XADD", "s", "3000-*", "f", "v"}, Bulk("3000-0"));
  // The log holds the command as sent: replaying it elsewhere derives the same IDs.
  EXPECT_EQ(last_log_argv()[2], "3000-*");
  Expect({"XLEN", "s"}, Int(6));
}

TEST_F(StreamsTest, ErrorsFoundBeforeTheKeyNeverReachTheLog) {
  Expect({"XADD", "s", "abc", "f", "v"}, Err(streams::kErrInvalidId));
  EXPECT_FALSE(has_log());
  Expect({"XADD", "s", "0-0", "f", "v"}, Err("ERR The ID specified in XADD must be greater than 0-0"));
  EXPECT_FALSE(has_log());
  Expect({"XADD", "s", "1-1", "f"}, Err(WrongArity("xadd")));
  EXPECT_FALSE(has_log());
  Expect({"XADD", "s", "MAXLEN", "1", "LIMIT", "5", "*", "f", "v"},
         Err("ERR syntax error, LIMIT cannot be used without the special ~ option"));
  EXPECT_FALSE(has_log());
  Expect({"XADD", "s", "1-1", "f", "v"}, Bulk("1-1"));
  Expect({"XADD", "s", "1-1", "f", "v"},
         Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
}

TEST_F(StreamsTest, EntriesAreSubKeysInIdOrderAndTrimmingMovesTheFirstId) {
  Expect({"XADD", "s", "300-0", "a", "1"}, Bulk("300-0"));
  Expect({"XADD", "s", "1000-0", "b", "2"}, Bulk("1000-0"));
  Expect({"XADD", "s", "1000-7", "c", "3"}, Bulk("1000-7"));
  auto subs = SubKeyList("s", VersionOf("s"));
  ASSERT_EQ(subs.size(), 3u);  // their node is the last one: kept in the metadata
  EXPECT_EQ(subs[0].first, streams::EntryField({300, 0}));
  EXPECT_EQ(subs[2].first, streams::EntryField({1000, 7}));
  Expect({"XTRIM", "s", "MAXLEN", "1"}, Int(2));
  EXPECT_EQ(SubKeyList("s", VersionOf("s")).size(), 1u);
  Expect({"XDEL", "s", "1000-7"}, Int(1));
  Expect({"XLEN", "s"}, Int(0));
  Expect({"TYPE", "s"}, "+stream\r\n");  // an empty stream is kept, as in Redis
  Expect({"XADD", "s", "1000-7", "c", "3"},
         Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"));
}

// '~' trims whole nodes of 100 entries (Redis's stream-node-max-entries); '=' flags entries
// inside the first node that stays; XDEL frees a node with its last live entry.
TEST_F(StreamsTest, ApproximateTrimmingRemovesWholeNodes) {
  for (int i = 1; i <= 250; i++) Expect({"XADD", "s", std::to_string(i) + "-0", "f", "v"}, Bulk(std::to_string(i) + "-0"));
  // Two sealed nodes are 'n' records after the entries; the third, the tail, is in the metadata.
  auto subs = SubKeyList("s", VersionOf("s"));
  ASSERT_EQ(subs.size(), 252u);
  EXPECT_EQ(subs[250].first, streams::NodeField({1, 0}));
  EXPECT_EQ(subs[251].first, streams::NodeField({101, 0}));
  Expect({"XTRIM", "s", "MAXLEN", "~", "180"}, Int(0));   // the first node would leave 150 < 180
  Expect({"XTRIM", "s", "MAXLEN", "~", "140"}, Int(100));
  Expect({"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "99"}, Int(0));  // a node of 100 passes LIMIT
  Expect({"XTRIM", "s", "MAXLEN", "=", "120"}, Int(30));  // 30 flagged in node 101..200
  Expect({"XTRIM", "s", "MINID", "~", "200-0"}, Int(0));  // that node's last ID is 200-0
  Expect({"XTRIM", "s", "MINID", "~", "201-0"}, Int(70));
  Expect({"XLEN", "s"}, Int(50));
  std::vector<std::string> del = {"XDEL", "s"};
  for (int i = 201; i <= 250; i++) del.push_back(std::to_string(i) + "-0");
  Expect(del, Int(50));
  EXPECT_EQ(SubKeyList("s", VersionOf("s")).size(), 0u);
  for (int i = 300; i < 400; i++) Expect({"XADD", "s", std::to_string(i) + "-0", "f", "v"}, Bulk(std::to_string(i) + "-0"));
  Expect({"XADD", "s", "400-0", "f", "v"}, Bulk("400-0"));  // seals the node of 300..399
  EXPECT_EQ(SubKeyList("s", VersionOf("s")).back().first, streams::NodeField({300, 0}));
  Expect({"XDEL", "s", "400-0"}, Int(1));  // the tail goes: the sealed node becomes the tail
  EXPECT_EQ(SubKeyList("s", VersionOf("s")).size(), 100u);
  Expect({"XTRIM", "s", "MAXLEN", "~", "0"}, Int(100));
}

}  // namespace
}  // namespace redraft::commands::testing
