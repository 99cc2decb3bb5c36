// resp/: RESP2/RESP3 request parsing and reply encoding. Pure functions over buffers: no I/O, no
// knowledge of commands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redraft::resp {

// Appends replies, encoded for protocol 2 or 3, to a caller-owned buffer. Where RESP2 has no
// type of its own (null, map, set, double, boolean) it is encoded exactly as Redis 7.0 does.
class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int proto = 2) : out_(out), proto_(proto) {}

  int proto() const { return proto_; }
  void set_proto(int proto) { proto_ = proto; }
  std::string* buffer() { return out_; }

  void SimpleString(std::string_view s);  // +s
  void Ok() { Raw("+OK\r\n"); }
  // msg is the text after '-', e.g. "ERR syntax error" or "WRONGTYPE Operation ...".
  // CR/LF inside msg are replaced by spaces, as Redis does.
  void Error(std::string_view msg);
  void Integer(int64_t v);                // :v
  void Bulk(std::string_view s);          // $len s
  void Null();                            // $-1 (RESP2) / _ (RESP3): a missing bulk string
  void NullArray();                       // *-1 (RESP2) / _ (RESP3)
  void ArrayHeader(size_t n);             // *n
  void MapHeader(size_t n);               // %n (RESP3) / *2n (RESP2)
  void SetHeader(size_t n);               // ~n (RESP3) / *n (RESP2)
  void PushHeader(size_t n);              // >n (RESP3) / *n (RESP2)
  void Double(double d);                  // ,d (RESP3) / bulk string (RESP2), formatted like Redis %.17g
  void Bool(bool b);                      // #t/#f (RESP3) / :1/:0 (RESP2)
  void Verbatim(std::string_view text);   // =len txt:text (RESP3) / bulk (RESP2)
  void BulkArray(std::initializer_list<std::string_view> items);
  void Raw(std::string_view bytes) { out_->append(bytes.data(), bytes.size()); }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  int proto_;
};

}  // namespace redraft::resp
