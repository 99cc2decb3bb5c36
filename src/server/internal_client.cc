// Internal clients: sessions of layers above server/ (the HTTP port) that have no socket. They are
// ordinary Connections (same id space, CLIENT LIST, auth, ACL, MULTI, reply slots, the Raft
// write path and linearizable reads) whose input is fed by the caller and whose output goes to a
// callback instead of a socket. Their uv handle is initialised but never connected, so the socket
// calls the shared code makes on it (read start/stop) fail harmlessly, and closing frees the
// Connection through the same uv_close callback as any client.
#include "observability/batch_clock.h"
#include "server/server.h"

namespace redraft::server {

uint64_t Server::OpenInternalClient(const std::string& name, InternalOutput on_output) {
  Connection* c = NewConnection();
  c->internal_output = std::move(on_output);
  c->reading = false;
  InitConnection(c, name, name);  // as a new TCP client: id, auth, limits, counted
  return c->id;
}

bool Server::FeedInternalClient(uint64_t id, std::string_view resp_bytes) {
  auto it = clients_.find(id);
  if (it == clients_.end() || !it->second->internal_output || it->second->closing) return false;
  Connection* c = it->second;
  net_input_bytes_ += resp_bytes.size();
  c->query.append(resp_bytes);
  c->last_interaction_ms = NowMs();
  observability::Batch().Invalidate();  // as a socket read callback: one batch
  ProcessInput(c);
  return true;
}

bool Server::InternalClientAuthenticated(uint64_t id) const {
  auto it = clients_.find(id);
  return it != clients_.end() && it->second->session.authenticated;
}

void Server::CloseInternalClient(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end() || !it->second->internal_output) return;
  CloseConnection(it->second);  // calls its output once more, ("", true): owners must expect it
}

void Server::WriteInternal(Connection* c) {
  if (!c->out.empty()) {
    net_output_bytes_ += c->out.size();
    std::string bytes = std::move(c->out);
    c->out.clear();
    c->internal_output(bytes, false);  // may feed the next command (re-entering ProcessInput)
  }
  if (!c->closing && c->close_after_reply && c->slots.empty()) CloseConnection(c);
}

}  // namespace redraft::server
