// Randomized: appends (with conflicting suffixes), hard states, syncs, compactions, process kills
// and machine crashes (MemFileSystem) against an in-memory model, over many seeds. After every
// recovery: everything synced and not replaced since is there, and nothing appears that was never
// written.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "logstore/log_store.h"
#include "logstore/log_store_mem_fs.h"

namespace redraft::raft {
namespace {

struct Model {
  SnapshotMeta snap;
  std::vector<Entry> log;  // snap.index+1 ..
  HardState hs;
  Index last() const { return snap.index + log.size(); }
  const Entry* at(Index i) const {
    return i > snap.index && i <= last() ? &log[i - snap.index - 1] : nullptr;
  }
};

class RandomRun {
 public:
  explicit RandomRun(uint64_t seed) : seed_(seed), rng_(seed) {
    fs_ = std::make_shared<MemFileSystem>();
    opts_.fs = fs_;
    opts_.segment_bytes = std::vector<uint64_t>{256, 1024, 8192}[rng_() % 3];
    opts_.preallocate = rng_() % 4 != 0;
  }

  void Run(int steps) {
    Reopen();
    for (int step = 0; step < steps && !::testing::Test::HasFatalFailure(); step++) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed_ << " step " << step);
      int op = static_cast<int>(rng_() % 100);
      if (trace_)
        std::fprintf(stderr, "step %d op %d last %lu snap %lu segs %zu\n", step, op, cur_.last(),
                     cur_.snap.index, store_->SegmentCount());
      if (op < 42) {
        Append();
      } else if (op < 52) {
        HardState hs{cur_.hs.term + rng_() % 2, rng_() % 4, rng_() % (cur_.last() + 1)};
        if (trace_) std::fprintf(stderr, "  hs := {%lu,%lu,%lu}\n", hs.term, hs.vote, hs.commit);
        ASSERT_TRUE(store_->SetHardState(hs).ok());
        cur_.hs = hs;
        hs_since_sync_.push_back(hs);
      } else if (op < 74) {
        ASSERT_TRUE(store_->Sync().ok());
        MarkDurable();
      } else if (op < 80) {
        Compact();
      } else if (op < 86) {
        store_.reset();  // kill -9: the unsynced buffer is lost, written bytes are not
        Reopen();
      } else if (op < 93) {
        store_.reset();
        fs_->Crash(static_cast<CrashMode>(rng_() % 4), rng_());
        Reopen();
      } else {
        CrashMidOperation();
      }
      ASSERT_EQ(store_->LastIndex(), cur_.last());
      ASSERT_EQ(store_->FirstIndex(), cur_.snap.index + 1);
      if (rng_() % 8 == 0) {
        auto all = store_->Entries(store_->FirstIndex(), store_->LastIndex() + 1);
        ASSERT_TRUE(all.ok()) << all.status().ToString();
        ASSERT_TRUE(all.value() == cur_.log);
      }
    }
  }

 private:
  void Append() {
    Index lo = cur_.snap.index + 1, hi = cur_.last() + 1;
    Index first = rng_() % 3 == 0 ? lo + rng_() % (hi - lo + 1) : hi;
    if (first < hi) term_++;  // a new leader overwrites a conflicting suffix
    size_t n = 1 + rng_() % (rng_() % 5 == 0 ? 30 : 4);
    std::vector<Entry> es;
    for (size_t k = 0; k < n; k++) {
      size_t len = rng_() % 10 == 0 ? rng_() % 600 : rng_() % 20;
      es.push_back(Entry{term_, first + k, EntryType::kNormal,
                         std::string(len, static_cast<char>('a' + rng_() % 26))});
    }
    if (trace_) std::fprintf(stderr, "  append %lu..%lu term %lu\n", first, first + n - 1, term_);
    ASSERT_TRUE(store_->Append(es).ok());
    cur_.log.resize(first - cur_.snap.index - 1);
    for (const Entry& e : es) {
      cur_.log.push_back(e);
      written_[e.index].push_back(e);
    }
    stable_ = std::min(stable_, first - 1);
  }

  void Compact() {
    SnapshotMeta m;
    int kind = static_cast<int>(rng_() % 10);
    m.index = cur_.snap.index + rng_() % (cur_.log.size() + 1);
    m.term = cur_.at(m.index) ? cur_.at(m.index)->term : cur_.snap.term;
    if (kind == 0) m.term = ++term_;                        // conflicting snapshot: log discarded
    if (kind == 1) m.index = cur_.last() + 1 + rng_() % 5;  // snapshot beyond the log
    m.conf.voters = {1, 2, 3};
    if (trace_) std::fprintf(stderr, "  compact %lu term %lu\n", m.index, m.term);
    ASSERT_TRUE(store_->Compact(m).ok());
    const Entry* e = cur_.at(m.index);
    if (e != nullptr && e->term == m.term) {
      cur_.log.erase(cur_.log.begin(),
                     cur_.log.begin() + static_cast<ptrdiff_t>(m.index - cur_.snap.index));
    } else if (m.index != cur_.snap.index) {
      cur_.log.clear();
    }
    cur_.snap = m;
    MarkDurable();  // Compact syncs
  }

  // The machine dies inside Append+Sync, Compact or Open (MemFileSystem::CrashAfter), then
  // restarts: the result must be what a crash before or after that operation may leave.
  void CrashMidOperation() {
    int which = static_cast<int>(rng_() % 3);
    if (trace_)
      std::fprintf(stderr, "  crash inside %s\n",
                   which == 0   ? "sync"
                   : which == 1 ? "compact"
                                : "open");
    fs_->CrashAfter(static_cast<int>(rng_() % 12));
    bool compacted = false;
    Model pre_dur = dur_;
    auto pre_written = written_;
    auto pre_hs = hs_since_sync_;
    Index pre_stable = stable_;
    if (which == 0) {
      Append();
      (void)store_->Sync();  // may or may not have completed: the model keeps the old durable state
    } else if (which == 1) {
      Compact();  // the model moves to the compacted state; the old one is the alternative
      compacted = true;
    } else {
      store_.reset();
      RecoveredState ignored;
      (void)LogStore::Open("/log", opts_, &ignored);  // dies while recovering (and repairing)
    }
    store_.reset();
    fs_->Crash(static_cast<CrashMode>(rng_() % 4), rng_());
    if (!compacted) {
      Reopen();
      return;
    }
    // Which side of the snapshot record's sync are we on? Before it: check against the old state.
    RecoveredState peek;
    {
      auto r = LogStore::Open("/log", opts_, &peek);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    if (peek.snapshot == pre_dur.snap) {
      dur_ = pre_dur;
      written_ = pre_written;
      hs_since_sync_ = pre_hs;
      stable_ = pre_stable;
    }
    Reopen();
  }

  void MarkDurable() {
    dur_ = cur_;
    written_.clear();
    hs_since_sync_ = {cur_.hs};
    stable_ = dur_.last();
  }

  void Reopen() {
    RecoveredState rec;
    auto r = LogStore::Open("/log", opts_, &rec);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r.value());
    if (trace_) {
      std::fprintf(
          stderr,
          "  reopened: snap %lu/%lu entries %zu (%lu..) dropped %lu; model snap %lu stable %lu\n",
          rec.snapshot.index, rec.snapshot.term, rec.entries.size(),
          rec.entries.empty() ? 0 : rec.entries[0].index, rec.dropped_bytes, dur_.snap.index,
          stable_);
      std::fprintf(stderr, "  hs {%lu,%lu,%lu} segs %zu note %s\n", rec.hard_state.term,
                   rec.hard_state.vote, rec.hard_state.commit, store_->SegmentCount(),
                   rec.recovery_note.c_str());
    }
    ASSERT_EQ(rec.snapshot, dur_.snap);
    ASSERT_TRUE(std::find(hs_since_sync_.begin(), hs_since_sync_.end(), rec.hard_state) !=
                hs_since_sync_.end())
        << "hard state {" << rec.hard_state.term << "," << rec.hard_state.vote << ","
        << rec.hard_state.commit << "} was never set; last set {" << hs_since_sync_.back().term
        << "," << hs_since_sync_.back().vote << "," << hs_since_sync_.back().commit << "}";
    Index last = rec.snapshot.index + rec.entries.size();
    ASSERT_GE(last, stable_) << "lost a synced entry";
    for (const Entry& e : rec.entries) {
      if (e.index <= stable_) {
        ASSERT_TRUE(e == *dur_.at(e.index)) << "synced entry " << e.index << " changed";
        continue;
      }
      bool known = dur_.at(e.index) != nullptr && e == *dur_.at(e.index);
      for (const Entry& w : written_[e.index]) known = known || e == w;
      ASSERT_TRUE(known) << "entry " << e.index << " was never written";
    }
    cur_.snap = rec.snapshot;
    cur_.log = rec.entries;
    cur_.hs = rec.hard_state;
    MarkDurable();  // Open makes what it recovered durable
  }

  bool trace_ = std::getenv("LOG_STORE_TRACE") != nullptr;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::shared_ptr<MemFileSystem> fs_;
  LogStoreOptions opts_;
  std::unique_ptr<LogStore> store_;
  Model cur_, dur_;
  std::map<Index, std::vector<Entry>> written_;  // entries appended since the last sync
  std::vector<HardState> hs_since_sync_ = {HardState{}};
  Index stable_ = 0;  // entries <= stable_ were synced and not replaced since
  Term term_ = 1;
};

// LOG_STORE_SEEDS=N runs more seeds (a soak); LOG_STORE_TRACE=1 prints the operations.
TEST(LogStoreRandomTest, CrashesNeverLoseSyncedOrInventUnwrittenEntries) {
  const char* env = std::getenv("LOG_STORE_SEEDS");
  uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 300;
  for (uint64_t seed = 1; seed <= seeds && !::testing::Test::HasFatalFailure(); seed++) {
    RandomRun(seed).Run(300);
  }
}

}  // namespace
}  // namespace redraft::raft
