#include "commands/scan_cursor.h"

#include "commands/args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <random>

namespace redraft::commands {

// Redis parseScanCursorOrReply: strtoul semantics (leading '+'/'-' and zeros accepted, "" is 0,
// parsing stops at a NUL byte), but no leading space, no trailing bytes, no overflow.
bool ParseScanCursor(const std::string& s, uint64_t* cursor) {
  if (!s.empty() && std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = v;
  return true;
}

bool ParseScanOptions(const std::vector<std::string>& argv, size_t first, bool allow_type, ScanOptions* out,
                      std::string_view* error) {
  for (size_t i = first; i < argv.size(); i += 2) {
    bool has_value = argv.size() - i >= 2;
    if (EqualsIgnoreCase(argv[i], "count") && has_value) {
      if (!ParseInt64(argv[i + 1], &out->count)) {
        *error = kErrNotInteger;
        return false;
      }
      if (out->count < 1) {
        *error = kErrSyntax;
        return false;
      }
    } else if (EqualsIgnoreCase(argv[i], "match") && has_value) {
      out->pattern = argv[i + 1] == "*" ? nullptr : &argv[i + 1];
    } else if (allow_type && EqualsIgnoreCase(argv[i], "type") && has_value) {
      out->type = &argv[i + 1];
    } else {
      *error = kErrSyntax;
      return false;
    }
  }
  return true;
}

namespace {

constexpr uint64_t kCursorMask = (1ull << 53) - 1;

// A bijection on [0, 2^53) (xor-shifts and odd multipliers modulo 2^53, after splitmix64), so
// distinct counters give distinct cursors and every cursor is exact as a JavaScript number.
uint64_t Mix(uint64_t z) {
  z &= kCursorMask;
  z = ((z ^ (z >> 26)) * 0xbf58476d1ce4e5b9ull) & kCursorMask;
  z = ((z ^ (z >> 24)) * 0x94d049bb133111ebull) & kCursorMask;
  return z ^ (z >> 27);
}

}  // namespace

ScanCursorTable::ScanCursorTable(size_t capacity) : capacity_(capacity ? capacity : 1) {
  std::random_device rd;
  salt_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

uint64_t ScanCursorTable::Issue(std::string resume_key) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t cursor;
  do {
    cursor = Mix(salt_ + ++counter_);
  } while (cursor == 0 || index_.count(cursor));
  lru_.emplace_front(cursor, std::move(resume_key));
  index_[cursor] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return cursor;
}

std::optional<std::string> ScanCursorTable::Lookup(uint64_t cursor) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(cursor);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

size_t ScanCursorTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

ScanCursorTable& DefaultScanCursors() {
  static ScanCursorTable table;
  return table;
}

}  // namespace redraft::commands
