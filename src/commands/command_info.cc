// COMMAND: everything it reports comes from the declarative table (arity, flags, key specs, docs).
#include "commands/command_info.h"

#include <cctype>

#include "commands/args.h"

namespace redraft::commands {
namespace {

void ReplyFlags(resp::ReplyBuilder& r, uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kWrite, "write"},     {kReadonly, "readonly"}, {kDenyOom, "denyoom"},   {kAdmin, "admin"},
      {kPubsub, "pubsub"},   {kNoScript, "noscript"}, {kBlocking, "blocking"}, {kLoading, "loading"},   {kStale, "stale"},
      {kSkipSlowlog, "skip_slowlog"}, {kFast, "fast"}, {kNoAuth, "no_auth"}, {kAllowBusy, "allow_busy"}};
  size_t n = 0;
  for (auto& [bit, name] : kNames) n += (flags & bit) ? 1 : 0;
  r.SetHeader(n);
  for (auto& [bit, name] : kNames) {
    if (flags & bit) r.SimpleString(name);
  }
}

void ReplyAclCategories(resp::ReplyBuilder& r, const CommandSpec& c) {
  std::vector<std::string> cats;
  if (c.flags & kWrite) cats.push_back("@write");
  if (c.flags & kReadonly) cats.push_back("@read");
  if (c.flags & kAdmin) cats.push_back("@admin"), cats.push_back("@dangerous");
  if (c.group == "generic") cats.push_back("@keyspace");
  else cats.push_back("@" + std::string(c.group));
  cats.push_back((c.flags & kFast) ? "@fast" : "@slow");
  if (c.flags & kBlocking) cats.push_back("@blocking");
  r.SetHeader(cats.size());
  for (auto& s : cats) r.SimpleString(s);
}

void ReplyKeySpecs(resp::ReplyBuilder& r, const CommandSpec& c) {
  if (c.first_key == 0) return r.ArrayHeader(0);
  r.ArrayHeader(1);
  r.MapHeader(3);
  r.Bulk("flags");
  r.SetHeader(1);
  r.SimpleString((c.flags & kWrite) ? "RW" : "RO");
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type"), r.Bulk("index");
  r.Bulk("spec"), r.MapHeader(1), r.Bulk("index"), r.Integer(c.first_key);
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type"), r.Bulk("range");
  r.Bulk("spec"), r.MapHeader(3);
  r.Bulk("lastkey"), r.Integer(c.last_key < 0 ? c.last_key : c.last_key - c.first_key);
  r.Bulk("keystep"), r.Integer(c.key_step);
  r.Bulk("limit"), r.Integer(0);
}

void ReplyInfo(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.ArrayHeader(10);
  r.Bulk(c.name);
  r.Integer(c.arity);
  ReplyFlags(r, c.flags);
  r.Integer(c.first_key);
  r.Integer(c.last_key);
  r.Integer(c.key_step);
  ReplyAclCategories(r, c);
  r.SetHeader(0);  // tips
  ReplyKeySpecs(r, c);
  r.ArrayHeader(0);  // subcommands
}

void ReplyDocs(resp::ReplyBuilder& r, const CommandSpec& c) {
  r.MapHeader(4);
  r.Bulk("summary"), r.Bulk(c.summary);
  r.Bulk("since"), r.Bulk(c.since);
  r.Bulk("group"), r.Bulk(c.group);
  r.Bulk("complexity"), r.Bulk(c.complexity);
}

std::vector<const CommandSpec*> Visible() {
  std::vector<const CommandSpec*> out;
  for (const CommandSpec* c : AllCommands()) {
    if (!(c->flags & kInternal)) out.push_back(c);
  }
  return out;
}

}  // namespace

std::vector<size_t> KeyPositions(const CommandSpec& spec, size_t argc) {
  std::vector<size_t> keys;
  if (spec.first_key <= 0) return keys;
  int64_t last = spec.last_key < 0 ? static_cast<int64_t>(argc) + spec.last_key : spec.last_key;
  for (int64_t i = spec.first_key; i <= last && i < static_cast<int64_t>(argc); i += spec.key_step) {
    keys.push_back(static_cast<size_t>(i));
  }
  return keys;
}

void CommandCommand(ExecContext& ctx, const Argv& argv) {
  auto& r = ctx.reply;
  auto visible = Visible();
  if (argv.size() == 1) {
    r.ArrayHeader(visible.size());
    for (auto* c : visible) ReplyInfo(r, *c);
    return;
  }
  std::string sub = argv[1];
  for (auto& ch : sub) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (sub == "count" && argv.size() == 2) return r.Integer(static_cast<int64_t>(visible.size()));
  if (sub == "list" && argv.size() == 2) {
    r.ArrayHeader(visible.size());
    for (auto* c : visible) r.Bulk(c->name);
    return;
  }
  if (sub == "info") {
    if (argv.size() == 2) {
      r.ArrayHeader(visible.size());
      for (auto* c : visible) ReplyInfo(r, *c);
      return;
    }
    r.ArrayHeader(argv.size() - 2);
    for (size_t i = 2; i < argv.size(); i++) {
      const CommandSpec* c = Lookup(argv[i]);
      if (c && !(c->flags & kInternal)) ReplyInfo(r, *c);
      else r.Null();
    }
    return;
  }
  if (sub == "docs") {
    std::vector<const CommandSpec*> chosen;
    if (argv.size() == 2) {
      chosen = visible;
    } else {
      for (size_t i = 2; i < argv.size(); i++) {
        const CommandSpec* c = Lookup(argv[i]);
        if (c && !(c->flags & kInternal)) chosen.push_back(c);
      }
    }
    r.MapHeader(chosen.size());
    for (auto* c : chosen) {
      r.Bulk(c->name);
      ReplyDocs(r, *c);
    }
    return;
  }
  if (sub == "getkeys") {
    if (argv.size() < 4) return r.Error(WrongArity("command|getkeys"));
    const CommandSpec* c = Lookup(argv[2]);
    if (!c) return r.Error("ERR Invalid command specified");
    Argv rest(argv.begin() + 2, argv.end());
    int n = static_cast<int>(rest.size());
    if ((c->arity > 0 && n != c->arity) || (c->arity < 0 && n < -c->arity)) {
      return r.Error("ERR Invalid number of arguments specified for command");
    }
    auto keys = KeyPositions(*c, rest.size());
    if (keys.empty()) return r.Error("ERR The command has no key arguments");
    r.ArrayHeader(keys.size());
    for (size_t k : keys) r.Bulk(rest[k]);
    return;
  }
  r.Error(UnknownSubcommand(argv));
}

}  // namespace redraft::commands
