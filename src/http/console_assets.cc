#include "http/console_assets.h"

#include <cstddef>
#include <string_view>

namespace redraft::http {

// Generated (console_files.cc): the embedded files.
struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  size_t size;
};
extern const EmbeddedFile kConsoleFiles[];
extern const size_t kConsoleFileCount;

namespace {
std::string MimeOf(std::string_view name) {
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.substr(name.size() - s.size()) == s; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}
}  // namespace

Response ConsoleAsset(const std::string& name, const std::string& host) {
  for (size_t i = 0; i < kConsoleFileCount; i++) {
    if (name == kConsoleFiles[i].name) {
      Response r;
      r.content_type = MimeOf(name);
      r.body.assign(reinterpret_cast<const char*>(kConsoleFiles[i].data), kConsoleFiles[i].size);
      bool plain = !host.empty() && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") ==
                                        std::string::npos;
      std::string connect = plain ? "'self' http://" + host + ":*" : "'self'";
      r.headers.emplace_back("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; "
                                                        "img-src 'self' data: blob:; connect-src " + connect);
      return r;
    }
  }
  return Response::Error(404, "not_found", "no such console file");
}

}  // namespace redraft::http
