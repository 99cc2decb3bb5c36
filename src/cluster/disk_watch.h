// DiskWatch: the free-space watermark of a data directory. Writes are refused while the file
// system holding it has less than `min_free` bytes available (DiskHealth::kLowSpace), so that the
// log (a new segment is fallocated at every rollover) and the store (memtable flushes) still have
// room for what the node already accepted, and a full disk is met with a clear error before any
// write fails. Checked by the storage thread at most once per second: one statvfs, never on the
// per-request path.
// Thread-safety: one thread calls Check().
#pragma once

#include <cstdint>
#include <string>

#include "common/disk_health.h"

namespace redraft::cluster {

class DiskWatch {
 public:
  DiskWatch(std::string dir, uint64_t min_free, DiskHealth* health)
      : dir_(std::move(dir)), min_free_(min_free), health_(health) {}
  // statvfs(dir) if the last check is at least a second old (always if force); sets or clears
  // DiskHealth::kLowSpace.
  void Check(bool force = false);

 private:
  std::string dir_;
  uint64_t min_free_;
  DiskHealth* health_;
  int64_t last_check_ms_ = -1000000;
};

}  // namespace redraft::cluster
