#include "server/state_machine.h"

#include <spdlog/spdlog.h>

#include "commands/command.h"
#include "commands/write_entry.h"
#include "common/status.h"

namespace redraft::server {

namespace {

void CheckApplied(uint64_t index, const Status& st) {
  // The store cannot take the effects of a committed entry: continuing would diverge.
  if (!st.ok()) REDRAFT_PANIC("applying entry " + std::to_string(index) + ": " + st.ToString());
}

}  // namespace

Status StateMachine::ValidateEntry(std::string_view data) { return commands::ValidateWriteEntry(data); }

void StateMachine::Apply(uint64_t index, std::string_view data, resp::ReplyBuilder* reply) {
  raft::Entry e;
  e.index = index;
  e.data.assign(data);
  ApplyBatch(std::span<const raft::Entry>(&e, 1), [reply](size_t) { return reply; });
}

void StateMachine::ApplyBatch(std::span<const raft::Entry> entries,
                              const std::function<resp::ReplyBuilder*(size_t)>& reply_for) {
  if (entries.empty()) return;
  REDRAFT_CHECK(entries[0].index == store_->applied_index() + 1);
  std::unique_ptr<store::Store::Batch> batch;
  commands::LogCommand cmd;
  for (size_t i = 0; i < entries.size(); i++) {
    const raft::Entry& e = entries[i];
    REDRAFT_CHECK(e.index == entries[0].index + i);
    if (e.data.empty()) continue;  // a no-op: only the applied index moves
    auto spec = commands::DecodeWriteEntry(e.data, &cmd);
    if (!spec.ok()) {
      // Never proposed by a correct node (proposers validate), yet committed: an old log or a
      // forged entry. Every replica sees the same bytes, so answering with the same error and
      // changing nothing keeps them identical; stopping here would brick the cluster, since the
      // entry is replayed on every restart. Only the applied index moves.
      std::string why = spec.status().message().substr(0, 200);
      for (char& ch : why) ch = (ch == '\r' || ch == '\n') ? ' ' : ch;  // one log line
      spdlog::warn("log entry {} not applied: {}", e.index, why);
      reply_for(i)->Error(spec.status().message());
      continue;
    }
    store_->NoteLogTime(cmd.now_ms);
    if (!batch) batch = store_->NewBatch();
    commands::ApplyContext ctx{*batch, cmd.now_ms, *reply_for(i)};
    (*spec)->apply(ctx, cmd.argv);
  }
  uint64_t last = entries.back().index;
  CheckApplied(last, batch ? store_->Commit(batch.get(), last) : store_->SetAppliedIndex(last));
}

}  // namespace redraft::server
