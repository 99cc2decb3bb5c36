#pragma once

// Linearizable reads of a cluster node (Raft's ReadIndex): a client's read waits for a barrier,
// then runs locally once the state machine has applied the read index.
//
// Owns: every read barrier from request to answer — the barriers asked this loop iteration (one
// ReadIndex request per iteration for all of them, so a read never waits for a tick), those held
// while no leader is reachable, those waiting for the leader's read index (by context), and those
// waiting for the local apply to reach their index.
// Must not: touch writes, the log or the Raft core beyond asking for a read index (Env), nor
// answer a read before the applied index reaches its read index. A barrier is answered exactly
// once: ready, or an error (never proposed, so CLUSTERDOWN/timeout are safe to return).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "raft/raft.h"

namespace redraft::cluster {

class ReadBarriers {
 public:
  // What the barriers need from the node, as calls (all on the event loop).
  struct Env {
    std::function<uint64_t()> self_id;            // part of each ReadIndex context (unique group-wide)
    std::function<bool()> leader_reachable;
    std::function<Status(const std::string& ctx)> read_index;  // Raft::ReadIndex
    std::function<uint64_t()> applied_index;       // the state machine's
    std::function<void(uint64_t token, const Status& error)> fail;  // answer a barrier with an error (errors.h)
    std::function<void(uint64_t token)> ready;     // the read may run now
  };
  // timeout_ms bounds a barrier waiting for its read index; hold_ms one waiting for a leader.
  ReadBarriers(Env env, int64_t timeout_ms, int64_t hold_ms);

  // A barrier for this iteration's batch (Flush asks for it).
  void Add(uint64_t token) { batch_.push_back(token); }
  // One ReadIndex request for this iteration's barriers, or holds them if no leader is reachable.
  void Flush();
  // A leader is reachable again: held barriers join this iteration's batch.
  void ReleaseHeld();
  // The Raft core answered ReadIndex requests: their barriers wait for the apply to reach them.
  void OnReadStates(std::vector<raft::ReadState>& states);
  // Answers every barrier whose read index the state machine has applied.
  void Serve();
  // The leader changed: requests sent to the old one get no answer; ask again (nothing was read
  // yet, so this stays linearizable).
  void OnLeaderChanged();
  // Fails barriers past their deadline.
  void Sweep(int64_t now_ms);
  // The node stopped serving (divergence): fails every barrier waiting for a read index.
  void FailWaiting(const Status& error);

 private:
  struct Held {
    uint64_t token = 0;
    int64_t deadline_ms = 0;
  };
  struct Batch {
    std::vector<uint64_t> tokens;
    int64_t deadline_ms = 0;
  };
  void Hold(uint64_t token);
  // Spans of traced reads (read_barriers.cc; observability::Tracer's read contexts).
  void TraceAsked(const std::vector<uint64_t>& tokens);
  void TraceIndexKnown(const std::vector<uint64_t>& tokens, raft::Index index);
  void TraceServed(uint64_t token);
  void Fail(uint64_t token, const Status& error);  // env_.fail, forgetting a traced read's context

  Env env_;
  const int64_t timeout_ms_;
  const int64_t hold_ms_;
  std::vector<uint64_t> batch_;                               // asked this iteration
  std::deque<Held> held_;                                     // waiting for a reachable leader
  std::map<std::string, Batch> waiting_;                      // ReadIndex context -> barriers
  std::multimap<raft::Index, std::vector<uint64_t>> ready_at_;  // read index -> barriers
  uint64_t next_ctx_ = 1;
};

}  // namespace redraft::cluster
