// The server's side of Pub/Sub (docs/pubsub.md): subscriptions of this node's connections
// (server/pubsub.h holds the registry), delivery into their output buffers, the RESP2
// subscriber-mode gate, client-output-buffer-limit pubsub, the batch of publishes sent to every
// peer once per loop iteration, and keyspace notifications handed over by the state machine.
// Invariants: a message is delivered to a connection's output at most once, in the order this
// node saw the publishes (its own clients' in command order, each peer's in that peer's order);
// nothing here goes through the Raft log or waits for it.
#include <spdlog/spdlog.h>

#include <chrono>

#include "commands/args.h"
#include "commands/command_info.h"
#include "server/server.h"

namespace redraft::server {
namespace {

// A batch is sent as soon as it reaches this size (and otherwise at the end of the iteration),
// so it stays below the transport's chunk size: small frames are delivered in Send() order.
constexpr size_t kPeerBatchBytes = 256 * 1024;

std::string_view SubscribeName(commands::PubsubKind kind) {
  switch (kind) {
    case commands::PubsubKind::kChannel: return "subscribe";
    case commands::PubsubKind::kPattern: return "psubscribe";
    case commands::PubsubKind::kShard: return "ssubscribe";
  }
  return "";
}

std::string_view UnsubscribeName(commands::PubsubKind kind) {
  switch (kind) {
    case commands::PubsubKind::kChannel: return "unsubscribe";
    case commands::PubsubKind::kPattern: return "punsubscribe";
    case commands::PubsubKind::kShard: return "sunsubscribe";
  }
  return "";
}

int64_t NowMsWall() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t CountFor(const PubsubRegistry& reg, uint64_t client, commands::PubsubKind kind) {
  return static_cast<int64_t>(kind == commands::PubsubKind::kShard ? reg.ShardCount(client)
                                                                   : reg.ChannelAndPatternCount(client));
}

}  // namespace

void Server::Subscribe(uint64_t client, commands::PubsubKind kind, const std::vector<std::string>& names,
                       resp::ReplyBuilder& reply) {
  std::string frames;
  for (const std::string& name : names) {
    pubsub_.Subscribe(client, kind, name);
    AppendSubscriptionFrame(&frames, reply.proto(), SubscribeName(kind), &name, CountFor(pubsub_, client, kind));
  }
  reply.Raw(frames);
}

void Server::Unsubscribe(uint64_t client, commands::PubsubKind kind, const std::vector<std::string>& names,
                         resp::ReplyBuilder& reply) {
  std::string frames;
  std::vector<std::string> all;
  const std::vector<std::string>* list = &names;
  if (names.empty()) {
    all = pubsub_.ClientSubscriptions(client, kind);
    list = &all;
    if (all.empty()) {  // Redis answers with a nil name and the count
      AppendSubscriptionFrame(&frames, reply.proto(), UnsubscribeName(kind), nullptr, CountFor(pubsub_, client, kind));
    }
  }
  for (const std::string& name : *list) {
    pubsub_.Unsubscribe(client, kind, name);
    AppendSubscriptionFrame(&frames, reply.proto(), UnsubscribeName(kind), &name, CountFor(pubsub_, client, kind));
  }
  reply.Raw(frames);
}

int64_t Server::Publish(bool shard, const std::string& channel, const std::string& message) {
  size_t n = DeliverLocal(shard, channel, message);
  AppendPublish(&pubsub_batch_, shard, channel, message);
  if (pubsub_batch_.size() >= kPeerBatchBytes) SendPubsubBatch();
  return static_cast<int64_t>(n);
}

std::vector<std::string> Server::Channels(commands::PubsubKind kind, const std::string* pattern) {
  return pubsub_.Channels(kind, pattern);
}
int64_t Server::NumSub(commands::PubsubKind kind, const std::string& channel) {
  return static_cast<int64_t>(pubsub_.NumSub(kind, channel));
}
int64_t Server::NumPat() { return static_cast<int64_t>(pubsub_.NumPat()); }

void Server::ResetConnection(uint64_t client_id) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;
  EndTransaction(it->second);
  pubsub_.RemoveClient(client_id);
  tracking_.Disable(client_id);  // RESET turns tracking off
}

size_t Server::DeliverLocal(bool shard, std::string_view channel, std::string_view payload) {
  if (pubsub_.empty()) return 0;
  int64_t now = 0;
  std::string frames[2];  // the channel message encoded once per protocol (RESP2, RESP3)
  size_t n = pubsub_.ForEachReceiver(
      shard ? commands::PubsubKind::kShard : commands::PubsubKind::kChannel, channel,
      [&](uint64_t client, const std::string* pattern) {
        auto it = clients_.find(client);
        if (it == clients_.end() || it->second->closing) return;
        Connection* c = it->second;
        // Straight into the output: a pending reply's slot (RESP3) is answered later, which
        // is an order Redis could also have produced (the message arrived before the reply).
        if (pattern) {
          AppendPatternMessageFrame(&c->out, c->session.proto, *pattern, channel, payload);
        } else {
          std::string& f = frames[c->session.proto >= 3 ? 1 : 0];
          if (f.empty()) AppendMessageFrame(&f, c->session.proto, shard, channel, payload);
          c->out.append(f);
        }
        MarkDirty(c);
        if (now == 0) now = NowMsWall();
        if (OverPubsubLimit(c, now)) pubsub_overflow_.push_back(client);
      });
  // Closed after the walk: closing changes the registry.
  for (uint64_t id : pubsub_overflow_) {
    if (auto it = clients_.find(id); it != clients_.end()) CloseConnection(it->second);
  }
  pubsub_overflow_.clear();
  return n;
}

// Redis's checkClientOutputBufferLimits for the pubsub class: over the hard limit at once, or
// over the soft limit for longer than soft-seconds (judged when more output arrives).
bool Server::OverPubsubLimit(Connection* c, int64_t now_ms) {
  const Config::OutputLimit& lim = cfg_.pubsub_output_limit;
  size_t used = c->out.size() + c->write_buf.size();
  bool over = lim.hard > 0 && static_cast<int64_t>(used) >= lim.hard;
  if (!over && lim.soft > 0 && static_cast<int64_t>(used) >= lim.soft) {
    if (c->obuf_soft_since_ms == 0) c->obuf_soft_since_ms = now_ms;
    else over = now_ms - c->obuf_soft_since_ms > lim.soft_seconds * 1000;
  } else if (!over) {
    c->obuf_soft_since_ms = 0;
  }
  if (over) {
    pubsub_limit_disconnects_++;
    spdlog::warn("Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.", c->id,
                 c->addr);
  }
  return over;
}

bool Server::SubscriberModeRefuses(Connection* c, const commands::CommandSpec& spec, const commands::Argv& argv) {
  if (c->session.proto != 2 || !pubsub_.IsSubscriber(c->id)) return false;
  static constexpr std::string_view kAllowed[] = {"subscribe",  "ssubscribe",   "unsubscribe", "sunsubscribe",
                                                  "psubscribe", "punsubscribe", "quit",        "reset"};
  for (std::string_view a : kAllowed) {
    if (spec.name == a) return false;
  }
  if (spec.name == "ping") {
    if (argv.size() > 2) return false;  // PING's own arity error
    std::string out;
    resp::ReplyBuilder rb(&out, 2);
    rb.ArrayHeader(2);
    rb.Bulk("pong");
    rb.Bulk(argv.size() == 2 ? std::string_view(argv[1]) : std::string_view());
    Reply(c, out);
    return true;
  }
  const commands::CommandSpec* named = commands::LookupArgv(argv);
  std::string name(named ? named->name : spec.name);
  FlagTransaction(c);
  std::string out;
  resp::ReplyBuilder(&out).Error("ERR Can't execute '" + name +
                                 "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
                                 "context");
  Reply(c, out);
  return true;
}

void Server::SendPubsubBatch() {
  if (pubsub_batch_.empty()) return;
  log_->BroadcastPubsub(std::move(pubsub_batch_));
  pubsub_batch_.clear();
}

void Server::OnPeerPublishes(std::string_view batch) {
  bool ok = DecodePublishBatch(batch, [this](bool shard, std::string_view channel, std::string_view payload) {
    pubsub_peer_messages_++;
    DeliverLocal(shard, channel, payload);
  });
  if (!ok) {
    pubsub_peer_dropped_batches_++;
    spdlog::warn("pubsub: a malformed publish batch from a peer was cut short");
  }
}

// Keyspace notifications of entries this node applied: to this node's subscribers only (every
// node applies every entry and so emits its own; forwarding would deliver them twice).
void Server::PublishKeyEvents(std::vector<commands::KeyEvent>&& events) {
  uint32_t flags = cfg_.notify_keyspace_events;
  for (const commands::KeyEvent& e : events) {
    if (flags & commands::kNotifyKeyspace) DeliverLocal(false, commands::KeyspaceChannel(e.db, e.key), e.event);
    if (flags & commands::kNotifyKeyevent) DeliverLocal(false, commands::KeyeventChannel(e.db, e.event), e.key);
  }
}

}  // namespace redraft::server
