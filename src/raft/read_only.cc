#include "raft/read_only.h"

namespace redraft::raft {

bool ReadOnly::Add(Index index, NodeId from, std::string context) {
  if (pending_.count(context)) return false;
  queue_.push_back(context);
  ReadIndexStatus st;
  st.index = index;
  st.from = from;
  st.context = context;
  pending_.emplace(std::move(context), std::move(st));
  return true;
}

const std::set<NodeId>* ReadOnly::RecvAck(NodeId from, const std::string& context) {
  auto it = pending_.find(context);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(from);
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& context) {
  std::vector<ReadIndexStatus> out;
  if (!pending_.count(context)) return out;
  while (!queue_.empty()) {
    std::string ctx = std::move(queue_.front());
    queue_.pop_front();
    auto it = pending_.find(ctx);
    out.push_back(std::move(it->second));
    pending_.erase(it);
    if (ctx == context) break;
  }
  return out;
}

}  // namespace redraft::raft
