#include "server/state_machine.h"

#include "commands/command.h"
#include "common/status.h"

namespace redraft::server {

namespace {

// Decodes a log entry's command. Entries were validated before they were proposed; one that does
// not decode means the log is corrupt, and applying around it would make replicas diverge.
const commands::CommandSpec* DecodeOrDie(uint64_t index, std::string_view data, commands::LogCommand* cmd) {
  if (!commands::DecodeLogCommand(data, cmd) || cmd->argv.empty()) {
    REDRAFT_PANIC("undecodable log entry at index " + std::to_string(index));
  }
  const commands::CommandSpec* spec = commands::Lookup(cmd->argv[0]);
  if (!spec || !spec->apply) {
    REDRAFT_PANIC("log entry " + std::to_string(index) + " names no write command: " + cmd->argv[0]);
  }
  return spec;
}

void CheckApplied(uint64_t index, const Status& st) {
  // The store cannot take the effects of a committed entry: continuing would diverge.
  if (!st.ok()) REDRAFT_PANIC("applying entry " + std::to_string(index) + ": " + st.ToString());
}

}  // namespace

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
    const commands::CommandSpec* spec = DecodeOrDie(e.index, e.data, &cmd);
    store_->NoteLogTime(cmd.now_ms);
    if (!batch) batch = store_->NewBatch();
    commands::ApplyContext ctx{*batch, cmd.now_ms, *reply_for(i)};
    spec->apply(ctx, cmd.argv);
  }
  uint64_t last = entries.back().index;
  CheckApplied(last, batch ? store_->Commit(batch.get(), last) : store_->SetAppliedIndex(last));
}

}  // namespace redraft::server
