// What CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (tracking_cmds.cc) ask of the server:
// the tracking table lives in server/ (server/tracking.h), per node, for its own connections.
// All calls on the event-loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redraft::commands {

struct TrackingOptions {
  bool bcast = false, optin = false, optout = false, noloop = false;
  uint64_t redirect = 0;  // 0 = none
  std::vector<std::string> prefixes;
};

struct TrackingInfo {
  bool on = false, bcast = false, optin = false, optout = false, caching = false, noloop = false;
  bool broken_redirect = false;
  uint64_t redirect = 0;
  std::vector<std::string> prefixes;  // byte order
};

class TrackingApi {
 public:
  virtual ~TrackingApi() = default;
  // Whether a client with this id is connected to this node (REDIRECT's sanity check).
  virtual bool ClientExists(uint64_t id) = 0;
  // CLIENT TRACKING ON: Redis's error text (without "ERR "), or "" when enabled.
  virtual std::string TrackingOn(uint64_t client, const TrackingOptions& o) = 0;
  virtual void TrackingOff(uint64_t client) = 0;
  // CLIENT CACHING YES|NO: error text, or "".
  virtual std::string Caching(uint64_t client, bool yes) = 0;
  virtual TrackingInfo Info(uint64_t client) = 0;
};

}  // namespace redraft::commands
