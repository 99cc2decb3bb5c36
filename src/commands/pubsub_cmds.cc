// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB, and RESET (which
// leaves subscriber mode, among the rest of a connection's state). Syntax and replies live here;
// the registry, delivery and the peers are the server's (PubsubApi, server/pubsub.h). None of
// these is a log write: a message is not state (docs/pubsub.md).
#include "acl/registry.h"
#include "commands/args.h"
#include "commands/command.h"
#include "commands/command_info.h"
#include "commands/pubsub_api.h"
#include "commands/server_api.h"

namespace redraft::commands {
namespace {

PubsubApi* Api(ExecContext& ctx) {
  PubsubApi* api = ctx.server ? ctx.server->pubsub() : nullptr;
  if (!api) ctx.reply.Error("ERR Pub/Sub is not available here");
  return api;
}

Argv Names(const Argv& argv, size_t from) { return Argv(argv.begin() + static_cast<long>(from), argv.end()); }

void Subscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Subscribe(ctx.session.id, PubsubKind::kChannel, Names(argv, 1), ctx.reply);
}
void Psubscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Subscribe(ctx.session.id, PubsubKind::kPattern, Names(argv, 1), ctx.reply);
}
void Ssubscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Subscribe(ctx.session.id, PubsubKind::kShard, Names(argv, 1), ctx.reply);
}
void Unsubscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Unsubscribe(ctx.session.id, PubsubKind::kChannel, Names(argv, 1), ctx.reply);
}
void Punsubscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Unsubscribe(ctx.session.id, PubsubKind::kPattern, Names(argv, 1), ctx.reply);
}
void Sunsubscribe(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) api->Unsubscribe(ctx.session.id, PubsubKind::kShard, Names(argv, 1), ctx.reply);
}

// The reply is the number of receivers on THIS node (as Redis Cluster's PUBLISH); the message
// also goes to every peer, best effort (docs/pubsub.md).
void Publish(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) ctx.reply.Integer(api->Publish(false, argv[1], argv[2]));
}
void Spublish(ExecContext& ctx, const Argv& argv) {
  if (PubsubApi* api = Api(ctx)) ctx.reply.Integer(api->Publish(true, argv[1], argv[2]));
}

void ReplyChannels(ExecContext& ctx, const Argv& argv, PubsubKind kind) {
  if (argv.size() > 3) {  // Redis pubsubCommand's fallthrough text
    std::string sub(EchoArg(argv[1], 128));
    return ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try PUBSUB HELP.");
  }
  PubsubApi* api = Api(ctx);
  if (!api) return;
  auto names = api->Channels(kind, argv.size() == 3 ? &argv[2] : nullptr);
  ctx.reply.ArrayHeader(names.size());
  for (const auto& n : names) ctx.reply.Bulk(n);
}

void ReplyNumsub(ExecContext& ctx, const Argv& argv, PubsubKind kind) {
  PubsubApi* api = Api(ctx);
  if (!api) return;
  ctx.reply.MapHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); i++) {
    ctx.reply.Bulk(argv[i]);
    ctx.reply.Integer(api->NumSub(kind, argv[i]));
  }
}

void PubsubChannels(ExecContext& ctx, const Argv& argv) { ReplyChannels(ctx, argv, PubsubKind::kChannel); }
void PubsubShardchannels(ExecContext& ctx, const Argv& argv) { ReplyChannels(ctx, argv, PubsubKind::kShard); }
void PubsubNumsub(ExecContext& ctx, const Argv& argv) { ReplyNumsub(ctx, argv, PubsubKind::kChannel); }
void PubsubShardnumsub(ExecContext& ctx, const Argv& argv) { ReplyNumsub(ctx, argv, PubsubKind::kShard); }
void PubsubNumpat(ExecContext& ctx, const Argv&) {
  if (PubsubApi* api = Api(ctx)) ctx.reply.Integer(api->NumPat());
}

void PubsubHelp(ExecContext& ctx, const Argv&) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help."};
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

// RESET: Redis's clearClientConnectionState. The session's own fields are reset here; the
// server ends MULTI/WATCH and drops the subscriptions (without confirmations, as Redis).
void Reset(ExecContext& ctx, const Argv&) {
  Session& s = ctx.session;
  if (ctx.server) ctx.server->ResetConnection(s.id);
  s.proto = 2;
  s.db = 0;
  s.name.clear();
  s.readonly = false;
  s.reply_off = s.reply_skip_next = s.reply_skip = false;
  s.user = "default";
  acl::Registry* reg = ctx.server ? ctx.server->acl() : nullptr;
  s.authenticated = !reg || reg->DefaultOpensWithoutPassword();
  ctx.reply.set_proto(2);
  ctx.reply.SimpleString("RESET");
}

constexpr uint32_t kSubFlags = kPubsub | kNoScript | kLoading | kStale;
constexpr uint32_t kPubFlags = kPubsub | kLoading | kStale | kFast;
constexpr KeySpec kShardSpecOne[] = {{.flags = "not_key", .index = 1, .lastkey = 0}};
constexpr KeySpec kShardSpecAll[] = {{.flags = "not_key", .index = 1, .lastkey = -1}};

const CommandSpec kPubsubSubcommands[] = {
    {.name = "pubsub|channels", .arity = -2, .flags = kPubsub | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "pubsub", .since = "2.8.0", .summary = "List active channels",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching "
                   "(relatively short channels and patterns)",
     .execute = &PubsubChannels, .args = "pattern:pattern?"},
    {.name = "pubsub|help", .arity = 2, .flags = kLoading | kStale, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "6.2.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)", .execute = &PubsubHelp},
    {.name = "pubsub|numpat", .arity = 2, .flags = kPubsub | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "pubsub", .since = "2.8.0", .summary = "Get the count of unique patterns pattern subscriptions",
     .complexity = "O(1)", .execute = &PubsubNumpat},
    {.name = "pubsub|numsub", .arity = -2, .flags = kPubsub | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "pubsub", .since = "2.8.0", .summary = "Get the count of subscribers for channels",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .execute = &PubsubNumsub, .args = "channel:string?*"},
    {.name = "pubsub|shardchannels", .arity = -2, .flags = kPubsub | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "pubsub", .since = "7.0.0", .summary = "List active shard channels",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern "
                   "matching (relatively short shard channels).",
     .execute = &PubsubShardchannels, .args = "pattern:pattern?"},
    {.name = "pubsub|shardnumsub", .arity = -2, .flags = kPubsub | kLoading | kStale, .first_key = 0, .last_key = 0,
     .key_step = 0, .group = "pubsub", .since = "7.0.0", .summary = "Get the count of subscribers for shard channels",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     .execute = &PubsubShardnumsub, .args = "shardchannel:string?*"},
    {},
};

}  // namespace

const CommandSpec kPubsubCommands[] = {
    {.name = "subscribe", .arity = -2, .flags = kSubFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "2.0.0", .summary = "Listen for messages published to the given channels",
     .complexity = "O(N) where N is the number of channels to subscribe to.", .execute = &Subscribe,
     .args = "channel:string*"},
    {.name = "unsubscribe", .arity = -1, .flags = kSubFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "2.0.0", .summary = "Stop listening for messages posted to the given channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
     .execute = &Unsubscribe, .args = "channel:string?*"},
    {.name = "psubscribe", .arity = -2, .flags = kSubFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "2.0.0", .summary = "Listen for messages published to channels matching the given patterns",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .execute = &Psubscribe, .args = "pattern:block*(pattern:pattern)"},
    {.name = "punsubscribe", .arity = -1, .flags = kSubFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "2.0.0",
     .summary = "Stop listening for messages posted to channels matching the given patterns",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number "
                   "of total patterns subscribed in the system (by any client).",
     .execute = &Punsubscribe, .args = "pattern:pattern?*"},
    {.name = "ssubscribe", .arity = -2, .flags = kSubFlags, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "pubsub", .since = "7.0.0", .summary = "Listen for messages published to the given shard channels",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.", .execute = &Ssubscribe,
     .key_specs = kShardSpecAll, .args = "shardchannel:string*"},
    {.name = "sunsubscribe", .arity = -1, .flags = kSubFlags, .first_key = 1, .last_key = -1, .key_step = 1,
     .group = "pubsub", .since = "7.0.0", .summary = "Stop listening for messages posted to the given shard channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
     .execute = &Sunsubscribe, .key_specs = kShardSpecAll, .args = "shardchannel:string?*"},
    {.name = "publish", .arity = 3, .flags = kPubFlags, .first_key = 0, .last_key = 0, .key_step = 0,
     .group = "pubsub", .since = "2.0.0", .summary = "Post a message to a channel",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total "
                   "number of subscribed patterns (by any client).",
     .execute = &Publish, .args = "channel:string message:string"},
    {.name = "spublish", .arity = 3, .flags = kPubFlags, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "pubsub", .since = "7.0.0", .summary = "Post a message to a shard channel",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
     .execute = &Spublish, .key_specs = kShardSpecOne, .args = "shardchannel:string message:string"},
    {.name = "pubsub", .arity = -2, .flags = 0, .first_key = 0, .last_key = 0, .key_step = 0, .group = "pubsub",
     .since = "2.8.0", .summary = "A container for Pub/Sub commands", .complexity = "Depends on subcommand.",
     .execute = &DispatchSubcommand, .subcommands = kPubsubSubcommands},
    {.name = "reset", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
     .first_key = 0, .last_key = 0, .key_step = 0, .group = "connection", .since = "6.2.0",
     .summary = "Reset the connection", .complexity = "O(1)", .execute = &Reset, .acl = kAclConnection},
    {},
};

}  // namespace redraft::commands
