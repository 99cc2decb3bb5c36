// COMMAND: everything it reports comes from the declarative table (arity, flags, key specs, ACL
// categories, tips, docs), in Redis 7.0's reply shapes and orders (server.c, commands.c).
#include "commands/command_info.h"

#include <cctype>
#include <cstdlib>
#include <string>

#include "commands/args.h"
#include "commands/glob.h"

namespace redraft::commands {
namespace {

// In Redis's addReplyCommandFlags order; movablekeys is derived from the key specs.
constexpr std::pair<uint32_t, std::string_view> kFlagNames[] = {
    {kWrite, "write"},         {kReportsWrite, "write"},  {kReadonly, "readonly"},
    {kDenyOom, "denyoom"},     {kAdmin, "admin"},
    {kPubsub, "pubsub"},       {kNoScript, "noscript"},
    {kBlocking, "blocking"},   {kLoading, "loading"},
    {kStale, "stale"},         {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"}, {kFast, "fast"},
    {kNoAuth, "no_auth"},      {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"}, {kNoMulti, "no_multi"},
    {0, "movablekeys"},        {kAllowBusy, "allow_busy"},
};

constexpr std::string_view kAclNames[] = {
    "keyspace", "read",  "write",  "set",     "sortedset", "list",       "hash",
    "string",   "bitmap", "hyperloglog", "geo", "stream", "pubsub",     "admin",
    "fast",     "slow",  "blocking", "dangerous", "connection", "transaction", "scripting"};

// Redis's key-spec flags, in addReplyFlagsForKeyArgs order.
constexpr std::string_view kKeyFlagOrder[] = {"RO",     "RW",     "OW",      "RM",         "access",        "update",
                                              "insert", "delete", "not_key", "incomplete", "variable_flags"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Splits a space-separated list ("RW access delete").
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') i++;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') j++;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool HasWord(std::string_view list, std::string_view word) {
  for (auto w : Words(list)) {
    if (w == word) return true;
  }
  return false;
}

// The key specs of a command: its explicit ones, or the one first/last/step describe.
std::vector<KeySpec> Specs(const CommandSpec& c) {
  if (!c.key_specs.empty()) return {c.key_specs.begin(), c.key_specs.end()};
  if (c.first_key <= 0) return {};
  KeySpec s{.flags = c.key_flags, .index = c.first_key};
  s.lastkey = c.last_key < 0 ? c.last_key : c.last_key - c.first_key;
  s.keystep = c.key_step;
  s.notes = c.key_notes;
  return {s};
}

void ReplyWords(resp::ReplyBuilder& r, std::string_view list) {
  auto words = Words(list);
  r.SetHeader(words.size());
  for (auto w : words) r.SimpleString(w);
}

void ReplyFlags(resp::ReplyBuilder& r, const CommandSpec& c) {
  bool movable = HasMovableKeys(c);
  size_t n = 0;
  for (auto& [bit, name] : kFlagNames) n += (bit ? (c.flags & bit) != 0 : movable) ? 1 : 0;
  r.SetHeader(n);
  for (auto& [bit, name] : kFlagNames) {
    if (bit ? (c.flags & bit) != 0 : movable) r.SimpleString(name);
  }
}

void ReplyAclCategories(resp::ReplyBuilder& r, const CommandSpec& c) {
  uint32_t cats = AclCategories(c);
  r.SetHeader(static_cast<size_t>(__builtin_popcount(cats)));
  for (size_t i = 0; i < std::size(kAclNames); i++) {
    if (cats & (1u << i)) r.SimpleString("@" + std::string(kAclNames[i]));
  }
}

void ReplyKeySpec(resp::ReplyBuilder& r, const KeySpec& s) {
  r.MapHeader(s.notes.empty() ? 3 : 4);
  if (!s.notes.empty()) r.Bulk("notes"), r.Bulk(s.notes);
  r.Bulk("flags");
  ReplyWords(r, s.flags);
  r.Bulk("begin_search");
  r.MapHeader(2);
  if (s.unknown) {  // SORT's (issue 12)
    r.Bulk("type"), r.Bulk("unknown"), r.Bulk("spec"), r.MapHeader(0);
    r.Bulk("find_keys"), r.MapHeader(2);
    r.Bulk("type"), r.Bulk("unknown"), r.Bulk("spec"), r.MapHeader(0);
    return;
  }
  if (s.keyword.empty()) {
    r.Bulk("type"), r.Bulk("index");
    r.Bulk("spec"), r.MapHeader(1), r.Bulk("index"), r.Integer(s.index);
  } else {
    r.Bulk("type"), r.Bulk("keyword");
    r.Bulk("spec"), r.MapHeader(2);
    r.Bulk("keyword"), r.Bulk(s.keyword);
    r.Bulk("startfrom"), r.Integer(s.startfrom);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  if (s.keynum) {
    r.Bulk("type"), r.Bulk("keynum");
    r.Bulk("spec"), r.MapHeader(3);
    r.Bulk("keynumidx"), r.Integer(s.keynumidx);
    r.Bulk("firstkey"), r.Integer(s.firstkey);
    r.Bulk("keystep"), r.Integer(s.keystep);
  } else {
    r.Bulk("type"), r.Bulk("range");
    r.Bulk("spec"), r.MapHeader(3);
    r.Bulk("lastkey"), r.Integer(s.lastkey);
    r.Bulk("keystep"), r.Integer(s.keystep);
    r.Bulk("limit"), r.Integer(s.limit);
  }
}

size_t CountSubcommands(const CommandSpec& c) {
  size_t n = 0;
  for (const CommandSpec* s = c.subcommands; s && !s->name.empty(); ++s) n++;
  return n;
}

void ReplyInfo(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(c.name);
  r.Integer(c.arity);
  ReplyFlags(r, c);
  r.Integer(c.first_key);
  r.Integer(c.last_key);
  r.Integer(c.key_step);
  ReplyAclCategories(r, c);
  // RESP3 types as Redis 7.0's: tips (bulk strings) and key specs are sets; subcommands an array,
  // or an empty set when there are none.
  auto tips = Words(c.tips);
  r.SetHeader(tips.size());
  for (auto t : tips) r.Bulk(t);
  auto specs = Specs(c);
  r.SetHeader(specs.size());
  for (auto& s : specs) ReplyKeySpec(r, s);
  size_t subs = CountSubcommands(c);
  if (!subs) return r.SetHeader(0);
  r.ArrayHeader(subs);
  for (const CommandSpec* s = c.subcommands; s && !s->name.empty(); ++s) ReplyInfo(r, *s);
}

// One argument of COMMAND DOCS, parsed from CommandSpec::args (command.h describes the syntax).
struct DocArg {
  std::string_view name, type, token, since, deprecated_since;
  int key_spec_index = -1;
  bool optional = false, multiple = false, multiple_token = false;
  std::vector<DocArg> args;
};

// The arguments from *pos up to a ')' or the end.
std::vector<DocArg> ParseDocArgs(std::string_view s, size_t* pos) {
  std::vector<DocArg> out;
  size_t i = *pos;
  auto until = [&](std::string_view stops) {
    size_t j = i;
    while (j < s.size() && stops.find(s[j]) == std::string_view::npos) j++;
    std::string_view word = s.substr(i, j - i);
    i = j;
    return word;
  };
  while (i < s.size() && s[i] != ')') {
    if (s[i] == ' ') {
      i++;
      continue;
    }
    DocArg a;
    if (s[i] == '\'') {  // a quoted name ('ip:port')
      i++;
      a.name = until("'");
      i++;
    } else {
      a.name = until(":");
    }
    i++;  // ':'
    a.type = until("@=/!?*+() ");
    while (i < s.size()) {
      char ch = s[i];
      if (ch == '@') {
        i++;
        a.key_spec_index = std::atoi(std::string(until("=/!?*+() ")).c_str());
      } else if (ch == '=') {
        i++;
        if (i < s.size() && s[i] == '\'') {  // a quoted token ('*': XADD's auto ID)
          i++;
          a.token = until("'");
          i++;
        } else {
          a.token = until("/!?*+() ");
        }
      } else if (ch == '/') {
        i++;
        a.since = until("!?*+() ");
      } else if (ch == '!') {
        i++;
        a.deprecated_since = until("?*+() ");
      } else if (ch == '?' || ch == '*' || ch == '+') {
        (ch == '?' ? a.optional : ch == '*' ? a.multiple : a.multiple_token) = true;
        i++;
      } else if (ch == '(') {
        i++;
        a.args = ParseDocArgs(s, &i);
        i++;  // ')'
      } else {
        break;
      }
    }
    out.push_back(std::move(a));
  }
  *pos = i;
  return out;
}

void ReplyDocArgs(resp::ReplyBuilder& r, const std::vector<DocArg>& args) {
  r.ArrayHeader(args.size());
  for (const DocArg& a : args) {
    size_t nflags = a.optional + a.multiple + a.multiple_token;
    bool nested = a.type == "oneof" || a.type == "block";
    // A token given empty ("pure-token=": MIGRATE's empty_string) is still a token: data() is set.
    const bool has_token = a.token.data() != nullptr;
    r.MapHeader(2 + (a.key_spec_index >= 0) + has_token + !a.since.empty() + !a.deprecated_since.empty() +
                (nflags > 0) + nested);
    r.Bulk("name"), r.Bulk(a.name);
    r.Bulk("type"), r.Bulk(a.type);
    if (a.key_spec_index >= 0) r.Bulk("key_spec_index"), r.Integer(a.key_spec_index);
    if (has_token) r.Bulk("token"), r.Bulk(a.token);
    if (!a.since.empty()) r.Bulk("since"), r.Bulk(a.since);
    if (!a.deprecated_since.empty()) r.Bulk("deprecated_since"), r.Bulk(a.deprecated_since);
    if (nflags) {
      r.Bulk("flags");
      r.SetHeader(nflags);
      if (a.optional) r.SimpleString("optional");
      if (a.multiple) r.SimpleString("multiple");
      if (a.multiple_token) r.SimpleString("multiple_token");
    }
    if (nested) r.Bulk("arguments"), ReplyDocArgs(r, a.args);
  }
}

// Redis 7.0's addReplyCommandDocs, field by field in its order.
void ReplyDocs(resp::ReplyBuilder& r, const CommandSpec& c) {
  size_t subs = CountSubcommands(c);
  std::vector<std::pair<std::string_view, std::string_view>> history;
  for (size_t i = 0; i < c.history.size();) {
    size_t nl = c.history.find('\n', i);
    if (nl == std::string_view::npos) nl = c.history.size();
    std::string_view line = c.history.substr(i, nl - i);
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) history.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    i = nl + 1;
  }
  size_t pos = 0;
  std::vector<DocArg> args = ParseDocArgs(c.args, &pos);
  bool deprecated = !c.deprecated_since.empty();
  // Redis leaves complexity out when a command has none (MONITOR).
  r.MapHeader(3 + !c.complexity.empty() + (deprecated ? 2 : 0) + !c.replaced_by.empty() + !history.empty() + !args.empty() + (subs ? 1 : 0));
  r.Bulk("summary"), r.Bulk(c.summary);
  r.Bulk("since"), r.Bulk(c.since);
  r.Bulk("group"), r.Bulk(c.group);
  if (!c.complexity.empty()) r.Bulk("complexity"), r.Bulk(c.complexity);
  if (deprecated) {
    r.Bulk("doc_flags"), r.SetHeader(1), r.SimpleString("deprecated");
    r.Bulk("deprecated_since"), r.Bulk(c.deprecated_since);
  }
  if (!c.replaced_by.empty()) r.Bulk("replaced_by"), r.Bulk(c.replaced_by);
  if (!history.empty()) {
    r.Bulk("history");
    r.SetHeader(history.size());
    for (auto& [version, text] : history) r.ArrayHeader(2), r.Bulk(version), r.Bulk(text);
  }
  if (!args.empty()) r.Bulk("arguments"), ReplyDocArgs(r, args);
  if (subs) {
    r.Bulk("subcommands");
    r.MapHeader(subs);
    for (const CommandSpec* s = c.subcommands; s && !s->name.empty(); ++s) {
      r.Bulk(s->name);
      ReplyDocs(r, *s);
    }
  }
}

std::vector<const CommandSpec*> Visible() {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec* c : AllCommands()) {
    if (!(c->flags & kInternal)) out.push_back(c);
  }
  return out;
}

// Redis's getKeysUsingKeySpecs; false if a spec is out of range or invalid.
bool KeysFromSpecs(const std::vector<KeySpec>& specs, const Argv& argv, std::vector<KeyRef>* keys) {
  int64_t argc = static_cast<int64_t>(argv.size());
  for (const KeySpec& s : specs) {
    if (HasWord(s.flags, "not_key")) continue;
    if (s.unknown) return false;  // Redis: an invalid spec, the command's getkeys decides
    int64_t first = 0;
    if (s.keyword.empty()) {
      first = s.index;
    } else {
      int64_t start = s.startfrom > 0 ? s.startfrom : argc + s.startfrom;
      int64_t end = s.startfrom > 0 ? argc - 1 : 1;
      for (int64_t i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsIgnoreCase(argv[static_cast<size_t>(i)], s.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    }
    int64_t last, step;
    if (s.keynum) {
      step = s.keystep;
      int64_t numkeys;
      if (first + s.keynumidx >= argc) return false;
      // ParseInt64 is Redis's string2ll: no spaces, '+' or leading zeros ("01" fails here).
      if (!ParseInt64(argv[static_cast<size_t>(first + s.keynumidx)], &numkeys) || numkeys < 0) return false;
      first += s.firstkey;
      last = first + numkeys - 1;
    } else {
      step = s.keystep;
      if (s.lastkey >= 0) last = first + s.lastkey;
      else if (!s.limit) last = argc + s.lastkey;
      else last = first + ((argc - first) / s.limit + s.lastkey);
    }
    if (last >= argc || last < first || first >= argc) return false;
    for (int64_t i = first; i <= last; i += step) keys->push_back({static_cast<size_t>(i), s.flags});
    if (HasWord(s.flags, "incomplete")) return false;
  }
  return true;
}

// Redis's genericGetKeys (the getkeys_proc of numkeys commands, used when the specs fail): the
// count read with atoi(), keys found only if it is in range; a destination key (an index spec
// before the numkeys one) comes last, as in Redis.
std::vector<KeyRef> NumkeysFallback(const std::vector<KeySpec>& specs, const Argv& argv) {
  std::vector<KeyRef> keys;
  std::vector<size_t> stores;
  for (const KeySpec& s : specs) {
    if (!s.keynum) {
      if (s.keyword.empty() && s.lastkey == 0) stores.push_back(static_cast<size_t>(s.index));
      continue;
    }
    int64_t argc = static_cast<int64_t>(argv.size());
    int64_t count_at = s.index + s.keynumidx, first = count_at + s.firstkey;
    if (count_at >= argc) return {};
    int64_t num = std::atoi(argv[static_cast<size_t>(count_at)].c_str());
    if (num < 1 || num > (argc - first) / s.keystep) return {};
    for (int64_t i = 0; i < num; i++) keys.push_back({static_cast<size_t>(first + i * s.keystep), {}});
    for (size_t pos : stores) keys.push_back({pos, {}});
    return keys;
  }
  return {};
}

}  // namespace

uint32_t AclCategoryByName(std::string_view name) {
  std::string lower = Lower(name);
  for (size_t i = 0; i < std::size(kAclNames); i++) {
    if (kAclNames[i] == lower) return 1u << i;
  }
  return 0;
}

uint32_t AclCategories(const CommandSpec& c) {
  uint32_t cats = c.acl;
  if (c.flags & (kWrite | kReportsWrite)) cats |= kAclWrite;
  // Redis's setImplicitACLCategories: readonly scripting commands (EVAL_RO) are not @read.
  if ((c.flags & kReadonly) && c.group != "scripting") cats |= kAclRead;
  if (c.flags & kAdmin) cats |= kAclAdmin | kAclDangerous;
  if (c.flags & kPubsub) cats |= kAclPubsub;
  if (c.flags & kFast) cats |= kAclFast;
  if (c.flags & kBlocking) cats |= kAclBlocking;
  if (!(cats & kAclFast)) cats |= kAclSlow;
  if (!c.subcommands && !(cats & kAclNoGroupCategory)) {  // Redis's containers carry no category of their own
    static const std::pair<std::string_view, uint32_t> kGroups[] = {
        {"generic", kAclKeyspace}, {"string", kAclString},       {"hash", kAclHash},
        {"list", kAclList},        {"set", kAclSet},             {"sorted-set", kAclSortedSet},
        {"bitmap", kAclBitmap},    {"hyperloglog", kAclHyperLogLog}, {"geo", kAclGeo},
        {"stream", kAclStream},    {"connection", kAclConnection},  // @pubsub: the pubsub flag (not PUBSUB HELP)
        {"transactions", kAclTransaction}, {"scripting", kAclScripting}};
    for (auto& [group, cat] : kGroups) {
      // WAIT is "generic" but @connection, not @keyspace (its .acl says so).
      if (c.group == group && !(cat == kAclKeyspace && (c.acl & kAclConnection))) cats |= cat;
    }
  }
  return cats & ~kAclNoGroupCategory;
}

bool HasKeys(const CommandSpec& c) {
  for (const KeySpec& s : Specs(c)) {
    if (!HasWord(s.flags, "not_key")) return true;
  }
  return false;
}

bool HasMovableKeys(const CommandSpec& c) {
  for (const KeySpec& s : c.key_specs) {
    if (!s.keyword.empty() || s.keynum || s.unknown) return true;
  }
  return false;
}

std::vector<KeyRef> GetKeys(const CommandSpec& c, const Argv& argv) {
  auto specs = Specs(c);
  std::vector<KeyRef> keys;
  bool variable_flags = false;
  for (auto& s : specs) variable_flags |= HasWord(s.flags, "variable_flags");
  if (variable_flags && c.getkeys) {  // the flags depend on the arguments: the command knows them
    c.getkeys(argv, &keys);
    return keys;
  }
  if (KeysFromSpecs(specs, argv, &keys)) return keys;
  bool unknown = false;
  for (auto& s : specs) unknown |= s.unknown;
  if (unknown && c.getkeys) {  // SORT (issue 12)
    keys.clear();
    c.getkeys(argv, &keys);
    return keys;
  }
  return NumkeysFallback(specs, argv);
}

std::vector<size_t> KeyPositions(const CommandSpec& spec, const Argv& argv) {
  std::vector<size_t> out;
  for (auto& k : GetKeys(spec, argv)) out.push_back(k.pos);
  return out;
}

const CommandSpec* LookupFullName(std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* c = Lookup(name.substr(0, bar));
  if (!c || (c->flags & kInternal)) return nullptr;
  if (bar == std::string_view::npos) return c;
  std::string full = Lower(name);
  for (const CommandSpec* s = c->subcommands; s && !s->name.empty(); ++s) {
    if (s->name == full) return s;
  }
  return nullptr;
}

const CommandSpec* LookupArgv(const Argv& argv) {
  if (argv.empty()) return nullptr;
  const CommandSpec* c = Lookup(argv[0]);
  if (!c || (c->flags & kInternal)) return nullptr;
  return LookupSubcommand(*c, argv);
}

const CommandSpec* LookupSubcommand(const CommandSpec& spec, const Argv& argv) {
  if (!spec.subcommands || argv.size() < 2) return &spec;
  return LookupFullName(std::string(spec.name) + "|" + argv[1]);
}

const CommandSpec* FindSubcommand(ExecContext& ctx, const Argv& argv) {
  const CommandSpec* sub = LookupArgv(argv);
  if (!sub || !sub->execute || sub->name.find('|') == std::string_view::npos) {
    ctx.reply.Error(UnknownSubcommand(argv));
    return nullptr;
  }
  int n = static_cast<int>(argv.size());
  if ((sub->arity > 0 && n != sub->arity) || n < -sub->arity) {
    ctx.reply.Error(WrongArity(sub->name));
    return nullptr;
  }
  return sub;
}

void DispatchSubcommand(ExecContext& ctx, const Argv& argv) {
  if (const CommandSpec* sub = FindSubcommand(ctx, argv)) sub->execute(ctx, argv);
}

namespace {

void CommandNoArgs(ExecContext& ctx) {
  auto visible = Visible();
  ctx.reply.ArrayHeader(visible.size());
  for (auto* c : visible) ReplyInfo(ctx.reply, *c);
}

void CommandCount(ExecContext& ctx, const Argv&) { ctx.reply.Integer(static_cast<int64_t>(Visible().size())); }

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: every command and
// subcommand by full name (Redis 7.0 lists subcommands too).
void CommandList(ExecContext& ctx, const Argv& argv) {
  enum { kNone, kModule, kAclCat, kPattern } filter = kNone;
  std::string_view arg;
  for (size_t i = 2; i < argv.size(); i++) {
    size_t more = argv.size() - 1 - i;
    if (EqualsIgnoreCase(argv[i], "filterby") && more == 2) {
      const std::string& type = argv[i + 1];
      if (EqualsIgnoreCase(type, "module")) filter = kModule;
      else if (EqualsIgnoreCase(type, "aclcat")) filter = kAclCat;
      else if (EqualsIgnoreCase(type, "pattern")) filter = kPattern;
      else return ctx.reply.Error(kErrSyntax);
      arg = argv[i + 2];
      i += 2;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  uint32_t cat = filter == kAclCat ? AclCategoryByName(arg) : 0;
  auto keep = [&](const CommandSpec& c) {
    switch (filter) {
      case kNone: return true;
      case kModule: return false;  // no modules here
      case kAclCat: return cat != 0 && (AclCategories(c) & cat) != 0;
      case kPattern: return GlobMatch(arg, c.name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const CommandSpec* c : Visible()) {
    if (keep(*c)) names.push_back(c->name);
    for (const CommandSpec* s = c->subcommands; s && !s->name.empty(); ++s) {
      if (keep(*s)) names.push_back(s->name);
    }
  }
  ctx.reply.ArrayHeader(names.size());
  for (auto n : names) ctx.reply.Bulk(n);
}

void CommandInfo(ExecContext& ctx, const Argv& argv) {
  if (argv.size() == 2) return CommandNoArgs(ctx);
  ctx.reply.ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); i++) {
    const CommandSpec* c = LookupFullName(argv[i]);
    if (c) ReplyInfo(ctx.reply, *c);
    else ctx.reply.Null();
  }
}

void CommandDocs(ExecContext& ctx, const Argv& argv) {
  std::vector<const CommandSpec*> chosen;
  if (argv.size() == 2) {
    chosen = Visible();
  } else {
    for (size_t i = 2; i < argv.size(); i++) {
      if (const CommandSpec* c = LookupFullName(argv[i])) chosen.push_back(c);
    }
  }
  ctx.reply.MapHeader(chosen.size());
  for (auto* c : chosen) {
    ctx.reply.Bulk(c->name);
    ReplyDocs(ctx.reply, *c);
  }
}

// COMMAND GETKEYS / GETKEYSANDFLAGS (Redis 7.0 getKeysSubcommandImpl).
void GetKeysImpl(ExecContext& ctx, const Argv& argv, bool with_flags) {
  auto& r = ctx.reply;
  Argv rest(argv.begin() + 2, argv.end());
  const CommandSpec* c = LookupArgv(rest);
  if (!c) return r.Error("ERR Invalid command specified");
  if (!HasKeys(*c)) return r.Error("ERR The command has no key arguments");
  int n = static_cast<int>(rest.size());
  if ((c->arity > 0 && c->arity != n) || n < -c->arity) {
    return r.Error("ERR Invalid number of arguments specified for command");
  }
  auto keys = GetKeys(*c, rest);
  if (keys.empty()) {
    if (c->flags & kNoMandatoryKeys) return r.ArrayHeader(0);
    return r.Error("ERR Invalid arguments specified for command");
  }
  r.ArrayHeader(keys.size());
  for (auto& k : keys) {
    if (!with_flags) {
      r.Bulk(rest[k.pos]);
      continue;
    }
    r.ArrayHeader(2);
    r.Bulk(rest[k.pos]);
    // In Redis's order, whatever order the table wrote them in.
    size_t count = 0;
    for (auto f : kKeyFlagOrder) count += HasWord(k.flags, f) ? 1 : 0;
    r.SetHeader(count);
    for (auto f : kKeyFlagOrder) {
      if (HasWord(k.flags, f)) r.SimpleString(f);
    }
  }
}

void CommandGetKeys(ExecContext& ctx, const Argv& argv) { GetKeysImpl(ctx, argv, false); }
void CommandGetKeysAndFlags(ExecContext& ctx, const Argv& argv) { GetKeysImpl(ctx, argv, true); }

void CommandHelp(ExecContext& ctx, const Argv&) {
  static const char* const kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

constexpr uint32_t kCommandFlags = kLoading | kStale;

}  // namespace

// As Redis 7.0's COMMAND subcommands (commands.c), in its table order.
extern const CommandSpec kCommandSubcommands[] = {
    {.name = "command|count", .arity = 2, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Get total number of Redis commands", .complexity = "O(1)",
     .execute = &CommandCount, .acl = kAclConnection},
    {.name = "command|docs", .arity = -2, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "7.0.0", .summary = "Get array of specific Redis command documentation",
     .complexity = "O(N) where N is the number of commands to look up", .execute = &CommandDocs,
     .acl = kAclConnection, .tips = "nondeterministic_output_order", .args = "command-name:string?*"},
    {.name = "command|getkeys", .arity = -4, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13", .summary = "Extract keys given a full Redis command",
     .complexity = "O(N) where N is the number of arguments to the command", .execute = &CommandGetKeys,
     .acl = kAclConnection},
    {.name = "command|getkeysandflags", .arity = -4, .flags = kCommandFlags, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "server", .since = "7.0.0",
     .summary = "Extract keys and access flags given a full Redis command",
     .complexity = "O(N) where N is the number of arguments to the command", .execute = &CommandGetKeysAndFlags,
     .acl = kAclConnection},
    {.name = "command|help", .arity = 2, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "5.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &CommandHelp, .acl = kAclConnection},
    {.name = "command|info", .arity = -2, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "2.8.13",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .complexity = "O(N) where N is the number of commands to look up", .execute = &CommandInfo,
     .acl = kAclConnection, .tips = "nondeterministic_output_order", .args = "command-name:string?*",
     .history = "7.0.0 Allowed to be called with no argument to get info on all commands."},
    {.name = "command|list", .arity = -2, .flags = kCommandFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "server", .since = "7.0.0", .summary = "Get an array of Redis command names",
     .complexity = "O(N) where N is the total number of Redis commands", .execute = &CommandList,
     .acl = kAclConnection, .tips = "nondeterministic_output_order",
     .args = "filterby:oneof=FILTERBY?(module-name:string=MODULE category:string=ACLCAT pattern:pattern=PATTERN)"},
    {},
};

void CommandCommand(ExecContext& ctx, const Argv& argv) {
  if (argv.size() == 1) return CommandNoArgs(ctx);
  DispatchSubcommand(ctx, argv);
}

}  // namespace redraft::commands
