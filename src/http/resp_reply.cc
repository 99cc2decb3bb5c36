#include "http/resp_reply.h"

#include <charconv>

namespace redraft::http {
namespace {

constexpr size_t kBad = std::string_view::npos;
constexpr int kMaxDepth = 64;

size_t ParseAt(std::string_view in, RespReply* out, int depth) {
  if (depth > kMaxDepth) return kBad;
  size_t eol = in.find("\r\n");
  if (in.empty()) return 0;
  if (eol == std::string_view::npos) return 0;
  std::string_view line = in.substr(1, eol - 1);
  size_t used = eol + 2;
  auto number = [&](int64_t* n) {
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), *n);
    return ec == std::errc() && p == line.data() + line.size();
  };
  switch (in[0]) {
    case '+': out->type = RespReply::kStatus; out->str.assign(line); return used;
    case '-': out->type = RespReply::kError; out->str.assign(line); return used;
    case ':': out->type = RespReply::kInteger; return number(&out->integer) ? used : kBad;
    case '$': {
      int64_t n = 0;
      if (!number(&n)) return kBad;
      if (n < 0) { out->type = RespReply::kNil; return used; }
      if (in.size() < used + static_cast<size_t>(n) + 2) return 0;
      out->type = RespReply::kBulk;
      out->str.assign(in.substr(used, static_cast<size_t>(n)));
      return used + static_cast<size_t>(n) + 2;
    }
    case '*': {
      int64_t n = 0;
      if (!number(&n)) return kBad;
      if (n < 0) { out->type = RespReply::kNil; return used; }
      out->type = RespReply::kArray;
      out->elements.clear();
      out->elements.reserve(static_cast<size_t>(std::min<int64_t>(n, 1024)));
      for (int64_t i = 0; i < n; i++) {
        RespReply e;
        size_t k = ParseAt(in.substr(used), &e, depth + 1);
        if (k == 0 || k == kBad) return k;
        used += k;
        out->elements.push_back(std::move(e));
      }
      return used;
    }
    default: return kBad;
  }
}

}  // namespace

size_t ParseRespReply(std::string_view in, RespReply* out) { return ParseAt(in, out, 0); }

void AppendRespCommand(const std::vector<std::string>& argv, std::string* out) {
  out->append("*").append(std::to_string(argv.size())).append("\r\n");
  for (const std::string& a : argv) {
    out->append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
}

}  // namespace redraft::http
