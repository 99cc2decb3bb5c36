// ACL commands (ACL SETUSER ... LOG) and the command layer's side of ACL checks (acl_cmds.h).
#include "commands/acl_cmds.h"

#include "acl/acl_file.h"

#include <unordered_map>

#include "acl/category.h"
#include "acl/password.h"
#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/glob.h"
#include "commands/scripting_cmds.h"
#include "commands/streams_blocking.h"
#include "commands/streams_groups.h"
#include "commands/server_api.h"
#include "common/coding.h"

namespace redraft::commands {
namespace {

using namespace acl;  // categories

// The table's categories (command.h AclCategory) are acl::Category bit for bit.
static_assert(kAclKeyspace == acl::kKeyspace && kAclRead == acl::kRead && kAclWrite == acl::kWrite &&
              kAclSet == acl::kSet && kAclSortedSet == acl::kSortedSet && kAclList == acl::kList &&
              kAclHash == acl::kHash && kAclString == acl::kString && kAclBitmap == acl::kBitmap &&
              kAclHyperLogLog == acl::kHyperLogLog && kAclGeo == acl::kGeo && kAclStream == acl::kStream &&
              kAclPubsub == acl::kPubsub && kAclAdmin == acl::kAdmin && kAclFast == acl::kFast &&
              kAclSlow == acl::kSlow && kAclBlocking == acl::kBlocking && kAclDangerous == acl::kDangerous &&
              kAclConnection == acl::kConnection && kAclTransaction == acl::kTransaction &&
              kAclScripting == acl::kScripting);

// ACL's own subcommands, with their categories as Redis 7.0 declares them (ACL is one table
// entry with its own dispatch; the table's containers list their subcommands themselves).
struct Sub {
  const char* name;
  uint32_t cats;
};
// acl::kAdmin, the category: unqualified, kAdmin is the command flag commands::kAdmin.
constexpr uint32_t kAdm = acl::kAdmin | acl::kSlow | acl::kDangerous;
const std::vector<Sub>& AclSubcommands() {
  static const std::vector<Sub> s = {{"cat", kSlow},      {"deluser", kAdm}, {"dryrun", kAdm}, {"genpass", kSlow},
                                     {"getuser", kAdm},   {"help", kSlow},   {"list", kAdm},   {"load", kAdm},
                                     {"log", kAdm},       {"save", kAdm},    {"setuser", kAdm}, {"users", kAdm},
                                     {"whoami", kSlow}};
  return s;
}

bool Glob(std::string_view p, std::string_view s) { return GlobMatch(p, s); }

// The permissions a key spec's flags require, as Redis's ACLSelectorCheckKey: "access" needs
// %R, "insert"/"delete"/"update" need %W ("RO", "RW", "OW", "RM" alone need nothing).
int PermOf(std::string_view flags) {
  int perm = 0;
  size_t i = 0;
  while (i < flags.size()) {
    size_t j = flags.find(' ', i);
    if (j == std::string_view::npos) j = flags.size();
    std::string_view w = flags.substr(i, j - i);
    if (EqualsIgnoreCase(w, "access")) perm |= acl::kKeyRead;
    if (EqualsIgnoreCase(w, "insert") || EqualsIgnoreCase(w, "delete") || EqualsIgnoreCase(w, "update")) {
      perm |= acl::kKeyWrite;
    }
    i = j + 1;
  }
  return perm;
}

bool HasFlagWord(std::string_view flags, std::string_view word) {
  size_t i = 0;
  while (i < flags.size()) {
    size_t j = flags.find(' ', i);
    if (j == std::string_view::npos) j = flags.size();
    if (EqualsIgnoreCase(flags.substr(i, j - i), word)) return true;
    i = j + 1;
  }
  return false;
}

// What a check needs of a command, computed once (the check runs for every command).
struct SpecInfo {
  int id;
  // Keys are the plain range first_key..last_key/key_step with one set of flags: found here
  // without the table's GetKeys (the common case), each needing `perm`.
  bool simple_keys;
  int perm;
  bool container;       // argv[1] may name a subcommand
};

struct AclTable {
  std::unique_ptr<CommandSet> set;
  std::unordered_map<const CommandSpec*, SpecInfo> info;
};

const AclTable& Table() {
  static const AclTable t = [] {
    AclTable t;
    std::vector<CommandDesc> descs;
    std::vector<const CommandSpec*> specs;
    for (const CommandSpec* c : AllCommands()) {
      if (c->flags & kInternal) continue;
      specs.push_back(c);
    }
    std::unordered_map<const CommandSpec*, SpecInfo> info;
    for (const CommandSpec* c : specs) {
      int id = static_cast<int>(descs.size());
      bool simple = c->key_specs.empty() && !(c->getkeys && HasFlagWord(c->key_flags, "variable_flags"));
      bool is_acl = c->name == "acl";
      bool container = is_acl || (c->subcommands && !c->subcommands->name.empty());
      info[c] = SpecInfo{id, simple, PermOf(c->key_flags), container};
      // Categories from the command table (AclCategories: as Redis derives them); Redis's
      // containers carry none of their own but @slow.
      descs.push_back({std::string(c->name), is_acl ? kSlow : AclCategories(*c), (c->flags & kNoAuth) != 0, -1});
      if (is_acl) {
        for (const Sub& s : AclSubcommands()) descs.push_back({"acl|" + std::string(s.name), s.cats, false, id});
      } else if (container) {
        for (const CommandSpec* s = c->subcommands; !s->name.empty(); ++s) {
          descs.push_back({std::string(s->name), AclCategories(*s), (s->flags & kNoAuth) != 0, id});
        }
      }
    }
    t.set = std::make_unique<CommandSet>(std::move(descs));
    t.info = std::move(info);
    return t;
  }();
  return t;
}

// --- storage ---
constexpr std::string_view kUserField = "acl:user:";
// Written by every applied ACL change (SETUSER, DELUSER, LOAD): a state with it has had its
// users managed, so an aclfile's start-up seed no longer applies (even if no user record is
// left). Not under kUserField: it is no user.
constexpr std::string_view kChangedField = "acl:changed";

void NoteAclChange(store::Store::Batch& b) { b.PutSub("", 0, kChangedField, "1"); }

std::string EncodeOps(const std::vector<std::string>& ops) {
  std::string out;
  for (const std::string& op : ops) PutLengthPrefixed(&out, op);
  return out;
}
bool DecodeOps(std::string_view in, std::vector<std::string>* ops) {
  while (!in.empty()) {
    std::string_view op;
    if (!GetLengthPrefixed(&in, &op)) return false;
    ops->emplace_back(op);
  }
  return true;
}

bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  }
  return false;
}

// Redis's ACLMergeSelectorArguments: a selector may span several arguments. Empty optional
// (and *bad set) if a parenthesis is unmatched.
// The user as stored in the batch (or a new one; Redis's default user if "default" was never
// stored). *exists says whether a record exists.
acl::User StoredUser(store::Store::Batch& b, const std::string& name, bool* exists) {
  std::string raw;
  *exists = b.GetSub("", 0, std::string(kUserField) + name, &raw).ok();
  if (!*exists) return name == "default" ? acl::User::Default(&AclCommandSet()) : acl::User(name, &AclCommandSet());
  acl::User u(name, &AclCommandSet());
  std::vector<std::string> ops;
  DecodeOps(raw, &ops);
  for (const std::string& op : ops) (void)u.SetOp(op);
  *exists = true;
  return u;
}

// ACL SETUSER name op...: validated and rewritten before proposing (passwords become hashes, so
// no clear-text password reaches the log); applied again on every node against the stored user.
bool PrepareSetUser(PrepareContext& ctx, Argv& argv) {
  if (HasSpaces(argv[1])) {
    ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
    return false;
  }
  std::string bad;
  auto ops = acl::MergeSelectorArgs(std::span<const std::string>(argv).subspan(2), &bad);
  if (!ops) {
    ctx.reply.Error("ERR Unmatched parenthesis in acl selector starting at '" + bad + "'.");
    return false;
  }
  acl::User probe(argv[1], &AclCommandSet());
  for (std::string& op : *ops) {
    if (!op.empty() && (op[0] == '>' || op[0] == '<')) {
      std::string hashed = std::string(op[0] == '>' ? "#" : "!") + acl::HashPassword(std::string_view(op).substr(1));
      op = std::move(hashed);
      continue;
    }
    if (!op.empty() && op[0] == '!') continue;  // removal: depends on the stored user
    if (auto err = probe.SetOp(op)) {
      ctx.reply.Error("ERR Error in ACL SETUSER modifier '" + op + "': " + *err);
      return false;
    }
  }
  argv.resize(2);
  for (std::string& op : *ops) argv.push_back(std::move(op));
  return true;
}

void ApplySetUser(ApplyContext& ctx, const Argv& argv) {
  if (HasSpaces(argv[1])) return ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
  bool exists;
  // The system namespace is stored key "", below any database view (store/db_view.h).
  store::Store::Batch& b = ctx.batch.base();
  acl::User u = StoredUser(b, argv[1], &exists);
  std::vector<std::string> ops(argv.begin() + 2, argv.end());
  if (auto err = u.SetOps(ops)) return ctx.reply.Error(*err);
  b.PutSub("", 0, std::string(kUserField) + argv[1], EncodeOps(u.Ops()));
  NoteAclChange(b);
  ctx.reply.Ok();
}

// redraft.aclload <replace|seed> (<name> <ops>)...: the users of an ACL file (ACL LOAD, or the
// file seeding an empty state at start-up: docs/acl.md), each user's User::Ops() varint
// length-prefixed as stored. replace: they become the only users, all or nothing; seed: the same,
// but only if the state holds no user yet (decided at apply, so the same on every replica).
bool PrepareAclLoad(PrepareContext& ctx, Argv& argv) {
  if ((argv[1] != "replace" && argv[1] != "seed") || argv.size() % 2 != 0) {
    ctx.reply.Error("ERR invalid log entry: malformed redraft.aclload");
    return false;
  }
  for (size_t i = 2; i < argv.size(); i += 2) {
    std::vector<std::string> ops;
    acl::User probe(argv[i], &AclCommandSet());
    if (HasSpaces(argv[i]) || !DecodeOps(argv[i + 1], &ops) || probe.SetOps(ops)) {
      ctx.reply.Error("ERR invalid log entry: malformed redraft.aclload user");
      return false;
    }
  }
  return true;
}

void ApplyAclLoad(ApplyContext& ctx, const Argv& argv) {
  store::Store::Batch& b = ctx.batch.base();  // the system namespace, below any database view
  std::vector<std::string> old;
  b.ScanSub("", 0, kUserField, [&](std::string_view field, std::string_view) {
    if (!field.starts_with(kUserField)) return false;
    old.emplace_back(field);
    return true;
  });
  std::string changed;
  if (argv[1] == "seed" && (!old.empty() || b.GetSub("", 0, kChangedField, &changed).ok())) {
    return ctx.reply.Ok();  // users exist or were managed: the file seeds nothing
  }
  NoteAclChange(b);
  for (const std::string& field : old) b.DeleteSub("", 0, field);
  for (size_t i = 2; i + 1 < argv.size(); i += 2) b.PutSub("", 0, std::string(kUserField) + argv[i], argv[i + 1]);
  ctx.reply.Ok();
}

bool PrepareDelUser(PrepareContext& ctx, Argv& argv) {
  for (size_t i = 1; i < argv.size(); i++) {
    if (argv[i] == "default") {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return false;
    }
  }
  return true;
}

void ApplyDelUser(ApplyContext& ctx, const Argv& argv) {
  for (size_t i = 1; i < argv.size(); i++) {
    if (argv[i] == "default") return ctx.reply.Error("ERR The 'default' user cannot be removed");
  }
  int64_t deleted = 0;
  store::Store::Batch& b = ctx.batch.base();  // the system namespace, below any database view
  NoteAclChange(b);
  for (size_t i = 1; i < argv.size(); i++) {
    std::string field = std::string(kUserField) + argv[i], raw;
    if (!b.GetSub("", 0, field, &raw).ok()) continue;
    b.DeleteSub("", 0, field);
    deleted++;
  }
  ctx.reply.Integer(deleted);
}


std::string ClientInfo(ExecContext& ctx) {
  if (!ctx.server) return "";
  std::string s = ctx.server->ClientList({ctx.session.id});
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void AclCmd(ExecContext& ctx, const Argv& argv) {
  acl::Registry* reg = ctx.server ? ctx.server->acl() : nullptr;
  std::string sub = argv[1];
  for (auto& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto arity = [&](int n) {
    int argc = static_cast<int>(argv.size());
    if (n >= 0 ? argc == n : argc >= -n) return true;
    ctx.reply.Error(WrongArity("acl|" + sub));
    return false;
  };
  auto& r = ctx.reply;
  // Redis's addReplySubcommandSyntaxError, for a subcommand given too many arguments.
  auto syntax = [&] {
    std::string cmd = argv[0];
    for (auto& c : cmd) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    r.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(EchoArg(argv[1], 128)) +
            "'. Try " + cmd + " HELP.");
  };
  if (sub == "setuser" || sub == "deluser") {
    // Only reached with too few arguments (AclWriteForm turns the others into log writes).
    arity(-3);
    return;
  }
  if (sub == "cat") {
    if (!arity(-2)) return;
    if (argv.size() == 2) {
      r.ArrayHeader(acl::kCategoryCount);
      for (auto name : acl::kCategoryNames) r.Bulk(name);
      return;
    }
    if (argv.size() != 3) return syntax();
    uint32_t cat = acl::CategoryByName(argv[2]);
    if (!cat) return r.Error("ERR Unknown category '" + std::string(EchoArg(argv[2], 128)) + "'");
    const CommandSet& cs = AclCommandSet();
    std::vector<std::string_view> names;
    for (size_t id = 0; id < cs.size(); id++) {
      if (cs.at(static_cast<int>(id)).categories & cat) names.push_back(cs.at(static_cast<int>(id)).fullname);
    }
    r.ArrayHeader(names.size());
    for (auto n : names) r.Bulk(n);
    return;
  }
  if (sub == "genpass") {
    if (argv.size() > 3) return syntax();
    int64_t bits = 256;
    if (argv.size() == 3 && !ParseInt64(argv[2], &bits)) return r.Error(kErrNotInteger);
    if (bits <= 0 || bits > 4096) {
      return r.Error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
                     "number up to 4096");
    }
    return r.Bulk(acl::RandomHex(bits));
  }
  if (sub == "whoami") {
    if (!arity(2)) return;
    return r.Bulk(ctx.session.user);
  }
  if (sub == "save" || sub == "load") {
    return r.Error("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via "
                   "the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
                   "configuration file set) in order to store users in the Redis configuration.");
  }
  if (sub == "help") {
    if (!arity(2)) return;
    static const char* kHelp[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Print this help."};
    r.ArrayHeader(std::size(kHelp));
    for (const char* line : kHelp) r.SimpleString(line);
    return;
  }
  if (!reg) return r.Error(UnknownSubcommand(argv));
  if (sub == "getuser") {
    if (!arity(3)) return;
    auto u = reg->Find(argv[2]);
    if (!u) return r.Null();
    r.MapHeader(6);
    r.Bulk("flags");
    auto flags = u->FlagNames();
    r.SetHeader(flags.size());
    for (auto& f : flags) r.Bulk(f);
    r.Bulk("passwords");
    r.ArrayHeader(u->passwords().size());
    for (auto& p : u->passwords()) r.Bulk(p);
    r.Bulk("commands"), r.Bulk(u->DescribeCommands());
    r.Bulk("keys"), r.Bulk(u->DescribeKeys());
    r.Bulk("channels"), r.Bulk(u->DescribeChannels());
    r.Bulk("selectors"), r.ArrayHeader(u->selectors().size());
    for (const acl::User& sel : u->selectors()) {
      r.MapHeader(3);
      r.Bulk("commands"), r.Bulk(sel.DescribeCommands());
      r.Bulk("keys"), r.Bulk(sel.DescribeKeys());
      r.Bulk("channels"), r.Bulk(sel.DescribeChannels());
    }
    return;
  }
  if (sub == "list" || sub == "users") {
    if (!arity(2)) return;
    r.ArrayHeader(reg->users().size());
    for (auto& [name, u] : reg->users()) {
      if (sub == "users") r.Bulk(name);
      else r.Bulk("user " + name + " " + u->Describe());
    }
    return;
  }
  if (sub == "dryrun") {
    if (!arity(-4)) return;
    auto u = reg->Find(argv[2]);
    if (!u) return r.Error("ERR User '" + std::string(EchoArg(argv[2])) + "' not found");
    const CommandSpec* spec = Lookup(argv[3]);
    if (!spec || (spec->flags & kInternal)) return r.Error("ERR Command '" + std::string(EchoArg(argv[3])) + "' not found");
    Argv cmd(argv.begin() + 3, argv.end());
    int n = static_cast<int>(cmd.size());
    if ((spec->arity > 0 && n != spec->arity) || (spec->arity < 0 && n < -spec->arity)) {
      return r.Error(WrongArity(spec->name));
    }
    acl::CheckResult res = AclCheck(*u, *spec, cmd);
    if (res.denial == acl::Denial::kNone) return r.Ok();
    if (res.denial == acl::Denial::kCommand) {
      return r.Bulk("This user has no permissions to run the '" + AclCommandSet().at(AclCommandId(*spec, cmd)).fullname +
                    "' command");
    }
    return r.Bulk("This user has no permissions to access the '" + cmd[res.argpos] + "' " +
                  (res.denial == acl::Denial::kKey ? "key" : "channel"));
  }
  if (sub == "log") {
    if (argv.size() > 3) return syntax();
    int64_t count = 10;
    if (argv.size() == 3) {
      if (EqualsIgnoreCase(argv[2], "reset")) {
        reg->log().Reset();
        return r.Ok();
      }
      if (!ParseInt64(argv[2], &count)) return r.Error(kErrNotInteger);
      if (count < 0) count = 0;
    }
    const auto& entries = reg->log().entries();
    size_t n = std::min<size_t>(static_cast<size_t>(count), entries.size());
    r.ArrayHeader(n);
    for (size_t i = 0; i < n; i++) {
      const acl::LogEntry& e = entries[i];
      r.MapHeader(7);
      r.Bulk("count"), r.Integer(static_cast<int64_t>(e.count));
      r.Bulk("reason"), r.Bulk(acl::DenialName(e.reason));
      r.Bulk("context"), r.Bulk(e.context);
      r.Bulk("object"), r.Bulk(e.object);
      r.Bulk("username"), r.Bulk(e.username);
      r.Bulk("age-seconds"), r.Double(static_cast<double>(ctx.now_ms - e.ctime_ms) / 1000);
      r.Bulk("client-info"), r.Bulk(e.client_info);
    }
    return;
  }
  r.Error(UnknownSubcommand(argv));
}

}  // namespace

const acl::CommandSet& AclCommandSet() { return *Table().set; }

namespace {

int IdOf(const SpecInfo& info, const CommandSpec& spec, const Argv& argv) {
  if (info.container && argv.size() >= 2) {
    int sub = Table().set->Find(std::string(spec.name) + "|" + argv[1]);
    if (sub >= 0) return sub;
  }
  return info.id;
}

// The keys of argv and the permission each needs: Redis's getKeysFromCommandWithSpecs and
// key-spec flags (commands/command_info.h GetKeys), with the plain range done here.
void KeysOf(const SpecInfo& info, const CommandSpec& spec, const Argv& argv, std::vector<acl::KeyArg>* keys) {
  keys->clear();
  if (!info.simple_keys) {
    for (const KeyRef& k : GetKeys(spec, argv)) keys->push_back({k.pos, PermOf(k.flags)});
    return;
  }
  if (spec.first_key <= 0) return;
  int argc = static_cast<int>(argv.size());
  int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  int step = spec.key_step > 0 ? spec.key_step : 1;
  for (int i = spec.first_key; i <= last && i < argc; i += step) keys->push_back({static_cast<size_t>(i), info.perm});
}

}  // namespace

int AclCommandId(const CommandSpec& spec, const Argv& argv) {
  auto it = Table().info.find(&spec);
  return it == Table().info.end() ? -1 : IdOf(it->second, spec, argv);
}

std::vector<acl::KeyArg> AclKeys(const CommandSpec& spec, const Argv& argv) {
  std::vector<acl::KeyArg> keys;
  auto it = Table().info.find(&spec);
  if (it != Table().info.end()) KeysOf(it->second, spec, argv, &keys);
  return keys;
}

// Redis 7.0's getChannelsFromCommand: the channels a Pub/Sub command publishes or subscribes
// to (unsubscribing is never checked); PSUBSCRIBE's patterns are compared literally.
static void ChannelsOf(const CommandSpec& spec, const Argv& argv, std::vector<size_t>* out, bool* literal) {
  out->clear();
  *literal = false;
  if (!(spec.flags & kPubsub)) return;  // first: this runs for every command a restricted user sends
  *literal = spec.name == "psubscribe";
  if (spec.name == "publish" || spec.name == "spublish") {
    out->push_back(1);
  } else if (spec.name == "subscribe" || spec.name == "ssubscribe" || spec.name == "psubscribe") {
    for (size_t i = 1; i < argv.size(); i++) out->push_back(i);
  }
}

acl::CheckResult AclCheck(const acl::User& user, const CommandSpec& spec, const Argv& argv) {
  if (user.unrestricted()) return {};
  // The last command's info (workloads repeat commands; the table never changes).
  thread_local const CommandSpec* last_spec = nullptr;
  thread_local const SpecInfo* last_info = nullptr;
  if (&spec != last_spec) {
    const AclTable& t = Table();
    auto it = t.info.find(&spec);
    if (it == t.info.end()) return {acl::Denial::kCommand, 0};
    last_spec = &spec;
    last_info = &it->second;
  }
  int id = IdOf(*last_info, spec, argv);
  // One plain key and no channels (GET, SET...): no thread_local vectors (each access of one with
  // a destructor goes through its TLS guard), the common case of a restricted user.
  if (last_info->simple_keys && spec.first_key > 0 && spec.last_key == spec.first_key && !(spec.flags & kPubsub)) {
    if (argv.size() <= static_cast<size_t>(spec.first_key)) return user.Check(id, argv, {}, {}, false, &Glob);
    acl::KeyArg key{static_cast<size_t>(spec.first_key), last_info->perm};
    return user.Check(id, argv, {&key, 1}, {}, false, &Glob);
  }
  thread_local std::vector<size_t> channels;  // reused: no allocation per command
  bool literal = false;
  ChannelsOf(spec, argv, &channels, &literal);
  thread_local std::vector<acl::KeyArg> keys;  // reused: no allocation per command
  KeysOf(*last_info, spec, argv, &keys);
  return user.Check(id, argv, keys, channels, literal, &Glob);
}

std::string AclDenialError(const acl::CheckResult& r, const CommandSpec& spec, const Argv& argv) {
  if (r.denial == acl::Denial::kKey) return "NOPERM this user has no permissions to access one of the keys used as arguments";
  if (r.denial == acl::Denial::kChannel) {
    return "NOPERM this user has no permissions to access one of the channels used as arguments";
  }
  int id = AclCommandId(spec, argv);
  std::string name = id >= 0 ? AclCommandSet().at(id).fullname : std::string(spec.name);
  return "NOPERM this user has no permissions to run the '" + name + "' command";
}

std::string AclExecDenialError(const acl::CheckResult& r) {
  const char* reason = r.denial == acl::Denial::kCommand   ? "no permission to execute the command or subcommand"
                       : r.denial == acl::Denial::kKey     ? "no permission to touch the specified keys"
                       : r.denial == acl::Denial::kChannel ? "no permission to access one of the channels used as arguments"
                                                           : "no permission";
  return std::string("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
                     "This command is no longer allowed for the following reason: ") + reason;
}

namespace {

// ACL SETUSER/DELUSER back from their log form (AclWriteForm's inverse), or null if spec is not
// an internal ACL write.
const CommandSpec* AclClientForm(const CommandSpec& spec, const Argv& argv, Argv* out) {
  if (const CommandSpec* x = XgroupClientForm(spec, argv, out)) return x;  // redraft.xgroup (streams_groups.h)
  if (!IsAclWrite(spec)) return ScriptClientForm(spec, argv, out);
  *out = argv;
  if (spec.apply == &ApplyAclLoad) {
    *out = {"acl", "load"};
  } else {
    (*out)[0] = spec.apply == &ApplySetUser ? "setuser" : "deluser";
    out->insert(out->begin(), "acl");
  }
  return Lookup("acl");
}

}  // namespace

const CommandSpec* ClientForm(const CommandSpec& spec, const Argv& argv, Argv* out) {
  if (const CommandSpec* x = AclClientForm(spec, argv, out)) return x;
  if (!(spec.flags & kInternal) || argv.empty()) return nullptr;
  if (spec.name == "redraft.read" && argv.size() >= 2) {
    out->assign(argv.begin() + 1, argv.end());
    return Lookup((*out)[0]);
  }
  if (spec.name == kInternalXread) {
    *out = argv;
    (*out)[0] = "xread";
    return Lookup("xread");
  }
  return nullptr;
}

acl::CheckResult AclCheckEntry(const acl::User& user, const CommandSpec& spec, const Argv& argv) {
  Argv client;
  if (const CommandSpec* acl = AclClientForm(spec, argv, &client)) return AclCheck(user, *acl, client);
  return AclCheck(user, spec, argv);
}

std::string AclEntryDenialError(const acl::CheckResult& r, const CommandSpec& spec, const Argv& argv) {
  Argv client;
  if (const CommandSpec* acl = AclClientForm(spec, argv, &client)) return AclDenialError(r, *acl, client);
  return AclDenialError(r, spec, argv);
}

void AclWriteForm(const CommandSpec** spec, Argv* argv) {
  if ((*spec)->name != "acl" || argv->size() < 3) return;
  const char* form = EqualsIgnoreCase((*argv)[1], "setuser")   ? "redraft.aclsetuser"
                     : EqualsIgnoreCase((*argv)[1], "deluser") ? "redraft.acldeluser"
                                                               : nullptr;
  if (!form) return;
  argv->erase(argv->begin());
  (*argv)[0] = form;
  *spec = Lookup(form);
}

Argv AclLoadForm(const std::map<std::string, std::vector<std::string>>& users, bool seed) {
  Argv argv{"redraft.aclload", seed ? "seed" : "replace"};
  for (const auto& [name, ops] : users) {
    argv.push_back(name);
    argv.push_back(EncodeOps(ops));
  }
  return argv;
}

bool AclStateManaged(store::Store& store) {
  std::string v;
  if (store.GetSub("", 0, kChangedField, &v).ok()) return true;
  bool any = false;
  store.ScanSub("", 0, kUserField, [&](std::string_view field, std::string_view) {
    any = field.starts_with(kUserField);
    return false;
  });
  return any;
}

std::map<std::string, std::vector<std::string>> LoadAclUsers(store::Store& store) {
  std::map<std::string, std::vector<std::string>> users;
  store.ScanSub("", 0, kUserField, [&](std::string_view field, std::string_view value) {
    if (!field.starts_with(kUserField)) return false;
    std::vector<std::string> ops;
    if (DecodeOps(value, &ops)) users[std::string(field.substr(kUserField.size()))] = std::move(ops);
    return true;
  });
  return users;
}

bool IsAclLoad(const CommandSpec& spec, const Argv& argv) {
  return spec.apply == &ApplyAclLoad && argv.size() >= 2 && argv[1] == "replace";
}

bool IsAclWrite(const CommandSpec& spec) {
  return spec.apply == &ApplySetUser || spec.apply == &ApplyDelUser || spec.apply == &ApplyAclLoad;
}

// ACL's subcommands (COMMAND INFO/DOCS as Redis 7.0's): each runs AclCmd, which dispatches on argv[1].
const CommandSpec kAclSubcommands[] = {
    {.name = "acl|cat", .arity = -2, .flags = kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "List the ACL categories or the commands inside a category",
     .complexity = "O(1) since the categories and commands are a fixed set.", .execute = &AclCmd,
     .args = "categoryname:string?"},
    {.name = "acl|deluser", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Remove the specified ACL users and the associated rules",
     .complexity = "O(1) amortized time considering the typical user.", .execute = &AclCmd,
     .args = "username:string*"},
    {.name = "acl|dryrun", .arity = -4, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "server", .since = "7.0.0",
     .summary = "Returns whether the user can execute the given command without executing the command.",
     .complexity = "O(1).", .execute = &AclCmd, .args = "username:string command:string arg:string?*"},
    {.name = "acl|genpass", .arity = -2, .flags = kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Generate a pseudorandom secure password to use for ACL users", .complexity = "O(1)",
     .execute = &AclCmd, .args = "bits:integer?"},
    {.name = "acl|getuser", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Get the rules for a specific ACL user",
     .complexity = "O(N). Where N is the number of password, command and pattern rules that the user has.",
     .execute = &AclCmd, .args = "username:string",
     .history = "6.2.0 Added Pub/Sub channel patterns.\n7.0.0 Added selectors and changed the format of key and "
                "channel patterns from a list to their rule representation."},
    {.name = "acl|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "6.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &AclCmd},
    {.name = "acl|list", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "List the current ACL rules in ACL config file format",
     .complexity = "O(N). Where N is the number of configured users.", .execute = &AclCmd},
    {.name = "acl|load", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0", .summary = "Reload the ACLs from the configured ACL file",
     .complexity = "O(N). Where N is the number of configured users.", .execute = &AclCmd},
    {.name = "acl|log", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "List latest events denied because of ACLs in place",
     .complexity = "O(N) with N being the number of entries shown.", .execute = &AclCmd,
     .args = "operation:oneof?(count:integer reset:pure-token=RESET)"},
    {.name = "acl|save", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Save the current ACL rules in the configured ACL file",
     .complexity = "O(N). Where N is the number of configured users.", .execute = &AclCmd},
    {.name = "acl|setuser", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0,
     .last_key = 0, .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Modify or create the rules for a specific ACL user",
     .complexity = "O(N). Where N is the number of rules provided.", .execute = &AclCmd,
     .args = "username:string rule:string?*",
     .history = "6.2.0 Added Pub/Sub channel patterns.\n7.0.0 Added selectors and key based permissions."},
    {.name = "acl|users", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "List the username of all the configured ACL rules",
     .complexity = "O(N). Where N is the number of configured users.", .execute = &AclCmd},
    {.name = "acl|whoami", .arity = 2, .flags = kNoScript | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0",
     .summary = "Return the name of the user associated to the current connection", .complexity = "O(1)",
     .execute = &AclCmd},
    {},
};

const CommandSpec kAclCommands[] = {
    {.name = "acl", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "server",
     .since = "6.0.0", .summary = "A container for Access List Control commands ",
     .complexity = "Depends on subcommand.", .execute = &DispatchSubcommand, .subcommands = kAclSubcommands},
    {.name = "redraft.aclsetuser", .arity = -2, .flags = kWrite | kInternal | kAdmin, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0", .summary = "ACL SETUSER in its log form.",
     .complexity = "O(N)", .prepare = PrepareSetUser, .apply = ApplySetUser},
    {.name = "redraft.acldeluser", .arity = -2, .flags = kWrite | kInternal | kAdmin, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0", .summary = "ACL DELUSER in its log form.",
     .complexity = "O(1)", .prepare = PrepareDelUser, .apply = ApplyDelUser},
    {.name = "redraft.aclload", .arity = -2, .flags = kWrite | kInternal | kAdmin, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "6.0.0", .summary = "ACL LOAD (the file's users) in its log form.",
     .complexity = "O(N)", .prepare = PrepareAclLoad, .apply = ApplyAclLoad},
    {},
};

}  // namespace redraft::commands
