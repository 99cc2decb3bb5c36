#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "commands/command.h"
#include "resp/request_parser.h"

namespace redraft::server {

// One client connection. Owned by the Server; lives until its uv handle is closed.
//
// Reply ordering: replies leave in the order their commands arrived. A write's reply exists only
// once its entry is applied, so while writes are pending every later reply is queued in slots
// behind them. A read that arrives while writes are pending waits (the connection stops
// executing) until they are applied, so it observes them.
struct Connection {
  struct Slot {
    bool ready = false;
    std::string bytes;
  };

  uv_tcp_t handle;
  uint64_t id = 0;
  std::string addr, laddr;  // "ip:port"
  int fd = -1;
  commands::Session session;
  resp::RequestParser parser;

  std::string query;            // bytes read but not yet consumed by the parser
  size_t command_bytes = 0;     // bytes absorbed into the command being parsed (query buffer limit)
  std::string out;              // encoded replies waiting to be written
  std::deque<Slot> slots;       // replies waiting behind a pending write
  size_t pending_writes = 0;    // slots not yet ready
  commands::Argv deferred;      // a read waiting for pending writes; empty = none
  commands::Argv argv;          // scratch for the parser

  bool reading = true;          // uv_read_start active
  bool writing = false;         // a uv_write is in flight (owns write_buf)
  std::string write_buf;
  uv_write_t write_req;
  bool close_after_reply = false;
  bool closing = false;
  bool in_dirty_list = false;

  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_cmd = "NULL";
};

}  // namespace redraft::server
