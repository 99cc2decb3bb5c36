#pragma once

// TokenMap: the server's proposals in flight, token -> client id, without an allocation per
// request (std::unordered_map allocated and freed a node for every write and read barrier).
//
// An open-addressing table (linear probing, backward-shift deletion, kept at most half full).
// Tokens are never 0 (the server counts them from 1), so 0 marks an empty slot. Tokens are
// consecutive, so the hash is a multiplicative mix (Fibonacci hashing) to spread neighbours.
// Grows by doubling; shrinks never (its size follows the peak number of requests in flight).

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace redraft::server {

class TokenMap {
 public:
  // Sets token's value (inserts it if absent). REQUIRES: token != 0.
  void Put(uint64_t token, uint64_t value) {
    REDRAFT_CHECK(token != 0);
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Home(token);
    while (slots_[i].token != 0 && slots_[i].token != token) i = (i + 1) & mask_;
    if (slots_[i].token == 0) size_++;
    slots_[i] = Slot{token, value};
  }
  // Removes token; true (and its value in *value) if it was there.
  bool Take(uint64_t token, uint64_t* value) {
    if (size_ == 0 || token == 0) return false;
    size_t i = Home(token);
    while (slots_[i].token != token) {
      if (slots_[i].token == 0) return false;
      i = (i + 1) & mask_;
    }
    *value = slots_[i].value;
    RemoveAt(i);
    return true;
  }
  void Erase(uint64_t token) {
    uint64_t ignored;
    Take(token, &ignored);
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t token = 0;  // 0: empty
    uint64_t value = 0;
  };
  size_t Home(uint64_t token) const { return static_cast<size_t>((token * 0x9E3779B97F4A7C15ull) >> shift_); }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    size_t n = old.empty() ? 64 : old.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64 - __builtin_ctzll(n);
    size_ = 0;
    for (const Slot& s : old) {
      if (s.token != 0) Put(s.token, s.value);
    }
  }
  // Backward-shift deletion: later entries of the probe run move up, so lookups never need
  // tombstones.
  void RemoveAt(size_t i) {
    size_--;
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j].token == 0) break;
      size_t home = Home(slots_[j].token);
      // slots_[j] may move to i only if its home is not in (i, j] (cyclically).
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{};
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 64;
};

}  // namespace redraft::server
