#pragma once

#include <string>

#include "http/http_server.h"

namespace redraft::http {

// A file of the web console (src/http/console/, embedded into the binary at build time by
// embed_console.cmake): 200 with its content type, or 404. Names are looked up in the embedded
// table only, so no request can reach the file system. `host` (the request's Host name, without
// port) widens the page's Content-Security-Policy connect-src to that host's other ports: the
// cluster view reads its peers' /v1/cluster there.
Response ConsoleAsset(const std::string& name, const std::string& host);

}  // namespace redraft::http
