// Redis's HyperLogLog representation (hyperloglog.c, Redis 7.0), bit for bit: the bytes a PFADD
// leaves in a key here are the bytes redis-server leaves for the same PFADDs, and an HLL copied
// from Redis (GET/SET, DUMP/RESTORE) counts identically here. Pure functions over strings;
// thread-safe. Corrupted input never crashes: every read is bounds-checked and reported.
//
// Layout (16-byte header, then registers):
//   "HYLL" | encoding:1 (0 dense, 1 sparse) | 3 unused bytes (0) | cardinality cache: 8 bytes LE,
//   its top bit (byte 15, 0x80) set when the cache is invalid.
//   16384 registers (P = 14) of 6 bits; a register holds the longest run of trailing zeros + 1
//   (of the 50 hash bits left after the index) seen for MurmurHash64A(element, seed 0xadc83b19).
//   dense:  12288 bytes, register i at bit i*6, least significant bits first (12304 bytes in all)
//   sparse: opcodes covering the registers in order:
//     ZERO   00xxxxxx            a run of xxxxxx+1 (1..64) zero registers
//     XZERO  01xxxxxx yyyyyyyy   a run of (x<<8|y)+1 (1..16384) zero registers
//     VAL    1vvvvvxx            a run of xx+1 (1..4) registers of value vvvvv+1 (1..32)
//   A sparse HLL becomes dense when a register needs a value above 32 or the string would grow
//   past the sparse limit (Redis's hll-sparse-max-bytes, 3000 by default).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace redraft::commands::hll {

inline constexpr int kRegisters = 16384;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
inline constexpr size_t kSparseMaxBytes = 3000;  // Redis's default hll-sparse-max-bytes
inline constexpr uint8_t kDense = 0, kSparse = 1;

uint64_t MurmurHash64A(const void* key, int len, uint64_t seed);
// The register an element falls in (*reg) and the value it proposes for it (1..51).
int PatLen(std::string_view element, long* reg);

// Redis's isHLLObjectOrReply checks on a string value: long enough, "HYLL", a known encoding, a
// dense one exactly kDenseSize long. (A sparse body is checked only when it is walked.)
bool LooksLikeHll(std::string_view v);

// An empty HLL as PFADD/PFMERGE create it (sparse, one XZERO, cache 0 and valid).
std::string NewHll();

// Adds an element. 1: a register changed; 0: none did; -1: the sparse body is corrupted.
// REQUIRES: LooksLikeHll(*hll).
int Add(std::string* hll, std::string_view element, size_t sparse_max = kSparseMaxBytes);
// Sets register index to count if greater (hllSparseSet / hllDenseSet, promoting as Redis does).
// Same results as Add.
int SetRegister(std::string* hll, long index, uint8_t count, size_t sparse_max = kSparseMaxBytes);
// Converts a sparse HLL to dense in place (no-op when dense). False if the body is corrupted.
bool SparseToDense(std::string* hll);

// max[i] = max(max[i], register i) over kRegisters bytes. False if the sparse body is corrupted.
bool MergeInto(std::string_view hll, uint8_t* max);

// The estimated cardinality (Ertl's estimator, as Redis 7.0). *invalid set for a corrupted
// sparse body. REQUIRES: LooksLikeHll(hll).
uint64_t Count(std::string_view hll, bool* invalid);
// The same for kRegisters one-byte registers (PFCOUNT of several keys).
uint64_t CountRegisters(const uint8_t* regs);

// The cached cardinality, if the cache is valid.
bool CachedCount(std::string_view hll, uint64_t* card);
void InvalidateCache(std::string* hll);

}  // namespace redraft::commands::hll
