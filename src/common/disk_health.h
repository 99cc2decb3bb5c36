// DiskHealth: whether this node's disk can take writes, shared by the threads that find out (the
// storage thread, the applier, the free-space watch) and the event loop that refuses new writes.
//
// Policy (README "Disk faults"): while any fault is set, the node refuses NEW client writes with
// MisconfError() (a Redis user knows -MISCONF), keeps serving reads, and keeps retrying whatever
// it had already accepted until it succeeds: nothing acknowledged is lost, nothing is dropped.
// When every fault has cleared, writes are accepted again, without a restart.
// A failed fsync is not a fault here: it panics (docs/architecture.md, "Durability rules").
//
// Thread-safety: every method may be called from any thread. WritesRefused() is one relaxed
// atomic load: cheap enough for the per-request path.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace redraft {

class DiskHealth {
 public:
  enum Fault : unsigned {
    kLog = 1,       // a log write failed with no space; the storage thread is retrying it
    kStore = 2,     // a store write or flush failed with no space; retried / postponed
    kLowSpace = 4,  // free space in the data directory fell below disk-min-free
  };

  bool WritesRefused() const { return faults_.load(std::memory_order_relaxed) != 0; }
  unsigned faults() const { return faults_.load(std::memory_order_relaxed); }
  // Sets the fault with a one-line reason; returns true if it was not set before.
  bool Set(Fault f, std::string reason);
  // Clears the fault; returns true if it was set.
  bool Clear(Fault f);
  // The reason of the first fault set (log, store, low space), or "" when healthy.
  std::string Reason() const;
  // "-MISCONF ..." with the reason: the reply to a write refused meanwhile.
  std::string MisconfError() const;
  // For INFO: "ok" or a comma-separated list of "log", "store", "low_space".
  std::string Describe() const;

 private:
  std::atomic<unsigned> faults_{0};
  mutable std::mutex mu_;
  std::string reasons_[3];
};

}  // namespace redraft
