// SORT and SORT_RO (Redis 7.0 sort.c) over lists, sets and sorted sets: BY pattern (with
// `nosort` or any pattern without '*' meaning "no sorting", and `key->field` reading a hash
// field), LIMIT, GET patterns (`#` is the element), ASC/DESC, ALPHA, STORE.
//
// SORT is a write command, as in Redis (STORE writes): every SORT goes through the log and runs
// at apply time on every replica over the applied state, BY/GET lookups included, so a stored
// result is computed from the same state everywhere (the sort itself is a pure function of that
// state: no clock, no RNG, no locale). SORT_RO is a read.
//
// Order: Redis sorts with glibc's qsort (a stable merge sort) and, for BY with LIMIT, a partial
// quicksort; this file sorts stably. Elements compare equal only under ALPHA with BY (equal or
// missing weights); then the order is the collection's: a list's and a zset's are Redis's, a set's
// is member byte order here and hash order in Redis (docs/sort.md).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "acl/registry.h"
#include "acl/user.h"
#include "commands/args.h"
#include "commands/collection.h"
#include "commands/lists_layout.h"
#include "commands/notify.h"
#include "commands/server_api.h"
#include "commands/sets_internal.h"
#include "commands/zsets_internal.h"

namespace redraft::commands {
namespace sort_cmd {
namespace {

using store::Value;
using store::ValueType;

struct SortArgs {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  const std::string* by = nullptr;
  std::vector<const std::string*> gets;
  const std::string* store = nullptr;
};

// Redis ACLUserCheckCmdWithUnrestrictedKeyAccess, from the user's key rules: true if the user
// (null: unrestricted) has a selector reading every key ("~*" or "%R~*"). Redis also requires
// that selector to allow the command; here any selector with such a rule counts.
bool FullKeyAccess(const acl::User* u) {
  if (!u) return true;
  auto all = [](const acl::User& sel) {
    std::string_view keys = sel.DescribeKeys();
    size_t i = 0;
    while (i < keys.size()) {
      size_t j = keys.find(' ', i);
      if (j == std::string_view::npos) j = keys.size();
      std::string_view w = keys.substr(i, j - i);
      if (w == "~*" || w == "%R~*") return true;
      i = j + 1;
    }
    return false;
  };
  if (all(*u)) return true;
  for (const acl::User& sel : u->selectors()) {
    if (all(sel)) return true;
  }
  return false;
}

// Redis sortCommandGeneric's option parsing (before the key is looked up). A user without access
// to every key may not use GET or a BY pattern (their keys are not known in advance); prepare
// parses with full_key_access (the user is checked at apply, as of the entry's log position).
bool ParseSort(const Argv& argv, bool readonly, SortArgs* a, resp::ReplyBuilder& reply,
               bool full_key_access = true) {
  for (size_t j = 2; j < argv.size(); j++) {
    size_t left = argv.size() - j - 1;
    std::string_view opt = CStrView(argv[j]);
    if (EqualsIgnoreCase(opt, "asc")) {
      a->desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      a->desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      a->alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseInt64(argv[j + 1], &a->limit_start) || !ParseInt64(argv[j + 2], &a->limit_count)) {
        reply.Error(kErrNotInteger);
        return false;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(opt, "store") && left >= 1) {
      a->store = &argv[j + 1];
      j++;
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      a->by = &argv[j + 1];
      // A BY pattern without '*' names one key for every element: nothing to sort by.
      a->dontsort = CStrView(argv[j + 1]).find('*') == std::string_view::npos;
      if (!a->dontsort && !full_key_access) {
        reply.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      j++;
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      if (!full_key_access) {
        reply.Error("ERR GET option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      a->gets.push_back(&argv[j + 1]);
      j++;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

bool SortPrepare(PrepareContext& ctx, Argv& argv) {
  SortArgs a;
  return ParseSort(argv, false, &a, ctx.reply);
}

// Reads keys through the read path (Store) or the apply path (Batch, seeing the entry's own
// writes), at the command's time: an expired key is missing.
template <class R>
struct Source {
  R& r;
  int64_t now_ms;

  bool Get(std::string_view key, Value* v) {
    Status s = r.Get(key, now_ms, v);
    PanicOnStoreError(s);
    return s.ok();
  }

  // Redis lookupKeyByPattern: "#" is the element itself; otherwise the first '*' is replaced by
  // the element and, when "->field" (non-empty) follows it, the field of the hash at that key is
  // read, else the string at that key. Other types, a missing key or field, or a pattern without
  // '*' give nothing. Searches stop at a NUL, as Redis's C string functions do; lengths do not.
  std::optional<std::string> ByPattern(const std::string& pattern, std::string_view subst) {
    std::string_view cpat = CStrView(pattern);
    if (cpat == "#") return std::string(subst);
    size_t star = cpat.find('*');
    if (star == std::string_view::npos) return std::nullopt;
    size_t arrow = cpat.find("->", star + 1);
    size_t fieldlen = 0;
    std::string field;
    if (arrow != std::string_view::npos && arrow + 2 < cpat.size()) {
      fieldlen = pattern.size() - arrow - 2;
      field = pattern.substr(arrow + 2);
    }
    size_t postfixlen = pattern.size() - (star + 1) - (fieldlen ? fieldlen + 2 : 0);
    std::string key = pattern.substr(0, star);
    key.append(subst);
    key.append(pattern, star + 1, postfixlen);
    Value v;
    if (!Get(key, &v)) return std::nullopt;
    if (fieldlen) {
      if (v.type != ValueType::kHash) return std::nullopt;
      std::string val;
      Status s = r.GetSub(key, v.version, field, &val);
      PanicOnStoreError(s);
      if (!s.ok()) return std::nullopt;
      return val;
    }
    if (v.type != ValueType::kString) return std::nullopt;
    return std::move(v.payload);
  }
};

struct Item {
  std::string obj;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the weight (missing sorts first)
};

// Redis compareStringObjects: bytes, then length.
int CompareBinary(std::string_view a, std::string_view b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}
// strcoll in the C locale: bytes up to the first NUL.
int CompareCString(std::string_view a, std::string_view b) {
  return CompareBinary(a.substr(0, a.find('\0')), b.substr(0, b.find('\0')));
}

struct Result {
  bool conversion_error = false;
  std::vector<std::optional<std::string>> out;  // the output elements (GETs: nullopt = missing)
  uint64_t outputlen = 0;
};

// Redis sortCommandGeneric after the parse: the elements of the collection v at key, sorted and
// limited, with the GET lookups done. False: WRONGTYPE was replied.
template <class R>
bool RunSort(Source<R>& src, const std::string& key, SortArgs& a, resp::ReplyBuilder& reply, Result* res) {
  Value v;
  bool exists = src.Get(key, &v);
  if (exists && v.type != ValueType::kSet && v.type != ValueType::kList && v.type != ValueType::kZset) {
    reply.Error(kErrWrongType);
    return false;
  }
  if (!exists) v.type = ValueType::kList;  // an empty list
  // A set listed unsorted would come out in storage order: STORE sorts it (Redis: for
  // replication and scripts).
  if (a.dontsort && v.type == ValueType::kSet && a.store) {
    a.dontsort = false;
    a.alpha = true;
    a.by = nullptr;
  }
  int64_t vectorlen = exists ? static_cast<int64_t>(store::CollectionSize(v)) : 0;
  int64_t start = std::min(std::max<int64_t>(a.limit_start, 0), vectorlen);
  int64_t limit_count = std::min(std::max<int64_t>(a.limit_count, -1), vectorlen);
  int64_t end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  std::vector<Item> vec;
  vec.reserve(static_cast<size_t>(std::max<int64_t>(vectorlen, 0)));
  if (exists && v.type == ValueType::kList) {
    list::ListMeta m = list::GetMeta(v);
    if (a.dontsort) {
      // The range in list order (from the tail for DESC) directly.
      if (end >= start) {
        std::vector<std::string> all;
        list::ScanForward(src.r, key, v.version, m.head, m.tail, [&](uint64_t, std::string_view val) {
          all.emplace_back(val);
          return true;
        });
        if (a.desc) std::reverse(all.begin(), all.end());
        for (int64_t i = start; i <= end; i++) vec.push_back(Item{std::move(all[static_cast<size_t>(i)])});
        end -= start;
        start = 0;
      }
    } else {
      list::ScanForward(src.r, key, v.version, m.head, m.tail, [&](uint64_t, std::string_view val) {
        vec.push_back(Item{std::string(val)});
        return true;
      });
    }
  } else if (exists && v.type == ValueType::kSet) {
    for (std::string& m : set_detail::Members(src.r, key, v)) vec.push_back(Item{std::move(m)});
  } else if (exists && v.type == ValueType::kZset) {
    zset::Reader zr(src.r, key, v.version);
    std::vector<std::string> all;
    zr.ScanScores("s", [&](std::string_view member, double) {
      all.emplace_back(member);
      return true;
    });
    if (a.dontsort) {
      if (a.desc) std::reverse(all.begin(), all.end());
      if (end >= start) {
        for (int64_t i = start; i <= end; i++) vec.push_back(Item{std::move(all[static_cast<size_t>(i)])});
      }
      end -= start;
      start = 0;
    } else {
      for (std::string& m : all) vec.push_back(Item{std::move(m)});
    }
  }

  if (!a.dontsort) {
    for (Item& it : vec) {
      std::optional<std::string> byval;
      if (a.by) {
        byval = src.ByPattern(*a.by, it.obj);
        if (!byval) continue;
      }
      const std::string& w = a.by ? *byval : it.obj;
      if (a.alpha) {
        if (a.by) it.cmp = std::move(byval);
      } else {
        // Redis: strtod over the C string; trailing bytes, overflow or NaN are an error (Redis
        // does not reset errno first, so a stale ERANGE from an earlier command can fail a
        // valid weight there: docs/sort.md).
        std::string cw(CStrView(w));
        char* eptr;
        errno = 0;
        it.score = std::strtod(cw.c_str(), &eptr);
        if (eptr[0] != '\0' || errno == ERANGE || std::isnan(it.score)) res->conversion_error = true;
      }
    }
    bool by = a.by != nullptr, store = a.store != nullptr, alpha = a.alpha;
    auto cmp = [&](const Item& x, const Item& y) {
      int c;
      if (!alpha) {
        c = x.score > y.score ? 1 : x.score < y.score ? -1 : CompareBinary(x.obj, y.obj);
      } else if (by) {
        if (!x.cmp || !y.cmp) c = (x.cmp.has_value() == y.cmp.has_value()) ? 0 : !x.cmp ? -1 : 1;
        else c = store ? CompareBinary(*x.cmp, *y.cmp) : CompareCString(*x.cmp, *y.cmp);
      } else {
        c = store ? CompareBinary(x.obj, y.obj) : CompareCString(x.obj, y.obj);
      }
      return a.desc ? c > 0 : c < 0;
    };
    std::stable_sort(vec.begin(), vec.end(), cmp);
  }

  res->outputlen = static_cast<uint64_t>(a.gets.empty() ? end - start + 1
                                                        : static_cast<int64_t>(a.gets.size()) * (end - start + 1));
  if (res->conversion_error) return true;
  for (int64_t j = start; j <= end; j++) {
    const std::string& obj = vec[static_cast<size_t>(j)].obj;
    if (a.gets.empty()) res->out.emplace_back(obj);
    for (const std::string* g : a.gets) res->out.push_back(src.ByPattern(*g, obj));
  }
  return true;
}

constexpr std::string_view kErrConversion = "ERR One or more scores can't be converted into double";

void ReplyResult(resp::ReplyBuilder& reply, const Result& res) {
  if (res.conversion_error) {
    reply.Error(kErrConversion);
    return;
  }
  reply.ArrayHeader(res.out.size());
  for (const auto& o : res.out) {
    if (o) reply.Bulk(*o);
    else reply.Null();
  }
}

void SortRoCmd(ExecContext& ctx, const Argv& argv) {
  SortArgs a;
  std::shared_ptr<const acl::User> user;
  if (ctx.server && ctx.server->acl()) user = ctx.server->acl()->Find(ctx.session.user);
  bool full = !user || user->unrestricted() || FullKeyAccess(user.get());
  if (!ParseSort(argv, true, &a, ctx.reply, full)) return;
  Source<store::Store> src{ctx.store, ctx.now_ms};
  Result res;
  if (!RunSort(src, argv[1], a, ctx.reply, &res)) return;
  ReplyResult(ctx.reply, res);
}

// STORE: the result replaces whatever the key held (Redis setKey: any type, expiry cleared) as
// a list, GET misses stored as empty strings; an empty result deletes the key.
void StoreList(ApplyContext& ctx, const std::string& dst, const Result& res) {
  if (res.out.empty()) return StoreEmptyResult(ctx, dst);
  Value v;
  v.type = ValueType::kList;
  v.expire_ms = 0;
  v.version = NewVersion(ctx);
  list::ListMeta m;
  for (const auto& o : res.out) ctx.batch.PutSub(dst, v.version, list::PosField(m.tail++), o ? *o : "");
  m.size = m.tail - m.head;
  list::PutMeta(ctx, dst, &v, m);
  Notify(ctx, kNotifyList, "sortstore", dst);
  ctx.reply.Integer(static_cast<int64_t>(res.outputlen));
}

void SortApply(ApplyContext& ctx, const Argv& argv) {
  SortArgs a;
  if (!ParseSort(argv, false, &a, ctx.reply, FullKeyAccess(ctx.user))) return;
  Source<store::Store::Batch> src{ctx.batch, ctx.now_ms};
  Result res;
  if (!RunSort(src, argv[1], a, ctx.reply, &res)) return;
  if (!a.store || res.conversion_error) {
    ReplyResult(ctx.reply, res);
    return;
  }
  StoreList(ctx, *a.store, res);
}

// Redis sortGetKeys: the sorted key, and the key of the last STORE (options skipped with their
// arguments: LIMIT 2, GET 1, BY 1).
void SortGetKeys(const Argv& argv, std::vector<KeyRef>* keys) {
  keys->push_back({1, "RO access"});
  std::optional<size_t> store;
  for (size_t i = 2; i < argv.size(); i++) {
    std::string_view a = CStrView(argv[i]);
    if (EqualsIgnoreCase(a, "limit")) i += 2;
    else if (EqualsIgnoreCase(a, "get") || EqualsIgnoreCase(a, "by")) i += 1;
    else if (EqualsIgnoreCase(a, "store") && i + 1 < argv.size()) store = i + 1;
  }
  if (store) keys->push_back({*store, "OW update"});
}

void SortRoGetKeys(const Argv&, std::vector<KeyRef>* keys) { keys->push_back({1, "RO access"}); }

constexpr KeySpec kSortKeys[] = {
    {.flags = "RO access", .index = 1, .lastkey = 0},
    {.flags = "RO access", .notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                                    "derive from the content of the key we sort",
     .unknown = true},
    {.flags = "OW update", .notes = "For the optional STORE keyword. It is marked 'unknown' because the keyword can "
                                    "appear anywhere in the argument array",
     .unknown = true},
};
constexpr KeySpec kSortRoKeys[] = {
    {.flags = "RO access", .index = 1, .lastkey = 0},
    {.flags = "RO access", .notes = "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                                    "derive from the content of the key we sort",
     .unknown = true},
};
constexpr uint32_t kSortAcl = kAclSet | kAclSortedSet | kAclList | kAclDangerous | kAclNoGroupCategory;

}  // namespace
}  // namespace sort_cmd

using namespace sort_cmd;  // NOLINT: the table below names this file's functions

extern const CommandSpec kSortCommands[] = {
    {.name = "sort", .arity = -2, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "1.0.0",
     .summary = "Sort the elements in a list, set or sorted set",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number "
                   "of returned elements. When the elements are not sorted, complexity is O(N).",
     .prepare = &SortPrepare, .apply = &SortApply, .key_specs = kSortKeys, .acl = kSortAcl, .getkeys = &SortGetKeys,
     .args = "key:key@0 pattern:pattern@1=BY? offset_count:block=LIMIT?(offset:integer count:integer) "
             "pattern:pattern@1=GET?*+ order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) "
             "sorting:pure-token=ALPHA? destination:key@2=STORE?"},
    {.name = "sort_ro", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "generic", .since = "7.0.0",
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number "
                   "of returned elements. When the elements are not sorted, complexity is O(N).",
     .execute = &SortRoCmd, .key_specs = kSortRoKeys, .acl = kSortAcl, .getkeys = &SortGetKeys,
     .args = "key:key@0 pattern:pattern@1=BY? offset_count:block=LIMIT?(offset:integer count:integer) "
             "pattern:pattern@1=GET?*+ order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) "
             "sorting:pure-token=ALPHA?"},
    {},
};

}  // namespace redraft::commands
