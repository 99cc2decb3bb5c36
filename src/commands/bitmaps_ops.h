// Pure bit operations on string values, as Redis 7.0's bitops.c defines them: bit 0 is the most
// significant bit of byte 0; bitfields are big-endian (their first bit is their most significant).
// No I/O, no allocation beyond what the caller passes; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace redraft::commands::bits {

// The number of set bits in n bytes at p.
uint64_t Popcount(const uint8_t* p, size_t n);

// A bit range [first, last] (inclusive) of a string, resolved from BITCOUNT/BITPOS's start/end
// the way Redis does: negative indexes count from the end, then clamp to the string. `is_bit`:
// start/end are bit indexes (BIT), else byte indexes (BYTE). empty when start > end after clamping.
struct BitRange {
  bool empty = true;
  int64_t first = 0, last = 0;
};
// REQUIRES: len_bytes <= INT64_MAX >> 3.
BitRange ResolveRange(int64_t start, int64_t end, bool is_bit, int64_t len_bytes);

// Set bits of s within r (0 for an empty range).
int64_t CountBits(std::string_view s, BitRange r);

// BITPOS: the index of the first bit equal to `bit` within r. When there is none: -1, except
// that looking for 0 without an explicit end (end_given false) answers the first bit after the
// range (the string is taken as padded with zeros on the right).
int64_t FindBit(std::string_view s, int bit, BitRange r, bool end_given);

// Bitfields of 1..64 bits at a bit offset. Get* read bytes at or past len as zero.
uint64_t GetUnsigned(const uint8_t* p, size_t len, uint64_t offset, int bits);
int64_t GetSigned(const uint8_t* p, size_t len, uint64_t offset, int bits);
// REQUIRES: p holds at least (offset + bits + 7) / 8 bytes.
void SetUnsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value);

enum class Overflow { kWrap, kSat, kFail };
// Redis's check{Unsigned,Signed}BitfieldOverflow: whether value + incr leaves the range of a
// `bits`-wide field (1 above, -1 below, 0 inside); on overflow *limit gets the wrapped (kWrap) or
// saturated (kSat) result. Unsigned: bits 1..63; signed: 1..64.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit);
int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit);

}  // namespace redraft::commands::bits
