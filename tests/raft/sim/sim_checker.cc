#include "sim/sim_checker.h"

#include <algorithm>
#include <set>

namespace redraft::raft::sim {

uint64_t Fnv(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t HashEntry(const Entry& e) {
  uint64_t h = Fnv(e.data.data(), e.data.size());
  uint8_t t = static_cast<uint8_t>(e.type);
  return Fnv(&t, 1, h);
}

namespace {
std::string S(uint64_t v) { return std::to_string(v); }

std::string ConfString(const ConfState& c) {
  std::string out = "voters";
  for (NodeId v : c.voters) out += " " + S(v);
  out += " learners";
  for (NodeId v : c.learners) out += " " + S(v);
  return out;
}

ConfState Sorted(ConfState c) {
  std::sort(c.voters.begin(), c.voters.end());
  std::sort(c.learners.begin(), c.learners.end());
  return c;
}

// Voters in one configuration but not the other.
size_t VoterDistance(const ConfState& a, const ConfState& b) {
  std::set<NodeId> x(a.voters.begin(), a.voters.end()), y(b.voters.begin(), b.voters.end());
  size_t d = 0;
  for (NodeId v : x) d += y.count(v) == 0;
  for (NodeId v : y) d += x.count(v) == 0;
  return d;
}
}  // namespace

void SafetyChecker::OnPersist(NodeId node, Term prev_term, const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    Seen s{HashEntry(e), prev_term};
    auto [it, inserted] = entries_.emplace(std::make_pair(e.index, e.term), s);
    if (!inserted && (it->second.hash != s.hash || it->second.prev_term != s.prev_term)) {
      Fail("Log Matching: node " + S(node) + " persisted a different entry " + S(e.index) + "/" + S(e.term) +
           " (prev term " + S(prev_term) + " vs " + S(it->second.prev_term) + ")");
    }
    prev_term = e.term;
  }
}

void SafetyChecker::OnHardState(NodeId node, const HardState& before, const HardState& after) {
  if (after.term < before.term) Fail("node " + S(node) + ": persisted term went backwards");
  if (after.term == before.term && before.vote != kNoNode && after.vote != before.vote) {
    Fail("node " + S(node) + ": changed its vote within term " + S(after.term));
  }
}

void SafetyChecker::OnApply(NodeId node, const Entry& e) {
  auto [it, inserted] = applied_.emplace(e.index, std::make_pair(e.term, HashEntry(e)));
  if (!inserted && (it->second.first != e.term || it->second.second != HashEntry(e))) {
    Fail("State Machine Safety: node " + S(node) + " applied a different entry at " + S(e.index) +
         " (term " + S(e.term) + " vs " + S(it->second.first) + ")");
  }
}

void SafetyChecker::OnSnapshot(NodeId node, const SnapshotMeta& meta, const std::string& data) {
  auto it = applied_.find(meta.index);
  if (it != applied_.end() && it->second.first != meta.term) {
    Fail("node " + S(node) + ": snapshot at " + S(meta.index) + " has term " + S(meta.term) +
         " but term " + S(it->second.first) + " was applied there");
  }
  uint64_t h = Fnv(data.data(), data.size());
  auto [sit, inserted] = snapshots_.emplace(meta.index, h);
  if (!inserted && sit->second != h) Fail("node " + S(node) + ": snapshot data differs at " + S(meta.index));
}

void SafetyChecker::AfterStep(const std::vector<const Raft*>& live) {
  for (const Raft* r : live) {
    if (r->applied_index() > r->commit_index() || r->commit_index() > r->last_index()) {
      Fail("node " + S(r->id()) + ": applied " + S(r->applied_index()) + " commit " + S(r->commit_index()) +
           " last " + S(r->last_index()));
    }
    CheckMembership(*r);
    if (r->role() != Role::kLeader) continue;
    Term t = r->term();
    auto [it, inserted] = leaders_.emplace(t, r->id());
    if (!inserted && it->second != r->id()) {
      Fail("Election Safety: nodes " + S(it->second) + " and " + S(r->id()) + " both led term " + S(t));
    }
    Index c = r->commit_index();
    auto& rec = commits_[t];
    if (c > rec.first) rec = {c, r->TermAt(c).value_or(0)};
    // Leader Completeness against every earlier term's highest commit.
    for (auto cit = commits_.begin(); cit != commits_.end() && cit->first < t; ++cit) {
      auto [idx, term] = cit->second;
      if (idx == 0 || idx < r->first_index() - 1) continue;  // inside our snapshot: committed
      if (r->TermAt(idx) != term) {
        Fail("Leader Completeness: leader " + S(r->id()) + " of term " + S(t) + " lacks entry " + S(idx) +
             "/" + S(term) + " committed in term " + S(cit->first));
      }
    }
  }
}

void SafetyChecker::RecordCommittedConf(NodeId node, Index index, const ConfState& conf) {
  auto [it, inserted] = committed_confs_.emplace(index, conf);
  if (!inserted) {
    if (it->second != conf) {
      Fail("Membership: node " + S(node) + " committed configuration at " + S(index) + " is " + ConfString(conf) +
           ", another node's is " + ConfString(it->second));
    }
    return;
  }
  if (it != committed_confs_.begin()) {
    auto prev = std::prev(it);
    if (VoterDistance(prev->second, conf) > 1) {
      Fail("Membership: committed configurations at " + S(prev->first) + " (" + ConfString(prev->second) +
           ") and " + S(index) + " (" + ConfString(conf) + ") differ by more than one voter");
    }
  }
  auto next = std::next(it);
  if (next != committed_confs_.end() && VoterDistance(conf, next->second) > 1) {
    Fail("Membership: committed configurations at " + S(index) + " (" + ConfString(conf) + ") and " +
         S(next->first) + " (" + ConfString(next->second) + ") differ by more than one voter");
  }
}

void SafetyChecker::CheckMembership(const Raft& r) {
  const Snapshot& snap = r.log().snapshot();
  Index commit = r.commit_index();
  ConfScan& scan = conf_scans_[r.id()];
  if (scan.snapshot_index != snap.meta.index || scan.scanned > commit || scan.scanned < snap.meta.index ||
      !scan.valid) {
    scan.valid = true;
    // (Re)derive from the snapshot, or from the bootstrap configuration if there is none.
    scan.snapshot_index = snap.meta.index;
    scan.scanned = snap.meta.index;
    bool has_conf = !snap.meta.conf.voters.empty() || !snap.meta.conf.learners.empty();
    scan.conf = Sorted(has_conf ? snap.meta.conf : committed_confs_[0]);
  }
  for (Index i = scan.scanned + 1; i <= commit; i++) {
    const Entry& e = r.log().At(i);
    if (e.type != EntryType::kConfChange) continue;
    Result<ConfChange> cc = ConfChange::Decode(e.data);
    if (!cc.ok()) return Fail("node " + S(r.id()) + ": undecodable conf change at " + S(i));
    scan.conf = Sorted(ApplyToConfState(scan.conf, *cc));
    RecordCommittedConf(r.id(), i, scan.conf);
  }
  scan.scanned = commit;
  // A node that joined empty (a replacement for a wiped node) knows no configuration before it
  // has received anything: it can neither vote nor campaign.
  bool empty_joiner = commit == 0 && r.conf().voters.empty() && r.conf().learners.empty();
  // (The core keeps voters and learners sorted, conf_change.h; an unsorted conf fails here too.)
  if (!empty_joiner && r.conf() != scan.conf) {
    Fail("Membership: node " + S(r.id()) + " uses " + ConfString(r.conf()) + " but its snapshot (at " +
         S(snap.meta.index) + ") and committed log (to " + S(commit) + ") say " + ConfString(scan.conf));
  }
  if (r.role() != Role::kLeader) return;
  Index pending = 0;
  for (Index i = commit + 1; i <= r.last_index(); i++) {
    if (r.log().At(i).type != EntryType::kConfChange) continue;
    if (pending != 0) {
      return Fail("Membership: leader " + S(r.id()) + " of term " + S(r.term()) + " has conf changes at " +
                  S(pending) + " and " + S(i) + " both uncommitted");
    }
    pending = i;
    if (r.log().At(i).term != r.term()) continue;
    Index start = i;  // first entry of the leader's term
    while (start > 1 && r.TermAt(start - 1) == r.term()) start--;  // stops at the snapshot
    if (start > commit) {
      return Fail("Membership: leader " + S(r.id()) + " proposed a conf change at " + S(i) + " before its term's first entry " +
                  S(start) + " committed (commit " + S(commit) + ", first index " + S(r.first_index()) + ", term before it " + S(r.TermAt(start - 1).value_or(0)) + ")");
    }
  }
  if (!IsVoter(scan.conf, r.id())) Fail("Membership: leader " + S(r.id()) + " is not a voter of its configuration");
  // The progress map changes only on BecomeLeader and when a conf change commits: re-check it
  // when the term or the commit index moved.
  if (scan.peers_checked_term == r.term() && scan.peers_checked_commit == commit) return;
  scan.peers_checked_term = r.term();
  scan.peers_checked_commit = commit;
  std::vector<PeerStatus> peers = r.PeerStatuses();
  size_t members = scan.conf.voters.size() + scan.conf.learners.size();
  if (peers.size() != members) {
    Fail("Membership: leader " + S(r.id()) + " tracks " + S(peers.size()) + " peers for " + ConfString(scan.conf));
  }
  for (const PeerStatus& p : peers) {
    bool voter = IsVoter(scan.conf, p.id), learner = IsLearner(scan.conf, p.id);
    if (!voter && !learner) Fail("Membership: leader " + S(r.id()) + " tracks non-member " + S(p.id));
    if (p.progress.is_learner != learner) {
      Fail("Membership: leader " + S(r.id()) + " counts peer " + S(p.id) + (learner ? " as a voter" : " as a learner"));
    }
  }
}

}  // namespace redraft::raft::sim
