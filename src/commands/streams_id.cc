// Stream IDs and the stored form of a stream (streams_internal.h, docs/streams.md).
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "commands/args.h"
#include "commands/streams_internal.h"

namespace redraft::commands::streams {

std::string StreamId::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool IncrId(StreamId* id) {
  if (id->seq == UINT64_MAX) {
    if (id->ms == UINT64_MAX) return false;
    id->ms++;
    id->seq = 0;
  } else {
    id->seq++;
  }
  return true;
}

bool DecrId(StreamId* id) {
  if (id->seq == 0) {
    if (id->ms == 0) return false;
    id->ms--;
    id->seq = UINT64_MAX;
  } else {
    id->seq--;
  }
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  int64_t ll;
  if (ParseInt64(s, &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  std::string c(s);  // s holds no NUL (callers cut at the first one)
  if (c.empty()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = strtoull(c.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

bool ParseId(std::string_view arg, uint64_t missing_seq, bool strict, StreamId* id, bool* seq_given) {
  if (arg.size() > 127) return false;  // Redis's 128-byte buffer
  size_t nul = arg.find('\0');
  std::string_view buf = nul == std::string_view::npos ? arg : arg.substr(0, nul);
  if (strict && (buf == "-" || buf == "+")) return false;
  if (seq_given) *seq_given = true;
  if (buf == "-") {
    *id = {0, 0};
    return true;
  }
  if (buf == "+") {
    *id = kMaxId;
    return true;
  }
  size_t dash = buf.find('-');
  uint64_t ms, seq;
  if (!ParseUint64(buf.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = buf.substr(dash + 1);
    if (seq_given && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseUint64(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  *id = {ms, seq};
  return true;
}

bool ParseIntervalId(std::string_view arg, uint64_t missing_seq, StreamId* id, bool* exclusive) {
  *exclusive = arg.size() > 1 && arg[0] == '(';
  if (*exclusive) return ParseId(arg.substr(1), missing_seq, /*strict=*/true, id);
  return ParseId(arg, missing_seq, /*strict=*/false, id);
}

namespace {

void Put64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; i++) s->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
void Put64Be(std::string* s, uint64_t v) {
  for (int i = 7; i >= 0; i--) s->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get64Be(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

StreamMeta DecodeMeta(const store::Value& v) {
  StreamMeta m;
  const std::string& p = v.payload;
  m.nodes = false;
  if (p.size() < 64) return m;  // never written short; a malformed record reads as empty
  const char* d = p.data();
  m.length = Get64(d);
  m.last_id = {Get64(d + 8), Get64(d + 16)};
  m.first_id = {Get64(d + 24), Get64(d + 32)};
  m.max_deleted_id = {Get64(d + 40), Get64(d + 48)};
  m.entries_added = Get64(d + 56);
  if (p.size() >= 81 && (p[64] & 1)) {  // the node mirror (streams_nodes.h)
    m.nodes = true;
    m.has_tail = (p[64] & 2) != 0;
    m.tail = {Get64(d + 65), Get64(d + 73)};
    if (p.size() >= 89) {
      uint64_t len = Get64(d + 81);
      if (len <= p.size() - 89) m.tail_rec.assign(p, 89, len);
    }
  }
  return m;
}

void EncodeMeta(const StreamMeta& m, store::Value* v) {
  std::string p;
  p.reserve(81);
  Put64(&p, m.length);
  Put64(&p, m.last_id.ms);
  Put64(&p, m.last_id.seq);
  Put64(&p, m.first_id.ms);
  Put64(&p, m.first_id.seq);
  Put64(&p, m.max_deleted_id.ms);
  Put64(&p, m.max_deleted_id.seq);
  Put64(&p, m.entries_added);
  if (m.nodes) {
    p.push_back(static_cast<char>(1 | (m.has_tail ? 2 : 0)));
    Put64(&p, m.has_tail ? m.tail.ms : 0);
    Put64(&p, m.has_tail ? m.tail.seq : 0);
    Put64(&p, m.has_tail ? m.tail_rec.size() : 0);
    if (m.has_tail) p.append(m.tail_rec);
  }
  v->payload = std::move(p);
}

std::string EntryField(const StreamId& id) {
  std::string f(1, kEntryTag);
  Put64Be(&f, id.ms);
  Put64Be(&f, id.seq);
  return f;
}

bool DecodeEntryField(std::string_view field, StreamId* id) {
  if (field.size() != 17 || field[0] != kEntryTag) return false;
  *id = {Get64Be(field.data() + 1), Get64Be(field.data() + 9)};
  return true;
}

std::string EncodeEntry(const std::vector<std::string_view>& fv) {
  size_t n = 0;
  for (auto s : fv) n += 4 + s.size();
  std::string out;
  out.reserve(n);
  for (auto s : fv) {
    uint32_t len = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; i++) out.push_back(static_cast<char>(len >> (8 * i)));
    out.append(s);
  }
  return out;
}

bool DecodeEntry(std::string_view value, std::vector<std::string_view>* fv) {
  fv->clear();
  size_t pos = 0;
  while (pos < value.size()) {
    if (value.size() - pos < 4) return false;
    uint32_t len = 0;
    for (int i = 3; i >= 0; i--) len = (len << 8) | static_cast<uint8_t>(value[pos + i]);
    pos += 4;
    if (value.size() - pos < len) return false;
    fv->push_back(value.substr(pos, len));
    pos += len;
  }
  return true;
}

}  // namespace redraft::commands::streams
