// The dataset's logical size (Store::DatasetBytes, docs/memory.md): kept at apply by every
// batch, it must always equal KeyCharge summed over the metadata records, whatever mix of puts,
// overwrites, deletes, collection size changes, FLUSHDB, FLUSHALL, reopen and staged installs.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "store/rocks_store.h"
#include "temp_store.h"

namespace redraft::store {
namespace {

class DatasetBytesTest : public TempStoreTest {
 protected:
  DatasetBytesTest() : TempStoreTest(Options()) {}
  static StoreOptions Options() {
    StoreOptions opts = SmallOptions();
    opts.read_cache_bytes = 64 << 10;  // small: both the cached and the RocksDB paths run
    return opts;
  }
  // KeyCharge over every metadata record, the definition.
  uint64_t Recount() {
    uint64_t total = 0;
    EXPECT_TRUE(store_->Scan("", [&](std::string_view k, const Value& v) {
      total += KeyCharge(k.size(), v);
      return true;
    }).ok());
    return total;
  }
  uint64_t index_ = 0;
};

TEST_F(DatasetBytesTest, StringChargeIsKeyRecordAndOverhead) {
  auto b = store_->NewBatch();
  Value v;
  v.payload = "hello";
  b->Put(QualifyKey(0, "k"), v);
  ASSERT_TRUE(store_->Commit(b.get(), ++index_).ok());
  // [db]k = 2 bytes, header 17, payload 5, overhead 48.
  EXPECT_EQ(store_->DatasetBytes(), 2u + 17 + 5 + kKeyOverheadBytes);
}

TEST_F(DatasetBytesTest, AgreesWithARecountThroughRandomWrites) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; round++) {
    auto b = store_->NewBatch();
    int ops = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < ops; i++) {
      const uint8_t db = static_cast<uint8_t>(rng() % 3);
      const std::string key = QualifyKey(db, "key" + std::to_string(rng() % 40));
      switch (rng() % 10) {
        case 0:
        case 1:
          b->Delete(key);
          break;
        case 2: {  // a collection of some size
          Value v;
          v.type = ValueType::kHash;
          v.version = rng();
          SetCollectionSize(&v, rng() % 100);
          b->Put(key, v);
          break;
        }
        case 3: {  // read first (the GetRaw path), then rewrite
          Value v;
          if (b->GetRaw(key, &v).ok()) {
            v.payload.append("x");
            b->Put(key, v);
          }
          break;
        }
        case 4:
          if (rng() % 20 == 0) b->DeleteDb(static_cast<int>(rng() % 3));
          break;
        case 5:
          if (rng() % 60 == 0) b->DeleteAll();
          break;
        default: {
          Value v;
          v.payload = std::string(rng() % 300, 'v');
          if (rng() % 3 == 0) v.expire_ms = 1000;
          b->Put(key, v);
        }
      }
    }
    ASSERT_TRUE(store_->Commit(b.get(), ++index_).ok());
    ASSERT_EQ(store_->DatasetBytes(), Recount()) << "round " << round;
    if (round % 50 == 49) {
      Reopen();
      ASSERT_EQ(store_->DatasetBytes(), Recount()) << "after reopen, round " << round;
    }
  }
}

TEST_F(DatasetBytesTest, StagedInstallCountsTheStagedRecords) {
  {
    auto b = store_->NewBatch();
    Value v;
    v.payload = "old";
    b->Put(QualifyKey(0, "old"), v);
    ASSERT_TRUE(store_->Commit(b.get(), ++index_).ok());
  }
  ASSERT_TRUE(store_->StageBegin().ok());
  Value a;
  a.payload = std::string(100, 'a');
  store_->StagePut(QualifyKey(0, "a"), a);
  Value h;
  h.type = ValueType::kHash;
  h.version = 5;
  SetCollectionSize(&h, 3);
  store_->StagePut(QualifyKey(1, "h"), h);
  Value sub;
  sub.type = ValueType::kSubKey;
  sub.payload = "field value";
  store_->StagePut(EncodeSubKey(QualifyKey(1, "h"), 5, "f"), sub);  // not a key: not charged
  ASSERT_TRUE(store_->StageInstall(100, 2, 0).ok());
  EXPECT_EQ(store_->DatasetBytes(), Recount());
  EXPECT_EQ(store_->DatasetBytes(), KeyCharge(2, a) + KeyCharge(2, h));
  Reopen();
  EXPECT_EQ(store_->DatasetBytes(), Recount());
}

}  // namespace
}  // namespace redraft::store
