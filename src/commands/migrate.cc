// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw]
// [KEYS key...] (Redis 7.0 migrateCommand), to any Redis-protocol server.
//
// Here (on the event loop, like DUMP) the options are parsed in Redis's order and the live keys
// are serialized into RESTORE commands; server/ then sends them from a worker thread (the loop
// and the apply path never wait for the target) and, once the target acknowledged, proposes
// redraft.migrated to delete the keys through the log (unless COPY). The reply comes from that
// entry, so the client's next command sees the keys gone. docs/dump_format.md, "MIGRATE".
#include <algorithm>
#include <cstdlib>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/dump_value.h"
#include "commands/migrate_api.h"
#include "commands/notify.h"
#include "commands/server_api.h"
#include "common/crc64.h"

namespace redraft::commands {
namespace {

void AppendBulk(std::string* out, std::string_view s) {
  out->append("$" + std::to_string(s.size()) + "\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  out->append("*" + std::to_string(args.size()) + "\r\n");
  for (auto a : args) AppendBulk(out, a);
}

// A payload's digest: the CRC-64 it ends with (the CRC-64 of a whole payload is always 0).
uint64_t Digest(std::string_view payload) { return Crc64(0, payload.substr(0, payload.size() - 8)); }

void ExecMigrate(ExecContext& ctx, const Argv& argv) {
  MigrateRequest req;
  bool replace = false;
  const std::string *user = nullptr, *password = nullptr;
  size_t first_key = 3, num_keys = 1;
  for (size_t j = 6; j < argv.size(); j++) {
    size_t more = argv.size() - 1 - j;
    std::string_view a = CStrView(argv[j]);
    if (EqualsIgnoreCase(a, "copy")) {
      req.copy = true;
    } else if (EqualsIgnoreCase(a, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(a, "auth")) {
      if (more < 1) return ctx.reply.Error(kErrSyntax);
      password = &argv[++j];
    } else if (EqualsIgnoreCase(a, "auth2")) {
      if (more < 2) return ctx.reply.Error(kErrSyntax);
      user = &argv[++j];
      password = &argv[++j];
    } else if (EqualsIgnoreCase(a, "keys")) {
      if (!argv[3].empty()) {
        return ctx.reply.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
      }
      first_key = j + 1;
      num_keys = argv.size() - j - 1;
      break;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  int64_t timeout, dbid;
  if (!ParseInt64(argv[5], &timeout) || !ParseInt64(argv[4], &dbid)) return ctx.reply.Error(kErrNotInteger);
  req.timeout_ms = timeout <= 0 ? 1000 : timeout;
  req.host = argv[1];
  req.port = argv[2];
  if (password) {
    req.auth = true;
    if (user) AppendCommand(&req.commands, {"AUTH", *user, *password});
    else AppendCommand(&req.commands, {"AUTH", *password});
  }
  // A fresh connection each time (Redis caches them for 10 s): SELECT is always sent.
  AppendCommand(&req.commands, {"SELECT", std::to_string(dbid)});
  for (size_t j = 0; j < num_keys; j++) {
    const std::string& key = argv[first_key + j];
    store::Value v;
    Status s = ctx.store.Get(key, ctx.now_ms, &v);
    if (s.IsNotFound()) continue;
    PanicOnStoreError(s);
    // The remaining TTL, at least 1 ms (an expired key was skipped by Get).
    int64_t ttl = v.expire_ms == 0 ? 0 : std::max<int64_t>(v.expire_ms - ctx.now_ms, 1);
    std::string payload = rdb::EncodeDump(ReadObject(ctx.store, key, v));
    std::string ttl_text = std::to_string(ttl);
    if (replace) AppendCommand(&req.commands, {"RESTORE", key, ttl_text, payload, "REPLACE"});
    else AppendCommand(&req.commands, {"RESTORE", key, ttl_text, payload});
    req.keys.push_back(key);
    req.digests.push_back(Digest(payload));
  }
  if (req.keys.empty()) return ctx.reply.SimpleString("NOKEY");
  if (ctx.server == nullptr) return ctx.reply.Error("ERR MIGRATE needs a server");
  ctx.server->Migrate(ctx.session.id, std::move(req), ctx.reply);  // usually a deferred reply
}

// redraft.migrated <reply> <key> <digest> ... (migrate_api.h).
void ApplyMigrated(ApplyContext& ctx, const Argv& argv) {
  for (size_t i = 2; i + 1 < argv.size(); i += 2) {
    const std::string& key = argv[i];
    uint64_t digest = std::strtoull(argv[i + 1].c_str(), nullptr, 10);
    store::Value v;
    Status s = ctx.batch.GetRaw(key, &v);
    if (s.IsNotFound() || store::IsExpired(v, ctx.now_ms)) continue;
    PanicOnStoreError(s);
    if (Digest(rdb::EncodeDump(ReadObject(ctx.batch, key, v))) != digest) continue;  // written meanwhile
    ctx.batch.Delete(key);
    Notify(ctx, kNotifyGeneric, "del", key);
  }
  ctx.reply.Raw(argv[1]);
}

}  // namespace

constexpr KeySpec kMigrateKeys[] = {
    {.flags = "RW access delete", .index = 3, .lastkey = 0},
    {.flags = "RW access delete incomplete", .keyword = "KEYS", .startfrom = -2, .lastkey = -1}
};

extern const CommandSpec kMigrateCommands[] = {
    {.name = "migrate", .arity = -6, .flags = kReportsWrite, .first_key = 3, .last_key = 3, .key_step = 1, .group = "generic",
     .since = "2.6.0", .summary = "Atomically transfer a key from a Redis instance to another one.",
     .complexity = "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target "
                   "instance. See the pages of these commands for time complexity. Also an O(N) data transfer "
                   "between the two instances is performed.",
     .execute = ExecMigrate, .key_specs = kMigrateKeys, .acl = kAclDangerous, .tips = "nondeterministic_output",
     .args = "host:string port:integer key_or_empty_string:oneof(key:key@0 empty_string:pure-token=) "
             "destination-db:integer timeout:integer copy:pure-token=COPY/3.0.0? replace:pure-token=REPLACE/3.0.0? "
             "authentication:oneof?(password:string=AUTH/4.0.7? "
             "username_password:block=AUTH2/6.0.0?(username:string password:string)) key:key@1=KEYS/3.0.6?*",
     .history = "3.0.0 Added the `COPY` and `REPLACE` options.\n3.0.6 Added the `KEYS` option.\n4.0.7 Added the "
                "`AUTH` option.\n6.0.0 Added the `AUTH2` option."},
    {.name = "redraft.migrated", .arity = -2, .flags = kWrite | kInternal, .first_key = 2, .last_key = -1,
     .key_step = 2, .group = "generic", .since = "0.1.0",
     .summary = "Internal: delete the keys MIGRATE moved, if unchanged since, and answer the given reply",
     .complexity = "O(N) in the size of the keys", .apply = ApplyMigrated},
    {},
};

}  // namespace redraft::commands
