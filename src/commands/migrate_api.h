// MIGRATE between commands/ (which parses it and serializes the keys) and server/ (which talks
// to the target without blocking the event loop, then deletes the sent keys through the log).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redraft::commands {

struct MigrateRequest {
  std::string host;
  std::string port;
  int64_t timeout_ms = 1000;  // per connect / write / read, as Redis's syncWrite/syncReadLine
  // What to send, RESP-encoded: [AUTH [user] password] SELECT db, then one RESTORE per key.
  std::string commands;
  bool auth = false;  // the first reply is AUTH's (then SELECT's, then one per key)
  bool copy = false;  // keep the source keys
  std::vector<std::string> keys;   // in RESTORE order
  std::vector<uint64_t> digests;   // CRC-64 of each key's payload: the delete re-checks it
};

// The internal write that deletes what MIGRATE moved (migrate.cc):
//   redraft.migrated <reply> <key> <digest> [<key> <digest> ...]
// deletes each key whose current value still serializes to a payload with that digest (a key
// written meanwhile is kept), then answers <reply> (+OK, or the target's error) to the client.
inline constexpr const char* kMigratedCommand = "redraft.migrated";

}  // namespace redraft::commands
