#include "sim_dedup.h"

#include "common/coding.h"

namespace redraft::raft {

std::string ClientRequest::Encode() const {
  std::string out;
  PutVarint64(&out, client_id);
  PutVarint64(&out, seq);
  out.append(payload);
  return out;
}

Result<ClientRequest> ClientRequest::Decode(std::string_view in) {
  ClientRequest r;
  if (!GetVarint64(&in, &r.client_id) || !GetVarint64(&in, &r.seq)) {
    return Status::Corruption("client request: truncated");
  }
  r.payload.assign(in);
  return r;
}

SessionTable::Outcome SessionTable::Check(uint64_t client_id, uint64_t seq, std::string* cached_reply) const {
  auto it = sessions_.find(client_id);
  if (it == sessions_.end() || seq > it->second.last_seq) return Outcome::kNew;
  if (seq == it->second.last_seq) {
    if (cached_reply) *cached_reply = it->second.reply;
    return Outcome::kDuplicate;
  }
  return Outcome::kStale;
}

void SessionTable::Record(uint64_t client_id, uint64_t seq, std::string reply) {
  Session& s = sessions_[client_id];
  REDRAFT_CHECK(seq > s.last_seq);  // sequence numbers start at 1 and increase
  s.last_seq = seq;
  s.reply = std::move(reply);
}

std::string SessionTable::Encode() const {
  std::string out;
  PutVarint64(&out, sessions_.size());
  for (const auto& [id, s] : sessions_) {
    PutVarint64(&out, id);
    PutVarint64(&out, s.last_seq);
    PutLengthPrefixed(&out, s.reply);
  }
  return out;
}

Result<SessionTable> SessionTable::Decode(std::string_view in) {
  SessionTable t;
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return Status::Corruption("session table: bad count");
  for (uint64_t i = 0; i < n; i++) {
    uint64_t id;
    Session s;
    std::string_view reply;
    if (!GetVarint64(&in, &id) || !GetVarint64(&in, &s.last_seq) || !GetLengthPrefixed(&in, &reply)) {
      return Status::Corruption("session table: truncated");
    }
    s.reply.assign(reply);
    t.sessions_[id] = std::move(s);
  }
  if (!in.empty()) return Status::Corruption("session table: trailing bytes");
  return t;
}

}  // namespace redraft::raft
