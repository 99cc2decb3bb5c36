// OBJECT (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP) and MEMORY (USAGE, HELP): introspection of
// one key (docs/memory.md). Encodings are Redis 7.0's names for the closest encoding Redis would
// pick for the value as it is now (redraft has one representation per type: docs/data_model.md);
// idle time and frequency are this node's access information (server/eviction.h).
#include <algorithm>
#include <iterator>

#include "commands/args.h"
#include "commands/command.h"
#include "commands/command_info.h"
#include "commands/server_api.h"
#include "common/string2ll.h"
#include "store/store.h"

namespace redraft::commands {
namespace {

using store::Value;
using store::ValueType;

// Redis 7.0's thresholds (hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*).
constexpr uint64_t kHashListpackEntries = 512, kListpackValue = 64, kIntsetEntries = 512, kZsetListpackEntries = 128;
constexpr size_t kEmbstrMax = 44;  // OBJ_ENCODING_EMBSTR_SIZE_LIMIT

bool IsInt(std::string_view s) {
  int64_t n;
  return s.size() <= 20 && String2ll(s, &n);
}

std::string_view StringEncoding(std::string_view v) {
  if (IsInt(v)) return "int";
  return v.size() <= kEmbstrMax ? "embstr" : "raw";
}

// Whether every element of the collection passes ok (visits at most limit + 1 elements).
bool AllElements(ExecContext& ctx, const std::string& key, const Value& v,
                 const std::function<bool(std::string_view field, std::string_view value)>& ok) {
  bool all = true;
  (void)ctx.store.ScanSub(key, v.version, "", [&](std::string_view f, std::string_view val) {
    if (!ok(f, val)) all = false;
    return all;
  });
  return all;
}

std::string_view Encoding(ExecContext& ctx, const std::string& key, const Value& v) {
  const uint64_t n = store::CollectionSize(v);
  switch (v.type) {
    case ValueType::kString:
      return StringEncoding(v.payload);
    case ValueType::kList:
      return "quicklist";  // Redis 7.0 keeps every list in a quicklist
    case ValueType::kSet:
      if (n <= kIntsetEntries && AllElements(ctx, key, v, [](std::string_view m, std::string_view) { return IsInt(m); })) {
        return "intset";
      }
      return "hashtable";
    case ValueType::kHash:
      if (n <= kHashListpackEntries &&
          AllElements(ctx, key, v, [](std::string_view f, std::string_view val) {
            return f.size() <= kListpackValue && val.size() <= kListpackValue;
          })) {
        return "listpack";
      }
      return "hashtable";
    case ValueType::kZset:
      // Member index sub-keys are 'm' + member (zsets_internal.h); the score index is skipped.
      if (n <= kZsetListpackEntries &&
          AllElements(ctx, key, v, [](std::string_view f, std::string_view) {
            return f.empty() || f[0] != 'm' || f.size() - 1 <= kListpackValue;
          })) {
        return "listpack";
      }
      return "skiplist";
    case ValueType::kStream:
      return "stream";
    default:
      return "raw";
  }
}

bool LookupKey(ExecContext& ctx, const std::string& key, Value* v) { return ctx.store.Get(key, ctx.now_ms, v).ok(); }

std::string StoredKey(ExecContext& ctx, std::string_view key) {
  return store::QualifyKey(ctx.store.PhysicalDb(std::max(ctx.store.db(), 0)), key);
}

constexpr std::string_view kIdleRefused =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kFreqRefused =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";

void ObjectEncoding(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!LookupKey(ctx, argv[2], &v)) return ctx.reply.Null();
  ctx.reply.Bulk(Encoding(ctx, argv[2], v));
}

// Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS): their refcount is INT_MAX.
void ObjectRefcount(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!LookupKey(ctx, argv[2], &v)) return ctx.reply.Null();
  int64_t n = -1;
  bool shared = v.type == ValueType::kString && v.payload.size() <= 20 && String2ll(v.payload, &n) && n >= 0 &&
                n < 10000;
  ctx.reply.Integer(shared ? 2147483647 : 1);
}

void ObjectIdletime(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!LookupKey(ctx, argv[2], &v)) return ctx.reply.Null();
  if (ctx.server && ctx.server->LfuPolicy()) return ctx.reply.Error(kIdleRefused);
  int64_t idle_ms = 0;
  int lfu = 0;
  if (ctx.server) (void)ctx.server->KeyAccess(StoredKey(ctx, argv[2]), &idle_ms, &lfu);
  ctx.reply.Integer(idle_ms / 1000);
}

void ObjectFreq(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!LookupKey(ctx, argv[2], &v)) return ctx.reply.Null();
  if (!ctx.server || !ctx.server->LfuPolicy()) return ctx.reply.Error(kFreqRefused);
  int64_t idle_ms = 0;
  int lfu = 0;
  (void)ctx.server->KeyAccess(StoredKey(ctx, argv[2]), &idle_ms, &lfu);
  ctx.reply.Integer(lfu);
}

void Lines(ExecContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

void ObjectHelp(ExecContext& ctx, const Argv&) {
  Lines(ctx, {"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "ENCODING <key>",
              "    Return the kind of internal representation used in order to store the value",
              "    associated with a <key>.", "FREQ <key>",
              "    Return the access frequency index of the <key>. The returned integer is",
              "    proportional to the logarithm of the recent access frequency of the key.", "IDLETIME <key>",
              "    Return the idle time of the <key>, that is the approximated number of",
              "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
              "    Return the number of references of the value associated with the specified", "    <key>.",
              "HELP", "    Prints this help."});
}

// MEMORY USAGE key [SAMPLES count]: an estimate of the bytes the key takes (docs/memory.md):
// the key's logical charge (store::KeyCharge) with the per-element charge replaced by the
// average size of up to `count` sampled elements (0 = all) plus kElementChargeBytes each.
void MemoryUsage(ExecContext& ctx, const Argv& argv) {
  int64_t samples = 5;
  for (size_t i = 3; i < argv.size(); i++) {
    if (EqualsIgnoreCase(argv[i], "samples") && i + 1 < argv.size()) {
      if (!ParseInt64(argv[i + 1], &samples)) return ctx.reply.Error(kErrNotInteger);
      if (samples < 0) return ctx.reply.Error(kErrSyntax);
      if (samples == 0) samples = INT64_MAX;
      i++;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Value v;
  if (!LookupKey(ctx, argv[2], &v)) return ctx.reply.Null();
  const std::string stored = StoredKey(ctx, argv[2]);
  if (!store::IsCollection(v.type)) return ctx.reply.Integer(static_cast<int64_t>(store::KeyCharge(stored.size(), v)));
  const uint64_t n = store::CollectionSize(v);
  uint64_t seen = 0, bytes = 0;
  (void)ctx.store.ScanSub(argv[2], v.version, "", [&](std::string_view f, std::string_view val) {
    if (static_cast<int64_t>(seen) >= samples) return false;
    seen++;
    bytes += f.size() + val.size();
    return true;
  });
  uint64_t per = seen ? bytes / seen : 0;
  uint64_t total = store::KeyCharge(stored.size(), ValueType::kString, v.payload.size(), 0) +
                   n * (per + store::kElementChargeBytes);
  ctx.reply.Integer(static_cast<int64_t>(total));
}

void MemoryHelp(ExecContext& ctx, const Argv&) {
  Lines(ctx, {"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "DOCTOR",
              "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.", "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all).", "HELP",
              "    Prints this help."});
}

const CommandSpec kObjectSubcommands[] = {
    {.name = "object|encoding", .arity = 3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "2.2.3", .summary = "Inspect the internal encoding of a Redis object",
     .complexity = "O(1)", .execute = &ObjectEncoding, .key_flags = "RO", .tips = "nondeterministic_output",
     .args = "key:key@0"},
    {.name = "object|freq", .arity = 3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "4.0.0", .summary = "Get the logarithmic access frequency counter of a Redis object",
     .complexity = "O(1)", .execute = &ObjectFreq, .key_flags = "RO", .tips = "nondeterministic_output",
     .args = "key:key@0"},
    {.name = "object|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "generic", .since = "6.2.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &ObjectHelp},
    {.name = "object|idletime", .arity = 3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "2.2.3", .summary = "Get the time since a Redis object was last accessed",
     .complexity = "O(1)", .execute = &ObjectIdletime, .key_flags = "RO", .tips = "nondeterministic_output",
     .args = "key:key@0"},
    {.name = "object|refcount", .arity = 3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = "generic", .since = "2.2.3", .summary = "Get the number of references to the value of the key",
     .complexity = "O(1)", .execute = &ObjectRefcount, .key_flags = "RO", .tips = "nondeterministic_output",
     .args = "key:key@0"},
    {},
};

const CommandSpec kMemorySubcommands[] = {
    {.name = "memory|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "4.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &MemoryHelp},
    {.name = "memory|usage", .arity = -3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = "server", .since = "4.0.0", .summary = "Estimate the memory usage of a key",
     .complexity = "O(N) where N is the number of samples.", .execute = &MemoryUsage, .key_flags = "RO",
     .args = "key:key@0 count:integer=SAMPLES?"},
    {},
};

}  // namespace

const CommandSpec kObjectCommands[] = {
    {.name = "object", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "generic",
     .since = "2.2.3", .summary = "A container for object introspection commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kObjectSubcommands},
    {.name = "memory", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "4.0.0", .summary = "A container for memory diagnostics commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kMemorySubcommands},
    {},
};

}  // namespace redraft::commands
