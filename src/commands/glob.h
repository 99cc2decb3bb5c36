// Glob-style pattern matching, byte-for-byte compatible with Redis 7.0's stringmatchlen()
// (util.c), used by KEYS and SCAN MATCH:
//   *        any sequence of bytes (including none)
//   ?        exactly one byte
//   [abc]    one byte from the set; [^abc] one byte not in it; [a-z] a range (reversed ranges
//            like [z-a] are accepted); \x inside a set is a literal x; an unterminated set
//            matches as if closed at the end of the pattern
//   \x       the literal byte x (a trailing lone '\' is a literal '\')
// Bytes compare as signed char, as Redis does on x86 (so ranges across 0x7f/0x80 behave like
// Redis); nocase folds ASCII letters only.
// Difference: patterns with more than kMaxGlobStars separate '*' runs never match (Redis 7.0
// would recurse without bound; Redis 7.2 has the same kind of limit). Pure, thread-safe.
#pragma once

#include <string_view>

namespace redraft::commands {

inline constexpr int kMaxGlobStars = 1000;

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace redraft::commands
