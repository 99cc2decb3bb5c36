// The geo commands (Redis 7.0 geo.c) on sorted sets: a point is a member whose score is its
// 52-bit geohash (geohash.h). GEOADD is a ZADD of computed scores; the searches scan the score
// ranges of the 9 cells around the centre and filter by exact distance, in Redis's cell order,
// so results, their order and every formatted number match Redis.
//
// GEORADIUS and GEORADIUSBYMEMBER are write commands, as in Redis (their STORE/STOREDIST options
// write): every call goes through the log and runs at apply on every replica, reading the
// applied state, so a stored result is the same on all of them. Their _RO forms and GEOSEARCH
// are reads; GEOSEARCHSTORE is a write. Nothing at apply reads a clock or an RNG.
#include <algorithm>
#include <cstdio>
#include <type_traits>
#include <vector>

#include "commands/args.h"
#include "commands/geohash.h"
#include "commands/notify.h"
#include "commands/zsets_internal.h"

namespace redraft::commands {
namespace geo {
namespace {

using store::Value;

// Redis extractLongLatOrReply: two doubles, then the limits.
bool ParseLonLat(const std::string& lon, const std::string& lat, double xy[2], resp::ReplyBuilder& reply) {
  if (!ParseDouble(lon, &xy[0]) || !ParseDouble(lat, &xy[1])) {
    reply.Error(kErrNotFloat);
    return false;
  }
  if (xy[0] < kLongMin || xy[0] > kLongMax || xy[1] < kLatMin || xy[1] > kLatMax) {
    char buf[700];
    snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    reply.Error(buf);
    return false;
  }
  return true;
}

// Redis extractUnitOrReply: metres per unit, or -1 after the error.
double ParseUnit(const std::string& unit, resp::ReplyBuilder& reply) {
  std::string_view u = CStrView(unit);
  if (EqualsIgnoreCase(u, "m")) return 1;
  if (EqualsIgnoreCase(u, "km")) return 1000;
  if (EqualsIgnoreCase(u, "ft")) return 0.3048;
  if (EqualsIgnoreCase(u, "mi")) return 1609.34;
  reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

bool ParseRadius(const Argv& argv, size_t at, Shape* s, resp::ReplyBuilder& reply) {
  double d;
  if (!ParseDouble(argv[at], &d)) {
    reply.Error("ERR need numeric radius");
    return false;
  }
  if (d < 0) {
    reply.Error("ERR radius cannot be negative");
    return false;
  }
  s->radius = d;
  s->box = false;
  double conv = ParseUnit(argv[at + 1], reply);
  if (conv < 0) return false;
  s->conversion = conv;
  return true;
}

bool ParseBox(const Argv& argv, size_t at, Shape* s, resp::ReplyBuilder& reply) {
  double w, h;
  if (!ParseDouble(argv[at], &w)) {
    reply.Error("ERR need numeric width");
    return false;
  }
  if (!ParseDouble(argv[at + 1], &h)) {
    reply.Error("ERR need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    reply.Error("ERR height or width cannot be negative");
    return false;
  }
  s->width = w;
  s->height = h;
  s->box = true;
  double conv = ParseUnit(argv[at + 2], reply);
  if (conv < 0) return false;
  s->conversion = conv;
  return true;
}

// Redis addReplyDoubleDistance: "%.4f" as a bulk string (RESP2 and RESP3).
void ReplyDistance(resp::ReplyBuilder& reply, double d) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.4f", d);
  reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// Redis addReplyHumanLongDouble: "%.17Lf" without trailing zeros; a bulk string in RESP2, a
// double in RESP3.
void ReplyCoord(resp::ReplyBuilder& reply, double d) {
  std::string s = FormatLongDoubleHuman(static_cast<long double>(d));
  if (reply.proto() >= 3) {
    reply.Raw(",");
    reply.Raw(s);
    reply.Raw("\r\n");
  } else {
    reply.Bulk(s);
  }
}

// ---------------------------------------------------------------------------------------------
// GEOADD key [NX|XX] [CH] lon lat member ...

struct GeoaddArgs {
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  std::vector<double> scores;
};

bool ParseGeoadd(const Argv& argv, GeoaddArgs* a, resp::ReplyBuilder& reply) {
  size_t i = 2;
  for (; i < argv.size(); i++) {
    std::string_view opt = CStrView(argv[i]);
    if (EqualsIgnoreCase(opt, "nx")) a->nx = true;
    else if (EqualsIgnoreCase(opt, "xx")) a->xx = true;
    else if (EqualsIgnoreCase(opt, "ch")) a->ch = true;
    else break;
  }
  a->first = i;
  if ((argv.size() - i) % 3 != 0 || (a->xx && a->nx)) {
    reply.Error(kErrSyntax);
    return false;
  }
  for (size_t j = i; j < argv.size(); j += 3) {
    double xy[2];
    if (!ParseLonLat(argv[j], argv[j + 1], xy, reply)) return false;
    a->scores.push_back(static_cast<double>(ScoreOf(xy[0], xy[1])));
  }
  if (a->scores.empty()) {  // only options: the ZADD Redis then calls has no pairs
    reply.Error(kErrSyntax);
    return false;
  }
  return true;
}

bool GeoaddPrepare(PrepareContext& ctx, Argv& argv) {
  GeoaddArgs a;
  return ParseGeoadd(argv, &a, ctx.reply);
}

// Redis calls ZADD with the scores: the same replies, the "zadd" event.
void GeoaddApply(ApplyContext& ctx, const Argv& argv) {
  GeoaddArgs a;
  if (!ParseGeoadd(argv, &a, ctx.reply)) return;
  const std::string& key = argv[1];
  Value v;
  Found f = zset::Write(ctx, key, &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    if (a.xx) {
      ctx.reply.Integer(0);
      return;
    }
    v = zset::NewZset(ctx);
  }
  uint64_t size = store::CollectionSize(v);
  zset::Reader r(ctx.batch, key, v.version);
  int64_t added = 0, updated = 0;
  for (size_t i = 0; i < a.scores.size(); i++) {
    double score = a.scores[i];
    const std::string& member = argv[a.first + 3 * i + 2];
    std::optional<double> cur = r.Score(member);
    if (cur) {
      if (a.nx) continue;
      if (score != *cur) {
        zset::Remove(ctx, key, v.version, member, *cur);
        zset::Insert(ctx, key, v.version, member, score);
        updated++;
      }
    } else if (!a.xx) {
      zset::Insert(ctx, key, v.version, member, score);
      added++;
    }
  }
  if (added > 0) StoreSize(ctx, key, &v, size + added);
  if (added > 0 || updated > 0) Notify(ctx, kNotifyZset, "zadd", key);
  ctx.reply.Integer(a.ch ? added + updated : added);
}

// ---------------------------------------------------------------------------------------------
// Point reads: GEOHASH GEOPOS GEODIST

void GeohashCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = zset::Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.ArrayHeader(argv.size() - 2);
  zset::Reader r(ctx.store, argv[1], v.version);
  for (size_t j = 2; j < argv.size(); j++) {
    std::optional<double> score;
    if (f == Found::kYes) score = r.Score(argv[j]);
    std::string s;
    if (score && GeohashString(*score, &s)) ctx.reply.Bulk(s);
    else ctx.reply.Null();
  }
}

void GeoposCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  Found f = zset::Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  ctx.reply.ArrayHeader(argv.size() - 2);
  zset::Reader r(ctx.store, argv[1], v.version);
  for (size_t j = 2; j < argv.size(); j++) {
    std::optional<double> score;
    if (f == Found::kYes) score = r.Score(argv[j]);
    double xy[2];
    if (!score || !DecodeScore(*score, xy)) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.ArrayHeader(2);
    ReplyCoord(ctx.reply, xy[0]);
    ReplyCoord(ctx.reply, xy[1]);
  }
}

void GeodistCmd(ExecContext& ctx, const Argv& argv) {
  double to_meter = 1;
  if (argv.size() == 5) {
    to_meter = ParseUnit(argv[4], ctx.reply);
    if (to_meter < 0) return;
  } else if (argv.size() > 5) {
    ctx.reply.Error(kErrSyntax);
    return;
  }
  Value v;
  Found f = zset::Read(ctx, argv[1], &v);
  if (f == Found::kFailed) return;
  if (f == Found::kNo) {
    ctx.reply.Null();
    return;
  }
  zset::Reader r(ctx.store, argv[1], v.version);
  std::optional<double> s1 = r.Score(argv[2]);
  std::optional<double> s2 = s1 ? r.Score(argv[3]) : std::nullopt;
  double a[2], b[2];
  if (!s1 || !s2 || !DecodeScore(*s1, a) || !DecodeScore(*s2, b)) {
    ctx.reply.Null();
    return;
  }
  ReplyDistance(ctx.reply, Distance(a[0], a[1], b[0], b[1]) / to_meter);
}

// ---------------------------------------------------------------------------------------------
// Searches (Redis georadiusGeneric)

enum SearchFlags : int {
  kRadiusCoords = 1 << 0,  // GEORADIUS[_RO]: key lon lat radius unit
  kRadiusMember = 1 << 1,  // GEORADIUSBYMEMBER[_RO]: key member radius unit
  kNoStore = 1 << 2,       // the _RO forms
  kSearch = 1 << 3,        // GEOSEARCH: FROMMEMBER/FROMLONLAT, BYRADIUS/BYBOX
  kSearchStore = 1 << 4,   // GEOSEARCHSTORE dst src ...
};

struct Point {
  std::string member;
  double score, dist, xy[2];
};

// Visits the members of one cell's score range [min, max); stops once `limit` points (0: no
// limit) were found, as Redis's ANY does.
void PointsInCell(zset::Reader& r, HashBits cell, const Shape& shape, size_t limit, std::vector<Point>* out) {
  uint64_t min, max;
  CellScores(cell, &min, &max);
  zset::ScoreRange range;
  range.min = static_cast<double>(min);
  range.max = static_cast<double>(max);
  range.maxex = true;
  zset::ScanScoreRange(r, range, [&](std::string_view member, double score) {
    Point p;
    if (DecodeScore(score, p.xy) && WithinShape(shape, p.xy, &p.dist)) {
      p.member.assign(member);
      p.score = score;
      out->push_back(std::move(p));
    }
    return !(limit && out->size() >= limit);
  });
}

// Redis membersOfAllNeighbors: the centre cell then N S E W NE NW SE SW, a cell equal to the one
// processed just before it skipped (huge radii make neighbours coincide).
std::vector<Point> PointsInShape(zset::Reader& r, Shape* shape, size_t limit) {
  SearchCells cells = CellsForShape(shape);
  std::vector<Point> out;
  int last = -1;
  for (int i = 0; i < 9; i++) {
    const HashBits& c = cells.cells[i];
    if (c.Zero()) continue;
    if (last > 0 && c.bits == cells.cells[last].bits && c.step == cells.cells[last].step) continue;
    if (limit && out.size() >= limit) break;
    PointsInCell(r, c, *shape, limit, &out);
    last = i;
  }
  return out;
}

struct SearchArgs {
  Shape shape;
  bool withdist = false, withhash = false, withcoord = false, any = false;
  int sort = 0;  // 0 none, 1 asc, 2 desc
  int64_t count = 0;
  const std::string* storekey = nullptr;
  bool storedist = false;
};

Found LookupZset(ExecContext& ctx, const std::string& key, Value* v) { return zset::Read(ctx, key, v); }
Found LookupZset(ApplyContext& ctx, const std::string& key, Value* v) { return zset::Write(ctx, key, v); }
zset::Reader MakeReader(ExecContext& ctx, const std::string& key, uint64_t version) {
  return zset::Reader(ctx.store, key, version);
}
zset::Reader MakeReader(ApplyContext& ctx, const std::string& key, uint64_t version) {
  return zset::Reader(ctx.batch, key, version);
}

bool MemberCentre(zset::Reader& r, const std::string& member, double xy[2], resp::ReplyBuilder& reply) {
  std::optional<double> score = r.Score(member);
  if (!score || !DecodeScore(*score, xy)) {
    reply.Error("ERR could not decode requested zset member");
    return false;
  }
  return true;
}

template <class Ctx>
void SearchGeneric(Ctx& ctx, const Argv& argv, size_t src, int flags) {
  constexpr bool kApply = std::is_same_v<Ctx, ApplyContext>;
  resp::ReplyBuilder& reply = ctx.reply;
  const std::string& key = argv[src];
  Value v;
  Found f = LookupZset(ctx, key, &v);
  if (f == Found::kFailed) return;
  bool exists = f == Found::kYes;
  zset::Reader r = MakeReader(ctx, key, exists ? v.version : 0);
  SearchArgs a;
  Shape& shape = a.shape;
  size_t base = 0;
  if (flags & kRadiusCoords) {
    base = 6;
    if (!ParseLonLat(argv[2], argv[3], shape.xy, reply)) return;
    if (!ParseRadius(argv, 4, &shape, reply)) return;
  } else if (flags & kRadiusMember) {
    base = 5;
    if (exists) {  // without the key, Redis parses the options only (for STORE's reply)
      if (!MemberCentre(r, argv[2], shape.xy, reply)) return;
      if (!ParseRadius(argv, 3, &shape, reply)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      a.storekey = &argv[1];
    }
  }
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  size_t remaining = argv.size() - base;
  for (size_t i = 0; i < remaining; i++) {
    std::string_view arg = CStrView(argv[base + i]);
    auto at = [&](size_t k) -> const std::string& { return argv[base + i + k]; };
    if (EqualsIgnoreCase(arg, "withdist")) {
      a.withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      a.withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      a.withcoord = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      a.any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      a.sort = 1;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      a.sort = 2;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseInt64(at(1), &a.count)) {
        reply.Error(kErrNotInteger);
        return;
      }
      if (a.count <= 0) {
        reply.Error("ERR COUNT must be > 0");
        return;
      }
      i++;
    } else if ((EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) && i + 1 < remaining &&
               !(flags & kNoStore) && !(flags & kSearch)) {
      a.storekey = &at(1);
      a.storedist = EqualsIgnoreCase(arg, "storedist");
      i++;
    } else if (EqualsIgnoreCase(arg, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
      a.storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && (flags & kSearch) && !fromloc) {
      if (exists && !MemberCentre(r, at(1), shape.xy, reply)) return;
      frommember = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && (flags & kSearch) && !frommember) {
      if (!ParseLonLat(at(1), at(2), shape.xy, reply)) return;
      fromloc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && (flags & kSearch) && !bybox) {
      if (!ParseRadius(argv, base + i + 1, &shape, reply)) return;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && (flags & kSearch) && !byradius) {
      if (!ParseBox(argv, base + i + 1, &shape, reply)) return;
      bybox = true;
      i += 3;
    } else {
      reply.Error(kErrSyntax);
      return;
    }
  }
  if (a.storekey && (a.withdist || a.withhash || a.withcoord)) {
    reply.Error(std::string("ERR ") + ((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + std::string(EchoArg(argv[0])));
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(EchoArg(argv[0])));
    return;
  }
  if (a.any && !a.count) {
    reply.Error("ERR the ANY argument requires COUNT argument");
    return;
  }
  if (!exists) {
    if (a.storekey) {
      if constexpr (kApply) zset::StoreResult(ctx, *a.storekey, {});
    } else {
      reply.ArrayHeader(0);
    }
    return;
  }
  if (a.count != 0 && a.sort == 0 && !a.any) a.sort = 1;  // COUNT means the closest ones

  std::vector<Point> points = PointsInShape(r, &shape, a.any ? static_cast<size_t>(a.count) : 0);
  if (points.empty() && !a.storekey) {
    reply.ArrayHeader(0);
    return;
  }
  size_t returned = (a.count == 0 || points.size() < static_cast<uint64_t>(a.count)) ? points.size()
                                                                                     : static_cast<size_t>(a.count);
  // Redis sorts with glibc's qsort (a stable merge sort) or its partial quicksort for a prefix;
  // equal distances keep the scan order here.
  if (a.sort == 1) {
    std::stable_sort(points.begin(), points.end(), [](const Point& x, const Point& y) { return x.dist < y.dist; });
  } else if (a.sort == 2) {
    std::stable_sort(points.begin(), points.end(), [](const Point& x, const Point& y) { return x.dist > y.dist; });
  }
  points.resize(returned);
  for (Point& p : points) p.dist /= shape.conversion;

  if (!a.storekey) {
    size_t options = a.withdist + a.withcoord + a.withhash;
    reply.ArrayHeader(points.size());
    for (const Point& p : points) {
      if (options) reply.ArrayHeader(options + 1);
      reply.Bulk(p.member);
      if (a.withdist) ReplyDistance(reply, p.dist);
      if (a.withhash) reply.Integer(static_cast<int64_t>(p.score));
      if (a.withcoord) {
        reply.ArrayHeader(2);
        ReplyCoord(reply, p.xy[0]);
        ReplyCoord(reply, p.xy[1]);
      }
    }
    return;
  }
  if constexpr (kApply) {
    std::vector<std::pair<std::string, double>> elements;
    elements.reserve(points.size());
    for (Point& p : points) elements.emplace_back(std::move(p.member), a.storedist ? p.dist : p.score);
    zset::StoreResult(ctx, *a.storekey, elements);
    if (!elements.empty())
      Notify(ctx, kNotifyZset, (flags & kSearch) ? "geosearchstore" : "georadiusstore", *a.storekey);
  }
}

void GeoradiusApply(ApplyContext& ctx, const Argv& argv) { SearchGeneric(ctx, argv, 1, kRadiusCoords); }
void GeoradiusbymemberApply(ApplyContext& ctx, const Argv& argv) { SearchGeneric(ctx, argv, 1, kRadiusMember); }
void GeoradiusRoCmd(ExecContext& ctx, const Argv& argv) { SearchGeneric(ctx, argv, 1, kRadiusCoords | kNoStore); }
void GeoradiusbymemberRoCmd(ExecContext& ctx, const Argv& argv) {
  SearchGeneric(ctx, argv, 1, kRadiusMember | kNoStore);
}
void GeosearchCmd(ExecContext& ctx, const Argv& argv) { SearchGeneric(ctx, argv, 1, kSearch); }
void GeosearchstoreApply(ApplyContext& ctx, const Argv& argv) {
  SearchGeneric(ctx, argv, 2, kSearch | kSearchStore);
}

constexpr std::string_view kG = "geo";
constexpr uint32_t kReadonlyFlags = kReadonly;

}  // namespace
}  // namespace geo

using namespace geo;  // NOLINT: the table below names this file's functions

constexpr KeySpec kGeoradiusKeys[] = {
    {.flags = "RO access", .index = 1, .lastkey = 0},
    {.flags = "OW update", .keyword = "STORE", .startfrom = 6, .lastkey = 0},
    {.flags = "OW update", .keyword = "STOREDIST", .startfrom = 6, .lastkey = 0}
};
constexpr KeySpec kGeoradiusbymemberKeys[] = {
    {.flags = "RO access", .index = 1, .lastkey = 0},
    {.flags = "OW update", .keyword = "STORE", .startfrom = 5, .lastkey = 0},
    {.flags = "OW update", .keyword = "STOREDIST", .startfrom = 5, .lastkey = 0}
};
constexpr KeySpec kGeosearchstoreKeys[] = {
    {.flags = "OW update", .index = 1, .lastkey = 0},
    {.flags = "RO access", .index = 2, .lastkey = 0}
};

extern const CommandSpec kGeoCommands[] = {
    {.name = "geoadd", .arity = -5, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.0",
     .summary = "Add one or more geospatial items in the geospatial index represented using a sorted set",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
     .prepare = &GeoaddPrepare, .apply = &GeoaddApply, .key_flags = "RW update",
     .args = "key:key@0 condition:oneof/6.2.0?(nx:pure-token=NX xx:pure-token=XX) change:pure-token=CH/6.2.0? "
             "longitude_latitude_member:block*(longitude:double latitude:double member:string)",
     .history = "6.2.0 Added the `CH`, `NX` and `XX` options."},
    {.name = "geodist", .arity = -4, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.0", .summary = "Returns the distance between two members of a geospatial index",
     .complexity = "O(log(N))", .execute = &GeodistCmd, .key_flags = "RO access",
     .args = "key:key@0 member1:string member2:string unit:oneof?(m:pure-token=M km:pure-token=KM ft:pure-token=FT "
             "mi:pure-token=MI)"},
    {.name = "geohash", .arity = -2, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.0", .summary = "Returns members of a geospatial index as standard geohash strings",
     .complexity = "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
     .execute = &GeohashCmd, .key_flags = "RO access", .args = "key:key@0 member:string*"},
    {.name = "geopos", .arity = -2, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.0", .summary = "Returns longitude and latitude of members of a geospatial index",
     .complexity = "O(N) where N is the number of members requested.", .execute = &GeoposCmd,
     .key_flags = "RO access", .args = "key:key@0 member:string*"},
    {.name = "georadius", .arity = -6, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.0",
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum "
                "distance from a point",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
                   "delimited by center and radius and M is the number of items inside the index.",
     .apply = &GeoradiusApply, .key_specs = kGeoradiusKeys,
     .args = "key:key@0 longitude:double latitude:double radius:double unit:oneof(m:pure-token=M km:pure-token=KM "
             "ft:pure-token=FT mi:pure-token=MI) withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? "
             "withhash:pure-token=WITHHASH? count:block?(count:integer=COUNT any:pure-token=ANY/6.2.0?) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) key:key@1=STORE? key:key@2=STOREDIST?",
     .history = "6.2.0 Added the `ANY` option for `COUNT`.\n7.0.0 Added support for uppercase unit names.",
     .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument"},
    {.name = "georadius_ro", .arity = -6, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "3.2.10", .summary = "A read-only variant for GEORADIUS",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
                   "delimited by center and radius and M is the number of items inside the index.",
     .execute = &GeoradiusRoCmd, .key_flags = "RO access",
     .args = "key:key@0 longitude:double latitude:double radius:double unit:oneof(m:pure-token=M km:pure-token=KM "
             "ft:pure-token=FT mi:pure-token=MI) withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? "
             "withhash:pure-token=WITHHASH? count:block?(count:integer=COUNT any:pure-token=ANY/6.2.0?) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC)",
     .history = "6.2.0 Added the `ANY` option for `COUNT`.", .deprecated_since = "6.2.0",
     .replaced_by = "`GEOSEARCH` with the `BYRADIUS` argument"},
    {.name = "georadiusbymember", .arity = -5, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = kG, .since = "3.2.0",
     .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum "
                "distance from a member",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
                   "delimited by center and radius and M is the number of items inside the index.",
     .apply = &GeoradiusbymemberApply, .key_specs = kGeoradiusbymemberKeys,
     .args = "key:key@0 member:string radius:double unit:oneof(m:pure-token=M km:pure-token=KM ft:pure-token=FT "
             "mi:pure-token=MI) withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? "
             "withhash:pure-token=WITHHASH? count:block?(count:integer=COUNT any:pure-token=ANY?) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) key:key@1=STORE? key:key@2=STOREDIST?",
     .history = "7.0.0 Added support for uppercase unit names.", .deprecated_since = "6.2.0",
     .replaced_by = "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments"},
    {.name = "georadiusbymember_ro", .arity = -5, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1,
     .key_step = 1, .group = kG, .since = "3.2.10", .summary = "A read-only variant for GEORADIUSBYMEMBER",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
                   "delimited by center and radius and M is the number of items inside the index.",
     .execute = &GeoradiusbymemberRoCmd, .key_flags = "RO access",
     .args = "key:key@0 member:string radius:double unit:oneof(m:pure-token=M km:pure-token=KM ft:pure-token=FT "
             "mi:pure-token=MI) withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? "
             "withhash:pure-token=WITHHASH? count:block?(count:integer=COUNT any:pure-token=ANY?) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC)",
     .deprecated_since = "6.2.0", .replaced_by = "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"},
    {.name = "geosearch", .arity = -7, .flags = kReadonlyFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = kG, .since = "6.2.0",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a "
                "circle.",
     .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the "
                   "shape provided as the filter and M is the number of items inside the shape",
     .execute = &GeosearchCmd, .key_flags = "RO access",
     .args = "key:key@0 from:oneof(member:string=FROMMEMBER longitude_latitude:block=FROMLONLAT(longitude:double "
             "latitude:double)) by:oneof(circle:block(radius:double=BYRADIUS unit:oneof(m:pure-token=M "
             "km:pure-token=KM ft:pure-token=FT mi:pure-token=MI)) box:block(width:double=BYBOX height:double "
             "unit:oneof(m:pure-token=M km:pure-token=KM ft:pure-token=FT mi:pure-token=MI))) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) count:block?(count:integer=COUNT "
             "any:pure-token=ANY?) withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? "
             "withhash:pure-token=WITHHASH?",
     .history = "7.0.0 Added support for uppercase unit names."},
    {.name = "geosearchstore", .arity = -8, .flags = kWrite | kDenyOom, .first_key = 1, .last_key = 2, .key_step = 1,
     .group = kG, .since = "6.2.0",
     .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a "
                "circle, and store the result in another key.",
     .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the "
                   "shape provided as the filter and M is the number of items inside the shape",
     .apply = &GeosearchstoreApply, .key_specs = kGeosearchstoreKeys,
     .args = "destination:key@0 source:key@1 from:oneof(member:string=FROMMEMBER "
             "longitude_latitude:block=FROMLONLAT(longitude:double latitude:double)) "
             "by:oneof(circle:block(radius:double=BYRADIUS unit:oneof(m:pure-token=M km:pure-token=KM "
             "ft:pure-token=FT mi:pure-token=MI)) box:block(width:double=BYBOX height:double "
             "unit:oneof(m:pure-token=M km:pure-token=KM ft:pure-token=FT mi:pure-token=MI))) "
             "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) count:block?(count:integer=COUNT "
             "any:pure-token=ANY?) storedist:pure-token=STOREDIST?",
     .history = "7.0.0 Added support for uppercase unit names."},
    {},
};

}  // namespace redraft::commands
