#include "raft/raft_log.h"

#include <algorithm>

#include "common/status.h"

namespace redraft::raft {

RaftLog::RaftLog(Snapshot snapshot, std::vector<Entry> entries) : snapshot_(std::move(snapshot)) {
  Index expect = snapshot_.meta.index + 1;
  Term prev_term = snapshot_.meta.term;
  for (Entry& e : entries) {
    REDRAFT_CHECK(e.index == expect++);
    REDRAFT_CHECK(e.term >= prev_term);
    prev_term = e.term;
    entries_.push_back(std::move(e));
  }
  committed_ = applied_ = applying_ = snapshot_.meta.index;
  stable_ = in_progress_ = LastIndex();
}

std::optional<Term> RaftLog::TermAt(Index i) const {
  if (i == snapshot_.meta.index) return snapshot_.meta.term;
  if (i < snapshot_.meta.index || i > LastIndex()) return std::nullopt;
  return entries_[i - snapshot_.meta.index - 1].term;
}

bool RaftLog::MatchTerm(Index i, Term t) const {
  auto term = TermAt(i);
  return term && *term == t;
}

bool RaftLog::IsUpToDate(Index last_index, Term last_term) const {
  return last_term > LastTerm() || (last_term == LastTerm() && last_index >= LastIndex());
}

const Entry& RaftLog::At(Index i) const {
  REDRAFT_CHECK(i >= FirstIndex() && i <= LastIndex());
  return entries_[i - FirstIndex()];
}

std::optional<Index> RaftLog::CommittedConflict(Index prev_index, Term prev_term,
                                               const std::vector<Entry>& ents) const {
  auto conflicts = [&](Index i, Term t) {
    if (i <= snapshot_.meta.index || i > committed_ || i > LastIndex()) return false;
    return TermAt(i) != t;
  };
  if (conflicts(prev_index, prev_term)) return prev_index;
  for (const Entry& e : ents) {
    if (conflicts(e.index, e.term)) return e.index;
  }
  return std::nullopt;
}

std::optional<Index> RaftLog::MaybeAppend(Index prev_index, Term prev_term, std::vector<Entry>&& ents) {
  if (!MatchTerm(prev_index, prev_term)) {
    // An entry at or below the snapshot index is committed, and committed entries match the
    // leader's log (Leader Completeness), so a mismatch there is impossible unless the prev index
    // is below our snapshot; the caller then answers with its commit index instead.
    return std::nullopt;
  }
  Index last_new = prev_index + ents.size();
  // Skip the prefix we already have (a duplicate or reordered MsgApp must not truncate anything:
  // Figure 2 rule 3 deletes only on a real conflict).
  size_t skip = 0;
  for (; skip < ents.size(); skip++) {
    const Entry& e = ents[skip];
    if (e.index <= snapshot_.meta.index) continue;  // covered by our snapshot: committed, matches
    if (!MatchTerm(e.index, e.term)) break;
  }
  if (skip < ents.size()) {
    REDRAFT_CHECK(ents[skip].index > committed_);  // never overwrite a committed entry
    ents.erase(ents.begin(), ents.begin() + skip);
    Append(std::move(ents));
  }
  return last_new;
}

void RaftLog::Append(std::vector<Entry>&& ents) {
  if (ents.empty()) return;
  Index first = ents.front().index;
  REDRAFT_CHECK(first > committed_ && first <= LastIndex() + 1);
  REDRAFT_CHECK(first > snapshot_.meta.index);
  // Truncate the conflicting suffix, then append.
  entries_.resize(first - FirstIndex());
  stable_ = std::min(stable_, first - 1);
  in_progress_ = std::min(in_progress_, first - 1);  // the replaced suffix must be handed out again
  Term prev = LastTerm();
  for (Entry& e : ents) {
    REDRAFT_CHECK(e.index == LastIndex() + 1 && e.term >= prev);
    prev = e.term;
    entries_.push_back(std::move(e));
  }
}

Index RaftLog::FindConflictByTerm(Index index, Term term) const {
  index = std::min(index, LastIndex());
  while (index > snapshot_.meta.index) {
    if (entries_[index - FirstIndex()].term <= term) break;
    index--;
  }
  return index;
}

void RaftLog::CommitTo(Index i) {
  if (i <= committed_) return;
  REDRAFT_CHECK(i <= LastIndex());
  committed_ = i;
}

void RaftLog::AppliedTo(Index i) {
  if (i <= applied_) return;
  REDRAFT_CHECK(i <= committed_);
  applied_ = i;
  applying_ = std::max(applying_, i);
}

void RaftLog::StableTo(Index i, Term t) {
  if (i > stable_ && MatchTerm(i, t) && i > snapshot_.meta.index) stable_ = i;
}

void RaftLog::StableSnapshotTo(Index i) {
  if (snapshot_unstable_ && snapshot_.meta.index == i) snapshot_unstable_ = snapshot_in_progress_ = false;
}

std::vector<Entry> RaftLog::UnstableEntries() const {
  return std::vector<Entry>(entries_.begin() + (in_progress_ - snapshot_.meta.index), entries_.end());
}

bool RaftLog::HasNextCommittedEntries() const {
  return committed_ > std::max(applying_, snapshot_.meta.index);
}

std::vector<Entry> RaftLog::NextCommittedEntries(size_t max_bytes) const {
  Index lo = std::max(applying_ + 1, FirstIndex());
  if (committed_ < lo) return {};
  return Slice(lo, committed_ + 1, max_bytes);
}

std::vector<Entry> RaftLog::Slice(Index lo, Index hi, size_t max_bytes) const {
  REDRAFT_CHECK(FirstIndex() <= lo && lo <= hi && hi <= LastIndex() + 1);
  std::vector<Entry> out;
  out.reserve(std::min<Index>(hi - lo, 1024));
  size_t bytes = 0;
  for (Index i = lo; i < hi; i++) {
    const Entry& e = entries_[i - FirstIndex()];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

void RaftLog::Restore(Snapshot s) {
  REDRAFT_CHECK(s.meta.index > committed_);
  entries_.clear();
  committed_ = s.meta.index;
  stable_ = in_progress_ = s.meta.index;
  snapshot_ = std::move(s);
  snapshot_unstable_ = true;
  snapshot_in_progress_ = false;
  // applied_ is left behind on purpose: the caller installs the snapshot (Ready::snapshot) and
  // Advance moves applied_ to the snapshot index.
}

void RaftLog::Compact(Snapshot s) {
  Index i = s.meta.index;
  REDRAFT_CHECK(i > snapshot_.meta.index && i <= applied_);
  REDRAFT_CHECK(MatchTerm(i, s.meta.term));
  entries_.erase(entries_.begin(), entries_.begin() + (i - snapshot_.meta.index));
  snapshot_ = std::move(s);
  stable_ = std::max(stable_, i);
  in_progress_ = std::max(in_progress_, i);
}

}  // namespace redraft::raft
