#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace redraft::cluster {

// A member's client address; its peer port is port + 10000 unless cluster_port says otherwise.
// `incarnation` names the data directory the member runs on (see NodeIdentity), 0 = not known.
struct MemberAddr {
  std::string host;
  int port = 0;
  int cluster_port = 0;
  uint64_t incarnation = 0;
  // "host:port@cluster_port" (Redis's CLUSTER NODES address form), then "#<incarnation hex>" if
  // the incarnation is known. Decode accepts both forms.
  std::string Encode() const;
  static bool Decode(const std::string& s, MemberAddr* out);
  // Same host, client port and peer port (the incarnation is not compared).
  bool SameAddress(const MemberAddr& o) const {
    return host == o.host && port == o.port && cluster_port == o.cluster_port;
  }
  bool operator==(const MemberAddr&) const = default;
};

// A member list as snapshots carry it (docs/snapshot_format.md): varint count, then per member
// varint id and length-prefixed MemberAddr::Encode(). GetMemberList consumes it from *in; false
// if it is malformed (a count larger than the bytes left, id 0, a bad address, an id twice).
void PutMemberList(std::string* out, const std::map<uint64_t, MemberAddr>& members);
bool GetMemberList(std::string_view* in, std::map<uint64_t, MemberAddr>* members);

// What a node remembers about its cluster, in <dir>/nodes.conf (like Redis Cluster's
// nodes.conf): written whole to a temp file, fsynced, renamed over the old one, dir fsynced.
//   line 1: "redraft-nodes 1 <cluster_id> <self_id>"
//   then:   "<id> <host:port@cport[#incarnation]>" per known member (the address book, incl. self)
// It is an address book only: who votes comes from the Raft log and snapshot, and who this node
// is comes from its LogIdentity (self_id here mirrors it for operators).
struct NodeIdentity {
  std::string cluster_id;
  uint64_t self_id = 0;
  std::map<uint64_t, MemberAddr> members;

  static Result<NodeIdentity> Load(const std::string& path);  // NotFound if absent
  Status Save(const std::string& path) const;
};

// Who this node is, bound to its Raft log: <dir>/log/IDENTITY, "redraft-identity 1 <id> <inc>".
// It is written (durably) into the log directory before the log holds anything, so a node whose
// log was lost — a wiped or replaced data directory — has lost its identity with it and can
// never speak as its old self: votes and acknowledgements are promises only a node that still
// holds its log may give. `incarnation` is random per log directory: a peer that sees the same
// id with another incarnation knows the node started over (docs/membership.md).
struct LogIdentity {
  uint64_t id = 0;
  uint64_t incarnation = 0;

  static Result<LogIdentity> Load(const std::string& path);  // NotFound if absent
  Status Save(const std::string& path) const;
};

// Writes data to path atomically and durably: temp file, fsync, rename, fsync of the directory.
// A failed fsync panics (the kernel may have dropped the pages: never retry).
Status WriteFileDurably(const std::string& path, const std::string& data);

// A random non-zero 64-bit id (node ids, incarnations, cluster ids).
uint64_t RandomId();

// Redis node ids are 40 hex characters; ours are 64-bit numbers shown zero-padded to 40.
std::string NodeIdHex(uint64_t id);
// Accepts the 40-char form or a plain decimal/hex id; 0 on failure.
uint64_t ParseNodeId(const std::string& s);

}  // namespace redraft::cluster
