// A transcription of Redis 7.0 stringmatchlen_impl() (util.c) with explicit bounds checks where
// Redis relies on the pattern's terminating NUL.
#include "commands/glob.h"

#include <cctype>
#include <utility>

namespace redraft::commands {
namespace {

// Redis passes (int)(signed char) values to tolower(); glibc leaves negative values unchanged.
int Fold(int c) { return (c >= 0 && c < 128) ? std::tolower(c) : c; }

bool MatchImpl(const char* pattern, int plen, const char* string, int slen, bool nocase,
               bool* skip_longer, int depth) {
  while (plen && slen) {
    switch (pattern[0]) {
      case '*':
        while (plen >= 2 && pattern[1] == '*') {
          pattern++;
          plen--;
        }
        if (plen == 1) return true;
        if (depth >= kMaxGlobStars) return false;
        while (slen) {
          if (MatchImpl(pattern + 1, plen - 1, string, slen, nocase, skip_longer, depth + 1)) {
            return true;
          }
          if (*skip_longer) return false;
          string++;
          slen--;
        }
        // No match for the rest of the pattern anywhere in the rest of the string: a longer
        // match for an earlier '*' cannot help either.
        *skip_longer = true;
        return false;
      case '?':
        string++;
        slen--;
        break;
      case '[': {
        pattern++;
        plen--;
        bool negate = plen > 0 && pattern[0] == '^';
        if (negate) {
          pattern++;
          plen--;
        }
        bool match = false;
        while (true) {
          if (plen >= 2 && pattern[0] == '\\') {
            pattern++;
            plen--;
            if (pattern[0] == string[0]) match = true;
          } else if (plen == 0) {
            pattern--;
            plen++;
            break;
          } else if (pattern[0] == ']') {
            break;
          } else if (plen >= 3 && pattern[1] == '-') {
            int start = static_cast<signed char>(pattern[0]);
            int end = static_cast<signed char>(pattern[2]);
            int c = static_cast<signed char>(string[0]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = Fold(start);
              end = Fold(end);
              c = Fold(c);
            }
            pattern += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (pattern[0] == string[0]) match = true;
          } else if (Fold(static_cast<signed char>(pattern[0])) ==
                     Fold(static_cast<signed char>(string[0]))) {
            match = true;
          }
          pattern++;
          plen--;
        }
        if (negate) match = !match;
        if (!match) return false;
        string++;
        slen--;
        break;
      }
      case '\\':
        if (plen >= 2) {
          pattern++;
          plen--;
        }
        [[fallthrough]];
      default:
        if (!nocase) {
          if (pattern[0] != string[0]) return false;
        } else if (Fold(static_cast<signed char>(pattern[0])) !=
                   Fold(static_cast<signed char>(string[0]))) {
          return false;
        }
        string++;
        slen--;
        break;
    }
    pattern++;
    plen--;
    if (slen == 0) {
      while (plen > 0 && *pattern == '*') {
        pattern++;
        plen--;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  return MatchImpl(pattern.data(), static_cast<int>(pattern.size()), str.data(),
                   static_cast<int>(str.size()), nocase, &skip_longer, 0);
}

}  // namespace redraft::commands
