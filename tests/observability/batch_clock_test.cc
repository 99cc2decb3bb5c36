// BatchClock (observability/batch_clock.h): one reading shared until the batch ends, never older
// than the last Invalidate.
#include "observability/batch_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace redraft::observability {
namespace {

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(BatchClock, SharedWithinABatchFreshAfterInvalidate) {
  BatchClock c;
  uint64_t a = c.Now();
  SleepMs(3);
  EXPECT_EQ(c.Now(), a);  // same batch: the cached reading
  c.Invalidate();
  uint64_t b = c.Now();
  EXPECT_GE(b - a, 2000u);  // a new batch reads the clock again
  SleepMs(3);
  uint64_t f = c.Fresh();
  EXPECT_GE(f - b, 2000u);
  EXPECT_EQ(c.Now(), f);  // the fresh reading is the batch's from now on
}

TEST(BatchClock, NeverOlderThanTheLastInvalidate) {
  BatchClock c;
  c.Now();
  SleepMs(2);
  c.Invalidate();
  uint64_t before = NowMicros();
  EXPECT_GE(c.Now(), before);
}

}  // namespace
}  // namespace redraft::observability
