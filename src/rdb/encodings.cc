#include "rdb/encodings.h"

#include <cstring>

#include "common/string2ll.h"

namespace redraft::rdb {
namespace {

uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

void PutLE(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = uint64_t{1} << (bits - 1);
  v &= (bits == 64) ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Listpack back-length: the entry's length (encoding + data) in 1..5 bytes (lpEncodeBacklen).
std::string EncodeBacklen(uint64_t l) {
  std::string b;
  if (l <= 127) {
    b.push_back(static_cast<char>(l));
  } else if (l < 16383) {
    b.push_back(static_cast<char>(l >> 7));
    b.push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 2097151) {
    b.push_back(static_cast<char>(l >> 14));
    b.push_back(static_cast<char>(((l >> 7) & 127) | 128));
    b.push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 268435455) {
    b.push_back(static_cast<char>(l >> 21));
    b.push_back(static_cast<char>(((l >> 14) & 127) | 128));
    b.push_back(static_cast<char>(((l >> 7) & 127) | 128));
    b.push_back(static_cast<char>((l & 127) | 128));
  } else {
    b.push_back(static_cast<char>(l >> 28));
    b.push_back(static_cast<char>(((l >> 21) & 127) | 128));
    b.push_back(static_cast<char>(((l >> 14) & 127) | 128));
    b.push_back(static_cast<char>(((l >> 7) & 127) | 128));
    b.push_back(static_cast<char>((l & 127) | 128));
  }
  return b;
}

}  // namespace

// ---- listpack ----

void ListpackWriter::AppendEncoded(std::string_view enc) {
  buf_.append(enc);
  buf_.append(EncodeBacklen(enc.size()));
  count_++;
}

void ListpackWriter::AppendInt(int64_t v) {
  std::string e;
  if (v >= 0 && v <= 127) {
    e.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = v < 0 ? (uint64_t{1} << 13) + v : v;
    e.push_back(static_cast<char>((u >> 8) | 0xC0));
    e.push_back(static_cast<char>(u & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    e.push_back(static_cast<char>(0xF1));
    PutLE(&e, static_cast<uint64_t>(v), 2);
  } else if (v >= -8388608 && v <= 8388607) {
    e.push_back(static_cast<char>(0xF2));
    PutLE(&e, static_cast<uint64_t>(v), 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    e.push_back(static_cast<char>(0xF3));
    PutLE(&e, static_cast<uint64_t>(v), 4);
  } else {
    e.push_back(static_cast<char>(0xF4));
    PutLE(&e, static_cast<uint64_t>(v), 8);
  }
  AppendEncoded(e);
}

void ListpackWriter::Append(std::string_view s) {
  int64_t v;
  if (String2ll(s, &v)) return AppendInt(v);
  std::string e;
  if (s.size() < 64) {
    e.push_back(static_cast<char>(0x80 | s.size()));
  } else if (s.size() < 4096) {
    e.push_back(static_cast<char>(0xE0 | (s.size() >> 8)));
    e.push_back(static_cast<char>(s.size() & 0xff));
  } else {
    e.push_back(static_cast<char>(0xF0));
    PutLE(&e, s.size(), 4);
  }
  e.append(s);
  AppendEncoded(e);
}

std::string ListpackWriter::Finish() {
  std::string out = std::move(buf_);
  out.push_back(static_cast<char>(0xFF));
  uint64_t total = out.size();
  for (int i = 0; i < 4; i++) out[i] = static_cast<char>((total >> (8 * i)) & 0xff);
  uint32_t n = count_ < 65535 ? count_ : 65535;
  out[4] = static_cast<char>(n & 0xff);
  out[5] = static_cast<char>(n >> 8);
  buf_.assign(6, '\0');
  count_ = 0;
  return out;
}

bool ParseListpack(std::string_view lp, std::vector<std::string>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(lp.data());
  const size_t size = lp.size();
  if (size < 7 || LoadLE(p, 4) != size || p[size - 1] != 0xFF) return false;
  const uint32_t declared = static_cast<uint32_t>(LoadLE(p + 4, 2));
  size_t pos = 6;
  uint64_t n = 0;
  while (pos < size - 1) {
    const uint8_t b = p[pos];
    size_t avail = size - 1 - pos;  // bytes before the terminator
    size_t hdr, len = 0;
    bool is_int = true;
    int64_t iv = 0;
    if ((b & 0x80) == 0) {
      hdr = 1, iv = b & 0x7f;
    } else if ((b & 0xC0) == 0x80) {
      hdr = 1, len = b & 0x3f, is_int = false;
    } else if ((b & 0xE0) == 0xC0) {
      if (avail < 2) return false;
      hdr = 2, iv = SignExtend((static_cast<uint64_t>(b & 0x1f) << 8) | p[pos + 1], 13);
    } else if ((b & 0xF0) == 0xE0) {
      if (avail < 2) return false;
      hdr = 2, len = (static_cast<size_t>(b & 0x0f) << 8) | p[pos + 1], is_int = false;
    } else if (b == 0xF0) {
      if (avail < 5) return false;
      hdr = 5, len = LoadLE(p + pos + 1, 4), is_int = false;
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr int kWidth[] = {2, 3, 4, 8};
      int w = kWidth[b - 0xF1];
      if (avail < static_cast<size_t>(1 + w)) return false;
      hdr = 1 + w, iv = SignExtend(LoadLE(p + pos + 1, w), 8 * w);
    } else {
      return false;  // 0xF5..0xFE are unused; 0xFF only ends the listpack
    }
    if (len > avail - hdr) return false;
    size_t entry = hdr + len;
    std::string back = EncodeBacklen(entry);
    if (avail - entry < back.size() || std::memcmp(p + pos + entry, back.data(), back.size()) != 0) return false;
    if (is_int) {
      out->push_back(std::to_string(iv));
    } else {
      out->emplace_back(lp.substr(pos + hdr, len));
    }
    pos += entry + back.size();
    n++;
  }
  if (pos != size - 1) return false;
  return declared == 65535 || declared == n;
}

// ---- ziplist ----

bool ParseZiplist(std::string_view zl, std::vector<std::string>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(zl.data());
  const size_t size = zl.size();
  if (size < 11 || LoadLE(p, 4) != size || p[size - 1] != 0xFF) return false;
  const uint64_t tail = LoadLE(p + 4, 4);
  const uint32_t declared = static_cast<uint32_t>(LoadLE(p + 8, 2));
  size_t pos = 10, prev_len = 0, last = 10;
  uint64_t n = 0;
  while (pos < size - 1) {
    size_t avail = size - 1 - pos;
    size_t prevlen_size, prevlen;
    if (p[pos] < 254) {
      prevlen_size = 1, prevlen = p[pos];
    } else if (p[pos] == 254) {
      if (avail < 5) return false;
      prevlen_size = 5, prevlen = LoadLE(p + pos + 1, 4);
    } else {
      return false;
    }
    if (prevlen != prev_len) return false;
    size_t q = pos + prevlen_size;
    if (q >= size - 1) return false;
    avail = size - 1 - q;
    const uint8_t b = p[q];
    size_t hdr, len = 0;
    bool is_int = true;
    int64_t iv = 0;
    switch (b >> 6) {
      case 0:
        hdr = 1, len = b & 0x3f, is_int = false;
        break;
      case 1:
        if (avail < 2) return false;
        hdr = 2, len = (static_cast<size_t>(b & 0x3f) << 8) | p[q + 1], is_int = false;
        break;
      case 2:
        if (b != 0x80 || avail < 5) return false;
        hdr = 5, is_int = false;
        len = (static_cast<size_t>(p[q + 1]) << 24) | (static_cast<size_t>(p[q + 2]) << 16) |
              (static_cast<size_t>(p[q + 3]) << 8) | p[q + 4];
        break;
      default: {
        int w;
        if (b == 0xC0) w = 2;
        else if (b == 0xD0) w = 4;
        else if (b == 0xE0) w = 8;
        else if (b == 0xF0) w = 3;
        else if (b == 0xFE) w = 1;
        else if (b >= 0xF1 && b <= 0xFD) w = 0;
        else return false;
        if (avail < static_cast<size_t>(1 + w)) return false;
        hdr = 1 + w;
        iv = w == 0 ? (b & 0x0f) - 1 : SignExtend(LoadLE(p + q + 1, w), 8 * w);
      }
    }
    if (len > avail - hdr) return false;
    if (is_int) out->push_back(std::to_string(iv));
    else out->emplace_back(zl.substr(q + hdr, len));
    last = pos;
    prev_len = prevlen_size + hdr + len;
    pos = q + hdr + len;
    n++;
  }
  if (pos != size - 1) return false;
  if (tail != last) return false;
  return declared == 65535 || declared == n;
}

// ---- zipmap ----

bool ParseZipmap(std::string_view zm, std::vector<std::string>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(zm.data());
  const size_t size = zm.size();
  if (size < 2 || p[size - 1] != 0xFF) return false;
  size_t pos = 1;  // zmlen: a count hint only
  auto read_len = [&](size_t* len) {
    if (pos >= size - 1) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != 254 || size - 1 - pos < 5) return false;
    *len = LoadLE(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  while (pos < size - 1) {
    size_t klen, vlen;
    if (!read_len(&klen) || klen > size - 1 - pos) return false;
    out->emplace_back(zm.substr(pos, klen));
    pos += klen;
    if (!read_len(&vlen) || pos >= size - 1) return false;
    size_t free = p[pos++];
    if (vlen > size - 1 - pos || free > size - 1 - pos - vlen) return false;
    out->emplace_back(zm.substr(pos, vlen));
    pos += vlen + free;
  }
  return pos == size - 1;
}

// ---- intset ----

bool ParseIntset(std::string_view is, std::vector<std::string>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(is.data());
  if (is.size() < 8) return false;
  uint64_t width = LoadLE(p, 4), n = LoadLE(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) return false;
  if (is.size() != 8 + width * n) return false;
  int64_t prev = 0;
  for (uint64_t i = 0; i < n; i++) {
    int64_t v = SignExtend(LoadLE(p + 8 + i * width, static_cast<int>(width)), static_cast<int>(8 * width));
    if (i > 0 && v <= prev) return false;
    prev = v;
    out->push_back(std::to_string(v));
  }
  return true;
}

std::string EncodeIntset(const std::vector<int64_t>& sorted) {
  int width = 2;
  for (int64_t v : sorted) {
    if (v < INT32_MIN || v > INT32_MAX) width = 8;
    else if ((v < INT16_MIN || v > INT16_MAX) && width < 4) width = 4;
  }
  std::string out;
  PutLE(&out, width, 4);
  PutLE(&out, sorted.size(), 4);
  for (int64_t v : sorted) PutLE(&out, static_cast<uint64_t>(v), width);
  return out;
}

}  // namespace redraft::rdb
