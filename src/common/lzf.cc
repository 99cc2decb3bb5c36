#include "common/lzf.h"

#include <cstdint>
#include <vector>

namespace redraft {

std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len) {
  std::string out(out_len, '\0');
  const auto* ip = reinterpret_cast<const uint8_t*>(in.data());
  const uint8_t* in_end = ip + in.size();
  size_t op = 0;
  while (ip < in_end) {
    unsigned ctrl = *ip++;
    if (ctrl < (1u << 5)) {  // a literal run of ctrl + 1 bytes
      size_t run = ctrl + 1;
      if (op + run > out_len || static_cast<size_t>(in_end - ip) < run) return std::nullopt;
      for (size_t i = 0; i < run; i++) out[op++] = static_cast<char>(*ip++);
    } else {  // a back reference: length (ctrl >> 5) + 2 (7: one more length byte), offset 13 bits
      size_t len = ctrl >> 5;
      if (ip >= in_end) return std::nullopt;
      if (len == 7) {
        len += *ip++;
        if (ip >= in_end) return std::nullopt;
      }
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (op + len > out_len || back > op) return std::nullopt;
      for (size_t i = 0; i < len; i++, op++) out[op] = out[op - back];  // may overlap: byte by byte
    }
  }
  if (op != out_len) return std::nullopt;
  return out;
}

std::optional<std::string> LzfCompress(std::string_view input, size_t max_out) {
  constexpr unsigned kHlog = 16;
  constexpr uint32_t kHsize = 1u << kHlog;
  constexpr unsigned kMaxLit = 1u << 5;
  constexpr unsigned kMaxOff = 1u << 13;
  constexpr unsigned kMaxRef = (1u << 8) + (1u << 3);
  if (input.empty()) return std::nullopt;
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t in_len = input.size();
  // Positions as offsets from in (liblzf's LZF_USE_OFFSETS); 0 never matches (ref > in_data).
  std::vector<uint32_t> htab(kHsize, 0);
  std::vector<uint8_t> out(max_out + 8);  // slack: liblzf writes one run byte before checking
  size_t op = 0, ip = 0;
  const size_t out_end = max_out;
  auto frst = [&](size_t p) { return (static_cast<uint32_t>(in[p]) << 8) | in[p + 1]; };
  auto next = [&](uint32_t v, size_t p) { return (v << 8) | in[p + 2]; };
  auto idx = [&](uint32_t h) { return ((h >> (3 * 8 - kHlog)) - h * 5) & (kHsize - 1); };
  unsigned lit = 0;
  op++;  // start run
  uint32_t hval = in_len >= 2 ? frst(0) : 0;
  while (in_len >= 3 && ip < in_len - 2) {
    hval = next(hval, ip);
    uint32_t& slot = htab[idx(hval)];
    size_t ref = slot;
    slot = static_cast<uint32_t>(ip);
    size_t off;
    if (ref < ip && (off = ip - ref - 1) < kMaxOff && ref > 0 && in[ref + 2] == in[ip + 2] &&
        in[ref] == in[ip] && in[ref + 1] == in[ip + 1]) {
      unsigned len = 2;
      unsigned maxlen = static_cast<unsigned>(in_len - ip - len);
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      if (op + 3 + 1 >= out_end && op - (lit == 0 ? 1 : 0) + 3 + 1 >= out_end) return std::nullopt;
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // stop run
      if (lit == 0) op--;                                  // undo run if length is zero
      do len++; while (len < maxlen && in[ref + len] == in[ip + len]);
      len -= 2;  // now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        out[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        out[op++] = static_cast<uint8_t>(len - 7);
      }
      out[op++] = static_cast<uint8_t>(off);
      lit = 0;
      op++;  // start run
      ip += len + 1;
      if (ip >= in_len - 2) break;
      ip -= 2;  // VERY_FAST: hash the last two positions of the match
      hval = frst(ip);
      hval = next(hval, ip);
      htab[idx(hval)] = static_cast<uint32_t>(ip);
      ip++;
      hval = next(hval, ip);
      htab[idx(hval)] = static_cast<uint32_t>(ip);
      ip++;
    } else {
      if (op >= out_end) return std::nullopt;
      lit++;
      out[op++] = in[ip++];
      if (lit == kMaxLit) {
        out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > out_end) return std::nullopt;
  while (ip < in_len) {
    lit++;
    out[op++] = in[ip++];
    if (lit == kMaxLit) {
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // end run
  if (lit == 0) op--;
  return std::string(reinterpret_cast<const char*>(out.data()), op);
}

}  // namespace redraft
