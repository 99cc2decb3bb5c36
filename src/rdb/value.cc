#include "rdb/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include "common/crc64.h"
#include "common/string2ll.h"
#include "rdb/encodings.h"
#include "rdb/rdb_io.h"
#include "rdb/stream_internal.h"

namespace redraft::rdb {
namespace {

// Redis 7.0's default encoding thresholds (redis.conf).
constexpr size_t kSetMaxIntsetEntries = 512;
constexpr size_t kHashMaxListpackEntries = 128, kHashMaxListpackValue = 64;
constexpr size_t kZsetMaxListpackEntries = 128, kZsetMaxListpackValue = 64;
constexpr size_t kListNodeBytes = 8192;  // list-max-listpack-size -2
constexpr size_t kQuicklistOverhead = 8;  // SIZE_ESTIMATE_OVERHEAD

void AppendFooter(std::string* out) {
  out->push_back(static_cast<char>(kRdbVersion & 0xff));
  out->push_back(static_cast<char>(kRdbVersion >> 8));
  uint64_t crc = Crc64(0, *out);
  for (int i = 0; i < 8; i++) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

// Score text as zzlStrtod reads it back: strtod over the whole element.
bool ParseScore(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isnan(*out);
}

bool Unique(std::vector<std::string_view> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) == v.end();
}

bool PairsFromFlat(std::vector<std::string>&& flat, std::vector<std::pair<std::string, std::string>>* out) {
  if (flat.size() % 2) return false;
  for (size_t i = 0; i < flat.size(); i += 2) out->emplace_back(std::move(flat[i]), std::move(flat[i + 1]));
  return true;
}

bool ZsetFromFlat(std::vector<std::string>&& flat, std::vector<std::pair<std::string, double>>* out) {
  if (flat.size() % 2) return false;
  for (size_t i = 0; i < flat.size(); i += 2) {
    double d;
    if (!ParseScore(flat[i + 1], &d)) return false;
    out->emplace_back(std::move(flat[i]), d);
  }
  return true;
}

bool ReadBlob(Reader& r, bool (*parse)(std::string_view, std::vector<std::string>*), std::vector<std::string>* out) {
  std::string blob;
  return r.String(&blob) && parse(blob, out);
}

bool ReadList(Reader& r, uint8_t type, std::vector<std::string>* out) {
  uint64_t n;
  switch (type) {
    case kTypeList:
      if (!r.PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; i++) {
        if (!r.String(&out->emplace_back())) return false;
      }
      return true;
    case kTypeListZiplist:
      return ReadBlob(r, ParseZiplist, out);
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      if (!r.PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; i++) {
        uint64_t container = 2;  // QUICKLIST_NODE_CONTAINER_PACKED
        if (type == kTypeListQuicklist2 && (!r.PlainLen(&container) || container < 1 || container > 2)) return false;
        if (container == 1) {  // PLAIN: one element
          if (!r.String(&out->emplace_back())) return false;
        } else if (!ReadBlob(r, type == kTypeListQuicklist ? ParseZiplist : ParseListpack, out)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

bool ReadSet(Reader& r, uint8_t type, std::vector<std::string>* out) {
  if (type == kTypeSetIntset) return ReadBlob(r, ParseIntset, out);
  if (type == kTypeSetListpack) return ReadBlob(r, ParseListpack, out);
  uint64_t n;
  if (!r.PlainLen(&n)) return false;
  for (uint64_t i = 0; i < n; i++) {
    if (!r.String(&out->emplace_back())) return false;
  }
  return true;
}

bool ReadHash(Reader& r, uint8_t type, std::vector<std::pair<std::string, std::string>>* out) {
  std::vector<std::string> flat;
  if (type == kTypeHash) {
    uint64_t n;
    if (!r.PlainLen(&n)) return false;
    for (uint64_t i = 0; i < n; i++) {
      auto& [f, v] = out->emplace_back();
      if (!r.String(&f) || !r.String(&v)) return false;
    }
    return true;
  }
  auto parse = type == kTypeHashZipmap ? ParseZipmap : type == kTypeHashZiplist ? ParseZiplist : ParseListpack;
  return ReadBlob(r, parse, &flat) && PairsFromFlat(std::move(flat), out);
}

bool ReadZset(Reader& r, uint8_t type, std::vector<std::pair<std::string, double>>* out) {
  if (type == kTypeZset || type == kTypeZset2) {
    uint64_t n;
    if (!r.PlainLen(&n)) return false;
    for (uint64_t i = 0; i < n; i++) {
      auto& [m, d] = out->emplace_back();
      if (!r.String(&m)) return false;
      if (!(type == kTypeZset2 ? r.BinaryDouble(&d) : r.StringDouble(&d)) || std::isnan(d)) return false;
    }
    return true;
  }
  std::vector<std::string> flat;
  return ReadBlob(r, type == kTypeZsetZiplist ? ParseZiplist : ParseListpack, &flat) &&
         ZsetFromFlat(std::move(flat), out);
}

// The checks a decoded value must pass before a store may hold it (value.h).
bool Valid(Object* o) {
  switch (o->kind) {
    case Kind::kString:
      return true;
    case Kind::kList:
      return !o->elems.empty();
    case Kind::kSet:
      return !o->elems.empty() && Unique({o->elems.begin(), o->elems.end()});
    case Kind::kHash: {
      std::vector<std::string_view> f;
      for (auto& p : o->pairs) f.push_back(p.first);
      return !f.empty() && Unique(std::move(f));
    }
    case Kind::kZset: {
      std::vector<std::string_view> m;
      for (auto& p : o->zset) {
        if (p.second == 0) p.second = 0;  // -0 is stored as 0, as Redis's listpack form
        m.push_back(p.first);
      }
      if (m.empty() || !Unique(std::move(m))) return false;
      std::sort(o->zset.begin(), o->zset.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second < b.second : a.first < b.first;
      });
      return true;
    }
    case Kind::kStream:
      return true;  // ReadStream checks its own invariants
  }
  return false;
}

void WriteList(std::string* out, const std::vector<std::string>& elems) {
  out->push_back(static_cast<char>(kTypeListQuicklist2));
  // Nodes as RPUSH fills them (_quicklistNodeAllowInsert with fill -2): an element joins the
  // current node while node bytes + its length + 8 stay within 8 KB.
  std::vector<std::string> nodes;
  ListpackWriter lp;
  for (const auto& e : elems) {
    if (lp.Count() > 0 && lp.Bytes() + e.size() + kQuicklistOverhead > kListNodeBytes) nodes.push_back(lp.Finish());
    lp.Append(e);
  }
  if (lp.Count() > 0) nodes.push_back(lp.Finish());
  WriteLen(out, nodes.size());
  for (const auto& n : nodes) {
    WriteLen(out, 2);  // PACKED
    WriteString(out, n);
  }
}

void WriteSet(std::string* out, const std::vector<std::string>& members) {
  std::vector<int64_t> ints;
  if (members.size() <= kSetMaxIntsetEntries) {
    for (const auto& m : members) {
      int64_t v;
      if (!String2ll(m, &v)) break;
      ints.push_back(v);
    }
  }
  if (!members.empty() && ints.size() == members.size()) {
    std::sort(ints.begin(), ints.end());
    out->push_back(static_cast<char>(kTypeSetIntset));
    WriteString(out, EncodeIntset(ints));
    return;
  }
  out->push_back(static_cast<char>(kTypeSet));
  WriteLen(out, members.size());
  for (const auto& m : members) WriteString(out, m);
}

void WriteHash(std::string* out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  bool small = pairs.size() <= kHashMaxListpackEntries;
  for (size_t i = 0; small && i < pairs.size(); i++) {
    small = pairs[i].first.size() <= kHashMaxListpackValue && pairs[i].second.size() <= kHashMaxListpackValue;
  }
  if (small) {
    out->push_back(static_cast<char>(kTypeHashListpack));
    ListpackWriter lp;
    for (const auto& [f, v] : pairs) lp.Append(f), lp.Append(v);
    WriteString(out, lp.Finish());
    return;
  }
  out->push_back(static_cast<char>(kTypeHash));
  WriteLen(out, pairs.size());
  for (const auto& [f, v] : pairs) WriteString(out, f), WriteString(out, v);
}

void WriteZset(std::string* out, const std::vector<std::pair<std::string, double>>& z) {
  bool small = z.size() <= kZsetMaxListpackEntries;
  for (size_t i = 0; small && i < z.size(); i++) small = z[i].first.size() <= kZsetMaxListpackValue;
  if (small) {
    out->push_back(static_cast<char>(kTypeZsetListpack));
    ListpackWriter lp;
    for (const auto& [m, d] : z) lp.Append(m), lp.Append(ScoreString(d));
    WriteString(out, lp.Finish());
    return;
  }
  // The skiplist from the greatest element to the smallest, as rdbSaveObject writes it.
  out->push_back(static_cast<char>(kTypeZset2));
  WriteLen(out, z.size());
  for (auto it = z.rbegin(); it != z.rend(); ++it) {
    WriteString(out, it->first);
    WriteBinaryDouble(out, it->second);
  }
}

}  // namespace

std::string ScoreString(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  // double2ll: integral values within +-(LLONG_MAX / 2) print as integers.
  constexpr double kHalf = static_cast<double>(INT64_MAX / 2);
  if (d >= -kHalf && d <= kHalf) {
    auto ll = static_cast<int64_t>(d);
    if (static_cast<double>(ll) == d) return std::to_string(ll);
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

DumpStatus VerifyPayload(std::string_view p) {
  if (p.size() < 10) return DumpStatus::kVersionOrChecksum;
  const auto* f = reinterpret_cast<const uint8_t*>(p.data() + p.size() - 10);
  uint16_t version = static_cast<uint16_t>(f[0] | (f[1] << 8));
  if (version > kRdbVersion) return DumpStatus::kVersionOrChecksum;
  uint64_t want = 0;
  for (int i = 7; i >= 0; i--) want = (want << 8) | f[2 + i];
  if (Crc64(0, p.substr(0, p.size() - 8)) != want) return DumpStatus::kVersionOrChecksum;
  return DumpStatus::kOk;
}

std::string EncodeDump(const Object& o) {
  std::string out;
  switch (o.kind) {
    case Kind::kString:
      out.push_back(static_cast<char>(kTypeString));
      WriteString(&out, o.str);
      break;
    case Kind::kList:
      WriteList(&out, o.elems);
      break;
    case Kind::kSet:
      WriteSet(&out, o.elems);
      break;
    case Kind::kHash:
      WriteHash(&out, o.pairs);
      break;
    case Kind::kZset:
      WriteZset(&out, o.zset);
      break;
    case Kind::kStream:
      out.push_back(static_cast<char>(kTypeStreamListpacks2));
      WriteStream(&out, o.stream);
      break;
  }
  AppendFooter(&out);
  return out;
}

DumpStatus DecodeDump(std::string_view payload, Object* out) {
  if (DumpStatus s = VerifyPayload(payload); s != DumpStatus::kOk) return s;
  Reader r(payload.substr(0, payload.size() - 10));
  uint8_t type;
  if (!r.Byte(&type)) return DumpStatus::kBadFormat;
  bool ok = false;
  *out = Object{};
  switch (type) {
    case kTypeString:
      out->kind = Kind::kString;
      ok = r.String(&out->str);
      break;
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      out->kind = Kind::kList;
      ok = ReadList(r, type, &out->elems);
      break;
    case kTypeSet:
    case kTypeSetIntset:
    case kTypeSetListpack:
      out->kind = Kind::kSet;
      ok = ReadSet(r, type, &out->elems);
      break;
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      out->kind = Kind::kHash;
      ok = ReadHash(r, type, &out->pairs);
      break;
    case kTypeZset:
    case kTypeZset2:
    case kTypeZsetZiplist:
    case kTypeZsetListpack:
      out->kind = Kind::kZset;
      ok = ReadZset(r, type, &out->zset);
      break;
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      out->kind = Kind::kStream;
      ok = ReadStream(r, type, &out->stream);
      break;
    default:
      ok = false;  // modules and unknown types
  }
  // The value must end exactly at the footer: trailing bytes mean a corrupted payload.
  if (!ok || r.remaining() != 0 || !Valid(out)) return DumpStatus::kBadFormat;
  return DumpStatus::kOk;
}

std::string EncodeFunctionDump(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) {
    out.push_back(static_cast<char>(kOpcodeFunction2));
    WriteString(&out, c);
  }
  AppendFooter(&out);
  return out;
}

bool DecodeFunctionDump(std::string_view payload, std::vector<std::string>* codes, std::string* err) {
  if (VerifyPayload(payload) != DumpStatus::kOk) {
    *err = "payload version or checksum are wrong";
    return false;
  }
  Reader r(payload.substr(0, payload.size() - 10));
  while (r.remaining() > 0) {
    uint8_t type;
    r.Byte(&type);
    if (type == kOpcodeFunctionPreGa) {
      *err = "Pre-GA function format not supported";
      return false;
    }
    if (type != kOpcodeFunction2) {
      *err = "given type is not a function";
      return false;
    }
    if (!r.String(&codes->emplace_back())) {
      *err = "failed loading the given functions payload";
      return false;
    }
  }
  return true;
}

}  // namespace redraft::rdb
