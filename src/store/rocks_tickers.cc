#include "store/rocks_tickers.h"

#include <atomic>
#include <cstdint>

namespace redraft::store {
namespace {

class ExportedTickers : public rocksdb::Statistics {
 public:
  ExportedTickers() { set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers); }
  const char* Name() const override { return "redraft.ExportedTickers"; }

  uint64_t getTickerCount(uint32_t ticker) const override {
    const std::atomic<uint64_t>* c = Counter(ticker);
    return c ? c->load(std::memory_order_relaxed) : 0;
  }
  void recordTick(uint32_t ticker, uint64_t count) override {
    if (std::atomic<uint64_t>* c = Counter(ticker)) c->fetch_add(count, std::memory_order_relaxed);
  }
  void setTickerCount(uint32_t ticker, uint64_t count) override {
    if (std::atomic<uint64_t>* c = Counter(ticker)) c->store(count, std::memory_order_relaxed);
  }
  uint64_t getAndResetTickerCount(uint32_t ticker) override {
    std::atomic<uint64_t>* c = Counter(ticker);
    return c ? c->exchange(0, std::memory_order_relaxed) : 0;
  }
  void histogramData(uint32_t, rocksdb::HistogramData* const data) const override { *data = rocksdb::HistogramData(); }
  bool HistEnabledForType(uint32_t) const override { return false; }

 private:
  std::atomic<uint64_t>* Counter(uint32_t ticker) const {
    switch (ticker) {
      case rocksdb::BLOCK_CACHE_HIT: return &hits_;
      case rocksdb::BLOCK_CACHE_MISS: return &misses_;
      case rocksdb::STALL_MICROS: return &stall_micros_;
      default: return nullptr;
    }
  }
  // Written by RocksDB's threads (reads, flushes, compactions), read by a /metrics scrape.
  mutable std::atomic<uint64_t> hits_{0}, misses_{0}, stall_micros_{0};
};

}  // namespace

std::shared_ptr<rocksdb::Statistics> NewExportedTickers() { return std::make_shared<ExportedTickers>(); }

}  // namespace redraft::store
