#include "raft/conf_change.h"

#include <algorithm>

#include "common/coding.h"

namespace redraft::raft {

std::string ConfChange::Encode() const {
  std::string out;
  out.push_back(static_cast<char>(type));
  PutVarint64(&out, node_id);
  PutLengthPrefixed(&out, context);
  return out;
}

Result<ConfChange> ConfChange::Decode(std::string_view in) {
  ConfChange cc;
  if (in.empty()) return Status::Corruption("conf change: empty");
  uint8_t t = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  if (t > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
    return Status::Corruption("conf change: bad type");
  }
  cc.type = static_cast<ConfChangeType>(t);
  std::string_view ctx;
  if (!GetVarint64(&in, &cc.node_id) || !GetLengthPrefixed(&in, &ctx) || !in.empty()) {
    return Status::Corruption("conf change: truncated");
  }
  cc.context.assign(ctx);
  return cc;
}

namespace {
void Erase(std::vector<NodeId>* v, NodeId id) { v->erase(std::remove(v->begin(), v->end(), id), v->end()); }
void Insert(std::vector<NodeId>* v, NodeId id) {
  if (std::find(v->begin(), v->end(), id) == v->end()) {
    v->push_back(id);
    std::sort(v->begin(), v->end());
  }
}
}  // namespace

bool IsVoter(const ConfState& conf, NodeId id) {
  return std::find(conf.voters.begin(), conf.voters.end(), id) != conf.voters.end();
}
bool IsLearner(const ConfState& conf, NodeId id) {
  return std::find(conf.learners.begin(), conf.learners.end(), id) != conf.learners.end();
}

ConfState ApplyToConfState(const ConfState& conf, const ConfChange& cc) {
  ConfState out = conf;
  switch (cc.type) {
    case ConfChangeType::kAddNode:
      Erase(&out.learners, cc.node_id);
      Insert(&out.voters, cc.node_id);
      break;
    case ConfChangeType::kAddLearner:
      if (!IsVoter(out, cc.node_id)) Insert(&out.learners, cc.node_id);  // no demotion
      break;
    case ConfChangeType::kRemoveNode:
      Erase(&out.voters, cc.node_id);
      Erase(&out.learners, cc.node_id);
      break;
  }
  return out;
}

}  // namespace redraft::raft
