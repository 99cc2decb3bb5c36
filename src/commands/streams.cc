// The stream command family, stage 1: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD, with Redis
// 7.0 semantics (t_stream.c) and replies. Storage and the differences from Redis: docs/streams.md.
//
// Writes are applied from their log form, which is the command as sent: XADD's automatic IDs
// ("*", "ms-*") are derived at apply time from the entry's now_ms (the leader's clock carried in
// the entry) and the stream's last ID, never from a local clock, so every replica derives the
// same ID; like Redis's streamNextID the ms part never goes below the last ID's.
#include <algorithm>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "commands/streams_internal.h"
#include "commands/streams_nodes.h"
#include "commands/streams_scan.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using streams::DecodeMeta;
using streams::EncodeMeta;
using streams::kErrInvalidId;
using streams::StreamId;
using streams::StreamMeta;
using streams::FirstFrom;
using streams::ReplyEntry;
using streams::VisitRange;

// ---------------------------------------------------------------------------------------------
// Shared

// Redis's addReplyError: the "ERR " prefix the texts below lack.
void Err(resp::ReplyBuilder& r, std::string_view msg) { r.Error("ERR " + std::string(msg)); }

void PutMeta(ApplyContext& ctx, std::string_view key, Value* v, const StreamMeta& m) {
  EncodeMeta(m, v);
  ctx.batch.Put(key, *v);
}

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM arguments (Redis streamParseAddOrTrimArgsOrReply)

enum class Trim { kNone, kMaxLen, kMinId };

struct AddTrimArgs {
  Trim trim = Trim::kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamId minid;
  int64_t limit = 0;  // 0: no limit
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

// MAXLEN or MINID at argv[*i] with `more` arguments after it: refuses a second strategy and
// consumes an optional "~" (approximate) or "=" before the threshold, leaving *i before it.
bool BeginTrim(const Argv& argv, size_t more, size_t* i, AddTrimArgs* a, resp::ReplyBuilder& r) {
  if (a->trim != Trim::kNone) {
    Err(r, "syntax error, MAXLEN and MINID options at the same time are not compatible");
    return false;
  }
  a->approx = false;
  std::string_view next = CStrView(argv[*i + 1]);
  if (more >= 2 && next == "~") {
    a->approx = true;
    ++*i;
  } else if (more >= 2 && next == "=") {
    ++*i;
  }
  return true;
}

// Returns the position of the ID (XADD) or argv.size() (XTRIM), or -1 after replying an error.
int ParseAddOrTrim(resp::ReplyBuilder& r, const Argv& argv, bool xadd, AddTrimArgs* a) {
  size_t i = 2;
  bool limit_given = false;
  for (; i < argv.size(); i++) {
    size_t more = argv.size() - 1 - i;
    std::string_view opt = CStrView(argv[i]);
    if (xadd && opt == "*") {
      break;
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      if (!BeginTrim(argv, more, &i, a, r)) return -1;
      if (!ParseInt64(argv[i + 1], &a->maxlen)) {
        r.Error(kErrNotInteger);
        return -1;
      }
      if (a->maxlen < 0) {
        Err(r, "The MAXLEN argument must be >= 0.");
        return -1;
      }
      i++;
      a->trim = Trim::kMaxLen;
    } else if (EqualsIgnoreCase(opt, "minid") && more) {
      if (!BeginTrim(argv, more, &i, a, r)) return -1;
      if (!streams::ParseId(argv[i + 1], 0, /*strict=*/true, &a->minid)) {
        r.Error(kErrInvalidId);
        return -1;
      }
      i++;
      a->trim = Trim::kMinId;
    } else if (EqualsIgnoreCase(opt, "limit") && more) {
      if (!ParseInt64(argv[i + 1], &a->limit)) {
        r.Error(kErrNotInteger);
        return -1;
      }
      if (a->limit < 0) {
        Err(r, "The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      i++;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      a->nomkstream = true;
    } else if (xadd) {
      if (!streams::ParseId(argv[i], 0, /*strict=*/true, &a->id, &a->seq_given)) {
        r.Error(kErrInvalidId);
        return -1;
      }
      a->id_given = true;
      break;
    } else {
      r.Error(kErrSyntax);
      return -1;
    }
  }
  if (a->limit && a->trim == Trim::kNone) {
    Err(r, "syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->trim == Trim::kNone) {
    Err(r, "syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limit_given) {
    if (!a->approx) {
      Err(r, "syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else {
    // Redis: 100 * stream-node-max-entries (100) for '~', no limit for exact trimming.
    a->limit = a->approx ? 10000 : 0;
  }
  return static_cast<int>(i);
}

// Redis xaddCommand's checks that need no state: the field-value pairing and ID 0-0.
bool CheckAddArgs(resp::ReplyBuilder& r, const Argv& argv, int pos, const AddTrimArgs& a) {
  size_t first = static_cast<size_t>(pos) + 1;  // the fields follow the ID
  size_t left = first <= argv.size() ? argv.size() - first : 0;
  if (left < 2 || left % 2 == 1) {
    r.Error(WrongArity("xadd"));
    return false;
  }
  if (a.id_given && a.seq_given && a.id == StreamId{0, 0}) {
    Err(r, "The ID specified in XADD must be greater than 0-0");
    return false;
  }
  return true;
}

// Removes entries from the head as the trim arguments say; returns how many. With the node
// mirror (streams_nodes.h) this is Redis's streamTrim: '~' removes whole nodes only, LIMIT
// bounds the entries removed. A stream stored before the mirror existed trims exactly, '~' up
// to `limit` entries (docs/streams.md).
uint64_t TrimStream(ApplyContext& ctx, std::string_view key, const Value& v, StreamMeta* m, const AddTrimArgs& a) {
  if (a.trim == Trim::kNone) return 0;
  // With the mirror even an empty stream may lose nodes (MINID past nodes whose entries are
  // all flagged deleted), as Redis's streamTrim does.
  if (m->nodes) {
    return streams::NodesTrim(ctx, key, v, m, a.trim == Trim::kMaxLen, static_cast<uint64_t>(std::max<int64_t>(a.maxlen, 0)),
                              a.minid, a.approx, a.limit);
  }
  if (m->length == 0) return 0;
  uint64_t want = 0;  // entries to remove (MAXLEN) or UINT64_MAX (MINID: while below minid)
  if (a.trim == Trim::kMaxLen) {
    if (m->length <= static_cast<uint64_t>(a.maxlen)) return 0;
    want = m->length - static_cast<uint64_t>(a.maxlen);
  } else {
    want = UINT64_MAX;
  }
  if (a.limit > 0) want = std::min<uint64_t>(want, static_cast<uint64_t>(a.limit));
  std::vector<StreamId> gone;
  std::optional<StreamId> next;
  VisitRange(ctx.batch, key, v, *m, m->first_id, streams::kMaxId, false, [&](const StreamId& id, std::string_view) {
    if (gone.size() < want && (a.trim == Trim::kMaxLen || id < a.minid)) {
      gone.push_back(id);
      return true;
    }
    next = id;
    return false;
  });
  for (const auto& id : gone) ctx.batch.DeleteSub(key, v.version, streams::EntryField(id));
  m->length -= gone.size();
  m->first_id = next && m->length > 0 ? *next : StreamId{0, 0};
  return gone.size();
}

// ---------------------------------------------------------------------------------------------
// Writes

bool XaddPrepare(PrepareContext& ctx, Argv& argv) {
  AddTrimArgs a;
  int pos = ParseAddOrTrim(ctx.reply, argv, true, &a);
  return pos >= 0 && CheckAddArgs(ctx.reply, argv, pos, a);
}

void XaddApply(ApplyContext& ctx, const Argv& argv) {
  AddTrimArgs a;
  int pos = ParseAddOrTrim(ctx.reply, argv, true, &a);
  if (pos < 0 || !CheckAddArgs(ctx.reply, argv, pos, a)) return;  // prepare refused these
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  StreamMeta m;
  if (f == Found::kNo) {
    if (a.nomkstream) {
      ctx.reply.Null();
      return;
    }
    v.type = ValueType::kStream;
    v.expire_ms = 0;
    v.version = NewVersion(ctx);
  } else {
    m = DecodeMeta(v);
  }
  if (m.last_id == streams::kMaxId) {
    Err(ctx.reply, "The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  // Redis streamAppendItem's ID choice.
  StreamId id;
  if (a.id_given) {
    if (a.seq_given) {
      id = a.id;
    } else if (m.last_id.ms == a.id.ms) {
      if (m.last_id.seq == UINT64_MAX) {
        Err(ctx.reply, "The ID specified in XADD is equal or smaller than the target stream top item");
        return;
      }
      id = {m.last_id.ms, m.last_id.seq + 1};
    } else {
      id = a.id;
    }
  } else {
    // streamNextID with the entry's clock: a later ms starts at seq 0, else the last ID + 1.
    uint64_t now = ctx.now_ms > 0 ? static_cast<uint64_t>(ctx.now_ms) : 0;
    if (now > m.last_id.ms) {
      id = {now, 0};
    } else {
      id = m.last_id;
      streams::IncrId(&id);
    }
  }
  if (id <= m.last_id) {
    Err(ctx.reply, "The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  std::vector<std::string_view> fv(argv.begin() + pos + 1, argv.end());
  ctx.batch.PutSub(key, v.version, streams::EntryField(id), streams::EncodeEntry(fv));
  streams::NodesAppend(ctx, key, v.version, &m, id, fv);
  if (m.length == 0) m.first_id = id;
  m.length++;
  m.last_id = id;
  m.entries_added++;
  ctx.reply.Bulk(id.ToString());
  Notify(ctx, kNotifyStream, "xadd", key);
  if (TrimStream(ctx, key, v, &m, a) > 0) Notify(ctx, kNotifyStream, "xtrim", key);
  PutMeta(ctx, key, &v, m);
}

// Redis xtrimCommand: the key is looked up before the arguments are parsed.
void XtrimApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Integer(0);
    return;
  }
  AddTrimArgs a;
  if (ParseAddOrTrim(ctx.reply, argv, false, &a) < 0) return;
  StreamMeta m = DecodeMeta(v);
  std::string before = v.payload;
  uint64_t n = TrimStream(ctx, key, v, &m, a);
  EncodeMeta(m, &v);
  if (v.payload != before) ctx.batch.Put(key, v);  // also when only emptied nodes went
  if (n > 0) Notify(ctx, kNotifyStream, "xtrim", key);
  ctx.reply.Integer(static_cast<int64_t>(n));
}

// Redis xdelCommand: every ID is checked before any is deleted; the key first.
void XdelApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Integer(0);
    return;
  }
  std::vector<StreamId> ids(argv.size() - 2);
  for (size_t j = 2; j < argv.size(); j++) {
    if (!streams::ParseId(argv[j], 0, /*strict=*/true, &ids[j - 2])) {
      ctx.reply.Error(kErrInvalidId);
      return;
    }
  }
  StreamMeta m = DecodeMeta(v);
  int64_t deleted = 0;
  bool first_gone = false;
  for (const auto& id : ids) {
    std::string field = streams::EntryField(id), old;
    Status s = ctx.batch.GetSub(key, v.version, field, &old);
    PanicOnStoreError(s);
    if (!s.ok()) continue;
    ctx.batch.DeleteSub(key, v.version, field);
    streams::NodesDelete(ctx, key, v.version, &m, id);
    if (id == m.first_id) first_gone = true;
    if (id > m.max_deleted_id) m.max_deleted_id = id;
    m.length--;
    deleted++;
  }
  if (deleted > 0) {
    if (m.length == 0) {
      m.first_id = {0, 0};
    } else if (first_gone) {
      StreamMeta scan = m;
      m.first_id = FirstFrom(ctx.batch, key, v, scan, m.first_id).value_or(StreamId{0, 0});
    }
    PutMeta(ctx, key, &v, m);
    Notify(ctx, kNotifyStream, "xdel", key);
  }
  ctx.reply.Integer(deleted);
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] (Redis xsetidCommand): the arguments are
// checked before the key is looked up, so their errors never reach the log.
struct SetIdArgs {
  StreamId id, max_deleted;
  int64_t entries_added = -1;
};

bool ParseSetId(resp::ReplyBuilder& r, const Argv& argv, SetIdArgs* a) {
  if (!streams::ParseId(argv[2], 0, /*strict=*/true, &a->id)) {
    r.Error(kErrInvalidId);
    return false;
  }
  for (size_t i = 3; i < argv.size(); i += 2) {
    bool more = argv.size() - 1 - i > 0;
    std::string_view opt = CStrView(argv[i]);
    if (EqualsIgnoreCase(opt, "ENTRIESADDED") && more) {
      if (!ParseInt64(argv[i + 1], &a->entries_added)) {
        r.Error(kErrNotInteger);
        return false;
      }
      if (a->entries_added < 0) {
        Err(r, "entries_added must be positive");
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "MAXDELETEDID") && more) {
      if (!streams::ParseId(argv[i + 1], 0, /*strict=*/true, &a->max_deleted)) {
        r.Error(kErrInvalidId);
        return false;
      }
      if (a->id < a->max_deleted) {
        Err(r, "The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return false;
      }
    } else {
      r.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

bool XsetidPrepare(PrepareContext& ctx, Argv& argv) {
  SetIdArgs a;
  return ParseSetId(ctx.reply, argv, &a);
}

void XsetidApply(ApplyContext& ctx, const Argv& argv) {
  SetIdArgs a;
  if (!ParseSetId(ctx.reply, argv, &a)) return;  // prepare refused these
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) return ctx.reply.Error(kErrNoSuchKey);
  StreamMeta m = DecodeMeta(v);
  // Redis 7.0.15 does not compare with the stream's current max_deleted_entry_id (only with a
  // MAXDELETEDID argument): the reference answers XSETID below it with OK, and so do we.
  if (m.length > 0) {
    // Redis compares with the last live entry (streamLastValidID), not the last ID ever added.
    StreamId top{0, 0};
    VisitRange(ctx.batch, key, v, m, m.first_id, streams::kMaxId, true, [&](const StreamId& id, std::string_view) {
      top = id;
      return false;
    });
    if (a.id < top) return Err(ctx.reply, "The ID specified in XSETID is smaller than the target stream top item");
    if (a.entries_added != -1 && m.length > static_cast<uint64_t>(a.entries_added)) {
      return Err(ctx.reply, "The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  m.last_id = a.id;
  if (a.entries_added != -1) m.entries_added = static_cast<uint64_t>(a.entries_added);
  if (a.max_deleted != StreamId{0, 0}) m.max_deleted_id = a.max_deleted;
  PutMeta(ctx, key, &v, m);
  ctx.reply.Ok();
  Notify(ctx, kNotifyStream, "xsetid", key);
}

// ---------------------------------------------------------------------------------------------
// Reads

void XlenCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadCollection(ctx, argv[1], ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(DecodeMeta(v).length) : 0);
}

// Redis xrangeGenericCommand: IDs, then COUNT, then the key.
void XrangeGeneric(ExecContext& ctx, const Argv& argv, bool rev) {
  const std::string& startarg = rev ? argv[3] : argv[2];
  const std::string& endarg = rev ? argv[2] : argv[3];
  StreamId start, end;
  bool startex, endex;
  if (!streams::ParseIntervalId(startarg, 0, &start, &startex)) return ctx.reply.Error(kErrInvalidId);
  if (startex && !streams::IncrId(&start)) return Err(ctx.reply, "invalid start ID for the interval");
  if (!streams::ParseIntervalId(endarg, UINT64_MAX, &end, &endex)) return ctx.reply.Error(kErrInvalidId);
  if (endex && !streams::DecrId(&end)) return Err(ctx.reply, "invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < argv.size(); j++) {
    if (EqualsIgnoreCase(CStrView(argv[j]), "COUNT") && argv.size() - j - 1 >= 1) {
      if (!ParseInt64(argv[j + 1], &count)) return ctx.reply.Error(kErrNotInteger);
      if (count < 0) count = 0;
      j++;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Value v;
  Found f = ReadCollection(ctx, argv[1], ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) return ctx.reply.ArrayHeader(0);
  if (count == 0) return ctx.reply.NullArray();
  StreamMeta m = DecodeMeta(v);
  std::vector<std::pair<StreamId, std::string>> out;
  VisitRange(ctx.store, argv[1], v, m, start, end, rev, [&](const StreamId& id, std::string_view val) {
    out.emplace_back(id, std::string(val));
    return count < 0 || static_cast<int64_t>(out.size()) < count;
  });
  ctx.reply.ArrayHeader(out.size());
  for (const auto& [id, val] : out) ReplyEntry(ctx.reply, id, val);
}

void XrangeCmd(ExecContext& ctx, const Argv& argv) { XrangeGeneric(ctx, argv, false); }
void XrevrangeCmd(ExecContext& ctx, const Argv& argv) { XrangeGeneric(ctx, argv, true); }

// Redis xreadCommand without a group. BLOCK is parsed and checked, then answered as Redis answers
// it where a client may not block (inside MULTI): nil when nothing is there (docs/streams.md).
void XreadCmd(ExecContext& ctx, const Argv& argv) {
  int64_t count = 0;
  size_t streams_arg = 0, nstreams = 0;
  for (size_t i = 1; i < argv.size(); i++) {
    size_t more = argv.size() - i - 1;
    std::string_view o = CStrView(argv[i]);
    if (EqualsIgnoreCase(o, "BLOCK") && more) {
      i++;
      int64_t t;
      if (!ParseInt64(argv[i], &t)) return ctx.reply.Error(kErrTimeoutNotInteger);
      if (t < 0) return Err(ctx.reply, "timeout is negative");
    } else if (EqualsIgnoreCase(o, "COUNT") && more) {
      i++;
      if (!ParseInt64(argv[i], &count)) return ctx.reply.Error(kErrNotInteger);
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "STREAMS") && more) {
      streams_arg = i + 1;
      nstreams = argv.size() - streams_arg;
      if (nstreams % 2 != 0) {
        return Err(ctx.reply,
                   "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      nstreams /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "GROUP") && more >= 2) {
      return Err(ctx.reply, "The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
    } else if (EqualsIgnoreCase(o, "NOACK")) {
      return Err(ctx.reply, "The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  if (streams_arg == 0) return ctx.reply.Error(kErrSyntax);
  std::vector<StreamId> ids(nstreams);
  std::vector<Value> vals(nstreams);
  std::vector<bool> found(nstreams);
  for (size_t k = 0; k < nstreams; k++) {
    const std::string& idarg = argv[streams_arg + nstreams + k];
    Found f = ReadCollection(ctx, argv[streams_arg + k], ValueType::kStream, &vals[k]);
    if (f == Found::kFailed) return;
    found[k] = f == Found::kYes;
    if (CStrView(idarg) == "$") {
      ids[k] = found[k] ? DecodeMeta(vals[k]).last_id : StreamId{0, 0};
      continue;
    }
    if (CStrView(idarg) == ">") {
      return Err(ctx.reply,
                 "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> "
                 "option.");
    }
    if (!streams::ParseId(idarg, 0, /*strict=*/true, &ids[k])) return ctx.reply.Error(kErrInvalidId);
  }
  // Each served stream: its key and its entries after the given ID.
  std::vector<std::pair<size_t, std::vector<std::pair<StreamId, std::string>>>> served;
  for (size_t k = 0; k < nstreams; k++) {
    if (!found[k]) continue;
    StreamId start = ids[k];
    if (!streams::IncrId(&start)) continue;  // nothing is after the last possible ID
    std::vector<std::pair<StreamId, std::string>> out;
    StreamMeta m = DecodeMeta(vals[k]);
    VisitRange(ctx.store, argv[streams_arg + k], vals[k], m, start, streams::kMaxId, false,
               [&](const StreamId& id, std::string_view val) {
                 out.emplace_back(id, std::string(val));
                 return count == 0 || static_cast<int64_t>(out.size()) < count;
               });
    if (!out.empty()) served.emplace_back(k, std::move(out));
  }
  if (served.empty()) return ctx.reply.NullArray();
  // RESP2: [[key, entries], ...]; RESP3: a map key -> entries (Redis's setDeferredMapLen).
  if (ctx.session.proto == 2) ctx.reply.ArrayHeader(served.size()); else ctx.reply.MapHeader(served.size());
  for (const auto& [k, entries] : served) {
    if (ctx.session.proto == 2) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(argv[streams_arg + k]);
    ctx.reply.ArrayHeader(entries.size());
    for (const auto& [id, val] : entries) ReplyEntry(ctx.reply, id, val);
  }
}

}  // namespace

constexpr std::string_view kG = "stream";

constexpr KeySpec kXreadKeys[] = {
    {.flags = "RO access", .keyword = "STREAMS", .startfrom = 1, .lastkey = -1, .limit = 2}
};

extern const CommandSpec kStreamCommands[] = {
    {.name = "xadd", .arity = -5, .flags = kWrite | kDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Appends a new entry to a stream",
     .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
     .prepare = &XaddPrepare, .apply = &XaddApply, .key_flags = "RW update",
     .key_notes = "UPDATE instead of INSERT because of the optional trimming feature",
     .tips = "nondeterministic_output",
     .args = "key:key@0 nomkstream:pure-token=NOMKSTREAM/6.2.0? "
             "trim:block?(strategy:oneof(maxlen:pure-token=MAXLEN minid:pure-token=MINID/6.2.0) "
             "operator:oneof?(equal:pure-token== approximately:pure-token=~) threshold:string "
             "count:integer=LIMIT/6.2.0?) id_or_auto:oneof(auto_id:pure-token='*' id:string) "
             "field_value:block*(field:string value:string)",
     .history = "6.2.0 Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option.\n7.0.0 "
                "Added support for the `<ms>-*` explicit ID form."},
    {.name = "xtrim", .arity = -4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0", .summary = "Trims the stream to (approximately if '~' is passed) a certain size",
     .complexity = "O(N), with N being the number of evicted entries. Constant times are very small however, since "
                   "entries are organized in macro nodes containing multiple entries that can be released with a "
                   "single deallocation.",
     .apply = &XtrimApply, .key_flags = "RW delete", .tips = "nondeterministic_output",
     .args = "key:key@0 trim:block(strategy:oneof(maxlen:pure-token=MAXLEN minid:pure-token=MINID/6.2.0) "
             "operator:oneof?(equal:pure-token== approximately:pure-token=~) threshold:string "
             "count:integer=LIMIT/6.2.0?)",
     .history = "6.2.0 Added the `MINID` trimming strategy and the `LIMIT` option."},
    {.name = "xdel", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0",
     .summary = "Removes the specified entries from the stream. Returns the number of items actually deleted, that "
                "may be different from the number of IDs passed in case certain IDs do not exist.",
     .complexity = "O(1) for each single item to delete in the stream, regardless of the stream size.",
     .apply = &XdelApply, .key_flags = "RW delete", .args = "key:key@0 id:string*"},
    {.name = "xsetid", .arity = -3, .flags = kWrite | kDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "An internal command for replicating stream values",
     .complexity = "O(1)", .prepare = &XsetidPrepare, .apply = &XsetidApply, .key_flags = "RW update",
     .args = "key:key@0 last-id:string entries_added:integer=ENTRIESADDED/7.0.0? "
             "max_deleted_entry_id:string=MAXDELETEDID/7.0.0?",
     .history = "7.0.0 Added the `entries_added` and `max_deleted_entry_id` arguments."},
    {.name = "xlen", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "5.0.0", .summary = "Return the number of entries in a stream", .complexity = "O(1)",
     .execute = &XlenCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "xrange", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     .complexity = "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking "
                   "for the first 10 elements with COUNT), you can consider it O(1).",
     .execute = &XrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 start:string end:string count:integer=COUNT?", .history = "6.2.0 Added exclusive ranges."},
    {.name = "xrevrange", .arity = -4, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = kG,
     .since = "5.0.0",
     .summary = "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse "
                "order (from greater to smaller IDs) compared to XRANGE",
     .complexity = "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for "
                   "the first 10 elements with COUNT), you can consider it O(1).",
     .execute = &XrevrangeCmd, .key_flags = "RO access",
     .args = "key:key@0 end:string start:string count:integer=COUNT?", .history = "6.2.0 Added exclusive ranges."},
    {.name = "xread", .arity = -4, .flags = kReadonly | kBlocking, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = kG, .since = "5.0.0",
     .summary = "Return never seen elements in multiple streams, with IDs greater than the ones reported by the "
                "caller for each stream. Can block.",
     .complexity = "For each stream mentioned: O(N) with N being the number of elements being returned, it means "
                   "that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will "
                   "pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
     .execute = &XreadCmd, .key_specs = kXreadKeys,
     .args = "count:integer=COUNT? milliseconds:integer=BLOCK? streams:block=STREAMS(key:key@0* id:string*)"},
    {},
};

}  // namespace redraft::commands
