// Shared by the collection families (hashes, lists, sets, sorted sets): finding a key's
// collection on the read path and on the apply path with Redis's lookup semantics (expired keys
// are missing; another type is WRONGTYPE), creating one with a fresh version, and storing its
// size (deleting the key when it becomes empty, as Redis deletes an empty collection).
#pragma once

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "commands/command.h"
#include "common/status.h"

namespace redraft::commands {

enum class Found { kYes, kNo, kFailed };  // kFailed: an error (WRONGTYPE) was replied

// A storage error other than NotFound is a broken invariant on this node (corruption, I/O):
// crash rather than answer wrongly, and never differently from the other replicas.
void PanicOnStoreError(const Status& s);

// Redis compares option names as C strings: an embedded NUL ends the name.
std::string_view CStrView(const std::string& s);

// Read path: the collection of `type` at key, live at ctx.now_ms.
Found ReadCollection(ExecContext& ctx, std::string_view key, store::ValueType type, store::Value* v);

// Apply path, like Redis lookupKeyWrite + checkType: an expired key is deleted in the batch and
// reported missing.
Found WriteCollection(ApplyContext& ctx, std::string_view key, store::ValueType type, store::Value* v);

// Like Redis's *TypeLookupWriteOrCreate: the collection at key, or a new empty one with a fresh
// version (not yet stored: the caller stores it with StoreSize). False: WRONGTYPE was replied.
bool WriteCollectionOrCreate(ApplyContext& ctx, std::string_view key, store::ValueType type, store::Value* v);

// Stores the metadata record with size, or deletes the key when size is 0.
void StoreSize(ApplyContext& ctx, std::string_view key, store::Value* v, uint64_t size);

// A *STORE command (SUNIONSTORE, ZUNIONSTORE, SORT ... STORE, ...) whose result is empty: Redis
// deletes the destination whatever it held (a "del" event only if it existed) and replies 0.
void StoreEmptyResult(ApplyContext& ctx, const std::string& dst);

// HSCAN, SSCAN and ZSCAN: KEY CURSOR [MATCH pattern] [COUNT count] (Redis scanGenericCommand:
// the cursor is parsed first, then the key is looked up, then the options). A family says how
// its elements are visited; paging, cursors (scan_cursor.h), MATCH and the reply are shared.
struct ElementScan {
  // Called for each element in cursor order: its name (what MATCH applies to and where the next
  // call resumes) and, for pairs, its value. Returns false to stop.
  using Emit = std::function<bool(std::string_view name, std::string_view value)>;

  store::ValueType type;
  char cursor_tag;            // keeps one family's cursors from resuming another's scan
  uint64_t whole_max;         // collections up to this size answer in one call with cursor 0
  bool whole_any_cursor;      // ... whatever the cursor (SSCAN: as Redis answers an intset)
  bool pairs;                 // the reply alternates name and value
  // Visits the elements of the live collection v from `start` (a name; empty = the first) in
  // name order; `whole` says the whole collection is asked for (a family may then use its own
  // order, as ZSCAN answers a small zset in score order).
  void (*visit)(ExecContext& ctx, std::string_view key, const store::Value& v, std::string_view start, bool whole,
                const Emit& emit);
};
void ScanElements(ExecContext& ctx, const Argv& argv, const ElementScan& how);

// HRANDFIELD key count [WITHVALUES] / ZRANDMEMBER key count [WITHSCORES]: Redis's parsing and
// range errors for the count and the option (named `with`). False: an error was replied.
struct RandomCount {
  uint64_t n = 0;
  bool repeat = false;  // a negative count: picks with repetition
  bool with = false;    // WITHVALUES / WITHSCORES given
};
bool ParseRandomCount(ExecContext& ctx, const Argv& argv, std::string_view with, RandomCount* out);

// A reply of n random picks with repetition whose elements average avg_bytes may not grow past
// kMaxRandomReplyBytes (Redis builds it whatever its size -- HRANDFIELD h -9223372036854775807
// runs it out of memory); false after replying "ERR value is out of range".
inline constexpr uint64_t kMaxRandomReplyBytes = 512ull << 20;
bool RandomReplyFits(ExecContext& ctx, uint64_t n, uint64_t avg_bytes);

// The read path's RNG (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER without a write). Never used at
// apply time: a write's randomness must be the same on every replica (seed from ctx.index).
std::mt19937_64& ReadRng();
// ReadRng() is seeded with seed at its next use on this thread (as if seed() were called now), or
// not at all if reset (nullopt) first. A script's host seeds it per entry (the same picks on every
// replica) without paying mt19937_64's 312-word seeding when the script draws nothing.
void SeedReadRngLazily(std::optional<uint64_t> seed);

}  // namespace redraft::commands
