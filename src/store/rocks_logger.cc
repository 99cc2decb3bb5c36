#include "store/rocks_logger.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>

namespace redraft::store {
namespace {

class RocksLogger : public rocksdb::Logger {
 public:
  RocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    spdlog::level::level_enum to = level <= rocksdb::InfoLogLevel::INFO_LEVEL ? spdlog::level::debug
                                   : level == rocksdb::InfoLogLevel::WARN_LEVEL ? spdlog::level::warn
                                                                                : spdlog::level::err;
    if (!spdlog::should_log(to)) return;
    char buf[2048];
    std::vsnprintf(buf, sizeof(buf), format, ap);
    spdlog::log(to, "rocksdb: {}", buf);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewRocksLogger() { return std::make_shared<RocksLogger>(); }

}  // namespace redraft::store
