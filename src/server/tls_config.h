// The TLS options (tls/tls.h) that the configuration's tls-* directives describe: one mapping,
// used for the client TLS port (Server) and for peer connections with tls-cluster (main.cc).
#pragma once

#include "server/config.h"
#include "tls/tls.h"

namespace redraft::server {

tls::TlsOptions TlsOptionsFromConfig(const Config& cfg);

}  // namespace redraft::server
