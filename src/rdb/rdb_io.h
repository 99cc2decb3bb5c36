// Internal to rdb/: RDB's primitive fields (lengths, strings with their int and LZF encodings,
// doubles, raw bytes). The reader is bounds-checked: every method returns false on truncated or
// malformed input, and sizes it was told are checked against the input before anything is
// allocated for them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redraft::rdb {

// RDB type bytes (Redis rdb.h).
enum RdbType : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZset = 3,
  kTypeHash = 4,
  kTypeZset2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZsetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZsetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
  kTypeStreamListpacks3 = 21,
  kOpcodeFunction2 = 245,
  kOpcodeFunctionPreGa = 246,
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t remaining() const { return in_.size() - pos_; }
  bool Byte(uint8_t* b);
  bool Raw(size_t n, std::string_view* out);
  // rdbLoadLen: a length, or (with *encoded set) a special string encoding number.
  bool Len(uint64_t* len, bool* encoded = nullptr);
  // A plain length (an encoded one is an error).
  bool PlainLen(uint64_t* len);
  // rdbGenericLoadStringObject: raw, int8/16/32 (as decimal) or LZF.
  bool String(std::string* out);
  bool BinaryDouble(double* out);  // 8 bytes LE (RDB_TYPE_ZSET_2)
  bool StringDouble(double* out);  // length byte + ASCII, 253/254/255 = nan/inf/-inf (RDB_TYPE_ZSET)
  bool MillisecondTime(int64_t* out);  // 8 bytes LE

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// Writers append to out.
void WriteLen(std::string* out, uint64_t len);
// rdbSaveRawString with rdbcompression yes: an int encoding for short canonical integers that
// fit 32 bits, LZF when longer than 20 bytes and it saves at least 5 bytes, else raw.
void WriteString(std::string* out, std::string_view s);
void WriteBinaryDouble(std::string* out, double d);
void WriteMillisecondTime(std::string* out, int64_t ms);

}  // namespace redraft::rdb
