// Redis 7.0's HyperLogLog algorithms (hyperloglog.c) over std::string, with the same in-place
// sparse update (split, then merge adjacent VALs in a window of 5 opcodes): the sparse encoding
// depends on the order registers were set in, so only the same algorithm gives the same bytes.
// Where Redis reads the sds terminator past a truncated XZERO this reads 0 (the same, except after
// Redis itself wrote past the end of such a value: see SetRegister).
#include "commands/hyperloglog_format.h"

#include <cmath>
#include <cstring>

namespace redraft::commands::hll {
namespace {

constexpr int kP = 14, kQ = 50;
constexpr uint64_t kPMask = kRegisters - 1;
constexpr int kRegisterMax = 63;
constexpr int kSparseValMaxValue = 32, kSparseValMaxLen = 4, kSparseZeroMaxLen = 64;
constexpr int kSparseXzeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

inline bool IsZero(uint8_t b) { return (b & 0xc0) == 0; }
inline bool IsXzero(uint8_t b) { return (b & 0xc0) == 0x40; }
inline bool IsVal(uint8_t b) { return (b & 0x80) != 0; }
inline int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
inline int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
inline int ValLen(uint8_t b) { return (b & 0x3) + 1; }
inline uint8_t ValOp(int value, int len) { return static_cast<uint8_t>(((value - 1) << 2) | (len - 1) | 0x80); }

// The byte at i, or 0 past the end (Redis's sds terminator).
inline uint8_t At(std::string_view s, size_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }
inline int XzeroLen(std::string_view s, size_t p) { return (((At(s, p) & 0x3f) << 8) | At(s, p + 1)) + 1; }

// Appends a run of `len` zero registers (ZERO up to 64, else XZERO).
void PutZeros(uint8_t* seq, int* n, int len) {
  if (len > kSparseZeroMaxLen) {
    int l = len - 1;
    seq[(*n)++] = static_cast<uint8_t>((l >> 8) | 0x40);
    seq[(*n)++] = static_cast<uint8_t>(l & 0xff);
  } else {
    seq[(*n)++] = static_cast<uint8_t>(len - 1);
  }
}

// Dense register access; registers is the 12288-byte body. The last register's second byte
// would be past the body: it reads as 0 and its (always zero) bits are not written.
inline uint8_t DenseGet(const uint8_t* regs, long i) {
  unsigned long byte = static_cast<unsigned long>(i) * 6 / 8, fb = static_cast<unsigned long>(i) * 6 & 7, fb8 = 8 - fb;
  unsigned long b0 = regs[byte], b1 = byte + 1 < kDenseSize - kHeaderSize ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << fb8)) & kRegisterMax);
}
inline void DenseSetRaw(uint8_t* regs, long i, uint8_t val) {
  unsigned long byte = static_cast<unsigned long>(i) * 6 / 8, fb = static_cast<unsigned long>(i) * 6 & 7, fb8 = 8 - fb;
  unsigned long v = val;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (byte + 1 < kDenseSize - kHeaderSize) {
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
  }
}
int DenseSet(uint8_t* regs, long i, uint8_t count) {
  if (count > DenseGet(regs, i)) {
    DenseSetRaw(regs, i, count);
    return 1;
  }
  return 0;
}

uint8_t* Registers(std::string* hll) { return reinterpret_cast<uint8_t*>(hll->data()) + kHeaderSize; }

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime, y = 1, z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime, y = 1.0, z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

uint64_t Estimate(const int* reghisto) {
  double m = kRegisters;
  double z = m * Tau((m - reghisto[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += reghisto[j];
    z *= 0.5;
  }
  z += m * Sigma(reghisto[0] / m);
  // z is 0 only for a corrupted sparse body that covers no register (its count is never replied):
  // keep the conversion defined.
  double x = kAlphaInf * m * m / z;
  if (!(x >= 0 && x < 9e18)) return 0;
  double e = static_cast<double>(llroundl(x));
  return static_cast<uint64_t>(e);
}

}  // namespace

uint64_t MurmurHash64A(const void* key, int len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = static_cast<uint32_t>(seed) ^ (static_cast<uint64_t>(len) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k;
    std::memcpy(&k, data, 8);  // little-endian hosts only, as Redis's reference build
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7: h ^= static_cast<uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: h ^= static_cast<uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: h ^= static_cast<uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: h ^= static_cast<uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: h ^= static_cast<uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1: h ^= static_cast<uint64_t>(data[0]); h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatLen(std::string_view element, long* reg) {
  uint64_t hash = MurmurHash64A(element.data(), static_cast<int>(element.size()), 0xadc83b19ULL);
  *reg = static_cast<long>(hash & kPMask);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the loop ends, count <= Q + 1
  uint64_t bit = 1;
  int count = 1;
  while ((hash & bit) == 0) {
    count++;
    bit <<= 1;
  }
  return count;
}

bool LooksLikeHll(std::string_view v) {
  if (v.size() < kHeaderSize || v.substr(0, 4) != "HYLL") return false;
  uint8_t enc = static_cast<uint8_t>(v[4]);
  if (enc > kSparse) return false;
  return enc != kDense || v.size() == kDenseSize;
}

std::string NewHll() {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  int n = 0;
  uint8_t seq[2];
  PutZeros(seq, &n, kRegisters);  // one XZERO: 16384 == kSparseXzeroMaxLen
  static_assert(kRegisters == kSparseXzeroMaxLen);
  s.append(reinterpret_cast<char*>(seq), 2);
  return s;
}

bool SparseToDense(std::string* hll) {
  if (static_cast<uint8_t>((*hll)[4]) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll->data(), kHeaderSize);  // magic, unused bytes and cache
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Registers(&dense);
  std::string_view s(*hll);
  long idx = 0;
  size_t p = kHeaderSize;
  while (p < s.size()) {
    uint8_t b = At(s, p);
    if (IsZero(b)) {
      idx += ZeroLen(b);
      p++;
    } else if (IsXzero(b)) {
      idx += XzeroLen(s, p);
      p += 2;
    } else {
      int runlen = ValLen(b), regval = ValValue(b);
      // A run past the last register is corrupt even when the registers before it add up
      // (Redis 7.0.15 as Debian ships it, with the CVE-2025-32023 fix, answers INVALIDOBJ).
      if (runlen + idx > kRegisters) return false;
      while (runlen--) DenseSetRaw(regs, idx++, static_cast<uint8_t>(regval));
      p++;
    }
  }
  if (idx != kRegisters) return false;
  *hll = std::move(dense);
  return true;
}

int SetRegister(std::string* hll, long index, uint8_t count, size_t sparse_max) {
  if (static_cast<uint8_t>((*hll)[4]) == kDense) return DenseSet(Registers(hll), index, count);
  std::string& s = *hll;
  constexpr size_t kNone = SIZE_MAX;
  size_t p = kHeaderSize, end = s.size(), prev = kNone;
  long first = 0, span = 0;
  if (count > kSparseValMaxValue) goto promote;

  // Step 1: the opcode covering register index.
  while (p < end) {
    uint8_t b = At(s, p);
    size_t oplen = 1;
    if (IsZero(b)) span = ZeroLen(b);
    else if (IsVal(b)) span = ValLen(b);
    else {
      span = XzeroLen(s, p);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;
  {
    uint8_t b = At(s, p);
    bool is_zero = IsZero(b), is_xzero = IsXzero(b), is_val = IsVal(b);
    long runlen = is_zero ? ZeroLen(b) : is_xzero ? XzeroLen(s, p) : ValLen(b);

    // Step 2: the trivial cases, updated in place.
    if (is_val) {
      if (ValValue(b) >= count) return 0;
      if (runlen == 1) {
        s[p] = static_cast<char>(ValOp(count, 1));
        goto updated;
      }
    }
    if (is_zero && runlen == 1) {
      s[p] = static_cast<char>(ValOp(count, 1));
      goto updated;
    }

    // The general case: split the opcode into up to 5 bytes (XZERO-VAL-XZERO at worst).
    uint8_t seq[5];
    int n = 0;
    long last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) PutZeros(seq, &n, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) PutZeros(seq, &n, static_cast<int>(last - index));
    } else {
      int curval = ValValue(b);
      if (index != first) seq[n++] = ValOp(curval, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) seq[n++] = ValOp(curval, static_cast<int>(last - index));
    }

    // Step 3: substitute the sequence for the opcode, or go dense if that grows past the limit.
    size_t oldlen = is_xzero ? 2 : 1;
    long deltalen = n - static_cast<long>(oldlen);
    if (deltalen > 0 && s.size() + static_cast<size_t>(deltalen) > sparse_max) goto promote;
    s.replace(p, std::min(oldlen, end - p), reinterpret_cast<const char*>(seq), static_cast<size_t>(n));
    // A truncated XZERO at the end (its second byte was Redis's terminator): Redis grows the
    // string by n - 2 only, so its last byte falls past the end. Same length here; Redis keeps that
    // byte where the terminator was and later reads of this corrupted value may see it, this reads
    // 0 there (a documented difference, only for values corrupted that way).
    s.resize(end + static_cast<size_t>(deltalen));
  }

updated : {
  // Step 4: merge adjacent VALs of one value, in a window of 5 opcodes from the previous one.
  p = prev != kNone ? prev : kHeaderSize;
  end = s.size();
  int scanlen = 5;
  while (p < end && scanlen--) {
    uint8_t b = At(s, p);
    if (IsXzero(b)) {
      p += 2;
      continue;
    }
    if (IsZero(b)) {
      p++;
      continue;
    }
    if (p + 1 < end && IsVal(At(s, p + 1))) {
      uint8_t c = At(s, p + 1);
      int v1 = ValValue(b), v2 = ValValue(c);
      if (v1 == v2) {
        int len = ValLen(b) + ValLen(c);
        if (len <= kSparseValMaxLen) {
          s[p + 1] = static_cast<char>(ValOp(v1, len));
          s.erase(p, 1);
          end--;
          continue;  // try the merged opcode with the one on its right
        }
      }
    }
    p++;
  }
  return 1;
}

promote:
  if (!SparseToDense(hll)) return -1;
  return DenseSet(Registers(hll), index, count);
}

int Add(std::string* hll, std::string_view element, size_t sparse_max) {
  long index;
  int count = PatLen(element, &index);
  return SetRegister(hll, index, static_cast<uint8_t>(count), sparse_max);
}

bool MergeInto(std::string_view hll, uint8_t* max) {
  if (static_cast<uint8_t>(hll[4]) == kDense) {
    const auto* regs = reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderSize;
    for (long i = 0; i < kRegisters; i++) {
      uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  long i = 0;
  size_t p = kHeaderSize;
  while (p < hll.size()) {
    uint8_t b = At(hll, p);
    if (IsZero(b)) {
      i += ZeroLen(b);
      p++;
    } else if (IsXzero(b)) {
      i += XzeroLen(hll, p);
      p += 2;
    } else {
      int runlen = ValLen(b);
      uint8_t regval = static_cast<uint8_t>(ValValue(b));
      if (runlen + i > kRegisters) return false;  // as SparseToDense
      while (runlen--) {
        if (regval > max[i]) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i == kRegisters;
}

uint64_t Count(std::string_view hll, bool* invalid) {
  int reghisto[64] = {0};
  if (static_cast<uint8_t>(hll[4]) == kDense) {
    // Every 3 bytes hold 4 registers (6 bits each, least significant first): the same histogram
    // as reading them one by one, without the per-register shifts (Redis's hllDenseRegHisto).
    const auto* r = reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderSize;
    for (long g = 0; g < kRegisters / 4; g++, r += 3) {
      unsigned b0 = r[0], b1 = r[1], b2 = r[2];
      reghisto[b0 & 63]++;
      reghisto[((b0 >> 6) | (b1 << 2)) & 63]++;
      reghisto[((b1 >> 4) | (b2 << 4)) & 63]++;
      reghisto[b2 >> 2]++;
    }
  } else {
    long idx = 0;
    size_t p = kHeaderSize;
    while (p < hll.size()) {
      uint8_t b = At(hll, p);
      if (IsZero(b)) {
        idx += ZeroLen(b);
        reghisto[0] += ZeroLen(b);
        p++;
      } else if (IsXzero(b)) {
        int runlen = XzeroLen(hll, p);
        idx += runlen;
        reghisto[0] += runlen;
        p += 2;
      } else {
        idx += ValLen(b);
        reghisto[ValValue(b)] += ValLen(b);
        p++;
      }
    }
    if (idx != kRegisters) *invalid = true;
  }
  return Estimate(reghisto);
}

uint64_t CountRegisters(const uint8_t* regs) {
  int reghisto[64] = {0};
  for (long i = 0; i < kRegisters; i++) reghisto[regs[i] & 63]++;
  return Estimate(reghisto);
}

bool CachedCount(std::string_view hll, uint64_t* card) {
  if (static_cast<uint8_t>(hll[15]) & 0x80) return false;
  uint64_t c = 0;
  for (int i = 7; i >= 0; i--) c = (c << 8) | static_cast<uint8_t>(hll[8 + i]);
  *card = c;
  return true;
}

void InvalidateCache(std::string* hll) { (*hll)[15] = static_cast<char>(static_cast<uint8_t>((*hll)[15]) | 0x80); }

}  // namespace redraft::commands::hll
