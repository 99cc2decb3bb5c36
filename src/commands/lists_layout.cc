// The list encoding: lists_layout.h, docs/data_model.md ("Lists").
#include "commands/lists_layout.h"

#include "common/coding.h"

namespace redraft::commands::list {

using store::Value;

ListMeta GetMeta(const Value& v) {
  ListMeta m;
  if (v.payload.size() < 24) {
    // A list just made by WriteCollectionOrCreate (size only); anything else is corruption.
    REDRAFT_CHECK(store::CollectionSize(v) == 0);
    return m;
  }
  const char* p = v.payload.data();
  m.size = DecodeFixed64(p);
  m.head = DecodeFixed64(p + 8);
  m.tail = DecodeFixed64(p + 16);
  if (m.tail - m.head != m.size || m.tail < m.head) REDRAFT_PANIC("list metadata is inconsistent");
  return m;
}

// The sub-key field of a position: 8 bytes big-endian, so field order is position order.
std::string PosField(uint64_t pos) {
  std::string f(8, '\0');
  for (int i = 7; i >= 0; i--, pos >>= 8) f[i] = static_cast<char>(pos & 0xff);
  return f;
}

uint64_t FieldPos(std::string_view f) {
  if (f.size() != 8) REDRAFT_PANIC("list sub-key field is not a position");
  uint64_t pos = 0;
  for (unsigned char c : f) pos = (pos << 8) | c;
  return pos;
}

// Stores the list's metadata record, or deletes the key when the list is empty.
void PutMeta(ApplyContext& ctx, std::string_view key, Value* v, const ListMeta& m) {
  if (m.size != 0) {
    v->payload.resize(24);
    EncodeFixed64(v->payload.data() + 8, m.head);
    EncodeFixed64(v->payload.data() + 16, m.tail);
  }
  StoreSize(ctx, key, v, m.size);
}

// Copies the elements at [from, to) to their position + delta, in an order that never
// overwrites an element before it is read. The old positions are left for the caller.
void MoveRange(ApplyContext& ctx, std::string_view key, uint64_t version, uint64_t from, uint64_t to,
               int64_t delta) {
  if (from >= to || delta == 0) return;
  auto put = [&](uint64_t pos, std::string_view value) {
    ctx.batch.PutSub(key, version, PosField(pos + static_cast<uint64_t>(delta)), value);
    return true;
  };
  if (delta > 0) {  // towards the tail: the last element first
    ScanBackward(ctx.batch, key, version, from, to, put);
    return;
  }
  for (uint64_t lo = from; lo < to;) {  // towards the head: the first element first
    uint64_t hi = to - lo > kChunk ? lo + kChunk : to;
    for (const auto& [pos, value] : ReadRange(ctx.batch, key, version, lo, hi)) put(pos, value);
    lo = hi;
  }
}

void DeletePositions(ApplyContext& ctx, std::string_view key, uint64_t version, uint64_t from, uint64_t to) {
  for (uint64_t pos = from; pos < to; pos++) ctx.batch.DeleteSub(key, version, PosField(pos));
}

// Removes n (<= size) elements from one end; returns them in pop order (Redis listTypePop:
// from the head for LEFT, from the tail for RIGHT). When n == size the sub-keys are left as
// garbage: REQUIRES that the caller then deletes the key (PutMeta with size 0).
std::vector<std::string> PopN(ApplyContext& ctx, std::string_view key, const Value& v, ListMeta* m, bool left,
                              uint64_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  uint64_t from = left ? m->head : m->tail - n;
  uint64_t to = left ? m->head + n : m->tail;
  for (auto& [pos, value] : ReadRange(ctx.batch, key, v.version, from, to)) out.push_back(std::move(value));
  if (!left) std::reverse(out.begin(), out.end());
  if (n < m->size) DeletePositions(ctx, key, v.version, from, to);  // else the key goes whole
  if (left) m->head += n; else m->tail -= n;
  m->size -= n;
  return out;
}

void Push(ApplyContext& ctx, std::string_view key, const Value& v, ListMeta* m, bool left, std::string_view value) {
  if (left) {
    REDRAFT_CHECK(m->head > 0);
    ctx.batch.PutSub(key, v.version, PosField(--m->head), value);
  } else {
    REDRAFT_CHECK(m->tail < UINT64_MAX);
    ctx.batch.PutSub(key, v.version, PosField(m->tail++), value);
  }
  m->size++;
}

}  // namespace redraft::commands::list
