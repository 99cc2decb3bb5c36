// libFuzzer target for RESTORE's payload decoding (rdb/value.h): any client can send any bytes
// as a DUMP payload. The input is a payload body; the target adds a valid RDB version and CRC-64
// so that the parser itself is reached (and also tries the raw input as a whole payload, and as
// a FUNCTION RESTORE payload). Checked: no crash or sanitizer report, and a body that decodes
// re-encodes into a payload that decodes to the same value (DUMP of a RESTOREd value restores).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/crc64.h"
#include "rdb/value.h"

namespace rdb = redraft::rdb;

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

namespace {

bool SameStream(const rdb::Stream& a, const rdb::Stream& b) {
  if (a.entries.size() != b.entries.size() || a.last_id != b.last_id || a.groups.size() != b.groups.size()) return false;
  for (size_t i = 0; i < a.entries.size(); i++) {
    if (a.entries[i].id != b.entries[i].id || a.entries[i].fields_values != b.entries[i].fields_values) return false;
  }
  return true;
}

// Sets and hashes are unordered (value.h): a hashtable set read in payload order comes back from
// the encoder as an intset, sorted. Lists keep their order.
template <typename T>
std::vector<T> Sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

bool Same(const rdb::Object& a, const rdb::Object& b) {
  const bool ordered = a.kind != rdb::Kind::kSet && a.kind != rdb::Kind::kHash;
  const bool elems = ordered ? a.elems == b.elems : Sorted(a.elems) == Sorted(b.elems);
  const bool pairs = ordered ? a.pairs == b.pairs : Sorted(a.pairs) == Sorted(b.pairs);
  return a.kind == b.kind && a.str == b.str && elems && pairs && a.zset == b.zset && SameStream(a.stream, b.stream);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  rdb::Object o;
  (void)rdb::DecodeDump(body, &o);
  std::vector<std::string> codes;
  std::string err;
  (void)rdb::DecodeFunctionDump(body, &codes, &err);

  std::string p = body;
  p.push_back(static_cast<char>(rdb::kRdbVersion));
  p.push_back(0);
  uint64_t crc = redraft::Crc64(0, p);
  for (int i = 0; i < 8; i++) p.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  (void)rdb::DecodeFunctionDump(p, &codes, &err);
  if (rdb::DecodeDump(p, &o) != rdb::DumpStatus::kOk) return 0;
  rdb::Object back;
  FUZZ_CHECK(rdb::DecodeDump(rdb::EncodeDump(o), &back) == rdb::DumpStatus::kOk);
  FUZZ_CHECK(Same(o, back));
  return 0;
}
