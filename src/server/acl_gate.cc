// The ACL check every client command passes on the node the client is connected to (Redis's
// processCommand: after NOAUTH, before the command runs or is proposed). The user is cached per
// connection and revalidated when the users change (Registry::generation).
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/acl_cmds.h"
#include "commands/args.h"
#include "commands/scripting_cmds.h"
#include "commands/write_entry.h"
#include "server/server.h"

namespace redraft::server {

bool Server::AclAllows(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  acl::Registry& reg = sm_->acl();
  if (c->acl_gen != reg.generation() || !c->acl_user || c->acl_user->name() != c->session.user) {
    // Authenticated as another user since (AUTH, HELLO): judged by the users as they are now.
    bool reauth = !c->acl_user || c->acl_user->name() != c->session.user;
    bool loaded = !reauth && c->acl_load_epoch != reg.load_epoch() && c->session.user != "default";
    c->acl_user = reg.Find(c->session.user);
    c->acl_gen = reg.generation();
    c->acl_load_epoch = reg.load_epoch();
    if (!c->acl_user || loaded) {
      // The user was deleted, or replaced by an ACL LOAD: Redis closes its connections.
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
  // Scripts queued in MULTI are already in their log form (ScriptFormInMulti): judge EVAL & co.
  commands::Argv client;
  const commands::CommandSpec* client_spec = commands::ScriptClientForm(spec, argv, &client);
  const commands::CommandSpec& s = client_spec ? *client_spec : spec;
  const commands::Argv& a = client_spec ? client : argv;
  acl::CheckResult r = commands::AclCheck(*c->acl_user, s, a);
  if (r.denial == acl::Denial::kNone) return {};
  AclLogDenial(c, r, s, a, /*in_multi=*/true);
  std::string out;
  resp::ReplyBuilder(&out).Error(commands::AclExecDenialError(r));
  return out;
}

}  // namespace redraft::server

// --- the ACL file (docs/acl.md "ACL file") ---

namespace redraft::server {
namespace {

// Writes path atomically (temp file, fsync, rename, fsync of the directory), as Redis's
// ACLSaveToFile. An error (never a panic: the file is a copy, the users are replicated state)
// names what failed.
Status WriteAclFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("opening temp ACL file " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IOError("writing temp ACL file " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("syncing temp ACL file " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::IOError("renaming " + tmp + " to " + path + ": " + std::strerror(e));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

}  // namespace

acl::AclFileResult Server::ReadAclFile() const {
  acl::AclFileResult res;
  std::ifstream in(cfg_.aclfile, std::ios::binary);
  if (!in) {
    res.error = "Error loading ACLs, opening file '" + cfg_.aclfile + "': " + std::strerror(errno);
    return res;
  }
  std::stringstream text;
  text << in.rdbuf();
  return acl::ParseAclFile(text.str(), cfg_.aclfile, &commands::AclCommandSet());
}

bool Server::AclFileCommand(Connection* c, const commands::CommandSpec** spec, commands::Argv* argv) {
  static const commands::CommandSpec* const kAcl = commands::Lookup("acl");  // on every command: cheap tests
  if (cfg_.aclfile.empty() || *spec != kAcl || argv->size() != 2) return false;
  auto error = [&](const std::string& msg) {
    std::string out;
    resp::ReplyBuilder(&out).Error(msg);
    Reply(c, out);
  };
  if (commands::EqualsIgnoreCase((*argv)[1], "save")) {
    // What this node enforces (its requirepass included, as ACL LIST shows it).
    Status st = WriteAclFile(cfg_.aclfile, acl::FormatAclFile(sm_->acl().users()));
    if (!st.ok()) {
      spdlog::warn("ACL SAVE: {}", st.message());
      error("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
    } else {
      Reply(c, "+OK\r\n");
    }
    return true;
  }
  if (commands::EqualsIgnoreCase((*argv)[1], "load")) {
    acl::AclFileResult file = ReadAclFile();
    if (file.error) {
      error("ERR " + *file.error);
      return true;
    }
    // One log entry: every node replaces its users with the file's, all or nothing.
    *argv = commands::AclLoadForm(file.users, /*seed=*/false);
    *spec = commands::Lookup("redraft.aclload");
    return false;
  }
  return false;
}

void Server::SeedAclFromFile(int64_t now_ms) {
  if (!acl_seed_) return;
  if (commands::AclStateManaged(*store_)) {  // users were seeded or made since: the state rules
    acl_seed_.reset();
    return;
  }
  if (!log_->is_leader() || now_ms < acl_seed_next_ms_ || sm_->disk().WritesRefused()) return;
  acl_seed_next_ms_ = now_ms + 1000;  // retried until applied (the entry is a no-op if users exist)
  auto entry = commands::PrepareWrite(*commands::Lookup("redraft.aclload"), commands::AclLoadForm(*acl_seed_, true),
                                      LogClockMs());
  if (!entry.ok()) {
    spdlog::warn("aclfile {}: cannot seed the users: {}", cfg_.aclfile, entry.status().message());
    acl_seed_.reset();
    return;
  }
  uint64_t token = next_token_++;
  proposals_.Put(token, 0);  // nobody waits for the reply
  log_->Propose(std::move(entry).value(), token, 2);
}

}  // namespace redraft::server
