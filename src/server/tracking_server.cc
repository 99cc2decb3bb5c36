// The server's side of client-side caching (docs/tracking.md): CLIENT TRACKING's state per
// connection (server/tracking.h), remembering the keys tracking clients read, and delivering the
// invalidations that this node's applies produce (StateMachine::SetChangeObserver), as Redis 7.0
// frames them: a RESP3 push [invalidate, keys | null], or for a RESP2 client that redirects, a
// `message` on __redis__:invalidate to the redirect target, which must be subscribed to something.
// Invariants: invalidations come only from this node's applies (never from peers), so each
// tracking client gets each one once, whatever node took the write; a message queued for a
// connection goes behind its pending replies (Server::Reply), so an invalidation never reaches a
// client ahead of the reply of a read that it makes stale, nor ahead of its own write's reply.
#include <string>

#include "commands/args.h"
#include "commands/command_info.h"
#include "commands/scripting_cmds.h"
#include "commands/transactions.h"
#include "server/server.h"

namespace redraft::server {
namespace {

void AppendBulk(std::string* out, std::string_view s) {
  out->append("$").append(std::to_string(s.size())).append("\r\n").append(s).append("\r\n");
}

bool IsScript(std::string_view name) {
  return name.starts_with("eval") || name.starts_with("fcall");
}

}  // namespace

bool Server::ClientExists(uint64_t id) {
  auto it = clients_.find(id);
  return it != clients_.end() && !it->second->closing;
}

std::string Server::TrackingOn(uint64_t client, const commands::TrackingOptions& o) {
  return tracking_.Enable(client, o);
}

void Server::TrackingOff(uint64_t client) { tracking_.Disable(client); }

std::string Server::Caching(uint64_t client, bool yes) {
  TrackingTable::Client* st = tracking_.Find(client);
  if (!st || !st->on) return "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";
  if (yes && !st->optin) return "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
  if (!yes && !st->optout) return "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";
  st->caching = true;
  return "";
}

commands::TrackingInfo Server::Info(uint64_t client) {
  commands::TrackingInfo info;
  TrackingTable::Client* st = tracking_.Find(client);
  if (!st) return info;
  info.on = st->on;
  info.bcast = st->bcast;
  info.optin = st->optin;
  info.optout = st->optout;
  info.caching = st->caching;
  info.noloop = st->noloop;
  info.broken_redirect = st->broken_redirect;
  info.redirect = st->redirect;
  info.prefixes.assign(st->prefixes.begin(), st->prefixes.end());
  return info;
}

// Called as a command is dispatched (queued = it was queued inside MULTI). Reads of a
// default-mode client remember their keys now, before they run: an invalidation caused by a write
// applied before the read runs is queued behind the read's reply, so the client drops what it
// read, which is safe. CLIENT CACHING lasts for the next command (the whole MULTI ... EXEC).
void Server::TrackCommand(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv,
                          bool queued) {
  TrackingTable::Client* st = tracking_.Find(c->id);
  if (!st || !st->on) return;
  bool converted = argv.empty() || !commands::Lookup(argv[0]) || commands::Lookup(argv[0]) != &spec;
  if (!queued && c->pending_writes == 0) st->inflight.clear();  // no write of ours in flight
  bool cacheable = !st->bcast && (st->optin ? st->caching : !(st->optout && st->caching));
  if (commands::IsDataRead(spec) && !IsScript(spec.name)) {
    if (cacheable) {
      std::vector<std::string_view> keys;
      for (size_t pos : commands::KeyPositions(spec, argv)) keys.emplace_back(argv[pos]);
      tracking_.Remember(c->id, keys);
    }
  } else if (IsScript(spec.name) && cacheable) {
    // A script's declared keys, as Redis 7.0 remembers them (the caller's keys, once the script
    // runs a read command; here before it runs, like any read: docs/tracking.md).
    std::vector<std::string> keys = commands::ScriptDeclaredKeys(argv);
    tracking_.Remember(c->id, std::vector<std::string_view>(keys.begin(), keys.end()));
    if (st->noloop && !converted) {
      for (const std::string& k : keys) st->inflight.insert(k);
    }
  } else if (st->noloop && !converted) {
    for (size_t pos : commands::KeyPositions(spec, argv)) st->inflight.emplace(argv[pos]);
  }
  // CLIENT CACHING queued inside MULTI applies to the reads queued after it (they are
  // remembered now); EXEC runs it again, and TrackingAfterExec clears it afterwards.
  if (queued && spec.name == "client" && argv.size() == 3 && commands::EqualsIgnoreCase(argv[1], "caching")) {
    if ((st->optin && commands::EqualsIgnoreCase(argv[2], "yes")) ||
        (st->optout && commands::EqualsIgnoreCase(argv[2], "no"))) {
      st->caching = true;
    }
  }
  if (!queued && spec.name != "client" && !c->in_multi && spec.name != "exec") st->caching = false;
}

void Server::LimitTrackingTable() {
  std::vector<TrackingTable::Message> msgs;
  tracking_.LimitKeys(static_cast<size_t>(cfg_.tracking_table_max_keys), &msgs);
  for (const TrackingTable::Message& m : msgs) SendInvalidation(m);
}

void Server::TrackingAfterExec(Connection* c) {
  if (TrackingTable::Client* st = tracking_.Find(c->id)) st->caching = false;
}

void Server::OnKeysChanged(std::vector<std::string>&& changes) {
  auto own = [this](uint64_t id, std::string_view key) {
    auto it = clients_.find(id);
    if (it == clients_.end() || it->second->pending_writes == 0) return false;
    TrackingTable::Client* st = tracking_.Find(id);
    return st && st->inflight.count(std::string(key)) > 0;
  };
  std::vector<TrackingTable::Message> msgs;
  std::vector<std::string> keys;
  for (std::string& change : changes) {
    if (!change.empty()) {
      keys.push_back(change.substr(1));  // [db][key] -> key: Redis's table ignores databases
      continue;
    }
    tracking_.KeysChanged(keys, own, &msgs);  // the keys before the flush, then the flush
    keys.clear();
    tracking_.Flushed(&msgs);
  }
  tracking_.KeysChanged(keys, own, &msgs);
  tracking_.TakeBroadcasts(own, &msgs);
  for (const TrackingTable::Message& m : msgs) SendInvalidation(m);
}

void Server::SendInvalidation(const TrackingTable::Message& m) {
  auto it = clients_.find(m.client);
  TrackingTable::Client* st = tracking_.Find(m.client);
  if (it == clients_.end() || it->second->closing || !st) return;
  Connection* c = it->second;
  Connection* target = c;
  if (st->redirect != 0) {
    auto r = clients_.find(st->redirect);
    if (r == clients_.end() || r->second->closing) {
      st->broken_redirect = true;
      if (c->session.proto > 2) {
        std::string frame = ">2\r\n";
        AppendBulk(&frame, "tracking-redir-broken");
        frame.append(":").append(std::to_string(st->redirect)).append("\r\n");
        Reply(c, frame);
      }
      return;
    }
    target = r->second;
  }
  std::string frame;
  if (target->session.proto > 2) {
    frame = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (target != c && pubsub_.ChannelAndPatternCount(target->id) + pubsub_.ShardCount(target->id) > 0) {
    frame = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;  // RESP2 without a subscribed redirect target: nowhere to say it (as Redis)
  }
  if (m.flush) {
    frame.append(c->session.proto > 2 ? "_\r\n" : "$-1\r\n");  // the tracking client's null (as Redis)
  } else {
    frame.append("*").append(std::to_string(m.keys.size())).append("\r\n");
    for (const std::string& k : m.keys) AppendBulk(&frame, k);
  }
  Reply(target, frame);
}

}  // namespace redraft::server
