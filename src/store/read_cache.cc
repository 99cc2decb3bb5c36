#include "store/read_cache.h"

#include <cstring>
#include <functional>
#include <new>
#include <utility>

#include "common/coding.h"

namespace redraft::store {

// ---------------------------------------------------------------------------------------------
// Entries

uint64_t ReadCache::Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

ReadCache::Entry* ReadCache::NewEntry(std::string_view key, ValueType type, int64_t expire_ms, uint64_t version,
                                      uint64_t stamp, std::string_view payload) {
  void* mem = ::operator new(sizeof(Entry) + key.size() + payload.size());
  auto* e = new (mem) Entry{expire_ms, version, stamp, static_cast<uint32_t>(key.size()),
                            static_cast<uint32_t>(payload.size()), type};
  char* p = reinterpret_cast<char*>(e + 1);
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  if (!payload.empty()) std::memcpy(p + key.size(), payload.data(), payload.size());
  return e;
}

void ReadCache::FreeEntry(Entry* e) {
  e->~Entry();
  ::operator delete(e);
}

// ---------------------------------------------------------------------------------------------
// Table

ReadCache::Table::Table(Table&& o) noexcept : slots(std::move(o.slots)), size(o.size), bytes(o.bytes) {
  o.slots.clear();
  o.size = o.bytes = 0;
}

ReadCache::Table& ReadCache::Table::operator=(Table&& o) noexcept {
  if (this != &o) {
    Clear();
    slots = std::move(o.slots);
    size = o.size;
    bytes = o.bytes;
    o.slots.clear();
    o.size = o.bytes = 0;
  }
  return *this;
}

ptrdiff_t ReadCache::Table::Find(uint64_t hash, std::string_view key) const {
  if (slots.empty()) return -1;
  size_t mask = slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (!s.entry) return -1;
    if (s.hash == hash && s.entry->key_len == key.size() &&
        std::memcmp(s.entry->key(), key.data(), key.size()) == 0) {
      return static_cast<ptrdiff_t>(i);
    }
  }
}

void ReadCache::Table::Insert(uint64_t hash, Entry* e) {
  if ((size + 1) * 2 > slots.size()) {  // keep at most half full: short probes
    std::vector<Slot> old = std::move(slots);
    slots.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    size_t mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (!s.entry) continue;
      size_t i = s.hash & mask;
      while (slots[i].entry) i = (i + 1) & mask;
      slots[i] = s;
    }
  }
  size_t mask = slots.size() - 1;
  size_t i = hash & mask;
  while (slots[i].entry) i = (i + 1) & mask;
  slots[i] = Slot{hash, e};
  size++;
  bytes += e->charge();
}

ReadCache::Entry* ReadCache::Table::Remove(size_t i) {
  Entry* e = slots[i].entry;
  size--;
  bytes -= e->charge();
  // Backward-shift deletion: move later members of the probe run into the hole when their home
  // slot does not lie cyclically in (hole, j].
  size_t mask = slots.size() - 1;
  size_t hole = i;
  for (size_t j = (i + 1) & mask; slots[j].entry; j = (j + 1) & mask) {
    size_t home = slots[j].hash & mask;
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    slots[hole] = slots[j];
    hole = j;
  }
  slots[hole] = Slot{};
  return e;
}

void ReadCache::Table::Clear() {
  for (Slot& s : slots) {
    if (s.entry) FreeEntry(s.entry);
  }
  slots.clear();
  slots.shrink_to_fit();
  size = bytes = 0;
}

// ---------------------------------------------------------------------------------------------
// ReadCache

ReadCache::~ReadCache() = default;

bool ReadCache::Lookup(std::string_view key, Value* out, Hint* hint) {
  uint64_t h = Hash(key);
  std::lock_guard<std::mutex> l(mu_);
  Entry* e = nullptr;
  if (ptrdiff_t i = young_.Find(h, key); i >= 0) {
    e = young_.slots[i].entry;
    if (hint) *hint = HintFor(e);
  } else if (ptrdiff_t j = old_.Find(h, key); j >= 0) {
    // Promote: a key read often outlives the rotation that drops the old generation.
    e = old_.Remove(static_cast<size_t>(j));
    epoch_++;
    if (!InsertYoung(h, e)) return false;  // (a budget too small for it: freed)
    if (hint) *hint = HintFor(e);
  } else {
    return false;
  }
  out->type = e->type;
  out->expire_ms = e->expire_ms;
  out->version = e->version;
  out->stamp = e->stamp;
  out->payload.assign(e->payload(), e->payload_len);
  return true;
}

bool ReadCache::Probe(std::string_view key, int64_t* expire_ms) {
  uint64_t charge = 0;
  return Probe(key, expire_ms, &charge);
}

bool ReadCache::Probe(std::string_view key, int64_t* expire_ms, uint64_t* charge, Hint* hint) {
  uint64_t h = Hash(key);
  std::lock_guard<std::mutex> l(mu_);
  const Entry* e = nullptr;
  if (ptrdiff_t i = young_.Find(h, key); i >= 0) {
    e = young_.slots[i].entry;
    if (hint) *hint = HintFor(e);
  } else if (ptrdiff_t j = old_.Find(h, key); j >= 0) {
    e = old_.slots[j].entry;
  } else {
    return false;
  }
  *expire_ms = e->expire_ms;
  const uint64_t n = IsCollection(e->type) && e->payload_len >= 8 ? DecodeFixed64(e->payload()) : 0;
  *charge = KeyCharge(e->key_len, e->type, e->payload_len, n);
  return true;
}

void ReadCache::Put(std::string_view key, const Value& v) {
  Put(key, v.type, v.expire_ms, v.version, v.stamp, v.payload);
}

void ReadCache::Put(std::string_view key, ValueType type, int64_t expire_ms, uint64_t version, uint64_t stamp,
                    std::string_view payload, const Hint& hint) {
  // A key lives in at most one generation. Overwritten in place when it is young and its
  // payload keeps its size (the common SET of a hot key): no allocation, one table probe, or
  // none with a valid hint.
  auto overwrite = [&](Entry* e) {
    e->type = type;
    e->expire_ms = expire_ms;
    e->version = version;
    e->stamp = stamp;
    if (!payload.empty()) std::memcpy(const_cast<char*>(e->payload()), payload.data(), payload.size());
  };
  std::lock_guard<std::mutex> l(mu_);
  if (hint.entry && hint.epoch == epoch_) {
    auto* e = static_cast<Entry*>(const_cast<void*>(hint.entry));
    if (e->payload_len == payload.size()) return overwrite(e);
  }
  uint64_t h = Hash(key);
  if (ptrdiff_t i = young_.Find(h, key); i >= 0) {
    Entry* e = young_.slots[i].entry;
    if (e->payload_len == payload.size()) return overwrite(e);
    FreeEntry(young_.Remove(static_cast<size_t>(i)));
    epoch_++;
  } else if (ptrdiff_t j = old_.Find(h, key); j >= 0) {
    FreeEntry(old_.Remove(static_cast<size_t>(j)));
    epoch_++;
  }
  if (payload.size() > kMaxPayload) return;
  InsertYoung(h, NewEntry(key, type, expire_ms, version, stamp, payload));
}

void ReadCache::Erase(std::string_view key) {
  uint64_t h = Hash(key);
  std::lock_guard<std::mutex> l(mu_);
  EraseLocked(h, key);
}

void ReadCache::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  young_.Clear();
  old_.Clear();
  epoch_++;
}

size_t ReadCache::bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return young_.bytes + old_.bytes;
}

size_t ReadCache::entries() const {
  std::lock_guard<std::mutex> l(mu_);
  return young_.size + old_.size;
}

bool ReadCache::InsertYoung(uint64_t hash, Entry* e) {
  if (young_.bytes + e->charge() > half_budget_) {
    old_ = std::move(young_);  // the old one is dropped
    epoch_++;
  }
  if (e->charge() > half_budget_) {  // a budget too small for even this entry
    FreeEntry(e);
    return false;
  }
  young_.Insert(hash, e);
  return true;
}

void ReadCache::EraseLocked(uint64_t hash, std::string_view key) {
  if (ptrdiff_t i = young_.Find(hash, key); i >= 0) {
    FreeEntry(young_.Remove(static_cast<size_t>(i)));
    epoch_++;
  }
  if (ptrdiff_t i = old_.Find(hash, key); i >= 0) {
    FreeEntry(old_.Remove(static_cast<size_t>(i)));
    epoch_++;
  }
}

}  // namespace redraft::store
