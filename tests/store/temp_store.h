// The fixture the store tests share: a Store opened in a fresh temporary directory for each test,
// reopened at will (Reopen: what a restart sees), removed after the test. Each test file chooses
// its options (the read cache size decides whether reads hit the cache or RocksDB).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/rocks_store.h"

namespace redraft::store {

class TempStoreTest : public ::testing::Test {
 protected:
  explicit TempStoreTest(StoreOptions opts = SmallOptions()) : opts_(opts) {}

  static StoreOptions SmallOptions() {
    StoreOptions opts;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 4 << 20;
    return opts;
  }

  void SetUp() override {
    char tmpl[] = "/tmp/redraft_store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto r = Store::Open(dir_, opts_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r.value());
  }
  // A string value.
  static Value Str(std::string payload, int64_t expire_ms = 0) {
    Value v;
    v.payload = std::move(payload);
    v.expire_ms = expire_ms;
    return v;
  }

  StoreOptions opts_;
  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace redraft::store
