#include "logstore/log_store_format.h"

#include "common/coding.h"
#include "common/crc32c.h"

namespace redraft::raft::log_format {

namespace {

uint32_t RecordCrc(uint8_t type, std::string_view payload) {
  char t = static_cast<char>(type);
  uint32_t crc = crc32c::Extend(0, &t, 1);
  return crc32c::Mask(crc32c::Extend(crc, payload.data(), payload.size()));
}

bool KnownKind(uint8_t k) { return k >= 1 && k <= 4; }

bool AllZero(std::string_view s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}

bool GetVarintList(std::string_view* in, std::vector<NodeId>* out) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;  // each id takes >= 1 byte
  out->clear();
  for (uint64_t i = 0; i < n; i++) {
    uint64_t v;
    if (!GetVarint64(in, &v)) return false;
    out->push_back(v);
  }
  return true;
}

void PutVarintList(std::string* dst, const std::vector<NodeId>& ids) {
  PutVarint64(dst, ids.size());
  for (NodeId id : ids) PutVarint64(dst, id);
}

}  // namespace

void AppendRecord(std::string* dst, Kind kind, bool batch_start, std::string_view payload) {
  uint8_t type = static_cast<uint8_t>(kind) | (batch_start ? kBatchStartFlag : 0);
  PutFixed32(dst, RecordCrc(type, payload));
  PutFixed32(dst, static_cast<uint32_t>(payload.size()));
  dst->push_back(static_cast<char>(type));
  dst->append(payload.data(), payload.size());
}

Parse ParseRecord(std::string_view buf, size_t off, Record* rec) {
  if (off >= buf.size()) return Parse::kEnd;
  std::string_view rest = buf.substr(off);
  if (rest.size() < kRecordHeaderSize) return AllZero(rest) ? Parse::kZero : Parse::kBad;
  if (AllZero(rest.substr(0, kRecordHeaderSize))) return Parse::kZero;
  uint32_t crc = DecodeFixed32(rest.data());
  uint32_t len = DecodeFixed32(rest.data() + 4);
  uint8_t type = static_cast<uint8_t>(rest[8]);
  if (!KnownKind(type & ~kBatchStartFlag)) return Parse::kBad;
  if (len > rest.size() - kRecordHeaderSize) return Parse::kBad;
  std::string_view payload = rest.substr(kRecordHeaderSize, len);
  if (RecordCrc(type, payload) != crc) return Parse::kBad;
  rec->kind = static_cast<Kind>(type & ~kBatchStartFlag);
  rec->batch_start = (type & kBatchStartFlag) != 0;
  rec->payload = payload;
  rec->size = kRecordHeaderSize + len;
  return Parse::kOk;
}

size_t FindBatchStart(std::string_view buf, size_t from) {
  size_t off = from;
  while (off + kRecordHeaderSize <= buf.size()) {
    if (!KnownKind(static_cast<uint8_t>(buf[off + 8]) & ~kBatchStartFlag)) {  // cheap filter
      off++;
      continue;
    }
    Record rec;
    if (ParseRecord(buf, off, &rec) != Parse::kOk) {
      off++;
    } else if (rec.batch_start) {
      return off;
    } else {
      off += rec.size;  // skip a valid record whole: its payload is not scanned byte by byte
    }
  }
  return std::string_view::npos;
}

size_t NonZeroEnd(std::string_view buf, size_t from) {
  size_t end = buf.size();
  while (end > from && buf[end - 1] == 0) end--;
  return end;
}

std::string EncodeEntry(const Entry& e) {
  std::string out;
  out.reserve(17 + e.data.size());
  PutFixed64(&out, e.term);
  PutFixed64(&out, e.index);
  out.push_back(static_cast<char>(e.type));
  out.append(e.data);
  return out;
}

bool DecodeEntryId(std::string_view in, Term* term, Index* index) {
  if (!GetFixed64(&in, term) || !GetFixed64(&in, index) || in.empty()) return false;
  uint8_t t = static_cast<uint8_t>(in[0]);
  return t <= static_cast<uint8_t>(EntryType::kConfChange);
}

bool DecodeEntry(std::string_view in, Entry* e) {
  if (!DecodeEntryId(in, &e->term, &e->index)) return false;
  e->type = static_cast<EntryType>(in[16]);
  e->data.assign(in.substr(17));
  return true;
}

std::string EncodeHardState(const HardState& hs) {
  std::string out;
  PutFixed64(&out, hs.term);
  PutFixed64(&out, hs.vote);
  PutFixed64(&out, hs.commit);
  return out;
}

bool DecodeHardState(std::string_view in, HardState* hs) {
  return GetFixed64(&in, &hs->term) && GetFixed64(&in, &hs->vote) && GetFixed64(&in, &hs->commit) &&
         in.empty();
}

std::string EncodeSnapshot(const SnapshotMeta& m, bool keep_log) {
  std::string out;
  PutFixed64(&out, m.index);
  PutFixed64(&out, m.term);
  PutVarintList(&out, m.conf.voters);
  PutVarintList(&out, m.conf.learners);
  out.push_back(keep_log ? 1 : 0);
  return out;
}

bool DecodeSnapshot(std::string_view in, SnapshotMeta* m, bool* keep_log) {
  if (!GetFixed64(&in, &m->index) || !GetFixed64(&in, &m->term) ||
      !GetVarintList(&in, &m->conf.voters) || !GetVarintList(&in, &m->conf.learners) ||
      in.size() != 1 || static_cast<uint8_t>(in[0]) > 1) {
    return false;
  }
  *keep_log = in[0] == 1;
  return true;
}

std::string EncodeHeader(const SegmentHeader& h) {
  std::string out;
  PutFixed32(&out, h.version);
  PutFixed64(&out, h.seq);
  PutFixed64(&out, h.prev_end);
  return out;
}

bool DecodeHeader(std::string_view in, SegmentHeader* h) {
  return GetFixed32(&in, &h->version) && GetFixed64(&in, &h->seq) &&
         GetFixed64(&in, &h->prev_end) && in.empty();
}

}  // namespace redraft::raft::log_format
