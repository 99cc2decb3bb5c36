#include "store/read_cache.h"

#include <utility>

namespace redraft::store {

bool ReadCache::Lookup(std::string_view key, Value* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (auto it = young_.find(key); it != young_.end()) {
    *out = it->second;
    return true;
  }
  auto it = old_.find(key);
  if (it == old_.end()) return false;
  *out = it->second;
  // Promote: a key read often outlives the rotation that drops the old generation.
  auto node = old_.extract(it);
  old_bytes_ -= Charge(node.key(), node.mapped());
  InsertYoung(std::move(node.key()), std::move(node.mapped()));
  return true;
}

void ReadCache::Put(std::string_view key, const Value& v) {
  std::lock_guard<std::mutex> l(mu_);
  EraseLocked(key);
  if (v.payload.size() > kMaxPayload) return;
  InsertYoung(std::string(key), v);
}

void ReadCache::Erase(std::string_view key) {
  std::lock_guard<std::mutex> l(mu_);
  EraseLocked(key);
}

void ReadCache::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  young_.clear();
  old_.clear();
  young_bytes_ = old_bytes_ = 0;
}

size_t ReadCache::bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return young_bytes_ + old_bytes_;
}

size_t ReadCache::entries() const {
  std::lock_guard<std::mutex> l(mu_);
  return young_.size() + old_.size();
}

void ReadCache::InsertYoung(std::string key, Value v) {
  size_t charge = Charge(key, v);
  if (young_bytes_ + charge > half_budget_) {
    old_ = std::move(young_);  // the old generation is dropped
    old_bytes_ = young_bytes_;
    young_ = Map();
    young_bytes_ = 0;
  }
  if (charge > half_budget_) return;  // a budget too small for even this entry
  young_bytes_ += charge;
  young_.insert_or_assign(std::move(key), std::move(v));
}

void ReadCache::EraseLocked(std::string_view key) {
  if (auto it = young_.find(key); it != young_.end()) {
    young_bytes_ -= Charge(it->first, it->second);
    young_.erase(it);
  }
  if (auto it = old_.find(key); it != old_.end()) {
    old_bytes_ -= Charge(it->first, it->second);
    old_.erase(it);
  }
}

}  // namespace redraft::store
