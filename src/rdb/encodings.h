// The compact blob encodings that Redis 7.0 stores inside RDB strings (and so in DUMP payloads):
// listpack (7.0's small hashes, zsets, list nodes, stream nodes), and the older forms it still
// loads: ziplist, zipmap, intset. Readers are bounds-checked and validate the whole blob (a
// corrupted payload is refused, never read out of bounds); writers produce the exact bytes
// Redis 7.0 writes. Layouts: docs/dump_format.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::rdb {

// A listpack being built: elements are appended as Redis's lpAppend would (strings that are
// canonical int64 decimals are stored as integers).
class ListpackWriter {
 public:
  ListpackWriter() { buf_.assign(6, '\0'); }
  void Append(std::string_view s);
  void AppendInt(int64_t v);
  // The listpack's size once finished (header + entries + terminator).
  size_t Bytes() const { return buf_.size() + 1; }
  uint32_t Count() const { return count_; }
  std::string Finish();

 private:
  void AppendEncoded(std::string_view enc);  // encoding + data; adds the back-length
  std::string buf_;
  uint32_t count_ = 0;
};

// Every element as a string (integers in decimal). False if lp is not a valid listpack.
bool ParseListpack(std::string_view lp, std::vector<std::string>* out);
// Every element of a ziplist (Redis < 7.0). False if invalid.
bool ParseZiplist(std::string_view zl, std::vector<std::string>* out);
// A zipmap's (Redis < 2.6 small hashes) fields and values, alternating. False if invalid.
bool ParseZipmap(std::string_view zm, std::vector<std::string>* out);
// An intset's members in decimal, ascending. False if invalid (bad width, size, or not strictly
// ascending).
bool ParseIntset(std::string_view is, std::vector<std::string>* out);
// An intset of the given strictly ascending values, in the narrowest width holding them all.
std::string EncodeIntset(const std::vector<int64_t>& sorted);

}  // namespace redraft::rdb
