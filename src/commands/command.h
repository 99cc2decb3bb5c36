// commands/: the declarative command table and one file per command family. Owns command
// semantics: arity, flags, key positions, parsing/validation, the deterministic log form of
// writes, and how each write is applied. Must not touch sockets, the event loop or Raft internals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "store/store.h"

namespace redraft::commands {

using Argv = std::vector<std::string>;

// Flags as Redis's COMMAND reports them.
enum Flag : uint32_t {
  kWrite = 1u << 0,      // goes through the log; the only flag that decides the write path
  kReadonly = 1u << 1,
  kAdmin = 1u << 2,
  kFast = 1u << 3,
  kNoAuth = 1u << 4,     // allowed before AUTH
  kLoading = 1u << 5,
  kStale = 1u << 6,
  kDenyOom = 1u << 7,
  kNoScript = 1u << 8,
  kSkipSlowlog = 1u << 9,
  kPubsub = 1u << 10,
  kAllowBusy = 1u << 11,
  kInternal = 1u << 12,  // proposed by the server itself; hidden from COMMAND
};

// Per-connection state a command may read or change.
struct Session {
  uint64_t id = 0;
  int proto = 2;
  bool authenticated = false;
  std::string user = "default";  // the ACL user the connection runs as (AUTH, HELLO AUTH)
  std::string name;
  std::string lib_name, lib_ver;
  bool readonly = false;  // READONLY: reads on this connection skip the linearizable barrier
};

class ServerApi;  // implemented by server/: what server-level commands may ask (server_api.h)

// Context of a command executed right away (reads and server commands) on the event loop.
struct ExecContext {
  store::Store& store;
  int64_t now_ms;
  resp::ReplyBuilder& reply;
  Session& session;
  ServerApi* server;  // null in unit tests of data commands
};

// Context of a write before it is proposed (on the node that received it).
struct PrepareContext {
  int64_t now_ms;
  resp::ReplyBuilder& reply;  // for errors only
};

// Context of applying a write's log form. Deterministic: may only use batch, argv and now_ms
// (the proposer's clock, carried in the entry). Replies are written here; on replicas that did
// not propose the command the reply is discarded.
struct ApplyContext {
  store::Store::Batch& batch;
  int64_t now_ms;
  resp::ReplyBuilder& reply;
  uint64_t index = 0;          // the entry's log index (the same on every replica)
  uint32_t versions_used = 0;  // NewVersion calls so far for this entry
};

// A fresh collection version: (index << 20) | n for the n-th call (n >= 1) while applying the
// entry at index. Log indexes only grow (a snapshot installs a state at an index and entries
// continue after it), so a version is never reused, and every replica derives the same one.
// REQUIRES: fewer than 2^20 calls per entry.
uint64_t NewVersion(ApplyContext& ctx);

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;              // Redis convention: N exact, -N at least N (name included)
  uint32_t flags;
  int first_key, last_key, key_step;  // Redis key spec (last_key -1 = last argument)
  std::string_view group, since, summary, complexity;  // COMMAND DOCS
  // Non-write commands: run now and write the reply.
  void (*execute)(ExecContext&, const Argv&) = nullptr;
  // Write commands: validate and rewrite argv into its deterministic log form (relative expiry
  // to absolute, ...). Returns false after writing an error reply; nothing is proposed then.
  // Null means the argv is already deterministic.
  bool (*prepare)(PrepareContext&, Argv&) = nullptr;
  // Write commands: apply the log form.
  void (*apply)(ApplyContext&, const Argv&) = nullptr;

  bool is_write() const { return flags & kWrite; }
};

// Case-insensitive lookup; nullptr if unknown.
const CommandSpec* Lookup(std::string_view name);
// Every command, in table order (the union of each family's table).
const std::vector<const CommandSpec*>& AllCommands();

// Family tables (each defined in its family's .cc file; terminated by an entry with empty name).
extern const CommandSpec kStringCommands[];
extern const CommandSpec kKeyCommands[];
extern const CommandSpec kHashCommands[];
extern const CommandSpec kListCommands[];
extern const CommandSpec kSetCommands[];
extern const CommandSpec kZsetCommands[];
extern const CommandSpec kServerCommands[];
extern const CommandSpec kClusterCommands[];
extern const CommandSpec kAclCommands[];  // acl_cmds.cc

// Redis Cluster's hash slot of a key (CRC16 of the key or of its {hash tag}, mod 16384).
int ClusterKeySlot(std::string_view key);

// The log form of a write: the proposer's clock (restamped by the leader) plus the rewritten argv,
// and optionally the tag of the node that accepted it from a client (which recognises its own
// writes when it applies them: docs/exactly_once.md).
// Format: varint now_ms, varint argc, then argc length-prefixed strings, then optionally
// varint session, varint seq (the tag; present iff session != 0).
struct WriteTag {
  uint64_t session = 0;  // random per process run of the accepting node
  uint64_t seq = 0;
  bool operator==(const WriteTag&) const = default;
};
struct LogCommand {
  int64_t now_ms = 0;
  Argv argv;
  WriteTag tag;
};
std::string EncodeLogCommand(const LogCommand& cmd);
bool DecodeLogCommand(std::string_view data, LogCommand* out);
// The entry's time (its first field) without decoding the rest; nullopt if it does not decode.
std::optional<int64_t> LogCommandTime(std::string_view data);
// Replaces the entry's time with now_ms, leaving the rest as it is (the leader stamps every entry
// it proposes: docs/time.md). False (data unchanged) if data does not start with a time.
bool RestampLogCommand(std::string* data, int64_t now_ms);
// The entry's tag (session 0 if it has none); nullopt if it does not decode. Copies nothing.
std::optional<WriteTag> LogCommandTag(std::string_view data);
// Appends a tag to an untagged entry. False (data unchanged) if it does not decode or has one.
bool TagLogCommand(std::string* data, WriteTag tag);

}  // namespace redraft::commands
