// The list encoding (docs/data_model.md, "Lists"; Kvrocks's layout), shared by the list
// commands (lists.cc): the metadata payload [size:8 LE][head:8 LE][tail:8 LE], elements at
// positions head..tail-1, each in the sub-key (key, version, position as 8 bytes big-endian).
// Invariant after every write: exactly one sub-key per position in [head, tail) under the live
// version, none outside it (or the key is deleted and its sub-keys are garbage).
// Apply-path helpers take the ApplyContext; scans take either the Store (read path) or the Batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/collection.h"
#include "commands/command.h"

namespace redraft::commands::list {

constexpr uint64_t kInitialPos = 1ull << 63;
constexpr uint64_t kChunk = 256;  // elements per scan when a range is read backwards or moved

// A list's shape: its elements are at positions [head, tail), size == tail - head.
struct ListMeta {
  uint64_t size = 0;
  uint64_t head = kInitialPos;
  uint64_t tail = kInitialPos;
};

// The list's shape from a list metadata record (a record just made by WriteCollectionOrCreate
// carries only its size and reads as an empty list at 2^63).
ListMeta GetMeta(const store::Value& v);

// The sub-key field of a position: 8 bytes big-endian, so field order is position order.
std::string PosField(uint64_t pos);
uint64_t FieldPos(std::string_view f);  // panics unless f is 8 bytes

// Stores the list's metadata record, or deletes the key when the list is empty.
void PutMeta(ApplyContext& ctx, std::string_view key, store::Value* v, const ListMeta& m);

// Visits the elements at positions [from, to) in order; fn(pos, value) returning false stops.
// Reader is the Store (read path) or the Batch (apply path). fn must not write to the batch.
// The scan stops at position to - 1 without stepping further: past the tail lie the tombstones
// of every element ever popped there, and stepping over them would make each RPOP O(pops so far).
template <class Reader, class Fn>
void ScanForward(Reader& r, std::string_view key, uint64_t version, uint64_t from, uint64_t to, Fn&& fn) {
  if (from >= to) return;
  Status s = r.ScanSub(key, version, PosField(from), [&](std::string_view field, std::string_view value) {
    uint64_t pos = FieldPos(field);
    return pos < to && fn(pos, value) && pos + 1 < to;
  });
  PanicOnStoreError(s);
}

// The elements at positions [from, to), in order.
template <class Reader>
std::vector<std::pair<uint64_t, std::string>> ReadRange(Reader& r, std::string_view key, uint64_t version,
                                                        uint64_t from, uint64_t to) {
  std::vector<std::pair<uint64_t, std::string>> out;
  out.reserve(to > from ? std::min<uint64_t>(to - from, 4096) : 0);
  ScanForward(r, key, version, from, to, [&](uint64_t pos, std::string_view value) {
    out.emplace_back(pos, value);
    return true;
  });
  if (out.size() != to - from) REDRAFT_PANIC("list sub-keys are missing");
  return out;
}

// Visits the elements at positions [from, to) from the last to the first, kChunk at a time
// (fn may write to the batch: each chunk is read before fn sees it).
template <class Reader, class Fn>
void ScanBackward(Reader& r, std::string_view key, uint64_t version, uint64_t from, uint64_t to, Fn&& fn) {
  uint64_t hi = to;
  while (hi > from) {
    uint64_t lo = hi - from > kChunk ? hi - kChunk : from;
    auto chunk = ReadRange(r, key, version, lo, hi);
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      if (!fn(it->first, it->second)) return;
    }
    hi = lo;
  }
}

// Copies the elements at [from, to) to their position + delta, in an order that never
// overwrites an element before it is read. The old positions are left for the caller.
void MoveRange(ApplyContext& ctx, std::string_view key, uint64_t version, uint64_t from, uint64_t to,
               int64_t delta);

void DeletePositions(ApplyContext& ctx, std::string_view key, uint64_t version, uint64_t from, uint64_t to);

// Removes n (<= size) elements from one end; returns them in pop order (Redis listTypePop:
// from the head for LEFT, from the tail for RIGHT). When n == size the sub-keys are left as
// garbage: REQUIRES that the caller then deletes the key (PutMeta with size 0).
std::vector<std::string> PopN(ApplyContext& ctx, std::string_view key, const store::Value& v, ListMeta* m, bool left,
                              uint64_t n);

// Pushes one element at the head (left) or the tail.
void Push(ApplyContext& ctx, std::string_view key, const store::Value& v, ListMeta* m, bool left, std::string_view value);

}  // namespace redraft::commands::list
