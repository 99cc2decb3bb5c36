#include "cluster/snapshot_receiver.h"

#include <spdlog/spdlog.h>

#include "cluster/snapshot_stream.h"
#include "common/crc32c.h"

namespace redraft::cluster {

void SnapshotReceiver::Reset() {
  if (state_ != State::kIdle) {
    Status st = store_->StageAbort();
    if (!st.ok()) spdlog::error("emptying the snapshot staging area: {}", st.ToString());
  }
  state_ = State::kIdle;
}

std::string SnapshotReceiver::Refuse(uint64_t id, uint64_t seq, const std::string& why) {
  spdlog::warn("snapshot transfer {} from {} refused at seq {}: {}", id, NodeIdHex(from_), seq, why);
  if (id == id_) Reset();
  return EncodeSnapAck({id, seq, false});
}

std::optional<std::string> SnapshotReceiver::OnBegin(uint64_t from, std::string_view payload, int64_t now_ms) {
  SnapBegin b;
  if (!DecodeSnapBegin(payload, &b)) return std::nullopt;
  if (state_ == State::kStaged) return EncodeSnapAck({b.id, 0, false});  // one waits for Raft
  // A new transfer (a restart by the same leader, or a new leader) replaces the current one.
  Reset();
  from_ = from;
  id_ = b.id;
  Status st = store_->StageBegin();
  if (!st.ok()) return Refuse(b.id, 0, "staging: " + st.ToString());
  state_ = State::kReceiving;
  next_seq_ = 1;
  begin_applied_ = b.applied;
  key_count_ = b.key_count;
  log_time_ms_ = b.log_time_ms;
  members_ = std::move(b.members);
  have_key_ = false;
  in_subs_ = false;
  last_key_.clear();
  bytes_ = keys_ = metas_ = 0;
  crc_ = 0;
  last_ms_ = now_ms;
  raft_message_ = std::move(b.raft_message);
  spdlog::info("receiving snapshot transfer {} from {}: state at applied index {}, {} keys", id_, NodeIdHex(from),
               begin_applied_, key_count_);
  return EncodeSnapAck({id_, 0, true});
}

std::optional<std::string> SnapshotReceiver::OnChunk(uint64_t from, std::string_view payload, int64_t now_ms) {
  uint64_t id, seq;
  std::string_view records;
  if (!DecodeSnapChunk(payload, &id, &seq, &records)) {
    // Unreadable: if it is ours, the transfer cannot complete; the id is unknown, so time out.
    return std::nullopt;
  }
  if (state_ != State::kReceiving || from != from_ || id != id_) return EncodeSnapAck({id, seq, false});
  if (seq != next_seq_) return Refuse(id, seq, "expected chunk " + std::to_string(next_seq_));
  uint32_t crc = crc32c::Extend(crc_, records.data(), records.size());
  size_t n = records.size();
  std::string_view key;
  store::Value v;
  uint64_t keys = 0, metas = 0;
  while (!records.empty()) {
    if (!NextSnapRecord(&records, &key, &v)) return Refuse(id, seq, "malformed record");
    // Keys first, then sub-keys; each in strictly increasing order.
    bool sub = v.type == store::ValueType::kSubKey;
    if (!sub && in_subs_) return Refuse(id, seq, "a key after the sub-keys");
    if (sub && !in_subs_) {
      in_subs_ = true;
      have_key_ = false;
    }
    if (!sub) metas++;
    if (have_key_ && !(std::string_view(last_key_) < key)) return Refuse(id, seq, "keys out of order");
    last_key_.assign(key);
    have_key_ = true;
    store_->StagePut(key, v);
    keys++;
  }
  Status st = store_->StageWrite();
  if (!st.ok()) return Refuse(id, seq, "staging: " + st.ToString());
  crc_ = crc;
  bytes_ += n;
  keys_ += keys;
  metas_ += metas;
  next_seq_++;
  last_ms_ = now_ms;
  return EncodeSnapAck({id, seq, true});
}

Result<std::string> SnapshotReceiver::OnEnd(uint64_t from, std::string_view payload, int64_t now_ms,
                                            std::optional<std::string>* nack) {
  SnapEnd e;
  nack->reset();
  if (!DecodeSnapEnd(payload, &e)) return Status::Corruption("undecodable snap-end");
  if (state_ != State::kReceiving || from != from_ || e.id != id_) {
    *nack = EncodeSnapAck({e.id, e.chunks + 1, false});
    return Status::Aborted("snap-end of an unknown transfer");
  }
  std::string why;
  if (e.chunks + 1 != next_seq_) why = "chunk count";
  else if (e.records != keys_ || metas_ != key_count_) why = "record count";
  else if (e.crc != crc_) why = "stream checksum mismatch";
  if (!why.empty()) {
    *nack = Refuse(e.id, e.chunks + 1, why);
    return Status::Corruption("snapshot transfer: " + why);
  }
  Status st = store_->StageWrite();
  if (!st.ok()) {
    *nack = Refuse(e.id, e.chunks + 1, "staging: " + st.ToString());
    return st;
  }
  state_ = State::kStaged;
  end_seq_ = e.chunks + 1;
  last_ms_ = now_ms;
  return raft_message_;
}

std::string SnapshotReceiver::EndAck(bool ok) const { return EncodeSnapAck({id_, end_seq_, ok}); }

void SnapshotReceiver::Discard() {
  if (state_ == State::kStaged) Reset();
}

Status SnapshotReceiver::Install(uint64_t index, std::map<uint64_t, MemberAddr>* members) {
  if (state_ != State::kStaged || index != begin_applied_) {
    return Status::InvalidArgument("no staged snapshot at index " + std::to_string(index));
  }
  REDRAFT_RETURN_IF_ERROR(store_->StageInstall(begin_applied_, key_count_, log_time_ms_));
  *members = members_;
  state_ = State::kIdle;
  installed_++;
  return Status::OK();
}

void SnapshotReceiver::Tick(int64_t now_ms) {
  // (A staged snapshot is Raft's until its Ready is handled: Install or Discard, never a timeout.)
  if (state_ == State::kReceiving && now_ms - last_ms_ > timeout_ms_) {
    spdlog::warn("snapshot transfer {} from {}: nothing for {} ms, dropped", id_, NodeIdHex(from_), timeout_ms_);
    Reset();
  }
}

}  // namespace redraft::cluster
