#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/registry.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "commands/scripting_cache.h"
#include "common/disk_health.h"
#include "common/status.h"
#include "raft/types.h"

#include "resp/reply_builder.h"
#include "store/store.h"

namespace redraft::server {

// Applies committed log entries to the store: decodes the LogCommand, runs the command's apply
// in one batch and commits it with the entry's index. Every entry is applied through a
// commands::TxnBatch, which records the entry's index as the last change of each key it changed
// (WATCH: docs/transactions.md). Deterministic, so every replica that
// applies the same entries reaches the same state. Used by the single-node log and by Raft.
// An entry that does not decode to an applicable write (commands::DecodeWriteEntry) gets that
// error as its reply, changes nothing but the applied index and logs one line: the same outcome
// on every replica. A store write that fails for lack of space is retried, with backoff, until
// space returns (disk() says so meanwhile; the event loop waits); any other store failure is fatal
// (PANIC): continuing would diverge.
class StateMachine {
 public:
  explicit StateMachine(store::Store* store);

  // Applies entry `index` (data may be empty: a no-op). The command's reply goes to *reply
  // (callers that do not need it pass a scratch builder). REQUIRES: index > applied_index().
  void Apply(uint64_t index, std::string_view data, resp::ReplyBuilder* reply);

  // Applies consecutive entries in one store batch committed once, with the last index: the
  // applied index moves atomically with all their effects, and the store is written once per
  // group instead of once per entry. reply_for(i) is where entry i's reply goes.
  // REQUIRES: entries[0].index == applied_index() + 1, indexes consecutive.
  void ApplyBatch(std::span<const raft::Entry> entries,
                  const std::function<resp::ReplyBuilder*(size_t)>& reply_for);

  // Whether `data` may be proposed: the leader's check of an entry a peer forwarded
  // (commands::ValidateWriteEntry). The error's message is the Redis error text for the client.
  static Status ValidateEntry(std::string_view data);

  uint64_t applied_index() const { return store_->applied_index(); }
  store::Store* store() { return store_; }
  // This node's disk faults (common/disk_health.h): the storage thread and the applier report
  // there, the server refuses new writes while any is set.
  DiskHealth& disk() { return disk_; }
  // The ACL users in the state (docs/acl.md), reloaded after an applied ACL change; call
  // ReloadAcl after replacing the whole state (a snapshot installed).
  acl::Registry& acl() { return acl_; }
  void ReloadAcl();
  // The whole state was replaced (a snapshot installed): reloads the ACL users and forgets the
  // apply paths' hints about the old state (commands::ForgetApplyHints).
  void StateReplaced();

  // Blocking operations (server/blocking.h): after each applied group, `touched` gets the
  // arguments of its writes (the keys among them) that `watching` accepts, each as
  // [logical db:1][argument] (the entry's database: store::QualifyKey). A write that can put a
  // key into another database (SWAPDB, MOVE, COPY) also reports kAllKeysTouched. Unset: no reports.
  static constexpr std::string_view kAllKeysTouched = "\xff";
  void SetKeyObserver(std::function<bool(std::string_view)> watching,
                      std::function<void(std::vector<std::string>&&)> touched) {
    watching_ = std::move(watching);
    touched_ = std::move(touched);
  }

 // Keyspace notifications (commands/notify.h): while *flags is non-zero, the events of each
  // applied group go to `events` once the group is committed, in apply order. Unset: none.
  void SetKeyEventSink(const uint32_t* flags, std::function<void(std::vector<commands::KeyEvent>&&)> events) {
    notify_flags_ = flags;
    key_events_ = std::move(events);
  }

  // Client-side caching (server/tracking.h): while active() says so at the start of a group, the
  // stored keys its entries wrote or deleted ([db][key]; "" for FLUSHALL/FLUSHDB), in apply order,
  // go to `changed` once the group is committed (server/tracking_batch.h records them). A
  // snapshot installed (StateReplaced) reports a flush: the recorder did not see its changes.
  // PUBLISH/SPUBLISH of the write scripts of each applied group, in apply order, go to
  // `published` once the group is committed (this node's subscribers; never the peers).
  // RESTORE's IDLETIME/FREQ notes of a group, after its commit (commands::AccessNote).
  void SetAccessNoteSink(std::function<void(std::vector<commands::AccessNote>&&)> sink) { access_notes_ = std::move(sink); }
  void SetScriptPublishSink(std::function<void(std::vector<commands::ScriptMessage>&&)> published) {
    published_ = std::move(published);
  }

  void SetChangeObserver(std::function<bool()> active, std::function<void(std::vector<std::string>&&)> changed) {
    changes_active_ = std::move(active);
    changed_ = std::move(changed);
  }

 private:
  // Commits (commit()) the effects of entries up to index, waiting out a full disk.
  void CheckApplied(uint64_t index, const std::function<Status()>& commit);

  store::Store* store_;
  DiskHealth disk_;
  acl::Registry acl_;
  commands::ScriptMirror scripts_;  // EVALSHA/FCALL without a store read (scripting_cache.h)
  std::function<bool(std::string_view)> watching_;
  std::function<void(std::vector<std::string>&&)> touched_;
  const uint32_t* notify_flags_ = nullptr;
  std::function<void(std::vector<commands::KeyEvent>&&)> key_events_;
  std::function<void(std::vector<commands::ScriptMessage>&&)> published_;
  std::function<void(std::vector<commands::AccessNote>&&)> access_notes_;
  std::function<bool()> changes_active_;
  std::function<void(std::vector<std::string>&&)> changed_;
};

}  // namespace redraft::server
