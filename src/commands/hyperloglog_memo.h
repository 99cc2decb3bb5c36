// PFCOUNT's process-local memo of computed cardinalities (docs/bitmaps_hll.md).
//
// Redis answers a repeated PFCOUNT in O(1) from the count it stores in the HLL's header; redraft
// never writes on a read, so without this it recomputed the estimate (16384 registers) on every
// PFCOUNT of an HLL whose header cache is invalid. The memo keeps, per (database, key), the HLL's
// exact bytes and the count computed from them; a lookup hits only when the value's bytes are
// equal to the remembered ones. The count is a pure function of the bytes, so a hit can never be
// stale, whatever wrote the key since (PFADD, SET, SWAPDB, a snapshot install) and on any node:
// nothing needs invalidating. Bounded: cleared when it holds kMaxEntries or kMaxBytes.
// Thread-safe (a mutex: reads also run at apply time, inside EXEC and redraft.read).
#pragma once

#include <cstdint>
#include <string_view>

namespace redraft::commands::hll_memo {

constexpr size_t kMaxEntries = 1024;
constexpr size_t kMaxBytes = 32u << 20;

// The remembered count of `key` in database `db` if its bytes were exactly `hll`.
bool Find(int db, std::string_view key, std::string_view hll, uint64_t* card);
// Remembers card as the count of `hll`, the value of `key` in database `db`.
void Remember(int db, std::string_view key, std::string_view hll, uint64_t card);

}  // namespace redraft::commands::hll_memo
