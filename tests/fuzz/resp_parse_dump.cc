// resp_parse_dump: parses stdin (one piece) with resp::RequestParser and prints each non-empty
// command the way redis-server's MONITOR shows it (sdscatrepr of every argument, space-separated),
// then "ERR <text>" if parsing stopped on a protocol error. Used by redis_differential.py.
#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "resp/request_parser.h"

namespace {

std::string Repr(const std::string& s) {  // Redis sds.c sdscatrepr
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        o += "\\\\";
        break;
      case '"':
        o += "\\\"";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\t':
        o += "\\t";
        break;
      case '\a':
        o += "\\a";
        break;
      case '\b':
        o += "\\b";
        break;
      default:
        if (std::isprint(c)) {
          o += static_cast<char>(c);
        } else {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02x", c);
          o += b;
        }
    }
  }
  return o + "\"";
}

}  // namespace

int main() {
  using redraft::resp::RequestParser;
  std::string in((std::istreambuf_iterator<char>(std::cin)), {});
  RequestParser parser;
  std::string_view rest = in;
  while (true) {
    size_t consumed;
    std::vector<std::string> argv;
    std::string error;
    auto outcome = parser.Parse(rest, &consumed, &argv, &error);
    if (outcome == RequestParser::Outcome::kError) {
      std::cout << "ERR " << error << "\n";
      return 0;
    }
    rest.remove_prefix(consumed);
    if (outcome == RequestParser::Outcome::kNeedMore) return 0;
    if (argv.empty()) continue;
    for (size_t i = 0; i < argv.size(); i++) std::cout << (i ? " " : "") << Repr(argv[i]);
    std::cout << "\n";
  }
}
