// Eviction ahead of the writes (docs/memory.md): what a write entry may add to the dataset's
// logical size, estimated from the entry alone when the leader queues it for proposal, so the
// evictor can make room before the write is applied (cluster/proposed_growth.h keeps the sum).
//
// An estimate, never state: it only decides how early the leader proposes evictions. What is
// deleted is still decided by the redraft.evict entries alone, and what is charged by the store
// at apply (store::KeyCharge). A write that overwrites a key is counted as if the key were new
// (no store read on the proposal path): the evictor then makes more room than needed, for as long
// as the write is in flight.
#include <string_view>

#include "commands/command.h"
#include "commands/denyoom.h"
#include "common/coding.h"
#include "server/eviction.h"
#include "store/store.h"

namespace redraft::server {

namespace {
// A new key's fixed charge beyond its name: the database byte, the record header, the overhead.
constexpr uint64_t kNewKeyBytes = 1 + 17 + store::kKeyOverheadBytes;
// A collection's metadata payload (its counters: 8 bytes for a hash or set, 24 for a list).
constexpr uint64_t kCollectionMetaBytes = 32;

bool CollectionGroup(std::string_view g) {
  return g == "hash" || g == "list" || g == "set" || g == "sorted-set" || g == "stream" || g == "geo";
}
}  // namespace

uint64_t EstimateEntryGrowth(std::string_view entry) {
  uint64_t now = 0, argc = 0;
  if (!GetVarint64(&entry, &now) || !GetVarint64(&entry, &argc) || argc < 2) return 0;
  std::string_view name;
  if (!GetLengthPrefixed(&entry, &name)) return 0;
  const commands::CommandSpec* spec = commands::Lookup(name);
  // Only commands Redis refuses over maxmemory grow the dataset (DEL, EXPIRE, the server's own
  // entries such as redraft.evict and redraft.read do not).
  if (!spec || !commands::IsDenyOom(*spec)) return 0;
  std::string_view args[3];
  const bool collection = CollectionGroup(spec->group);
  const int last_key = spec->last_key < 0 ? static_cast<int>(argc) + spec->last_key : spec->last_key;
  const int step = spec->key_step > 0 ? spec->key_step : 1;
  uint64_t growth = 0;
  for (uint64_t i = 1; i < argc; i++) {
    std::string_view a;
    if (!GetLengthPrefixed(&entry, &a)) return 0;
    if (i < 3) args[i] = a;
    const int pos = static_cast<int>(i);
    const bool is_key = pos >= spec->first_key && pos <= last_key && (pos - spec->first_key) % step == 0;
    if (is_key) growth += kNewKeyBytes + a.size() + (collection ? kCollectionMetaBytes : 0);
    else if (collection) growth += store::kElementChargeBytes;  // an element is charged by count
    else growth += a.size();                                      // a string's bytes
  }
  // SET's log form ends with its flags and PXAT time, which are not stored bytes: key and value.
  if (name == "set" && argc >= 3) growth = kNewKeyBytes + args[1].size() + args[2].size();
  return growth;
}

}  // namespace redraft::server
