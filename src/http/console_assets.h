#pragma once

#include <string>

#include "http/http_server.h"

namespace redraft::http {

// A file of the web console (src/http/console/, embedded into the binary at build time by
// embed_console.cmake): 200 with its content type, or 404. Names are looked up in the embedded
// table only, so no request can reach the file system.
Response ConsoleAsset(const std::string& name);

}  // namespace redraft::http
