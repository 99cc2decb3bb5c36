#include "acl/command_set.h"

#include <cctype>

namespace redraft::acl {

CommandSet::CommandSet(std::vector<CommandDesc> commands) : cmds_(std::move(commands)), children_(cmds_.size()) {
  for (size_t i = 0; i < cmds_.size(); i++) {
    by_name_.emplace(cmds_[i].fullname, static_cast<int>(i));
    if (cmds_[i].parent < 0) top_.push_back(static_cast<int>(i));
    else children_[cmds_[i].parent].push_back(static_cast<int>(i));
  }
}

int CommandSet::Find(std::string_view fullname) const {
  std::string lower(fullname);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = by_name_.find(lower);
  return it == by_name_.end() ? -1 : it->second;
}

}  // namespace redraft::acl
