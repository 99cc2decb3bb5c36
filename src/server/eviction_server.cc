// The server's side of maxmemory and eviction (docs/memory.md, eviction.h): recording the keys
// clients use, the OOM gate, the leader's evictor run from the cron and from the write path, and
// followers' access hints.
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "commands/args.h"
#include "commands/command.h"
#include "commands/command_info.h"
#include "commands/denyoom.h"
#include "commands/write_entry.h"
#include "server/server.h"

namespace redraft::server {

namespace {
// RESTORE with IDLETIME or FREQ: the access is recorded at apply (OnRestoredAccess), not here.
bool RestoreSetsAccess(const commands::CommandSpec& spec, const commands::Argv& argv) {
  if (spec.name != "restore") return false;
  for (size_t j = 4; j < argv.size(); j++) {
    if (commands::EqualsIgnoreCase(argv[j], "idletime") || commands::EqualsIgnoreCase(argv[j], "freq")) return true;
  }
  return false;
}

constexpr size_t kHintBatchBytes = 64 << 10;  // a follower sends a batch once this big, or
constexpr uint64_t kHintIntervalMs = 10;      // once this old (FlushHintsIfDue)
constexpr size_t kSweepKeys = 1000;           // store keys per cron tick added to the access table
}  // namespace

EvictionParams Server::EvictionConfig() const {
  EvictionParams p;
  p.maxmemory = cfg_.maxmemory;
  p.policy = ParseEvictionPolicy(cfg_.maxmemory_policy);
  p.samples = cfg_.maxmemory_samples;
  p.lfu_log_factor = cfg_.lfu_log_factor;
  p.lfu_decay_time = cfg_.lfu_decay_time;
  return p;
}

bool Server::LfuPolicy() const { return IsLfu(ParseEvictionPolicy(cfg_.maxmemory_policy)); }

bool Server::KeyAccess(std::string_view stored_key, int64_t* idle_ms, int* lfu) {
  const AccessTable::Info* i = access_.Find(stored_key);
  if (!i) return false;
  const int64_t now = LogClockMs();
  *idle_ms = i->last_access_ms ? std::max<int64_t>(0, now - i->last_access_ms) : 0;
  *lfu = LfuDecayed(i->lfu, i->lfu_decr_min, now / 60000, cfg_.lfu_decay_time);
  return true;
}

// The keys of a command a client sent to this node (its key range as the table declares it:
// first_key..last_key by key_step), as stored keys. On a follower they also go to the leader.
void Server::NoteAccess(const commands::CommandSpec& spec, const commands::Argv& argv, int db) {
  const int argc = static_cast<int>(argv.size());
  int last = spec.last_key < 0 ? argc + spec.last_key : std::min(spec.last_key, argc - 1);
  const int step = spec.key_step > 0 ? spec.key_step : 1;
  if (spec.first_key >= argc) return;
  if (RestoreSetsAccess(spec, argv)) return;  // its apply sets the key's access info everywhere
  const EvictionParams p = EvictionConfig();
  access_.set_capacity(size_t{1} << 24);
  const bool leader = log_->is_leader();
  const int64_t now = LogClockMs();
  const uint8_t physical = store_->PhysicalDb(db);
  std::string stored;
  for (int i = spec.first_key; i <= last; i += step) {
    stored.assign(1, static_cast<char>(physical));
    stored.append(argv[i]);
    access_.Touch(stored, now, p, access_rng_);
    if (!leader) AppendHint(&hints_batch_, stored);
  }
  if (hints_batch_.size() >= kHintBatchBytes) {
    log_->SendAccessHints(std::move(hints_batch_));
    hints_batch_.clear();
  }
}

// Redis's processCommand: with the dataset over maxmemory, commands flagged denyoom (and, inside
// MULTI, any command but EXEC/DISCARD/QUIT/RESET) get -OOM when no eviction can make room: always
// under noeviction, and under the other policies when the leader's evictor found nothing to
// evict (followers leave that to the leader). Decided here, at the gate, on the node the client
// talks to, from its applied state; never at apply (maxmemory is a per-node setting, so an apply
// rule could diverge). On the leader the evictor runs first, as Redis's performEvictions does.
bool Server::RefuseOom(Connection* c, const commands::CommandSpec& spec) {
  bool reject = commands::IsDenyOom(spec);
  const bool exec = c->in_multi && spec.name == "exec";
  if (c->in_multi && !exec && spec.name != "discard" && spec.name != "quit" && spec.name != "reset") {
    reject = true;
  }
  // EXEC is denyoom when a queued command is (Redis's mstate.cmd_flags).
  if (exec && !c->multi_error) {
    for (const commands::Argv& q : c->queued) {
      const commands::CommandSpec* named = commands::LookupArgv(q);
      if (named && commands::IsDenyOom(*named)) reject = true;
    }
    if (c->multi_script_denyoom) reject = true;  // a queued script's flags (commands::QueuedScriptDenyOom)
  }
  if (!reject || !OutOfMemory()) return false;
  if (exec) {  // Redis's execCommandAbort: the transaction is discarded
    EndTransaction(c);
    Reply(c, "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n");
    return true;
  }
  FlagTransaction(c);
  Reply(c, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  return true;
}

bool Server::OutOfMemory() {
  const EvictionParams p = EvictionConfig();
  const uint64_t used = store_->DatasetBytes();
  const bool leader = log_->is_leader();
  // The leader counts what its writes in flight will add (eviction ahead of the writes).
  const uint64_t growth = leader ? log_->ProposedGrowth() : 0;
  if (used + growth <= static_cast<uint64_t>(p.maxmemory)) return false;
  bool can_evict = p.policy != EvictionPolicy::kNoEviction;
  if (can_evict && leader) {
    Evictor* e = EnsureEvictor();
    e->Run(p, LogClockMs(), growth);
    can_evict = !e->stuck();
  }
  // -OOM is decided on the applied dataset alone, as Redis decides on its used memory: writes in
  // flight make the leader evict earlier, never refuse earlier.
  if (used <= static_cast<uint64_t>(p.maxmemory)) return false;
  return !can_evict;
}

// Before the leader proposes a batch (Replicator::EvictionHooks::make_room): writes that reached
// it without passing this node's OOM gate (forwarded by followers) get their evictions into the
// same batch, instead of waiting for the cron tick.
void Server::EvictAhead() {
  if (!log_->is_leader() || sm_->disk().WritesRefused()) return;
  const EvictionParams p = EvictionConfig();
  const uint64_t growth = log_->ProposedGrowth();
  Evictor* e = EnsureEvictor();
  if (e->Behind(p, growth)) e->Run(p, LogClockMs(), growth);
}

// Made at first need, by whichever asks first: the OOM gate of the first write over the limit
// may come before the first cron tick (a burst sent right after CONFIG SET maxmemory on a node
// just started), and it must evict then, not a tick later (test_eviction_burst.py, single node).
Evictor* Server::EnsureEvictor() {
  if (!evictor_) {
    Evictor::Hooks h;
    h.propose = [this](std::string entry) -> uint64_t {
      if (sm_->disk().WritesRefused()) return 0;
      uint64_t token = next_token_++;  // answered to the evictor (OnApplied), not to a client
      log_->Propose(std::move(entry), token, 2);
      return token;
    };
    evictor_ = std::make_unique<Evictor>(store_.get(), &access_, std::move(h));
  }
  return evictor_.get();
}

void Server::EvictionCron() {
  EnsureEvictor();
  const EvictionParams p = EvictionConfig();
  if (p.maxmemory <= 0) return;
  if (!log_->is_leader()) {
    evictor_->ForgetPending();
    if (!hints_batch_.empty()) log_->SendAccessHints(std::move(hints_batch_));
    hints_batch_.clear();
    return;
  }
  if (sm_->disk().WritesRefused()) return;
  // Deleted keys linger in the table until sampled; when they outnumber the live ones (a FLUSHALL,
  // a snapshot install), start over from the store rather than sample mostly dead keys.
  if (access_.size() > 2 * store_->KeyCount() + 1000) access_.Clear();
  evictor_->Sweep(kSweepKeys);
  evictor_->Run(p, LogClockMs(), log_->ProposedGrowth());
}

// RESTORE ... IDLETIME s / FREQ f: Redis's objectSetLRUOrLFU at the entry's time, on every node
// (the entry is applied everywhere, so the leader's evictor sees it without a hint). IDLETIME
// counts under the LRU/other policies, FREQ under LFU ones, as in Redis; an option the policy
// ignores leaves a plain access. Only while maxmemory is set (the table's rule).
void Server::OnRestoredAccess(const std::vector<commands::AccessNote>& notes) {
  const EvictionParams p = EvictionConfig();
  if (p.maxmemory <= 0) return;
  access_.set_capacity(size_t{1} << 24);
  for (const commands::AccessNote& n : notes) {
    AccessTable::Info i;
    i.last_access_ms = n.now_ms;
    i.lfu_decr_min = n.now_ms / 60000;
    if (IsLfu(p.policy) && n.freq >= 0) {
      i.lfu = static_cast<uint8_t>(n.freq);
    } else if (!IsLfu(p.policy) && n.idle_s >= 0) {
      i.last_access_ms = std::max<int64_t>(1, n.now_ms - std::min<int64_t>(n.idle_s, INT64_MAX / 2000) * 1000);
    } else {
      access_.Touch(n.stored_key, n.now_ms, p, access_rng_);
      continue;
    }
    access_.Set(n.stored_key, i);
  }
}

// A follower's hints reach the leader within about kHintIntervalMs of the access (or at 64 KiB),
// not a cron tick later: with evictions made ahead of the writes, the newest keys the leader may
// evict are only a pipeline round old, and hot keys read only through a follower, last seen up to
// 100 ms before, lost to them (test_eviction.py's hot keys: 31-48 of 50 survived instead of 49-50).
// At most one "hint" frame per interval per follower, only while clients use keys through it.
void Server::FlushHintsIfDue() {
  const uint64_t now = uv_now(&loop_);
  if (now - hints_sent_ms_ < kHintIntervalMs) return;
  hints_sent_ms_ = now;
  log_->SendAccessHints(std::move(hints_batch_));
  hints_batch_.clear();
}

void Server::OnAccessHints(std::string_view batch) {
  const EvictionParams p = EvictionConfig();
  const int64_t now = LogClockMs();
  if (!DecodeHints(batch, [&](std::string_view key) { access_.Touch(key, now, p, access_rng_); })) {
    spdlog::warn("eviction: a malformed access hint batch from a peer was cut short");
  }
}

}  // namespace redraft::server
