// libFuzzer target for the HyperLogLog representation (commands/hyperloglog_format.h): any string
// SET by a client can reach PFADD/PFCOUNT/PFMERGE, so every entry point must survive any bytes.
// Input layout: byte 0 picks the encoding byte (sparse / dense / other), byte 1 an element count,
// the rest is the body after a "HYLL" header (a dense body is padded or cut to its exact size, as
// LooksLikeHll requires). Checked: no crash or sanitizer report; Count and MergeInto agree on
// whether the value is corrupted; a value that counts cleanly (and has no truncated tail) stays a valid HLL after Add,
// SetRegister and SparseToDense, and never shrinks its registers (PFCOUNT does not decrease).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands/hyperloglog_format.h"

namespace hll = redraft::commands::hll;

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

// Whether a sparse body ends in an XZERO missing its second byte (Redis reads its terminator
// there; such a value counts cleanly but updates to it are only length-compatible with Redis).
bool TruncatedTail(const std::string& h) {
  size_t p = hll::kHeaderSize;
  while (p < h.size()) p += (static_cast<uint8_t>(h[p]) & 0xc0) == 0x40 ? 2 : 1;
  return p > h.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string h = hll::NewHll().substr(0, hll::kHeaderSize);
  h[4] = static_cast<char>(data[0] % 3);  // 0 dense, 1 sparse, 2 unknown
  int elements = data[1] % 64;
  h.append(reinterpret_cast<const char*>(data + 2), size - 2);
  if (h[4] == 0) h.resize(hll::kDenseSize, '\0');
  if (!hll::LooksLikeHll(h)) return 0;

  bool invalid = false;
  uint64_t before = hll::Count(h, &invalid);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool merged = hll::MergeInto(h, max.data());
  if (!invalid) FUZZ_CHECK(merged);
  if (invalid || !merged || (h[4] == 1 && TruncatedTail(h))) {
    std::string w = h;
    for (int i = 0; i < elements; i++) hll::Add(&w, std::to_string(i));
    hll::SparseToDense(&w);
    return 0;
  }
  // A well-formed HLL: updates keep it well-formed and never lose registers.
  std::string w = h;
  for (int i = 0; i < elements; i++) FUZZ_CHECK(hll::Add(&w, std::to_string(i)) >= 0);
  FUZZ_CHECK(hll::SetRegister(&w, static_cast<long>(size % hll::kRegisters), static_cast<uint8_t>(1 + size % 50)) >= 0);
  FUZZ_CHECK(hll::LooksLikeHll(w));
  std::vector<uint8_t> after(hll::kRegisters, 0);
  FUZZ_CHECK(hll::MergeInto(w, after.data()));
  for (int i = 0; i < hll::kRegisters; i++) FUZZ_CHECK(after[i] >= max[i]);
  bool bad = false;
  hll::Count(w, &bad);
  FUZZ_CHECK(!bad);
  FUZZ_CHECK(hll::SparseToDense(&w));
  FUZZ_CHECK(w.size() == hll::kDenseSize);
  (void)before;
  return 0;
}
