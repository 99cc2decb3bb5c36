// Consumer groups, the writes: XGROUP (as redraft.xgroup), XREADGROUP, XACK, XCLAIM, XAUTOCLAIM,
// with Redis 7.0 semantics (t_stream.c) and replies. Storage: streams_groups_store.h; the reads
// (XPENDING, XINFO) are in streams_groups_info.cc; docs/streams.md.
//
// Every change to a PEL is a log entry applied from the command as sent: delivery times, idle
// checks (XCLAIM/XAUTOCLAIM min-idle-time, IDLE) and consumers' seen times use the entry's now_ms
// (the leader's clock), never a local clock, so every replica holds the same groups, consumers
// and PEL at the same log position.
#include "commands/streams_groups.h"

#include <map>
#include <span>
#include <set>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/notify.h"
#include "commands/streams_groups_internal.h"
#include "commands/streams_groups_store.h"
#include "commands/streams_scan.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using namespace streams;  // NOLINT: the stream storage vocabulary

// The state of one group while an entry changes it. Consumer records are cached and written back
// with the group record by Save(); PEL sub-keys are written through.
class GroupTx {
 public:
  GroupTx(ApplyContext& ctx, const std::string& key, uint64_t version, std::string_view name, const Group& g)
      : ctx_(ctx), key_(key), ver_(version), name_(name), g(g) {}

  Consumer* Find(std::string_view c) {
    auto it = consumers_.find(std::string(c));
    if (it == consumers_.end()) it = consumers_.emplace(std::string(c), LoadConsumer(ctx_.batch, key_, ver_, name_, c)).first;
    return it->second ? &*it->second : nullptr;
  }
  // Redis streamLookupConsumer (refreshing the seen time) or streamCreateConsumer.
  Consumer* Ensure(std::string_view c) {
    Consumer* p = Find(c);
    if (!p) {
      auto& slot = consumers_[std::string(c)];
      slot = Consumer{ctx_.now_ms, 0};
      p = &*slot;
      g.consumers++;
      Notify(ctx_, kNotifyStream, "xgroup-createconsumer", key_);
    } else {
      p->seen_ms = ctx_.now_ms;
    }
    dirty_.insert(std::string(c));
    return p;
  }
  // Redis streamCreateConsumer alone: false if it exists (nothing changes then).
  bool Create(std::string_view c) {
    if (Find(c)) return false;
    Ensure(c);
    return true;
  }
  // Removes the consumer and its pending entries; returns how many it had.
  uint64_t Delete(std::string_view c) {
    Consumer* p = Find(c);
    if (!p) return 0;
    uint64_t n = p->pel_count;
    std::vector<std::string> fields;
    ScanPrefix(ctx_.batch, key_, ver_, ConsumerPelPrefix(name_, c), [&](std::string_view f, std::string_view) {
      fields.emplace_back(f);
      return true;
    });
    for (const auto& f : fields) {
      ctx_.batch.DeleteSub(key_, ver_, f);
      ctx_.batch.DeleteSub(key_, ver_, PelField(name_, IdSuffix(f)));
    }
    g.pel_count -= fields.size();
    ctx_.batch.DeleteSub(key_, ver_, ConsumerField(name_, c));
    consumers_[std::string(c)].reset();
    dirty_.erase(std::string(c));
    g.consumers--;
    return n;
  }

  std::optional<Pending> GetPending(const StreamId& id) {
    auto v = GetSubOpt(ctx_.batch, key_, ver_, PelField(name_, id));
    if (!v) return std::nullopt;
    return DecodePending(*v);
  }
  // Stores p for id, moving it from old_owner's PEL (empty: a new entry) to p.consumer's.
  void PutPending(const StreamId& id, const Pending& p, const std::optional<std::string>& old_owner) {
    ctx_.batch.PutSub(key_, ver_, PelField(name_, id), EncodePending(p));
    if (!old_owner) g.pel_count++;
    if (old_owner && *old_owner == p.consumer) return;
    if (old_owner) Unlink(*old_owner, id);
    ctx_.batch.PutSub(key_, ver_, ConsumerPelField(name_, p.consumer, id), "");
    if (Consumer* c = Find(p.consumer)) {
      c->pel_count++;
      dirty_.insert(p.consumer);
    }
  }
  void DeletePending(const StreamId& id, const Pending& p) {
    ctx_.batch.DeleteSub(key_, ver_, PelField(name_, id));
    Unlink(p.consumer, id);
    g.pel_count--;
  }

  void Save() {
    for (const auto& c : dirty_) {
      if (const auto& rec = consumers_[c]) ctx_.batch.PutSub(key_, ver_, ConsumerField(name_, c), EncodeConsumer(*rec));
    }
    ctx_.batch.PutSub(key_, ver_, GroupField(name_), EncodeGroup(g));
  }

 private:
  void Unlink(const std::string& owner, const StreamId& id) {
    ctx_.batch.DeleteSub(key_, ver_, ConsumerPelField(name_, owner, id));
    if (Consumer* c = Find(owner)) {
      if (c->pel_count) c->pel_count--;
      dirty_.insert(owner);
    }
  }

  ApplyContext& ctx_;
  const std::string& key_;
  uint64_t ver_;
  std::string name_;
  std::map<std::string, std::optional<Consumer>> consumers_;
  std::set<std::string> dirty_;

 public:
  Group g;
};

// Redis's addReplyErrorFormat text: "%s" arguments end at a NUL.
std::string Arg(const std::string& s) { return std::string(EchoArg(s)); }

std::string NoGroupKeyOrGroup(const std::string& key, const std::string& group) {
  return "NOGROUP No such key '" + Arg(key) + "' or consumer group '" + Arg(group) + "'";
}

// Redis getLongLongFromObjectOrReply with a message of its own.
bool LongLongOr(resp::ReplyBuilder& r, const std::string& arg, int64_t* out, std::string_view msg) {
  if (ParseInt64(arg, out)) return true;
  r.Error("ERR " + std::string(msg));
  return false;
}

// ---------------------------------------------------------------------------------------------
// XGROUP (log form: redraft.xgroup <sub> <key> <group> ...; the indexes are XGROUP's)

bool ParseEntriesRead(resp::ReplyBuilder& r, const std::string& arg, int64_t* out) {
  if (!ParseInt64(arg, out)) {
    r.Error(kErrNotInteger);
    return false;
  }
  if (*out < 0 && *out != kInvalidEntriesRead) {
    r.Error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  return true;
}

void XgroupApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& sub = argv[1];
  const std::string& key = argv[2];
  const std::string& gname = argv[3];
  size_t argc = argv.size();
  bool create = EqualsIgnoreCase(sub, "create"), setid = EqualsIgnoreCase(sub, "setid");
  bool mkstream = false;
  int64_t entries_read = kInvalidEntriesRead;
  if (create) {
    for (size_t i = 5; i < argc;) {
      if (EqualsIgnoreCase(argv[i], "mkstream")) {
        mkstream = true;
        i++;
      } else if (EqualsIgnoreCase(argv[i], "entriesread") && i + 1 < argc) {
        if (!ParseEntriesRead(ctx.reply, argv[i + 1], &entries_read)) return;
        i += 2;
      } else {
        return SubcommandSyntaxError(ctx.reply, "XGROUP", sub);
      }
    }
  } else if (setid) {
    if (argc == 7 && EqualsIgnoreCase(argv[5], "entriesread")) {
      if (!ParseEntriesRead(ctx.reply, argv[6], &entries_read)) return;
    } else if (argc != 5) {
      return SubcommandSyntaxError(ctx.reply, "XGROUP", sub);
    }
  }
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  std::optional<Group> group;
  if (f == Found::kYes) group = LoadGroup(ctx.batch, key, v.version, gname);
  if (!mkstream) {
    if (f == Found::kNo) {
      return ctx.reply.Error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
          "MKSTREAM option to create an empty stream automatically.");
    }
    if (!group && (setid || EqualsIgnoreCase(sub, "createconsumer") || EqualsIgnoreCase(sub, "delconsumer"))) {
      return ctx.reply.Error("NOGROUP No such consumer group '" + Arg(gname) + "' for key name '" + Arg(key) + "'");
    }
  }
  StreamMeta m = f == Found::kYes ? DecodeMeta(v) : StreamMeta{};
  if (create && argc >= 5 && argc <= 8) {
    StreamId id;
    if (CStrView(argv[4]) == "$") {
      id = m.last_id;
    } else if (!ParseId(argv[4], 0, /*strict=*/true, &id)) {
      return ctx.reply.Error(kErrInvalidId);
    }
    if (f == Found::kNo) {  // MKSTREAM: the command can no longer fail
      v.type = ValueType::kStream;
      v.expire_ms = 0;
      v.version = NewVersion(ctx);
      EncodeMeta(m, &v);
      ctx.batch.Put(key, v);
    }
    if (group) return ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
    Group g;
    g.last_id = id;
    g.entries_read = entries_read;
    ctx.batch.PutSub(key, v.version, GroupField(gname), EncodeGroup(g));
    ctx.reply.Ok();
    return Notify(ctx, kNotifyStream, "xgroup-create", key);
  }
  if (setid && (argc == 5 || argc == 7)) {
    StreamId id;
    if (CStrView(argv[4]) == "$") {
      id = m.last_id;
    } else if (!ParseId(argv[4], 0, /*strict=*/false, &id)) {
      return ctx.reply.Error(kErrInvalidId);
    }
    group->last_id = id;
    group->entries_read = entries_read;
    ctx.batch.PutSub(key, v.version, GroupField(gname), EncodeGroup(*group));
    ctx.reply.Ok();
    return Notify(ctx, kNotifyStream, "xgroup-setid", key);
  }
  if (EqualsIgnoreCase(sub, "destroy") && argc == 4) {
    if (!group) return ctx.reply.Integer(0);
    std::vector<std::string> fields;
    for (const std::string& prefix : {ConsumerPrefix(gname), PelPrefix(gname), std::string("q") + PelPrefix(gname).substr(1)}) {
      ScanPrefix(ctx.batch, key, v.version, prefix, [&](std::string_view fld, std::string_view) {
        fields.emplace_back(fld);
        return true;
      });
    }
    for (const auto& fld : fields) ctx.batch.DeleteSub(key, v.version, fld);
    ctx.batch.DeleteSub(key, v.version, GroupField(gname));
    ctx.reply.Integer(1);
    return Notify(ctx, kNotifyStream, "xgroup-destroy", key);
  }
  if (EqualsIgnoreCase(sub, "createconsumer") && argc == 5) {
    GroupTx tx(ctx, key, v.version, gname, *group);
    bool created = tx.Create(argv[4]);
    if (created) tx.Save();
    return ctx.reply.Integer(created ? 1 : 0);
  }
  if (EqualsIgnoreCase(sub, "delconsumer") && argc == 5) {
    GroupTx tx(ctx, key, v.version, gname, *group);
    if (!tx.Find(argv[4])) return ctx.reply.Integer(0);
    uint64_t pending = tx.Delete(argv[4]);
    tx.Save();
    ctx.reply.Integer(static_cast<int64_t>(pending));
    return Notify(ctx, kNotifyStream, "xgroup-delconsumer", key);
  }
  SubcommandSyntaxError(ctx.reply, "XGROUP", sub);
}

// ---------------------------------------------------------------------------------------------
// XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...

// Redis streamReplyWithRange for a group read of new entries: each entry after start moves the
// group's last-delivered ID (and its entries-read counter) and, without NOACK, enters the PEL
// owned by the consumer (taken over from another owner if XGROUP SETID moved the group back).
using Entries = std::vector<std::pair<StreamId, std::string>>;

// The live entries after the group's last-delivered ID, at most count (0 = all). Empty exactly
// when Redis's test "last valid ID > last delivered" fails; one forward scan, none when the
// greatest ID ever added is not past it.
Entries NewEntries(ApplyContext& ctx, const std::string& key, const Value& v, const StreamMeta& m, const Group& g,
                   int64_t count) {
  Entries out;
  StreamId start = g.last_id;
  if (m.length == 0 || m.last_id <= g.last_id || !IncrId(&start)) return out;
  VisitRange(ctx.batch, key, v, m, start, kMaxId, false, [&](const StreamId& id, std::string_view val) {
    out.emplace_back(id, std::string(val));
    return count == 0 || static_cast<int64_t>(out.size()) < count;
  });
  return out;
}

void ServeNew(ApplyContext& ctx, resp::ReplyBuilder& r, const StreamMeta& m, GroupTx& tx, const std::string& consumer,
              const Entries& out, bool noack) {
  r.ArrayHeader(out.size());
  for (const auto& [id, val] : out) {
    Group& g = tx.g;
    if (id > g.last_id) {
      if (g.entries_read != kInvalidEntriesRead && !HasTombstonesFrom(m, id)) {
        g.entries_read++;
      } else if (m.entries_added) {
        g.entries_read = EstimateEntriesRead(m, id);
      }
      g.last_id = id;
    }
    if (!noack) {
      auto old = tx.GetPending(id);
      Pending p{ctx.now_ms, 1, consumer};
      tx.PutPending(id, p, old ? std::optional<std::string>(old->consumer) : std::nullopt);
    }
    ReplyEntry(r, id, val);
  }
}

// Redis streamReplyWithRangeFromConsumerPEL: the consumer's pending entries from start; each one
// still in the stream is delivered again (time = the entry's clock, count + 1); a deleted one is
// answered [id, nil].
void ServeHistory(ApplyContext& ctx, resp::ReplyBuilder& r, const std::string& key, const Value& v, GroupTx& tx,
                  const std::string& group, const std::string& consumer, StreamId start, int64_t count) {
  std::vector<StreamId> ids;
  std::string from = ConsumerPelField(group, consumer, start);
  std::string prefix = ConsumerPelPrefix(group, consumer);
  Status s = ctx.batch.ScanSub(key, v.version, from, [&](std::string_view f, std::string_view) {
    if (!f.starts_with(prefix)) return false;
    ids.push_back(IdSuffix(f));
    return count == 0 || static_cast<int64_t>(ids.size()) < count;
  });
  PanicOnStoreError(s);
  r.ArrayHeader(ids.size());
  for (const auto& id : ids) {
    auto val = GetSubOpt(ctx.batch, key, v.version, EntryField(id));
    if (!val) {
      r.ArrayHeader(2);
      r.Bulk(id.ToString());
      r.NullArray();
      continue;
    }
    ReplyEntry(r, id, *val);
    if (auto p = tx.GetPending(id)) {
      p->delivery_ms = ctx.now_ms;
      p->delivery_count++;
      tx.PutPending(id, *p, p->consumer);
    }
  }
}

void XreadgroupApply(ApplyContext& ctx, const Argv& argv) {
  int64_t count = 0;
  size_t streams_arg = 0, nstreams = 0;
  const std::string* gname = nullptr;
  const std::string* cname = nullptr;
  bool noack = false;
  for (size_t i = 1; i < argv.size(); i++) {
    size_t more = argv.size() - i - 1;
    std::string_view o = CStrView(argv[i]);
    if (EqualsIgnoreCase(o, "BLOCK") && more) {
      i++;
      int64_t t;
      if (!ParseInt64(argv[i], &t)) return ctx.reply.Error(kErrTimeoutNotInteger);
      if (t < 0) return ctx.reply.Error("ERR timeout is negative");
    } else if (EqualsIgnoreCase(o, "COUNT") && more) {
      i++;
      if (!ParseInt64(argv[i], &count)) return ctx.reply.Error(kErrNotInteger);
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "STREAMS") && more) {
      streams_arg = i + 1;
      nstreams = argv.size() - streams_arg;
      if (nstreams % 2 != 0) {
        return ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      nstreams /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "GROUP") && more >= 2) {
      gname = &argv[i + 1];
      cname = &argv[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(o, "NOACK")) {
      noack = true;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  if (streams_arg == 0) return ctx.reply.Error(kErrSyntax);
  if (!gname) return ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
  std::vector<StreamId> ids(nstreams);
  std::vector<bool> newer(nstreams);  // ">"
  for (size_t k = 0; k < nstreams; k++) {
    const std::string& key = argv[streams_arg + k];
    const std::string& idarg = argv[streams_arg + nstreams + k];
    Value v;
    Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo || !LoadGroup(ctx.batch, key, v.version, *gname)) {
      return ctx.reply.Error("NOGROUP No such key '" + Arg(key) + "' or consumer group '" + Arg(*gname) +
                             "' in XREADGROUP with GROUP option");
    }
    if (CStrView(idarg) == "$") {
      return ctx.reply.Error(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer "
          "by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty "
          "result set.");
    }
    if (CStrView(idarg) == ">") {
      newer[k] = true;
      continue;
    }
    if (!ParseId(idarg, 0, /*strict=*/true, &ids[k])) return ctx.reply.Error(kErrInvalidId);
    // Redis marks ">" with the greatest ID, so an explicit one reads as ">" there too.
    if (ids[k] == kMaxId) newer[k] = true;
  }
  // Every check passed: serve each stream in order (the same key twice sees the first's changes).
  std::string body;
  resp::ReplyBuilder r(&body, ctx.reply.proto());
  size_t served = 0;
  for (size_t k = 0; k < nstreams; k++) {
    const std::string& key = argv[streams_arg + k];
    Value v;
    if (WriteCollection(ctx, key, ValueType::kStream, &v) != Found::kYes) continue;
    StreamMeta m = DecodeMeta(v);
    GroupTx tx(ctx, key, v.version, *gname, *LoadGroup(ctx.batch, key, v.version, *gname));
    const bool history = !newer[k];
    Entries fresh;
    if (!history) fresh = NewEntries(ctx, key, v, m, tx.g, count);
    if (history || !fresh.empty()) {
      tx.Ensure(*cname);  // Redis 7.0 creates (or refreshes) the consumer only when it serves it
      served++;
      if (r.proto() == 2) r.ArrayHeader(2);
      r.Bulk(key);
      if (history) {
        StreamId start = ids[k];
        if (!IncrId(&start)) start = {0, 0};  // Redis streamIncrID wraps the last ID to 0-0
        ServeHistory(ctx, r, key, v, tx, *gname, *cname, start, count);
      } else {
        ServeNew(ctx, r, m, tx, *cname, fresh, noack);
      }
      tx.Save();
    }
  }
  if (served == 0) return ctx.reply.NullArray();
  if (ctx.reply.proto() == 2) ctx.reply.ArrayHeader(served); else ctx.reply.MapHeader(served);
  ctx.reply.Raw(body);
}

// ---------------------------------------------------------------------------------------------
// XACK key group id...

void XackApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  std::optional<Group> g;
  if (f == Found::kYes) g = LoadGroup(ctx.batch, key, v.version, argv[2]);
  if (!g) return ctx.reply.Integer(0);
  std::vector<StreamId> ids(argv.size() - 3);
  for (size_t j = 3; j < argv.size(); j++) {
    if (!ParseId(argv[j], 0, /*strict=*/true, &ids[j - 3])) return ctx.reply.Error(kErrInvalidId);
  }
  GroupTx tx(ctx, key, v.version, argv[2], *g);
  int64_t acked = 0;
  for (const auto& id : ids) {
    if (auto p = tx.GetPending(id)) {
      tx.DeletePending(id, *p);
      acked++;
    }
  }
  if (acked) tx.Save();
  ctx.reply.Integer(acked);
}

// ---------------------------------------------------------------------------------------------
// XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
// [JUSTID] [LASTID id]

void XclaimApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& key = argv[1];
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  std::optional<Group> g;
  if (f == Found::kYes) g = LoadGroup(ctx.batch, key, v.version, argv[2]);
  if (!g) return ctx.reply.Error(NoGroupKeyOrGroup(key, argv[2]));
  int64_t minidle;
  if (!LongLongOr(ctx.reply, argv[4], &minidle, "Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;
  std::vector<StreamId> ids;
  size_t j = 5;
  for (; j < argv.size(); j++) {
    StreamId id;
    if (!ParseId(argv[j], 0, /*strict=*/true, &id)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.now_ms;
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamId last_id{0, 0};
  for (; j < argv.size(); j++) {
    size_t more = argv.size() - 1 - j;
    std::string_view opt = CStrView(argv[j]);
    if (EqualsIgnoreCase(opt, "FORCE")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "JUSTID")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "IDLE") && more) {
      if (!LongLongOr(ctx.reply, argv[++j], &deliverytime, "Invalid IDLE option argument for XCLAIM")) return;
      deliverytime = now - deliverytime;
    } else if (EqualsIgnoreCase(opt, "TIME") && more) {
      if (!LongLongOr(ctx.reply, argv[++j], &deliverytime, "Invalid TIME option argument for XCLAIM")) return;
    } else if (EqualsIgnoreCase(opt, "RETRYCOUNT") && more) {
      if (!LongLongOr(ctx.reply, argv[++j], &retrycount, "Invalid RETRYCOUNT option argument for XCLAIM")) return;
    } else if (EqualsIgnoreCase(opt, "LASTID") && more) {
      if (!ParseId(argv[++j], 0, /*strict=*/true, &last_id)) return ctx.reply.Error(kErrInvalidId);
    } else {
      return ctx.reply.Error("ERR Unrecognized XCLAIM option '" + Arg(argv[j]) + "'");
    }
  }
  GroupTx tx(ctx, key, v.version, argv[2], *g);
  if (last_id > tx.g.last_id) tx.g.last_id = last_id;
  // A bogus time (negative, in the future) becomes now, as in Redis; none given: now.
  if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  const std::string& consumer = argv[3];
  bool have_consumer = false;
  std::string body;
  resp::ReplyBuilder r(&body, ctx.reply.proto());
  size_t n = 0;
  for (const auto& id : ids) {
    auto p = tx.GetPending(id);
    auto entry = GetSubOpt(ctx.batch, key, v.version, EntryField(id));
    if (!entry) {  // gone from the stream: cleared from the PEL
      if (p) tx.DeletePending(id, *p);
      continue;
    }
    std::optional<std::string> old_owner;
    if (p) {
      old_owner = p->consumer;
      if (minidle && now - p->delivery_ms < minidle) continue;
    } else if (force) {
      p = Pending{0, 0, {}};
    } else {
      continue;
    }
    if (!have_consumer) {
      tx.Ensure(consumer);
      have_consumer = true;
    }
    p->delivery_ms = deliverytime;
    if (retrycount >= 0) p->delivery_count = static_cast<uint64_t>(retrycount);
    else if (!justid) p->delivery_count++;
    p->consumer = consumer;
    tx.PutPending(id, *p, old_owner);
    if (justid) r.Bulk(id.ToString()); else ReplyEntry(r, id, *entry);
    n++;
  }
  tx.Save();
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(body);
}

// ---------------------------------------------------------------------------------------------
// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]

void XautoclaimApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& key = argv[1];
  int64_t minidle;
  if (!LongLongOr(ctx.reply, argv[4], &minidle, "Invalid min-idle-time argument for XAUTOCLAIM")) return;
  if (minidle < 0) minidle = 0;
  StreamId start;
  bool startex;
  if (!ParseIntervalId(argv[5], 0, &start, &startex)) return ctx.reply.Error(kErrInvalidId);
  if (startex && !IncrId(&start)) return ctx.reply.Error("ERR invalid start ID for the interval");
  int64_t count = 100;
  bool justid = false;
  constexpr int64_t kAttemptsFactor = 10;
  // Redis bounds COUNT so that count * max(sizeof(streamID), attempts factor) fits a long.
  constexpr int64_t kMaxCount = INT64_MAX / 16;
  for (size_t j = 6; j < argv.size(); j++) {
    size_t more = argv.size() - 1 - j;
    if (EqualsIgnoreCase(CStrView(argv[j]), "COUNT") && more) {
      if (!ParseInt64(argv[j + 1], &count) || count < 1 || count > kMaxCount) {
        return ctx.reply.Error("ERR COUNT must be > 0");
      }
      j++;
    } else if (EqualsIgnoreCase(CStrView(argv[j]), "JUSTID")) {
      justid = true;
    } else {
      return ctx.reply.Error(kErrSyntax);
    }
  }
  Value v;
  Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
  if (f == Found::kFailed) return;
  std::optional<Group> g;
  if (f == Found::kYes) g = LoadGroup(ctx.batch, key, v.version, argv[2]);
  if (!g) return ctx.reply.Error(NoGroupKeyOrGroup(key, argv[2]));
  GroupTx tx(ctx, key, v.version, argv[2], *g);
  // The PEL from start: at most attempts examined, plus the next one (the returned cursor).
  const int64_t attempts = count * kAttemptsFactor;
  std::vector<std::pair<StreamId, Pending>> pel;
  std::string prefix = PelPrefix(argv[2]);
  Status s = ctx.batch.ScanSub(key, v.version, PelField(argv[2], start), [&](std::string_view fld, std::string_view val) {
    if (!fld.starts_with(prefix)) return false;
    pel.emplace_back(IdSuffix(fld), DecodePending(val));
    return static_cast<int64_t>(pel.size()) <= attempts;
  });
  PanicOnStoreError(s);
  const int64_t now = ctx.now_ms;
  const std::string& consumer = argv[3];
  bool have_consumer = false;
  std::string body;
  resp::ReplyBuilder r(&body, ctx.reply.proto());
  size_t claimed = 0, examined = 0;
  std::vector<StreamId> deleted;
  int64_t left = count;
  for (; examined < pel.size() && static_cast<int64_t>(examined) < attempts && left > 0; examined++) {
    auto& [id, p] = pel[examined];
    auto entry = GetSubOpt(ctx.batch, key, v.version, EntryField(id));
    if (!entry) {
      tx.DeletePending(id, p);
      deleted.push_back(id);
      left--;
      continue;
    }
    if (minidle && now - p.delivery_ms < minidle) continue;
    if (!have_consumer) {
      tx.Ensure(consumer);
      have_consumer = true;
    }
    std::string old_owner = p.consumer;
    p.delivery_ms = now;
    if (!justid) p.delivery_count++;
    p.consumer = consumer;
    tx.PutPending(id, p, old_owner);
    if (justid) r.Bulk(id.ToString()); else ReplyEntry(r, id, *entry);
    claimed++;
    left--;
  }
  StreamId cursor = examined < pel.size() ? pel[examined].first : StreamId{0, 0};
  tx.Save();
  ctx.reply.ArrayHeader(3);
  ctx.reply.Bulk(cursor.ToString());
  ctx.reply.ArrayHeader(claimed);
  ctx.reply.Raw(body);
  ctx.reply.ArrayHeader(deleted.size());
  for (const auto& id : deleted) ctx.reply.Bulk(id.ToString());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Routing XGROUP's writes to the log

namespace {

// The subcommand if argv is an XGROUP write (or an XINFO read) with its subcommand's arity.
bool HasSub(const Argv& argv, std::span<const std::pair<const char*, int>> subs) {
  if (argv.size() < 2) return false;
  int n = static_cast<int>(argv.size());
  for (const auto& [name, arity] : subs) {
    if (EqualsIgnoreCase(argv[1], name)) return arity > 0 ? n == arity : n >= -arity;
  }
  return false;
}
constexpr std::pair<const char*, int> kXgroupWrites[] = {
    {"create", -5}, {"setid", -5}, {"destroy", 4}, {"createconsumer", 5}, {"delconsumer", 5}};
constexpr std::pair<const char*, int> kXinfoReads[] = {{"stream", -3}, {"groups", 3}, {"consumers", 4}};

// The internal form of argv (XGROUP write -> redraft.xgroup, XINFO read -> redraft.xinfo), or null.
const char* InternalForm(const Argv& argv) {
  if (argv.empty()) return nullptr;
  if (EqualsIgnoreCase(argv[0], "xgroup") && HasSub(argv, kXgroupWrites)) return "redraft.xgroup";
  if (EqualsIgnoreCase(argv[0], "xinfo") && HasSub(argv, kXinfoReads)) return "redraft.xinfo";
  return nullptr;
}

}  // namespace

void XgroupForm(const CommandSpec** spec, Argv* argv) {
  if ((*spec)->name != "xgroup" && (*spec)->name != "xinfo") return;
  const char* form = InternalForm(*argv);
  if (!form) return;
  (*argv)[0] = form;
  *spec = Lookup(form);
}

void XgroupFormInMulti(Argv* argv) {
  if (const char* form = InternalForm(*argv)) (*argv)[0] = form;
}

const CommandSpec* XgroupClientForm(const CommandSpec& spec, const Argv& argv, Argv* out) {
  const char* client = spec.name == "redraft.xgroup" ? "xgroup"
                       : spec.name == "redraft.xinfo" ? "xinfo"
                       : spec.name == "redraft.xread" ? "xread"
                                                      : nullptr;
  if (!client) return nullptr;
  *out = argv;
  (*out)[0] = client;
  return Lookup(client);
}

// The applies, for the table in streams_groups_info.cc.
namespace streams {
void SubcommandSyntaxError(resp::ReplyBuilder& r, std::string_view container, const std::string& sub) {
  r.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(EchoArg(sub, 128)) +
          "'. Try " + std::string(container) + " HELP.");
}

void ApplyXgroup(ApplyContext& ctx, const Argv& argv) { XgroupApply(ctx, argv); }
void ApplyXreadgroup(ApplyContext& ctx, const Argv& argv) { XreadgroupApply(ctx, argv); }
void ApplyXack(ApplyContext& ctx, const Argv& argv) { XackApply(ctx, argv); }
void ApplyXclaim(ApplyContext& ctx, const Argv& argv) { XclaimApply(ctx, argv); }
void ApplyXautoclaim(ApplyContext& ctx, const Argv& argv) { XautoclaimApply(ctx, argv); }
}  // namespace streams

}  // namespace redraft::commands
