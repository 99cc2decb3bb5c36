#include "server/state_machine.h"

#include "commands/command.h"
#include "common/status.h"

namespace redraft::server {

void StateMachine::Apply(uint64_t index, std::string_view data, resp::ReplyBuilder* reply) {
  commands::LogCommand cmd;
  const commands::CommandSpec* spec = nullptr;
  if (!data.empty()) {
    // Entries were validated before they were proposed; one that does not decode means the
    // log is corrupt, and applying around it would make replicas diverge.
    if (!commands::DecodeLogCommand(data, &cmd) || cmd.argv.empty()) {
      REDRAFT_PANIC("undecodable log entry at index " + std::to_string(index));
    }
    spec = commands::Lookup(cmd.argv[0]);
    if (!spec || !spec->apply) REDRAFT_PANIC("log entry " + std::to_string(index) + " names no write command: " + cmd.argv[0]);
  }
  Status st;
  if (!spec) {
    st = store_->SetAppliedIndex(index);
  } else {
    auto batch = store_->NewBatch();
    commands::ApplyContext ctx{*batch, cmd.now_ms, *reply};
    spec->apply(ctx, cmd.argv);
    st = store_->Commit(batch.get(), index);
  }
  // The store cannot take the effects of a committed entry: continuing would diverge.
  if (!st.ok()) REDRAFT_PANIC("applying entry " + std::to_string(index) + ": " + st.ToString());
}

}  // namespace redraft::server
