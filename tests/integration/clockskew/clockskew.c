// LD_PRELOAD shim: this process's wall clock runs REDRAFT_CLOCK_SKEW_MS milliseconds off (negative:
// behind). Only CLOCK_REALTIME* / gettimeofday / time are moved; monotonic clocks are untouched,
// as on a machine whose NTP-less clock is wrong.
//
// Why not libfaketime: its first clock_gettime resolves symbols with dlsym, which allocates; with
// jemalloc as the server's malloc, jemalloc's initialisation calls clock_gettime again and
// libfaketime aborts the recursion (the server never starts). This shim asks the kernel directly
// (no dlsym, no allocation), so it can run before, inside or after malloc's initialisation.
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long skew_ns;

__attribute__((constructor)) static void clockskew_init(void) {
  const char* s = getenv("REDRAFT_CLOCK_SKEW_MS");  // getenv does not allocate
  if (s) skew_ns = atoll(s) * 1000000LL;
}

static int is_wall(clockid_t id) {
  return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  long r = syscall(SYS_clock_gettime, id, ts);
  if (r != 0 || !is_wall(id) || skew_ns == 0) return (int)r;
  long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + skew_ns;
  ts->tv_sec = ns / 1000000000LL;
  ts->tv_nsec = ns % 1000000000LL;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000LL;
    ts->tv_sec -= 1;
  }
  return 0;
}

int gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  struct timespec ts;
  int r = clock_gettime(CLOCK_REALTIME, &ts);
  if (r == 0 && tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return r;
}

time_t time(time_t* out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
