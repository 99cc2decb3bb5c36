// Sorted set internals shared by zsets.cc (writes, point reads, the command table),
// zsets_range.cc (ranges, pops, ZSCAN, ZRANDMEMBER) and zsets_setops.cc (ZUNION/ZINTER/ZDIFF).
//
// Storage (docs/data_model.md, "Sorted sets"): the key's metadata record has type zset, its
// expiry, a version and the payload [size:8 LE]. Every member has two sub-keys under
// (key, version):
//
//   member index   'm' + member                       -> score, 8 bytes (IEEE-754 bits, LE)
//   score index    's' + EncodeScore(score) + member   -> empty
//
// EncodeScore is 8 big-endian bytes whose byte order is the numeric order of the scores, so the
// score index is ordered by (score, member bytes) exactly like Redis's skiplist, and a score
// range is one ordered ScanSub from 's' + EncodeScore(min). Scores are never NaN; -0.0 is stored
// as 0.0 (Redis's listpack encoding does the same: d2string prints -0.0 as "0").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/collection.h"
#include "commands/command.h"

namespace redraft::commands::zset {

using Element = std::pair<std::string, double>;  // (member, score)
using ElementFn = std::function<bool(std::string_view member, double score)>;

inline constexpr char kMemberTag = 'm';
inline constexpr char kScoreTag = 's';

// 8 bytes, order-preserving: flip the sign bit of a positive score, every bit of a negative one.
// REQUIRES: !isnan(score). -0.0 encodes as 0.0.
std::string EncodeScore(double score);
double DecodeScore(std::string_view enc);  // REQUIRES: enc.size() == 8
std::string MemberField(std::string_view member);
std::string ScoreField(double score, std::string_view member);
// The member-index value (the score's bits) and back; false if malformed.
std::string ScoreValue(double score);
bool ParseScoreValue(std::string_view v, double* out);

// Reads sub-keys of one zset through the read path (Store) or the apply path (Batch, seeing the
// entry's own writes) with one interface.
class Reader {
 public:
  Reader(store::Store& s, std::string_view key, uint64_t version) : store_(&s), key_(key), version_(version) {}
  Reader(store::Store::Batch& b, std::string_view key, uint64_t version) : batch_(&b), key_(key), version_(version) {}

  // The member's score, or nullopt. Crashes on a storage error (PanicOnStoreError).
  std::optional<double> Score(std::string_view member);
  // Visits (member, score) in (score, member) order starting at the score-index field `from`
  // (a full 's'... field or just "s"); fn returns false to stop.
  void ScanScores(std::string_view from, const std::function<bool(std::string_view member, double score)>& fn);
  // Visits (member, score) in member byte order from member `from`.
  void ScanMembers(std::string_view from, const std::function<bool(std::string_view member, double score)>& fn);

  // Raw sub-key access under (key, version), for another type's layout (a set's members).
  void Scan(std::string_view start, const store::SubKeyFn& fn);
  bool Has(std::string_view field);

 private:
  store::Store* store_ = nullptr;
  store::Store::Batch* batch_ = nullptr;
  std::string_view key_;
  uint64_t version_;
};

// Where ZPOPMIN may start its scan of the score index of a zset version: every score-index field
// before the returned one was deleted by earlier pops and nothing was inserted since. Without
// it, each pop from the front skips the tombstones of all earlier pops (RocksDB keeps them until
// compaction): a queue drained by ZPOPMIN got quadratic. A pure, process-local performance hint
// -- it never changes a result: a hint whose field is present again (the batch that deleted it
// was discarded, e.g. retried after a full disk) is ignored, any insertion into the version
// forgets it, and ForgetApplyHints() (a snapshot replaced the state) forgets all.
std::string PopScanStart(ApplyContext& ctx, std::string_view key, uint64_t version);
void NotePopped(uint64_t version, std::string field);
void ForgetPopHints();  // commands::ForgetApplyHints, for zsets

// Apply-path element updates (both indexes). Insert REQUIRES the member to be absent; Remove
// REQUIRES it to be present with that score.
void Insert(ApplyContext& ctx, std::string_view key, uint64_t version, std::string_view member, double score);
void Remove(ApplyContext& ctx, std::string_view key, uint64_t version, std::string_view member, double score);

// The zset at key (collection.h semantics). kFailed: WRONGTYPE was replied.
Found Read(ExecContext& ctx, std::string_view key, store::Value* v);
Found Write(ApplyContext& ctx, std::string_view key, store::Value* v);

// --- ranges -------------------------------------------------------------------------------

// Redis zslParseRange: "(" prefix = exclusive, strtod over the C string, NaN rejected.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};
bool ParseScoreRange(const std::string& min, const std::string& max, ScoreRange* out);
inline constexpr std::string_view kErrMinMaxNotFloat = "ERR min or max is not a float";

// Redis zslParseLexRange: "-", "+", "(value", "[value".
struct LexBound {
  enum Kind { kMinusInf, kPlusInf, kValue } kind = kMinusInf;
  std::string value;
  bool ex = false;
};
struct LexRange {
  LexBound min, max;
  bool GteMin(std::string_view m) const;
  bool LteMax(std::string_view m) const;
  bool Empty() const;
};
bool ParseLexRange(const std::string& min, const std::string& max, LexRange* out);
inline constexpr std::string_view kErrLexRange = "ERR min or max not valid string range item";

// Visits the elements with scores in range, in order; fn returns false to stop.
void ScanScoreRange(Reader& r, const ScoreRange& range, const std::function<bool(std::string_view, double)>& fn);
// Visits the elements in lex range in order, as Redis's listpack code does (zzlFirstInLexRange;
// elements are assumed to share one score, Redis leaves mixed scores unspecified): nothing unless
// the first element is <= max and the last >= min (checked up to kListpackMax elements, where
// Redis's answer is the listpack's), then from the first element >= min while <= max.
void ScanLexRange(Reader& r, uint64_t size, const LexRange& range,
                  const std::function<bool(std::string_view, double)>& fn);
// Number of elements in the range.
uint64_t CountScoreRange(Reader& r, const ScoreRange& range);
uint64_t CountLexRange(Reader& r, uint64_t size, const LexRange& range);
// Visits the elements at forward positions [from, to] of the score index. REQUIRES from <= to.
void ScanRanks(Reader& r, uint64_t from, uint64_t to, const ElementFn& fn);
// Removes elements (collected from the zset at key) and stores the new size; removing all of
// them deletes only the metadata record (O(1), the sub-keys become garbage).
void RemoveAll(ApplyContext& ctx, const std::string& key, store::Value* v, const std::vector<Element>& elements);
// Redis keeps zsets of up to this many elements as a listpack (zset-max-listpack-entries), whose
// lex-range code we follow exactly; ZSCAN answers them in one call.
inline constexpr uint64_t kListpackMax = 128;

// --- replies ------------------------------------------------------------------------------

// One element of a WITHSCORES reply: RESP3 wraps each pair in an array of two.
void ReplyElement(resp::ReplyBuilder& reply, std::string_view member, double score, bool withscores,
                  bool nested);
// The header of a reply of n elements: RESP2 WITHSCORES flattens pairs (2n items).
void ReplyElementsHeader(resp::ReplyBuilder& reply, uint64_t n, bool withscores);

// Redis's error for a non-integer argument parsed with getLongFromObjectOrReply.
bool ParseLong(const std::string& s, int64_t* out);

// A fresh zset value for a destination key (ZRANGESTORE, Z*STORE): type zset, no expiry.
store::Value NewZset(ApplyContext& ctx);
// Writes elements (distinct members, any order) as a new zset at dst, replacing whatever dst held
// (Redis setKey: any type, expiry cleared), or deletes dst when there are none; replies the count.
void StoreResult(ApplyContext& ctx, const std::string& dst, const std::vector<std::pair<std::string, double>>& elements);

// Command functions implemented in zsets_range.cc and zsets_setops.cc, registered in zsets.cc.
void ZrangeCmd(ExecContext& ctx, const Argv& argv);
void ZrevrangeCmd(ExecContext& ctx, const Argv& argv);
void ZrangebyscoreCmd(ExecContext& ctx, const Argv& argv);
void ZrevrangebyscoreCmd(ExecContext& ctx, const Argv& argv);
void ZrangebylexCmd(ExecContext& ctx, const Argv& argv);
void ZrevrangebylexCmd(ExecContext& ctx, const Argv& argv);
bool ZrangestorePrepare(PrepareContext& ctx, Argv& argv);
void ZrangestoreApply(ApplyContext& ctx, const Argv& argv);
void ZcountCmd(ExecContext& ctx, const Argv& argv);
void ZlexcountCmd(ExecContext& ctx, const Argv& argv);
bool ZremrangebyrankPrepare(PrepareContext& ctx, Argv& argv);
bool ZremrangebyscorePrepare(PrepareContext& ctx, Argv& argv);
bool ZremrangebylexPrepare(PrepareContext& ctx, Argv& argv);
void ZremrangebyrankApply(ApplyContext& ctx, const Argv& argv);
void ZremrangebyscoreApply(ApplyContext& ctx, const Argv& argv);
void ZremrangebylexApply(ApplyContext& ctx, const Argv& argv);
bool ZpopPrepare(PrepareContext& ctx, Argv& argv);
void ZpopminApply(ApplyContext& ctx, const Argv& argv);
void ZpopmaxApply(ApplyContext& ctx, const Argv& argv);
bool ZmpopPrepare(PrepareContext& ctx, Argv& argv);
void ZmpopApply(ApplyContext& ctx, const Argv& argv);
// Shared with the blocking pops (zsets_blocking.cc): pops up to count elements (min or max first);
// ZMPOP's parsing with numkeys at argv[at]; ZMPOP's reply from the first non-empty of numkeys keys
// starting at argv[first_key] (a null array if all are empty).
std::vector<Element> PopElements(ApplyContext& ctx, const std::string& key, store::Value* v, bool max, uint64_t count);
bool ParseZmpop(const Argv& argv, size_t at, int64_t* numkeys, bool* max, int64_t* count, resp::ReplyBuilder& reply);
void MpopReply(ApplyContext& ctx, const Argv& argv, size_t first_key, int64_t numkeys, bool max, int64_t count);
// BZPOPMIN BZPOPMAX BZMPOP: their non-blocking form (zsets_blocking.cc, docs/blocking.md).
bool BzpopPrepare(PrepareContext& ctx, Argv& argv);
void BzpopminApply(ApplyContext& ctx, const Argv& argv);
void BzpopmaxApply(ApplyContext& ctx, const Argv& argv);
bool BzmpopPrepare(PrepareContext& ctx, Argv& argv);
void BzmpopApply(ApplyContext& ctx, const Argv& argv);
void ZscanCmd(ExecContext& ctx, const Argv& argv);
void ZrandmemberCmd(ExecContext& ctx, const Argv& argv);

void ZunionCmd(ExecContext& ctx, const Argv& argv);
void ZinterCmd(ExecContext& ctx, const Argv& argv);
void ZdiffCmd(ExecContext& ctx, const Argv& argv);
void ZintercardCmd(ExecContext& ctx, const Argv& argv);
bool ZsetopStorePrepare(PrepareContext& ctx, Argv& argv);
void ZunionstoreApply(ApplyContext& ctx, const Argv& argv);
void ZinterstoreApply(ApplyContext& ctx, const Argv& argv);
void ZdiffstoreApply(ApplyContext& ctx, const Argv& argv);

}  // namespace redraft::commands::zset
