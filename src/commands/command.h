// commands/: the declarative command table and one file per command family. Owns command
// semantics: arity, flags, key positions, parsing/validation, the deterministic log form of
// writes, and how each write is applied. Must not touch sockets, the event loop or Raft internals.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "store/store.h"

namespace redraft::acl {
class DenialLog;
class Registry;
class User;
}  // namespace redraft::acl

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
  kBlocking = 1u << 13,  // may park the client until a key has data (server/blocking.h)
  kNoMandatoryKeys = 1u << 14,
  kNoMulti = 1u << 15,
  kNoAsyncLoading = 1u << 16,
  kSkipMonitor = 1u << 17,
  // COMMAND reports "write" (and @write) though the command runs on the event loop, not through
  // the log: MIGRATE, whose deletion is a separate internal write (migrate.cc).
  kReportsWrite = 1u << 18,
};

// Redis's ACL categories, in the order ACL CAT and COMMAND INFO list them.
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubsub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
  // Not a category: the command's group implies none (SORT is in group generic but not @keyspace).
  kAclNoGroupCategory = 1u << 31,
};

// One of Redis's key specs (COMMAND INFO element 9): where a command's keys are and what it does
// to them. COMMAND GETKEYS finds keys from these, as Redis does.
struct KeySpec {
  // Redis's key-spec flags, space separated, in its order: "RW access delete".
  std::string_view flags;
  // begin_search: the argument at `index`; or, if keyword is set, the argument after `keyword`,
  // searched from argument `startfrom` (negative: backwards from the end).
  int index = 0;
  std::string_view keyword = {};
  int startfrom = 0;
  // find_keys: a range from the first key (lastkey relative to it; negative counts from the
  // end; keystep; limit) or, with keynum, a key count at first+keynumidx, the first key at
  // first+firstkey, then every keystep-th argument.
  int lastkey = 0, keystep = 1, limit = 0;
  bool keynum = false;
  int keynumidx = 0, firstkey = 0;
  std::string_view notes = {};
  // Redis's "unknown" begin_search and find_keys (SORT's BY/GET keys, its STORE key anywhere):
  // no keys are found from this spec; the command's getkeys finds them.
  bool unknown = false;
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
  int db = 0;             // SELECT: the logical database of reads (ExecContext.store is its view)
                          // and of writes (LogCommand.db)
  // CLIENT REPLY (server/ honours them where replies are written): reply_off = no replies at all;
  // reply_skip_next = CLIENT REPLY SKIP ran, so the next command gets none; server/ moves it into
  // reply_skip (the command being run gets no reply) as each new command arrives.
  bool reply_off = false;
  bool reply_skip_next = false;
  bool reply_skip = false;
  bool replies_silenced() const { return reply_off || reply_skip; }
  // CLIENT TRACE (docs/observability.md "Traces"): every command of the connection is traced;
  // last_trace_id: the trace id (16 hex digits) of its last traced command, for CLIENT TRACE ID.
  bool trace = false;
  std::string last_trace_id;
};

// A key found in a command's argv: its position and Redis's key-spec flags for it (those of the
// spec that found it; empty when found by the numkeys fallback, as Redis's genericGetKeys).
struct KeyRef {
  size_t pos;
  std::string_view flags;
};

struct NotifySink;  // notify.h
class ServerApi;  // implemented by server/: what server-level commands may ask (server_api.h)
class ScriptMirror;  // scripting_cache.h

// Context of a command executed right away (reads and server commands) on the event loop.
struct ExecContext {
  store::Store& store;  // the view of session.db (store/db_view.h)
  int64_t now_ms;
  resp::ReplyBuilder& reply;
  Session& session;
  ServerApi* server;  // null in unit tests of data commands
};

// Context of a write before it is proposed (on the node that received it).
struct PrepareContext {
  int64_t now_ms;
  resp::ReplyBuilder& reply;  // for errors only
  int db = 0;                 // the session's logical database (LogCommand.db)
};

// Context of applying a write's log form. Deterministic: may only use batch, argv and now_ms
// (the proposer's clock, carried in the entry). batch is the view of the entry's database
// (store/db_view.h: batch.db(), batch.base() reach the others). Replies are written here; on replicas that did
// not propose the command the reply is discarded.
// RESTORE ... IDLETIME/FREQ (issue 12, streams2): the access information a restored key starts
// with, handed to the node's eviction access table after the commit (every node applies the
// entry, so every node's table gets it at the entry's time). Hints, not state (docs/memory.md).
struct AccessNote {
  std::string stored_key;  // [physical db][key]
  int64_t idle_s = -1;     // IDLETIME, or -1
  int64_t freq = -1;       // FREQ, or -1
  int64_t now_ms = 0;      // the entry's time
};

struct ScriptMessage {
  bool shard = false;  // SPUBLISH
  std::string channel, message;
};

struct ApplyContext {
  store::Store::Batch& batch;
  int64_t now_ms;
  resp::ReplyBuilder& reply;
  uint64_t index = 0;          // the entry's log index (the same on every replica)
  uint32_t versions_used = 0;  // NewVersion calls so far for this entry
  // The entry's ACL user as of this log position, when the entry carries one and it is
  // restricted (null: unchecked). EXEC checks each queued command against it (docs/acl.md).
  const acl::User* user = nullptr;
  // Keyspace notifications (notify.h): set only while notify-keyspace-events selects something.
  NotifySink* notify = nullptr;
  // The node's ACL users as of this entry (replicated state: the same on every replica), for
  // the permission checks of the commands a script calls. Null in unit tests of commands.
  const acl::Registry* acl = nullptr;
  // This node's ACL LOG: a script's denied redis.call is recorded there (context "lua") by every
  // node that applies the entry. Null: not recorded (unit tests).
  acl::DenialLog* acl_log = nullptr;
  // PUBLISH/SPUBLISH called by a write script: collected here and delivered by the state
  // machine's owner to THIS node's subscribers once the group is committed. Every node applies
  // the entry, so every subscriber in the cluster gets the message once, with no peer traffic
  // (docs/scripting.md). Null: such messages are dropped (unit tests of commands).
  std::vector<ScriptMessage>* published = nullptr;
  // The state machine's mirror of scripts and functions (scripting_cache.h), for EVALSHA/FCALL.
  // Null: read from the batch (unit tests; commands inside EXEC).
  ScriptMirror* scripts = nullptr;
  // RESTORE's IDLETIME/FREQ for this node's access table (AccessNote). Null: dropped.
  std::vector<AccessNote>* access_notes = nullptr;
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
  // Write commands that Redis 7.0 leaves unpropagated when they change nothing (SETBIT of a bit
  // already as asked: no write, no dirty++, no signalModifiedKey, no keyspace event). Given the
  // client's argv (arity checked, prepare not yet run) and a state, returns true after writing
  // the reply apply would write iff the command is valid and applying it to that state would
  // change nothing and notify nothing; otherwise returns false and writes nothing (errors too:
  // they keep the log path). The server then answers such a write as a linearizable read, not
  // through the log (docs/unchanged_writes.md). REQUIRES: true only for an argv the command's
  // prepare accepts at any clock (the server proposes it if a later look finds it would change).
  bool (*unchanged)(ExecContext&, const Argv&) = nullptr;

  // ---- Introspection (COMMAND INFO/DOCS/GETKEYS; ACL). Defaults let a table omit them. ----
  // The flags (and notes) of the key spec first_key/last_key/key_step describe; ignored when
  // key_specs is set. A command with keys and no flags here reports no key-spec flags.
  std::string_view key_flags = {};
  std::string_view key_notes = {};
  // Key specs, for commands with more than one or whose keys move (a key count before them):
  // then first_key/last_key/key_step are only Redis's legacy range (0 0 0 for movable keys).
  std::span<const KeySpec> key_specs = {};
  // ACL categories beyond those derived as Redis derives them (AclCategories in command_info.h).
  uint32_t acl = 0;
  // Redis's command tips, space separated ("nondeterministic_output request_policy:all_shards").
  std::string_view tips = {};
  // A container's subcommands (full names "client|list"), terminated by an entry with empty name.
  // Only for introspection and arity errors: the container's execute dispatches them.
  const CommandSpec* subcommands = nullptr;
  // Finds the keys and their flags when a key spec has variable_flags (Redis's getkeys_proc):
  // SET's key is "OW update", or "RW access update" with GET.
  void (*getkeys)(const Argv& argv, std::vector<KeyRef>* keys) = nullptr;
  // COMMAND DOCS beyond the texts above, as Redis 7.0 has them (tools/command_specs_from_redis.py
  // fills them from Debian's redis-server). `args`: the argument tree, space separated, each
  //   name:type[@key_spec_index][=TOKEN][/since][!deprecated_since][?][*][+][(sub-arguments)]
  // with ? optional, * multiple, + multiple_token (Redis's argument flags), a TOKEN holding one of
  // /!?*+() in single quotes (='*'), a name with other
  // than [A-Za-z0-9_-] in single quotes ('ip:port'), e.g.
  //   "key:key@0 condition:oneof/7.0.0?(nx:pure-token=NX xx:pure-token=XX)".
  // `history`: one "version text" per line. Deprecated commands name their replacement.
  std::string_view args = {};
  std::string_view history = {};
  std::string_view deprecated_since = {};
  std::string_view replaced_by = {};

  // A dense number (1, 2, ...) for each command and subcommand of the table, assigned once when
  // the table is built (command_table.cc), before any lookup can return the spec; 0 for a spec
  // outside the table. Per-command records elsewhere are found by it instead of a hash lookup
  // per call (observability::Registry::Command: the metrics' commandstats).
  mutable uint32_t id = 0;

  bool is_write() const { return flags & kWrite; }
};

// Apply paths may keep process-local hints about the state that only save work (e.g. where
// ZPOPMIN's scan may start); the state machine calls this when a snapshot replaced the state.
void ForgetApplyHints();

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
extern const CommandSpec kStreamCommands[];  // streams.cc
extern const CommandSpec kServerCommands[];
extern const CommandSpec kClusterCommands[];
extern const CommandSpec kAclCommands[];  // acl_cmds.cc
extern const CommandSpec kPubsubCommands[];  // pubsub_cmds.cc
extern const CommandSpec kBitmapCommands[];  // bitmaps.cc
extern const CommandSpec kHyperLogLogCommands[];  // hyperloglog.cc
extern const CommandSpec kGeoCommands[];  // geo.cc (issue 12)
extern const CommandSpec kSortCommands[];  // sort.cc (issue 12)
extern const CommandSpec kObjectCommands[];    // object_cmds.cc: OBJECT, MEMORY
extern const CommandSpec kEvictionCommands[];  // eviction_cmds.cc: redraft.evict
extern const CommandSpec kDumpCommands[];  // dump_cmds.cc: DUMP, RESTORE (and migrate.cc: MIGRATE)
extern const CommandSpec kWaitCommands[];  // wait_cmd.cc: WAIT
extern const CommandSpec kMigrateCommands[];  // migrate.cc: MIGRATE
extern const CommandSpec kLogReadCommands[];  // log_read.cc: redraft.read (benches12)

// Redis Cluster's hash slot of a key (CRC16 of the key or of its {hash tag}, mod 16384).
int ClusterKeySlot(std::string_view key);

// The log form of a write: the proposer's clock (restamped by the leader) plus the rewritten argv,
// and optionally the tag of the node that accepted it from a client (which recognises its own
// writes when it applies them: docs/exactly_once.md).
// Format: varint now_ms, varint argc, then argc length-prefixed strings, then optionally varint 0,
// varint db + 1 (the database; present iff db != 0), then optionally varint 0, varint 65536,
// length-prefixed user name (the ACL user whose command it is, checked again at apply: docs/acl.md;
// present iff user is not empty), then optionally varint session, varint seq
// (the tag; present iff session != 0). Entries from before databases decode as database 0, entries
// from before users as entries without a user (applied unchecked, as they were).
struct WriteTag {
  uint64_t session = 0;  // random per process run of the accepting node
  uint64_t seq = 0;
  bool operator==(const WriteTag&) const = default;
};
// The database a write applies to: the session's logical database (SELECT), or kStoredKeys
// for entries the server makes from stored keys (active expiry), applied without a view.
constexpr int kStoredKeys = -1;
struct LogCommand {
  int64_t now_ms = 0;
  Argv argv;
  WriteTag tag;
  int db = 0;  // 0 .. store::kMaxDatabases - 1, or kStoredKeys
  std::string user{};  // empty: none (the server's own entries, old logs)
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
