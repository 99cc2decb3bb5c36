// raft/: the consensus core and its durable log storage.
// Owns: Raft's rules (elections, replication, commitment, ReadIndex, membership, snapshots) as a
// deterministic state machine, and the on-disk log. Must not own threads, clocks, sockets or global
// randomness (they are injected), and must not include libuv, RocksDB or spdlog.
//
// This header holds the vocabulary shared by the core (raft/core) and the storage (raft/storage).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redraft::raft {

using NodeId = uint64_t;  // 0 means "none"
using Term = uint64_t;
using Index = uint64_t;   // log indexes start at 1; 0 means "before the first entry"
using GroupId = uint64_t; // several Raft groups may share a process; every message names its group

constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // opaque state-machine command (data), possibly empty (leader's no-op)
  kConfChange = 1,  // membership change; data is an encoded ConfChange
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  bool operator==(const Entry&) const = default;
};

// What must be durable before a node may vote or acknowledge (Figure 2 "persistent state").
// commit is persisted too so a restart can re-apply without waiting for a leader.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;

  bool operator==(const HardState&) const = default;
};

// The membership as of some log position.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  bool operator==(const ConfState&) const = default;
};

// Describes the state-machine snapshot that replaces the log prefix [1, index].
struct SnapshotMeta {
  Index index = 0;
  Term term = 0;
  ConfState conf;

  bool operator==(const SnapshotMeta&) const = default;
};

}  // namespace redraft::raft
