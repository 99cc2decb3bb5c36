// ReadyPipeline (raft_replicator_pipeline.h): the Readies between GetReady and Advance.
#include "cluster/raft_replicator_pipeline.h"

#include "common/status.h"
#include "raft/ready_order.h"

namespace redraft::cluster {

size_t ReadyPipeline::Take(const raft::Raft& core, raft::Index applied, raft::Ready rd,
                           std::vector<raft::Message> held, uint64_t submitted_us,
                           const std::function<void()>& submit,
                           const std::function<void(std::span<raft::Entry>)>& apply) {
  // "Already durable" is the core's stable index as of this GetReady (entries persisted by Readies
  // that were Advanced), never its last index: a follower's committed entries may arrive in this
  // very Ready, and must wait for its fsync.
  size_t early = raft::AppliableBeforePersist(rd, core.log().stable(), applied);
  inflight_.push_back(InFlight{std::move(rd), std::move(held), submitted_us, early});
  InFlight& queued = inflight_.back();  // a deque: stays valid across push_back (re-entry)
  submit();
  if (early) apply(std::span<raft::Entry>(queued.rd.committed_entries).first(early));
  return early;
}

ReadyPipeline::InFlight ReadyPipeline::PopDurable() {
  REDRAFT_CHECK(!inflight_.empty());
  InFlight f = std::move(inflight_.front());
  inflight_.pop_front();
  return f;
}

}  // namespace redraft::cluster
