#pragma once

// One µs timestamp shared by the requests of a batch (docs/observability.md "Stage times"), so
// a pipelined batch pays one clock read instead of several per request.
//
// Owns: the cached steady-clock reading and when it stops being valid. Must not: decide what a
// batch is (the server invalidates it where one begins: a socket read callback, an applied
// group, the loop's output flush) or read the clock when nobody asks (the server asks only
// while metrics are enabled, so metrics off costs nothing here).
//
// Invariant: Now() never returns a value older than the last Invalidate() (it reads the clock
// then), so a duration measured between two batches is never negative and a stage that spans
// a wait (the poll, a read barrier, replication) is timed from readings taken on each side of it.
//
// Thread-safety: none; the event-loop thread only.
#include <cstdint>

#include "observability/registry.h"

namespace redraft::observability {

class BatchClock {
 public:
  // The batch's time: the cached reading, or a new one if the batch has none yet.
  uint64_t Now() {
    if (!valid_) Fresh();
    return now_;
  }
  // A new reading, which the rest of the batch shares (e.g. the end of a command run now: the
  // next command of the batch starts there, so it is not charged for this one).
  uint64_t Fresh() {
    now_ = NowMicros();
    valid_ = true;
    return now_;
  }
  // A new batch begins: the next Now() reads the clock.
  void Invalidate() { valid_ = false; }

 private:
  uint64_t now_ = 0;
  bool valid_ = false;
};

// The process's batch clock (one node per process, like Global()). Inline: it is asked a few
// times per request; constant-initialized, so no guard either.
inline BatchClock& Batch() {
  static BatchClock clock;
  return clock;
}

}  // namespace redraft::observability
