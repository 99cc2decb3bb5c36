#include "observability/registry.h"

#include "observability/batch_clock.h"

#include <algorithm>
#include <chrono>

#include "observability/prometheus.h"

namespace redraft::observability {

StageName NameOf(Stage s) {
  switch (s) {
    case Stage::kWritePropose: return {"write", "propose"};
    case Stage::kWriteLeaderDurable: return {"write", "leader_durable"};
    case Stage::kWriteQuorumCommit: return {"write", "quorum_commit"};
    case Stage::kWriteApply: return {"write", "apply"};
    case Stage::kWriteReply: return {"write", "reply"};
    case Stage::kReadBarrierWait: return {"read", "barrier_wait"};
    case Stage::kReadExecute: return {"read", "read"};
    case Stage::kCount: break;
  }
  return {"?", "?"};
}

CommandStats* Registry::CommandByKey(uint32_t id, const void* key, std::string_view name) {
  auto& slot = commands_[key];
  if (!slot) {
    slot = std::make_unique<CommandStats>();
    slot->name.assign(name);
  }
  if (id) {
    if (id >= by_id_.size()) by_id_.resize(id + 1);
    by_id_[id] = slot.get();
  }
  return slot.get();
}

void Registry::Error(std::string_view reply) {
  total_errors_++;
  // "-WRONGTYPE Operation ..." -> WRONGTYPE; a RESP3 blob error "!<len>\r\nPREFIX ..." likewise.
  std::string_view text = reply.substr(1);
  if (reply[0] == '!') {
    size_t nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  size_t end = text.find_first_of(" \r\n");
  std::string_view prefix = text.substr(0, end == std::string_view::npos ? text.size() : end);
  // Redis caps the table at 128 prefixes (errors after that count only in the total).
  auto it = errors_.find(std::string(prefix));
  if (it != errors_.end()) it->second++;
  else if (errors_.size() < 128) errors_.emplace(std::string(prefix), 1);
}

std::vector<const CommandStats*> Registry::Commands() const {
  std::vector<const CommandStats*> out;
  for (const auto& [key, s] : commands_) {
    if (s->calls || s->rejected || s->failed) out.push_back(s.get());
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

void Registry::ResetStats() {
  for (auto& [key, s] : commands_) {
    std::string name = std::move(s->name);
    *s = CommandStats();
    s->name = std::move(name);
  }
  errors_.clear();
  total_errors_ = 0;
  for (auto& h : stages_) h.Reset();
}

int Registry::AddCollector(Collector c) {
  int id = next_collector_++;
  collectors_[id] = std::move(c);
  return id;
}

void Registry::RemoveCollector(int id) { collectors_.erase(id); }

void Registry::Collect(PromWriter& w) const {
  for (const auto& [id, c] : collectors_) c(w);
}

Registry& registry_detail::CreateGlobal() {
  static Registry r;  // thread-safe once; every caller then takes the same pointer
  global.store(&r, std::memory_order_release);
  return r;
}

uint64_t NowMicros() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace redraft::observability
