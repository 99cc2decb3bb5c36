// raft_bench: throughput of the Raft core alone — a 3-node group in one thread, in-memory
// "network" and "storage" (messages are handed over directly, persistence is a no-op), 64-byte
// entries proposed in batches. Measures committed entries per second (counted when the leader
// hands them out as committed; every follower applies them too).
//   raft_bench [--entries N] [--batch B] [--size BYTES] [--inflight K] [--max-msg BYTES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "raft/raft.h"

using namespace redraft::raft;

int main(int argc, char** argv) {
  uint64_t total = 2000000;
  size_t batch = 512, size = 64, inflight = 256, max_msg = 256 << 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--entries") total = v;
    else if (a == "--batch") batch = v;
    else if (a == "--size") size = v;
    else if (a == "--inflight") inflight = v;
    else if (a == "--max-msg") max_msg = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::vector<std::unique_ptr<Raft>> nodes;
  for (NodeId id = 1; id <= 3; id++) {
    Config c;
    c.id = id;
    c.group = 1;
    c.initial_conf.voters = {1, 2, 3};
    c.max_inflight_msgs = inflight;
    c.max_size_per_msg = max_msg;
    c.seed = id;
    nodes.push_back(std::make_unique<Raft>(c, RestoredState{}));
  }
  std::deque<Message> net;
  uint64_t applied[4] = {0, 0, 0, 0};
  auto pump = [&]() {
    bool busy = true;
    while (busy) {
      busy = false;
      for (auto& n : nodes) {
        while (n->HasReady()) {
          busy = true;
          Ready rd = n->GetReady();
          for (Message& m : rd.messages) net.push_back(std::move(m));
          for (const Entry& e : rd.committed_entries) applied[n->id()] += !e.data.empty();
          n->Advance(rd);
        }
      }
      while (!net.empty()) {
        busy = true;
        Message m = std::move(net.front());
        net.pop_front();
        (void)nodes[m.to - 1]->Step(std::move(m));
      }
    }
  };
  nodes[0]->Campaign();
  pump();
  if (nodes[0]->role() != Role::kLeader) {
    std::fprintf(stderr, "no leader\n");
    return 1;
  }
  std::string payload(size, 'x');
  auto start = std::chrono::steady_clock::now();
  uint64_t proposed = 0;
  while (proposed < total) {
    std::vector<std::string> b(std::min<uint64_t>(batch, total - proposed), payload);
    if (!nodes[0]->ProposeBatch(std::move(b)).ok()) return 1;
    proposed += std::min<uint64_t>(batch, total - proposed);
    pump();
    // Like a server: compact the in-memory log behind the state machine now and then.
    for (auto& n : nodes) {
      if (n->applied_index() - n->first_index() > 65536) (void)n->Compact(n->applied_index(), "");
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (applied[1] != total || applied[2] != total || applied[3] != total) {
    std::fprintf(stderr, "applied %llu/%llu/%llu of %llu\n", (unsigned long long)applied[1],
                 (unsigned long long)applied[2], (unsigned long long)applied[3], (unsigned long long)total);
    return 1;
  }
  std::printf("3 nodes, %llu entries of %zu bytes, batch %zu: %.3f s, %.0f committed entries/s\n",
              (unsigned long long)total, size, batch, secs, total / secs);
  return 0;
}
