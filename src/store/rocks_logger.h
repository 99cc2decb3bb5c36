// RocksDB's info log, sent to the server's log (spdlog) instead of a LOG file in the store
// directory. A LOG file on a full disk is worse than useless: RocksDB's file writer remembers the
// failed write, and (in builds with assertions, such as Debian's) the next line it logs aborts the
// process. Levels: RocksDB DEBUG/INFO -> debug, WARN -> warn, ERROR and above -> error.
#pragma once

#include <rocksdb/env.h>

#include <memory>

namespace redraft::store {

std::shared_ptr<rocksdb::Logger> NewRocksLogger();

}  // namespace redraft::store
