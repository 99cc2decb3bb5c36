#include "commands/sets_pick_hint.h"

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

bool MemberMirror::FirstWithin(std::string_view start, std::string_view within, std::string* out) const {
  auto it = members.lower_bound(start);
  if (it == members.end() || std::string_view(*it).substr(0, within.size()) != within) return false;
  *out = *it;
  return true;
}

bool MemberMirror::LastWithin(std::string_view within, std::string* out) const {
  // The smallest string after every one starting with within ("" = none: the end).
  std::string before(within);
  while (!before.empty() && static_cast<uint8_t>(before.back()) == 0xff) before.pop_back();
  if (!before.empty()) before.back() = static_cast<char>(static_cast<uint8_t>(before.back()) + 1);
  auto it = before.empty() ? members.end() : members.lower_bound(before);
  if (it == members.begin()) return false;
  --it;
  if (std::string_view(*it).substr(0, within.size()) != within) return false;
  *out = *it;
  return true;
}

MemberMirror* FindPickHint(uint64_t version, uint64_t size) {
  Hints& h = AllHints();
  if (!h.enabled || h.by_version.empty()) return nullptr;
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return nullptr;
  if (it->second.members.size() != size) {  // out of step: never trust it
    ForgetPickHint(version);
    return nullptr;
  }
  return &it->second;
}

MemberMirror* KeepPickHint(uint64_t version, std::set<std::string, std::less<>> members) {
  Hints& h = AllHints();
  if (!h.enabled) return nullptr;
  ForgetPickHint(version);
  if (members.size() > kMirrorBudget) return nullptr;
  if (h.members + members.size() > kMirrorBudget) ForgetPickHints();
  h.members += members.size();
  MemberMirror& m = h.by_version[version];
  m.members = std::move(members);
  return &m;
}

bool ErasePicked(uint64_t version, std::string_view member) {
  Hints& h = AllHints();
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return false;
  auto m = it->second.members.find(member);
  if (m == it->second.members.end()) return false;
  it->second.members.erase(m);
  h.members--;
  return true;
}

void ForgetPickHint(uint64_t version) {
  Hints& h = AllHints();
  if (h.by_version.empty()) return;
  auto it = h.by_version.find(version);
  if (it == h.by_version.end()) return;
  h.members -= it->second.members.size();
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
