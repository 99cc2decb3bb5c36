// maxmemory and eviction (docs/memory.md): the per-node access table (LRU clock and LFU counter
// of each key clients used) and the leader's evictor, which samples keys like Redis's
// evictionPoolPopulate and proposes their deletion through the log (redraft.evict), so every
// replica deletes the same keys at the same index.
//
// Invariants:
//   - Access information is hint, not state: it is never in the log or the store, it may differ
//     between nodes, and losing it (restart, leader change) only makes eviction choices worse,
//     never unsafe. What is deleted is decided by the log entry alone.
//   - Only the leader proposes evictions (as only it runs active expiry). A follower sends the
//     keys its clients used to the leader in "hint" batches (Replicator::SendAccessHints), so
//     reads served by followers count.
//   - The evictor keeps the dataset's logical size (store::Store::DatasetBytes) near maxmemory:
//     it proposes enough deletions to cover the excess, minus what its entries still in flight
//     will free, so a write burst does not make it propose the same excess twice. The excess
//     counts the writes proposed and not yet applied (their estimated growth): their evictions
//     go into the log before them or in the same batch, so the dataset does not run past the
//     limit by what is in flight (a write burst through any node).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace redraft::server {

enum class EvictionPolicy {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
EvictionPolicy ParseEvictionPolicy(std::string_view name);  // a name CONFIG accepted
inline bool IsLfu(EvictionPolicy p) { return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu; }
inline bool IsVolatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

struct EvictionParams {
  int64_t maxmemory = 0;
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes
};

// Redis's LFU counter (Morris counter, lfu-log-factor) with its decay (lfu-decay-time).
constexpr uint8_t kLfuInitVal = 5;
uint8_t LfuLogIncr(uint8_t counter, int log_factor, double r);  // r uniform in [0, 1)
uint8_t LfuDecayed(uint8_t counter, int64_t last_decr_min, int64_t now_min, int decay_time);

// The keys clients used, as stored keys ([physical db][key]), with a directory that samples a
// random key in O(1). Bounded: past its capacity new keys are not added (eviction then samples
// among the keys it has; the background sweep re-adds keys after deletions make room).
class AccessTable {
 public:
  struct Info {
    int64_t last_access_ms = 0;  // 0 = never seen used (a key added by the sweep)
    int64_t lfu_decr_min = 0;    // when the LFU counter was last decayed, in minutes
    uint8_t lfu = kLfuInitVal;
  };

  void set_capacity(size_t n) { capacity_ = n; }
  size_t size() const { return keys_.size(); }
  // A client used key at now_ms (Redis's updateLFU / LRU clock update).
  void Touch(std::string_view key, int64_t now_ms, const EvictionParams& p, std::mt19937_64& rng);
  // Sets key's access info (RESTORE IDLETIME/FREQ), adding it if there is room.
  void Set(std::string_view key, const Info& info);
  // Adds key as never used, if unknown (the sweep over the store).
  void AddCold(std::string_view key);
  // nullptr if unknown.
  const Info* Find(std::string_view key) const;
  void Erase(std::string_view key);
  void Clear();
  // A uniformly random known key (REQUIRES: size() > 0).
  const std::string& Random(std::mt19937_64& rng) const;

 private:
  struct Slot {
    Info info;
    size_t index;  // in keys_
  };
  size_t capacity_ = size_t{1} << 16;
  std::unordered_map<std::string, Slot> map_;
  std::vector<const std::string*> keys_;  // map_'s keys (node-stable pointers), for Random
};

// The leader's side: decides which keys to evict and proposes them.
class Evictor {
 public:
  struct Hooks {
    // Proposes a log entry under a fresh token (reported back through OnApplied); 0 if not
    // proposed.
    std::function<uint64_t(std::string entry)> propose;
  };
  Evictor(store::Store* store, AccessTable* access, Hooks hooks) : store_(store), access_(access), hooks_(std::move(hooks)) {}

  // Proposes deletions while the logical size plus `growth` (what writes proposed and not yet
  // applied may add: Replicator::ProposedGrowth), less what proposed evictions will free, exceeds
  // maxmemory: up to kMaxEntriesPerRun entries. now_ms: the cluster's clock (TTLs, idle times).
  // Call on the leader only.
  void Run(const EvictionParams& p, int64_t now_ms, uint64_t growth = 0);
  // True when Run would propose something now (a cheap check for the proposal path).
  bool Behind(const EvictionParams& p, uint64_t growth) const {
    return p.maxmemory > 0 && p.policy != EvictionPolicy::kNoEviction &&
           store_->DatasetBytes() + growth > static_cast<uint64_t>(p.maxmemory) + pending_bytes_;
  }
  // True when the last Run found nothing it may evict (an empty store, or a volatile policy and
  // no key with a TTL among the samples): writes must then get OOM.
  bool stuck() const { return stuck_; }
  // Adds up to n store keys unknown to the access table (as never used), continuing a sweep.
  void Sweep(size_t n);
  uint64_t proposed_keys() const { return proposed_keys_; }
  // The entry proposed under token was applied (or failed): what it frees is in DatasetBytes now.
  // False if token is not one of ours.
  bool OnApplied(uint64_t token);
  // Not the leader any more: entries in flight may never apply.
  void ForgetPending() {
    pending_.clear();
    pending_bytes_ = 0;
  }

 private:
  struct Candidate {
    std::string key;
    uint64_t version;
    uint64_t charge;
    double score;   // larger = better to evict
    bool checked;   // version and charge were read from the store
  };
  // One redraft.evict entry of up to 64 keys; false when no more is needed or possible now.
  bool RunOnce(const EvictionParams& p, int64_t now_ms, uint64_t growth);
  bool Sample(const EvictionParams& p, int64_t now_ms, std::vector<Candidate>* pool);
  void ScanVolatile(const EvictionParams& p, std::vector<Candidate>* pool);

  store::Store* store_;
  AccessTable* access_;
  Hooks hooks_;
  std::mt19937_64 rng_{std::random_device{}()};
  bool stuck_ = false;
  int64_t stuck_ms_ = 0;  // when Run last found nothing to evict
  std::string volatile_cursor_;  // where ScanVolatile resumes
  uint64_t pending_bytes_ = 0;                      // freed by proposed entries not yet applied
  std::unordered_map<uint64_t, uint64_t> pending_;  // their tokens -> bytes
  std::string sweep_cursor_;
  uint64_t proposed_keys_ = 0;
};

// What a write entry (commands::EncodeLogCommand) may add to the dataset's logical size if
// applied: the charge of its keys as if new, plus its values' bytes (strings) or one
// kElementChargeBytes per argument (collections); 0 for entries that do not grow it (not denyoom,
// the server's own). Read on the leader's proposal path (eviction_growth.cc); an estimate only.
uint64_t EstimateEntryGrowth(std::string_view entry);

// "hint" batches: [varint key length][key] repeated (stored keys).
void AppendHint(std::string* batch, std::string_view key);
// Calls fn per key; false if the batch is malformed (what was decoded before stays delivered).
bool DecodeHints(std::string_view batch, const std::function<void(std::string_view key)>& fn);

}  // namespace redraft::server
