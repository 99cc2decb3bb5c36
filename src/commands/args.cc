#include "commands/args.h"

#include "common/string2ll.h"

#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace redraft::commands {
namespace {

// printf's "%.*s" stops at a NUL byte; Redis formats these messages with it.
std::string_view CString(std::string_view s, size_t max) {
  size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  return s.substr(0, std::min(max, s.size()));
}

constexpr size_t kMaxLongDoubleChars = 5 * 1024;  // Redis MAX_LONG_DOUBLE_CHARS

}  // namespace

std::string_view EchoArg(std::string_view arg, size_t max) { return CString(arg, max); }

std::string WrongArity(std::string_view name) {
  std::string s = "ERR wrong number of arguments for '";
  s.append(name);
  s.append("' command");
  return s;
}

std::string UnknownCommand(const Argv& argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; i++) {
    size_t room = 128 - args.size();
    args.push_back('\'');
    args.append(CString(argv[i], room));
    args.append("' ");
  }
  std::string s = "ERR unknown command '";
  s.append(argv.empty() ? std::string_view() : CString(argv[0], 128));
  s.append("', with args beginning with: ");
  s.append(args);
  return s;
}

std::string UnknownSubcommand(const Argv& argv) {
  std::string cmd = argv.empty() ? std::string() : std::string(CString(argv[0], SIZE_MAX));
  for (char& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string s = "ERR unknown subcommand '";
  s.append(argv.size() > 1 ? CString(argv[1], 128) : std::string_view());
  s.append("'. Try ");
  s.append(cmd);
  s.append(" HELP.");
  return s;
}

std::string InvalidExpireTime(std::string_view name) {
  std::string s = "ERR invalid expire time in '";
  s.append(name);
  s.append("' command");
  return s;
}

bool ParseInt64(std::string_view s, int64_t* out) { return String2ll(s, out); }

bool ParseNonNegative(std::string_view s, int64_t* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < 0) return false;
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return false;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  long double v = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      static_cast<size_t>(end - buf) != s.size() ||
      (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v)) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  // Redis string2d runs strtod on the (NUL-terminated) sds buffer; copy to get the terminator.
  if (s.empty()) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) ||
      static_cast<size_t>(end - buf.c_str()) != s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v)) {
    return false;
  }
  *out = v;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> AddLongDoubleHuman(long double value, long double incr) {
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return std::nullopt;
  return FormatLongDoubleHuman(value);
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[kMaxLongDoubleChars];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n < 0 || static_cast<size_t>(n) + 1 > sizeof(buf)) return std::string();  // as Redis: no room
  size_t l = static_cast<size_t>(n);
  if (std::memchr(buf, '.', l) != nullptr) {
    while (buf[l - 1] == '0') l--;
    if (buf[l - 1] == '.') l--;
  }
  if (l == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, l);
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[128];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatInt64(int64_t v) { return std::to_string(v); }

}  // namespace redraft::commands
