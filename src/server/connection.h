#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "acl/user.h"
#include "commands/command.h"
#include "commands/transactions.h"
#include "observability/registry.h"
#include "observability/slow_args.h"
#include "observability/tracing.h"
#include "resp/request_parser.h"
#include "tls/tls.h"

namespace redraft::server {

using tls::TlsConn;
using tls::TlsContext;
using tls::TlsOptions;

// One client connection. Owned by the Server; lives until its uv handle is closed.
//
// Reply ordering: replies leave in the order their commands arrived. Writes (answered once their
// entry is applied) and data reads (answered once a linearizable read barrier passed) take a slot
// each; slots complete out of order but leave in order. A read executes only when its barrier
// passed AND it is at the head of the slots. Writes are applied in groups, so a read queued
// behind a pending write could observe later writes of the same pipeline; hence no write is
// proposed while a read that arrived before it still waits for its barrier: a read arriving
// behind pending writes goes through the log in order or waits, and a write arriving behind
// pending reads moves them into the log ahead of it or waits, with the connection not executing,
// until the slots drain (docs/pipelining.md). A write that would change nothing may wait as a
// read, only with no write pending ahead of it (docs/unchanged_writes.md); if it turns out to
// change something it is proposed when it reaches the head, so the reads behind it (all arrived
// after it) run after it is applied. Other commands (connection state, admin) wait for the slots
// to drain too.
struct Connection {
  struct Slot {
    enum State : uint8_t { kWaiting, kRunnable, kDone };
    State state = kWaiting;
    bool is_read = false;
    uint64_t token = 0;
    commands::Argv argv;  // a read, kept until it runs
    const commands::CommandSpec* spec = nullptr;  // argv's command, when known (saves a lookup)
    commands::Argv exec;  // a read-only EXEC (redraft.exec's argv), kept until it runs
    int exec_db = 0;      // the database that EXEC starts in (the session's when EXEC ran)
    std::string bytes;    // the reply, once kDone
    bool silent = false;  // CLIENT REPLY OFF/SKIP when the command arrived: the reply is dropped
    // A write that looked unchanged (CommandSpec::unchanged), in argv, waiting as a read: answered
    // as one if it still changes nothing when it runs, else proposed (server_unchanged.cc).
    bool unchanged = false;
    // Metrics (server_metrics.cc): the command's stats (null: not counted), when it was parsed,
    // proposed (writes) and its result became ready, µs (observability::NowMicros).
    observability::CommandStats* stats = nullptr;
    uint64_t t0_us = 0, t_proposed_us = 0, t_ready_us = 0;
    // A write's arguments for SLOWLOG: its record in the connection's slow_args (kNone: none).
    uint64_t slow_args_at = observability::SlowArgsArena::kNone;
    // A traced request (server_trace.cc); null when not traced, so an untraced slot pays 8 bytes.
    std::unique_ptr<observability::RequestTrace> trace;
  };

  uv_tcp_t handle;
  uint64_t id = 0;
  // WAIT: the applied index when this client's last write was answered (>= that write's index).
  uint64_t last_write_index = 0;
  std::string addr, laddr;  // "ip:port"
  int fd = -1;
  commands::Session session;
  std::shared_ptr<const acl::User> acl_user;  // session.user as of acl_gen (acl_gate.cc)
  uint64_t acl_gen = 0;
  uint64_t acl_load_epoch = 0;  // Registry::load_epoch() when acl_user was found (ACL LOAD closes)
  resp::RequestParser parser;
  std::unique_ptr<TlsConn> tls;  // set for connections to the TLS port: query and out are plaintext
  // Set for an internal client (Server::OpenInternalClient): no socket; replies go here.
  std::function<void(std::string_view, bool)> internal_output;

  std::string query;            // bytes read but not yet consumed by the parser
  size_t command_bytes = 0;     // bytes absorbed into the command being parsed (query buffer limit)
  std::string out;              // encoded replies waiting to be written
  std::deque<Slot> slots;       // in request order; the head leaves first
  // The SLOWLOG arguments of the writes in slots (Slot::slow_args_at), released as they leave.
  observability::SlowArgsArena slow_args;
  size_t pending_reads = 0;     // slots of reads not yet executed
  size_t pending_writes = 0;    // slots of writes not yet answered
  commands::Argv deferred;      // a command waiting for all slots to finish; empty = none
  commands::Argv argv;          // scratch for the parser

  bool reading = true;          // uv_read_start active
  bool writing = false;         // a uv_write is in flight (owns write_buf)
  std::string write_buf;
  uv_write_t write_req;
  bool close_after_reply = false;
  // The last reply is written and our side shut down (FIN sent): input is read and dropped until
  // the client closes, so the close never finds unread input (which would make it a reset that
  // can destroy the reply in flight). The cron closes a connection that lingers too long.
  bool lingering = false;
  int64_t linger_since_ms = 0;
  bool closing = false;
  bool in_dirty_list = false;
  bool blocked = false;         // a blocking command waits (server/blocking.h): parse nothing more

  // Transactions (docs/transactions.md). Between MULTI and EXEC/DISCARD commands are queued, not
  // run; multi_error records a refused one (EXEC then answers EXECABORT). watch is what WATCH
  // saw: its keys, and this node's applied index and clock at the first WATCH.
  bool in_multi = false;
  bool multi_error = false;
  bool multi_script_denyoom = false;  // a queued script is denyoom by its flags (commands::QueuedScriptDenyOom)
  std::vector<commands::Argv> queued;
  commands::WatchState watch;

  // client-output-buffer-limit pubsub: since when a subscriber's pending output is over the soft
  // limit (0 = it is not).
  int64_t obuf_soft_since_ms = 0;

  bool monitor = false;  // MONITOR: receives a line for every command this node receives

  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_cmd = "NULL";
};

}  // namespace redraft::server
