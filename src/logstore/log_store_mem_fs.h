// MemFileSystem: an in-memory FileSystem that remembers what was made durable, so tests (and the
// deterministic Raft simulation) can "crash" and recover (LevelDB's fault_injection_test, as an
// Env).
//
// Model: each file has its current bytes and its durable bytes (as of its last File::Sync); the
// directory has its current names and its durable names (as of its last SyncDir). Crash() rebuilds
// the durable state: a file created but not dir-synced disappears, a removed file whose removal was
// not dir-synced comes back, and each surviving file gets its durable bytes plus, depending on the
// CrashMode, some of the unsynced ones.
// Thread-safety: all methods lock one mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "logstore/log_store_fs.h"

namespace redraft::raft {

enum class CrashMode {
  kDropUnsynced,  // every unsynced byte is lost
  kKeepUnsynced,  // every byte written survives (names still need SyncDir)
  kRandomPrefix,  // a random prefix of each file's unsynced change survives
  kRandomPages,   // each 4 KiB page differing from the durable state survives or not at random
};

class MemFileSystem : public FileSystem {
 public:
  struct Node {
    std::string data;     // current
    std::string durable;  // as of the last Sync
  };

  Result<std::unique_ptr<File>> OpenFile(const std::string& path, bool create) override;
  bool Exists(const std::string& path) override;
  Status CreateDir(const std::string& dir, bool* created) override;
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;

  // Simulates a machine crash. Files opened before are detached: do not use them afterwards.
  void Crash(CrashMode mode, uint64_t seed = 0);
  // Fault injection: after `n` more successful file syncs, every File::Sync fails (0: the next).
  void FailSyncsAfter(int n);
  // Crash point: after `n` more mutating calls (write, truncate, allocate, sync, create, remove,
  // dir sync) the machine is "dead": later mutating calls change nothing and return OK, so the
  // operation in progress is cut at that point. Call Crash() next; it clears the crash point.
  void CrashAfter(int n);
  int sync_count() const;
  // Fault injection: a disk of `bytes` (the sum of all files' sizes; -1 = unlimited). A write or
  // allocation that would grow past it does what fits (as a real pwrite or fallocate may) and
  // returns NoSpace; overwriting existing bytes always works, as in preallocated space.
  void SetCapacity(int64_t bytes);
  uint64_t used_bytes() const;

  // Byte surgery for tests: direct access to a file's current bytes (nullptr if missing).
  std::string* MutableData(const std::string& path);
  // Number of SyncDir calls so far (sync_count(): successful File::Sync calls).
  int dir_sync_count() const;

 private:
  friend class MemFile;
  Status SyncFile(const std::shared_ptr<Node>& node);
  bool Dead();  // REQUIRES: mu_ held. Counts one mutating call; true if it must be dropped.
  // REQUIRES: mu_ held. How far `node` may grow towards `size` within the capacity.
  uint64_t Room(const Node& node, uint64_t size) const;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> files_;    // current namespace
  std::map<std::string, std::shared_ptr<Node>> durable_;  // namespace as of the last SyncDir
  std::map<std::string, bool> dirs_;                      // dir -> durable (created and synced)
  int fail_syncs_after_ = -1;
  int crash_after_ = -1;  // mutating calls left before the crash point; -1 = none
  int64_t capacity_ = -1;  // -1 = unlimited
  int sync_count_ = 0;
  int dir_sync_count_ = 0;
};

}  // namespace redraft::raft
