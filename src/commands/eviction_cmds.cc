// redraft.evict stored-key version [stored-key version ...]: the leader's evictions
// (server/eviction.h, docs/memory.md). Deletes each key whose metadata record still has the
// version the leader saw when it chose it: a key rewritten since (a string's version is the
// index of its last write; a collection recreated gets a new one) was used after the choice and
// survives. Deterministic: it depends only on the entry and the state, so every replica deletes
// the same keys. Replies with the number deleted; each deletion is an `evicted` keyspace event.
#include "commands/eviction_cmds.h"

#include <atomic>
#include <cstdlib>

#include "commands/command.h"
#include "commands/databases.h"
#include "commands/notify.h"
#include "common/status.h"

namespace redraft::commands {
namespace {

std::atomic<uint64_t> evicted_applied{0};

void ApplyEvict(ApplyContext& ctx, const Argv& argv) {
  int64_t deleted = 0;
  store::Value v;
  for (size_t i = 1; i + 1 < argv.size(); i += 2) {
    const uint64_t version = std::strtoull(argv[i + 1].c_str(), nullptr, 10);  // written by the leader
    Status s = ctx.batch.GetRaw(argv[i], &v);
    if (s.IsNotFound()) continue;
    if (!s.ok()) REDRAFT_PANIC("store read failed: " + s.ToString());
    if (v.version != version) continue;
    ctx.batch.Delete(argv[i]);
    deleted++;
    if (ctx.notify && !argv[i].empty()) {  // a stored key: [physical db][key]
      const uint8_t physical = static_cast<uint8_t>(argv[i][0]);
      for (int db = 0; db < DatabaseCount(); db++) {
        if (ctx.batch.PhysicalDb(db) == physical) {
          NotifyDb(ctx, kNotifyEvicted, "evicted", std::string_view(argv[i]).substr(1), db);
          break;
        }
      }
    }
  }
  evicted_applied.fetch_add(static_cast<uint64_t>(deleted), std::memory_order_relaxed);
  ctx.reply.Integer(deleted);
}

}  // namespace

uint64_t EvictedKeysApplied() { return evicted_applied.load(std::memory_order_relaxed); }

const CommandSpec kEvictionCommands[] = {
    {.name = "redraft.evict", .arity = -3, .flags = kWrite | kInternal, .first_key = 1, .last_key = -1,
     .key_step = 2, .group = "generic", .since = "0.1.0",
     .summary = "Internal: delete the given keys chosen by the leader's eviction, if unchanged since",
     .complexity = "O(N) where N is the number of keys", .apply = ApplyEvict},
    {},
};

}  // namespace redraft::commands
