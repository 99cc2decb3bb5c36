// CommandSpec::unchanged (docs/unchanged_writes.md): a write the server answers as a read when it
// would change nothing. The rule checked here, for every command that has the predicate, over a
// grid of states and arguments: when the predicate says "unchanged", applying the write writes
// nothing (no Put, no Delete), notifies nothing, and replies exactly what the predicate replied.
// And for SETBIT, the converse (Redis 7.0's rule, checked against redis-server 7.0.15): every
// valid SETBIT that the predicate sends to the log does write (created, grown or a bit flipped).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/notify.h"
#include "test_util.h"

namespace redraft::commands::testing {
namespace {

// Forwards to a real batch, counting the changes the command makes.
class CountingBatch : public store::Store::Batch {
 public:
  explicit CountingBatch(store::Store::Batch& b) : b_(b) {}
  int changes = 0;
  Status Get(std::string_view key, int64_t now_ms, store::Value* out) override { return b_.Get(key, now_ms, out); }
  Status GetRaw(std::string_view key, store::Value* out) override { return b_.GetRaw(key, out); }
  void Put(std::string_view key, const store::Value& v) override { changes++, b_.Put(key, v); }
  void Delete(std::string_view key) override { changes++, b_.Delete(key); }
  void DeleteAll() override { changes++, b_.DeleteAll(); }
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override {
    return b_.GetSub(key, version, field, out);
  }
  void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) override {
    changes++, b_.PutSub(key, version, field, value);
  }
  void DeleteSub(std::string_view key, uint64_t version, std::string_view field) override {
    changes++, b_.DeleteSub(key, version, field);
  }
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const store::SubKeyFn& fn) override {
    return b_.ScanSub(key, version, start, fn);
  }
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                       const store::SubKeyFn& fn) override {
    return b_.ScanSubBefore(key, version, before, fn);
  }
  uint8_t PhysicalDb(int db) override { return b_.PhysicalDb(db); }
  void SwapDbs(int a, int b) override { changes++, b_.SwapDbs(a, b); }
  void DeleteDb(int db) override { changes++, b_.DeleteDb(db); }

 private:
  store::Store::Batch& b_;
};

class UnchangedTest : public CommandTest {
 protected:
  struct Outcome {
    bool unchanged;
    std::string predicate_reply;
    std::string apply_reply;
    int changes;
    size_t events;
  };
  // The predicate on the committed state, then the write applied to a batch that is dropped.
  Outcome Try(const CommandSpec& spec, const Argv& argv) {
    Outcome o;
    resp::ReplyBuilder rb(&o.predicate_reply, proto_);
    ExecContext ectx{store(), now_ms(), rb, session_, nullptr};
    o.unchanged = spec.unchanged(ectx, argv);
    Argv log = argv;
    std::string prep;
    resp::ReplyBuilder prb(&prep);
    PrepareContext pctx{now_ms(), prb};
    if (spec.prepare && !spec.prepare(pctx, log)) {
      o.apply_reply = prep;  // refused before the log
      o.changes = 0;
      o.events = 0;
      return o;
    }
    auto batch = store().NewBatch();
    CountingBatch counting(*batch);
    resp::ReplyBuilder arb(&o.apply_reply, proto_);
    NotifySink sink{kNotifyKeyspace | kNotifyKeyevent | kNotifyAll | kNotifyKeyMiss | kNotifyNew, {}};
    ApplyContext actx{counting, now_ms(), arb, index() + 1};
    actx.notify = &sink;
    spec.apply(actx, log);
    o.changes = counting.changes;
    o.events = sink.events.size();
    return o;
  }
};

TEST_F(UnchangedTest, UnchangedMeansApplyWritesAndNotifiesNothing) {
  // States: a bitmap 0x81 0x00, an integer-looking string, an empty string, a list, a hash, a key
  // with a TTL, an expired key, a missing key.
  Expect({"SET", "s", std::string("\x81\x00", 2)}, kOk);
  Expect({"SET", "i", "123"}, kOk);
  Expect({"SET", "empty", ""}, kOk);
  Expect({"RPUSH", "l", "a"}, Int(1));
  Expect({"HSET", "h", "f", "v"}, Int(1));
  Expect({"SET", "t", "\xff", "PX", "100000"}, kOk);
  Expect({"SET", "x", "\xff", "PX", "10"}, kOk);
  advance(20);
  int checked = 0, unchanged = 0;
  for (const CommandSpec* spec : AllCommands()) {
    if (!spec->unchanged) continue;
    ASSERT_TRUE(spec->is_write() && spec->apply) << spec->name;
    ASSERT_EQ(spec->name, "setbit") << "add this command's argument grid below";
    for (const char* key : {"s", "i", "empty", "l", "h", "t", "x", "missing"}) {
      for (const char* off : {"0", "1", "7", "8", "15", "16", "100", "-1", "4294967296"}) {
        for (const char* val : {"0", "1", "2"}) {
          Argv argv{"SETBIT", key, off, val};
          Outcome o = Try(*spec, argv);
          std::string shown = std::string("SETBIT ") + key + " " + off + " " + val;
          checked++;
          if (o.unchanged) {
            unchanged++;
            EXPECT_EQ(o.changes, 0) << shown;
            EXPECT_EQ(o.events, 0u) << shown;
            EXPECT_EQ(o.predicate_reply, o.apply_reply) << shown;
          } else {
            EXPECT_EQ(o.predicate_reply, "") << shown << ": the predicate wrote a reply but said no";
            // Redis 7.0's rule: a valid SETBIT not found unchanged writes (or is an error).
            EXPECT_TRUE(o.changes > 0 || o.apply_reply.starts_with("-")) << shown << " -> " << o.apply_reply;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0);
  // "s" 0x81 0x00: offsets 0,7 at 1 and 1,8,15 at 0; "i" "123" = 0x31 0x32 0x33; "t" 0xff.
  EXPECT_GT(unchanged, 10);
}

TEST_F(UnchangedTest, SetbitCases) {
  const CommandSpec& spec = *Lookup("setbit");
  Expect({"SET", "s", std::string("\x81\x00", 2)}, kOk);
  EXPECT_TRUE(Try(spec, {"SETBIT", "s", "0", "1"}).unchanged);
  EXPECT_EQ(Try(spec, {"SETBIT", "s", "0", "1"}).predicate_reply, Int(1));
  EXPECT_TRUE(Try(spec, {"SETBIT", "s", "15", "0"}).unchanged);    // last bit of the string
  EXPECT_EQ(Try(spec, {"SETBIT", "s", "15", "0"}).predicate_reply, Int(0));
  EXPECT_FALSE(Try(spec, {"SETBIT", "s", "16", "0"}).unchanged);   // grows the string
  EXPECT_FALSE(Try(spec, {"SETBIT", "s", "1", "1"}).unchanged);    // flips a bit
  EXPECT_FALSE(Try(spec, {"SETBIT", "m", "0", "0"}).unchanged);    // creates the key
  EXPECT_FALSE(Try(spec, {"SETBIT", "s", "0", "2"}).unchanged);    // an error
  Expect({"SET", "x", "\xff", "PX", "10"}, kOk);
  EXPECT_TRUE(Try(spec, {"SETBIT", "x", "0", "1"}).unchanged);
  advance(20);
  EXPECT_FALSE(Try(spec, {"SETBIT", "x", "0", "1"}).unchanged);    // expired: created anew
}

}  // namespace
}  // namespace redraft::commands::testing
