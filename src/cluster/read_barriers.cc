#include "cluster/read_barriers.h"

#include "cluster/clock.h"
#include "cluster/errors.h"
#include "observability/tracing.h"

namespace redraft::cluster {

ReadBarriers::ReadBarriers(Env env, int64_t timeout_ms, int64_t hold_ms)
    : env_(std::move(env)), timeout_ms_(timeout_ms), hold_ms_(hold_ms) {}

// Elections take a few hundred milliseconds; rather than fail every read meanwhile, hold it
// (bounded in count and time) and ask once a leader is reachable. Nothing held was asked, so a
// barrier that times out here gets CLUSTERDOWN.
void ReadBarriers::Hold(uint64_t token) {
  constexpr size_t kMaxHeld = 100000;
  if (held_.size() >= kMaxHeld) {
    Fail(token, NoLeaderError());
    return;
  }
  held_.push_back(Held{token, SteadyNowMs() + hold_ms_});
}

void ReadBarriers::ReleaseHeld() {
  for (Held& h : held_) batch_.push_back(h.token);
  held_.clear();
}

void ReadBarriers::Flush() {
  if (batch_.empty()) return;
  // Contexts must be unique across the group: followers forward theirs to the leader.
  std::string ctx = std::to_string(env_.self_id()) + ":" + std::to_string(next_ctx_++);
  std::vector<uint64_t> tokens = std::move(batch_);
  batch_.clear();
  if (!env_.leader_reachable()) {
    for (uint64_t t : tokens) Hold(t);
    return;
  }
  Status st = env_.read_index(ctx);
  if (!st.ok()) {
    for (uint64_t t : tokens) Fail(t, NoLeaderError());
    return;
  }
  if (observability::Tracing().reads_active()) TraceAsked(tokens);
  waiting_[ctx] = Batch{std::move(tokens), SteadyNowMs() + timeout_ms_};
}

// Traced reads (docs/observability.md "Traces"): `raft.read_index` runs from the ReadIndex
// request of the read's batch (to the leader, from a follower) to the read index arriving, and
// `raft.apply_wait` from there to the local apply reaching it (then the server's `read` span
// serves it). Only while a traced read is in flight (Tracer::reads_active).
void ReadBarriers::TraceAsked(const std::vector<uint64_t>& tokens) {
  int64_t now = observability::WallMicros();
  for (uint64_t t : tokens) {
    if (auto* r = observability::Tracing().FindRead(t)) r->asked_us = now;
  }
}

void ReadBarriers::TraceIndexKnown(const std::vector<uint64_t>& tokens, raft::Index index) {
  int64_t now = observability::WallMicros();
  for (uint64_t t : tokens) {
    auto* r = observability::Tracing().FindRead(t);
    if (!r || !r->asked_us) continue;
    r->index_us = now;
    r->index = index;
    observability::Tracing().RecordChild(r->ctx, "raft.read_index", r->asked_us, now,
                                         {{"raft.read_index", std::to_string(index)}});
  }
}

void ReadBarriers::TraceServed(uint64_t token) {
  auto* r = observability::Tracing().FindRead(token);
  if (!r) return;
  if (r->index_us) {
    observability::Tracing().RecordChild(r->ctx, "raft.apply_wait", r->index_us, observability::WallMicros(),
                                         {{"raft.read_index", std::to_string(r->index)}});
  }
  observability::Tracing().EraseRead(token);  // here, not only by the server: its client may be gone
}

void ReadBarriers::Fail(uint64_t token, const Status& error) {
  if (observability::Tracing().reads_active()) observability::Tracing().EraseRead(token);
  env_.fail(token, error);
}

void ReadBarriers::OnReadStates(std::vector<raft::ReadState>& states) {
  for (raft::ReadState& rs : states) {
    auto it = waiting_.find(rs.context);
    if (it == waiting_.end()) continue;
    if (observability::Tracing().reads_active()) TraceIndexKnown(it->second.tokens, rs.index);
    ready_at_.emplace(rs.index, std::move(it->second.tokens));
    waiting_.erase(it);
  }
  Serve();
}

void ReadBarriers::Serve() {
  uint64_t applied = env_.applied_index();
  while (!ready_at_.empty() && ready_at_.begin()->first <= applied) {
    std::vector<uint64_t> tokens = std::move(ready_at_.begin()->second);
    ready_at_.erase(ready_at_.begin());
    bool traced = observability::Tracing().reads_active();
    for (uint64_t t : tokens) {
      if (traced) TraceServed(t);
      env_.ready(t);
    }
  }
}

void ReadBarriers::OnLeaderChanged() {
  for (auto& [ctx, batch] : waiting_) {
    for (uint64_t t : batch.tokens) Hold(t);
  }
  waiting_.clear();
}

void ReadBarriers::Sweep(int64_t now) {
  while (!held_.empty() && held_.front().deadline_ms <= now) {
    Fail(held_.front().token, NoLeaderError());
    held_.pop_front();
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    for (uint64_t t : it->second.tokens) Fail(t, ReadTimeoutError());
    it = waiting_.erase(it);
  }
}

void ReadBarriers::FailWaiting(const Status& error) {
  for (auto& [ctx, batch] : waiting_) {
    for (uint64_t t : batch.tokens) Fail(t, error);
  }
  waiting_.clear();
}

}  // namespace redraft::cluster
