// Blocking stream reads: XREAD BLOCK and XREADGROUP BLOCK park their client through the write
// machinery of docs/blocking.md (server/blocking.h), as BLPOP does. docs/streams.md, "Blocking".
//
// XREADGROUP is a log write already: with BLOCK, a null reply ("nothing new") parks the client and
// the same entry is proposed again when the stream is ready for it. XREAD is a read; with BLOCK
// (outside MULTI) the node that received it rewrites it into the internal write redraft.xread with
// every "$" resolved to the stream's last ID in this node's applied state, so the re-proposals
// wait for entries after that ID, not after whatever is last when they apply. redraft.xread
// changes nothing: its apply is XREAD's reply computed at its log position.
#include "commands/streams_blocking.h"

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/streams_groups_store.h"
#include "commands/streams_scan.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using namespace streams;  // NOLINT: the stream storage vocabulary

// XREAD / XREADGROUP options as Redis parses them; false on anything Redis refuses (the command's
// own path answers those).
struct ReadArgs {
  int64_t count = 0;
  int64_t block_ms = -1;  // -1: no BLOCK
  size_t streams_arg = 0, nstreams = 0;
  const std::string* group = nullptr;
};

bool ParseReadArgs(const Argv& argv, bool xreadgroup, ReadArgs* a) {
  for (size_t i = 1; i < argv.size(); i++) {
    size_t more = argv.size() - i - 1;
    std::string_view o = CStrView(argv[i]);
    if (EqualsIgnoreCase(o, "BLOCK") && more) {
      if (!ParseInt64(argv[++i], &a->block_ms) || a->block_ms < 0) return false;
    } else if (EqualsIgnoreCase(o, "COUNT") && more) {
      if (!ParseInt64(argv[++i], &a->count)) return false;
      if (a->count < 0) a->count = 0;
    } else if (EqualsIgnoreCase(o, "STREAMS") && more) {
      a->streams_arg = i + 1;
      size_t n = argv.size() - a->streams_arg;
      if (n % 2 != 0) return false;
      a->nstreams = n / 2;
      break;
    } else if (xreadgroup && EqualsIgnoreCase(o, "GROUP") && more >= 2) {
      a->group = &argv[i + 1];
      i += 2;
    } else if (xreadgroup && EqualsIgnoreCase(o, "NOACK")) {
    } else {
      return false;
    }
  }
  return a->streams_arg != 0 && (!xreadgroup || a->group);
}

bool IsXreadgroup(const Argv& argv) { return !argv.empty() && EqualsIgnoreCase(argv[0], "xreadgroup"); }
bool IsInternalXread(const Argv& argv) { return !argv.empty() && argv[0] == kInternalXread; }

// redraft.xread <XREAD's arguments, "$" resolved>: XREAD's reply at this log position.
void ApplyInternalXread(ApplyContext& ctx, const Argv& argv) {
  ReadArgs a;
  if (!ParseReadArgs(argv, false, &a)) return ctx.reply.Error("ERR invalid log entry: malformed redraft.xread");
  std::string body;
  resp::ReplyBuilder r(&body, ctx.reply.proto());
  size_t served = 0;
  for (size_t k = 0; k < a.nstreams; k++) {
    const std::string& key = argv[a.streams_arg + k];
    StreamId after;
    if (!ParseId(argv[a.streams_arg + a.nstreams + k], 0, /*strict=*/true, &after)) return ctx.reply.Error(kErrInvalidId);
    Value v;
    Found f = WriteCollection(ctx, key, ValueType::kStream, &v);
    if (f == Found::kFailed) return;
    if (f == Found::kNo || !IncrId(&after)) continue;
    StreamMeta m = DecodeMeta(v);
    std::vector<std::pair<StreamId, std::string>> out;
    VisitRange(ctx.batch, key, v, m, after, kMaxId, false, [&](const StreamId& id, std::string_view val) {
      out.emplace_back(id, std::string(val));
      return a.count == 0 || static_cast<int64_t>(out.size()) < a.count;
    });
    if (out.empty()) continue;
    served++;
    if (r.proto() == 2) r.ArrayHeader(2);
    r.Bulk(key);
    r.ArrayHeader(out.size());
    for (const auto& [id, val] : out) ReplyEntry(r, id, val);
  }
  if (served == 0) return ctx.reply.NullArray();
  if (ctx.reply.proto() == 2) ctx.reply.ArrayHeader(served); else ctx.reply.MapHeader(served);
  ctx.reply.Raw(body);
}

}  // namespace

void XreadBlockForm(const CommandSpec** spec, Argv* argv, store::Store& db, int64_t now_ms) {
  if ((*spec)->name != "xread") return;
  ReadArgs a;
  if (!ParseReadArgs(*argv, false, &a) || a.block_ms < 0) return;
  Argv out = *argv;
  for (size_t k = 0; k < a.nstreams; k++) {
    std::string& idarg = out[a.streams_arg + a.nstreams + k];
    StreamId id;
    if (CStrView(idarg) == "$") {
      Value v;
      Status s = db.Get(out[a.streams_arg + k], now_ms, &v);
      if (s.ok() && v.type != ValueType::kStream) return;  // XREAD answers WRONGTYPE
      if (!s.ok() && !s.IsNotFound()) return;
      idarg = s.ok() ? DecodeMeta(v).last_id.ToString() : "0-0";
    } else if (!ParseId(idarg, 0, /*strict=*/true, &id)) {
      return;  // XREAD answers the error
    }
  }
  out[0] = std::string(kInternalXread);
  *argv = std::move(out);
  *spec = Lookup(kInternalXread);
}

bool DescribeStreamBlocking(const Argv& argv, BlockingWait* out) {
  bool group = IsXreadgroup(argv);
  if (!group && !IsInternalXread(argv)) return false;
  ReadArgs a;
  if (!ParseReadArgs(argv, group, &a) || a.block_ms < 0) return false;
  out->keys.assign(argv.begin() + static_cast<std::ptrdiff_t>(a.streams_arg),
                   argv.begin() + static_cast<std::ptrdiff_t>(a.streams_arg + a.nstreams));
  out->timeout_ms = a.block_ms;
  out->type = ValueType::kStream;
  return true;
}

bool StreamWaitReady(store::Store& db, const Argv& argv, std::string_view key, int64_t now_ms) {
  bool group = IsXreadgroup(argv);
  ReadArgs a;
  if (!ParseReadArgs(argv, group, &a)) return false;
  for (size_t k = 0; k < a.nstreams; k++) {
    if (argv[a.streams_arg + k] != key) continue;
    const std::string& idarg = argv[a.streams_arg + a.nstreams + k];
    Value v;
    Status s = db.Get(key, now_ms, &v);
    // A group read whose stream went away (or changed type) is answered its error, as Redis
    // unblocks it; a plain read keeps waiting for a stream.
    if (!s.ok() || v.type != ValueType::kStream) return group;
    StreamMeta m = DecodeMeta(v);
    std::optional<StreamId> last = LastLive(db, key, v, m);
    StreamId after;
    if (group) {
      auto g = LoadGroup(db, key, v.version, *a.group);
      if (!g) return true;  // XGROUP DESTROY: answered NOGROUP
      if (CStrView(idarg) != ">") return true;  // history reads never wait
      after = g->last_id;
    } else if (!ParseId(idarg, 0, /*strict=*/true, &after)) {
      return false;
    }
    if (last && *last > after) return true;
  }
  return false;
}

namespace streams {
void ApplyXreadInternal(ApplyContext& ctx, const Argv& argv) { ApplyInternalXread(ctx, argv); }
}  // namespace streams

}  // namespace redraft::commands
