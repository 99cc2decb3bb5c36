// Connection and server commands: PING, ECHO, QUIT, HELLO, SELECT, AUTH, CLIENT, CONFIG, INFO,
// DBSIZE, TIME, FLUSHDB, FLUSHALL, SHUTDOWN. (COMMAND lives in command_info.cc.) Server state is
// reached only through ServerApi.
#include <chrono>
#include <climits>

#include "acl/registry.h"
#include "commands/args.h"
#include "observability/registry.h"
#include "commands/databases.h"
#include "commands/command.h"
#include "commands/transactions.h"
#include "commands/command_info.h"
#include "commands/server_api.h"
#include "commands/tracking_cmds.h"
#include "resp/error_text.h"

namespace redraft::commands {
namespace {

constexpr std::string_view kRedisVersion = "7.0.15";

void Ping(ExecContext& ctx, const Argv& argv) {
  if (argv.size() > 2) return ctx.reply.Error(WrongArity("ping"));
  if (argv.size() == 1) return ctx.reply.SimpleString("PONG");
  ctx.reply.Bulk(argv[1]);
}

void Echo(ExecContext& ctx, const Argv& argv) { ctx.reply.Bulk(argv[1]); }

void Quit(ExecContext& ctx, const Argv&) {
  ctx.reply.Ok();
  if (ctx.server) ctx.server->CloseAfterReply(ctx.session.id);
}

// SELECT index: later reads and writes of this connection use that logical database.
void Select(ExecContext& ctx, const Argv& argv) {
  int db;
  Status st = ParseDbIndex(argv[1], DatabaseCount(), &db);
  if (!st.ok()) return ctx.reply.Error(st.message());
  ctx.session.db = db;
  ctx.reply.Ok();
}

// Shared by AUTH and HELLO ... AUTH: on success the connection runs as `user` (acl/); a failure
// goes to the ACL LOG as in Redis.
bool CheckPassword(ExecContext& ctx, const std::string& user, std::string_view pass, std::string_view cmd) {
  acl::Registry* reg = ctx.server ? ctx.server->acl() : nullptr;
  if (!reg) return user == "default";
  auto u = reg->Find(user);
  if (u && u->CheckPassword(pass)) {
    ctx.session.authenticated = true;
    ctx.session.user = user;
    return true;
  }
  std::string info = ctx.server->ClientList({ctx.session.id});
  while (!info.empty() && info.back() == '\n') info.pop_back();
  reg->log().Add(acl::LogEntry{1, acl::Denial::kAuth, "toplevel", std::string(cmd), user, ctx.now_ms, info});
  return false;
}

void Auth(ExecContext& ctx, const Argv& argv) {
  if (argv.size() > 3) return ctx.reply.Error(kErrSyntax);
  acl::Registry* reg = ctx.server ? ctx.server->acl() : nullptr;
  if (argv.size() == 2 && (!reg || reg->Find("default")->nopass())) {
    return ctx.reply.Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  std::string user = argv.size() == 3 ? argv[1] : "default";
  if (!CheckPassword(ctx, user, argv.back(), argv[0])) {
    return ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
  }
  ctx.reply.Ok();
}

// Client names and lib info: printable ASCII without spaces (Redis validateClientAttr).
bool ValidClientAttr(std::string_view s) {
  for (unsigned char c : s) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void Hello(ExecContext& ctx, const Argv& argv) {
  int64_t ver = 0;
  size_t i = 1;
  if (argv.size() >= 2) {
    if (!ParseInt64(argv[1], &ver)) {
      return ctx.reply.Error("ERR Protocol version is not an integer or out of range");
    }
    if (ver < 2 || ver > 3) return ctx.reply.Error("NOPROTO unsupported protocol version");
    i = 2;
  }
  std::string setname;
  bool has_setname = false;
  for (; i < argv.size(); i++) {
    bool more = i + 1 < argv.size();
    if (EqualsIgnoreCase(argv[i], "AUTH") && i + 2 < argv.size()) {
      if (!CheckPassword(ctx, argv[i + 1], argv[i + 2], argv[0])) {
        return ctx.reply.Error("WRONGPASS invalid username-password pair or user is disabled.");
      }
      i += 2;
    } else if (EqualsIgnoreCase(argv[i], "SETNAME") && more) {
      setname = argv[++i];
      has_setname = true;
      if (!ValidClientAttr(setname)) {
        return ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(EchoArg(argv[i])) + "'");
    }
  }
  if (ctx.server && !ctx.session.authenticated) {
    return ctx.reply.Error("NOAUTH HELLO must be called with the client already authenticated, "
                           "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                           "authenticate the client and select the RESP protocol version at the same time");
  }
  if (has_setname) ctx.session.name = setname;
  if (ver) {
    ctx.session.proto = static_cast<int>(ver);
    ctx.reply.set_proto(ctx.session.proto);
  }
  auto& r = ctx.reply;
  r.MapHeader(7);
  r.Bulk("server"), r.Bulk("redis");
  r.Bulk("version"), r.Bulk(kRedisVersion);
  r.Bulk("proto"), r.Integer(ctx.session.proto);
  r.Bulk("id"), r.Integer(static_cast<int64_t>(ctx.session.id));
  r.Bulk("mode"), r.Bulk("standalone");
  r.Bulk("role"), r.Bulk("master");
  r.Bulk("modules"), r.ArrayHeader(0);
}

// CLIENT and CONFIG are containers: DispatchSubcommand finds the subcommand in the table below
// (Redis's "unknown subcommand" and "client|list" arity errors) and runs its execute.

void ClientId(ExecContext& ctx, const Argv&) { ctx.reply.Integer(static_cast<int64_t>(ctx.session.id)); }

void ClientSetname(ExecContext& ctx, const Argv& argv) {
  if (!ValidClientAttr(argv[2])) {
    return ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.session.name = argv[2];
  ctx.reply.Ok();
}

void ClientGetname(ExecContext& ctx, const Argv&) {
  if (ctx.session.name.empty()) return ctx.reply.Null();
  ctx.reply.Bulk(ctx.session.name);
}

void ClientSetinfo(ExecContext& ctx, const Argv& argv) {
  bool is_name = EqualsIgnoreCase(argv[2], "lib-name");
  if (!is_name && !EqualsIgnoreCase(argv[2], "lib-ver")) {
    return ctx.reply.Error("ERR Unrecognized option '" + std::string(EchoArg(argv[2])) + "'");
  }
  if (!ValidClientAttr(argv[3])) {
    return ctx.reply.Error(std::string("ERR ") + (is_name ? "lib-name" : "lib-ver") +
                           " cannot contain spaces, newlines or special characters.");
  }
  (is_name ? ctx.session.lib_name : ctx.session.lib_ver) = argv[3];
  ctx.reply.Ok();
}

// Redis's getClientTypeByName. Every client here is a normal one.
enum class ClientType { kUnknown, kNormal, kOther };
ClientType ClientTypeByName(std::string_view name) {
  if (EqualsIgnoreCase(name, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "pubsub") ||
      EqualsIgnoreCase(name, "master")) {
    return ClientType::kOther;
  }
  return ClientType::kUnknown;
}

// CLIENT LIST [TYPE type | ID id...] (Redis 7.0: an id that is no client lists nothing).
void ClientList(ExecContext& ctx, const Argv& argv) {
  if (!ctx.server) return ctx.reply.Verbatim("");
  std::vector<uint64_t> ids;
  if (argv.size() == 4 && EqualsIgnoreCase(argv[2], "type")) {
    ClientType type = ClientTypeByName(argv[3]);
    if (type == ClientType::kUnknown) {
      return ctx.reply.Error("ERR Unknown client type '" + std::string(EchoArg(argv[3])) + "'");
    }
    if (type == ClientType::kOther) return ctx.reply.Verbatim("");
  } else if (argv.size() > 3 && EqualsIgnoreCase(argv[2], "id")) {
    for (size_t i = 3; i < argv.size(); i++) {
      int64_t id;
      if (!ParseInt64(argv[i], &id)) return ctx.reply.Error("ERR Invalid client ID");
      if (id > 0) ids.push_back(static_cast<uint64_t>(id));
    }
    if (ids.empty()) return ctx.reply.Verbatim("");
  } else if (argv.size() != 2) {
    return ctx.reply.Error(kErrSyntax);
  }
  ctx.reply.Verbatim(ctx.server->ClientList(ids));
}

void ClientInfo(ExecContext& ctx, const Argv&) {
  ctx.reply.Verbatim(ctx.server ? ctx.server->ClientList({ctx.session.id}) : "");
}

// CLIENT KILL addr:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR addr] [LADDR addr]
// [SKIPME yes|no], with Redis 7.0's errors (only the user "default" exists).
void ClientKill(ExecContext& ctx, const Argv& argv) {
  ClientKillFilter f;
  bool matches_none = false;  // TYPE master|replica|pubsub: no client here is one
  if (argv.size() == 3) {     // old form: CLIENT KILL addr:port; a client may kill itself
    f.addr = argv[2];
    f.skipme = false;
    if (!ctx.server || ctx.server->KillClients(ctx.session.id, f) == 0) return ctx.reply.Error("ERR No such client");
    return ctx.reply.Ok();
  }
  for (size_t i = 2; i < argv.size(); i += 2) {
    bool more = i + 1 < argv.size();
    const std::string& k = argv[i];
    if (!more) return ctx.reply.Error(kErrSyntax);
    const std::string& v = argv[i + 1];
    if (EqualsIgnoreCase(k, "id")) {
      int64_t id;
      if (!ParseInt64(v, &id) || id <= 0) return ctx.reply.Error("ERR client-id should be greater than 0");
      f.id = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(k, "type")) {
      ClientType type = ClientTypeByName(v);
      if (type == ClientType::kUnknown) {
        return ctx.reply.Error("ERR Unknown client type '" + std::string(EchoArg(v)) + "'");
      }
      matches_none |= type == ClientType::kOther;
    } else if (EqualsIgnoreCase(k, "addr")) {
      f.addr = v;
    } else if (EqualsIgnoreCase(k, "laddr")) {
      f.laddr = v;
    } else if (EqualsIgnoreCase(k, "user")) {
      if (v != "default") return ctx.reply.Error("ERR No such user '" + std::string(EchoArg(v)) + "'");
    } else if (EqualsIgnoreCase(k, "skipme")) {
      if (EqualsIgnoreCase(v, "yes")) f.skipme = true;
      else if (EqualsIgnoreCase(v, "no")) f.skipme = false;
      else return ctx.reply.Error(kErrSyntax);
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  if (matches_none || !ctx.server) return ctx.reply.Integer(0);
  ctx.reply.Integer(ctx.server->KillClients(ctx.session.id, f));
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR] (Redis clientCommand).
void ClientUnblock(ExecContext& ctx, const Argv& argv) {
  if (argv.size() > 4) {
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(EchoArg(argv[1], 128)) + "'. Try CLIENT HELP.");
  }
  bool error = false;
  if (argv.size() == 4) {
    if (EqualsIgnoreCase(argv[3], "error")) error = true;
    else if (!EqualsIgnoreCase(argv[3], "timeout")) {
      return ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  int64_t id;
  if (!ParseInt64(argv[2], &id)) return ctx.reply.Error(kErrNotInteger);
  ctx.reply.Integer(id > 0 && ctx.server ? ctx.server->UnblockClient(static_cast<uint64_t>(id), error) : 0);
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not answered (Redis 7.0 clientCommand).
void ClientReply(ExecContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[2], "on")) {
    ctx.session.reply_off = false;
    ctx.session.reply_skip = false;
    ctx.session.reply_skip_next = false;
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(argv[2], "off")) {
    ctx.session.reply_off = true;
    return;
  }
  if (EqualsIgnoreCase(argv[2], "skip")) {
    if (!ctx.session.reply_off) ctx.session.reply_skip_next = true;
    return;
  }
  ctx.reply.Error(kErrSyntax);
}

// CLIENT TRACE ON|OFF|ID (redraft's; docs/observability.md "Traces"): ON traces every later
// command of this connection across the nodes it touches; ID answers the trace id of the
// connection's last traced command (nil if none).
void ClientTrace(ExecContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[2], "on") || EqualsIgnoreCase(argv[2], "off")) {
    ctx.session.trace = EqualsIgnoreCase(argv[2], "on");
    return ctx.reply.Ok();
  }
  if (EqualsIgnoreCase(argv[2], "id")) {
    if (ctx.session.last_trace_id.empty()) return ctx.reply.Null();
    return ctx.reply.Bulk(ctx.session.last_trace_id);
  }
  ctx.reply.Error(kErrSyntax);
}

void ConfigGet(ExecContext& ctx, const Argv& argv) {
  std::vector<std::pair<std::string, std::string>> all;
  for (size_t i = 2; ctx.server && i < argv.size(); i++) {
    for (auto& kv : ctx.server->ConfigGet(argv[i])) {
      bool dup = false;
      for (auto& seen : all) dup |= seen.first == kv.first;
      if (!dup) all.push_back(kv);
    }
  }
  ctx.reply.MapHeader(all.size());
  for (auto& [k, v] : all) ctx.reply.Bulk(k), ctx.reply.Bulk(v);
}

void ConfigSet(ExecContext& ctx, const Argv& argv) {
  if (argv.size() % 2 != 0) return ctx.reply.Error(WrongArity("config|set"));
  if (!ctx.server) return ctx.reply.Ok();
  // All or nothing (Redis 7): a certificate and its key change together.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i < argv.size(); i += 2) pairs.emplace_back(argv[i], argv[i + 1]);
  std::string failed;
  Status st = ctx.server->ConfigSet(pairs, &failed);
  if (st.IsNotFound()) return ctx.reply.Error(resp::ErrorText(st));
  if (!st.ok()) {
    return ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" + std::string(EchoArg(failed)) +
                           "') - " + st.message());
  }
  ctx.reply.Ok();
}

// Statistics are not reset (INFO's counters keep counting); answered OK as Redis does.
void ConfigResetstat(ExecContext& ctx, const Argv&) {
  observability::Global().ResetStats();  // commandstats, errorstats, latencystats (issue 13)
  ctx.reply.Ok();
}

void ConfigRewrite(ExecContext& ctx, const Argv&) {
  ctx.reply.Error("ERR The server is running without a config file");
}

void ConfigHelp(ExecContext& ctx, const Argv&) {
  static const char* const kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

void Info(ExecContext& ctx, const Argv& argv) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < argv.size(); i++) {
    std::string s = argv[i];
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    sections.push_back(s);
  }
  if (sections.empty()) sections.push_back("default");
  ctx.reply.Verbatim(ctx.server ? ctx.server->InfoText(sections) : "");
}

void DbSize(ExecContext& ctx, const Argv&) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.store.KeyCount()));
}

void Time(ExecContext& ctx, const Argv&) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(us / 1000000));
  ctx.reply.Bulk(std::to_string(us % 1000000));
}

void Shutdown(ExecContext& ctx, const Argv& argv) {
  for (size_t i = 1; i < argv.size(); i++) {
    const std::string& a = argv[i];
    if (!EqualsIgnoreCase(a, "nosave") && !EqualsIgnoreCase(a, "save") &&
        !EqualsIgnoreCase(a, "now") && !EqualsIgnoreCase(a, "force") && !EqualsIgnoreCase(a, "abort")) {
      return ctx.reply.Error(kErrSyntax);
    }
    if (EqualsIgnoreCase(a, "abort")) return ctx.reply.Error("ERR No shutdown in progress.");
  }
  if (ctx.server) ctx.server->Shutdown(ctx.session.id);
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]: the option changes nothing here (deletion is a range delete).
bool PrepareFlush(PrepareContext& ctx, Argv& argv) {
  if (argv.size() == 2 && (EqualsIgnoreCase(argv[1], "async") || EqualsIgnoreCase(argv[1], "sync"))) {
    argv.resize(1);
    return true;
  }
  if (argv.size() == 1) return true;
  ctx.reply.Error(kErrSyntax);
  return false;
}

// FLUSHDB deletes the entry's database, FLUSHALL every database (a batch without a database,
// as in unit tests of commands on the store itself, has only "all").
void ApplyFlush(ApplyContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[0], "flushdb") && ctx.batch.db() >= 0) ctx.batch.DeleteDb(ctx.batch.db());
  else ctx.batch.DeleteAll();
  ctx.reply.Ok();
}

// SWAPDB index1 index2 (Redis swapdbCommand): O(1), the two logical databases exchange their
// physical ones; connections on either see the other's keys from the next command on.
// Both indexes are integers, then both in range (Redis's order of checks). Prepare checks the
// configured count, apply only the store's limit (the count is per node).
Status ParseSwapDb(const Argv& argv, int limit, int* a, int* b) {
  REDRAFT_RETURN_IF_ERROR(ParseDbInt(argv[1], a, "invalid first DB index"));
  REDRAFT_RETURN_IF_ERROR(ParseDbInt(argv[2], b, "invalid second DB index"));
  if (*a < 0 || *a >= limit || *b < 0 || *b >= limit) return Status::InvalidArgument("ERR DB index is out of range");
  return Status::OK();
}

bool PrepareSwapDb(PrepareContext& ctx, Argv& argv) {
  int a, b;
  Status st = ParseSwapDb(argv, DatabaseCount(), &a, &b);
  if (st.ok()) return true;
  ctx.reply.Error(st.message());
  return false;
}

void ApplySwapDb(ApplyContext& ctx, const Argv& argv) {
  int a, b;
  Status st = ParseSwapDb(argv, store::kMaxDatabases, &a, &b);
  if (!st.ok()) return ctx.reply.Error(st.message());
  if (a != b) ctx.batch.SwapDbs(a, b);
  ctx.reply.Ok();
}

}  // namespace

constexpr uint32_t kConnFlags = kNoScript | kLoading | kStale;
constexpr uint32_t kConnAdminFlags = kAdmin | kNoScript | kLoading | kStale;
constexpr uint32_t kHandshakeFlags = kNoAuth | kNoScript | kStale | kLoading | kFast | kAllowBusy;

// Flags, key specs, ACL categories, tips and docs as Redis 7.0's COMMAND INFO and DOCS. CLIENT
// SETINFO is Redis 7.2's (clients send it); the other subcommands are 7.0's.
const CommandSpec kClientSubcommands[] = {
    {.name = "client|id", .arity = 2, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "5.0.0", .summary = "Returns the client ID for the current connection",
     .complexity = "O(1)", .execute = &ClientId},
    {.name = "client|setname", .arity = 3, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "2.6.9", .summary = "Set the current connection name", .complexity = "O(1)",
     .execute = &ClientSetname, .args = "connection-name:string"},
    {.name = "client|getname", .arity = 2, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "2.6.9", .summary = "Get the current connection name", .complexity = "O(1)",
     .execute = &ClientGetname},
    {.name = "client|setinfo", .arity = 4, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "7.2.0", .summary = "Set client or connection specific info",
     .complexity = "O(1)", .execute = &ClientSetinfo,
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "client|list", .arity = -2, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "2.4.0", .summary = "Get the list of client connections",
     .complexity = "O(N) where N is the number of client connections", .execute = &ClientList,
     .tips = "nondeterministic_output",
     .args = "normal_master_replica_pubsub:oneof=TYPE/5.0.0?(normal:pure-token=NORMAL master:pure-token=MASTER "
             "replica:pure-token=REPLICA pubsub:pure-token=PUBSUB) id:block=ID/6.2.0?(client-id:integer*)",
     .history = "2.8.12 Added unique client `id` field.\n5.0.0 Added optional `TYPE` filter.\n6.0.0 Added `user` "
                "field.\n6.2.0 Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` "
                "filter.\n7.0.0 Added `resp`, `multi-mem`, `rbs` and `rbp` fields.\n7.0.3 Added `ssub` field."},
    {.name = "client|info", .arity = 2, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.2.0", .summary = "Returns information about the current client connection.",
     .complexity = "O(1)", .execute = &ClientInfo, .tips = "nondeterministic_output"},
    {.name = "client|kill", .arity = -3, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "2.4.0", .summary = "Kill the connection of a client",
     .complexity = "O(N) where N is the number of client connections", .execute = &ClientKill,
     .args = "filter:oneof('ip:port':string!2.8.12 new-format:oneof*(client-id:integer=ID/2.8.12? "
             "normal_master_slave_pubsub:oneof=TYPE/2.8.12?(normal:pure-token=NORMAL "
             "master:pure-token=MASTER/3.2.0 slave:pure-token=SLAVE replica:pure-token=REPLICA/5.0.0 "
             "pubsub:pure-token=PUBSUB) username:string=USER? 'ip:port':string=ADDR? 'ip:port':string=LADDR/6.2.0? "
             "'yes/no':string=SKIPME?))",
     .history = "2.8.12 Added new filter format.\n2.8.12 `ID` option.\n3.2.0 Added `master` type in for `TYPE` "
                "option.\n5.0.0 Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
                "compatibility.\n6.2.0 `LADDR` option."},
    {.name = "client|unblock", .arity = -3, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "5.0.0",
     .summary = "Unblock a client blocked in a blocking command from a different connection",
     .complexity = "O(log N) where N is the number of client connections", .execute = &ClientUnblock,
     .args = "client-id:integer timeout_error:oneof?(timeout:pure-token=TIMEOUT error:pure-token=ERROR)"},
    {.name = "client|reply", .arity = 3, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "3.2.0", .summary = "Instruct the server whether to reply to commands",
     .complexity = "O(1)", .execute = &ClientReply,
     .args = "on_off_skip:oneof(on:pure-token=ON off:pure-token=OFF skip:pure-token=SKIP)"},
    {.name = "client|tracking", .arity = -3, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.0.0", .summary = "Enable or disable server assisted client side caching support",
     .complexity = "O(1). Some options may introduce additional complexity.", .execute = &ClientTracking,
     .args = "status:oneof(on:pure-token=ON off:pure-token=OFF) client-id:integer=REDIRECT? prefix:string=PREFIX?*+ "
             "bcast:pure-token=BCAST? optin:pure-token=OPTIN? optout:pure-token=OPTOUT? noloop:pure-token=NOLOOP?"},
    {.name = "client|caching", .arity = 3, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.0.0", .summary = "Instruct the server about tracking or not keys in the next request",
     .complexity = "O(1)", .execute = &ClientCaching, .args = "mode:oneof(yes:pure-token=YES no:pure-token=NO)"},
    {.name = "client|getredir", .arity = 2, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.0.0", .summary = "Get tracking notifications redirection client ID if any",
     .complexity = "O(1)", .execute = &ClientGetredir},
    {.name = "client|trackinginfo", .arity = 2, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.2.0",
     .summary = "Return information about server assisted client side caching for the current connection",
     .complexity = "O(1)", .execute = &ClientTrackinginfo},
    // redraft's own (traces, docs/observability.md)
    {.name = "client|trace", .arity = 3, .flags = kConnFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "7.0.0", .summary = "Trace this connection's commands across the cluster (redraft)",
     .complexity = "O(1)", .execute = &ClientTrace, .args = "mode:oneof(on:pure-token=ON off:pure-token=OFF id:pure-token=ID)"},
    {},
};

const CommandSpec kConfigSubcommands[] = {
    {.name = "config|get", .arity = -3, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.0.0", .summary = "Get the values of configuration parameters",
     .complexity = "O(N) when N is the number of configuration parameters provided", .execute = &ConfigGet,
     .args = "parameter:block*(parameter:string)",
     .history = "7.0.0 Added the ability to pass multiple pattern parameters in one call"},
    {.name = "config|set", .arity = -4, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.0.0", .summary = "Set configuration parameters to the given values",
     .complexity = "O(N) when N is the number of configuration parameters provided", .execute = &ConfigSet,
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .args = "parameter_value:block*(parameter:string value:string)",
     .history = "7.0.0 Added the ability to set multiple parameters in one call."},
    {.name = "config|resetstat", .arity = 2, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.0.0", .summary = "Reset the stats returned by INFO", .complexity = "O(1)",
     .execute = &ConfigResetstat},
    {.name = "config|rewrite", .arity = 2, .flags = kConnAdminFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.0",
     .summary = "Rewrite the configuration file with the in memory configuration", .complexity = "O(1)",
     .execute = &ConfigRewrite},
    {.name = "config|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "5.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &ConfigHelp},
    {},
};

const CommandSpec kServerCommands[] = {
    {.name = "ping", .arity = -1, .flags = kFast, .first_key = 0, .last_key = 0, .key_step = 0, .group = "connection",
     .since = "1.0.0", .summary = "Ping the server", .complexity = "O(1)", .execute = &Ping,
     .tips = "request_policy:all_shards response_policy:all_succeeded", .args = "message:string?"},
    {.name = "echo", .arity = 2, .flags = kFast | kStale | kLoading, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "1.0.0", .summary = "Echo the given string", .complexity = "O(1)",
     .execute = &Echo, .args = "message:string"},
    {.name = "quit", .arity = -1, .flags = kHandshakeFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "1.0.0", .summary = "Close the connection", .complexity = "O(1)",
     .execute = &Quit},
    {.name = "hello", .arity = -1, .flags = kHandshakeFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "6.0.0", .summary = "Handshake with Redis", .complexity = "O(1)",
     .execute = &Hello,
     .args = "arguments:block?(protover:integer username_password:block=AUTH?(username:string password:string) "
             "clientname:string=SETNAME?)",
     .history = "6.2.0 `protover` made optional; when called without arguments the command reports the current "
                "connection's context."},
    {.name = "select", .arity = 2, .flags = kLoading | kStale | kFast, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "1.0.0", .summary = "Change the selected database for the current connection",
     .complexity = "O(1)", .execute = &Select, .args = "index:integer"},
    {.name = "auth", .arity = -2, .flags = kHandshakeFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "connection", .since = "1.0.0", .summary = "Authenticate to the server",
     .complexity = "O(N) where N is the number of passwords defined for the user", .execute = &Auth,
     .args = "username:string/6.0.0? password:string", .history = "6.0.0 Added ACL style (username and password)."},
    {.name = "client", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "connection",
     .since = "2.4.0", .summary = "A container for client connection commands",
     .complexity = "Depends on subcommand.", .execute = &DispatchSubcommand, .subcommands = kClientSubcommands},
    {.name = "command", .arity = -1, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Get array of Redis command details",
     .complexity = "O(N) where N is the total number of Redis commands", .execute = &CommandCommand,
     .acl = kAclConnection, .tips = "nondeterministic_output_order", .subcommands = kCommandSubcommands},
    {.name = "config", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "2.0.0", .summary = "A container for server configuration commands",
     .complexity = "Depends on subcommand.", .execute = &DispatchSubcommand, .subcommands = kConfigSubcommands},
    {.name = "info", .arity = -1, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "1.0.0", .summary = "Get information and statistics about the server",
     .complexity = "O(1)", .execute = &Info, .acl = kAclDangerous,
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special", .args = "section:string?*",
     .history = "7.0.0 Added support for taking multiple section arguments."},
    {.name = "dbsize", .arity = 1, .flags = kReadonly | kFast, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "1.0.0", .summary = "Return the number of keys in the selected database",
     .complexity = "O(1)", .execute = &DbSize, .acl = kAclKeyspace,
     .tips = "request_policy:all_shards response_policy:agg_sum"},
    {.name = "time", .arity = 1, .flags = kLoading | kStale | kFast, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.6.0", .summary = "Return the current server time", .complexity = "O(1)",
     .execute = &Time, .tips = "nondeterministic_output"},
    {.name = "shutdown", .arity = -1, .flags = kAdmin | kNoScript | kLoading | kStale | kNoMulti | kAllowBusy,
     .first_key = 0, .last_key = 0, .key_step = 0, .group = "server", .since = "1.0.0",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, "
                   "otherwise O(1)",
     .execute = &Shutdown,
     .args = "nosave_save:oneof?(nosave:pure-token=NOSAVE save:pure-token=SAVE) now:pure-token=NOW/7.0.0? "
             "force:pure-token=FORCE/7.0.0? abort:pure-token=ABORT/7.0.0?",
     .history = "7.0.0 Added the `NOW`, `FORCE` and `ABORT` modifiers."},
    {.name = "flushdb", .arity = -1, .flags = kWrite, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "1.0.0", .summary = "Remove all keys from the current database",
     .complexity = "O(N) where N is the number of keys in the selected database", .prepare = &PrepareFlush,
     .apply = &ApplyFlush, .acl = kAclKeyspace | kAclDangerous,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "async:oneof?(async:pure-token=ASYNC/4.0.0 sync:pure-token=SYNC/6.2.0)",
     .history = "4.0.0 Added the `ASYNC` flushing mode modifier.\n6.2.0 Added the `SYNC` flushing mode modifier."},
    {.name = "swapdb", .arity = 3, .flags = kWrite | kFast, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "4.0.0", .summary = "Swaps two Redis databases",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases.",
     .prepare = PrepareSwapDb, .apply = ApplySwapDb, .acl = kAclKeyspace | kAclDangerous,
     .args = "index1:integer index2:integer"},
    {.name = "flushall", .arity = -1, .flags = kWrite, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "1.0.0", .summary = "Remove all keys from all databases",
     .complexity = "O(N) where N is the total number of keys in all databases", .prepare = &PrepareFlush,
     .apply = &ApplyFlush, .acl = kAclKeyspace | kAclDangerous,
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "async:oneof?(async:pure-token=ASYNC/4.0.0 sync:pure-token=SYNC/6.2.0)",
     .history = "4.0.0 Added the `ASYNC` flushing mode modifier.\n6.2.0 Added the `SYNC` flushing mode modifier."},
    // Transactions (transactions.h): the server carries out MULTI..UNWATCH (connection state);
    // an EXEC that runs through the log is one redraft.exec entry.
    {.name = "multi", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "transactions", .since = "1.2.0",
     .summary = "Mark the start of a transaction block", .complexity = "O(1)", .execute = &TransactionCommandStub},
    {.name = "exec", .arity = 1, .flags = kNoScript | kLoading | kStale | kSkipSlowlog, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "transactions", .since = "1.2.0", .summary = "Execute all commands issued after MULTI",
     .complexity = "Depends on commands in the transaction", .execute = &TransactionCommandStub},
    {.name = "discard", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "transactions", .since = "2.0.0",
     .summary = "Discard all commands issued after MULTI",
     .complexity = "O(N), when N is the number of queued commands", .execute = &TransactionCommandStub},
    {.name = "watch", .arity = -2, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy, .first_key = 1,
     .last_key = -1, .key_step = 1, .group = "transactions", .since = "2.2.0",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .complexity = "O(1) for every key.", .execute = &TransactionCommandStub, .key_flags = "RO",
     .args = "key:key@0*"},
    {.name = "unwatch", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "transactions", .since = "2.2.0",
     .summary = "Forget about all watched keys", .complexity = "O(1)", .execute = &TransactionCommandStub},
    {.name = "redraft.exec", .arity = -4, .flags = kWrite | kInternal, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "transactions", .since = "0.1.0", .summary = "Internal: one EXEC (docs/transactions.md)",
     .complexity = "Depends on commands in the transaction", .prepare = &PrepareExec, .apply = &ApplyExec},
    {},
};

}  // namespace redraft::commands
