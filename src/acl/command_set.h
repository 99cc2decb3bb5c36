// The commands ACL rules can name, handed in by the command layer (see category.h for what acl/
// owns). A command has an id (its index), a lower-case full name ("get", "client|id"), its
// categories and, for a container, its subcommands. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace redraft::acl {

struct CommandDesc {
  std::string fullname;  // lower case; "parent|sub" for a subcommand
  uint32_t categories = 0;
  bool no_auth = false;  // Redis's no-auth flag: never denied by command rules (AUTH, HELLO)
  int parent = -1;       // id of the container, -1 for a top-level command
};

class CommandSet {
 public:
  // REQUIRES: a subcommand comes after its parent; names unique.
  explicit CommandSet(std::vector<CommandDesc> commands);

  size_t size() const { return cmds_.size(); }
  const CommandDesc& at(int id) const { return cmds_[id]; }
  // Case-insensitive; "client|id" finds a subcommand. -1 if unknown.
  int Find(std::string_view fullname) const;
  // Top-level ids in table order; a container's subcommand ids in table order.
  const std::vector<int>& top_level() const { return top_; }
  const std::vector<int>& children(int id) const { return children_[id]; }

 private:
  std::vector<CommandDesc> cmds_;
  std::vector<int> top_;
  std::vector<std::vector<int>> children_;
  std::unordered_map<std::string, int> by_name_;
};

}  // namespace redraft::acl
