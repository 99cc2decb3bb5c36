// The RocksDB statistics redraft exports (/metrics: block cache hits and misses, write stall
// time) and nothing else. Why not rocksdb::CreateDBStatistics(): it keeps every ticker in
// per-core arrays, so each Get pays several virtual recordTick calls that each look up the
// current CPU (sched_getcpu) and add to a per-core slot: about 60 instructions of a GET's ~4,700
// (callgrind, GET -P16), ~1.3 % of the metrics-on cost on every read and write. Here a ticker we
// do not export is a switch that returns; an exported one is a relaxed atomic add, and those
// happen only on block cache lookups (SST reads) and stalls, never on the memtable or read-cache
// path. Histograms and timers stay off (kExceptHistogramOrTimers).
#pragma once

#include <rocksdb/statistics.h>

#include <memory>

namespace redraft::store {

std::shared_ptr<rocksdb::Statistics> NewExportedTickers();

}  // namespace redraft::store
