#include "server/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace redraft::server {

void SetLogLevel(const std::string& level) {
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug") l = spdlog::level::debug;
  else if (level == "verbose") l = spdlog::level::debug;
  else if (level == "warning") l = spdlog::level::warn;
  spdlog::set_level(l);
}

Status SetupLogging(const std::string& logfile, const std::string& level) {
  try {
    std::shared_ptr<spdlog::logger> logger;
    if (logfile.empty()) {
      logger = spdlog::stdout_logger_mt("redraft");
    } else {
      logger = spdlog::basic_logger_mt("redraft", logfile);
    }
    logger->set_pattern("%P:%L %d %b %Y %H:%M:%S.%e %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    return Status::IOError(std::string("can't open the log file: ") + e.what());
  }
  SetLogLevel(level);
  return Status::OK();
}

}  // namespace redraft::server
