#include "cluster/read_barriers.h"

#include "cluster/clock.h"
#include "cluster/errors.h"

namespace redraft::cluster {

ReadBarriers::ReadBarriers(Env env, int64_t timeout_ms, int64_t hold_ms)
    : env_(std::move(env)), timeout_ms_(timeout_ms), hold_ms_(hold_ms) {}

// Elections take a few hundred milliseconds; rather than fail every read meanwhile, hold it
// (bounded in count and time) and ask once a leader is reachable. Nothing held was asked, so a
// barrier that times out here gets CLUSTERDOWN.
void ReadBarriers::Hold(uint64_t token) {
  constexpr size_t kMaxHeld = 100000;
  if (held_.size() >= kMaxHeld) {
    env_.fail(token, NoLeaderError());
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
    for (uint64_t t : tokens) env_.fail(t, NoLeaderError());
    return;
  }
  waiting_[ctx] = Batch{std::move(tokens), SteadyNowMs() + timeout_ms_};
}

void ReadBarriers::OnReadStates(std::vector<raft::ReadState>& states) {
  for (raft::ReadState& rs : states) {
    auto it = waiting_.find(rs.context);
    if (it == waiting_.end()) continue;
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
    for (uint64_t t : tokens) env_.ready(t);
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
    env_.fail(held_.front().token, NoLeaderError());
    held_.pop_front();
  }
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second.deadline_ms > now) {
      ++it;
      continue;
    }
    for (uint64_t t : it->second.tokens) env_.fail(t, ReadTimeoutError());
    it = waiting_.erase(it);
  }
}

void ReadBarriers::FailWaiting(const Status& error) {
  for (auto& [ctx, batch] : waiting_) {
    for (uint64_t t : batch.tokens) env_.fail(t, error);
  }
  waiting_.clear();
}

}  // namespace redraft::cluster
