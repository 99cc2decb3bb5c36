// Databases in the store (docs/data_model.md "Databases"): the per-database views (prefix on the
// way in, stripped on the way out, Scan bounded by the database), per-database key counts,
// FLUSHDB as a range delete, SWAPDB as a mapping change, and how both survive a reopen and a
// staged snapshot install; a store from before databases is refused.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/db_view.h"
#include "store/rocks_store.h"
#include "temp_store.h"

namespace redraft::store {
namespace {

class DbViewTest : public TempStoreTest {
 protected:
  // A hash (a collection with sub-keys) of n fields at version.
  static Value Hash(uint64_t version, uint64_t n) {
    Value v;
    v.type = ValueType::kHash;
    v.version = version;
    SetCollectionSize(&v, n);
    return v;
  }
  std::string Payload(int db, std::string_view key) {
    DbStore view(*store_, db);
    Value v;
    Status s = view.Get(key, 0, &v);
    if (s.IsNotFound()) return "<none>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return v.payload;
  }
  std::vector<std::string> Keys(int db, std::string_view start = "") {
    DbStore view(*store_, db);
    std::vector<std::string> keys;
    EXPECT_TRUE(view.Scan(start, [&](std::string_view k, const Value&) {
      keys.emplace_back(k);
      return true;
    }).ok());
    return keys;
  }
  void Commit(Store::Batch* b) { ASSERT_TRUE(store_->Commit(b, ++index_).ok()); }

  uint64_t index_ = 0;
};

TEST_F(DbViewTest, ViewsPrefixKeysAndStripThemFromScans) {
  auto b = store_->NewBatch();
  DbBatch db0(*b, 0), db1(*b, 1), db2(*b, 2);
  db0.Put("a", Str("0a"));
  db1.Put("", Str("1-empty"));  // the empty key, and keys that sort at the edges of a database
  db1.Put("a", Str("1a"));
  db1.Put(std::string("\xff\xff", 2), Str("1ff"));
  db2.Put(std::string(1, '\0'), Str("2nul"));
  // The batch reads through the same prefix.
  Value v;
  ASSERT_TRUE(db1.Get("a", 0, &v).ok());
  EXPECT_EQ(v.payload, "1a");
  EXPECT_TRUE(db2.Get("a", 0, &v).IsNotFound());
  Commit(b.get());

  EXPECT_EQ(Payload(0, "a"), "0a");
  EXPECT_EQ(Payload(1, "a"), "1a");
  EXPECT_EQ(Payload(2, "a"), "<none>");
  // Stored keys are [db][key].
  ASSERT_TRUE(store_->Get(std::string("\x01" "a", 2), 0, &v).ok());
  EXPECT_EQ(v.payload, "1a");
  EXPECT_EQ(Keys(0), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Keys(1), (std::vector<std::string>{"", "a", std::string("\xff\xff", 2)}));
  EXPECT_EQ(Keys(1, "b"), (std::vector<std::string>{std::string("\xff\xff", 2)}));
  EXPECT_EQ(Keys(2), (std::vector<std::string>{std::string(1, '\0')}));
  EXPECT_EQ(Keys(3), std::vector<std::string>{});
  EXPECT_EQ(Keys(254), std::vector<std::string>{});
  EXPECT_EQ(DbStore(*store_, 0).KeyCount(), 1u);
  EXPECT_EQ(DbStore(*store_, 1).KeyCount(), 3u);
  EXPECT_EQ(DbStore(*store_, 2).KeyCount(), 1u);
  EXPECT_EQ(store_->KeyCount(), 5u);
  Reopen();
  EXPECT_EQ(DbStore(*store_, 1).KeyCount(), 3u);
  EXPECT_EQ(store_->DbKeyCount(2), 1u);
}

TEST_F(DbViewTest, ExpiresCountPerDatabase) {
  auto b = store_->NewBatch();
  Value volatile_v = Str("v");
  volatile_v.expire_ms = 5000;
  DbBatch(*b, 1).Put("e1", volatile_v);
  DbBatch(*b, 1).Put("e2", volatile_v);
  DbBatch(*b, 1).Put("p", Str("v"));
  DbBatch(*b, 2).Put("e", volatile_v);
  Commit(b.get());
  EXPECT_EQ(store_->DbExpiresCount(1), 2u);
  b = store_->NewBatch();
  DbBatch(*b, 1).Put("e1", Str("persisted"));  // PERSIST-like overwrite
  DbBatch(*b, 1).Put("p", volatile_v);         // EXPIRE-like
  DbBatch(*b, 1).Delete("e2");
  Commit(b.get());
  EXPECT_EQ(store_->DbExpiresCount(1), 1u);
  EXPECT_EQ(store_->DbKeyCount(1), 2u);
  Reopen();
  EXPECT_EQ(store_->DbExpiresCount(1), 1u);
  EXPECT_EQ(store_->DbExpiresCount(2), 1u);
  b = store_->NewBatch();
  b->SwapDbs(1, 2);
  b->DeleteDb(1);  // the old database 2
  Commit(b.get());
  EXPECT_EQ(store_->DbExpiresCount(1), 0u);
  EXPECT_EQ(store_->DbExpiresCount(2), 1u);
}

TEST_F(DbViewTest, SubKeysAreQualifiedToo) {
  auto b = store_->NewBatch();
  DbBatch db0(*b, 0), db1(*b, 1);
  db0.Put("h", Hash(7, 1));
  db0.PutSub("h", 7, "f", "zero");
  db1.Put("h", Hash(7, 1));
  db1.PutSub("h", 7, "f", "one");
  Commit(b.get());
  std::string out;
  ASSERT_TRUE(DbStore(*store_, 1).GetSub("h", 7, "f", &out).ok());
  EXPECT_EQ(out, "one");
  std::vector<std::string> seen;
  ASSERT_TRUE(DbStore(*store_, 0).ScanSub("h", 7, "", [&](std::string_view f, std::string_view v) {
    seen.push_back(std::string(f) + "=" + std::string(v));
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"f=zero"}));
}

TEST_F(DbViewTest, DeleteDbRemovesOneDatabaseEvenWithinTheBatch) {
  auto b = store_->NewBatch();
  DbBatch db0(*b, 0), db1(*b, 1);
  db0.Put("keep", Str("x"));
  for (int i = 0; i < 100; i++) db1.Put("k" + std::to_string(i), Str("v"));
  db1.Put("h", Hash(9, 1));
  db1.PutSub("h", 9, "f", "v");
  Commit(b.get());
  ASSERT_TRUE(store_->Flush().ok());

  b = store_->NewBatch();
  DbBatch v0(*b, 0), v1(*b, 1);
  v1.Put("new-before", Str("gone"));  // written in this batch before the flush
  v1.DeleteDb(1);
  Value v;
  EXPECT_TRUE(v1.Get("k1", 0, &v).IsNotFound());           // on disk: hidden
  EXPECT_TRUE(v1.Get("new-before", 0, &v).IsNotFound());   // in this batch: deleted
  std::string out;
  EXPECT_TRUE(v1.GetSub("h", 9, "f", &out).IsNotFound());
  v1.Put("after", Str("stays"));  // written after the flush
  ASSERT_TRUE(v0.Get("keep", 0, &v).ok());
  Commit(b.get());
  EXPECT_EQ(Keys(1), (std::vector<std::string>{"after"}));
  EXPECT_EQ(Keys(0), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(store_->DbKeyCount(1), 1u);
  EXPECT_EQ(store_->KeyCount(), 2u);
  // The flushed hash's sub-key is garbage: the compaction filter drops it.
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_GE(store_->StaleSubKeysDropped(), 1u);
  Reopen();
  EXPECT_EQ(Keys(1), (std::vector<std::string>{"after"}));
  EXPECT_EQ(store_->DbKeyCount(1), 1u);
  EXPECT_EQ(store_->KeyCount(), 2u);
}

// The read cache (store/read_cache.h) holds stored keys written through it. FLUSHDB removes a
// database by a range delete that names none of them, so a cached record must not outlive it,
// nor may a record written earlier in the flushing batch reach the cache.
TEST_F(DbViewTest, ReadCacheNeverServesAFlushedDatabase) {
  auto b = store_->NewBatch();
  DbBatch(*b, 0).Put("k", Str("zero"));
  DbBatch(*b, 1).Put("k", Str("one"));
  Commit(b.get());
  EXPECT_EQ(Payload(1, "k"), "one");  // cached from the commit (and this read)
  EXPECT_EQ(Payload(0, "k"), "zero");

  b = store_->NewBatch();
  DbBatch v1(*b, 1);
  v1.Put("before", Str("gone"));  // in the batch, before the flush
  v1.DeleteDb(1);
  v1.Put("after", Str("stays"));
  Commit(b.get());
  EXPECT_EQ(Payload(1, "k"), "<none>");
  EXPECT_EQ(Payload(1, "before"), "<none>");
  EXPECT_EQ(Payload(1, "after"), "stays");
  EXPECT_EQ(Payload(0, "k"), "zero");

  // SWAPDB: every logical key reads the other database's record, cached or not.
  b = store_->NewBatch();
  b->SwapDbs(0, 1);
  Commit(b.get());
  EXPECT_EQ(Payload(0, "k"), "<none>");
  EXPECT_EQ(Payload(0, "after"), "stays");
  EXPECT_EQ(Payload(1, "k"), "zero");
  // FLUSHALL: nothing cached survives.
  b = store_->NewBatch();
  b->DeleteAll();
  Commit(b.get());
  EXPECT_EQ(Payload(0, "after"), "<none>");
  EXPECT_EQ(Payload(1, "k"), "<none>");
}

TEST_F(DbViewTest, SwapDbsExchangesMappingsDurablyAndViewsFollow) {
  auto b = store_->NewBatch();
  DbBatch(*b, 0).Put("k", Str("zero"));
  DbBatch(*b, 3).Put("k", Str("three"));
  DbBatch(*b, 3).Put("only3", Str("x"));
  Commit(b.get());
  DbStore reader(*store_, 3);  // a connection on database 3, alive across the swap

  b = store_->NewBatch();
  b->SwapDbs(0, 3);
  Value v;
  ASSERT_TRUE(DbBatch(*b, 0).Get("k", 0, &v).ok());  // later commands of the batch see it
  EXPECT_EQ(v.payload, "three");
  EXPECT_EQ(Payload(0, "k"), "zero");  // not before the commit
  Commit(b.get());
  ASSERT_TRUE(reader.Get("k", 0, &v).ok());
  EXPECT_EQ(v.payload, "zero");
  EXPECT_EQ(Payload(0, "k"), "three");
  EXPECT_EQ(DbStore(*store_, 0).KeyCount(), 2u);
  EXPECT_EQ(DbStore(*store_, 3).KeyCount(), 1u);
  EXPECT_EQ(Keys(0), (std::vector<std::string>{"k", "only3"}));
  Reopen();
  EXPECT_EQ(Payload(0, "k"), "three");
  EXPECT_EQ(Payload(3, "k"), "zero");
  // The map is internal: not counted, and it survives compaction.
  EXPECT_EQ(store_->KeyCount(), 3u);
  ASSERT_TRUE(store_->CompactAll().ok());
  Reopen();
  EXPECT_EQ(Payload(0, "k"), "three");
  // FLUSHALL empties every database and resets the map (identity: nothing to tell apart).
  b = store_->NewBatch();
  b->DeleteAll();
  DbBatch(*b, 3).Put("after", Str("a"));
  Commit(b.get());
  EXPECT_EQ(store_->PhysicalDb(3), 3);
  EXPECT_EQ(Keys(3), (std::vector<std::string>{"after"}));
  EXPECT_EQ(store_->DbKeyCount(3), 1u);
  EXPECT_EQ(store_->DbKeyCount(0), 0u);
}

TEST_F(DbViewTest, SnapshotCarriesTheMapAndTheCounts) {
  auto b = store_->NewBatch();
  Value a = Str("1");
  a.expire_ms = 99;
  DbBatch(*b, 1).Put("a", a);
  DbBatch(*b, 1).Put("h", Hash(5, 1));
  DbBatch(*b, 1).PutSub("h", 5, "f", "v");
  DbBatch(*b, 2).Put("b", Str("2"));
  b->SwapDbs(1, 2);
  Commit(b.get());

  // Stream this store's view into a second store, as a leader does to a follower.
  char tmpl[] = "/tmp/redraft_db_view_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string other_dir = tmpl;
  {
    auto r = Store::Open(other_dir, StoreOptions{8 << 20, 4 << 20});
    ASSERT_TRUE(r.ok());
    auto other = std::move(r.value());
    auto view = store_->NewSnapshotView();
    ASSERT_TRUE(other->StageBegin().ok());
    for (; view->Valid(); view->Next()) {
      Value v;
      ASSERT_TRUE(view->value(&v).ok());
      other->StagePut(view->key(), v);
    }
    ASSERT_TRUE(view->status().ok());
    ASSERT_TRUE(other->StageInstall(view->applied_index(), view->key_count(), 0).ok());
    Value v;
    ASSERT_TRUE(DbStore(*other, 2).Get("a", 0, &v).ok());
    ASSERT_TRUE(DbStore(*other, 1).Get("b", 0, &v).ok());
    std::string out;
    ASSERT_TRUE(DbStore(*other, 2).GetSub("h", 5, "f", &out).ok());
    EXPECT_EQ(other->DbKeyCount(2), 2u);
    EXPECT_EQ(other->DbExpiresCount(2), 1u);
    EXPECT_EQ(other->DbKeyCount(1), 1u);
    EXPECT_EQ(other->KeyCount(), 3u);
  }
  std::filesystem::remove_all(other_dir);
}

TEST_F(DbViewTest, AStoreFromBeforeDatabasesIsRefused) {
  auto b = store_->NewBatch();
  b->Put("old-key", Str("v"));
  Commit(b.get());
  store_.reset();
  {  // Remove the format record, as a store written by the previous version has none.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_, cfs, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); i++) {
      if (names[i] == "state") {
        ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), handles[i], "format").ok());
      }
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto r = Store::Open(dir_, StoreOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("from before databases"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace redraft::store
