// The narrow file-system interface under LogStore (LevelDB's Env, reduced to what a log needs), so
// tests can inject crashes that lose unsynced bytes and fsync failures (see log_store_mem_fs.h).
//
// Durability contract every implementation models (docs/architecture.md, "Durability rules"):
//  - bytes written to a File are durable only after File::Sync() returns OK;
//  - creating or removing a file is durable only after SyncDir() of its parent returns OK.
// Thread-safety: a File is used by one thread; a FileSystem may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace redraft::raft {

class File {
 public:
  virtual ~File() = default;
  // pwrite: writes data at offset, extending the file if needed.
  virtual Status Write(uint64_t offset, std::string_view data) = 0;
  // pread: reads up to n bytes at offset into *out (shorter only at end of file).
  virtual Status Read(uint64_t offset, size_t n, std::string* out) = 0;
  // fdatasync. A non-OK result means data may be lost: callers must treat it as fatal.
  virtual Status Sync() = 0;
  // ftruncate to exactly size bytes.
  virtual Status Truncate(uint64_t size) = 0;
  // Makes the file at least size bytes long, the new bytes reading as zeros and their blocks
  // reserved (fallocate), so later overwrites need no size change.
  virtual Status Allocate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens path read-write; creates it (empty) if create is true and it does not exist.
  virtual Result<std::unique_ptr<File>> OpenFile(const std::string& path, bool create) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Creates dir if missing (parent must exist). *created tells whether it was created now.
  virtual Status CreateDir(const std::string& dir, bool* created) = 0;
  // File names (not paths) in dir, excluding "." and "..".
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // fsync of the directory itself: makes creations and removals in it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
};

// The real thing: POSIX open/pwrite/pread/fdatasync/ftruncate/fallocate.
std::shared_ptr<FileSystem> PosixFileSystem();

}  // namespace redraft::raft
