// Redis's stream node boundaries as a model (stream_nodes.h).
#include "rdb/stream_nodes.h"

#include "common/string2ll.h"

namespace redraft::rdb {
namespace {

constexpr int64_t kFlagSameFields = 2;

size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

bool SameFields(const StreamNode& n, const std::vector<std::string_view>& fv) {
  if (fv.size() / 2 != n.fields.size()) return false;
  for (size_t i = 0; i < n.fields.size(); i++) {
    if (fv[2 * i] != n.fields[i]) return false;
  }
  return true;
}

// One entry's elements: flags, ms-diff, seq-diff, [num-fields, fields], values, lp-count.
size_t EntryBytes(const StreamNode& n, const StreamId& id, const std::vector<std::string_view>& fv, bool same) {
  size_t nf = fv.size() / 2;
  size_t b = ListpackIntSize(same ? kFlagSameFields : 0) + ListpackIntSize(static_cast<int64_t>(id.ms - n.master.ms)) +
             ListpackIntSize(static_cast<int64_t>(id.seq - n.master.seq));
  if (!same) {
    b += ListpackIntSize(static_cast<int64_t>(nf));
    for (size_t i = 0; i < nf; i++) b += ListpackStringSize(fv[2 * i]);
  }
  for (size_t i = 0; i < nf; i++) b += ListpackStringSize(fv[2 * i + 1]);
  return b + ListpackIntSize(static_cast<int64_t>(same ? nf + 3 : 2 * nf + 4));
}

void Put64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; i++) s->push_back(static_cast<char>(v >> (8 * i)));
}
bool Get64(std::string_view* v, uint64_t* out) {
  if (v->size() < 8) return false;
  *out = 0;
  for (int i = 7; i >= 0; i--) *out = (*out << 8) | static_cast<uint8_t>((*v)[i]);
  v->remove_prefix(8);
  return true;
}

}  // namespace

size_t ListpackIntSize(int64_t v) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= -32768 && v <= 32767) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + 1;  // back-length of at most 9
}

size_t ListpackStringSize(std::string_view s) {
  int64_t v;
  if (String2ll(s, &v)) return ListpackIntSize(v);
  size_t l = s.size() + (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5);
  return l + BacklenSize(l);
}

bool StartsNewNode(uint64_t bytes, uint64_t entries, const std::vector<std::string_view>& fv) {
  uint64_t totelelen = 0;
  for (auto s : fv) totelelen += s.size();
  return bytes + totelelen >= kStreamNodeMaxBytes || entries >= kStreamNodeMaxEntries;
}

StreamNode NewStreamNode(const StreamId& id, const std::vector<std::string_view>& fv) {
  StreamNode n;
  n.master = n.last = id;
  n.live = 1;
  size_t nf = fv.size() / 2;
  // Header (6) and terminator (1); master entry: count, deleted, num-fields, fields, 0.
  n.bytes = 7 + ListpackIntSize(1) + ListpackIntSize(0) + ListpackIntSize(static_cast<int64_t>(nf)) + ListpackIntSize(0);
  for (size_t i = 0; i < nf; i++) {
    n.fields.emplace_back(fv[2 * i]);
    n.bytes += ListpackStringSize(fv[2 * i]);
  }
  n.bytes += EntryBytes(n, id, fv, true);
  return n;
}

void AppendToStreamNode(StreamNode* n, const StreamId& id, const std::vector<std::string_view>& fv) {
  n->bytes += EntryBytes(*n, id, fv, SameFields(*n, fv));
  n->last = id;
  n->live++;
}

std::vector<StreamNode> CutStreamNodes(const std::vector<StreamEntry>& entries) {
  std::vector<StreamNode> nodes;
  std::vector<std::string_view> fv;
  for (const auto& e : entries) {
    fv.assign(e.fields_values.begin(), e.fields_values.end());
    if (nodes.empty() || StartsNewNode(nodes.back().bytes, nodes.back().live + nodes.back().deleted, fv)) {
      nodes.push_back(NewStreamNode(e.id, fv));
    } else {
      AppendToStreamNode(&nodes.back(), e.id, fv);
    }
  }
  return nodes;
}

std::string EncodeStreamNode(const StreamNode& n) {
  std::string s;
  Put64(&s, n.last.ms);
  Put64(&s, n.last.seq);
  Put64(&s, n.live);
  Put64(&s, n.deleted);
  Put64(&s, n.bytes);
  Put64(&s, n.fields.size());
  for (const auto& f : n.fields) {
    Put64(&s, f.size());
    s.append(f);
  }
  return s;
}

bool DecodeStreamNode(std::string_view v, StreamNode* n) {
  uint64_t nf;
  if (!Get64(&v, &n->last.ms) || !Get64(&v, &n->last.seq) || !Get64(&v, &n->live) || !Get64(&v, &n->deleted) ||
      !Get64(&v, &n->bytes) || !Get64(&v, &nf)) {
    return false;
  }
  n->fields.clear();
  for (uint64_t i = 0; i < nf; i++) {
    uint64_t len;
    if (!Get64(&v, &len) || v.size() < len) return false;
    n->fields.emplace_back(v.substr(0, len));
    v.remove_prefix(len);
  }
  return v.empty();
}

}  // namespace redraft::rdb
