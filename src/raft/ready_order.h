// Which of a Ready's messages may leave before the Ready is durable (raft.h, Ready field (2)).
//
// The one implementation of this rule: the server's Ready loop (cluster/raft_replicator.cc) and
// the deterministic simulation (tests/raft/sim) both call it, so a change here is exercised by
// the simulation's crashes between "send" and "persist" (and between "persist" and "send").
//
// The rule:
//   - A Ready with nothing that must be synced (Ready::must_sync false: no entries, no snapshot,
//     and no change of term or vote — at most the commit index moved): every message may go now;
//     there is nothing a crash could forget that a promise depends on (a lost commit index is
//     re-learned from the leader).
//   - Otherwise only a LEADER's kApp, kHeartbeat and kSnapshot go now, in parallel with the fsync.
//     They promise nothing about the leader's own durable state: the leader counts its own log
//     towards a commit quorum only after Advance (i.e. after this Ready is durable), a heartbeat's
//     commit index is capped by the follower's match, and a snapshot it sends was persisted by
//     the caller before Compact. If the leader crashes before its fsync, followers may hold
//     entries the leader lost; those were never counted as committed, and Log Matching still
//     holds because the (index, term) pairs are unique to this leader's term.
//   - Pipelined Readies (raft.h Advance: several in flight at once): while an EARLIER Ready is
//     not yet durable, a later one counts as needing persistence whatever its own must_sync says,
//     so its acknowledgements wait too: a kAppResp produced after entries were handed out
//     promises them (e.g. a duplicate append acknowledged from the log before its first copy is
//     synced), and the caller completes Readies in order, so "this Ready is durable" then also
//     means "every earlier Ready is". A leader's kApp/kHeartbeat/kSnapshot still go at once.
//   - Everything else waits until the Ready is durable: votes (kVoteResp/kPreVoteResp, whose
//     promise is the persisted vote), append/heartbeat/snapshot acknowledgements (kAppResp: "I
//     hold these entries"), vote requests (the candidate's persisted term and self-vote), and a
//     non-leader's messages of any type (e.g. kApp left over from a leadership it just lost).
//     Sending one early lets a crash break a promise (a double vote, a lost acknowledged entry).
#pragma once

#include <vector>

#include "raft/message.h"
#include "raft/raft.h"

namespace redraft::raft {

// True if rd has something that must be durable before step (2): Ready::must_sync. (A hard state
// that only moves the commit index is still written, but lazily.)
bool ReadyNeedsPersist(const Ready& rd);

// True if m may be sent before the Ready it came in is durable. `leader`: this node's role,
// read right after GetReady(), is kLeader. `needs_persist`: ReadyNeedsPersist(rd).
bool MaySendBeforePersist(const Message& m, bool leader, bool needs_persist);

struct ReadySends {
  std::vector<Message> now;            // send at once (in parallel with the fsync)
  std::vector<Message> after_persist;  // send only once the Ready's persist step is durable
};

// Moves rd.messages out (rd.messages is left empty) and splits them by MaySendBeforePersist,
// keeping each part in order. `earlier_unsynced`: a Ready handed out before rd is not yet durable
// (pipelining); the 2-argument form means none is.
ReadySends SplitReadyMessages(Ready& rd, bool leader, bool earlier_unsynced);
inline ReadySends SplitReadyMessages(Ready& rd, bool leader) { return SplitReadyMessages(rd, leader, false); }

}  // namespace redraft::raft
