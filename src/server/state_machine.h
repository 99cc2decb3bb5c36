#pragma once

#include <string>
#include <string_view>

#include "resp/reply_builder.h"
#include "store/store.h"

namespace redraft::server {

// Applies committed log entries to the store: decodes the LogCommand, runs the command's apply
// in one batch and commits it with the entry's index. Deterministic, so every replica that
// applies the same entries reaches the same state. Used by the single-node log and by Raft.
class StateMachine {
 public:
  explicit StateMachine(store::Store* store) : store_(store) {}

  // Applies entry `index` (data may be empty: a no-op). The command's reply goes to *reply
  // (callers that do not need it pass a scratch builder). REQUIRES: index > applied_index().
  void Apply(uint64_t index, std::string_view data, resp::ReplyBuilder* reply);

  uint64_t applied_index() const { return store_->applied_index(); }
  store::Store* store() { return store_; }

 private:
  store::Store* store_;
};

}  // namespace redraft::server
