// Between the store's layouts (docs/data_model.md) and Redis's values as the DUMP payload codec
// sees them (rdb/value.h): DUMP and MIGRATE read a key into an rdb::Object; RESTORE writes one
// as a new key. docs/dump_format.md.
#pragma once

#include <string>
#include <string_view>

#include "commands/command.h"
#include "rdb/value.h"

namespace redraft::commands {

// The live value v of key (as read by the caller at ctx.now_ms) as a Redis value. Collections
// are read whole (O(N)), as Redis's DUMP serializes them whole. Reader: the Store (read path) or
// the Batch (apply path: MIGRATE's delete compares what it deletes with what it sent).
template <class Reader>
rdb::Object ReadObject(Reader& store, std::string_view key, const store::Value& v);
extern template rdb::Object ReadObject<store::Store>(store::Store&, std::string_view, const store::Value&);
extern template rdb::Object ReadObject<store::Store::Batch>(store::Store::Batch&, std::string_view,
                                                           const store::Value&);

// Writes o as key with expiry expire_ms (0 = none), under a fresh version for collections.
// REQUIRES: key is absent (or its record is being replaced: its sub-keys become garbage).
// A stream's consumer groups become streams_groups_store.h's records. Returns an error message
// (with its "ERR " prefix) instead when the store cannot hold o (today: never); nothing is
// written then.
std::string WriteObject(ApplyContext& ctx, std::string_view key, const rdb::Object& o, int64_t expire_ms);

}  // namespace redraft::commands
