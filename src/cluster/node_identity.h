#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace redraft::cluster {

// A member's client address; its peer port is port + 10000 unless cluster_port says otherwise.
struct MemberAddr {
  std::string host;
  int port = 0;
  int cluster_port = 0;
  std::string Encode() const;  // "host:port@cluster_port" (Redis's CLUSTER NODES address form)
  static bool Decode(const std::string& s, MemberAddr* out);
};

// What a node remembers about itself and its cluster, in <dir>/nodes.conf (like Redis Cluster's
// nodes.conf): written whole to a temp file, fsynced, renamed over the old one, dir fsynced.
//   line 1: "redraft-nodes 1 <cluster_id> <self_id>"
//   then:   "<id> <host:port@cport>" per known member (the address book, including self)
struct NodeIdentity {
  std::string cluster_id;
  uint64_t self_id = 0;
  std::map<uint64_t, MemberAddr> members;

  static Result<NodeIdentity> Load(const std::string& path);  // NotFound if absent
  Status Save(const std::string& path) const;
};

// Redis node ids are 40 hex characters; ours are 64-bit numbers shown zero-padded to 40.
std::string NodeIdHex(uint64_t id);
// Accepts the 40-char form or a plain decimal/hex id; 0 on failure.
uint64_t ParseNodeId(const std::string& s);

}  // namespace redraft::cluster
