// Incremental RESP request parser; see request_parser.h for the contract. The structure follows
// Redis 7.0 src/networking.c: processInputBuffer picks the request type from the first byte,
// processMultibulkBuffer reads "*<n>", then n times "$<len>" + payload + 2 skipped bytes, and
// processInlineBuffer splits one line with sdssplitargs (src/sds.c). Unlike Redis we absorb
// partial lines and payloads into our own state, so every input byte is looked at once.
#include "resp/request_parser.h"

#include "common/string2ll.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

namespace redraft::resp {
namespace {

using redraft::String2ll;

bool IsSpace(char c) {  // isspace() in the C locale
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexDigitToInt(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The character a backslash escape inside double quotes stands for (sdssplitargs).
char Unescape(char c) {
  if (c == 'n') return '\n';
  if (c == 'r') return '\r';
  if (c == 't') return '\t';
  if (c == 'b') return '\b';
  if (c == 'a') return '\a';
  return c;
}

// Redis sds.c sdssplitargs over a line without NUL bytes; returns false on unbalanced quotes.
// at(i) returns '\0' past the end, standing in for the C string terminator Redis relies on.
bool SplitArgs(std::string_view line, std::vector<std::string>* argv) {
  auto at = [&](size_t i) -> char { return i < line.size() ? line[i] : '\0'; };
  size_t p = 0;
  while (true) {
    while (at(p) != '\0' && IsSpace(at(p))) p++;
    if (at(p) == '\0') return true;
    bool inq = false, insq = false, done = false;
    std::string current;
    while (!done) {
      char c = at(p);
      if (inq) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          current.push_back(
              static_cast<char>(HexDigitToInt(at(p + 2)) * 16 + HexDigitToInt(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          p++;
          current.push_back(Unescape(at(p)));
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated quotes
        } else {
          current.push_back(c);
        }
      } else if (insq) {
        if (c == '\\' && at(p + 1) == '\'') {
          p++;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            current.push_back(c);
            break;
        }
      }
      if (at(p) != '\0') p++;
    }
    argv->push_back(std::move(current));
  }
}

}  // namespace

bool RequestParser::in_progress() const {
  return state_ != State::kStart && state_ != State::kError;
}

void RequestParser::Reset() {
  state_ = State::kStart;
  multibulk_len_ = 0;
  bulk_len_ = -1;
  trailer_left_ = 0;
  pending_.clear();
  StartLine();
  error_.clear();
}

void RequestParser::StartLine() {
  line_.clear();
  line_len_ = 0;
  line_cr_ = false;
  line_nul_ = false;
}

RequestParser::Outcome RequestParser::Fail(std::string text, size_t pos, size_t* consumed,
                                           std::string* error) {
  state_ = State::kError;
  error_ = std::move(text);
  pending_.clear();
  StartLine();
  *consumed = pos;
  *error = error_;
  return Outcome::kError;
}

RequestParser::LineStatus RequestParser::ReadLine(std::string_view input, size_t* pos,
                                                  char terminator) {
  const char* start = input.data() + *pos;
  size_t n = input.size() - *pos;
  if (line_cr_) {  // "\r" already seen: skip whatever byte follows it, as Redis does
    if (n == 0) return LineStatus::kMore;
    *pos += 1;
    line_cr_ = false;
    return LineStatus::kDone;
  }
  if (!line_nul_) {
    const char* term = static_cast<const char*>(std::memchr(start, terminator, n));
    size_t scan = term != nullptr ? static_cast<size_t>(term - start) : n;
    const char* nul = static_cast<const char*>(std::memchr(start, '\0', scan));
    if (nul == nullptr && term != nullptr) {
      line_.append(start, scan);
      line_len_ += scan;
      if (terminator == '\n') {
        *pos += scan + 1;
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        return LineStatus::kDone;
      }
      if (scan + 1 < n) {  // the byte after '\r' is present
        *pos += scan + 2;
        return LineStatus::kDone;
      }
      *pos += scan + 1;  // "\r" is the last byte: wait for one more (no size check, like Redis)
      line_cr_ = true;
      return LineStatus::kMore;
    }
    if (line_len_ + n <= limits_.max_inline_len) {
      if (nul != nullptr) {
        line_.append(start, static_cast<size_t>(nul - start));
        line_nul_ = true;
      } else {
        line_.append(start, n);
      }
    }
  }
  line_len_ += n;
  *pos += n;
  return line_len_ > limits_.max_inline_len ? LineStatus::kTooBig : LineStatus::kMore;
}

RequestParser::Outcome RequestParser::Parse(std::string_view input, size_t* consumed,
                                            std::vector<std::string>* argv, std::string* error) {
  argv->clear();
  *consumed = 0;
  if (state_ == State::kError) {
    *error = error_;
    return Outcome::kError;
  }
  size_t pos = 0;
  while (true) {
    switch (state_) {
      case State::kStart:
        if (pos == input.size()) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        StartLine();
        state_ = input[pos] == '*' ? State::kMultibulkHeader : State::kInline;
        break;

      case State::kInline: {
        LineStatus st = ReadLine(input, &pos, '\n');
        if (st == LineStatus::kTooBig) {
          return Fail("Protocol error: too big inline request", pos, consumed, error);
        }
        if (st == LineStatus::kMore) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        if (!SplitArgs(line_, argv)) {
          argv->clear();
          return Fail("Protocol error: unbalanced quotes in request", pos, consumed, error);
        }
        StartLine();
        state_ = State::kStart;
        *consumed = pos;
        return Outcome::kCommand;  // possibly empty: callers skip it
      }

      case State::kMultibulkHeader: {
        LineStatus st = ReadLine(input, &pos, '\r');
        if (st == LineStatus::kTooBig) {
          return Fail("Protocol error: too big mbulk count string", pos, consumed, error);
        }
        if (st == LineStatus::kMore) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        int64_t ll = 0;
        bool ok = String2ll(std::string_view(line_).substr(1), &ll);
        if (!ok || ll > INT_MAX || ll > limits_.max_multibulk_len) {
          return Fail("Protocol error: invalid multibulk length", pos, consumed, error);
        }
        StartLine();
        if (ll <= 0) {  // "*0" / "*-1": an empty command, skipped by the caller
          state_ = State::kStart;
          *consumed = pos;
          return Outcome::kCommand;
        }
        multibulk_len_ = ll;
        pending_.clear();
        pending_.reserve(static_cast<size_t>(std::min<int64_t>(ll, 1024)));  // as Redis does
        bulk_len_ = -1;
        state_ = State::kBulkHeader;
        break;
      }

      case State::kBulkHeader: {
        LineStatus st = ReadLine(input, &pos, '\r');
        if (st == LineStatus::kTooBig) {
          return Fail("Protocol error: too big bulk count string", pos, consumed, error);
        }
        if (st == LineStatus::kMore) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        // An empty line means the byte Redis looked at was the '\r' itself; Redis's
        // addReplyErrorFormat turns CR and LF into spaces.
        char first = line_.empty() ? '\r' : line_[0];
        if (first != '$') {
          if (first == '\r' || first == '\n') first = ' ';
          return Fail(std::string("Protocol error: expected '$', got '") + first + "'", pos,
                      consumed, error);
        }
        int64_t ll = 0;
        bool ok = String2ll(std::string_view(line_).substr(1), &ll);
        if (!ok || ll < 0 || ll > limits_.max_bulk_len) {
          return Fail("Protocol error: invalid bulk length", pos, consumed, error);
        }
        StartLine();
        bulk_len_ = ll;
        pending_.emplace_back();
        state_ = State::kBulkData;
        break;
      }

      case State::kBulkData: {
        std::string& arg = pending_.back();
        size_t want = static_cast<size_t>(bulk_len_) - arg.size();
        size_t take = std::min(want, input.size() - pos);
        size_t need = arg.size() + take;
        if (need > arg.capacity()) {
          // Exact size when the whole payload is here; otherwise grow geometrically but never
          // past the declared length. (Into a fresh string: libstdc++'s reserve() on a non-empty
          // string would round up to twice the old capacity, past the declared length.)
          size_t cap = std::min(static_cast<size_t>(bulk_len_), std::max(need, 2 * arg.capacity()));
          if (arg.empty()) {
            arg.reserve(cap);
          } else {
            std::string grown;
            grown.reserve(cap);
            grown.append(arg);
            arg.swap(grown);
          }
        }
        arg.append(input.data() + pos, take);
        pos += take;
        if (take < want) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        trailer_left_ = 2;
        state_ = State::kBulkTrailer;
        break;
      }

      case State::kBulkTrailer: {
        size_t skip = std::min(trailer_left_, input.size() - pos);  // not checked, like Redis
        pos += skip;
        trailer_left_ -= skip;
        if (trailer_left_ > 0) {
          *consumed = pos;
          return Outcome::kNeedMore;
        }
        bulk_len_ = -1;
        if (--multibulk_len_ > 0) {
          state_ = State::kBulkHeader;
          break;
        }
        argv->swap(pending_);
        pending_.clear();
        state_ = State::kStart;
        *consumed = pos;
        return Outcome::kCommand;
      }

      case State::kError:  // unreachable: handled before the loop
        *error = error_;
        return Outcome::kError;
    }
  }
}

}  // namespace redraft::resp
