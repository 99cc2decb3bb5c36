// Consumer groups' stored form and Redis's group counters (streams_groups_store.h).
#include "commands/streams_groups_store.h"

namespace redraft::commands::streams {

namespace {

void Put64(std::string* s, uint64_t v) {
  for (int i = 0; i < 8; i++) s->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
void Put32Be(std::string* s, uint32_t v) {
  for (int i = 3; i >= 0; i--) s->push_back(static_cast<char>(v >> (8 * i)));
}
void PutName(std::string* s, std::string_view name) {
  Put32Be(s, static_cast<uint32_t>(name.size()));
  s->append(name);
}
void PutIdBe(std::string* s, const StreamId& id) {
  for (int i = 7; i >= 0; i--) s->push_back(static_cast<char>(id.ms >> (8 * i)));
  for (int i = 7; i >= 0; i--) s->push_back(static_cast<char>(id.seq >> (8 * i)));
}

}  // namespace

std::string GroupField(std::string_view group) { return std::string(kGroupPrefix) + std::string(group); }

std::string ConsumerPrefix(std::string_view group) {
  std::string f = "h";
  PutName(&f, group);
  return f;
}
std::string ConsumerField(std::string_view group, std::string_view consumer) {
  return ConsumerPrefix(group) + std::string(consumer);
}
std::string PelPrefix(std::string_view group) {
  std::string f = "p";
  PutName(&f, group);
  return f;
}
std::string PelField(std::string_view group, const StreamId& id) {
  std::string f = PelPrefix(group);
  PutIdBe(&f, id);
  return f;
}
std::string ConsumerPelPrefix(std::string_view group, std::string_view consumer) {
  std::string f = "q";
  PutName(&f, group);
  PutName(&f, consumer);
  return f;
}
std::string ConsumerPelField(std::string_view group, std::string_view consumer, const StreamId& id) {
  std::string f = ConsumerPelPrefix(group, consumer);
  PutIdBe(&f, id);
  return f;
}

StreamId IdSuffix(std::string_view field) {
  StreamId id;
  if (field.size() < 16) return id;
  const char* p = field.data() + field.size() - 16;
  for (int i = 0; i < 8; i++) id.ms = (id.ms << 8) | static_cast<uint8_t>(p[i]);
  for (int i = 8; i < 16; i++) id.seq = (id.seq << 8) | static_cast<uint8_t>(p[i]);
  return id;
}

std::string EncodeGroup(const Group& g) {
  std::string s;
  Put64(&s, g.last_id.ms);
  Put64(&s, g.last_id.seq);
  Put64(&s, static_cast<uint64_t>(g.entries_read));
  Put64(&s, g.pel_count);
  Put64(&s, g.consumers);
  return s;
}
Group DecodeGroup(std::string_view v) {
  Group g;
  if (v.size() < 40) return g;
  const char* d = v.data();
  g.last_id = {Get64(d), Get64(d + 8)};
  g.entries_read = static_cast<int64_t>(Get64(d + 16));
  g.pel_count = Get64(d + 24);
  g.consumers = Get64(d + 32);
  return g;
}

std::string EncodeConsumer(const Consumer& c) {
  std::string s;
  Put64(&s, static_cast<uint64_t>(c.seen_ms));
  Put64(&s, c.pel_count);
  return s;
}
Consumer DecodeConsumer(std::string_view v) {
  Consumer c;
  if (v.size() < 16) return c;
  c.seen_ms = static_cast<int64_t>(Get64(v.data()));
  c.pel_count = Get64(v.data() + 8);
  return c;
}

std::string EncodePending(const Pending& p) {
  std::string s;
  Put64(&s, static_cast<uint64_t>(p.delivery_ms));
  Put64(&s, p.delivery_count);
  s.append(p.consumer);
  return s;
}
Pending DecodePending(std::string_view v) {
  Pending p;
  if (v.size() < 16) return p;
  p.delivery_ms = static_cast<int64_t>(Get64(v.data()));
  p.delivery_count = Get64(v.data() + 8);
  p.consumer.assign(v.substr(16));
  return p;
}

int64_t EstimateEntriesRead(const StreamMeta& m, const StreamId& id) {
  if (m.entries_added == 0) return 0;  // any ID of a never-used stream
  if (m.length == 0 && id <= m.last_id) return static_cast<int64_t>(m.entries_added);
  if (id == m.last_id) return static_cast<int64_t>(m.entries_added);
  if (id > m.last_id) return kInvalidEntriesRead;  // a future ID's counter is unknown
  if (m.max_deleted_id == StreamId{0, 0} || m.max_deleted_id < m.first_id) {
    // No fragmentation ahead: entries before first_id are all gone.
    if (id < m.first_id) return static_cast<int64_t>(m.entries_added - m.length);
    if (id == m.first_id) return static_cast<int64_t>(m.entries_added - m.length + 1);
  }
  return kInvalidEntriesRead;
}

bool HasTombstonesFrom(const StreamMeta& m, const StreamId& start) {
  if (m.length == 0 || m.max_deleted_id == StreamId{0, 0}) return false;
  if (m.first_id > m.max_deleted_id) return false;  // the latest tombstone is before the first entry
  return start <= m.max_deleted_id;
}

std::optional<int64_t> GroupLag(const StreamMeta& m, const Group& g) {
  if (m.entries_added == 0) return 0;
  if (g.entries_read != kInvalidEntriesRead && !HasTombstonesFrom(m, g.last_id)) {
    return static_cast<int64_t>(m.entries_added) - g.entries_read;
  }
  int64_t read = EstimateEntriesRead(m, g.last_id);
  if (read == kInvalidEntriesRead) return std::nullopt;
  return static_cast<int64_t>(m.entries_added) - read;
}

}  // namespace redraft::commands::streams
