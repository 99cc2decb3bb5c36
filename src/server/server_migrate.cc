// MIGRATE's server half (commands/migrate.cc has the parsing and the payloads): the client's
// reply slot is reserved now; the conversation with the target runs on a worker
// (migrate_client.h); then either the slot is answered (an I/O error, COPY, or nothing to
// delete) or redraft.migrated is proposed with the slot's token, so the reply is the entry's and
// arrives once the acknowledged keys are deleted on this node.
#include "commands/command.h"
#include "commands/write_entry.h"
#include "server/migrate_client.h"
#include "server/server.h"

namespace redraft::server {

void Server::Migrate(uint64_t client_id, commands::MigrateRequest req, resp::ReplyBuilder& reply) {
  // Inside EXEC the reply must be produced now; the conversation cannot be (docs/dump_format.md).
  if (in_exec_) return reply.Error("ERR MIGRATE inside MULTI/EXEC is not supported by redraft");
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;
  Connection* c = it->second;
  uint64_t token = NewSlot(c, /*is_read=*/false);
  struct After {
    int proto, db;
    std::string user;
    bool auth, copy;
    std::vector<std::string> keys;
    std::vector<uint64_t> digests;
  };
  auto after = std::make_shared<After>(
      After{c->session.proto, c->session.db, c->session.user, req.auth, req.copy, req.keys, req.digests});
  RunMigrate(&loop_, req, [this, token, after](MigrateOutcome out) {
    if (!out.io_error.empty()) return AnswerSlot(token, "-" + out.io_error + "\r\n");
    // As Redis: an AUTH or SELECT error fails every key; otherwise each acknowledged key is
    // deleted and the first error (AUTH's, SELECT's, then the keys' in order) is the reply.
    size_t base = after->auth ? 2 : 1;
    std::string first_error;
    for (size_t i = 0; i < base; i++) {
      if (first_error.empty() && out.replies[i].starts_with("-")) first_error = out.replies[i];
    }
    commands::Argv argv{commands::kMigratedCommand, ""};
    for (size_t k = 0; k < after->keys.size(); k++) {
      const std::string& r = out.replies[base + k];
      if (r.starts_with("-")) {
        if (first_error.empty()) first_error = r;
      } else if (!after->copy) {
        argv.push_back(after->keys[k]);
        argv.push_back(std::to_string(after->digests[k]));
      }
    }
    std::string reply =
        first_error.empty() ? "+OK\r\n" : "-ERR Target instance replied with error: " + first_error.substr(1) + "\r\n";
    bool auth_or_select_failed = false;
    for (size_t i = 0; i < base; i++) auth_or_select_failed |= out.replies[i].starts_with("-");
    if (argv.size() == 2 || auth_or_select_failed || sm_->disk().WritesRefused()) {
      return AnswerSlot(token, std::move(reply));
    }
    argv[1] = reply;
    auto entry = commands::PrepareWrite(*commands::Lookup(commands::kMigratedCommand), std::move(argv), LogClockMs(),
                                        after->db);
    if (!entry.ok()) return AnswerSlot(token, std::move(reply));
    log_->Propose(std::move(entry).value(), token, after->proto);
  });
}

}  // namespace redraft::server
