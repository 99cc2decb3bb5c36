#include "commands/sets_pick_hint.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace redraft::commands::set_detail {

namespace {

struct Hints {
  std::unordered_map<uint64_t, MemberMirror> by_version;
  uint64_t members = 0;  // over all mirrors
  bool enabled = true;
};
Hints& AllHints() {
  static Hints h;  // the apply thread only
  return h;
}

}  // namespace

MemberMirror::MemberMirror(std::vector<std::string> sorted)
    : sorted_(std::move(sorted)), next_(sorted_.size() + 1), prev_(sorted_.size() + 1), alive_(sorted_.size()) {
  for (size_t i = 0; i <= sorted_.size(); i++) next_[i] = prev_[i] = static_cast<uint32_t>(i);
}

size_t MemberMirror::NextAlive(size_t i) {
  size_t root = i;
  while (next_[root] != root) root = next_[root];
  while (next_[i] != root) {  // path compression
    size_t up = next_[i];
    next_[i] = static_cast<uint32_t>(root);
    i = up;
  }
  return root;
}

size_t MemberMirror::PrevAliveBelow(size_t j) {
  size_t root = j;
  while (prev_[root] != root) root = prev_[root];
  while (prev_[j] != root) {
    size_t up = prev_[j];
    prev_[j] = static_cast<uint32_t>(root);
    j = up;
  }
  return root;
}

bool MemberMirror::FirstWithin(std::string_view start, std::string_view within, std::string* out) {
  size_t i = std::lower_bound(sorted_.begin(), sorted_.end(), start) - sorted_.begin();
  i = NextAlive(i);
  if (i == sorted_.size() || std::string_view(sorted_[i]).substr(0, within.size()) != within) return false;
  *out = sorted_[i];
  return true;
}

bool MemberMirror::LastWithin(std::string_view within, std::string* out) {
  // The smallest string after every one starting with within ("" = none: the end).
  std::string before(within);
  while (!before.empty() && static_cast<uint8_t>(before.back()) == 0xff) before.pop_back();
  if (!before.empty()) before.back() = static_cast<char>(static_cast<uint8_t>(before.back()) + 1);
  size_t j = before.empty() ? sorted_.size()
                            : std::lower_bound(sorted_.begin(), sorted_.end(), before) - sorted_.begin();
  size_t p = PrevAliveBelow(j);  // live index p - 1 < j
  if (p == 0 || std::string_view(sorted_[p - 1]).substr(0, within.size()) != within) return false;
  *out = sorted_[p - 1];
  return true;
}

bool MemberMirror::Erase(std::string_view member) {
  size_t i = std::lower_bound(sorted_.begin(), sorted_.end(), member) - sorted_.begin();
  if (i == sorted_.size() || sorted_[i] != member || next_[i] != i) return false;
  next_[i] = static_cast<uint32_t>(i + 1);
  prev_[i + 1] = static_cast<uint32_t>(i);
  alive_--;
  return true;
}

MemberMirror* FindPickHint(uint64_t version, uint64_t size) {
  Hints& h = AllHints();
  if (!h.enabled || h.by_version.empty()) return nullptr;
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return nullptr;
  if (it->second.size() != size) {  // out of step: never trust it
    ForgetPickHint(version);
    return nullptr;
  }
  return &it->second;
}

MemberMirror* KeepPickHint(uint64_t version, std::vector<std::string> members) {
  Hints& h = AllHints();
  if (!h.enabled) return nullptr;
  ForgetPickHint(version);
  if (members.size() > kMirrorBudget) return nullptr;
  if (h.members + members.size() > kMirrorBudget) ForgetPickHints();
  h.members += members.size();
  return &h.by_version.try_emplace(version, std::move(members)).first->second;
}

bool ErasePicked(uint64_t version, std::string_view member) {
  Hints& h = AllHints();
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return false;
  if (!it->second.Erase(member)) return false;
  h.members--;
  return true;
}

void ForgetPickHint(uint64_t version) {
  Hints& h = AllHints();
  if (h.by_version.empty()) return;
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return;
  h.members -= it->second.size();
  h.by_version.erase(it);
}

void SetPickHintsEnabledForTest(bool on) { AllHints().enabled = on; }
bool PickHintsEnabled() { return AllHints().enabled; }

void ForgetPickHints() {
  Hints& h = AllHints();
  h.by_version.clear();
  h.members = 0;
}

}  // namespace redraft::commands::set_detail
