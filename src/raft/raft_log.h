// The in-memory Raft log of one node: a snapshot (which replaces the prefix [1, snapshot.index])
// followed by entries (snapshot.index, last]. etcd-io/raft log.go + log_unstable.go in one class.
//
// Durability is tracked, not performed: entries with index <= stable_ are known to be persisted
// by the storage layer (they were handed out in a Ready and the caller called Advance); entries
// after it are "unstable". Several Readies may be in flight at once (etcd's asynchronous storage
// writes): entries up to in_progress_ were handed out by UnstableEntries() and are being
// persisted, so the next Ready holds only entries after in_progress_; likewise committed entries
// up to applying_ were handed out for applying (NextCommittedEntries) and a received snapshot
// once handed out is not handed out again. A snapshot received from the leader is unstable until
// acknowledged (StableSnapshotTo).
//
// Invariants (checked where they are established):
//   snapshot.index <= applied <= committed <= LastIndex()    (applied may lag a fresh snapshot
//                                                            until the next Advance; see Restore)
//   stable <= in_progress <= LastIndex(),  applied <= applying <= committed
//   entries_[k].index == snapshot.index + 1 + k               (contiguous)
//   entry terms never decrease along the log
//   committed entries are never truncated (a leader that asks for it violates Log Matching)
#pragma once

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include "raft/message.h"
#include "raft/types.h"

namespace redraft::raft {

class RaftLog {
 public:
  // Restart state: the latest snapshot and the entries after it (all already durable).
  // REQUIRES: entries are contiguous starting at snapshot.meta.index + 1.
  RaftLog(Snapshot snapshot, std::vector<Entry> entries);

  Index FirstIndex() const { return snapshot_.meta.index + 1; }
  Index LastIndex() const { return snapshot_.meta.index + entries_.size(); }
  Term LastTerm() const { return entries_.empty() ? snapshot_.meta.term : entries_.back().term; }
  // Term of entry i; nullopt if i is compacted away (i < snapshot.index) or beyond the last entry.
  std::optional<Term> TermAt(Index i) const;
  bool MatchTerm(Index i, Term t) const;
  // The first committed index (above the snapshot) at which a leader's AppendEntries — entry
  // prev_index of term prev_term, then `ents` — disagrees with our log; nullopt if none. Leader
  // Completeness says this never happens: if it does, safety was broken, a disk lied, or an
  // operator copied data directories.
  std::optional<Index> CommittedConflict(Index prev_index, Term prev_term, const std::vector<Entry>& ents) const;
  // Figure 2 RequestVote receiver rule: is a log ending at (last_index, last_term) at least as
  // up-to-date as ours?
  bool IsUpToDate(Index last_index, Term last_term) const;

  // Figure 2 AppendEntries receiver rules 2-4: if our log has prev_index with prev_term, append
  // `ents` (truncating a conflicting suffix) and return the index of the last entry the leader
  // sent (prev_index + ents.size()); otherwise return nullopt. Does not commit.
  std::optional<Index> MaybeAppend(Index prev_index, Term prev_term, std::vector<Entry>&& ents);
  // Appends entries, truncating any existing entries at and after ents[0].index (leader: none).
  // REQUIRES: ents[0].index in (committed, LastIndex() + 1].
  void Append(std::vector<Entry>&& ents);
  // The largest index <= index whose term is <= term (or the snapshot index if we get there).
  // Used for fast backtracking: a rejected MsgApp at (index, term) skips all entries of terms
  // above `term`, since none of them can match the leader's log at that index.
  Index FindConflictByTerm(Index index, Term term) const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  Index stable() const { return stable_; }
  void CommitTo(Index i);   // no-op if i <= committed; REQUIRES i <= LastIndex()
  void AppliedTo(Index i);  // REQUIRES i <= committed
  // The caller persisted entries up to (i, t); ignored if the entry at i has changed since.
  void StableTo(Index i, Term t);
  void StableSnapshotTo(Index i);

  // Unstable entries not yet handed out (after in_progress).
  bool HasUnstableEntries() const { return in_progress_ < LastIndex(); }
  std::vector<Entry> UnstableEntries() const;
  // They were handed out in a Ready: the next Ready starts after them.
  void AcceptInProgress() { in_progress_ = LastIndex(); }
  Index in_progress() const { return in_progress_; }
  bool HasNextCommittedEntries() const;
  // Committed entries neither applied nor handed out for applying (after the snapshot), at most
  // max_bytes (>= 1 entry).
  std::vector<Entry> NextCommittedEntries(size_t max_bytes) const;
  void AcceptApplying(Index i) { applying_ = std::max(applying_, i); }
  // Entries [lo, hi), at most max_bytes of data but at least one entry.
  // REQUIRES: FirstIndex() <= lo <= hi <= LastIndex() + 1.
  std::vector<Entry> Slice(Index lo, Index hi, size_t max_bytes) const;
  const Entry& At(Index i) const;

  const Snapshot& snapshot() const { return snapshot_; }
  bool snapshot_unstable() const { return snapshot_unstable_; }
  // An unstable snapshot not yet handed out in a Ready.
  bool snapshot_to_hand_out() const { return snapshot_unstable_ && !snapshot_in_progress_; }
  void AcceptSnapshotInProgress() { snapshot_in_progress_ = snapshot_unstable_; }
  // Replaces the whole log by a snapshot received from the leader (unstable until StableSnapshotTo).
  // REQUIRES: s.meta.index > committed.
  void Restore(Snapshot s);
  // Drops entries up to s.meta.index, which the state machine has captured in s (already durable).
  // REQUIRES: snapshot.index < s.meta.index <= applied, and s.meta.term == TermAt(s.meta.index).
  void Compact(Snapshot s);

 private:
  Snapshot snapshot_;
  bool snapshot_unstable_ = false;
  bool snapshot_in_progress_ = false;
  std::deque<Entry> entries_;
  Index committed_ = 0;
  Index applied_ = 0;
  Index applying_ = 0;
  Index stable_ = 0;
  Index in_progress_ = 0;
};

}  // namespace redraft::raft
