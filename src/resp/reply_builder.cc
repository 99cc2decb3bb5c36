#include "resp/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace redraft::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, end - buf);
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s.data(), s.size());
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view msg) {
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(msg.data(), msg.size());
  for (size_t i = start; i < out_->size(); i++) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s.data(), s.size());
  out_->append("\r\n");
}

void ReplyBuilder::Null() { Raw(proto_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { Raw(proto_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }
void ReplyBuilder::MapHeader(size_t n) {
  if (proto_ >= 3) Header('%', static_cast<int64_t>(n));
  else Header('*', static_cast<int64_t>(2 * n));
}
void ReplyBuilder::SetHeader(size_t n) { Header(proto_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyBuilder::PushHeader(size_t n) { Header(proto_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double d) {
  char buf[64];
  int len;
  if (std::isinf(d)) {
    len = std::snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf");
  } else {
    // Redis 7.0 addReplyDouble: plain "%.17g" (NaN prints as glibc does: "nan" or "-nan").
    len = std::snprintf(buf, sizeof(buf), "%.17g", d);
  }
  if (proto_ >= 3) {
    out_->push_back(',');
    out_->append(buf, len);
    out_->append("\r\n");
  } else {
    Bulk(std::string_view(buf, len));
  }
}

void ReplyBuilder::Bool(bool b) {
  if (proto_ >= 3) Raw(b ? "#t\r\n" : "#f\r\n");
  else Raw(b ? ":1\r\n" : ":0\r\n");
}

void ReplyBuilder::Verbatim(std::string_view text) {
  if (proto_ >= 3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append("txt:");
    out_->append(text.data(), text.size());
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::BulkArray(std::initializer_list<std::string_view> items) {
  ArrayHeader(items.size());
  for (auto s : items) Bulk(s);
}

}  // namespace redraft::resp
