// The users a node enforces: an in-memory mirror of the ACL records in the replicated state
// (docs/acl.md), plus what is this node's own as in Redis: requirepass (the default user's
// password) and the ACL LOG. The server replaces the users whenever the replicated state changes
// (an applied ACL SETUSER/DELUSER, a snapshot installed, start-up); generation() changes with
// every replacement so connections can revalidate a cached user. Not thread-safe: used on the
// event loop only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "acl/acl_log.h"
#include "acl/user.h"

namespace redraft::acl {

class Registry {
 public:
  explicit Registry(const CommandSet* commands);

  const CommandSet* commands() const { return commands_; }
  // Replaces every user. `stored` maps a name to its Ops() as persisted; a missing "default"
  // is Redis's default user. Ops that no longer parse (a command removed since) are skipped
  // with the rest of that user kept (Redis's ACL LOAD refuses the file instead).
  void Replace(const std::map<std::string, std::vector<std::string>>& stored);
  // requirepass: non-empty sets the default user's only password ("resetpass >pass"), empty
  // leaves the stored default user as it is (Redis's ACLUpdateDefaultUserPassword applied on
  // top of the replicated state, on this node).
  void SetRequirePass(std::string pass);

  // Null if no such user. The pointer stays valid while the caller holds it.
  std::shared_ptr<const User> Find(const std::string& name) const;
  const std::map<std::string, std::shared_ptr<const User>>& users() const { return users_; }
  // Whether a new connection starts authenticated as "default" (on and nopass).
  bool DefaultOpensWithoutPassword() const;
  uint64_t generation() const { return generation_; }
  // Counts applied ACL LOADs (NoteLoad, before the Replace that follows it). As Redis, whose ACL
  // LOAD frees every user object, a load closes the connections of every user but "default".
  uint64_t load_epoch() const { return load_epoch_; }
  void NoteLoad() { load_epoch_++; }

  DenialLog& log() { return log_; }

 private:
  void ApplyRequirePass();

  const CommandSet* commands_;
  std::map<std::string, std::shared_ptr<const User>> users_;
  std::map<std::string, std::vector<std::string>> stored_;
  std::string requirepass_;
  uint64_t generation_ = 1;
  uint64_t load_epoch_ = 0;
  DenialLog log_;
};

}  // namespace redraft::acl
