#include "logstore/log_store_mem_fs.h"

#include <algorithm>

namespace redraft::raft {

namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

class MemFile : public File {
 public:
  MemFile(MemFileSystem* fs, std::shared_ptr<MemFileSystem::Node> node)
      : fs_(fs), node_(std::move(node)) {}

  Status Write(uint64_t offset, std::string_view data) override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    if (fs_->Dead()) return Status::OK();
    std::string& d = node_->data;
    uint64_t end = fs_->Room(*node_, offset + data.size());
    bool full = end < offset + data.size();
    if (end <= offset) return full ? Status::NoSpace("pwrite: injected ENOSPC") : Status::OK();
    data = data.substr(0, end - offset);
    if (d.size() < end) d.resize(end, '\0');
    d.replace(offset, data.size(), data.data(), data.size());
    return full ? Status::NoSpace("pwrite: injected ENOSPC") : Status::OK();
  }
  Status Read(uint64_t offset, size_t n, std::string* out) override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    const std::string& d = node_->data;
    *out = offset >= d.size() ? std::string() : d.substr(offset, n);
    return Status::OK();
  }
  Status Sync() override { return fs_->SyncFile(node_); }
  Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    if (fs_->Dead()) return Status::OK();
    node_->data.resize(size, '\0');
    return Status::OK();
  }
  Status Allocate(uint64_t size) override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    if (fs_->Dead()) return Status::OK();
    uint64_t end = fs_->Room(*node_, size);
    if (node_->data.size() < end) node_->data.resize(end, '\0');
    return end < size ? Status::NoSpace("fallocate: injected ENOSPC") : Status::OK();
  }
  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    return static_cast<uint64_t>(node_->data.size());
  }

 private:
  MemFileSystem* fs_;  // outlives its files (LogStore holds the FileSystem)
  std::shared_ptr<MemFileSystem::Node> node_;
};

Result<std::unique_ptr<File>> MemFileSystem::OpenFile(const std::string& path, bool create) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (!create) return Status::IOError("open " + path + ": no such file");
    if (!dirs_.count(Parent(path))) return Status::IOError("open " + path + ": no such directory");
    if (Dead()) return std::unique_ptr<File>(new MemFile(this, std::make_shared<Node>()));
    it = files_.emplace(path, std::make_shared<Node>()).first;
  }
  return std::unique_ptr<File>(new MemFile(this, it->second));
}

bool MemFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return files_.count(path) > 0 || dirs_.count(path) > 0;
}

Status MemFileSystem::CreateDir(const std::string& dir, bool* created) {
  std::lock_guard<std::mutex> l(mu_);
  *created = dirs_.emplace(dir, true).second;
  return Status::OK();
}

Status MemFileSystem::ListDir(const std::string& dir, std::vector<std::string>* names) {
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(dir)) return Status::IOError("opendir " + dir + ": no such directory");
  names->clear();
  for (const auto& [path, node] : files_) {
    if (Parent(path) == dir) names->push_back(path.substr(dir.size() + 1));
  }
  return Status::OK();
}

Status MemFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (Dead()) return Status::OK();
  if (files_.erase(path) == 0) return Status::IOError("unlink " + path + ": no such file");
  return Status::OK();
}

Status MemFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  if (Dead()) return Status::OK();
  dir_sync_count_++;
  for (auto it = durable_.begin(); it != durable_.end();) {
    it =
        (Parent(it->first) == dir && !files_.count(it->first)) ? durable_.erase(it) : std::next(it);
  }
  for (const auto& [path, node] : files_) {
    if (Parent(path) == dir) durable_[path] = node;
  }
  return Status::OK();
}

Status MemFileSystem::SyncFile(const std::shared_ptr<Node>& node) {
  std::lock_guard<std::mutex> l(mu_);
  if (Dead()) return Status::OK();
  if (fail_syncs_after_ == 0) return Status::IOError("fdatasync: injected failure");
  if (fail_syncs_after_ > 0) fail_syncs_after_--;
  sync_count_++;
  node->durable = node->data;
  return Status::OK();
}

void MemFileSystem::Crash(CrashMode mode, uint64_t seed) {
  std::lock_guard<std::mutex> l(mu_);
  std::mt19937_64 rng(seed);
  std::map<std::string, std::shared_ptr<Node>> after;
  for (const auto& [path, node] : durable_) {
    auto fresh = std::make_shared<Node>();
    const std::string& d = node->durable;
    const std::string& cur = node->data;
    std::string out = d;
    switch (mode) {
      case CrashMode::kDropUnsynced:
        break;
      case CrashMode::kKeepUnsynced:
        out = cur;
        break;
      case CrashMode::kRandomPrefix: {
        // The first `cut` bytes of the current version reached the disk, the rest is the old one.
        size_t common = 0;
        while (common < d.size() && common < cur.size() && d[common] == cur[common]) common++;
        size_t cut = common + rng() % (cur.size() - common + 1);
        out = cur.substr(0, cut) + (cut < d.size() ? d.substr(cut) : std::string());
        break;
      }
      case CrashMode::kRandomPages: {
        size_t size = (rng() & 1) ? cur.size() : d.size();
        out.assign(size, '\0');
        for (size_t p = 0; p < size; p += 4096) {
          size_t n = std::min<size_t>(4096, size - p);
          bool take_new = rng() & 1;
          const std::string& src = take_new ? cur : d;
          for (size_t i = 0; i < n; i++) out[p + i] = p + i < src.size() ? src[p + i] : '\0';
        }
        break;
      }
    }
    fresh->data = out;
    fresh->durable = out;
    after[path] = fresh;
  }
  files_ = after;
  durable_ = after;
  fail_syncs_after_ = -1;
  crash_after_ = -1;
}

bool MemFileSystem::Dead() {
  if (crash_after_ < 0) return false;
  if (crash_after_ == 0) return true;
  crash_after_--;
  return false;
}

void MemFileSystem::CrashAfter(int n) {
  std::lock_guard<std::mutex> l(mu_);
  crash_after_ = n;
}

uint64_t MemFileSystem::Room(const Node& node, uint64_t size) const {
  if (capacity_ < 0 || size <= node.data.size()) return size;
  uint64_t used = 0;
  for (const auto& [path, n] : files_) used += n->data.size();
  uint64_t cap = static_cast<uint64_t>(capacity_);
  uint64_t free = used >= cap ? 0 : cap - used;
  return std::min<uint64_t>(size, node.data.size() + free);
}

void MemFileSystem::SetCapacity(int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  capacity_ = bytes;
}

uint64_t MemFileSystem::used_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t used = 0;
  for (const auto& [path, n] : files_) used += n->data.size();
  return used;
}

void MemFileSystem::FailSyncsAfter(int n) {
  std::lock_guard<std::mutex> l(mu_);
  fail_syncs_after_ = n;
}

int MemFileSystem::sync_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return sync_count_;
}

int MemFileSystem::dir_sync_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return dir_sync_count_;
}

std::string* MemFileSystem::MutableData(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second->data;
}

}  // namespace redraft::raft
