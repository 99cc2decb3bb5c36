#include "cluster/storage_thread.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "observability/registry.h"

namespace redraft::cluster {

StorageThread::StorageThread(raft::LogStore* log, server::StateMachine* sm, std::unique_ptr<DiskWatch> watch,
                             std::function<void()> wake)
    : log_(log), sm_(sm), disk_watch_(std::move(watch)), wake_(std::move(wake)) {}

void StorageThread::Start() {
  if (disk_watch_) disk_watch_->Check(/*force=*/true);
  thread_ = std::thread([this] { Main(); });
}

void StorageThread::Submit(StorageJob job) {
  {
    std::lock_guard<std::mutex> l(mu_);
    todo_.push_back(std::move(job));
  }
  cv_.notify_one();
}

std::deque<StorageJob> StorageThread::TakeDone() {
  std::deque<StorageJob> done;
  std::lock_guard<std::mutex> l(mu_);
  done.swap(done_);
  return done;
}

void StorageThread::StopAndJoin() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StorageThread::Main() {
  // Disk faults (README "Disk faults"): a write that fails for lack of space is retried with
  // backoff until it succeeds (RetryOnNoSpace), so what was handed over is never dropped; the
  // event loop waits for this Ready meanwhile, and the server refuses new writes (DiskHealth).
  for (;;) {
    std::deque<StorageJob> work;
    {
      std::unique_lock<std::mutex> l(mu_);
      // Idle, the thread still wakes once a second to watch the free space.
      cv_.wait_for(l, std::chrono::seconds(1), [&] { return stopping_ || !todo_.empty(); });
      if (todo_.empty() && stopping_) return;
      work.swap(todo_);
    }
    if (disk_watch_) disk_watch_->Check();
    if (work.empty()) continue;
    bool wrote = false;
    for (StorageJob& j : work) {
      wrote = wrote || j.compact || j.install || !j.entries.empty() || j.hard_state;
      // A compaction or install at or behind the log's snapshot has nothing left to do.
      if (j.compact && j.compact->index <= log_->snapshot().index) j.compact.reset();
      if (j.install && j.install->index <= log_->snapshot().index) j.install.reset();
      // The loop committed everything up to compact->index to the store before asking.
      if (j.compact) CompactLog(*j.compact);
      if (j.install && !RetryOnNoSpace("log snapshot install", [&] { return log_->Compact(*j.install); })) return;
      if (!j.entries.empty() && !RetryOnNoSpace("log append", [&] { return log_->Append(j.entries); })) return;
      if (j.hard_state && !RetryOnNoSpace("log hard state", [&] { return log_->SetHardState(*j.hard_state); })) {
        return;
      }
    }
    // One fdatasync for the whole group (every Ready queued while the previous group synced); a
    // failed fdatasync panics inside (never retried). A group of Readies that only wait their
    // turn (nothing of their own to persist) needs none.
    uint64_t sync_us = 0;
    if (wrote) {
      uint64_t t0 = observability::NowMicros();
      if (!RetryOnNoSpace("log sync", [&] { return log_->Sync(); })) return;
      // Metrics (issue 13): relaxed atomics, read by the loop thread when it renders them.
      sync_us = observability::NowMicros() - t0;
      size_t entries = 0;
      for (const StorageJob& j : work) entries += j.entries.size();
      observability::Global().fsync_us.Observe(sync_us);
      observability::Global().fsync_batch_entries.Observe(entries);
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      for (StorageJob& j : work) {
        j.entries.clear();
        j.sync_us = sync_us;
        done_.push_back(std::move(j));
      }
    }
    wake_();
  }
}

bool StorageThread::RetryOnNoSpace(const char* what, const std::function<Status()>& op) {
  DiskHealth& disk = sm_->disk();
  int backoff_ms = 10;
  int64_t waited_ms = 0;
  bool reported = false;
  for (;;) {
    Status st = op();
    if (st.ok()) {
      if (reported && disk.Clear(DiskHealth::kLog)) {
        spdlog::warn("{}: space is back, done after {} ms", what, waited_ms);
      }
      return true;
    }
    if (!st.IsNoSpace()) REDRAFT_PANIC(std::string(what) + " failed: " + st.ToString());
    if (!reported) {
      reported = true;
      disk.Set(DiskHealth::kLog, "No space left on device (Raft log)");
      spdlog::error("{}: {}; writes are refused, retrying until space is available", what, st.ToString());
    }
    {
      std::unique_lock<std::mutex> l(mu_);
      if (cv_.wait_for(l, std::chrono::milliseconds(backoff_ms), [&] { return stopping_; })) {
        // Shutting down with a full disk: what was not written was not acknowledged either.
        spdlog::error("{}: still no space at shutdown; the unwritten batch was never acknowledged", what);
        return false;
      }
    }
    waited_ms += backoff_ms;
    backoff_ms = std::min(backoff_ms * 2, 1000);
    if (disk_watch_) disk_watch_->Check();
  }
}

void StorageThread::CompactLog(const raft::SnapshotMeta& meta) {
  // Compaction only frees space later; right now it costs some (a store flush writes files). While
  // space is short it is postponed: the log keeps its entries, the next compaction covers them.
  DiskHealth& disk = sm_->disk();
  if (disk.WritesRefused()) {
    spdlog::warn("log compaction at index {} postponed: {}", meta.index, disk.Reason());
    return;
  }
  Status fs = sm_->store()->Flush();
  if (fs.IsNoSpace()) {
    disk.Set(DiskHealth::kStore, "No space left on device (store)");
    spdlog::error("store flush for log compaction at index {}: {}; compaction postponed", meta.index, fs.ToString());
    return;
  }
  if (!fs.ok()) REDRAFT_PANIC("store flush failed: " + fs.ToString());
  if (disk.Clear(DiskHealth::kStore)) spdlog::warn("store: flushed again, space is back");
  RetryOnNoSpace("log compaction", [&] { return log_->Compact(meta); });
}

}  // namespace redraft::cluster
