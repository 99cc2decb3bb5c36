#include "raft/ready_order.h"

#include <utility>

namespace redraft::raft {

bool ReadyNeedsPersist(const Ready& rd) { return rd.must_sync; }

bool MaySendBeforePersist(const Message& m, bool leader, bool needs_persist) {
  if (!needs_persist) return true;
  if (!leader) return false;
  return m.type == MessageType::kApp || m.type == MessageType::kHeartbeat || m.type == MessageType::kSnapshot;
}

ReadySends SplitReadyMessages(Ready& rd, bool leader, bool earlier_unsynced) {
  ReadySends out;
  bool persist = ReadyNeedsPersist(rd) || earlier_unsynced;
  for (Message& m : rd.messages) {
    (MaySendBeforePersist(m, leader, persist) ? out.now : out.after_persist).push_back(std::move(m));
  }
  rd.messages.clear();
  return out;
}

size_t AppliableBeforePersist(const Ready& rd, Index stable, Index applied) {
  if (rd.snapshot) return 0;
  size_t n = 0;
  for (const Entry& e : rd.committed_entries) {
    if (e.index > applied) {
      if (e.index != applied + 1 || e.index > stable || e.type == EntryType::kConfChange) break;
      applied = e.index;
    }
    n++;
  }
  return n;
}

}  // namespace redraft::raft
