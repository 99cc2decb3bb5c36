#include "sim/sim_checker.h"

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

}  // namespace redraft::raft::sim
