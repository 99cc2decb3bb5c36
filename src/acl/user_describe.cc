// How a user is described: Redis 7.0's ACLDescribeUser and ACLDescribeSelectorCommandRules,
// including its best-fit choice of categories, so ACL LIST and GETUSER answer byte for byte as
// Redis does. (Redis emits single-command rules in its hash table's order, random per process;
// here they come in table order: see docs/acl.md.)
#include <climits>

#include "acl/category.h"
#include "acl/user.h"

namespace redraft::acl {

class Describer {
 public:
  // Redis's ACLDescribeSelectorCommandRules, as a list of rules.
  static std::vector<std::string> CommandRules(const User& u) {
    std::vector<std::string> rules;
    const CommandSet& cs = *u.commands_;
    User fake(u.name_, u.commands_);
    bool additive = !u.future_;
    rules.push_back(additive ? "-@all" : "+@all");
    fake.AllCommands(!additive);
    User temp = u;
    bool applied[kCategoryCount] = {};
    while (true) {
      int best = -1;
      unsigned long mindiff = INT_MAX, maxsame = 0;
      for (int j = 0; j < kCategoryCount; j++) {
        if (applied[j]) continue;
        unsigned long on = 0, off = 0;
        for (size_t id = 0; id < cs.size(); id++) {
          if (cs.at(static_cast<int>(id)).categories & (1u << j)) (temp.Bit(static_cast<int>(id)) ? on : off)++;
        }
        unsigned long diff = additive ? off : on, same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best == -1) break;
      fake.SetCategory(1u << best, additive);
      temp.SetCategory(1u << best, !additive);
      rules.push_back(std::string(additive ? "+@" : "-@") + std::string(kCategoryNames[best]));
      applied[best] = true;
    }
    for (int top : cs.top_level()) SingleCommand(u, &fake, top, &rules);
    return rules;
  }

 private:
  static void SingleCommand(const User& u, User* fake, int id, std::vector<std::string>* rules) {
    const CommandSet& cs = *u.commands_;
    bool userbit = u.Bit(id);
    if (userbit != fake->Bit(id)) {
      rules->push_back((userbit ? "+" : "-") + cs.at(id).fullname);
      fake->ChangePerm(id, userbit);
    }
    for (int sub : cs.children(id)) SingleCommand(u, fake, sub, rules);
    auto it = u.firstargs_.find(id);
    if (!userbit && it != u.firstargs_.end()) {
      for (const std::string& a : it->second) rules->push_back("+" + cs.at(id).fullname + "|" + a);
    }
  }
};

std::vector<std::string> User::FlagNames() const {
  std::vector<std::string> f;
  f.push_back(enabled_ ? "on" : "off");
  if (nopass_) f.push_back("nopass");
  if (sanitize_ == Sanitize::kSkip) f.push_back("skip-sanitize-payload");
  if (sanitize_ == Sanitize::kSanitize) f.push_back("sanitize-payload");
  return f;
}

namespace {
std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out.push_back(' ');
    out.append(s);
  }
  return out;
}
}  // namespace

std::vector<std::string> User::Ops() const {
  std::vector<std::string> ops = FlagNames();
  for (const std::string& p : passwords_) ops.push_back("#" + p);
  for (std::string& op : SelectorOps()) ops.push_back(std::move(op));
  for (const User& sel : selectors_) ops.push_back("(" + Join(sel.SelectorOps()) + ")");
  return ops;
}

std::vector<std::string> User::SelectorOps() const {
  std::vector<std::string> ops;
  if (allkeys_) {
    ops.push_back("~*");
  } else {
    for (const KeyPattern& k : keys_) {
      ops.push_back((k.perm == kKeyAll ? "~" : k.perm == kKeyRead ? "%R~" : "%W~") + k.pattern);
    }
  }
  if (allchannels_) {
    ops.push_back("&*");
  } else {
    ops.push_back("resetchannels");
    for (const std::string& c : channels_) ops.push_back("&" + c);
  }
  for (std::string& r : Describer::CommandRules(*this)) ops.push_back(std::move(r));
  return ops;
}

std::string User::Describe() const { return Join(Ops()); }

std::string User::DescribeCommands() const { return Join(Describer::CommandRules(*this)); }

std::string User::DescribeKeys() const {
  if (allkeys_) return "~*";
  std::vector<std::string> v;
  for (const KeyPattern& k : keys_) v.push_back((k.perm == kKeyAll ? "~" : k.perm == kKeyRead ? "%R~" : "%W~") + k.pattern);
  return Join(v);
}

std::string User::DescribeChannels() const {
  if (allchannels_) return "&*";
  std::vector<std::string> v;
  for (const std::string& c : channels_) v.push_back("&" + c);
  return Join(v);
}

}  // namespace redraft::acl
