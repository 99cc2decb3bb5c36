// Redis's util.c string2ll, the one strict integer parser every layer shares (RESP lengths,
// command arguments): an optional '-', then "0" alone or a non-zero digit followed by digits,
// nothing else, fewer than 21 characters, within int64. No spaces, no '+', no leading zeros.
#pragma once

#include <cstdint>
#include <string_view>

namespace redraft {

inline bool String2ll(std::string_view s, int64_t* out) {
  constexpr size_t kLongStrSize = 21;  // Redis LONG_STR_SIZE
  if (s.empty() || s.size() >= kLongStrSize) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace redraft
