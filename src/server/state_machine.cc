#include "server/state_machine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/command.h"
#include "commands/scripting_cache.h"
#include "commands/scripting_cmds.h"
#include "commands/transactions.h"
#include "commands/write_entry.h"
#include "common/status.h"
#include "observability/batch_clock.h"
#include "server/tracking_batch.h"
#include "store/db_view.h"

namespace redraft::server {

namespace {

}  // namespace

// Commits the store batch of entries up to `index`. A full disk (RocksDB stops writes after a
// flush failed for lack of space) is waited out: the batch is retried with backoff, and the store
// asked to resume, until it goes through (the entries are committed: they must be applied, in
// order, before anything else). Any other failure means the store cannot take the effects of a
// committed entry: continuing would diverge.
void StateMachine::CheckApplied(uint64_t index, const std::function<Status()>& commit) {
  Status st = commit();
  if (st.ok()) return;
  int backoff_ms = 20;
  int64_t waited_ms = 0;
  while (st.IsNoSpace()) {
    if (disk_.Set(DiskHealth::kStore, "No space left on device (store)")) {
      spdlog::error("store: cannot apply entry {}: {}; writes are refused, retrying until space is available",
                    index, st.ToString());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    waited_ms += backoff_ms;
    backoff_ms = std::min(backoff_ms * 2, 1000);
    (void)store_->Resume();
    st = commit();
  }
  if (st.ok()) {
    if (disk_.Clear(DiskHealth::kStore)) spdlog::warn("store: space is back, entry {} applied after {} ms", index, waited_ms);
    return;
  }
  REDRAFT_PANIC("applying entry " + std::to_string(index) + ": " + st.ToString());
}

StateMachine::StateMachine(store::Store* store) : store_(store), acl_(&commands::AclCommandSet()) { ReloadAcl(); }

void StateMachine::ReloadAcl() { acl_.Replace(commands::LoadAclUsers(*store_)); }

void StateMachine::StateReplaced() {
  ReloadAcl();
  commands::ForgetApplyHints();
  scripts_.Clear();  // the scripts and functions came with the state (scripting_cache.h)
  // Client-side caching: any key may have changed, unseen by the recorder: as a flush (every
  // tracking client of this node gets the null invalidation).
  if (changes_active_ && changes_active_()) changed_(std::vector<std::string>{std::string()});
}

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
  // The answers to this group share one reading taken after it is applied (no clock is read here,
  // nor does the state depend on it: this only marks a batch boundary for metrics).
  observability::Batch().Invalidate();
  std::unique_ptr<store::Store::Batch> batch;
  std::unique_ptr<commands::TxnBatch> txn;  // over batch: stamps changed keys for WATCH
  commands::LogCommand cmd;
  std::vector<std::string> touched;  // for SetKeyObserver
  std::string qualified;
  // Keyspace notifications: a sink only while some class is selected (else ~zero cost).
  std::optional<commands::NotifySink> sink;
  if (notify_flags_ && *notify_flags_ && key_events_) sink.emplace(commands::NotifySink{*notify_flags_, {}});
  // Client-side caching: a recorder under each batch while some client tracks keys.
  std::vector<commands::ScriptMessage> published;  // by write scripts: delivered after the commit
  std::vector<commands::AccessNote> access_notes;   // RESTORE IDLETIME/FREQ: after the commit
  std::optional<KeyChangeRecorder> recorder;
  if (changes_active_ && changes_active_()) recorder.emplace();
  // One past the last entry of the group that may be a script (scripting_cmds.h MayBeScript):
  // a batch created before it remembers its written keys. Found once per group.
  size_t scripts_end = entries.size();
  while (scripts_end > 0 && !commands::MayBeScript(entries[scripts_end - 1].data)) scripts_end--;
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
    // Checked again where it executes (docs/acl.md): against the entry's user in the ACL state
    // at this log position (users are reloaded right after each ACL change below), the same on
    // every replica, so a denial is the same reply and no change everywhere.
    std::shared_ptr<const acl::User> user;
    if (!cmd.user.empty()) {
      user = acl_.Find(cmd.user);
      if (!user) {
        reply_for(i)->Error("NOPERM User " + cmd.user + " does not exist any more");
        continue;
      }
      if (user->unrestricted()) {
        user.reset();
      } else if ((*spec)->apply != &commands::ApplyExec) {  // EXEC judges its commands one by one
        acl::CheckResult r = commands::AclCheckEntry(*user, **spec, cmd.argv);
        if (r.denial != acl::Denial::kNone) {
          reply_for(i)->Error(commands::AclEntryDenialError(r, **spec, cmd.argv));
          continue;
        }
      }
    }
    // A transaction starts a fresh batch (its reads run over the committed store plus its own
    // writes: commands::TxnBatch::TrackWrites): the entries before it are committed first.
    if (batch && (*spec)->apply == &commands::ApplyExec) {
      txn->WriteStamps();
      CheckApplied(e.index - 1, [&] { return store_->Commit(batch.get(), e.index - 1); });
      txn.reset();
      batch.reset();
    }
    store_->NoteLogTime(cmd.now_ms);
    // An ACL change gets a batch of its own: a FLUSHALL in the same batch would otherwise drop
    // it with the batch's other changes (Batch::DeleteAll), though users are not data.
    // Script cache changes and scripts likewise (scripting_cmds.h NeedsOwnBatch).
    bool own_batch = commands::IsAclWrite(**spec) || commands::NeedsOwnBatch(**spec, cmd.argv);
    if (own_batch && batch) {
      txn->WriteStamps();
      CheckApplied(e.index - 1, [&] { return store_->Commit(batch.get(), e.index - 1); });
      txn.reset();
      batch.reset();
    }
    if (!batch) {
      batch = store_->NewBatch();
      store::Store::Batch* under = batch.get();
      if (recorder) {
        recorder->Wrap(batch.get());
        under = &*recorder;
      }
      txn = std::make_unique<commands::TxnBatch>(store_, under);
      // A script's reads see the whole batch (its KEYS/SCAN too): the batch remembers the keys
      // written from its start when the rest of the group holds a script (scripting_cmds.h).
      if (i < scripts_end) txn->TrackWrites();
    }
    txn->BeginEntry(e.index);
    // The entry's database: the command sees user keys through its view (store/db_view.h), over
    // the TxnBatch (which stamps stored keys for WATCH).
    std::optional<store::DbBatch> view;
    if (cmd.db != commands::kStoredKeys) view.emplace(*txn, cmd.db);
    store::Store::Batch& target = view ? static_cast<store::Store::Batch&>(*view) : *txn;
    commands::ApplyContext ctx{target, cmd.now_ms, *reply_for(i), e.index};
    ctx.user = user.get();
    ctx.notify = sink ? &*sink : nullptr;
    ctx.acl = &acl_;
    ctx.acl_log = &acl_.log();
    ctx.published = &published;
    ctx.scripts = &scripts_;
    ctx.access_notes = access_notes_ ? &access_notes : nullptr;
    (*spec)->apply(ctx, cmd.argv);
    scripts_.AfterApply(**spec);
    if (watching_ && cmd.db != commands::kStoredKeys) {
      auto note = [&](int db, const std::string& arg) {
        qualified.assign(1, static_cast<char>(db));
        qualified.append(arg);
        if (watching_(qualified)) touched.push_back(qualified);
      };
      auto moves_keys = [](std::string_view name) {  // into another database
        return commands::EqualsIgnoreCase(name, "swapdb") || commands::EqualsIgnoreCase(name, "move") ||
               commands::EqualsIgnoreCase(name, "copy") ||
               commands::EqualsIgnoreCase(name, "redraft.eval");  // a script may touch any key
      };
      bool all = false;
      if ((*spec)->apply == &commands::ApplyExec) {  // a transaction: its commands' arguments
        commands::ForEachExecCommand(cmd.argv, cmd.db, [&](int db, const commands::Argv& argv) {
          all |= moves_keys(argv[0]);
          for (size_t a = 1; a < argv.size(); a++) note(db, argv[a]);
        });
      } else {
        for (size_t a = 1; a < cmd.argv.size(); a++) note(cmd.db, cmd.argv[a]);
        all = moves_keys((*spec)->name) || commands::TouchesAnyKey(**spec);
      }
      if (all) touched.emplace_back(kAllKeysTouched);
    }
    if (own_batch) {
      txn->WriteStamps();
      CheckApplied(e.index, [&] { return store_->Commit(batch.get(), e.index); });
      txn.reset();
      batch.reset();
      // Reloaded right away, not after the whole group: the next entry's user (and a script's
      // commands) are judged by this change on every replica, however entries were grouped here.
      if (commands::IsAclWrite(**spec)) {
        if (commands::IsAclLoad(**spec, cmd.argv)) acl_.NoteLoad();
        ReloadAcl();
      }
    }
  }
  uint64_t last = entries.back().index;
  if (store_->applied_index() < last) {
    if (txn) txn->WriteStamps();
    CheckApplied(last, [&] { return batch ? store_->Commit(batch.get(), last) : store_->SetAppliedIndex(last); });
  }
  if (!touched.empty()) touched_(std::move(touched));
  if (sink && !sink->events.empty()) key_events_(std::move(sink->events));
  if (recorder && !recorder->changes.empty()) changed_(std::move(recorder->changes));
  if (!published.empty() && published_) published_(std::move(published));
  if (!access_notes.empty() && access_notes_) access_notes_(std::move(access_notes));
}

}  // namespace redraft::server
