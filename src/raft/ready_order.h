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
//
// Applying before the Ready is durable (AppliableBeforePersist): a Ready's committed entries that
// were ALREADY durable here when it was taken (index <= RaftLog::stable(), i.e. persisted by a
// Ready that was Advanced) may be applied, and their writers answered, at once, while this Ready's
// own entries are still being synced. They are committed (durable on a quorum) and durable locally,
// so a crash before this Ready's fsync loses nothing they depend on. This matters on the leader:
// it counts its own log only after Advance, so its entries always commit in a LATER Ready, which
// usually carries new entries too; waiting for that Ready's fsync would cost one more fsync period
// per write. Only a prefix, in log order: the first entry follows the applied index (no earlier
// Ready still holds unapplied committed entries), and it stops at the first entry not yet stable
// (a follower's committed entries may arrive in the same Ready as the entries themselves, or may
// replace a truncated stable suffix: RaftLog lowers stable() on truncation) and at the first
// configuration change (its bookkeeping is applied in order with its Ready). Never with a
// snapshot in the Ready. The rest is applied when the Ready is durable, as before.
#pragma once

#include <cstddef>

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

// How many of rd.committed_entries (a prefix) may be applied before rd is durable (see above).
// `stable`: the core's RaftLog::stable() read right after GetReady(); `applied`: the state
// machine's applied index. Entries at or below `applied` count as part of the prefix (nothing to do).
size_t AppliableBeforePersist(const Ready& rd, Index stable, Index applied);

}  // namespace redraft::raft
