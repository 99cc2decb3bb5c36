#include "server/eviction.h"

#include <algorithm>
#include <cmath>

#include "commands/command.h"
#include "common/coding.h"

namespace redraft::server {

namespace {
constexpr size_t kPoolSize = 16;           // Redis's EVPOOL_SIZE
constexpr size_t kMaxKeysPerEntry = 64;    // one redraft.evict entry
constexpr size_t kMaxDeadPerRun = 4096;    // dead table entries one entry's search may drop (one lookup each)
constexpr int kMaxEntriesPerRun = 16;      // redraft.evict entries one Run may propose
}  // namespace

EvictionPolicy ParseEvictionPolicy(std::string_view n) {
  if (n == "allkeys-lru") return EvictionPolicy::kAllKeysLru;
  if (n == "allkeys-lfu") return EvictionPolicy::kAllKeysLfu;
  if (n == "allkeys-random") return EvictionPolicy::kAllKeysRandom;
  if (n == "volatile-lru") return EvictionPolicy::kVolatileLru;
  if (n == "volatile-lfu") return EvictionPolicy::kVolatileLfu;
  if (n == "volatile-random") return EvictionPolicy::kVolatileRandom;
  if (n == "volatile-ttl") return EvictionPolicy::kVolatileTtl;
  return EvictionPolicy::kNoEviction;
}

// Redis's LFULogIncr: the counter grows with probability 1 / ((counter - init) * factor + 1).
uint8_t LfuLogIncr(uint8_t counter, int log_factor, double r) {
  if (counter == 255) return 255;
  double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
  double p = 1.0 / (base * log_factor + 1);
  return r < p ? counter + 1 : counter;
}

// Redis's LFUDecrAndReturn: one decrement per lfu-decay-time minutes elapsed.
uint8_t LfuDecayed(uint8_t counter, int64_t last_decr_min, int64_t now_min, int decay_time) {
  if (decay_time <= 0 || now_min <= last_decr_min) return counter;
  int64_t periods = (now_min - last_decr_min) / decay_time;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

// --- AccessTable ---

void AccessTable::Touch(std::string_view key, int64_t now_ms, const EvictionParams& p, std::mt19937_64& rng) {
  auto it = map_.find(std::string(key));
  if (it == map_.end()) {
    if (map_.size() >= capacity_) {
      if (p.maxmemory > 0) return;  // eviction samples the keys it has (the sweep refills)
      Clear();                      // only OBJECT IDLETIME/FREQ use it: start over
    }
    it = map_.emplace(std::string(key), Slot{Info{}, keys_.size()}).first;
    keys_.push_back(&it->first);
    it->second.info.lfu_decr_min = now_ms / 60000;
  }
  Info& i = it->second.info;
  const int64_t now_min = now_ms / 60000;
  uint8_t c = LfuDecayed(i.lfu, i.lfu_decr_min, now_min, p.lfu_decay_time);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  i.lfu = LfuLogIncr(c, p.lfu_log_factor, u(rng));
  i.lfu_decr_min = now_min;
  i.last_access_ms = now_ms;
}

void AccessTable::Set(std::string_view key, const Info& info) {
  auto it = map_.find(std::string(key));
  if (it == map_.end()) {
    if (map_.size() >= capacity_) return;
    it = map_.emplace(std::string(key), Slot{Info{}, keys_.size()}).first;
    keys_.push_back(&it->first);
  }
  it->second.info = info;
}

void AccessTable::AddCold(std::string_view key) {
  if (map_.size() >= capacity_) return;
  auto [it, added] = map_.emplace(std::string(key), Slot{Info{}, keys_.size()});
  if (added) keys_.push_back(&it->first);
}

const AccessTable::Info* AccessTable::Find(std::string_view key) const {
  auto it = map_.find(std::string(key));
  return it == map_.end() ? nullptr : &it->second.info;
}

void AccessTable::Erase(std::string_view key) {
  auto it = map_.find(std::string(key));
  if (it == map_.end()) return;
  // Swap-remove from the directory: the last key takes the erased one's place.
  const size_t i = it->second.index;
  const std::string* last = keys_.back();
  keys_[i] = last;
  map_.find(*last)->second.index = i;
  keys_.pop_back();
  map_.erase(it);
}

void AccessTable::Clear() {
  map_.clear();
  keys_.clear();
}

const std::string& AccessTable::Random(std::mt19937_64& rng) const { return *keys_[rng() % keys_.size()]; }

// --- Evictor ---

// Candidates from the access table's random keys. For the pooled policies, adds
// maxmemory-samples keys to the pool, as Redis's evictionPoolPopulate does. Only the volatile
// policies read each sample's record (they need its TTL); the allkeys ones score from the table
// alone and Run checks just the candidate it takes (the table may name deleted keys).
bool Evictor::Sample(const EvictionParams& p, int64_t now_ms, std::vector<Candidate>* pool) {
  if (access_->size() == 0) Sweep(1000);
  if (access_->size() == 0) return false;
  const bool volatile_only = IsVolatile(p.policy);
  const bool random = p.policy == EvictionPolicy::kAllKeysRandom || p.policy == EvictionPolicy::kVolatileRandom;
  // A random policy takes the first usable key of up to 16 draws (the table may name deleted
  // keys, and under volatile-random keys without a TTL); the others fill the pool.
  const int draws = random ? 16 : p.samples;
  for (int d = 0; d < draws && access_->size() > 0; d++) {
    std::string key = access_->Random(rng_);
    if (std::any_of(pool->begin(), pool->end(), [&](const Candidate& c) { return c.key == key; })) continue;
    store::Value v;
    bool checked = false;
    if (volatile_only) {
      // now_ms 0: the record as stored, expired or not (an expired key still takes space).
      if (!store_->Get(key, 0, &v).ok()) {
        access_->Erase(key);
        continue;
      }
      if (v.expire_ms == 0) continue;
      checked = true;
    }
    const AccessTable::Info* info = access_->Find(key);
    double score = 0;
    if (IsLfu(p.policy)) {
      uint8_t f = info ? LfuDecayed(info->lfu, info->lfu_decr_min, now_ms / 60000, p.lfu_decay_time) : 0;
      if (info && info->last_access_ms == 0) f = 0;  // never used since this node knew it
      score = 255.0 - f;
    } else if (p.policy == EvictionPolicy::kVolatileTtl) {
      score = -static_cast<double>(v.expire_ms);
    } else if (!random) {
      score = static_cast<double>(now_ms - (info ? info->last_access_ms : 0));
    }
    pool->push_back(Candidate{key, v.version, checked ? store::KeyCharge(key.size(), v) : 0, score, checked});
    if (random) break;
  }
  if (pool->empty() && volatile_only) ScanVolatile(p, pool);
  std::sort(pool->begin(), pool->end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (pool->size() > kPoolSize) pool->resize(kPoolSize);
  return !pool->empty();
}

// The table's random keys may all lack a TTL when few keys have one: a volatile policy then looks
// for keys with a TTL along the store (up to kSweepScan keys from where the last look stopped),
// as Redis samples its expires dict. Candidates found so get the policy's score from the table.
void Evictor::ScanVolatile(const EvictionParams& p, std::vector<Candidate>* pool) {
  constexpr size_t kSweepScan = 1000;
  size_t seen = 0;
  std::string last;
  (void)store_->Scan(volatile_cursor_, [&](std::string_view key, const store::Value& v) {
    if (seen++ >= kSweepScan || pool->size() >= kPoolSize) return false;
    last.assign(key);
    if (v.expire_ms == 0) return true;
    const AccessTable::Info* info = access_->Find(key);
    double score = p.policy == EvictionPolicy::kVolatileTtl ? -static_cast<double>(v.expire_ms)
                   : IsLfu(p.policy) ? 255.0 - (info ? info->lfu : 0)
                   : -static_cast<double>(info ? info->last_access_ms : 0);
    pool->push_back(Candidate{std::string(key), v.version, store::KeyCharge(key.size(), v), score, true});
    return true;
  });
  volatile_cursor_ = seen > 0 && !last.empty() && (seen > kSweepScan || pool->size() >= kPoolSize) ? last + '\0'
                                                                                                   : std::string();
}

void Evictor::Run(const EvictionParams& p, int64_t now_ms, uint64_t growth) {
  if (p.maxmemory <= 0 || p.policy == EvictionPolicy::kNoEviction) {
    stuck_ = false;
    return;
  }
  // Nothing was evictable a moment ago: do not search again for every write of a burst.
  if (stuck_ && now_ms - stuck_ms_ < 10) return;
  stuck_ = false;
  // A burst through followers arrives as forwarded batches: several entries per run keep up with
  // it, a bounded number keeps one run short.
  for (int i = 0; i < kMaxEntriesPerRun && RunOnce(p, now_ms, growth); i++) {
  }
}

bool Evictor::RunOnce(const EvictionParams& p, int64_t now_ms, uint64_t growth) {
  const uint64_t used = store_->DatasetBytes() + growth;
  const uint64_t limit = static_cast<uint64_t>(p.maxmemory) + pending_bytes_;
  if (used <= limit) return false;
  // Down to 0.5 % under the limit (at most 64 keys per entry): a steady stream of writes over
  // the limit then costs one eviction entry per many writes, not one per write.
  const uint64_t excess = used - limit + static_cast<uint64_t>(p.maxmemory) / 200;
  commands::Argv argv{"redraft.evict"};
  std::vector<Candidate> pool;
  uint64_t freed = 0;
  size_t tries = 0, misses = 0, dead = 0;
  // Dead candidates (keys deleted since the table learned of them) are dropped as they come and
  // do not count as tries: a table full of them (after a FLUSHALL) is cleaned, not "stuck".
  while (freed < excess && argv.size() < 1 + 2 * kMaxKeysPerEntry && tries++ < 4 * kMaxKeysPerEntry &&
         dead < kMaxDeadPerRun) {
    if (!Sample(p, now_ms, &pool)) {
      if (++misses >= 8) break;  // nothing evictable among 8 rounds of samples: stuck
      continue;
    }
    misses = 0;
    Candidate c = std::move(pool.front());
    pool.erase(pool.begin());
    if (!c.checked) {
      store::Value v;
      if (!store_->Get(c.key, 0, &v).ok()) {  // deleted since the table learned of it
        access_->Erase(c.key);
        dead++;
        tries--;
        continue;
      }
      c.version = v.version;
      c.charge = store::KeyCharge(c.key.size(), v);
    }
    argv.push_back(c.key);
    argv.push_back(std::to_string(c.version));
    freed += c.charge;
    access_->Erase(c.key);  // not chosen again; its deletion is on its way
  }
  if (argv.size() == 1) {
    if (dead > 0) return false;  // cleaned the table; the next run finds live keys
    stuck_ = true;
    stuck_ms_ = now_ms;
    return false;
  }
  proposed_keys_ += (argv.size() - 1) / 2;
  commands::LogCommand lc{now_ms, std::move(argv)};
  lc.db = commands::kStoredKeys;  // stored keys of every database
  const uint64_t token = hooks_.propose(commands::EncodeLogCommand(lc));
  if (token == 0) return false;
  pending_bytes_ += freed;
  pending_[token] = freed;
  return true;
}

bool Evictor::OnApplied(uint64_t token) {
  if (pending_.empty()) return false;
  auto it = pending_.find(token);
  if (it == pending_.end()) return false;
  pending_bytes_ -= std::min(pending_bytes_, it->second);
  pending_.erase(it);
  return true;
}

void Evictor::Sweep(size_t n) {
  size_t seen = 0;
  std::string last;
  (void)store_->Scan(sweep_cursor_, [&](std::string_view key, const store::Value&) {
    if (seen++ >= n) return false;
    last.assign(key);
    access_->AddCold(key);
    return true;
  });
  sweep_cursor_ = seen > n ? last + '\0' : std::string();
}

// --- hints ---

void AppendHint(std::string* batch, std::string_view key) {
  PutVarint64(batch, key.size());
  batch->append(key);
}

bool DecodeHints(std::string_view batch, const std::function<void(std::string_view key)>& fn) {
  while (!batch.empty()) {
    uint64_t n = 0;
    if (!GetVarint64(&batch, &n) || n > batch.size()) return false;
    fn(batch.substr(0, n));
    batch.remove_prefix(n);
  }
  return true;
}

}  // namespace redraft::server
