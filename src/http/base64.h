#pragma once

#include <string>
#include <string_view>

namespace redraft::http {

// Standard base64 (RFC 4648, with padding), for HTTP Basic credentials. Decode: false on bad input.
bool Base64Decode(std::string_view in, std::string* out);
std::string Base64Encode(std::string_view in);

}  // namespace redraft::http
