#include "raft/message.h"

#include "common/coding.h"

namespace redraft::raft {

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kApp: return "MsgApp";
    case MessageType::kAppResp: return "MsgAppResp";
    case MessageType::kVote: return "MsgVote";
    case MessageType::kVoteResp: return "MsgVoteResp";
    case MessageType::kPreVote: return "MsgPreVote";
    case MessageType::kPreVoteResp: return "MsgPreVoteResp";
    case MessageType::kHeartbeat: return "MsgHeartbeat";
    case MessageType::kHeartbeatResp: return "MsgHeartbeatResp";
    case MessageType::kSnapshot: return "MsgSnap";
    case MessageType::kTimeoutNow: return "MsgTimeoutNow";
    case MessageType::kReadIndex: return "MsgReadIndex";
    case MessageType::kReadIndexResp: return "MsgReadIndexResp";
    case MessageType::kNumTypes: break;
  }
  return "MsgUnknown";
}

namespace {
constexpr uint8_t kVersion = 1;
constexpr uint8_t kFlagReject = 1;
constexpr uint8_t kFlagSnapshot = 2;

void PutIds(std::string* out, const std::vector<NodeId>& ids) {
  PutVarint64(out, ids.size());
  for (NodeId id : ids) PutVarint64(out, id);
}

bool GetByte(std::string_view* in, uint8_t* b) {
  if (in->empty()) return false;
  *b = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return true;
}

bool GetIds(std::string_view* in, std::vector<NodeId>* ids) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;  // each id takes >= 1 byte
  ids->resize(n);
  for (auto& id : *ids) {
    if (!GetVarint64(in, &id)) return false;
  }
  return true;
}
}  // namespace

void Message::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(kVersion));
  out->push_back(static_cast<char>(type));
  for (uint64_t v : {group, from, to, term, log_term, index, commit}) PutVarint64(out, v);
  uint8_t flags = (reject ? kFlagReject : 0) | (snapshot ? kFlagSnapshot : 0);
  out->push_back(static_cast<char>(flags));
  PutVarint64(out, reject_hint);
  PutLengthPrefixed(out, context);
  PutVarint64(out, entries.size());
  for (const Entry& e : entries) {
    PutVarint64(out, e.term);
    PutVarint64(out, e.index);
    out->push_back(static_cast<char>(e.type));
    PutLengthPrefixed(out, e.data);
  }
  if (snapshot) {
    PutVarint64(out, snapshot->meta.index);
    PutVarint64(out, snapshot->meta.term);
    PutIds(out, snapshot->meta.conf.voters);
    PutIds(out, snapshot->meta.conf.learners);
    PutLengthPrefixed(out, snapshot->data);
  }
}

std::string Message::Encode() const {
  std::string out;
  out.reserve(ByteSize() + 64);
  EncodeTo(&out);
  return out;
}

Result<Message> Message::Decode(std::string_view in) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("message: ") + what); };
  Message m;
  uint8_t version, type, flags;
  if (!GetByte(&in, &version) || version != kVersion) return bad("bad version");
  if (!GetByte(&in, &type) || type >= static_cast<uint8_t>(MessageType::kNumTypes)) return bad("bad type");
  m.type = static_cast<MessageType>(type);
  for (uint64_t* v : {&m.group, &m.from, &m.to, &m.term, &m.log_term, &m.index, &m.commit}) {
    if (!GetVarint64(&in, v)) return bad("truncated header");
  }
  if (!GetByte(&in, &flags) || (flags & ~(kFlagReject | kFlagSnapshot))) return bad("bad flags");
  m.reject = flags & kFlagReject;
  std::string_view sv;
  if (!GetVarint64(&in, &m.reject_hint) || !GetLengthPrefixed(&in, &sv)) return bad("truncated");
  m.context.assign(sv);
  uint64_t n;
  // Each entry takes at least 4 bytes, so a count larger than that is corrupt (no huge reserve).
  if (!GetVarint64(&in, &n) || n > in.size() / 4) return bad("bad entry count");
  m.entries.resize(n);
  for (Entry& e : m.entries) {
    uint8_t et;
    if (!GetVarint64(&in, &e.term) || !GetVarint64(&in, &e.index) || !GetByte(&in, &et) ||
        et > static_cast<uint8_t>(EntryType::kConfChange) || !GetLengthPrefixed(&in, &sv)) {
      return bad("bad entry");
    }
    e.type = static_cast<EntryType>(et);
    e.data.assign(sv);
  }
  if (flags & kFlagSnapshot) {
    Snapshot s;
    if (!GetVarint64(&in, &s.meta.index) || !GetVarint64(&in, &s.meta.term) ||
        !GetIds(&in, &s.meta.conf.voters) || !GetIds(&in, &s.meta.conf.learners) ||
        !GetLengthPrefixed(&in, &sv)) {
      return bad("bad snapshot");
    }
    s.data.assign(sv);
    m.snapshot = std::move(s);
  }
  if (!in.empty()) return bad("trailing bytes");
  return m;
}

size_t Message::ByteSize() const {
  size_t n = context.size();
  for (const Entry& e : entries) n += e.data.size() + 16;
  if (snapshot) n += snapshot->data.size();
  return n;
}

std::string DescribeMessage(const Message& m) {
  std::string s = std::to_string(m.from) + "->" + std::to_string(m.to) + " " + MessageTypeName(m.type) +
                  " Term:" + std::to_string(m.term) + " Log:" + std::to_string(m.log_term) + "/" +
                  std::to_string(m.index);
  if (m.reject) s += " Rejected (Hint: " + std::to_string(m.reject_hint) + ")";
  if (m.commit) s += " Commit:" + std::to_string(m.commit);
  if (!m.entries.empty()) s += " Entries:" + std::to_string(m.entries.size());
  if (m.snapshot) s += " Snapshot:" + std::to_string(m.snapshot->meta.index);
  return s;
}

}  // namespace redraft::raft
