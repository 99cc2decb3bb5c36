#include "server/local_log.h"

#include <spdlog/spdlog.h>

namespace redraft::server {

namespace {
constexpr raft::Term kSingleNodeTerm = 1;
}

LocalLog::LocalLog(uv_loop_t* loop, std::string dir, StateMachine* sm, AppliedFn on_applied,
                   ReadReadyFn on_read_ready, int64_t compact_every)
    : loop_(loop), dir_(std::move(dir)), sm_(sm), on_applied_(std::move(on_applied)),
      on_read_ready_(std::move(on_read_ready)), compact_every_(compact_every) {}

LocalLog::~LocalLog() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
}

Status LocalLog::Start() {
  raft::RecoveredState rec;
  auto log = raft::LogStore::Open(dir_, raft::LogStoreOptions{}, &rec);
  if (!log.ok()) return log.status();
  log_ = std::move(log).value();
  if (rec.dropped_bytes) spdlog::warn("log recovery: {}", rec.recovery_note);

  uint64_t applied = sm_->applied_index();
  // Compaction only ever happens behind a flushed store, so the store can't be behind the snapshot.
  if (applied < rec.snapshot.index) {
    return Status::Corruption("store applied index " + std::to_string(applied) +
                              " is behind the log's snapshot " + std::to_string(rec.snapshot.index));
  }
  std::string scratch;
  resp::ReplyBuilder discard(&scratch);
  size_t replayed = 0;
  for (const raft::Entry& e : rec.entries) {
    if (e.index <= applied) continue;
    scratch.clear();
    sm_->Apply(e.index, e.data, &discard);
    replayed++;
  }
  last_index_ = durable_index_ = std::max(applied, log_->LastIndex());
  last_compact_ = rec.snapshot.index;
  spdlog::info("log opened: entries {}..{}, store applied {}, replayed {}", log_->FirstIndex(),
               log_->LastIndex(), applied, replayed);

  uv_async_init(loop_, &async_, [](uv_async_t* h) { static_cast<LocalLog*>(h->data)->OnDurable(); });
  async_.data = this;
  thread_ = std::thread([this] { StorageThreadMain(); });
  started_ = true;
  return Status::OK();
}

void LocalLog::Propose(std::string data, uint64_t token, int proto) {
  raft::Entry e;
  e.term = kSingleNodeTerm;
  e.index = ++last_index_;
  e.data = std::move(data);
  proposed_.push_back(std::move(e));
  waiting_.push_back({token, proto});
}

void LocalLog::Flush() {
  if (proposed_.empty()) return;
  Batch b;
  b.entries = std::move(proposed_);
  proposed_.clear();
  // Compaction rides on a batch so that it is ordered after the store commits it covers.
  uint64_t applied = sm_->applied_index();
  if (static_cast<int64_t>(applied - last_compact_) >= compact_every_) {
    b.compact_to = applied;
    last_compact_ = applied;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    todo_.push_back(std::move(b));
  }
  cv_.notify_one();
}

void LocalLog::StorageThreadMain() {
  for (;;) {
    std::deque<Batch> work;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stopping_ || !todo_.empty(); });
      if (todo_.empty()) return;  // stopping and drained
      work.swap(todo_);
    }
    // Everything queued since the last sync goes down with one fdatasync.
    uint64_t compact_to = 0;
    for (Batch& b : work) {
      Status st = log_->Append(b.entries);
      if (!st.ok()) REDRAFT_PANIC("log append failed: " + st.ToString());
      compact_to = std::max(compact_to, b.compact_to);
    }
    Status st = log_->Sync();
    if (!st.ok()) REDRAFT_PANIC("log sync failed: " + st.ToString());
    if (compact_to) {
      // The loop requested compaction after committing index compact_to to the store; a flush
      // started now persists at least that much.
      Status fs = sm_->store()->Flush();
      if (!fs.ok()) REDRAFT_PANIC("store flush failed: " + fs.ToString());
      raft::SnapshotMeta meta;
      meta.index = compact_to;
      meta.term = kSingleNodeTerm;
      Status cs = log_->Compact(meta);
      if (!cs.ok()) REDRAFT_PANIC("log compaction failed: " + cs.ToString());
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      for (Batch& b : work) done_.push_back(std::move(b));
    }
    uv_async_send(&async_);
  }
}

void LocalLog::OnDurable() {
  std::deque<Batch> ready;
  {
    std::lock_guard<std::mutex> l(mu_);
    ready.swap(done_);
  }
  std::vector<std::string> replies;
  std::vector<resp::ReplyBuilder> builders;
  for (Batch& b : ready) {
    size_t n = b.entries.size();
    if (n == 0) continue;
    REDRAFT_CHECK(b.entries.front().index == durable_index_ + 1);
    REDRAFT_CHECK(waiting_.size() >= n);
    replies.assign(n, std::string());
    builders.clear();
    for (size_t i = 0; i < n; i++) builders.emplace_back(&replies[i], waiting_[i].proto);
    sm_->ApplyBatch(b.entries, [&](size_t i) { return &builders[i]; });
    durable_index_ = b.entries.back().index;
    for (size_t i = 0; i < n; i++) {
      uint64_t token = waiting_.front().token;
      waiting_.pop_front();
      on_applied_(token, std::move(replies[i]));
    }
  }
}

void LocalLog::Stop() {
  if (!started_) return;
  Flush();
  // The storage thread drains todo_ before it exits, so joining it makes everything durable.
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  OnDurable();
  REDRAFT_CHECK(durable_index_ == last_index_);
  Status st = sm_->store()->Flush();
  if (!st.ok()) spdlog::error("store flush at shutdown failed: {}", st.ToString());
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  started_ = false;
}

}  // namespace redraft::server
