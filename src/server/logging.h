#pragma once

#include <string>

#include "common/status.h"

namespace redraft::server {

// Routes spdlog to stdout or a file (logfile directive) with Redis-like level names.
Status SetupLogging(const std::string& logfile, const std::string& level);
void SetLogLevel(const std::string& level);

}  // namespace redraft::server
