// wait_bench: pipelined SETs from many connections, optionally each batch followed by
// `WAIT <replicas> 0` — the replicated reference redis-benchmark cannot produce (tools/bench).
//
//   wait_bench --port P [--clients 50] [--pipeline 16] [--requests 100000] [--wait 1] [--size 64]
//              [--keyspace 100000] [--evalsha SHA | --fcall NAME]
//
// --evalsha SHA / --fcall NAME: instead of SET, `EVALSHA SHA 1 rl:<n> 60` / `FCALL NAME 1 rl:<n> 60`
// (tools/bench's INCR + EXPIRE script, loaded by the caller first).
//
// Every client thread owns one hiredis connection and loops: append `pipeline` SETs (random keys
// of the keyspace, values of `size` bytes), then `WAIT <wait> 0` if --wait > 0, and read every
// reply. A batch's latency is the time from its first append to its last reply; a SET counts as
// done when its batch is (with WAIT: when `wait` replicas acknowledged it, as a Raft follower's
// acknowledgement counts for redraft). Prints one CSV line: "ops/s,p50 ms,p99 ms,errors"
// (latencies are per batch). Any error reply is counted; a WAIT that reports fewer replicas than
// asked counts as an error too.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  int port = 6379;
  int clients = 50;
  int pipeline = 16;
  long requests = 100000;
  int wait = 1;
  int size = 64;
  int keyspace = 100000;
  std::string evalsha, fcall;  // non-empty: the script command instead of SET
};

struct Result {
  std::vector<double> batch_ms;
  long done = 0;
  long errors = 0;
};

void Client(const Options& o, long batches, unsigned seed, Result* out) {
  redisContext* c = redisConnect("127.0.0.1", o.port);
  if (c == nullptr || c->err) {
    out->errors += batches * o.pipeline;
    if (c) redisFree(c);
    return;
  }
  std::mt19937 rng(seed);
  std::string value(static_cast<size_t>(o.size), 'x');
  char key[32];
  for (long b = 0; b < batches; b++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.pipeline; i++) {
      const int n = static_cast<int>(rng() % static_cast<unsigned>(o.keyspace));
      if (!o.evalsha.empty()) {
        std::snprintf(key, sizeof(key), "rl:%012d", n);
        redisAppendCommand(c, "EVALSHA %s 1 %s 60", o.evalsha.c_str(), key);
      } else if (!o.fcall.empty()) {
        std::snprintf(key, sizeof(key), "rl:%012d", n);
        redisAppendCommand(c, "FCALL %s 1 %s 60", o.fcall.c_str(), key);
      } else {
        std::snprintf(key, sizeof(key), "key:%012d", n);
        redisAppendCommand(c, "SET %s %b", key, value.data(), value.size());
      }
    }
    if (o.wait > 0) redisAppendCommand(c, "WAIT %d 0", o.wait);
    int replies = o.pipeline + (o.wait > 0 ? 1 : 0);
    for (int i = 0; i < replies; i++) {
      void* r = nullptr;
      if (redisGetReply(c, &r) != REDIS_OK || r == nullptr) {
        out->errors += o.pipeline;
        redisFree(c);
        return;
      }
      auto* reply = static_cast<redisReply*>(r);
      bool is_wait = o.wait > 0 && i == o.pipeline;
      if (reply->type == REDIS_REPLY_ERROR || (is_wait && reply->integer < o.wait)) out->errors++;
      freeReplyObject(reply);
    }
    auto t1 = std::chrono::steady_clock::now();
    out->batch_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    out->done += o.pipeline;
  }
  redisFree(c);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long v = std::strtol(argv[i + 1], nullptr, 10);
    if (k == "--port") o.port = static_cast<int>(v);
    else if (k == "--clients") o.clients = static_cast<int>(v);
    else if (k == "--pipeline") o.pipeline = static_cast<int>(v);
    else if (k == "--requests") o.requests = v;
    else if (k == "--wait") o.wait = static_cast<int>(v);
    else if (k == "--size") o.size = static_cast<int>(v);
    else if (k == "--keyspace") o.keyspace = static_cast<int>(v);
    else if (k == "--evalsha") o.evalsha = argv[i + 1];
    else if (k == "--fcall") o.fcall = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.clients < 1 || o.pipeline < 1 || o.requests < 1 || o.keyspace < 1 || o.size < 0) {
    std::fprintf(stderr, "bad options\n");
    return 2;
  }
  long batches = std::max<long>(1, o.requests / (static_cast<long>(o.clients) * o.pipeline));
  std::vector<Result> results(static_cast<size_t>(o.clients));
  std::vector<std::thread> threads;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < o.clients; i++) {
    threads.emplace_back(Client, std::cref(o), batches, 12345u + static_cast<unsigned>(i), &results[i]);
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> all;
  long done = 0, errors = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.batch_ms.begin(), r.batch_ms.end());
    done += r.done;
    errors += r.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))]; };
  std::printf("%.0f,%.3f,%.3f,%ld\n", done / secs, pct(0.50), pct(0.99), errors);
  return errors > 0 ? 1 : 0;
}
