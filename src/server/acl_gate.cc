// The ACL check every client command passes on the node the client is connected to (Redis's
// processCommand: after NOAUTH, before the command runs or is proposed). The user is cached per
// connection and revalidated when the users change (Registry::generation).
#include <spdlog/spdlog.h>

#include "commands/acl_cmds.h"
#include "server/server.h"

namespace redraft::server {

bool Server::AclAllows(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  acl::Registry& reg = sm_->acl();
  if (c->acl_gen != reg.generation() || !c->acl_user || c->acl_user->name() != c->session.user) {
    c->acl_user = reg.Find(c->session.user);
    c->acl_gen = reg.generation();
    if (!c->acl_user) {
      // The user was deleted: Redis closes its connections.
      c->session.user = "default";
      c->session.authenticated = false;
      CloseConnection(c);
      return false;
    }
  }
  if (c->acl_user->unrestricted()) return true;
  acl::CheckResult r = commands::AclCheck(*c->acl_user, spec, argv);
  if (r.denial == acl::Denial::kNone) return true;
  AclLogDenial(c, r, spec, argv, c->in_multi);
  if (c->in_multi) FlagTransaction(c);  // as Redis: EXEC then answers EXECABORT
  std::string out;
  resp::ReplyBuilder(&out).Error(commands::AclDenialError(r, spec, argv));
  Reply(c, out);
  return false;
}

void Server::AclLogDenial(Connection* c, const acl::CheckResult& r, const commands::CommandSpec& spec,
                          const commands::Argv& argv, bool in_multi) {
  acl::LogEntry e;
  e.reason = r.denial;
  e.context = in_multi ? "multi" : "toplevel";
  e.object = r.denial == acl::Denial::kCommand
                 ? commands::AclCommandSet().at(commands::AclCommandId(spec, argv)).fullname
                 : argv[r.argpos];
  e.username = c->session.user;
  e.ctime_ms = LogClockMs();
  e.client_info = ClientList({c->id});
  while (!e.client_info.empty() && e.client_info.back() == '\n') e.client_info.pop_back();
  sm_->acl().log().Add(std::move(e));
}

std::string Server::AclExecRefusal(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  if (!c->acl_user || c->acl_user->unrestricted()) return {};
  acl::CheckResult r = commands::AclCheck(*c->acl_user, spec, argv);
  if (r.denial == acl::Denial::kNone) return {};
  AclLogDenial(c, r, spec, argv, /*in_multi=*/true);
  std::string out;
  resp::ReplyBuilder(&out).Error(commands::AclExecDenialError(r));
  return out;
}

}  // namespace redraft::server
