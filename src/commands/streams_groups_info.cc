// Consumer groups, the reads and the table: XPENDING and XINFO (STREAM [FULL], GROUPS, CONSUMERS),
// XGROUP's container and HELP, with Redis 7.0's replies (t_stream.c). The writes are in
// streams_groups.cc. Idle times are the read's clock minus stored times that came from log
// entries, so every node answers from the same PEL. docs/streams.md.
#include <climits>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command_info.h"
#include "commands/streams_groups.h"
#include "commands/streams_groups_internal.h"
#include "commands/streams_groups_store.h"
#include "commands/streams_scan.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using namespace streams;  // NOLINT: the stream storage vocabulary

std::string Arg(const std::string& s) { return std::string(EchoArg(s)); }

void ReplyHelp(resp::ReplyBuilder& r, std::initializer_list<std::string_view> lines) {
  r.ArrayHeader(lines.size() + 2);
  for (auto l : lines) r.SimpleString(l);
  r.SimpleString("HELP");
  r.SimpleString("    Prints this help.");
}

// ---------------------------------------------------------------------------------------------
// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]

void XpendingCmd(ExecContext& ctx, const Argv& argv) {
  const size_t argc = argv.size();
  const bool summary = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.reply.Error(kErrSyntax);
  StreamId start, end;
  int64_t count = 0, minidle = 0;
  const std::string* consumer = nullptr;
  if (argc >= 6) {
    size_t at = 3;
    if (EqualsIgnoreCase(CStrView(argv[3]), "IDLE")) {
      if (!ParseInt64(argv[4], &minidle)) return ctx.reply.Error(kErrNotInteger);
      if (argc < 8) return ctx.reply.Error(kErrSyntax);
      at += 2;
    }
    if (!ParseInt64(argv[at + 2], &count)) return ctx.reply.Error(kErrNotInteger);
    if (count < 0) count = 0;
    bool startex, endex;
    if (!ParseIntervalId(argv[at], 0, &start, &startex)) return ctx.reply.Error(kErrInvalidId);
    if (startex && !IncrId(&start)) return ctx.reply.Error("ERR invalid start ID for the interval");
    if (!ParseIntervalId(argv[at + 1], UINT64_MAX, &end, &endex)) return ctx.reply.Error(kErrInvalidId);
    if (endex && !DecrId(&end)) return ctx.reply.Error("ERR invalid end ID for the interval");
    if (at + 3 < argc) consumer = &argv[at + 3];
  }
  const std::string& key = argv[1];
  Value v;
  Found f = ReadCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  std::optional<Group> g;
  if (f == Found::kYes) g = LoadGroup(ctx.store, key, v.version, argv[2]);
  if (!g) return ctx.reply.Error("NOGROUP No such key '" + Arg(key) + "' or consumer group '" + Arg(argv[2]) + "'");
  const std::string& gname = argv[2];
  if (summary) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer(static_cast<int64_t>(g->pel_count));
    if (g->pel_count == 0) {
      ctx.reply.Null();
      ctx.reply.Null();
      ctx.reply.NullArray();
      return;
    }
    std::string prefix = PelPrefix(gname);
    StreamId first, last;
    Status s = ctx.store.ScanSub(key, v.version, prefix, [&](std::string_view fld, std::string_view) {
      if (fld.starts_with(prefix)) first = IdSuffix(fld);
      return false;
    });
    PanicOnStoreError(s);
    s = ctx.store.ScanSubBefore(key, v.version, PelField(gname, kMaxId) + '\0', [&](std::string_view fld, std::string_view) {
      if (fld.starts_with(prefix)) last = IdSuffix(fld);
      return false;
    });
    PanicOnStoreError(s);
    ctx.reply.Bulk(first.ToString());
    ctx.reply.Bulk(last.ToString());
    std::vector<std::pair<std::string, uint64_t>> owners;
    std::string cprefix = ConsumerPrefix(gname);
    ScanPrefix(ctx.store, key, v.version, cprefix, [&](std::string_view fld, std::string_view val) {
      Consumer c = DecodeConsumer(val);
      if (c.pel_count) owners.emplace_back(std::string(fld.substr(cprefix.size())), c.pel_count);
      return true;
    });
    ctx.reply.ArrayHeader(owners.size());
    for (const auto& [name, n] : owners) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(name);
      ctx.reply.Bulk(std::to_string(n));
    }
    return;
  }
  if (consumer && !LoadConsumer(ctx.store, key, v.version, gname, *consumer)) return ctx.reply.ArrayHeader(0);
  std::string prefix = consumer ? ConsumerPelPrefix(gname, *consumer) : PelPrefix(gname);
  struct Row {
    StreamId id;
    Pending p;
  };
  std::vector<Row> rows;
  const int64_t now = ctx.now_ms;
  if (count > 0) {
    Status s = ctx.store.ScanSub(key, v.version, prefix + PelField("", start).substr(5),
                                 [&](std::string_view fld, std::string_view val) {
                                   if (!fld.starts_with(prefix)) return false;
                                   StreamId id = IdSuffix(fld);
                                   if (id > end) return false;
                                   Pending p;
                                   if (consumer) {
                                     auto pv = GetSubOpt(ctx.store, key, v.version, PelField(gname, id));
                                     if (!pv) return true;
                                     p = DecodePending(*pv);
                                   } else {
                                     p = DecodePending(val);
                                   }
                                   if (minidle && now - p.delivery_ms < minidle) return true;
                                   rows.push_back({id, std::move(p)});
                                   return static_cast<int64_t>(rows.size()) < count;
                                 });
    PanicOnStoreError(s);
  }
  ctx.reply.ArrayHeader(rows.size());
  for (const auto& row : rows) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(row.id.ToString());
    ctx.reply.Bulk(row.p.consumer);
    ctx.reply.Integer(std::max<int64_t>(0, now - row.p.delivery_ms));
    ctx.reply.Integer(static_cast<int64_t>(row.p.delivery_count));
  }
}

// ---------------------------------------------------------------------------------------------
// XINFO

// The stream at argv[2], or false after replying (no such key, WRONGTYPE).
bool InfoStream(ExecContext& ctx, const Argv& argv, Value* v) {
  Found f = ReadCollection(ctx, argv[2], ValueType::kStream, v);
  if (f == Found::kNo) ctx.reply.Error(kErrNoSuchKey);
  return f == Found::kYes;
}

template <class Fn>
void ForEachGroup(ExecContext& ctx, const std::string& key, const Value& v, const Fn& fn) {
  ScanPrefix(ctx.store, key, v.version, kGroupPrefix, [&](std::string_view fld, std::string_view val) {
    fn(fld.substr(kGroupPrefix.size()), DecodeGroup(val));
    return true;
  });
}

void ReplyEntriesRead(resp::ReplyBuilder& r, const Group& g) {
  if (g.entries_read != kInvalidEntriesRead) r.Integer(g.entries_read); else r.Null();
}
void ReplyLag(resp::ReplyBuilder& r, const StreamMeta& m, const Group& g) {
  if (auto lag = GroupLag(m, g)) r.Integer(*lag); else r.Null();
}

// Redis's radix-tree figures describe its memory layout, which redraft does not have: these are
// what Redis shows for a stream whose entries fit in 100-entry nodes (docs/streams.md).
void ReplyTreeFigures(resp::ReplyBuilder& r, const StreamMeta& m) {
  uint64_t keys = (m.length + 99) / 100;
  r.Bulk("radix-tree-keys");
  r.Integer(static_cast<int64_t>(keys));
  r.Bulk("radix-tree-nodes");
  r.Integer(static_cast<int64_t>(keys + 1));
}

void XinfoStream(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!InfoStream(ctx, argv, &v)) return;
  const std::string& key = argv[2];
  bool full = true;
  int64_t count = 10;
  size_t n = argv.size() - 2;
  if (n == 1) {
    full = false;
  } else if (n == 2 || n == 4) {
    if (!EqualsIgnoreCase(CStrView(argv[3]), "full")) return SubcommandSyntaxError(ctx.reply, "XINFO", argv[1]);
    if (n == 4) {
      if (!EqualsIgnoreCase(CStrView(argv[4]), "count")) return SubcommandSyntaxError(ctx.reply, "XINFO", argv[1]);
      if (!ParseInt64(argv[5], &count)) return ctx.reply.Error(kErrNotInteger);
      if (count < 0) count = 10;
    }
  } else {
    return SubcommandSyntaxError(ctx.reply, "XINFO", argv[1]);
  }
  StreamMeta m = DecodeMeta(v);
  auto& r = ctx.reply;
  r.MapHeader(full ? 9 : 10);
  r.Bulk("length");
  r.Integer(static_cast<int64_t>(m.length));
  ReplyTreeFigures(r, m);
  r.Bulk("last-generated-id");
  r.Bulk(m.last_id.ToString());
  r.Bulk("max-deleted-entry-id");
  r.Bulk(m.max_deleted_id.ToString());
  r.Bulk("entries-added");
  r.Integer(static_cast<int64_t>(m.entries_added));
  r.Bulk("recorded-first-entry-id");
  r.Bulk(m.first_id.ToString());
  if (!full) {
    size_t groups = 0;
    ForEachGroup(ctx, key, v, [&](std::string_view, const Group&) { groups++; });
    r.Bulk("groups");
    r.Integer(static_cast<int64_t>(groups));
    for (bool rev : {false, true}) {
      r.Bulk(rev ? "last-entry" : "first-entry");
      bool emitted = false;
      VisitRange(ctx.store, key, v, m, StreamId{0, 0}, kMaxId, rev, [&](const StreamId& id, std::string_view val) {
        ReplyEntry(r, id, val);
        emitted = true;
        return false;
      });
      if (!emitted) r.Null();
    }
    return;
  }
  std::vector<std::pair<StreamId, std::string>> entries;
  VisitRange(ctx.store, key, v, m, StreamId{0, 0}, kMaxId, false, [&](const StreamId& id, std::string_view val) {
    entries.emplace_back(id, std::string(val));
    return count == 0 || static_cast<int64_t>(entries.size()) < count;
  });
  r.Bulk("entries");
  r.ArrayHeader(entries.size());
  for (const auto& [id, val] : entries) ReplyEntry(r, id, val);
  std::vector<std::pair<std::string, Group>> groups;
  ForEachGroup(ctx, key, v, [&](std::string_view name, const Group& g) { groups.emplace_back(name, g); });
  r.Bulk("groups");
  r.ArrayHeader(groups.size());
  auto limited = [&](size_t size) { return count == 0 ? size : std::min<size_t>(size, static_cast<size_t>(count)); };
  for (const auto& [name, g] : groups) {
    r.MapHeader(7);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("last-delivered-id");
    r.Bulk(g.last_id.ToString());
    r.Bulk("entries-read");
    ReplyEntriesRead(r, g);
    r.Bulk("lag");
    ReplyLag(r, m, g);
    r.Bulk("pel-count");
    r.Integer(static_cast<int64_t>(g.pel_count));
    r.Bulk("pending");
    std::vector<std::pair<StreamId, Pending>> pel;
    ScanPrefix(ctx.store, key, v.version, PelPrefix(name), [&](std::string_view fld, std::string_view val) {
      if (pel.size() >= limited(g.pel_count)) return false;
      pel.emplace_back(IdSuffix(fld), DecodePending(val));
      return true;
    });
    r.ArrayHeader(pel.size());
    for (const auto& [id, p] : pel) {
      r.ArrayHeader(4);
      r.Bulk(id.ToString());
      r.Bulk(p.consumer);
      r.Integer(p.delivery_ms);
      r.Integer(static_cast<int64_t>(p.delivery_count));
    }
    r.Bulk("consumers");
    std::vector<std::pair<std::string, Consumer>> consumers;
    std::string cprefix = ConsumerPrefix(name);
    ScanPrefix(ctx.store, key, v.version, cprefix, [&](std::string_view fld, std::string_view val) {
      consumers.emplace_back(std::string(fld.substr(cprefix.size())), DecodeConsumer(val));
      return true;
    });
    r.ArrayHeader(consumers.size());
    for (const auto& [cname, c] : consumers) {
      r.MapHeader(4);
      r.Bulk("name");
      r.Bulk(cname);
      r.Bulk("seen-time");
      r.Integer(c.seen_ms);
      r.Bulk("pel-count");
      r.Integer(static_cast<int64_t>(c.pel_count));
      r.Bulk("pending");
      std::vector<std::pair<StreamId, Pending>> cpel;
      ScanPrefix(ctx.store, key, v.version, ConsumerPelPrefix(name, cname), [&](std::string_view fld, std::string_view) {
        if (cpel.size() >= limited(c.pel_count)) return false;
        StreamId id = IdSuffix(fld);
        auto pv = GetSubOpt(ctx.store, key, v.version, PelField(name, id));
        cpel.emplace_back(id, pv ? DecodePending(*pv) : Pending{});
        return true;
      });
      r.ArrayHeader(cpel.size());
      for (const auto& [id, p] : cpel) {
        r.ArrayHeader(3);
        r.Bulk(id.ToString());
        r.Integer(p.delivery_ms);
        r.Integer(static_cast<int64_t>(p.delivery_count));
      }
    }
  }
}

void XinfoGroups(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!InfoStream(ctx, argv, &v)) return;
  StreamMeta m = DecodeMeta(v);
  std::vector<std::pair<std::string, Group>> groups;
  ForEachGroup(ctx, argv[2], v, [&](std::string_view name, const Group& g) { groups.emplace_back(name, g); });
  auto& r = ctx.reply;
  r.ArrayHeader(groups.size());
  for (const auto& [name, g] : groups) {
    r.MapHeader(6);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("consumers");
    r.Integer(static_cast<int64_t>(g.consumers));
    r.Bulk("pending");
    r.Integer(static_cast<int64_t>(g.pel_count));
    r.Bulk("last-delivered-id");
    r.Bulk(g.last_id.ToString());
    r.Bulk("entries-read");
    ReplyEntriesRead(r, g);
    r.Bulk("lag");
    ReplyLag(r, m, g);
  }
}

// Redis 7.0's fields: name, pending, idle (7.2 added "inactive").
void XinfoConsumers(ExecContext& ctx, const Argv& argv) {
  Value v;
  if (!InfoStream(ctx, argv, &v)) return;
  const std::string& key = argv[2];
  const std::string& gname = argv[3];
  if (!LoadGroup(ctx.store, key, v.version, gname)) {
    return ctx.reply.Error("NOGROUP No such consumer group '" + Arg(gname) + "' for key name '" + Arg(key) + "'");
  }
  std::vector<std::pair<std::string, Consumer>> consumers;
  std::string cprefix = ConsumerPrefix(gname);
  ScanPrefix(ctx.store, key, v.version, cprefix, [&](std::string_view fld, std::string_view val) {
    consumers.emplace_back(std::string(fld.substr(cprefix.size())), DecodeConsumer(val));
    return true;
  });
  auto& r = ctx.reply;
  r.ArrayHeader(consumers.size());
  for (const auto& [name, c] : consumers) {
    r.MapHeader(3);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("pending");
    r.Integer(static_cast<int64_t>(c.pel_count));
    r.Bulk("idle");
    r.Integer(std::max<int64_t>(0, ctx.now_ms - c.seen_ms));
  }
}

void XinfoInternal(ExecContext& ctx, const Argv& argv) {
  if (EqualsIgnoreCase(argv[1], "stream")) return XinfoStream(ctx, argv);
  if (EqualsIgnoreCase(argv[1], "groups")) return XinfoGroups(ctx, argv);
  XinfoConsumers(ctx, argv);
}

void XinfoHelp(ExecContext& ctx, const Argv&) {
  ReplyHelp(ctx.reply, {"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CONSUMERS <key> <groupname>",
                        "    Show consumers of <groupname>.", "GROUPS <key>", "    Show the stream consumer groups.",
                        "STREAM <key> [FULL [COUNT <count>]", "    Show information about the stream."});
}

void XgroupHelp(ExecContext& ctx, const Argv&) {
  ReplyHelp(ctx.reply, {"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                        "CREATE <key> <groupname> <id|$> [option]",
                        "    Create a new consumer group. Options are:",
                        "    * MKSTREAM",
                        "      Create the empty stream if it does not exist.",
                        "    * ENTRIESREAD entries_read",
                        "      Set the group's entries_read counter (internal use).",
                        "CREATECONSUMER <key> <groupname> <consumer>",
                        "    Create a new consumer in the specified group.",
                        "DELCONSUMER <key> <groupname> <consumer>",
                        "    Remove the specified consumer.",
                        "DESTROY <key> <groupname>",
                        "    Remove the specified group.",
                        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                        "    Set the current group ID and entries_read counter."});
}

// XGROUP's writes run as redraft.xgroup (XgroupForm); reaching this means a path that runs the
// container directly (a script): refused rather than half-done.
void XgroupWriteStub(ExecContext& ctx, const Argv&) {
  ctx.reply.Error("ERR XGROUP's writes are not supported from here in redraft (use them outside scripts)");
}

constexpr std::string_view kG = "stream";

const CommandSpec kXgroupSubcommands[] = {
    {.name = "xgroup|delconsumer", .arity = 5, .flags = kWrite, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Delete a consumer from a consumer group.", .complexity = "O(1)",
     .execute = &XgroupWriteStub, .key_flags = "RW delete", .args = "key:key@0 groupname:string consumername:string"},
    {.name = "xgroup|create", .arity = -5, .flags = kWrite | kDenyOom, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Create a consumer group.", .complexity = "O(1)",
     .execute = &XgroupWriteStub, .key_flags = "RW insert",
     .args = "key:key@0 groupname:string id:oneof(id:string new_id:pure-token=$) mkstream:pure-token=MKSTREAM? "
             "entries_read:integer=ENTRIESREAD?",
     .history = "7.0.0 Added the `entries_read` named argument."},
    {.name = "xgroup|createconsumer", .arity = 5, .flags = kWrite | kDenyOom, .first_key = 2, .last_key = 2,
     .key_step = 1, .group = kG, .since = "6.2.0", .summary = "Create a consumer in a consumer group.",
     .complexity = "O(1)", .execute = &XgroupWriteStub, .key_flags = "RW insert",
     .args = "key:key@0 groupname:string consumername:string"},
    {.name = "xgroup|setid", .arity = -5, .flags = kWrite, .first_key = 2, .last_key = 2, .key_step = 1, .group = kG,
     .since = "5.0.0", .summary = "Set a consumer group to an arbitrary last delivered ID value.",
     .complexity = "O(1)", .execute = &XgroupWriteStub, .key_flags = "RW update",
     .args = "key:key@0 groupname:string id:oneof(id:string new_id:pure-token=$) entries_read:integer=ENTRIESREAD?",
     .history = "7.0.0 Added the optional `entries_read` argument."},
    {.name = "xgroup|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = kG, .since = "5.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &XgroupHelp},
    {.name = "xgroup|destroy", .arity = 4, .flags = kWrite, .first_key = 2, .last_key = 2, .key_step = 1, .group = kG,
     .since = "5.0.0", .summary = "Destroy a consumer group.",
     .complexity = "O(N) where N is the number of entries in the group's pending entries list (PEL).",
     .execute = &XgroupWriteStub, .key_flags = "RW delete", .args = "key:key@0 groupname:string"},
    {},
};

const CommandSpec kXinfoSubcommands[] = {
    {.name = "xinfo|groups", .arity = 3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "List the consumer groups of a stream", .complexity = "O(1)",
     .execute = &XinfoGroups, .key_flags = "RO access", .args = "key:key@0",
     .history = "7.0.0 Added the `entries-read` and `lag` fields"},
    {.name = "xinfo|stream", .arity = -3, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Get information about a stream", .complexity = "O(1)",
     .execute = &XinfoStream, .key_flags = "RO access", .args = "key:key@0 full:block=FULL?(count:integer=COUNT?)",
     .history = "6.0.0 Added the `FULL` modifier.\n7.0.0 Added the `max-deleted-entry-id`, `entries-added`, "
                "`recorded-first-entry-id`, `entries-read` and `lag` fields"},
    {.name = "xinfo|consumers", .arity = 4, .flags = kReadonly, .first_key = 2, .last_key = 2, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "List the consumers in a consumer group", .complexity = "O(1)",
     .execute = &XinfoConsumers, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 groupname:string"},
    {.name = "xinfo|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = kG, .since = "5.0.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &XinfoHelp},
    {},
};

}  // namespace

constexpr KeySpec kInternalXreadKeys[] = {
    {.flags = "RO access", .keyword = "STREAMS", .startfrom = 1, .lastkey = -1, .limit = 2}};

constexpr KeySpec kXreadgroupKeys[] = {
    {.flags = "RO access", .keyword = "STREAMS", .startfrom = 4, .lastkey = -1, .limit = 2}
};

extern const CommandSpec kStreamGroupCommands[] = {
    {.name = "xgroup", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "5.0.0", .summary = "A container for consumer groups commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kXgroupSubcommands},
    {.name = "redraft.xgroup", .arity = -4, .flags = kWrite | kInternal | kDenyOom, .first_key = 2, .last_key = 2,
     .key_step = 1, .group = kG, .since = "0.1.0", .summary = "Internal: XGROUP's writes", .complexity = "O(N)",
     .apply = &streams::ApplyXgroup},
    // XREAD BLOCK as a blocking log write with "$" resolved (streams_blocking.h).
    {.name = "redraft.xread", .arity = -4, .flags = kWrite | kInternal | kBlocking, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = kG, .since = "0.1.0", .summary = "Internal: XREAD BLOCK", .complexity = "O(N)",
     .apply = &streams::ApplyXreadInternal, .key_specs = kInternalXreadKeys},
    {.name = "xreadgroup", .arity = -7, .flags = kWrite | kBlocking, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = kG, .since = "5.0.0",
     .summary = "Return new entries from a stream using a consumer group, or access the history of the pending "
                "entries for a given consumer. Can block.",
     .complexity = "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant "
                   "(e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the "
                   "other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients "
                   "blocked on the stream getting new data.",
     .apply = &streams::ApplyXreadgroup, .key_specs = kXreadgroupKeys,
     .args = "group_consumer:block=GROUP(group:string consumer:string) count:integer=COUNT? "
             "milliseconds:integer=BLOCK? noack:pure-token=NOACK? streams:block=STREAMS(key:key@0* id:string*)"},
    {.name = "xack", .arity = -4, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0",
     .summary = "Marks a pending message as correctly processed, effectively removing it from the pending entries "
                "list of the consumer group. Return value of the command is the number of messages successfully "
                "acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
     .complexity = "O(1) for each message ID processed.", .apply = &streams::ApplyXack, .key_flags = "RW update",
     .args = "key:key@0 group:string id:string*"},
    {.name = "xpending", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0",
     .summary = "Return information and entries from a stream consumer group pending entries list, that are "
                "messages fetched but never acknowledged.",
     .complexity = "O(N) with N being the number of elements returned, so asking for a small fixed number of "
                   "entries per call is O(1). O(M), where M is the total number of entries scanned when used with "
                   "the IDLE filter. When the command returns just the summary and the list of consumers is small, "
                   "it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
     .execute = &XpendingCmd, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 group:string filters:block?(min-idle-time:integer=IDLE/6.2.0? start:string end:string "
             "count:integer consumer:string?)",
     .history = "6.2.0 Added the `IDLE` option and exclusive range intervals."},
    {.name = "xclaim", .arity = -6, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0",
     .summary = "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered "
                "to the specified consumer.",
     .complexity = "O(log N) with N being the number of messages in the PEL of the consumer group.",
     .apply = &streams::ApplyXclaim, .key_flags = "RW update", .tips = "nondeterministic_output",
     .args = "key:key@0 group:string consumer:string min-idle-time:string id:string* ms:integer=IDLE? "
             "unix-time-milliseconds:unix-time=TIME? count:integer=RETRYCOUNT? force:pure-token=FORCE? "
             "justid:pure-token=JUSTID? id:string=LASTID?"},
    {.name = "xautoclaim", .arity = -6, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "6.2.0",
     .summary = "Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
                "delivered to the specified consumer.",
     .complexity = "O(1) if COUNT is small.", .apply = &streams::ApplyXautoclaim, .key_flags = "RW delete",
     .tips = "nondeterministic_output",
     .args = "key:key@0 group:string consumer:string min-idle-time:string start:string count:integer=COUNT? "
             "justid:pure-token=JUSTID?",
     .history = "7.0.0 Added an element to the reply array, containing deleted entries the command cleared from "
                "the PEL"},
    {.name = "xinfo", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = kG,
     .since = "5.0.0", .summary = "A container for stream introspection commands",
     .complexity = "Depends on subcommand.", .execute = &DispatchSubcommand, .subcommands = kXinfoSubcommands},
    // XINFO STREAM/GROUPS/CONSUMERS run as this data read (behind the read barrier, and at their
    // place inside EXEC); its execute dispatches to the subcommand.
    {.name = "redraft.xinfo", .arity = -3, .flags = kReadonly | kInternal, .first_key = 2, .last_key = 2,
     .key_step = 1, .group = kG, .since = "0.1.0", .summary = "Internal: XINFO's reads", .complexity = "O(N)",
     .execute = &XinfoInternal},
    {},
};

}  // namespace redraft::commands
