// Redis's CRC-64 (crc64.c): the "Jones" polynomial 0xad93d23594c935a9, reflected input and
// output, initial value 0, no final xor. It is the checksum of DUMP payloads and RDB files;
// crc64("123456789") == 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstdint>
#include <string_view>

namespace redraft {

// Continues a checksum: Crc64(Crc64(0, a), b) == Crc64(0, a + b).
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace redraft
