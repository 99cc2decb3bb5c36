#include "server/replica_waits.h"

#include <string>

namespace redraft::server {

void ReplicaWaits::Init(uv_loop_t* loop, CountFn count, AliveFn alive) {
  loop_ = loop;
  count_ = std::move(count);
  alive_ = std::move(alive);
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

void ReplicaWaits::Add(uint64_t client_id, uint64_t index, int64_t numreplicas, uint64_t deadline_ms,
                       commands::ServerApi::DeferredReply done) {
  waiters_.push_back({client_id, index, numreplicas, deadline_ms, std::move(done)});
  if (!running_ && loop_ != nullptr) {
    running_ = true;
    uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<ReplicaWaits*>(t->data)->Tick(); }, kPollMs, kPollMs);
  }
}

void ReplicaWaits::Tick() {
  uint64_t now = uv_now(loop_);
  std::vector<Waiter> keep;
  std::vector<std::pair<commands::ServerApi::DeferredReply, int>> answer;
  for (auto& w : waiters_) {
    if (!alive_(w.client_id)) continue;  // the client went away: nobody to answer
    int n = count_(w.index);
    if (n >= w.numreplicas || (w.deadline_ms != 0 && now >= w.deadline_ms)) {
      answer.emplace_back(std::move(w.done), n);
    } else {
      keep.push_back(std::move(w));
    }
  }
  waiters_ = std::move(keep);
  if (waiters_.empty()) {
    uv_timer_stop(&timer_);
    running_ = false;
  }
  // Answered last: an answer may run the client's next commands, which may add a waiter.
  for (auto& [done, n] : answer) done(":" + std::to_string(n) + "\r\n");
}

}  // namespace redraft::server
