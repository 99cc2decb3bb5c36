// Sorted sets: the two sub-key indexes (member -> score, (score, member) -> ""), range parsing
// and range scans. Layout: zsets_internal.h and docs/data_model.md.
#include <unordered_map>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "commands/args.h"
#include "commands/zsets_internal.h"
#include "commands/notify.h"
#include "common/coding.h"

namespace redraft::commands::zset {

using store::Value;
using store::ValueType;

std::string EncodeScore(double score) {
  if (score == 0) score = 0.0;  // -0.0 sorts (and is stored) as 0.0
  uint64_t bits = std::bit_cast<uint64_t>(score);
  bits = (bits & (1ull << 63)) ? ~bits : bits ^ (1ull << 63);
  std::string out(8, '\0');
  for (int i = 0; i < 8; i++) out[i] = static_cast<char>(bits >> (8 * (7 - i)));
  return out;
}

double DecodeScore(std::string_view enc) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++) bits = (bits << 8) | static_cast<uint8_t>(enc[i]);
  bits = (bits & (1ull << 63)) ? bits ^ (1ull << 63) : ~bits;
  return std::bit_cast<double>(bits);
}

std::string MemberField(std::string_view member) {
  std::string f;
  f.reserve(1 + member.size());
  f.push_back(kMemberTag);
  f.append(member);
  return f;
}

std::string ScoreField(double score, std::string_view member) {
  std::string f;
  f.reserve(9 + member.size());
  f.push_back(kScoreTag);
  f.append(EncodeScore(score));
  f.append(member);
  return f;
}

std::string ScoreValue(double score) {
  if (score == 0) score = 0.0;
  std::string v;
  PutFixed64(&v, std::bit_cast<uint64_t>(score));
  return v;
}

bool ParseScoreValue(std::string_view v, double* out) {
  if (v.size() != 8) return false;
  *out = std::bit_cast<double>(DecodeFixed64(v.data()));
  return !std::isnan(*out);
}

// ---------------------------------------------------------------------------------------------
// Reader

void Reader::Scan(std::string_view start, const store::SubKeyFn& fn) {
  Status s = store_ != nullptr ? store_->ScanSub(key_, version_, start, fn) : batch_->ScanSub(key_, version_, start, fn);
  PanicOnStoreError(s);
}

bool Reader::Has(std::string_view field) {
  std::string val;
  Status s = store_ != nullptr ? store_->GetSub(key_, version_, field, &val) : batch_->GetSub(key_, version_, field, &val);
  PanicOnStoreError(s);
  return s.ok();
}

std::optional<double> Reader::Score(std::string_view member) {
  std::string field = MemberField(member), val;
  Status s = store_ != nullptr ? store_->GetSub(key_, version_, field, &val) : batch_->GetSub(key_, version_, field, &val);
  PanicOnStoreError(s);
  if (!s.ok()) return std::nullopt;
  double score;
  if (!ParseScoreValue(val, &score)) REDRAFT_PANIC("malformed zset score for member of key " + std::string(key_));
  return score;
}

void Reader::ScanScores(std::string_view from, const std::function<bool(std::string_view, double)>& fn) {
  Scan(from, [&](std::string_view field, std::string_view) {
    if (field.empty() || field[0] != kScoreTag) return false;
    if (field.size() < 9) REDRAFT_PANIC("malformed zset score index entry of key " + std::string(key_));
    return fn(field.substr(9), DecodeScore(field.substr(1, 8)));
  });
}

void Reader::ScanMembers(std::string_view from, const std::function<bool(std::string_view, double)>& fn) {
  Scan(MemberField(from), [&](std::string_view field, std::string_view val) {
    if (field.empty() || field[0] != kMemberTag) return false;
    double score;
    if (!ParseScoreValue(val, &score)) REDRAFT_PANIC("malformed zset score for member of key " + std::string(key_));
    return fn(field.substr(1), score);
  });
}

namespace {

// version -> the score-index field of the last element popped from the front. Versions are
// unique for the life of the data (docs/data_model.md), so a stale entry can only be unused.
std::unordered_map<uint64_t, std::string>& PopHints() {
  static std::unordered_map<uint64_t, std::string> hints;  // the apply thread only
  return hints;
}
constexpr size_t kMaxPopHints = 4096;

}  // namespace

std::string PopScanStart(ApplyContext& ctx, std::string_view key, uint64_t version) {
  std::string from(1, kScoreTag);
  auto& hints = PopHints();
  auto it = hints.find(version);
  if (it == hints.end()) return from;
  std::string present;
  Status s = ctx.batch.GetSub(key, version, it->second, &present);
  PanicOnStoreError(s);
  if (s.ok()) {  // deleted no more (its batch was discarded): not a valid hint
    hints.erase(it);
    return from;
  }
  return it->second;
}

void ForgetPopHints() { PopHints().clear(); }

void NotePopped(uint64_t version, std::string field) {
  auto& hints = PopHints();
  if (hints.size() >= kMaxPopHints && hints.find(version) == hints.end()) hints.clear();
  hints[version] = std::move(field);
}

void Insert(ApplyContext& ctx, std::string_view key, uint64_t version, std::string_view member, double score) {
  if (auto& hints = PopHints(); !hints.empty()) hints.erase(version);
  ctx.batch.PutSub(key, version, MemberField(member), ScoreValue(score));
  ctx.batch.PutSub(key, version, ScoreField(score, member), "");
}

void Remove(ApplyContext& ctx, std::string_view key, uint64_t version, std::string_view member, double score) {
  ctx.batch.DeleteSub(key, version, MemberField(member));
  ctx.batch.DeleteSub(key, version, ScoreField(score, member));
}

Found Read(ExecContext& ctx, std::string_view key, Value* v) { return ReadCollection(ctx, key, ValueType::kZset, v); }

Found Write(ApplyContext& ctx, std::string_view key, Value* v) { return WriteCollection(ctx, key, ValueType::kZset, v); }

Value NewZset(ApplyContext& ctx) {
  Value v;
  v.type = ValueType::kZset;
  v.expire_ms = 0;
  v.version = NewVersion(ctx);
  store::SetCollectionSize(&v, 0);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Ranges

namespace {

// Redis zslParseRangeItem: strtod over the C string (an embedded NUL ends it; "" is 0).
bool ParseScoreItem(const std::string& s, double* out, bool* ex) {
  const char* p = s.c_str();
  *ex = p[0] == '(';
  if (*ex) p++;
  char* end = nullptr;
  *out = std::strtod(p, &end);
  return *end == '\0' && !std::isnan(*out);
}

// Redis zslParseLexRangeItem.
bool ParseLexItem(const std::string& s, LexBound* out) {
  const char* c = s.c_str();
  switch (c[0]) {
    case '+':
      if (c[1] != '\0') return false;
      *out = LexBound{LexBound::kPlusInf, "", true};
      return true;
    case '-':
      if (c[1] != '\0') return false;
      *out = LexBound{LexBound::kMinusInf, "", true};
      return true;
    case '(':
    case '[':
      *out = LexBound{LexBound::kValue, s.substr(1), c[0] == '('};
      return true;
    default:
      return false;
  }
}

// Redis sdscmplex over bounds.
int CompareLex(const LexBound& a, const LexBound& b) {
  if (a.kind == b.kind && a.kind != LexBound::kValue) return 0;
  if (a.kind == LexBound::kMinusInf || b.kind == LexBound::kPlusInf) return -1;
  if (a.kind == LexBound::kPlusInf || b.kind == LexBound::kMinusInf) return 1;
  int c = std::string_view(a.value).compare(b.value);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int CompareMember(std::string_view m, const LexBound& b) {
  if (b.kind == LexBound::kMinusInf) return 1;
  if (b.kind == LexBound::kPlusInf) return -1;
  int c = m.compare(b.value);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

bool ParseScoreRange(const std::string& min, const std::string& max, ScoreRange* out) {
  return ParseScoreItem(min, &out->min, &out->minex) && ParseScoreItem(max, &out->max, &out->maxex);
}

bool ParseLexRange(const std::string& min, const std::string& max, LexRange* out) {
  return ParseLexItem(min, &out->min) && ParseLexItem(max, &out->max);
}

bool LexRange::GteMin(std::string_view m) const {
  int c = CompareMember(m, min);
  return min.ex ? c > 0 : c >= 0;
}
bool LexRange::LteMax(std::string_view m) const {
  int c = CompareMember(m, max);
  return max.ex ? c < 0 : c <= 0;
}
bool LexRange::Empty() const {
  int c = CompareLex(min, max);
  return c > 0 || (c == 0 && (min.ex || max.ex));
}

void ScanScoreRange(Reader& r, const ScoreRange& range, const std::function<bool(std::string_view, double)>& fn) {
  if (range.Empty()) return;
  std::string from(1, kScoreTag);
  from.append(EncodeScore(range.min));
  r.ScanScores(from, [&](std::string_view member, double score) {
    if (!range.GteMin(score)) return true;  // equal to an exclusive min
    if (!range.LteMax(score)) return false;
    return fn(member, score);
  });
}

void ScanLexRange(Reader& r, uint64_t size, const LexRange& range,
                  const std::function<bool(std::string_view, double)>& fn) {
  if (range.Empty()) return;
  if (size <= kListpackMax) {  // zzlIsInLexRange: the first element <= max, the last >= min
    std::string first, last;
    bool any = false;
    r.ScanScores(std::string(1, kScoreTag), [&](std::string_view m, double) {
      if (!any) first.assign(m);
      last.assign(m);
      return any = true;
    });
    if (!any || !range.LteMax(first) || !range.GteMin(last)) return;
  }
  // Elements before the first one >= min are skipped. Those sharing the first element's score
  // are ordered by member, so seeking to (first score, min) skips the same ones in O(log N).
  std::string from(1, kScoreTag);
  if (range.min.kind == LexBound::kValue) {
    std::optional<double> first;
    r.ScanScores(from, [&](std::string_view, double score) { return first = score, false; });
    if (!first) return;
    from = ScoreField(*first, range.min.value);
  }
  bool started = false;
  r.ScanScores(from, [&](std::string_view member, double score) {
    if (!started) {
      if (!range.GteMin(member)) return true;
      started = true;
    }
    if (!range.LteMax(member)) return false;
    return fn(member, score);
  });
}

uint64_t CountScoreRange(Reader& r, const ScoreRange& range) {
  uint64_t n = 0;
  ScanScoreRange(r, range, [&](std::string_view, double) { return ++n, true; });
  return n;
}

uint64_t CountLexRange(Reader& r, uint64_t size, const LexRange& range) {
  uint64_t n = 0;
  ScanLexRange(r, size, range, [&](std::string_view, double) { return ++n, true; });
  return n;
}

void ScanRanks(Reader& r, uint64_t from, uint64_t to, const ElementFn& fn) {
  uint64_t pos = 0;
  r.ScanScores(std::string(1, kScoreTag), [&](std::string_view m, double s) {
    if (pos > to) return false;
    if (pos++ < from) return true;
    return fn(m, s);
  });
}

void RemoveAll(ApplyContext& ctx, const std::string& key, Value* v, const std::vector<Element>& elements) {
  uint64_t size = store::CollectionSize(*v);
  if (elements.size() >= size) {
    ctx.batch.Delete(key);  // O(1): the version's sub-keys become garbage
    Notify(ctx, kNotifyGeneric, "del", key);  // after the caller's own event, as Redis
    return;
  }
  for (const auto& [m, s] : elements) Remove(ctx, key, v->version, m, s);
  StoreSize(ctx, key, v, size - elements.size());
}

// ---------------------------------------------------------------------------------------------
// Replies and arguments

void ReplyElement(resp::ReplyBuilder& reply, std::string_view member, double score, bool withscores, bool nested) {
  if (withscores && nested && reply.proto() > 2) reply.ArrayHeader(2);
  reply.Bulk(member);
  if (withscores) reply.Double(score);
}

void ReplyElementsHeader(resp::ReplyBuilder& reply, uint64_t n, bool withscores) {
  reply.ArrayHeader(withscores && reply.proto() == 2 ? n * 2 : n);
}

bool ParseLong(const std::string& s, int64_t* out) { return ParseInt64(s, out); }

}  // namespace redraft::commands::zset

namespace redraft::commands {

void ForgetApplyHints() { zset::ForgetPopHints(); }

}  // namespace redraft::commands
