// Streams in RDB (Redis t_stream.c / rdb.c): a radix tree of listpack nodes keyed by their master
// ID (16 bytes big-endian), then the stream's counters and its consumer groups.
//
// A node's listpack: the master entry
//   count deleted num-fields field_1 .. field_N 0
// then per entry
//   flags ms-diff seq-diff [num-fields field_1 value_1 ..] | [value_1 .. value_N]   lp-count
// with flag 1 = deleted, 2 = same fields as the master (values only); the IDs are the master's
// plus the diffs; lp-count is the number of listpack elements of the entry minus one.
#include <algorithm>
#include <set>

#include "common/string2ll.h"
#include "rdb/encodings.h"
#include "rdb/stream_internal.h"
#include "rdb/stream_nodes.h"

namespace redraft::rdb {
namespace {

constexpr int64_t kFlagDeleted = 1, kFlagSameFields = 2;

bool ParseNodeKey(std::string_view k, StreamId* id) {
  if (k.size() != 16) return false;
  id->ms = id->seq = 0;
  for (int i = 0; i < 8; i++) id->ms = (id->ms << 8) | static_cast<uint8_t>(k[i]);
  for (int i = 8; i < 16; i++) id->seq = (id->seq << 8) | static_cast<uint8_t>(k[i]);
  return true;
}

std::string NodeKey(const StreamId& id) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; i++) k[i] = static_cast<char>((id.ms >> (56 - 8 * i)) & 0xff);
  for (int i = 0; i < 8; i++) k[8 + i] = static_cast<char>((id.seq >> (56 - 8 * i)) & 0xff);
  return k;
}

// Walks one node's elements. Every integer field must be an integer element.
class NodeParser {
 public:
  explicit NodeParser(std::vector<std::string>&& e) : e_(std::move(e)) {}
  bool done() const { return i_ >= e_.size(); }
  bool Int(int64_t* v) { return i_ < e_.size() && String2ll(e_[i_++], v); }
  bool Str(std::string* s) {
    if (i_ >= e_.size()) return false;
    *s = std::move(e_[i_++]);
    return true;
  }
  bool Ref(const std::string** s) {
    if (i_ >= e_.size()) return false;
    *s = &e_[i_++];
    return true;
  }

 private:
  std::vector<std::string> e_;
  size_t i_ = 0;
};

bool ReadNode(std::string_view key, const std::string& lp, Stream* s) {
  StreamId master;
  std::vector<std::string> elems;
  if (!ParseNodeKey(key, &master) || !ParseListpack(lp, &elems) || elems.empty()) return false;
  NodeParser p(std::move(elems));
  int64_t count, deleted, nmaster, zero;
  if (!p.Int(&count) || !p.Int(&deleted) || !p.Int(&nmaster) || nmaster < 0 || count < 0 || deleted < 0) return false;
  std::vector<std::string> master_fields;
  for (int64_t i = 0; i < nmaster; i++) {
    if (!p.Str(&master_fields.emplace_back())) return false;
  }
  if (!p.Int(&zero) || zero != 0) return false;
  int64_t live = 0, dead = 0;
  StreamId last;
  while (!p.done()) {
    int64_t flags, ms_diff, seq_diff, nf;
    if (!p.Int(&flags) || !p.Int(&ms_diff) || !p.Int(&seq_diff)) return false;
    StreamEntry e;
    e.id = {master.ms + static_cast<uint64_t>(ms_diff), master.seq + static_cast<uint64_t>(seq_diff)};
    int64_t pieces;
    if (flags & kFlagSameFields) {
      for (const auto& f : master_fields) {
        e.fields_values.push_back(f);
        if (!p.Str(&e.fields_values.emplace_back())) return false;
      }
      nf = nmaster;
      pieces = nf + 3;
    } else {
      if (!p.Int(&nf) || nf < 0) return false;
      for (int64_t i = 0; i < 2 * nf; i++) {
        if (!p.Str(&e.fields_values.emplace_back())) return false;
      }
      pieces = 2 * nf + 4;
    }
    int64_t lp_count;
    // lp-count: the entry's elements before it (flags, two diffs, [num-fields], the strings).
    if (!p.Int(&lp_count) || lp_count != pieces) return false;
    if (nf == 0) return false;  // an entry has at least one field
    if (!s->entries.empty() && !(s->entries.back().id < e.id) && !(flags & kFlagDeleted)) return false;
    last = e.id;
    if (flags & kFlagDeleted) {
      dead++;
    } else {
      live++;
      s->entries.push_back(std::move(e));
    }
  }
  if (live != count || dead != deleted || live + dead == 0) return false;
  StreamNode& n = s->nodes.emplace_back();
  n.master = master;
  n.last = last;
  n.live = static_cast<uint64_t>(live);
  n.deleted = static_cast<uint64_t>(dead);
  n.bytes = lp.size();
  n.fields = std::move(master_fields);
  return true;
}

bool ReadId(Reader& r, StreamId* id) { return r.PlainLen(&id->ms) && r.PlainLen(&id->seq); }

bool ReadRawId(Reader& r, StreamId* id) {
  std::string_view raw;
  return r.Raw(16, &raw) && ParseNodeKey(raw, id);
}

void WriteRawId(std::string* out, const StreamId& id) { out->append(NodeKey(id)); }

}  // namespace

bool ReadStream(Reader& r, uint8_t type, Stream* s) {
  uint64_t nodes;
  if (!r.PlainLen(&nodes)) return false;
  for (uint64_t i = 0; i < nodes; i++) {
    std::string key, lp;
    if (!r.String(&key) || !r.String(&lp) || !ReadNode(key, lp, s)) return false;
  }
  uint64_t length;
  if (!r.PlainLen(&length) || !ReadId(r, &s->last_id)) return false;
  if (type >= kTypeStreamListpacks2) {
    StreamId first_ignored;  // recomputed below from the entries
    if (!ReadId(r, &first_ignored) || !ReadId(r, &s->max_deleted_id) || !r.PlainLen(&s->entries_added)) return false;
  } else {
    s->entries_added = length;
  }
  if (length != s->entries.size()) return false;
  if (!s->entries.empty() && s->last_id < s->entries.back().id) return false;
  s->first_id = s->entries.empty() ? StreamId{} : s->entries.front().id;
  uint64_t ngroups;
  if (!r.PlainLen(&ngroups)) return false;
  std::set<std::string> names;
  for (uint64_t g = 0; g < ngroups; g++) {
    StreamGroup& group = s->groups.emplace_back();
    if (!r.String(&group.name) || !names.insert(group.name).second || !ReadId(r, &group.last_id)) return false;
    if (type >= kTypeStreamListpacks2) {
      uint64_t er;
      if (!r.PlainLen(&er)) return false;
      group.entries_read = static_cast<int64_t>(er);
    }
    uint64_t npel;
    if (!r.PlainLen(&npel)) return false;
    std::set<StreamId> pel;
    for (uint64_t i = 0; i < npel; i++) {
      StreamPending& pe = group.pel.emplace_back();
      if (!ReadRawId(r, &pe.id) || !r.MillisecondTime(&pe.delivery_ms) || !r.PlainLen(&pe.delivery_count)) return false;
      if (!pel.insert(pe.id).second) return false;
    }
    uint64_t nconsumers;
    if (!r.PlainLen(&nconsumers)) return false;
    std::set<std::string> consumer_names;
    std::set<StreamId> owned;
    for (uint64_t c = 0; c < nconsumers; c++) {
      StreamConsumer& con = group.consumers.emplace_back();
      if (!r.String(&con.name) || !consumer_names.insert(con.name).second || !r.MillisecondTime(&con.seen_ms)) {
        return false;
      }
      if (type == kTypeStreamListpacks3 && !r.MillisecondTime(&con.active_ms)) return false;
      uint64_t n;
      if (!r.PlainLen(&n)) return false;
      for (uint64_t i = 0; i < n; i++) {
        StreamId id;
        // Every consumer's pending entry is in the group's PEL, owned by one consumer.
        if (!ReadRawId(r, &id) || !pel.count(id) || !owned.insert(id).second) return false;
        con.pending.push_back(id);
      }
    }
    if (owned.size() != pel.size()) return false;
  }
  return true;
}

void WriteStream(std::string* out, const Stream& s) {
  // Cut the entries into nodes as streamAppendItem does while they are added in order.
  struct Node {
    StreamId master;
    std::vector<std::string> fields;
    std::string lp;
  };
  std::vector<Node> nodes;
  ListpackWriter lp;
  Node cur;
  size_t cur_entries = 0;
  auto finish = [&]() {
    cur.lp = lp.Finish();
    cur.lp[6] = static_cast<char>(cur_entries);  // the master's count (<= 100: one 7-bit byte)
    nodes.push_back(std::move(cur));
    cur = Node{};
    cur_entries = 0;
  };
  for (const auto& e : s.entries) {
    size_t nf = e.fields_values.size() / 2;
    std::vector<std::string_view> fv(e.fields_values.begin(), e.fields_values.end());
    if (cur_entries > 0 && StartsNewNode(lp.Bytes(), cur_entries, fv)) finish();
    if (cur_entries == 0) {
      cur.master = e.id;
      lp.AppendInt(1);  // count: patched when the node is finished
      lp.AppendInt(0);  // deleted
      lp.AppendInt(static_cast<int64_t>(nf));
      for (size_t i = 0; i < nf; i++) {
        cur.fields.push_back(e.fields_values[2 * i]);
        lp.Append(e.fields_values[2 * i]);
      }
      lp.AppendInt(0);  // the master entry's terminator
    }
    bool same = nf == cur.fields.size();
    for (size_t i = 0; same && i < nf; i++) same = e.fields_values[2 * i] == cur.fields[i];
    lp.AppendInt(same ? kFlagSameFields : 0);
    lp.AppendInt(static_cast<int64_t>(e.id.ms - cur.master.ms));
    lp.AppendInt(static_cast<int64_t>(e.id.seq - cur.master.seq));
    if (!same) lp.AppendInt(static_cast<int64_t>(nf));
    for (size_t i = 0; i < nf; i++) {
      if (!same) lp.Append(e.fields_values[2 * i]);
      lp.Append(e.fields_values[2 * i + 1]);
    }
    lp.AppendInt(static_cast<int64_t>(same ? nf + 3 : 2 * nf + 4));
    cur_entries++;
  }
  if (cur_entries > 0) finish();
  WriteLen(out, nodes.size());
  for (const auto& n : nodes) {
    WriteString(out, NodeKey(n.master));
    WriteString(out, n.lp);
  }
  WriteLen(out, s.entries.size());
  WriteLen(out, s.last_id.ms);
  WriteLen(out, s.last_id.seq);
  StreamId first = s.entries.empty() ? StreamId{} : s.entries.front().id;
  WriteLen(out, first.ms);
  WriteLen(out, first.seq);
  WriteLen(out, s.max_deleted_id.ms);
  WriteLen(out, s.max_deleted_id.seq);
  WriteLen(out, s.entries_added);
  WriteLen(out, s.groups.size());
  for (const auto& g : s.groups) {
    WriteString(out, g.name);
    WriteLen(out, g.last_id.ms);
    WriteLen(out, g.last_id.seq);
    WriteLen(out, static_cast<uint64_t>(g.entries_read));
    WriteLen(out, g.pel.size());
    for (const auto& pe : g.pel) {
      WriteRawId(out, pe.id);
      WriteMillisecondTime(out, pe.delivery_ms);
      WriteLen(out, pe.delivery_count);
    }
    WriteLen(out, g.consumers.size());
    for (const auto& c : g.consumers) {
      WriteString(out, c.name);
      WriteMillisecondTime(out, c.seen_ms);
      WriteLen(out, c.pending.size());
      for (const auto& id : c.pending) WriteRawId(out, id);
    }
  }
}

}  // namespace redraft::rdb
