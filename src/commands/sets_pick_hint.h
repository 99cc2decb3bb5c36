// SPOP's process-local pick hint: an in-memory mirror of a large set's members, so that the
// descent of RandomMember (sets.cc) answers its "first member >= x under a prefix" and "last
// member under a prefix" questions from memory instead of RocksDB seeks.
//
// A hint never changes a result: the mirror holds exactly the members of (version) as of the
// batch being applied, so every answer equals the seek's. That holds because
//   - it is built by a full scan of the set through the apply batch;
//   - every in-place change of a set's members forgets it (ForgetPickHint: SADD, SREM, SMOVE,
//     SPOP with a count), except the single SPOP that uses it, which erases its pick from it;
//     every other change of a set makes a new version (versions are never reused) or replaces
//     the state (a snapshot: ForgetApplyHints -> ForgetPickHints);
//   - each use checks it: its size must equal the set's count, and the member it picks must exist
//     in the store; on a mismatch the caller forgets it and picks again by seeks from a fresh
//     generator, so even a missed invalidation cannot make this replica choose differently.
// Apply thread only. Bounded: at most kMirrorBudget members over all mirrors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::commands::set_detail {

// The members as of the build, sorted, with those popped since marked dead. Dead runs are skipped
// in amortized O(1) by two union-find arrays with path compression (the next live index at or
// after i, the previous at or before i), so a mirror drained to a few members stays fast.
class MemberMirror {
 public:
  explicit MemberMirror(std::vector<std::string> sorted);
  size_t size() const { return alive_; }
  // The first member >= start that starts with within, if any.
  bool FirstWithin(std::string_view start, std::string_view within, std::string* out);
  // The last member that starts with within, if any.
  bool LastWithin(std::string_view within, std::string* out);
  // Marks member popped; false if it is not a live member.
  bool Erase(std::string_view member);

 private:
  size_t NextAlive(size_t i);     // smallest live index >= i, or n
  size_t PrevAliveBelow(size_t j);  // 1 + the largest live index < j, or 0 if none
  std::vector<std::string> sorted_;
  std::vector<uint32_t> next_;  // n + 1 entries; next_[i] == i iff i is live (or i == n)
  std::vector<uint32_t> prev_;  // n + 1 entries over j = i + 1; prev_[j] == j iff i live (or j == 0)
  size_t alive_;
};

// Sets smaller than this are not mirrored (the seeks are few), larger than kMirrorBudget neither.
inline constexpr uint64_t kMirrorMin = 4096;
inline constexpr uint64_t kMirrorBudget = uint64_t{1} << 20;  // ~100 MB at worst

// The mirror of version if one is kept and holds `size` members; nullptr otherwise.
MemberMirror* FindPickHint(uint64_t version, uint64_t size);
// Keeps members as the mirror of version (dropping others if the budget requires).
// REQUIRES: members sorted, distinct.
MemberMirror* KeepPickHint(uint64_t version, std::vector<std::string> members);
// After an SPOP popped member through the mirror of version: false if it was not there.
bool ErasePicked(uint64_t version, std::string_view member);
void ForgetPickHint(uint64_t version);
void ForgetPickHints();
// Tests: with hints off, no mirror is found or kept (every pick is made by seeks).
void SetPickHintsEnabledForTest(bool on);
bool PickHintsEnabled();

}  // namespace redraft::commands::set_detail
