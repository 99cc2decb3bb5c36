// The per-thread cache of snapshotted Lua states (lua_internal.h: Slot, SlotLease).
//
// Keyed by what the state was built from ("E" + script body; "F" + limits + library code), at
// most kMaxSlots per thread, least recently used evicted. A state's image is kept only when small
// (kMaxImage): a huge script is built fresh for every run, as before.
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

constexpr size_t kMaxSlots = 32;
constexpr size_t kMaxImage = 512 << 10;  // worst case ~32 x (image + live state) per thread

struct Cache {
  std::unordered_map<std::string, std::unique_ptr<Slot>> slots;
  uint64_t clock = 0;

  void MakeRoom() {
    while (slots.size() >= kMaxSlots) {
      auto victim = slots.end();
      for (auto it = slots.begin(); it != slots.end(); ++it) {
        if (!it->second->in_use && (victim == slots.end() || it->second->last_use < victim->second->last_use)) victim = it;
      }
      if (victim == slots.end()) return;
      slots.erase(victim);
    }
  }
};

Cache& ThreadCache() {
  thread_local Cache cache;
  return cache;
}

}  // namespace

Slot::~Slot() {
  // A state at its snapshot holds nothing outside its arena: dropping the arena frees it all.
  if (L && (!cached || vm.needs_close)) {
    vm.opts.limits.max_memory = UINT64_MAX;  // closing may allocate (__gc calls): never refuse it
    lua_close(L);
  }
}

SlotLease::SlotLease(const std::string& key, SlotBuilder build, const void* arg) {
  Cache& cache = ThreadCache();
  auto it = cache.slots.find(key);
  if (it != cache.slots.end() && !it->second->in_use) {
    slot_ = it->second.get();
  } else {
    auto s = std::make_unique<Slot>();
    s->vm.opts.limits.max_memory = kBuildMaxMemory;
    if (!build(*s, arg, &error_)) return;  // s (and its state) dropped
    s->mem_used = s->vm.mem_used;
    s->resp = s->vm.resp;
    if (it == cache.slots.end() && s->mem_used <= kMaxImage && !s->vm.needs_close) {
      s->vm.arena.Snapshot();
      s->cached = true;
      cache.MakeRoom();
      slot_ = s.get();
      cache.slots.emplace(key, std::move(s));
    } else {
      slot_ = owned_ = s.release();
    }
  }
  slot_->in_use = true;
  slot_->last_use = ++cache.clock;
}

SlotLease::~SlotLease() {
  if (!slot_) return;
  if (owned_) {
    delete owned_;
    return;
  }
  Slot& s = *slot_;
  if (s.vm.needs_close) {  // runs cjson's __gc (its malloc'd buffers)
    s.vm.opts.limits.max_memory = UINT64_MAX;  // closing may allocate: never refuse it
    lua_close(s.L);
  }
  s.vm.arena.Restore();
  VmState& vm = s.vm;
  vm.host = nullptr;
  vm.mem_used = s.mem_used;
  vm.resp = s.resp;
  vm.steps = 0;
  vm.charged = 0;
  vm.budget_hit = false;
  vm.out_of_memory = false;
  vm.registering = nullptr;
  vm.needs_close = false;
  s.in_use = false;
}

}  // namespace redraft::scripting
