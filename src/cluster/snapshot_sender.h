// SnapshotSender: a leader streams its state to followers that need a snapshot
// (snapshot_stream.h for the messages, docs/snapshot_format.md for the protocol).
//
// One transfer per follower. A transfer holds a Store::SnapshotView (a RocksDB snapshot and an
// iterator: the state at applied index A, read as it is sent, never built in memory), sends
// "snap-begin", then "snap-chunk"s of about chunk_bytes of records with at most `window` of them
// unacknowledged, then "snap-end" once every chunk is acknowledged. A chunk larger than
// chunk_bytes (one huge value) is sent alone — nothing before it unacknowledged, nothing after it
// until it is — because the transport may reorder a large message after later small ones.
// Memory: at most window x chunk_bytes (or one huge record) queued, plus the iterator's blocks.
//
// The transfer is abandoned (done(to, false): the caller tells Raft, which asks again later, and a
// new transfer starts from scratch with a new id) when: a send is refused (peer unreachable, queue
// full), the receiver refuses (ack ok = 0), nothing is acknowledged for timeout_ms, or the caller
// aborts it (leadership lost, peer removed). done(to, true) once the end is acknowledged: the
// follower staged the whole snapshot and handed it to its Raft core.
//
// Thread-safety: none; the event loop's thread. The store must outlive the sender, and no
// transfer may be in progress when the store installs a snapshot (AbortAll when leadership ends).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node_identity.h"
#include "cluster/peer_kinds.h"
#include "store/store.h"

namespace redraft::cluster {

struct SnapshotSenderOptions {
  size_t chunk_bytes = 512 << 10;  // below the transport's chunking size: one frame per chunk
  size_t window = 8;               // chunks in flight (unacknowledged)
  int64_t timeout_ms = 15000;      // no acknowledgement for this long: abandon
};

class SnapshotSender {
 public:
  using SendFn = std::function<bool(uint64_t to, PeerKind kind, std::string payload)>;
  using DoneFn = std::function<void(uint64_t to, bool success)>;
  // Given the applied index A of the view, the encoded raft kSnapshot message to deliver with it
  // (meta.index == A), or nullopt if none can be made (then the transfer fails at once).
  using MakeRaftMessage = std::function<std::optional<std::string>(uint64_t applied)>;

  SnapshotSender(store::Store* store, SendFn send, DoneFn done, uint64_t id_seed,
                 SnapshotSenderOptions opts = {});
  ~SnapshotSender();

  // Starts a transfer to `to` unless one is in progress (then nothing happens: true). False if it
  // could not start (done(to, false) was called).
  bool Start(uint64_t to, const MakeRaftMessage& make, const std::map<uint64_t, MemberAddr>& members, int64_t now_ms);
  // A "snap-ack" from `from`.
  void OnAck(uint64_t from, std::string_view payload, int64_t now_ms);
  void Tick(int64_t now_ms);
  void Abort(uint64_t to);  // done(to, false)
  void AbortAll();
  bool Active(uint64_t to) const { return transfers_.count(to) > 0; }
  // The smallest applied index among transfers in progress: the log must keep the entries after
  // it, or the follower needs another snapshot as soon as it has installed this one.
  std::optional<uint64_t> CompactFloor() const;

  struct Progress {
    uint64_t peer = 0;
    uint64_t applied = 0;
    uint64_t bytes_sent = 0;  // record bytes
    uint64_t keys_sent = 0;
    uint64_t keys_total = 0;
    uint64_t bytes_total_estimate = 0;  // bytes_sent extrapolated over keys_total
  };
  std::vector<Progress> Transfers() const;
  uint64_t completed() const { return completed_; }
  uint64_t failed() const { return failed_; }

 private:
  struct Transfer {
    uint64_t id = 0;
    std::unique_ptr<store::Store::SnapshotView> view;
    uint64_t next_seq = 1;    // next chunk to send
    uint64_t acked = 0;       // highest acknowledged seq (0 = the begin)
    bool begin_acked = false;
    bool large_in_flight = false;
    bool end_sent = false;
    uint64_t bytes = 0, keys = 0, keys_total = 0, applied = 0;
    uint32_t crc = 0;         // over all record bytes sent
    int64_t last_progress_ms = 0;
  };
  // Sends what the window allows; false if the transfer failed (and was removed).
  bool Fill(uint64_t to, Transfer& t);
  void Fail(uint64_t to, const std::string& why);

  store::Store* store_;
  SendFn send_;
  DoneFn done_;
  SnapshotSenderOptions opts_;
  uint64_t next_id_;
  std::map<uint64_t, Transfer> transfers_;
  uint64_t completed_ = 0, failed_ = 0;
};

}  // namespace redraft::cluster
