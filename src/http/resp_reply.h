#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::http {

// One RESP2 reply as the HTTP layer's internal session receives it (the session speaks RESP2:
// the server's default protocol).
struct RespReply {
  enum Type : uint8_t { kStatus, kError, kInteger, kBulk, kNil, kArray };
  Type type = kNil;
  std::string str;  // status, error (without '-'), bulk
  int64_t integer = 0;
  std::vector<RespReply> elements;

  bool is_error() const { return type == kError; }
  bool ok() const { return type == kStatus && str == "OK"; }
};

// Parses one complete reply at the start of `in`. Returns the bytes it used, 0 when `in` does not
// yet hold a whole reply, or npos for malformed input (the server never sends it).
size_t ParseRespReply(std::string_view in, RespReply* out);

// Encodes a command as a RESP array of bulk strings.
void AppendRespCommand(const std::vector<std::string>& argv, std::string* out);

}  // namespace redraft::http
