// WAIT's parked clients (README, WAIT): each waits until enough followers' logs hold its last
// write or its timeout passes, then gets the count. A timer on the event loop re-counts every
// few milliseconds while anyone waits; nothing blocks the loop.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "commands/server_api.h"

namespace redraft::server {

class ReplicaWaits {
 public:
  using CountFn = std::function<int(uint64_t index)>;
  using AliveFn = std::function<bool(uint64_t client_id)>;
  // The timer lives on loop; the loop's shutdown walk closes it with the other handles.
  void Init(uv_loop_t* loop, CountFn count, AliveFn alive);
  // deadline_ms: uv_now() time after which it answers anyway; 0 = never.
  void Add(uint64_t client_id, uint64_t index, int64_t numreplicas, uint64_t deadline_ms,
           commands::ServerApi::DeferredReply done);
  size_t size() const { return waiters_.size(); }

 private:
  static constexpr uint64_t kPollMs = 2;
  struct Waiter {
    uint64_t client_id, index;
    int64_t numreplicas;
    uint64_t deadline_ms;
    commands::ServerApi::DeferredReply done;
  };
  void Tick();

  uv_loop_t* loop_ = nullptr;
  uv_timer_t timer_{};
  bool running_ = false;
  CountFn count_;
  AliveFn alive_;
  std::vector<Waiter> waiters_;
};

}  // namespace redraft::server
