// Shared by the collection families (hashes, lists, sets, sorted sets): finding a key's
// collection on the read path and on the apply path with Redis's lookup semantics (expired keys
// are missing; another type is WRONGTYPE), creating one with a fresh version, and storing its
// size (deleting the key when it becomes empty, as Redis deletes an empty collection).
#pragma once

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

// The read path's RNG (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER without a write). Never used at
// apply time: a write's randomness must be the same on every replica (seed from ctx.index).
std::mt19937_64& ReadRng();

}  // namespace redraft::commands
