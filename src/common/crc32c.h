// CRC-32C (Castagnoli), the checksum of every durable log record and peer frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace redraft::crc32c {

// Extends `crc` (0 to start) over data[0, n).
uint32_t Extend(uint32_t crc, const char* data, size_t n);
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// Stored CRCs are masked so that a CRC of data containing embedded CRCs stays strong (as LevelDB does).
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t m) {
  uint32_t rot = m - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace redraft::crc32c
