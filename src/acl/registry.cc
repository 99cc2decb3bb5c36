#include "acl/registry.h"

namespace redraft::acl {

Registry::Registry(const CommandSet* commands) : commands_(commands) { Replace({}); }

void Registry::Replace(const std::map<std::string, std::vector<std::string>>& stored) {
  stored_ = stored;
  users_.clear();
  for (const auto& [name, ops] : stored_) {
    User u(name, commands_);
    for (const std::string& op : ops) (void)u.SetOp(op);
    users_[name] = std::make_shared<const User>(std::move(u));
  }
  if (!users_.count("default")) users_["default"] = std::make_shared<const User>(User::Default(commands_));
  ApplyRequirePass();
  generation_++;
}

void Registry::SetRequirePass(std::string pass) {
  requirepass_ = std::move(pass);
  Replace(std::map<std::string, std::vector<std::string>>(stored_));
}

void Registry::ApplyRequirePass() {
  if (requirepass_.empty()) return;
  User d = *users_["default"];
  (void)d.SetOp("resetpass");
  (void)d.SetOp(">" + requirepass_);
  users_["default"] = std::make_shared<const User>(std::move(d));
}

std::shared_ptr<const User> Registry::Find(const std::string& name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

bool Registry::DefaultOpensWithoutPassword() const {
  auto d = Find("default");
  return d && d->enabled() && d->nopass();
}

}  // namespace redraft::acl
