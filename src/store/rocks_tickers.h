// The RocksDB statistics redraft exports (/metrics: block cache hits and misses, write stall
// time) and nothing else. Why not rocksdb::CreateDBStatistics(): it keeps every ticker in
// per-core arrays, so each write batch and each RocksDB read pays several virtual recordTick
// calls that each look up the current CPU (sched_getcpu) and add to a per-core slot. Measured
// with callgrind (metrics on): 80 instructions less per SET; about 12 less per GET, as GETs
// mostly hit the read cache and do not reach RocksDB. Here a ticker we do not export is a
// switch that returns; an exported one is a relaxed atomic add, and those happen only on block
// cache lookups (SST reads) and stalls. Histograms and timers stay off (kExceptHistogramOrTimers).
#pragma once

#include <rocksdb/statistics.h>

#include <memory>

namespace redraft::store {

std::shared_ptr<rocksdb::Statistics> NewExportedTickers();

}  // namespace redraft::store
