// Transactions (MULTI/EXEC/DISCARD/WATCH/UNWATCH): docs/transactions.md.
//
// One EXEC is one log entry, the internal write command redraft.exec, applied in one store batch
// with one applied index on every replica. Its log form (argv):
//
//   redraft.exec <watch index> <watch time ms> <n watched keys> <key>... <item>...
//
// watch index / time: the applied index (once a read barrier passed) and the cluster clock of the
// node the client sent its first WATCH to (both 0 and no keys when nothing is watched). Each item is one argument:
//   'C' + varint argc + argc length-prefixed strings   a queued data command (a write in its log
//                                                       form, or a read) run at apply time
//   'L' + reply bytes                                   a reply decided by the proposer: a
//                                                       command that failed its prepare (a runtime
//                                                       error in Redis) or a connection/server
//                                                       command run on the proposing node
//   'S' + varint db + reply bytes                       a SELECT run on the proposing node (its
//                                                       reply); the items after it run in
//                                                       logical database db
// The items before any 'S' run in the entry's database (LogCommand.db: the connection's when
// EXEC ran). A watched key is [logical db:1][user key] (the database WATCH ran in), mapped to
// its stored key at apply time.
// EXEC's reply is an array with one element per item, or a null array if a watched key changed.
//
// WATCH conflicts are decided at apply time from replicated state: TxnBatch records, in the same
// batch as every change, the log index of the last change of each key it touched (in a string's
// version field, a collection's record stamp, else -- a deleted key -- a store::kWatchVersion
// record) and of the last FLUSHALL/FLUSHDB.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "store/store.h"

namespace redraft::commands {

// A Store::Batch that forwards to the real batch and remembers which keys were changed, so the
// state machine can stamp them with the entry's index (WriteStamps) and reads inside a
// transaction can see the batch's changes (ReadView). The state machine applies every entry
// through one. Not thread-safe; lives for one batch (a group of entries).
class TxnBatch : public store::Store::Batch {
 public:
  TxnBatch(store::Store* store, store::Store::Batch* inner) : store_(store), inner_(inner) {}
  ~TxnBatch() override;

  Status Get(std::string_view key, int64_t now_ms, store::Value* out) override { return inner_->Get(key, now_ms, out); }
  Status GetRaw(std::string_view key, store::Value* out) override { return inner_->GetRaw(key, out); }
  void Put(std::string_view key, const store::Value& v) override;
  void Delete(std::string_view key) override;
  void DeleteAll() override;
  Status GetSub(std::string_view key, uint64_t version, std::string_view field, std::string* out) override {
    return inner_->GetSub(key, version, field, out);
  }
  void PutSub(std::string_view key, uint64_t version, std::string_view field, std::string_view value) override;
  void DeleteSub(std::string_view key, uint64_t version, std::string_view field) override;
  Status ScanSub(std::string_view key, uint64_t version, std::string_view start, const store::SubKeyFn& fn) override {
    return inner_->ScanSub(key, version, start, fn);
  }
  Status ScanSubBefore(std::string_view key, uint64_t version, std::string_view before,
                       const store::SubKeyFn& fn) override {
    return inner_->ScanSubBefore(key, version, before, fn);
  }
  // Databases: the batch sits under the per-database view (store::DbBatch over a TxnBatch), so
  // keys here are stored keys. SWAPDB and FLUSHDB count as a change of every watched key (as a
  // FLUSHALL: the flush stamp), which may abort a transaction that watched another database,
  // but never misses a conflict: after a SWAPDB a watched logical key names another stored key.
  uint8_t PhysicalDb(int db) override { return inner_->PhysicalDb(db); }
  void SwapDbs(int a, int b) override;
  void DeleteDb(int db) override;

  // The state machine calls BeginEntry before applying entry `index`, and WriteStamps before it
  // commits the batch. Every record Put carries the entry's index: a string in its (otherwise
  // unused) version field, a collection in its stamp (store::Value::stamp), so SET, XADD or LPUSH
  // cost no extra record. Changes the record does not carry (elements changed after the record
  // was last written, a delete) are noted in memory, and WriteStamps records each key's last one
  // once per batch: a collection's record is rewritten with the stamp, a deleted key gets a
  // stamp record; plus the index of the last DeleteAll/DeleteDb/SwapDbs.
  void BeginEntry(uint64_t index) { index_ = index; }
  void WriteStamps();
  // From now on, remember the keys Put or Deleted (written()) for ReadView's Scan and KeyCount.
  // REQUIRES: nothing was written through this batch yet (the state machine applies a
  // transaction at the start of a fresh batch).
  void TrackWrites();

  // The log index of key's last change as far as this batch and the store know (0 if none is
  // recorded: never changed, or longer ago than store::kWatchHorizon entries), and of the last
  // FLUSHALL/FLUSHDB.
  uint64_t LastChange(std::string_view key);
  uint64_t LastFlush();

  // A read-only Store over the state as of this batch's changes (the committed store plus the
  // batch): what read commands inside a transaction run against. Valid while this batch lives.
  store::Store& ReadView();

  store::Store* store() { return store_; }
  // Keys Put or Deleted since TrackWrites, sorted (for ReadView's Scan), and whether DeleteAll ran.
  const std::set<std::string>& written() const { return written_; }
  bool flushed() const { return flushed_; }
  // Whether physical database p was deleted (FLUSHDB) since TrackWrites.
  bool db_flushed(uint8_t p) const { return flushed_dbs_[p]; }

 private:
  enum class Touched { kRecord, kElements, kDeleted };
  void Touch(std::string_view key, Touched what);

  store::Store* store_;
  store::Store::Batch* inner_;
  uint64_t index_ = 0;                 // the entry being applied
  bool dirty_ = false;                 // something was written through this batch
  bool tracking_ = false;              // TrackWrites was called
  // What the batch changed, per stored key: the index of its last change, and the last index
  // its metadata record was written at (a string's version or a collection's stamp then carry
  // it; 0 after a Delete). WriteStamps records `changed` wherever `covered` falls short.
  struct Change {
    uint64_t changed = 0;
    uint64_t covered = 0;
  };
  std::unordered_map<std::string, Change> stamps_;
  store::Value stamped_;  // Put's copy of a record it stamps
  uint64_t flush_index_ = 0;                          // the last DeleteAll, not yet written
  std::set<std::string> written_;
  bool flushed_ = false;
  std::bitset<256> flushed_dbs_;  // physical databases deleted by DeleteDb
  std::unique_ptr<store::Store> view_;
};

// Server-side helpers for the connection's MULTI state.

// Commands executed at once even inside MULTI (never queued): EXEC, DISCARD, MULTI, WATCH, QUIT.
bool IsTransactionControl(const CommandSpec& spec);
// Commands Redis 7.0 refuses inside MULTI ("no-multi"): "ERR Command not allowed inside a
// transaction", and the transaction is flagged (EXEC answers EXECABORT).
bool IsNoMulti(const CommandSpec& spec);
// A data read: runs against the store (or, inside EXEC, the transaction's view).
inline bool IsDataRead(const CommandSpec& spec) { return (spec.flags & kReadonly) && !spec.is_write(); }

// Builds redraft.exec's argv from the queued commands. Writes are prepared here (relative expiry
// made absolute at now_ms; a prepare error becomes that item's error reply, as Redis answers a
// syntax error inside EXEC); data reads are carried as they are; any other command is run by
// run_local (on the proposing node, in queue order) and its reply bytes carried.
// REQUIRES: every queued argv names a known command with the right arity.
struct ExecPlan {
  Argv argv;              // redraft.exec's argv
  bool has_write = false; // false: no item changes state
};
struct WatchState {
  bool active = false;
  uint64_t index = 0;
  int64_t time_ms = 0;
  std::vector<std::string> keys;
};
// db: the connection's database when EXEC runs (the entry's LogCommand.db); a queued SELECT is
// run by run_local and becomes an 'S' item. watch.keys are qualified ([db:1][key]).
// refuse (if set) is asked first for every queued command: a non-empty reply (an error) becomes
// its item instead (the ACL re-check at EXEC: the user may have lost the right since it queued).
ExecPlan BuildExec(const std::vector<Argv>& queued, const WatchState& watch, int64_t now_ms, int db,
                   const std::function<std::string(const CommandSpec&, const Argv&)>& run_local,
                   const std::function<std::string(const CommandSpec&, const Argv&)>& refuse = nullptr);

// Runs a read-only plan (no write item, nothing watched) against the store now, appending EXEC's
// reply. Used on the event loop after one read barrier.
// base: the store with stored keys; db: the connection's database when EXEC ran (each command
// item runs through a store::DbStore of the database selected at that point).
void RunReadOnlyExec(const Argv& exec_argv, store::Store& base, int db, ExecContext& ctx);

// Every command item of a redraft.exec argv, in order, with the database it runs in (db: the
// entry's, then as 'S' items select): the keys its writes may touch are among the arguments (the
// state machine reports them to blocked clients). Malformed items are skipped.
void ForEachExecCommand(const Argv& exec_argv, int db, const std::function<void(int db, const Argv& argv)>& fn);

// redraft.exec (registered in server_cmds.cc).
bool PrepareExec(PrepareContext& ctx, Argv& argv);
void ApplyExec(ApplyContext& ctx, const Argv& argv);
// MULTI/EXEC/DISCARD/WATCH/UNWATCH are carried out by the server (connection state); their
// table rows exist for COMMAND and arity. Never called.
void TransactionCommandStub(ExecContext& ctx, const Argv& argv);

}  // namespace redraft::commands
