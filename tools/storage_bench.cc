// storage_bench: what one fdatasync costs here, and what LogStore (and RocksDB, if built with it)
// get out of it. One run measures, each for --seconds (default 0.3) of wall time, and --rounds
// times (default 5, interleaved, since this machine is noisy), reporting the median and the range:
//   (a) raw: 4 KiB pwrite + fdatasync, appending to a growing file
//   (b) raw: the same, overwriting a preallocated file: fallocate'd only, and zero-filled
//   (c) LogStore: Append(batch of N 64-byte entries) + Sync, N = 1, 16, 128 (and N = 16 without
//       preallocation)
//   (d) RocksDB: WriteBatch of N 64-byte puts with WriteOptions::sync = true, N = 1, 16, 128
// and prints one table: median syncs/s (and its range over rounds), entries/s, payload MB/s, wall
// us per sync, and CPU us per sync (whole process, all threads: robust to a busy disk).
// Files go to a fresh directory under --dir (default /tmp), removed at exit.
// Usage: storage_bench [--seconds=S] [--rounds=N] [--dir=D]     (defaults: about 20 s in all)
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "logstore/log_store.h"

#ifdef REDRAFT_BENCH_ROCKSDB
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
using redraft::raft::Entry;
using redraft::raft::LogStore;

double g_seconds = 0.3;

struct Row {
  std::string name;
  uint64_t syncs = 0, entries = 0, bytes = 0;
  double secs = 0;
  double cpu_secs = 0;  // user + system CPU of the whole process (all threads) during the case
};

double CpuSeconds() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// Prints the median round (by syncs/s) of one case, and the range of syncs/s over the rounds.
void Print(std::vector<Row> rounds) {
  std::sort(rounds.begin(), rounds.end(),
            [](const Row& a, const Row& b) { return a.syncs / a.secs < b.syncs / b.secs; });
  const Row& r = rounds[rounds.size() / 2];
  char range[64];
  std::snprintf(range, sizeof(range), "%.0f-%.0f", rounds.front().syncs / rounds.front().secs,
                rounds.back().syncs / rounds.back().secs);
  double per_sync = 1e6 / static_cast<double>(r.syncs);
  std::printf("%-48s %9.0f %11s %11.0f %7.2f %9.0f %9.1f\n", r.name.c_str(), r.syncs / r.secs,
              range, r.entries / r.secs, r.bytes / r.secs / 1e6, r.secs * per_sync,
              r.cpu_secs * per_sync);
}

// Runs step() (one sync's worth of work, returning entries written) until g_seconds pass.
Row Measure(const std::string& name, uint64_t bytes_per_step,
            const std::function<uint64_t()>& step) {
  Row r;
  r.name = name;
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  auto deadline = start + std::chrono::duration<double>(g_seconds);
  while (Clock::now() < deadline) {
    r.entries += step();
    r.syncs++;
    r.bytes += bytes_per_step;
  }
  r.secs = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_secs = CpuSeconds() - cpu_start;
  return r;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "storage_bench: %s failed: %s\n", what, std::strerror(errno));
    std::exit(1);
  }
}

// mode 0: growing file, 1: fallocate'd, 2: zero-filled.
Row RawSync(const std::string& dir, int mode, const char* name) {
  const size_t kFileBytes = 64 << 20;
  std::string path = dir + "/raw";
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
  Check(fd >= 0, "open");
  if (mode == 1) Check(::posix_fallocate(fd, 0, kFileBytes) == 0, "fallocate");
  if (mode == 2) {
    std::string zeros(1 << 20, '\0');
    for (size_t off = 0; off < kFileBytes; off += zeros.size()) {
      Check(::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(off)) > 0, "pwrite");
    }
  }
  Check(::fsync(fd) == 0, "fsync");
  std::string block(4096, 'x');
  uint64_t off = 0;
  Row r = Measure(name, block.size(), [&] {
    Check(::pwrite(fd, block.data(), block.size(), static_cast<off_t>(off % kFileBytes)) > 0,
          "pwrite");
    Check(::fdatasync(fd) == 0, "fdatasync");
    off += block.size();
    return uint64_t{1};
  });
  ::close(fd);
  ::unlink(path.c_str());
  return r;
}

Row LogStoreRun(const std::string& dir, size_t batch, bool preallocate) {
  std::string path = dir + "/logstore";
  std::filesystem::remove_all(path);
  redraft::raft::LogStoreOptions opts;
  opts.preallocate = preallocate;
  redraft::raft::RecoveredState rec;
  auto store = LogStore::Open(path, opts, &rec);
  Check(store.ok(), "LogStore::Open");
  std::vector<Entry> es(batch);
  for (Entry& e : es) e.data.assign(64, 'v');
  uint64_t next = 1;
  std::string name = "(c) LogStore append+Sync, batch " + std::to_string(batch) +
                     (preallocate ? "" : " (no prealloc)");
  Row r = Measure(name, batch * 64, [&] {
    for (Entry& e : es) {
      e.term = 1;
      e.index = next++;
    }
    Check(store.value()->Append(es).ok(), "Append");
    Check(store.value()->Sync().ok(), "Sync");
    return uint64_t{batch};
  });
  store.value().reset();
  std::filesystem::remove_all(path);
  return r;
}

#ifdef REDRAFT_BENCH_ROCKSDB
Row RocksRun(const std::string& dir, size_t batch) {
  std::string path = dir + "/rocksdb";
  std::filesystem::remove_all(path);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  Check(rocksdb::DB::Open(options, path, &raw).ok(), "rocksdb::DB::Open");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string value(64, 'v');
  uint64_t next = 1;
  Row r =
      Measure("(d) RocksDB sync=true WriteBatch, batch " + std::to_string(batch), batch * 64, [&] {
        rocksdb::WriteBatch wb;
        for (size_t i = 0; i < batch; i++, next++) {
          char key[8];
          for (int b = 0; b < 8; b++)
            key[b] = static_cast<char>(next >> (56 - 8 * b));  // big endian
          wb.Put(rocksdb::Slice(key, 8), value);
        }
        Check(db->Write(wo, &wb).ok(), "rocksdb Write");
        return uint64_t{batch};
      });
  db.reset();
  std::filesystem::remove_all(path);
  return r;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::string base = "/tmp";
  int rounds = 5;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) {
      g_seconds = std::atof(a.c_str() + 10);
    } else if (a.rfind("--rounds=", 0) == 0) {
      rounds = std::max(1, std::atoi(a.c_str() + 9));
    } else if (a.rfind("--dir=", 0) == 0) {
      base = a.substr(6);
    } else {
      std::fprintf(stderr, "usage: storage_bench [--seconds=S] [--rounds=N] [--dir=D]\n");
      return 2;
    }
  }
  std::string tmpl = base + "/storage_bench.XXXXXX";
  Check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
  std::string dir = tmpl;

  std::vector<std::function<Row()>> cases = {
      [&] { return RawSync(dir, 0, "(a) raw 4KiB append+fdatasync, growing file"); },
      [&] { return RawSync(dir, 1, "(b) raw 4KiB overwrite+fdatasync, fallocated"); },
      [&] { return RawSync(dir, 2, "(b) raw 4KiB overwrite+fdatasync, zero-filled"); },
      [&] { return LogStoreRun(dir, 1, true); },
      [&] { return LogStoreRun(dir, 16, true); },
      [&] { return LogStoreRun(dir, 128, true); },
      [&] { return LogStoreRun(dir, 16, false); },
  };
#ifdef REDRAFT_BENCH_ROCKSDB
  for (size_t batch : {1, 16, 128}) cases.push_back([&dir, batch] { return RocksRun(dir, batch); });
#endif
  std::printf("storage_bench: %zu cases x %d rounds x %.2f s, files under %s\n", cases.size(),
              rounds, g_seconds, dir.c_str());
  std::fflush(stdout);
  std::vector<std::vector<Row>> results(cases.size());
  for (int round = 0; round < rounds; round++) {
    for (size_t c = 0; c < cases.size(); c++) results[c].push_back(cases[c]());
  }
  std::printf("%-48s %9s %11s %11s %7s %9s %9s\n", "case (64-byte entries in (c), (d))", "syncs/s",
              "range", "entries/s", "MB/s", "us/sync", "cpu/sync");
  for (const auto& r : results) Print(r);
#ifndef REDRAFT_BENCH_ROCKSDB
  std::printf("(d) RocksDB: not built in (RocksDB not found by CMake)\n");
#endif
  std::filesystem::remove_all(dir);
  return 0;
}
