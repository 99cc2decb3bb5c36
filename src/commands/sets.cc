// The set command family, with Redis 7.0 semantics (t_set.c) and replies: the table, the
// single-set commands, random picks and SSCAN here; SINTER/SUNION/SDIFF, their STORE forms,
// SINTERCARD and SMEMBERS in sets_algebra.cc (helpers shared through sets_internal.h).
//
// Storage (docs/data_model.md, "Sets"): the key's metadata record has type set, its expiry, a
// version and the member count; each member is a sub-key (key, version, member) with an empty
// value. A set is created with a fresh version (NewVersion) and deleted by deleting its metadata
// record when its last member goes, as Redis deletes an empty set. SINTERSTORE, SUNIONSTORE and
// SDIFFSTORE write their result under a fresh version (whatever the destination held, as Redis's
// setKey overwrites any type) and delete the destination when the result is empty.
//
// Writes are applied from their log form, which is the command as sent. SPOP's choice is made at
// apply time by ApplyRng, seeded from the entry's log index: the same members leave the set on
// every replica. SRANDMEMBER is a read and uses the read path's RNG.
//
// Order: SMEMBERS, SINTER, SUNION, SDIFF, SSCAN and SPOP with a count list members in byte order.
// Redis lists an intset in numeric order and a hash-table set in hash order; neither is promised.
// A random pick (SPOP, SRANDMEMBER) from a set of up to 1024 members is uniform (a walk in byte
// order to a chosen position); from a larger one it walks down the member trie (RandomMember):
// a few seeks per byte of the member, but uniform per branch rather than per member.
#include <algorithm>
#include <climits>
#include <functional>
#include <random>
#include <vector>

#include "commands/args.h"
#include "commands/collection.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "commands/glob.h"
#include "commands/scan_cursor.h"
#include "commands/sets_internal.h"

namespace redraft::commands {

namespace {

using store::Value;
using store::ValueType;
using namespace set_detail;  // sets_internal.h

// A write's randomness: splitmix64 seeded from the entry's log index, so every replica makes the
// same choice (and does not depend on the platform's <random> distributions).
class ApplyRng {
 public:
  explicit ApplyRng(const ApplyContext& ctx) : state_(ctx.index ^ 0x5e75c0ffee5e75ull) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    uint64_t threshold = (0 - n) % n;  // rejects the biased low tail
    while (true) {
      uint64_t r = Next();
      if (r >= threshold) return r % n;
    }
  }

 private:
  uint64_t state_;
};

// Sets up to this many members pick at random exactly: a uniform position, walked to in byte
// order (O(N)). Larger ones walk down the member trie instead (RandomMember).
constexpr uint64_t kExactPickMax = 1024;
constexpr size_t kMaxChildren = 64;

// A random member of a non-empty set in O(depth x fanout) seeks rather than O(N): down the trie
// of member bytes, at each position choose uniformly among the next bytes present under the
// prefix (one seek each, up to kMaxChildren; past that a byte in their range, rounded up to a
// present one), stopping at a prefix that is itself a member with probability 1 / (an estimate of
// the members under it). Uniform per branch, not per member (members in small branches are
// favoured); Redis promises no distribution either. below(n) is uniform in [0, n).
template <class R, class Below>
std::string RandomMember(R& r, std::string_view key, const Value& v, Below below) {
  // The first member >= start that starts with prefix, if any.
  auto seek = [&](std::string_view start, std::string_view prefix, std::string* out) {
    bool found = false;
    Status s = r.ScanSub(key, v.version, start, [&](std::string_view m, std::string_view) {
      found = m.substr(0, prefix.size()) == prefix;
      if (found) out->assign(m);
      return false;
    });
    PanicOnStoreError(s);
    return found;
  };
  std::string prefix, m;
  double estimate = static_cast<double>(store::CollectionSize(v));
  while (true) {
    const size_t p = prefix.size();
    bool prefix_is_member = false;
    std::vector<uint8_t> children;
    bool truncated = false;
    std::string target = prefix;
    while (seek(target, prefix, &m)) {
      if (m.size() == p) {
        prefix_is_member = true;
        target.push_back('\0');  // the smallest string after prefix
        continue;
      }
      children.push_back(static_cast<uint8_t>(m[p]));
      if (children.back() == 0xff) break;
      if (children.size() >= kMaxChildren) {
        truncated = true;
        break;
      }
      target.resize(p);
      target.push_back(static_cast<char>(children.back() + 1));
    }
    if (children.empty()) break;  // a leaf: prefix is a member (we only descend towards members)
    // A prefix that is a member ends the walk with probability 1 / (the members estimated under
    // it), the estimate splitting the set's size evenly among children at each level.
    if (prefix_is_member && below(static_cast<uint64_t>(std::max(estimate, 1.0))) == 0) break;
    estimate /= static_cast<double>(children.size());
    uint8_t c = children[below(children.size())];
    if (truncated) {
      target.resize(p);
      target.push_back(static_cast<char>(children[0] + below(256 - children[0])));
      c = seek(target, prefix, &m) && m.size() > p ? static_cast<uint8_t>(m[p]) : children[0];
    }
    prefix.push_back(static_cast<char>(c));
  }
  return prefix;
}

// A uniform position walked to for a small set, RandomMember for a large one.
template <class R, class Below>
std::string PickMember(R& r, std::string_view key, const Value& v, Below below) {
  uint64_t size = store::CollectionSize(v);
  if (size <= kExactPickMax) return MemberAt(r, key, v, below(size));
  return RandomMember(r, key, v, below);
}

// ---------------------------------------------------------------------------------------------
// Writes

void SaddApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  if (!WriteSetOrCreate(ctx, argv[1], &v)) return;
  int64_t added = 0;
  for (size_t i = 2; i < argv.size(); i++) {
    if (IsMember(ctx.batch, argv[1], v, argv[i])) continue;  // sees this batch: repeats count once
    ctx.batch.PutSub(argv[1], v.version, argv[i], "");
    added++;
  }
  if (added > 0) {
    StoreSize(ctx, argv[1], &v, store::CollectionSize(v) + added);
    Notify(ctx, kNotifySet, "sadd", argv[1]);
  }
  ctx.reply.Integer(added);
}

// Redis sremCommand: stops once the set is empty (and deleted).
void SremApply(ApplyContext& ctx, const Argv& argv) {
  Value v;
  Found f = WriteSet(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Integer(0);
    return;
  }
  uint64_t size = store::CollectionSize(v);
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size() && size > 0; i++) {
    if (!IsMember(ctx.batch, argv[1], v, argv[i])) continue;
    ctx.batch.DeleteSub(argv[1], v.version, argv[i]);
    removed++;
    size--;
  }
  if (removed > 0) {
    Notify(ctx, kNotifySet, "srem", argv[1]);
    StoreSize(ctx, argv[1], &v, size);
  }
  ctx.reply.Integer(removed);
}

// Redis smoveCommand: a missing source answers 0 before the destination's type is checked.
void SmoveApply(ApplyContext& ctx, const Argv& argv) {
  const std::string& src_key = argv[1];
  const std::string& dst_key = argv[2];
  const std::string& member = argv[3];
  Value src, dst;
  Found f = WriteSet(ctx, src_key, &src);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Integer(0);
    return;
  }
  if (!WriteSetOrCreate(ctx, dst_key, &dst)) return;
  if (src_key == dst_key) {
    ctx.reply.Integer(IsMember(ctx.batch, src_key, src, member) ? 1 : 0);
    return;
  }
  if (!IsMember(ctx.batch, src_key, src, member)) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.batch.DeleteSub(src_key, src.version, member);
  Notify(ctx, kNotifySet, "srem", src_key);
  StoreSize(ctx, src_key, &src, store::CollectionSize(src) - 1);
  if (!IsMember(ctx.batch, dst_key, dst, member)) {
    ctx.batch.PutSub(dst_key, dst.version, member, "");
    StoreSize(ctx, dst_key, &dst, store::CollectionSize(dst) + 1);
    Notify(ctx, kNotifySet, "sadd", dst_key);
  }
  ctx.reply.Integer(1);
}

// SPOP's count: Redis getPositiveLongFromObjectOrReply (a non-integer gets the same text).
bool ParsePopCount(const std::string& arg, resp::ReplyBuilder& reply, uint64_t* count) {
  int64_t n;
  if (!ParseInt64(arg, &n) || n < 0) {
    reply.Error(kErrNotPositive);
    return false;
  }
  *count = static_cast<uint64_t>(n);
  return true;
}

bool SpopPrepare(PrepareContext& ctx, Argv& argv) {
  if (argv.size() > 3) {
    ctx.reply.Error(kErrSyntax);
    return false;
  }
  uint64_t count;
  return argv.size() < 3 || ParsePopCount(argv[2], ctx.reply, &count);
}

// SPOP key count from a large set with at most this many pops walks the trie once per pop.
constexpr uint64_t kPopOneByOneMax = 128;

// Redis spopWithCountCommand: the whole set when count >= size (and the key goes), otherwise
// count distinct members chosen by ApplyRng: one RandomMember walk per pop for a few pops from a
// large set, else a partial Floyd sample over positions and one pass (O(N)). Replied as a set.
void SpopWithCount(ApplyContext& ctx, const Argv& argv) {
  uint64_t count;
  if (!ParsePopCount(argv[2], ctx.reply, &count)) return;
  Value v;
  Found f = WriteSet(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  const std::string& key = argv[1];
  uint64_t size = store::CollectionSize(v);
  if (count >= size) {
    auto members = Members(ctx.batch, key, v);
    ctx.batch.Delete(key);
    Notify(ctx, kNotifySet, "spop", key);
    Notify(ctx, kNotifyGeneric, "del", key);
    ReplyMembers(ctx.reply, members);
    return;
  }
  ApplyRng rng(ctx);
  if (size > kExactPickMax && count <= kPopOneByOneMax) {
    // One walk per member; each pop is deleted before the next walk, so none repeats.
    std::vector<std::string> popped;
    for (uint64_t i = 0; i < count; i++) {
      popped.push_back(RandomMember(ctx.batch, key, v, [&](uint64_t n) { return rng.Below(n); }));
      ctx.batch.DeleteSub(key, v.version, popped.back());
    }
    Notify(ctx, kNotifySet, "spop", key);
    StoreSize(ctx, key, &v, size - count);
    std::sort(popped.begin(), popped.end());  // byte order, as every other listing
    ReplyMembers(ctx.reply, popped);
    return;
  }
  // Mark min(count, size - count) positions (Floyd), then take the marked or the unmarked ones.
  bool take_marked = count <= size - count;
  uint64_t marks = take_marked ? count : size - count;
  std::vector<bool> marked(size, false);
  for (uint64_t j = size - marks; j < size; j++) {
    uint64_t t = rng.Below(j + 1);
    marked[marked[t] ? j : t] = true;
  }
  std::vector<std::string> popped;
  popped.reserve(count);
  uint64_t i = 0;
  ForEachMember(ctx.batch, key, v, [&](std::string_view m) {
    if (marked[i++] == take_marked) popped.emplace_back(m);
    return true;
  });
  for (const auto& m : popped) ctx.batch.DeleteSub(key, v.version, m);
  Notify(ctx, kNotifySet, "spop", key);
  StoreSize(ctx, key, &v, size - popped.size());
  ReplyMembers(ctx.reply, popped);
}

void SpopApply(ApplyContext& ctx, const Argv& argv) {
  if (argv.size() > 3) {  // never proposed (prepare refuses); keep apply total
    ctx.reply.Error(kErrSyntax);
    return;
  }
  if (argv.size() == 3) return SpopWithCount(ctx, argv);
  Value v;
  Found f = WriteSet(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Null();
    return;
  }
  uint64_t size = store::CollectionSize(v);
  ApplyRng rng(ctx);
  std::string member = PickMember(ctx.batch, argv[1], v, [&](uint64_t n) { return rng.Below(n); });
  ctx.batch.DeleteSub(argv[1], v.version, member);
  Notify(ctx, kNotifySet, "spop", argv[1]);
  StoreSize(ctx, argv[1], &v, size - 1);
  ctx.reply.Bulk(member);
}

// ---------------------------------------------------------------------------------------------
// Reads

void ScardCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadSet(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes ? static_cast<int64_t>(store::CollectionSize(v)) : 0);
}

void SismemberCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadSet(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.Integer(f == Found::kYes && IsMember(ctx.store, argv[1], v, argv[2]) ? 1 : 0);
}

void SmismemberCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = ReadSet(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); i++) {
    ctx.reply.Integer(f == Found::kYes && IsMember(ctx.store, argv[1], v, argv[i]) ? 1 : 0);
  }
}

uint64_t ReadBelow(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(ReadRng()); }

// Redis srandmemberWithCountCommand: a negative count picks with repetition (as does a count of
// 1), a count >= size answers the whole set, otherwise count distinct members in random order.
void SrandmemberWithCount(ExecContext& ctx, const Argv& argv) {
  RandomCount rc;
  if (!ParseRandomCount(ctx, argv, "", &rc)) return;  // SRANDMEMBER has no WITH option
  bool unique = !rc.repeat;
  uint64_t count = rc.n;
  Value v;
  Found f = ReadSet(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if ((!unique || count == 1) && store::CollectionSize(v) > kExactPickMax && count <= kExactPickMax) {
    ctx.reply.ArrayHeader(count);  // a few picks from a large set: one walk each
    for (uint64_t i = 0; i < count; i++) ctx.reply.Bulk(RandomMember(ctx.store, argv[1], v, ReadBelow));
    return;
  }
  auto members = Members(ctx.store, argv[1], v);
  if (!unique || count == 1) {
    uint64_t bytes = 0;
    for (const auto& m : members) bytes += m.size() + 16;  // "$<len>\r\n<m>\r\n", roughly
    if (!RandomReplyFits(ctx, count, bytes / members.size())) return;
    ctx.reply.ArrayHeader(count);
    std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
    for (uint64_t i = 0; i < count; i++) ctx.reply.Bulk(members[pick(ReadRng())]);
    return;
  }
  if (count >= members.size()) {
    ctx.reply.ArrayHeader(members.size());
    for (const auto& m : members) ctx.reply.Bulk(m);
    return;
  }
  for (uint64_t i = 0; i < count; i++) {  // a partial Fisher-Yates shuffle
    std::uniform_int_distribution<size_t> pick(i, members.size() - 1);
    std::swap(members[i], members[pick(ReadRng())]);
  }
  ctx.reply.ArrayHeader(count);
  for (uint64_t i = 0; i < count; i++) ctx.reply.Bulk(members[i]);
}

void SrandmemberCmd(ExecContext& ctx, const Argv& argv) {
  if (argv.size() == 3) return SrandmemberWithCount(ctx, argv);
  if (argv.size() > 3) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  Value v;
  Found f = ReadSet(ctx, argv[1], &v);
  if (f != Found::kYes) {
    if (f == Found::kNo) ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(PickMember(ctx.store, argv[1], v, ReadBelow));
}

// ---------------------------------------------------------------------------------------------
// SSCAN

// SSCAN: sets up to 512 members answer in one call with cursor 0, whatever the cursor and COUNT,
// as Redis does for an intset (set-max-intset-entries 512; a cursor issued while the set was
// larger still sees every member that stayed); larger ones page by COUNT.
void SscanCmd(ExecContext& ctx, const Argv& argv) {
  static const ElementScan kHow{
      ValueType::kSet, 's', 512, true, false,
      [](ExecContext& c, std::string_view key, const Value& v, std::string_view start, bool,
         const ElementScan::Emit& emit) { PanicOnStoreError(c.store.ScanSub(key, v.version, start, emit)); }};
  ScanElements(ctx, argv, kHow);
}

constexpr std::string_view kInterComplexity =
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.";
constexpr std::string_view kUnionComplexity = "O(N) where N is the total number of elements in all given sets.";

}  // namespace

// Flags, arity and key specs as Redis 7.0's COMMAND INFO; docs as its COMMAND DOCS. SINTERCARD's
// keys are found by numkeys (Redis reports 0 0 0 and the movablekeys flag).
constexpr KeySpec kSmoveKeys[] = {
    {.flags = "RW access delete", .index = 1, .lastkey = 0},
    {.flags = "RW insert", .index = 2, .lastkey = 0}
};
constexpr KeySpec kSinterstoreKeys[] = {
    {.flags = "RW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = -1}
};
constexpr KeySpec kSintercardKeys[] = {
    {.flags = "RO access", .index = 1, .keynum = true, .keynumidx = 0, .firstkey = 1}
};
constexpr KeySpec kSunionstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = -1}
};
constexpr KeySpec kSdiffstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = -1}
};

extern const CommandSpec kSetCommands[] = {
    {.name = "sadd", .arity = -3, .flags = kWrite | kDenyOom | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Add one or more members to a set",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with "
                   "multiple arguments.",
     .apply = &SaddApply, .key_flags = "RW insert", .args = "key:key@0 member:string*",
     .history = "2.4.0 Accepts multiple `member` arguments."},
    {.name = "srem", .arity = -3, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Remove one or more members from a set",
     .complexity = "O(N) where N is the number of members to be removed.", .apply = &SremApply,
     .key_flags = "RW delete", .args = "key:key@0 member:string*",
     .history = "2.4.0 Accepts multiple `member` arguments."},
    {.name = "smembers", .arity = 2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "set",
     .since = "1.0.0", .summary = "Get all the members in a set",
     .complexity = "O(N) where N is the set cardinality.", .execute = &SmembersCmd, .key_flags = "RO access",
     .tips = "nondeterministic_output_order", .args = "key:key@0"},
    {.name = "sismember", .arity = 3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Determine if a given value is a member of a set",
     .complexity = "O(1)", .execute = &SismemberCmd, .key_flags = "RO", .args = "key:key@0 member:string"},
    {.name = "smismember", .arity = -3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "6.2.0",
     .summary = "Returns the membership associated with the given elements for a set",
     .complexity = "O(N) where N is the number of elements being checked for membership", .execute = &SmismemberCmd,
     .key_flags = "RO access", .args = "key:key@0 member:string*"},
    {.name = "scard", .arity = 2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Get the number of members in a set", .complexity = "O(1)",
     .execute = &ScardCmd, .key_flags = "RO", .args = "key:key@0"},
    {.name = "spop", .arity = -2, .flags = kWrite | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Remove and return one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
     .prepare = &SpopPrepare, .apply = &SpopApply, .key_flags = "RW access delete", .tips = "nondeterministic_output",
     .args = "key:key@0 count:integer/3.2.0?", .history = "3.2.0 Added the `count` argument."},
    {.name = "srandmember", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Get one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed "
                   "count.",
     .execute = &SrandmemberCmd, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 count:integer/2.6.0?", .history = "2.6.0 Added the optional `count` argument."},
    {.name = "smove", .arity = 4, .flags = kWrite | kFast, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Move a member from one set to another", .complexity = "O(1)",
     .apply = &SmoveApply, .key_specs = kSmoveKeys, .args = "source:key@0 destination:key@1 member:string"},
    {.name = "sinter", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = -1, .key_step = 1, .group = "set",
     .since = "1.0.0", .summary = "Intersect multiple sets", .complexity = kInterComplexity, .execute = &SinterCmd,
     .key_flags = "RO access", .tips = "nondeterministic_output_order", .args = "key:key@0*"},
    {.name = "sinterstore", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Intersect multiple sets and store the resulting set in a key",
     .complexity = kInterComplexity, .apply = &SinterstoreApply, .key_specs = kSinterstoreKeys,
     .args = "destination:key@0 key:key@1*"},
    {.name = "sintercard", .arity = -3, .flags = kReadonly, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "set", .since = "7.0.0", .summary = "Intersect multiple sets and return the cardinality of the result",
     .complexity = kInterComplexity, .execute = &SintercardCmd, .key_specs = kSintercardKeys,
     .args = "numkeys:integer key:key@0* limit:integer=LIMIT?"},
    {.name = "sunion", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = -1, .key_step = 1, .group = "set",
     .since = "1.0.0", .summary = "Add multiple sets", .complexity = kUnionComplexity, .execute = &SunionCmd,
     .key_flags = "RO access", .tips = "nondeterministic_output_order", .args = "key:key@0*"},
    {.name = "sunionstore", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Add multiple sets and store the resulting set in a key",
     .complexity = kUnionComplexity, .apply = &SunionstoreApply, .key_specs = kSunionstoreKeys,
     .args = "destination:key@0 key:key@1*"},
    {.name = "sdiff", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = -1, .key_step = 1, .group = "set",
     .since = "1.0.0", .summary = "Subtract multiple sets", .complexity = kUnionComplexity, .execute = &SdiffCmd,
     .key_flags = "RO access", .tips = "nondeterministic_output_order", .args = "key:key@0*"},
    {.name = "sdiffstore", .arity = -3, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "set", .since = "1.0.0", .summary = "Subtract multiple sets and store the resulting set in a key",
     .complexity = kUnionComplexity, .apply = &SdiffstoreApply, .key_specs = kSdiffstoreKeys,
     .args = "destination:key@0 key:key@1*"},
    {.name = "sscan", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1, .group = "set",
     .since = "2.8.0", .summary = "Incrementally iterate Set elements",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                   "cursor to return back to 0. N is the number of elements inside the collection..",
     .execute = &SscanCmd, .key_flags = "RO access", .tips = "nondeterministic_output",
     .args = "key:key@0 cursor:integer pattern:pattern=MATCH? count:integer=COUNT?"},
    {},
};

}  // namespace redraft::commands
