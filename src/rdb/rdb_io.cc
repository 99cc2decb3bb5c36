#include "rdb/rdb_io.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/lzf.h"
#include "common/string2ll.h"

namespace redraft::rdb {

bool Reader::Byte(uint8_t* b) {
  if (pos_ >= in_.size()) return false;
  *b = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool Reader::Raw(size_t n, std::string_view* out) {
  if (n > remaining()) return false;
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::Len(uint64_t* len, bool* encoded) {
  uint8_t b;
  if (encoded) *encoded = false;
  if (!Byte(&b)) return false;
  switch (b >> 6) {
    case 0:
      *len = b & 0x3f;
      return true;
    case 1: {
      uint8_t c;
      if (!Byte(&c)) return false;
      *len = (static_cast<uint64_t>(b & 0x3f) << 8) | c;
      return true;
    }
    case 2: {
      int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      std::string_view r;
      if (n == 0 || !Raw(n, &r)) return false;
      uint64_t v = 0;
      for (char c : r) v = (v << 8) | static_cast<uint8_t>(c);  // big-endian
      *len = v;
      return true;
    }
    default:
      if (!encoded) return false;
      *encoded = true;
      *len = b & 0x3f;
      return true;
  }
}

bool Reader::PlainLen(uint64_t* len) { return Len(len, nullptr); }

bool Reader::String(std::string* out) {
  bool encoded;
  uint64_t len;
  if (!Len(&len, &encoded)) return false;
  if (!encoded) {
    std::string_view r;
    if (!Raw(len, &r)) return false;
    out->assign(r);
    return true;
  }
  if (len <= 2) {  // RDB_ENC_INT8/16/32, little-endian
    int n = 1 << len;
    std::string_view r;
    if (!Raw(n, &r)) return false;
    uint64_t u = 0;
    for (int i = n - 1; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(r[i]);
    int64_t v = n == 1 ? static_cast<int8_t>(u) : n == 2 ? static_cast<int16_t>(u) : static_cast<int32_t>(u);
    *out = std::to_string(v);
    return true;
  }
  if (len != 3) return false;  // RDB_ENC_LZF
  uint64_t clen, ulen;
  std::string_view c;
  if (!PlainLen(&clen) || !PlainLen(&ulen) || !Raw(clen, &c)) return false;
  // A back reference of 3 bytes expands to at most 264: refuse a length no input could reach
  // before allocating it.
  if (ulen == 0 || ulen > clen * 100) return false;
  auto d = LzfDecompress(c, ulen);
  if (!d) return false;
  *out = std::move(*d);
  return true;
}

bool Reader::BinaryDouble(double* out) {
  std::string_view r;
  if (!Raw(8, &r)) return false;
  uint64_t u = 0;
  for (int i = 7; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(r[i]);
  std::memcpy(out, &u, 8);
  return true;
}

bool Reader::StringDouble(double* out) {
  uint8_t n;
  if (!Byte(&n)) return false;
  if (n == 253) *out = NAN;
  else if (n == 254) *out = INFINITY;
  else if (n == 255) *out = -INFINITY;
  else {
    std::string_view r;
    if (!Raw(n, &r)) return false;
    std::string s(r);
    char* end = nullptr;
    *out = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return false;
  }
  return true;
}

bool Reader::MillisecondTime(int64_t* out) {
  std::string_view r;
  if (!Raw(8, &r)) return false;
  uint64_t u = 0;
  for (int i = 7; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(r[i]);
  *out = static_cast<int64_t>(u);
  return true;
}

void WriteLen(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

void WriteString(std::string* out, std::string_view s) {
  int64_t v;
  // rdbTryIntegerEncoding: only canonical decimals (string2ll round-trips) of up to 11 chars.
  if (s.size() <= 11 && String2ll(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    int n = v >= -128 && v <= 127 ? 1 : v >= -32768 && v <= 32767 ? 2 : 4;
    out->push_back(static_cast<char>(0xC0 | (n == 1 ? 0 : n == 2 ? 1 : 2)));
    for (int i = 0; i < n; i++) out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
    return;
  }
  if (s.size() > 20) {
    if (auto c = LzfCompress(s, s.size() - 4)) {
      out->push_back(static_cast<char>(0xC3));
      WriteLen(out, c->size());
      WriteLen(out, s.size());
      out->append(*c);
      return;
    }
  }
  WriteLen(out, s.size());
  out->append(s);
}

void WriteBinaryDouble(std::string* out, double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  for (int i = 0; i < 8; i++) out->push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

void WriteMillisecondTime(std::string* out, int64_t ms) {
  for (int i = 0; i < 8; i++) out->push_back(static_cast<char>((static_cast<uint64_t>(ms) >> (8 * i)) & 0xff));
}

}  // namespace redraft::rdb
