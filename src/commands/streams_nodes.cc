// The stream's node mirror (streams_nodes.h): Redis's streamAppendItem, XDEL's
// streamIteratorRemoveEntry and streamTrim replayed on the 'n' records.
#include "commands/streams_nodes.h"

#include <optional>

#include "commands/collection.h"
#include "commands/streams_scan.h"
#include "rdb/stream_nodes.h"

namespace redraft::commands::streams {
namespace {

rdb::StreamId ToRdb(const StreamId& id) { return {id.ms, id.seq}; }
StreamId FromRdb(const rdb::StreamId& id) { return {id.ms, id.seq}; }

bool DecodeNodeField(std::string_view f, StreamId* master) {
  if (f.size() != 17 || f[0] != kNodeTag) return false;
  std::string e(f);
  e[0] = kEntryTag;  // the same 16-byte big-endian ID as an entry field
  return DecodeEntryField(e, master);
}

void StoreNode(ApplyContext& ctx, std::string_view key, uint64_t version, const rdb::StreamNode& n) {
  ctx.batch.PutSub(key, version, NodeField(FromRdb(n.master)), rdb::EncodeStreamNode(n));
}

// The node holding id (the greatest master <= id), if any.
std::optional<rdb::StreamNode> NodeOf(ApplyContext& ctx, std::string_view key, uint64_t version, const StreamId& id) {
  std::string before = NodeField(id);
  before.push_back('\0');
  std::optional<rdb::StreamNode> out;
  Status s = ctx.batch.ScanSubBefore(key, version, before, [&](std::string_view f, std::string_view val) {
    StreamId master;
    if (!DecodeNodeField(f, &master)) return false;
    rdb::StreamNode n;
    if (!DecodeStreamNode(val, &n)) REDRAFT_PANIC("malformed stream node of key " + std::string(key));
    n.master = ToRdb(master);
    out = std::move(n);
    return false;
  });
  PanicOnStoreError(s);
  return out;
}

rdb::StreamNode LoadTail(const StreamMeta& m) {
  rdb::StreamNode n;
  if (!m.has_tail || !DecodeStreamNode(m.tail_rec, &n)) REDRAFT_PANIC("malformed stream tail node");
  n.master = ToRdb(m.tail);
  return n;
}

void SetTail(StreamMeta* m, const rdb::StreamNode& n) {
  m->has_tail = true;
  m->tail = FromRdb(n.master);
  m->tail_rec = rdb::EncodeStreamNode(n);
}

void ClearTail(StreamMeta* m) {
  m->has_tail = false;
  m->tail = {0, 0};
  m->tail_rec.clear();
}

// The last sealed node becomes the tail (its record moves into the metadata), if any.
void PromoteLastSealed(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m) {
  std::optional<rdb::StreamNode> prev = NodeOf(ctx, key, version, kMaxId);
  if (!prev) return ClearTail(m);
  ctx.batch.DeleteSub(key, version, NodeField(FromRdb(prev->master)));
  SetTail(m, *prev);
}

}  // namespace

std::string NodeField(const StreamId& master) {
  std::string f = EntryField(master);
  f[0] = kNodeTag;
  return f;
}

void NodesAppend(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const StreamId& id,
                 const std::vector<std::string_view>& fv) {
  if (!m->nodes) return;
  if (m->has_tail) {
    rdb::StreamNode tail = LoadTail(*m);
    if (!rdb::StartsNewNode(tail.bytes, tail.live + tail.deleted, fv)) {
      rdb::AppendToStreamNode(&tail, ToRdb(id), fv);
      SetTail(m, tail);
      return;
    }
    StoreNode(ctx, key, version, tail);  // sealed: it becomes an 'n' record
  }
  SetTail(m, rdb::NewStreamNode(ToRdb(id), fv));
}

void NodesDelete(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const StreamId& id) {
  if (!m->nodes) return;
  if (m->has_tail && id >= m->tail) {
    rdb::StreamNode tail = LoadTail(*m);
    if (tail.live > 1) {
      tail.live--;
      tail.deleted++;
      return SetTail(m, tail);
    }
    return PromoteLastSealed(ctx, key, version, m);  // its last live entry: Redis frees the node
  }
  std::optional<rdb::StreamNode> n = NodeOf(ctx, key, version, id);
  if (!n || n->live == 0) REDRAFT_PANIC("a stream entry outside the node mirror of key " + std::string(key));
  if (n->live > 1) {
    n->live--;
    n->deleted++;
    return StoreNode(ctx, key, version, *n);
  }
  ctx.batch.DeleteSub(key, version, NodeField(FromRdb(n->master)));
}

uint64_t NodesTrim(ApplyContext& ctx, std::string_view key, const store::Value& v, StreamMeta* m, bool by_maxlen,
                   uint64_t maxlen, const StreamId& minid, bool approx, int64_t limit) {
  // Decide first (Redis's loop over the nodes from the head), then change the store.
  std::vector<rdb::StreamNode> whole;
  std::optional<rdb::StreamNode> partial;
  uint64_t length = m->length, deleted = 0;
  // Redis's loop body for one node: true to go on to the next node.
  auto decide = [&](rdb::StreamNode&& n) {
    if (by_maxlen && length <= maxlen) return false;
    if (limit > 0 && deleted + n.live > static_cast<uint64_t>(limit)) return false;
    bool remove = by_maxlen ? length - n.live >= maxlen : FromRdb(n.last) < minid;
    if (remove) {
      length -= n.live;
      deleted += n.live;
      whole.push_back(std::move(n));
      return true;
    }
    if (!approx) partial = std::move(n);
    return false;  // a node that stays ends the trim
  };
  bool went_on = true;  // through every sealed node: the tail (in the metadata) is next
  Status s = ctx.batch.ScanSub(key, v.version, std::string(1, kNodeTag), [&](std::string_view f, std::string_view val) {
    StreamId master;
    if (!DecodeNodeField(f, &master)) return false;
    rdb::StreamNode n;
    if (!DecodeStreamNode(val, &n)) REDRAFT_PANIC("malformed stream node of key " + std::string(key));
    n.master = ToRdb(master);
    went_on = decide(std::move(n));
    return went_on;
  });
  PanicOnStoreError(s);
  if (went_on && m->has_tail) decide(LoadTail(*m));

  uint64_t removed = 0;
  std::optional<StreamId> last_removed;
  auto drop_entries = [&](const rdb::StreamNode& n, uint64_t at_most, const auto& keep_from) {
    std::vector<StreamId> ids;
    VisitRange(ctx.batch, key, v, *m, FromRdb(n.master), FromRdb(n.last), false, [&](const StreamId& id, std::string_view) {
      if (ids.size() >= at_most || keep_from(id)) return false;
      ids.push_back(id);
      return true;
    });
    for (const auto& id : ids) ctx.batch.DeleteSub(key, v.version, EntryField(id));
    if (!ids.empty()) last_removed = ids.back();
    return ids.size();
  };
  for (const auto& n : whole) {
    uint64_t k = drop_entries(n, UINT64_MAX, [](const StreamId&) { return false; });
    if (k != n.live) REDRAFT_PANIC("stream node counts out of step with the entries of key " + std::string(key));
    removed += k;
    if (m->has_tail && m->tail == FromRdb(n.master)) {
      ClearTail(m);  // the last node: every node went
    } else {
      ctx.batch.DeleteSub(key, v.version, NodeField(FromRdb(n.master)));
    }
  }
  if (partial) {
    // Exact trimming inside the first node that stays: its entries are flagged deleted.
    uint64_t want = by_maxlen ? m->length - removed - maxlen : UINT64_MAX;
    uint64_t k = drop_entries(*partial, want, [&](const StreamId& id) { return !by_maxlen && id >= minid; });
    if (k > 0) {
      partial->live -= k;
      partial->deleted += k;
      if (m->has_tail && m->tail == FromRdb(partial->master)) {
        SetTail(m, *partial);
      } else {
        StoreNode(ctx, key, v.version, *partial);
      }
      removed += k;
    }
  }
  if (removed > 0) {
    m->length -= removed;
    if (m->length == 0) {
      m->first_id = {0, 0};
    } else {
      StreamId from = *last_removed;
      IncrId(&from);
      m->first_id = FirstFrom(ctx.batch, key, v, *m, from).value_or(StreamId{0, 0});
    }
  }
  return removed;
}

void NodesRestore(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const rdb::Stream& s) {
  // The payload's nodes describe the entries when, walking both in order, every node's live
  // count is the number of entries in [master, last] and no entry falls outside a node.
  bool usable = true;
  size_t e = 0;
  for (size_t i = 0; usable && i < s.nodes.size(); i++) {
    const rdb::StreamNode& n = s.nodes[i];
    if (n.last < n.master || (i > 0 && !(s.nodes[i - 1].last < n.master))) {
      usable = false;
      break;
    }
    uint64_t live = 0;
    while (e < s.entries.size() && s.entries[e].id <= n.last) {
      if (s.entries[e].id < n.master) usable = false;
      live++;
      e++;
    }
    if (live != n.live) usable = false;
  }
  if (e != s.entries.size()) usable = false;
  std::vector<rdb::StreamNode> nodes = usable ? s.nodes : rdb::CutStreamNodes(s.entries);
  m->nodes = true;
  ClearTail(m);
  for (size_t i = 0; i + 1 < nodes.size(); i++) StoreNode(ctx, key, version, nodes[i]);
  if (!nodes.empty()) SetTail(m, nodes.back());
}

}  // namespace redraft::commands::streams
