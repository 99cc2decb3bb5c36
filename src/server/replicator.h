#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace redraft::server {

// The write path's seam: a log of deterministic entries that becomes durable and replicated
// before each entry is applied, in index order. The implementation is cluster/RaftReplicator (a
// node with nothing configured is a one-voter Raft group); server/ only knows this interface.
class Replicator {
 public:
  // Called on the event-loop thread for every entry once it is durable and applied; token is
  // what Propose got (0 for entries this node did not propose, or replayed at start), reply
  // holds the command's reply bytes in the protocol the proposer asked for.
  using AppliedFn = std::function<void(uint64_t token, std::string&& reply)>;
  // Called on the event-loop thread when a read barrier passed: the state machine now reflects
  // every write acknowledged before ReadBarrier was called (linearizable). A barrier that fails
  // (no quorum) is reported through AppliedFn with the error reply instead.
  using ReadReadyFn = std::function<void(uint64_t token)>;

  virtual ~Replicator() = default;
  // Recovers the log and replays entries the state machine has not applied.
  virtual Status Start() = 0;
  // Appends an entry; `proto` is the RESP version its reply must be encoded in.
  virtual void Propose(std::string data, uint64_t token, int proto) = 0;
  // Asks for a linearizable read point; answered through ReadReadyFn (possibly before returning).
  virtual void ReadBarrier(uint64_t token) = 0;
  // Called once per event-loop iteration: hands what was proposed in it to storage (group commit).
  virtual void Flush() = 0;
  // Blocks until everything proposed is durable and applied, then stops. Event-loop thread.
  virtual void Stop() = 0;
  // True on the node whose proposals go straight into the log (the Raft leader). Only it runs
  // active expiry, so deletions of expired keys are decided by one clock.
  virtual bool is_leader() const = 0;
  virtual uint64_t last_index() const = 0;
  virtual uint64_t durable_index() const = 0;
  // The cluster's time in ms (docs/time.md): the wall clock, but never behind the newest entry
  // time this node has seen plus the (monotonic) time elapsed since it saw it. The leader stamps
  // entries with it; reads judge expiry with it.
  virtual int64_t ClusterTimeMs() const = 0;
  // WAIT: the number of followers whose log is known to hold the entry at index (README, WAIT).
  virtual int FollowersHolding(uint64_t /*index*/) const { return 0; }

  // Pub/Sub across nodes (docs/pubsub.md): not through the log. BroadcastPubsub queues a batch
  // of publishes (server/pubsub.h format) to every peer, best effort (a peer that is down or
  // whose queue is full misses it); batches from one node reach each peer in the order sent.
  // The receiver gets every batch a peer sent, on the event-loop thread.
  using PubsubReceiveFn = std::function<void(std::string_view batch)>;
  virtual void BroadcastPubsub(std::string /*batch*/) {}
  virtual void SetPubsubReceiver(PubsubReceiveFn /*fn*/) {}

  // Eviction's access hints (docs/memory.md): the keys clients used on a follower, sent to the
  // leader (which decides evictions) as a "hint" frame, best effort, not through the log. The
  // receiver gets every batch a peer sent, on the event-loop thread.
  using HintsReceiveFn = std::function<void(std::string_view batch)>;
  virtual void SendAccessHints(std::string /*batch*/) {}
  virtual void SetAccessHintsReceiver(HintsReceiveFn /*fn*/) {}

  // Eviction ahead of the writes (docs/memory.md). `growth` estimates what an entry may add to
  // the dataset; the leader keeps the sum over the entries it queued or proposed (its clients'
  // and those followers forwarded) until they are applied: ProposedGrowth. `make_room` is called
  // on the leader before each batch of proposals goes to the log; the evictions it proposes join
  // that batch, so writes that passed no OOM gate here (forwarded ones) get theirs at once.
  struct EvictionHooks {
    std::function<uint64_t(std::string_view entry)> growth;
    std::function<void()> make_room;
  };
  virtual void SetEvictionHooks(EvictionHooks /*hooks*/) {}
  virtual uint64_t ProposedGrowth() const { return 0; }
};

}  // namespace redraft::server
