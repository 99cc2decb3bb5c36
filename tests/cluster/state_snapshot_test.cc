// State snapshots (cluster/state_snapshot.h): a round trip, and byte surgery showing that a
// damaged or malformed snapshot is refused whole and leaves the receiving store untouched.
#include "cluster/state_snapshot.h"

#include <gtest/gtest.h>

#include "cluster/snapshot_stream.h"
#include "common/coding.h"
#include "common/crc32c.h"
#include "store/db_view.h"
#include "test_util.h"  // tests/commands: TempDir, OpenTestStore

namespace redraft::cluster {
namespace {

using commands::testing::OpenTestStore;
using commands::testing::TempDir;

void Put(store::Store* s, uint64_t index, std::string_view key, std::string_view value) {
  auto b = s->NewBatch();
  store::Value v;
  v.payload.assign(value);
  b->Put(key, v);
  ASSERT_TRUE(s->Commit(b.get(), index).ok());
}

// Recomputes the trailer, so a test can damage the body and still pass the checksum.
std::string FixChecksum(std::string snap) {
  snap.resize(snap.size() - 4);
  PutFixed32(&snap, crc32c::Mask(crc32c::Value(snap.data(), snap.size())));
  return snap;
}

class StateSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = OpenTestStore(dir_.path() + "/src");
    dst_ = OpenTestStore(dir_.path() + "/dst");
    ASSERT_TRUE(src_ && dst_);
    Put(src_.get(), 1, "a", "1");
    Put(src_.get(), 2, "b", "2");
    Put(dst_.get(), 1, "old", "x");
    members_[1] = MemberAddr{"127.0.0.1", 7001, 17001};
    members_[2] = MemberAddr{"127.0.0.1", 7002, 17002};
    snap_ = DumpState(src_.get(), members_);
  }
  // The destination store still holds exactly what it had.
  void ExpectUntouched() {
    store::Value v;
    EXPECT_TRUE(dst_->Get("old", 0, &v).ok());
    EXPECT_EQ(dst_->KeyCount(), 1u);
    EXPECT_EQ(dst_->applied_index(), 1u);
  }
  Status Restore(std::string_view data) {
    std::map<uint64_t, MemberAddr> m;
    uint64_t applied = 0;
    return RestoreState(dst_.get(), data, &m, &applied);
  }

  TempDir dir_;
  std::unique_ptr<store::Store> src_, dst_;
  std::map<uint64_t, MemberAddr> members_;
  std::string snap_;
};

TEST_F(StateSnapshotTest, RoundTrip) {
  std::map<uint64_t, MemberAddr> m;
  uint64_t applied = 0;
  ASSERT_TRUE(RestoreState(dst_.get(), snap_, &m, &applied).ok());
  EXPECT_EQ(applied, 2u);
  EXPECT_EQ(dst_->applied_index(), 2u);
  EXPECT_EQ(m.size(), 2u);
  store::Value v;
  ASSERT_TRUE(dst_->Get("b", 0, &v).ok());
  EXPECT_EQ(v.payload, "2");
  EXPECT_FALSE(dst_->Get("old", 0, &v).ok());
}

TEST_F(StateSnapshotTest, ChecksumMismatchIsRefused) {
  for (size_t i = 0; i < snap_.size(); i++) {
    std::string bad = snap_;
    bad[i] ^= 0x20;
    Status st = Restore(bad);
    ASSERT_TRUE(st.IsCorruption()) << "byte " << i;
  }
  ExpectUntouched();
}

TEST_F(StateSnapshotTest, TruncatedIsRefused) {
  for (size_t n = 0; n < snap_.size(); n++) ASSERT_TRUE(Restore(snap_.substr(0, n)).IsCorruption()) << n;
  ExpectUntouched();
}

TEST_F(StateSnapshotTest, MalformedBodyWithAValidChecksumIsRefused) {
  // A record cut short (the last payload byte dropped): undecodable.
  std::string cut = snap_.substr(0, snap_.size() - 5) + snap_.substr(snap_.size() - 4);
  EXPECT_EQ(Restore(FixChecksum(cut)).message(), "snapshot: value");
  // An unknown value type.
  std::string bad_type = snap_;
  size_t at = bad_type.find("a") + 1;  // key "a" is followed by its type byte
  bad_type[at] = 9;
  EXPECT_EQ(Restore(FixChecksum(bad_type)).message(), "snapshot: value type");
  // Trailing garbage that parses as a key with no value.
  std::string trailing = snap_.substr(0, snap_.size() - 4) + std::string("\x01z", 2) + "0000";
  EXPECT_TRUE(Restore(FixChecksum(trailing)).IsCorruption());
  // The old format version is not accepted (no checksum).
  std::string v1 = snap_;
  v1[6] = '1';
  EXPECT_EQ(Restore(FixChecksum(v1)).message(), "snapshot: bad magic or version");
  ExpectUntouched();
}

TEST_F(StateSnapshotTest, KeysOutOfOrderAreRefused) {
  // Swap the two records ("a"/"1" and "b"/"2" have identical layouts, so swap their bytes).
  std::string swapped = snap_;
  size_t a = swapped.find(std::string("\x01" "a", 2)), b = swapped.find(std::string("\x01" "b", 2));
  ASSERT_NE(a, std::string::npos);
  std::swap(swapped[a + 1], swapped[b + 1]);
  std::swap(swapped[a + 6], swapped[b + 6]);  // the payload bytes ("1", "2")
  EXPECT_EQ(Restore(FixChecksum(swapped)).message(), "snapshot: key order");
  ExpectUntouched();
}

TEST_F(StateSnapshotTest, RoundTripWithAHash) {
  {
    auto b = src_->NewBatch();
    store::Value h;
    h.type = store::ValueType::kHash;
    h.version = 3ull << 20 | 1;
    store::SetCollectionSize(&h, 2);
    h.stamp = 3;  // the WATCH stamp travels with the record
    b->Put("h", h);
    b->PutSub("h", h.version, "f1", "v1");
    b->PutSub("h", h.version, "f2", "v2");
    ASSERT_TRUE(src_->Commit(b.get(), 3).ok());
  }
  std::string snap = DumpState(src_.get(), members_);
  ASSERT_TRUE(ParseState(snap).ok());
  ASSERT_TRUE(Restore(snap).ok());
  EXPECT_EQ(dst_->KeyCount(), 3u);
  store::Value h;
  ASSERT_TRUE(dst_->Get("h", 0, &h).ok());
  EXPECT_EQ(store::CollectionSize(h), 2u);
  EXPECT_EQ(h.stamp, 3u);
  std::string v;
  ASSERT_TRUE(dst_->GetSub("h", h.version, "f2", &v).ok());
  EXPECT_EQ(v, "v2");
}

// The record coding both snapshot forms share: a collection's stamp is a varint behind a flag in
// the type byte, absent when 0 (so records without stamps are coded as before); the flag on a
// string or a sub-key record is malformed.
TEST(SnapRecordTest, StampsRoundTripBehindAFlag) {
  store::Value h;
  h.type = store::ValueType::kZset;
  h.version = 9ull << 20 | 1;
  h.payload = std::string(8, '\0');
  std::string plain, stamped;
  AppendSnapRecord(&plain, "z", h);
  h.stamp = 300;
  AppendSnapRecord(&stamped, "z", h);
  EXPECT_EQ(static_cast<uint8_t>(plain[2]), 5);  // after the length-prefixed key
  EXPECT_EQ(static_cast<uint8_t>(stamped[2]), 5 | kSnapStampedFlag);
  EXPECT_EQ(stamped.size(), plain.size() + 2);  // varint 300
  for (const std::string* rec : {&plain, &stamped}) {
    std::string_view in = *rec, key;
    store::Value d;
    d.stamp = 77;
    ASSERT_TRUE(NextSnapRecord(&in, &key, &d));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(key, "z");
    EXPECT_EQ(d.type, store::ValueType::kZset);
    EXPECT_EQ(d.version, h.version);
    EXPECT_EQ(d.stamp, rec == &plain ? 0u : 300u);
    EXPECT_EQ(d.payload, h.payload);
  }
  store::Value s;
  s.payload = "v";
  std::string str;
  AppendSnapRecord(&str, "s", s);
  str[2] = static_cast<char>(1 | kSnapStampedFlag);
  std::string_view in = str, key;
  EXPECT_FALSE(NextSnapRecord(&in, &key, &s));
}

// The whole-message form carries the databases: stored keys, the SWAPDB map (a sub-key record)
// and, recounted by the restoring batch, each database's key and expiry counts.
TEST_F(StateSnapshotTest, RoundTripWithDatabases) {
  {
    auto b = src_->NewBatch();
    store::Value v;
    v.payload = "in1";
    v.expire_ms = 1;
    store::DbBatch(*b, 1).Put("k", v);
    b->SwapDbs(1, 7);
    ASSERT_TRUE(src_->Commit(b.get(), 3).ok());
  }
  ASSERT_TRUE(Restore(DumpState(src_.get(), members_)).ok());
  store::Value v;
  ASSERT_TRUE(store::DbStore(*dst_, 7).Get("k", 0, &v).ok());
  EXPECT_EQ(v.payload, "in1");
  EXPECT_TRUE(store::DbStore(*dst_, 1).Get("k", 0, &v).IsNotFound());
  EXPECT_EQ(dst_->PhysicalDb(7), 1);
  EXPECT_EQ(dst_->DbKeyCount(7), 1u);
  EXPECT_EQ(dst_->DbExpiresCount(7), 1u);
  EXPECT_EQ(dst_->KeyCount(), 3u);  // with "a" and "b", stored keys of the tests above
}

}  // namespace
}  // namespace redraft::cluster
