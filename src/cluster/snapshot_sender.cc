#include "cluster/snapshot_sender.h"

#include <spdlog/spdlog.h>

#include "cluster/snapshot_stream.h"
#include "common/crc32c.h"

namespace redraft::cluster {

SnapshotSender::SnapshotSender(store::Store* store, SendFn send, DoneFn done, uint64_t id_seed,
                               SnapshotSenderOptions opts)
    : store_(store), send_(std::move(send)), done_(std::move(done)), opts_(opts), next_id_(id_seed | 1) {}

SnapshotSender::~SnapshotSender() { transfers_.clear(); }

bool SnapshotSender::Start(uint64_t to, const MakeRaftMessage& make, const std::map<uint64_t, MemberAddr>& members,
                           int64_t now_ms) {
  if (transfers_.count(to)) return true;
  Transfer t;
  t.id = next_id_++;
  t.view = store_->NewSnapshotView();
  t.applied = t.view->applied_index();
  t.keys_total = t.view->key_count();
  t.last_progress_ms = now_ms;
  auto msg = make(t.applied);
  if (!msg) {
    failed_++;
    done_(to, false);
    return false;
  }
  SnapBegin b;
  b.id = t.id;
  b.raft_message = std::move(*msg);
  b.applied = t.applied;
  b.key_count = t.keys_total;
  b.log_time_ms = t.view->log_time_ms();
  b.members = members;
  if (!send_(to, PeerKind::kSnapBegin, EncodeSnapBegin(b))) {
    failed_++;
    done_(to, false);
    return false;
  }
  spdlog::info("snapshot transfer {} to {}: state at applied index {}, {} keys", t.id, NodeIdHex(to), t.applied,
               t.keys_total);
  auto [it, _] = transfers_.emplace(to, std::move(t));
  return Fill(to, it->second);
}

bool SnapshotSender::Fill(uint64_t to, Transfer& t) {
  if (t.end_sent) return true;
  // The begin must be accepted before data follows: the receiver prepares its staging area.
  if (!t.begin_acked) return true;
  while (!t.large_in_flight && t.next_seq - 1 - t.acked < opts_.window) {
    if (!t.view->Valid()) {
      if (!t.view->status().ok()) {
        Fail(to, "reading the store: " + t.view->status().ToString());
        return false;
      }
      if (t.acked + 1 < t.next_seq) return true;  // wait for every chunk before the end
      SnapEnd e{t.id, t.next_seq - 1, t.keys, t.crc};
      if (!send_(to, PeerKind::kSnapEnd, EncodeSnapEnd(e))) {
        Fail(to, "peer unreachable");
        return false;
      }
      t.end_sent = true;
      return true;
    }
    store::Value v;
    {
      // A record too large for a chunk travels alone: wait until nothing is unacknowledged.
      Status st = t.view->value(&v);
      if (st.ok() && t.view->key().size() + v.payload.size() + 32 > opts_.chunk_bytes && t.acked + 1 < t.next_seq) {
        return true;
      }
    }
    std::string chunk = StartSnapChunk(t.id, t.next_seq);
    size_t header = chunk.size();
    while (t.view->Valid() && chunk.size() < opts_.chunk_bytes) {
      Status st = t.view->value(&v);
      if (!st.ok()) {
        Fail(to, "reading the store: " + st.ToString());
        return false;
      }
      size_t before = chunk.size();
      AppendSnapRecord(&chunk, t.view->key(), v);
      // A record that makes a non-empty chunk large goes into the next one instead.
      if (chunk.size() > opts_.chunk_bytes && before > header) {
        chunk.resize(before);
        break;
      }
      t.view->Next();
      t.keys++;
    }
    size_t records = chunk.size() - header;
    bool large = chunk.size() > opts_.chunk_bytes;
    t.crc = crc32c::Extend(t.crc, chunk.data() + header, records);
    t.bytes += records;
    FinishSnapChunk(&chunk);
    if (!send_(to, PeerKind::kSnapChunk, std::move(chunk))) {
      Fail(to, "peer unreachable or its queue is full");
      return false;
    }
    t.next_seq++;
    if (large) t.large_in_flight = true;
  }
  return true;
}

void SnapshotSender::OnAck(uint64_t from, std::string_view payload, int64_t now_ms) {
  auto it = transfers_.find(from);
  SnapAck a;
  if (it == transfers_.end() || !DecodeSnapAck(payload, &a) || a.id != it->second.id) return;  // stale
  Transfer& t = it->second;
  if (!a.ok) {
    Fail(from, "refused by the receiver at seq " + std::to_string(a.seq));
    return;
  }
  if (a.seq >= t.next_seq && t.end_sent) {
    spdlog::info("snapshot transfer {} to {} delivered: {} keys, {} bytes", t.id, NodeIdHex(from), t.keys, t.bytes);
    transfers_.erase(it);
    completed_++;
    done_(from, true);
    return;
  }
  if (a.seq >= t.next_seq) return;  // nonsense
  if (a.seq == 0) t.begin_acked = true;
  if (a.seq > t.acked) t.acked = a.seq;
  if (t.acked + 1 == t.next_seq) t.large_in_flight = false;
  t.last_progress_ms = now_ms;
  Fill(from, t);
}

void SnapshotSender::Tick(int64_t now_ms) {
  std::vector<uint64_t> stale;
  for (auto& [to, t] : transfers_) {
    if (now_ms - t.last_progress_ms > opts_.timeout_ms) stale.push_back(to);
  }
  for (uint64_t to : stale) Fail(to, "no acknowledgement for " + std::to_string(opts_.timeout_ms) + " ms");
}

void SnapshotSender::Fail(uint64_t to, const std::string& why) {
  auto it = transfers_.find(to);
  if (it == transfers_.end()) return;
  spdlog::warn("snapshot transfer {} to {} abandoned after {} keys: {}", it->second.id, NodeIdHex(to), it->second.keys,
               why);
  transfers_.erase(it);
  failed_++;
  done_(to, false);
}

void SnapshotSender::Abort(uint64_t to) { Fail(to, "aborted"); }

void SnapshotSender::AbortAll() {
  while (!transfers_.empty()) Fail(transfers_.begin()->first, "aborted");
}

std::optional<uint64_t> SnapshotSender::CompactFloor() const {
  std::optional<uint64_t> floor;
  for (auto& [to, t] : transfers_) {
    if (!floor || t.applied < *floor) floor = t.applied;
  }
  return floor;
}

std::vector<SnapshotSender::Progress> SnapshotSender::Transfers() const {
  std::vector<Progress> out;
  for (auto& [to, t] : transfers_) {
    Progress p{to, t.applied, t.bytes, t.keys, t.keys_total, 0};
    p.bytes_total_estimate = t.keys ? static_cast<uint64_t>(double(t.bytes) / double(t.keys) * double(t.keys_total))
                                    : 0;
    out.push_back(p);
  }
  return out;
}

}  // namespace redraft::cluster
