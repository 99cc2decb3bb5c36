// Connection and server commands: PING, ECHO, QUIT, HELLO, SELECT, AUTH, CLIENT, CONFIG, INFO,
// DBSIZE, TIME, FLUSHDB, FLUSHALL, SHUTDOWN. (COMMAND lives in command_info.cc.) Server state is
// reached only through ServerApi.
#include <chrono>

#include "acl/registry.h"
#include "commands/args.h"
#include "commands/command.h"
#include "commands/command_info.h"
#include "commands/server_api.h"

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

void Select(ExecContext& ctx, const Argv& argv) {
  int64_t db;
  if (!ParseInt64(argv[1], &db) || db < INT32_MIN || db > INT32_MAX) return ctx.reply.Error(kErrNotInteger);
  if (db != 0) return ctx.reply.Error("ERR DB index is out of range");
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

void ClientCmd(ExecContext& ctx, const Argv& argv) {
  std::string sub = argv[1];
  for (auto& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto arity_ok = [&](int arity) {
    int n = static_cast<int>(argv.size());
    if (arity >= 0 ? n == arity : n >= -arity) return true;
    ctx.reply.Error(WrongArity("client|" + sub));
    return false;
  };
  if (sub == "id") {
    if (!arity_ok(2)) return;
    return ctx.reply.Integer(static_cast<int64_t>(ctx.session.id));
  }
  if (sub == "setname") {
    if (!arity_ok(3)) return;
    if (!ValidClientAttr(argv[2])) {
      return ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    ctx.session.name = argv[2];
    return ctx.reply.Ok();
  }
  if (sub == "getname") {
    if (!arity_ok(2)) return;
    if (ctx.session.name.empty()) return ctx.reply.Null();
    return ctx.reply.Bulk(ctx.session.name);
  }
  if (sub == "setinfo") {
    if (!arity_ok(4)) return;
    bool is_name = EqualsIgnoreCase(argv[2], "lib-name");
    if (!is_name && !EqualsIgnoreCase(argv[2], "lib-ver")) {
      return ctx.reply.Error("ERR Unrecognized option '" + std::string(EchoArg(argv[2])) + "'");
    }
    if (!ValidClientAttr(argv[3])) {
      return ctx.reply.Error(std::string("ERR ") + (is_name ? "lib-name" : "lib-ver") +
                             " cannot contain spaces, newlines or special characters.");
    }
    (is_name ? ctx.session.lib_name : ctx.session.lib_ver) = argv[3];
    return ctx.reply.Ok();
  }
  if (!ctx.server) return ctx.reply.Error(UnknownSubcommand(argv));
  if (sub == "list") {
    if (!arity_ok(-2)) return;
    std::vector<uint64_t> ids;
    if (argv.size() >= 4 && EqualsIgnoreCase(argv[2], "id")) {
      for (size_t i = 3; i < argv.size(); i++) {
        int64_t id;
        if (!ParseInt64(argv[i], &id) || id <= 0) return ctx.reply.Error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else if (argv.size() == 4 && EqualsIgnoreCase(argv[2], "type")) {
      if (!EqualsIgnoreCase(argv[3], "normal")) {
        if (EqualsIgnoreCase(argv[3], "master") || EqualsIgnoreCase(argv[3], "replica") ||
            EqualsIgnoreCase(argv[3], "pubsub")) {
          return ctx.reply.Verbatim("");
        }
        return ctx.reply.Error("ERR Unknown client type '" + std::string(EchoArg(argv[3])) + "'");
      }
    } else if (argv.size() != 2) {
      return ctx.reply.Error(kErrSyntax);
    }
    return ctx.reply.Verbatim(ctx.server->ClientList(ids));
  }
  if (sub == "info") {
    if (!arity_ok(2)) return;
    return ctx.reply.Verbatim(ctx.server->ClientList({ctx.session.id}));
  }
  if (sub == "kill") {
    if (!arity_ok(-3)) return;
    ClientKillFilter f;
    if (argv.size() == 3) {  // old form: CLIENT KILL addr:port
      f.addr = argv[2];
      f.skipme = false;
      if (ctx.server->KillClients(ctx.session.id, f) == 0) return ctx.reply.Error("ERR No such client");
      return ctx.reply.Ok();
    }
    if (argv.size() % 2 != 0) return ctx.reply.Error(kErrSyntax);
    for (size_t i = 2; i + 1 < argv.size(); i += 2) {
      const std::string& k = argv[i];
      const std::string& v = argv[i + 1];
      if (EqualsIgnoreCase(k, "id")) {
        int64_t id;
        if (!ParseInt64(v, &id) || id <= 0) return ctx.reply.Error("ERR client-id should be greater than 0");
        f.id = static_cast<uint64_t>(id);
      } else if (EqualsIgnoreCase(k, "addr")) {
        f.addr = v;
      } else if (EqualsIgnoreCase(k, "laddr")) {
        f.laddr = v;
      } else if (EqualsIgnoreCase(k, "skipme")) {
        if (EqualsIgnoreCase(v, "yes")) f.skipme = true;
        else if (EqualsIgnoreCase(v, "no")) f.skipme = false;
        else return ctx.reply.Error(kErrSyntax);
      } else {
        return ctx.reply.Error(kErrSyntax);
      }
    }
    return ctx.reply.Integer(ctx.server->KillClients(ctx.session.id, f));
  }
  ctx.reply.Error(UnknownSubcommand(argv));
}

void ConfigCmd(ExecContext& ctx, const Argv& argv) {
  std::string sub = argv[1];
  for (auto& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!ctx.server) return ctx.reply.Error(UnknownSubcommand(argv));
  if (sub == "get") {
    if (argv.size() < 3) return ctx.reply.Error(WrongArity("config|get"));
    std::vector<std::pair<std::string, std::string>> all;
    for (size_t i = 2; i < argv.size(); i++) {
      for (auto& kv : ctx.server->ConfigGet(argv[i])) {
        bool dup = false;
        for (auto& seen : all) dup |= seen.first == kv.first;
        if (!dup) all.push_back(kv);
      }
    }
    ctx.reply.MapHeader(all.size());
    for (auto& [k, v] : all) ctx.reply.Bulk(k), ctx.reply.Bulk(v);
    return;
  }
  if (sub == "set") {
    if (argv.size() < 4 || argv.size() % 2 != 0) return ctx.reply.Error(WrongArity("config|set"));
    for (size_t i = 2; i < argv.size(); i += 2) {
      Status st = ctx.server->ConfigSet(argv[i], argv[i + 1]);
      if (st.IsNotFound()) return ctx.reply.Error("ERR " + st.message());
      if (!st.ok()) {
        return ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" + std::string(EchoArg(argv[i])) +
                               "') - " + st.message());
      }
    }
    return ctx.reply.Ok();
  }
  if (sub == "resetstat") {
    if (argv.size() != 2) return ctx.reply.Error(WrongArity("config|resetstat"));
    return ctx.reply.Ok();
  }
  if (sub == "rewrite") {
    return ctx.reply.Error("ERR The server is running without a config file");
  }
  ctx.reply.Error(UnknownSubcommand(argv));
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

void ApplyFlush(ApplyContext& ctx, const Argv&) {
  ctx.batch.DeleteAll();
  ctx.reply.Ok();
}

}  // namespace

const CommandSpec kServerCommands[] = {
    {"ping", -1, kFast | kStale, 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "O(1)", Ping},
    {"echo", 2, kFast | kStale | kLoading, 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "O(1)", Echo},
    {"quit", -1, kNoAuth | kNoScript | kStale | kLoading | kFast | kAllowBusy, 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "O(1)", Quit},
    {"hello", -1, kNoAuth | kNoScript | kStale | kLoading | kFast | kAllowBusy, 0, 0, 0, "connection", "6.0.0", "Handshakes with the Redis server.", "O(1)", Hello},
    {"select", 2, kLoading | kStale | kFast, 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "O(1)", Select},
    {"auth", -2, kNoAuth | kNoScript | kStale | kLoading | kFast | kAllowBusy, 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "O(N) where N is the number of passwords defined for the user", Auth},
    {"client", -2, kNoScript | kLoading | kStale, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands.", "Depends on subcommand.", ClientCmd},
    {"command", -1, kLoading | kStale, 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "O(N) where N is the total number of Redis commands", CommandCommand},
    {"config", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands.", "Depends on subcommand.", ConfigCmd},
    {"info", -1, kLoading | kStale, 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "O(1)", Info},
    {"dbsize", 1, kReadonly | kFast, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "O(1)", DbSize},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, "server", "2.6.0", "Returns the server time.", "O(1)", Time},
    {"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", Shutdown},
    {"flushdb", -1, kWrite, 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "O(N) where N is the total number of keys in all databases", nullptr, PrepareFlush, ApplyFlush},
    {"flushall", -1, kWrite, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "O(N) where N is the total number of keys in all databases", nullptr, PrepareFlush, ApplyFlush},
    {},
};

}  // namespace redraft::commands
