// The simulation's clients: puts proposed through the log (retried under the same (client, seq),
// which de-duplication must keep at most once), linearizable gets through ReadIndex at leaders
// and followers, and client timeouts. Every operation is recorded in the History.
#include "sim/sim_simulation.h"

#include <optional>
#include <string>
#include <vector>

namespace redraft::raft::sim {

void Simulation::SubmitWrite(Client& c, SimNode& n) {
  c.node = n.id;
  c.deadline = now_ + kClientTimeout;
  Status st = n.raft->Propose(EncodePut(c.id, c.seq, KvPut{c.key, c.value}));
  if (st.ok()) {
    n.write_waits[{c.id, c.seq}] = static_cast<int>(c.id - 1);
    c.busy = true;
  } else {
    c.busy = false;  // if an earlier attempt exists it stays pending in the history
  }
}

void Simulation::ClientEvent() {
  int ci = rng_.Uniform(clients_.size());
  Client& c = clients_[ci];
  if (c.busy) return;
  SimNode* n = nullptr;
  uint64_t pick = rng_.Uniform(10);
  if (pick < 5) {
    n = Leader();  // the current leader
  } else if (pick < 8) {
    // A client with a cached, possibly stale, view: any node that believes it leads.
    std::vector<SimNode*> leaders;
    for (auto& [id, x] : nodes_) {
      if (x.up && x.raft->role() == Role::kLeader) leaders.push_back(&x);
    }
    if (!leaders.empty()) n = leaders[rng_.Uniform(leaders.size())];
  }
  if (!n) n = RandomUpNode();
  if (!n) return;
  c.is_write = rng_.Chance(1, 2);
  c.key = "k" + std::to_string(rng_.Uniform(kNumKeys));
  Trace(20, c.id, n->id, c.is_write);
  if (c.is_write) {
    c.seq++;
    c.value = "c" + std::to_string(c.id) + "s" + std::to_string(c.seq);
    c.op = history_.Invoke(true, c.key, c.value, now_);
    SubmitWrite(c, *n);
    if (!c.busy) history_.Fail(c.op);  // refused outright: it never entered any log
  } else {
    c.op = history_.Invoke(false, c.key, std::nullopt, now_);
    c.ctx = "n" + std::to_string(n->id) + "c" + std::to_string(c.id) + "r" + std::to_string(now_);
    c.node = n->id;
    c.deadline = now_ + kClientTimeout;
    if (n->raft->ReadIndex(c.ctx).ok()) {
      n->read_waits[c.ctx] = SimNode::ReadWait{ci};
      c.busy = true;
    } else {
      history_.Fail(c.op);
    }
  }
}

void Simulation::ClientTimeouts() {
  for (Client& c : clients_) {
    if (!c.busy || now_ < c.deadline) continue;
    auto old = nodes_.find(c.node);  // gone if it was wiped
    if (old != nodes_.end()) {
      old->second.write_waits.erase({c.id, c.seq});
      old->second.read_waits.erase(c.ctx);
    }
    c.busy = false;
    Trace(21, c.id, c.is_write, 0);
    // A timed-out write stays pending (it may still commit). Half the time the client retries
    // it with the same (client, seq) elsewhere: de-duplication must keep it at most once.
    if (c.is_write && rng_.Chance(1, 2)) {
      SimNode* n = Leader();
      if (n) SubmitWrite(c, *n);
    }
  }
}

}  // namespace redraft::raft::sim
