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
#include <set>
#include <string>
#include <string_view>

namespace redraft::commands::set_detail {

struct MemberMirror {
  std::set<std::string, std::less<>> members;
  // The first member >= start that starts with within, if any.
  bool FirstWithin(std::string_view start, std::string_view within, std::string* out) const;
  // The last member that starts with within, if any.
  bool LastWithin(std::string_view within, std::string* out) const;
};

// Sets smaller than this are not mirrored (the seeks are few), larger than kMirrorBudget neither.
inline constexpr uint64_t kMirrorMin = 4096;
inline constexpr uint64_t kMirrorBudget = uint64_t{1} << 20;  // ~100 MB at worst

// The mirror of version if one is kept and holds `size` members; nullptr otherwise.
MemberMirror* FindPickHint(uint64_t version, uint64_t size);
// Keeps members as the mirror of version (dropping others if the budget requires).
MemberMirror* KeepPickHint(uint64_t version, std::set<std::string, std::less<>> members);
// After an SPOP popped member through the mirror of version: false if it was not there.
bool ErasePicked(uint64_t version, std::string_view member);
void ForgetPickHint(uint64_t version);
void ForgetPickHints();
// Tests: with hints off, no mirror is found or kept (every pick is made by seeks).
void SetPickHintsEnabledForTest(bool on);
bool PickHintsEnabled();

}  // namespace redraft::commands::set_detail
