// The simulation's replicated state machine: a string -> string map of registers, written only
// through the log ("put key value", tagged with (client, seq) for de-duplication) and read
// through ReadIndex. Snapshots carry the map, the session table and the applied index.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/coding.h"
#include "sim_dedup.h"
#include "raft/types.h"

namespace redraft::raft::sim {

struct KvPut {
  std::string key;
  std::string value;
};

inline std::string EncodePut(uint64_t client, uint64_t seq, const KvPut& p) {
  std::string payload;
  PutLengthPrefixed(&payload, p.key);
  PutLengthPrefixed(&payload, p.value);
  return ClientRequest{client, seq, payload}.Encode();
}

class KvStateMachine {
 public:
  struct Applied {
    bool is_put = false;
    bool executed = false;  // false: a de-duplicated retry (no effect)
    uint64_t client = 0, seq = 0;
    KvPut put;
  };

  // Applies one committed normal entry (an empty entry is a leader's no-op).
  Applied Apply(const Entry& e) {
    Applied out;
    applied_ = e.index;
    if (e.type != EntryType::kNormal || e.data.empty()) return out;
    auto req = ClientRequest::Decode(e.data);
    REDRAFT_CHECK(req.ok());
    std::string_view in = req->payload;
    std::string_view k, v;
    REDRAFT_CHECK(GetLengthPrefixed(&in, &k) && GetLengthPrefixed(&in, &v));
    out.is_put = true;
    out.client = req->client_id;
    out.seq = req->seq;
    out.put = KvPut{std::string(k), std::string(v)};
    std::string cached;
    if (sessions_.Check(req->client_id, req->seq, &cached) == SessionTable::Outcome::kNew) {
      data_[out.put.key] = out.put.value;
      sessions_.Record(req->client_id, req->seq, "OK");
      out.executed = true;
    }
    return out;
  }

  std::optional<std::string> Get(const std::string& key) const {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }

  std::string Snapshot() const {
    std::string out;
    PutVarint64(&out, applied_);
    PutVarint64(&out, data_.size());
    for (auto& [k, v] : data_) {
      PutLengthPrefixed(&out, k);
      PutLengthPrefixed(&out, v);
    }
    PutLengthPrefixed(&out, sessions_.Encode());
    return out;
  }

  void Restore(const std::string& snap, Index index) {
    data_.clear();
    sessions_ = SessionTable();
    applied_ = index;
    if (snap.empty()) return;  // the empty initial snapshot
    std::string_view in = snap;
    uint64_t applied, n;
    REDRAFT_CHECK(GetVarint64(&in, &applied) && applied == index && GetVarint64(&in, &n));
    for (uint64_t i = 0; i < n; i++) {
      std::string_view k, v;
      REDRAFT_CHECK(GetLengthPrefixed(&in, &k) && GetLengthPrefixed(&in, &v));
      data_[std::string(k)] = std::string(v);
    }
    std::string_view st;
    REDRAFT_CHECK(GetLengthPrefixed(&in, &st));
    auto t = SessionTable::Decode(st);
    REDRAFT_CHECK(t.ok());
    sessions_ = std::move(*t);
  }

  Index applied() const { return applied_; }
  const std::map<std::string, std::string>& data() const { return data_; }

 private:
  Index applied_ = 0;
  std::map<std::string, std::string> data_;
  SessionTable sessions_;
};

}  // namespace redraft::raft::sim
