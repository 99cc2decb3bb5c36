// SnapshotReceiver: a follower's side of a streamed snapshot (snapshot_stream.h,
// docs/snapshot_format.md). Every chunk is checked (crc, sequence, key order) and written into the
// store's staging area (Store::StagePut/StageWrite) as it arrives: memory holds one chunk, never
// the snapshot. On a "snap-end" whose counts and stream checksum match, the caller gets the raft
// kSnapshot message to Step; if the Raft core takes it (it becomes Ready::snapshot), the caller
// installs it with Install() when handling that Ready — one atomic switch in the store — else it
// calls Discard(). Anything wrong (a gap, a bad crc, a store error, a new transfer, silence for
// timeout_ms while receiving) empties the staging area; the leader starts over with a new transfer.
//
// States: idle -> receiving (begin accepted) -> staged (end verified, handed to Raft) -> idle
// (installed or discarded). While staged, new transfers are refused (the Raft core may still
// hand us this snapshot to install).
//
// Thread-safety: none; the event loop's thread (the store's writing thread).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/node_identity.h"
#include "common/status.h"
#include "store/store.h"

namespace redraft::cluster {

class SnapshotReceiver {
 public:
  explicit SnapshotReceiver(store::Store* store, int64_t timeout_ms = 60000) : store_(store), timeout_ms_(timeout_ms) {}

  // Each returns the "snap-ack" payload to send back to `from` (nullopt: nothing to send).
  std::optional<std::string> OnBegin(uint64_t from, std::string_view payload, int64_t now_ms);
  std::optional<std::string> OnChunk(uint64_t from, std::string_view payload, int64_t now_ms);
  // A verified end: the encoded raft message to Step; the transfer is then "staged". Otherwise an
  // error (the staging area was emptied) and *nack holds the refusal to send (if any).
  Result<std::string> OnEnd(uint64_t from, std::string_view payload, int64_t now_ms, std::optional<std::string>* nack);
  // After OnEnd succeeded: the answer to the end — ok once Raft has taken the snapshot, or a
  // refusal (call Discard too) if it did not need it.
  std::string EndAck(bool ok) const;
  // The staged snapshot was not taken by Raft: forget it.
  void Discard();
  // Installs the staged snapshot (REQUIRES staged() with applied index == index): the store
  // switches to it atomically. Sets *members to the address book it carried.
  Status Install(uint64_t index, std::map<uint64_t, MemberAddr>* members);
  void Tick(int64_t now_ms);

  bool receiving() const { return state_ == State::kReceiving; }
  bool staged() const { return state_ == State::kStaged; }
  uint64_t staged_index() const { return begin_applied_; }
  // Progress of the current (or last) transfer, for INFO.
  uint64_t from() const { return from_; }
  uint64_t bytes_received() const { return bytes_; }
  uint64_t keys_received() const { return keys_; }
  uint64_t keys_total() const { return key_count_; }
  uint64_t installed() const { return installed_; }

 private:
  enum class State { kIdle, kReceiving, kStaged };
  std::string Refuse(uint64_t id, uint64_t seq, const std::string& why);
  void Reset();

  store::Store* store_;
  const int64_t timeout_ms_;
  State state_ = State::kIdle;
  uint64_t from_ = 0;
  uint64_t id_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t begin_applied_ = 0, key_count_ = 0;
  int64_t log_time_ms_ = 0;
  std::map<uint64_t, MemberAddr> members_;
  std::string raft_message_;  // from the begin: stepped into Raft at the end
  std::string last_key_;
  bool have_key_ = false;
  bool in_subs_ = false;  // sub-key records started (they follow every key record)
  uint64_t bytes_ = 0, keys_ = 0, metas_ = 0;  // keys_: every record; metas_: key records
  uint32_t crc_ = 0;
  uint64_t end_seq_ = 0;
  int64_t last_ms_ = 0;
  uint64_t installed_ = 0;
};

}  // namespace redraft::cluster
