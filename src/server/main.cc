// redraft-server [config-file] [--directive value ...]
#include <cstdio>

#include <spdlog/spdlog.h>

#include "server/config.h"
#include "server/logging.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using namespace redraft::server;
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf("Usage: redraft-server [/path/to/redraft.conf] [--directive value ...]\n"
                "Every directive is documented in conf/redraft.conf.\n");
    return 0;
  }
  auto cfg = ParseCommandLine(argc, argv);
  if (!cfg.ok()) {
    std::fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", cfg.status().message().c_str());
    return 1;
  }
  redraft::Status st = SetupLogging(cfg->logfile, cfg->loglevel);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  Server server(std::move(cfg).value());
  st = server.Init();
  if (!st.ok()) {
    spdlog::critical("startup failed: {}", st.ToString());
    return 1;
  }
  server.Run();
  return 0;
}
