#include "cluster/disk_watch.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <chrono>

namespace redraft::cluster {

void DiskWatch::Check(bool force) {
  if (min_free_ == 0) return;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch()).count();
  if (!force && now - last_check_ms_ < 1000) return;
  last_check_ms_ = now;
  struct statvfs vfs;
  if (::statvfs(dir_.c_str(), &vfs) != 0) return;  // cannot tell: leave the state as it is
  uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (avail < min_free_) {
    std::string why = "No space left on device (" + std::to_string(avail >> 20) + " MiB free in " + dir_ +
                      ", below disk-min-free " + std::to_string(min_free_ >> 20) + " MiB)";
    if (health_->Set(DiskHealth::kLowSpace, why)) spdlog::error("disk: {}; writes are refused", why);
  } else if (health_->Clear(DiskHealth::kLowSpace)) {
    spdlog::warn("disk: {} MiB free in {} again: writes are accepted", avail >> 20, dir_);
  }
}

}  // namespace redraft::cluster
