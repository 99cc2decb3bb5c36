#include "server/blocking.h"

#include <algorithm>
#include <chrono>

#include "commands/blocking_cmds.h"
#include "commands/command.h"
#include "server/state_machine.h"
#include "store/db_view.h"

namespace redraft::server {
namespace {

// Every watched key is looked at again this often, whatever was reported: a safety net for
// changes no applied write reports (a snapshot installed on this node) and for wake-ups that
// could not be sent (no leader known). Wake-ups normally come from KeysTouched, at once.
constexpr int64_t kSweepMs = 3000;
// Timeouts above this many ms (about 31,000 years) are forever: deadline arithmetic never
// overflows (Redis 7.0 accepts up to LLONG_MAX ms and overflows).
constexpr int64_t kForeverMs = int64_t{1} << 50;

bool IsNil(std::string_view reply) { return reply == "*-1\r\n" || reply == "$-1\r\n" || reply == "_\r\n"; }

// The write path's "not executed" answer (cluster/errors.h: CLUSTERDOWN is only given for writes
// that were not applied): a wake-up that got it was never applied, so the client stays parked.
bool NotExecuted(std::string_view reply) { return reply.starts_with("-CLUSTERDOWN"); }

}  // namespace

BlockedClients::BlockedClients(uv_loop_t* loop, Hooks hooks) : loop_(loop), hooks_(std::move(hooks)) {
  uv_timer_init(loop_, &soon_);
  soon_.data = this;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

void BlockedClients::Close() {
  if (closed_) return;
  closed_ = true;
  for (uv_timer_t* t : {&soon_, &timer_}) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(t))) uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  }
}

int64_t BlockedClients::MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool BlockedClients::Block(uint64_t client_id, uint64_t token, int proto, const std::string& entry) {
  commands::LogCommand cmd;
  commands::BlockingWait wait;
  if (!commands::DecodeLogCommand(entry, &cmd) || !commands::DescribeBlocking(cmd.argv, &wait)) return false;
  if (waiters_.count(client_id)) return false;  // REQUIRES violated by the caller; never park twice
  Waiter& w = waiters_[client_id];
  w.slot_token = token;
  w.proto = proto;
  w.entry = entry;
  w.type = wait.type;
  for (auto& user_key : wait.keys) {
    std::string k = store::QualifyKey(static_cast<uint8_t>(std::max(cmd.db, 0)), user_key);  // the entry's database
    if (std::find(w.keys.begin(), w.keys.end(), k) == w.keys.end()) w.keys.push_back(std::move(k));
  }
  if (wait.timeout_ms > 0 && wait.timeout_ms < kForeverMs) {
    w.deadline_ms = MonoMs() + wait.timeout_ms;
    deadlines_.emplace(w.deadline_ms, client_id);
  }
  w.inflight = token;
  inflight_[token] = client_id;
  for (const auto& k : w.keys) by_key_[k].push_back(client_id);
  ArmTimer();
  return true;
}

bool BlockedClients::OnApplied(uint64_t token, std::string& reply) {
  auto it = inflight_.find(token);
  if (it == inflight_.end()) return false;
  uint64_t client_id = it->second;
  inflight_.erase(it);
  auto wit = waiters_.find(client_id);
  if (wit == waiters_.end()) return true;
  Waiter& w = wit->second;
  std::string wake_key = std::move(w.wake_key);
  w.wake_key.clear();
  w.inflight = 0;
  if (!wake_key.empty()) waking_.erase(wake_key);
  bool first = wake_key.empty();
  if (w.gone) {
    uint64_t slot = w.slot_token;
    waiters_.erase(wit);
    if (!wake_key.empty()) MarkReady(wake_key);
    hooks_.answer(client_id, slot, std::string());
    return true;
  }
  if (!first && NotExecuted(reply)) {
    // Never applied: the client keeps waiting and the periodic sweep tries again (not at once:
    // with no leader every attempt fails, possibly synchronously).
    if (w.on_empty == OnEmpty::kPark && !(w.deadline_ms && w.deadline_ms <= MonoMs())) return true;
    reply.clear();  // its timeout or UNBLOCK came meanwhile: answered below
  }
  // Touches of the key that came while the wake-up was in flight were skipped: look again.
  if (!wake_key.empty()) MarkReady(wake_key);
  if (!reply.empty() && !IsNil(reply)) {  // an element (or an error): the command is done
    std::vector<std::string> keys = w.keys;
    Finish(client_id, std::move(reply));
    for (const auto& k : keys) MarkReady(k);  // more elements may be there for the next client
  } else if (w.on_empty == OnEmpty::kError) {
    Finish(client_id, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  } else if (w.on_empty == OnEmpty::kTimeout || (w.deadline_ms && w.deadline_ms <= MonoMs())) {
    Finish(client_id, NilReply(w.proto));
  } else {
    // Parked (again). Elements that arrived while its pop was in flight found it busy: look again.
    for (const auto& k : w.keys) MarkReady(k);
  }
  return true;
}

void BlockedClients::Finish(uint64_t client_id, std::string&& reply) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return;
  uint64_t slot = it->second.slot_token;
  Unlink(client_id, it->second);
  waiters_.erase(it);
  hooks_.answer(client_id, slot, std::move(reply));
  to_resume_.push_back(client_id);
  ScheduleSoon();
}

void BlockedClients::Unlink(uint64_t client_id, Waiter& w) {
  for (const auto& k : w.keys) {
    auto q = by_key_.find(k);
    if (q == by_key_.end()) continue;
    std::erase(q->second, client_id);
    if (q->second.empty()) by_key_.erase(q);
  }
  if (w.deadline_ms) deadlines_.erase({w.deadline_ms, client_id});
}

void BlockedClients::KeysTouched(std::vector<std::string>&& keys) {
  for (auto& k : keys) {
    if (k == StateMachine::kAllKeysTouched) {  // SWAPDB, MOVE, COPY: any database may have changed
      for (const auto& [key, q] : by_key_) ready_.insert(key);
      if (!ready_.empty()) ScheduleSoon();
      continue;
    }
    MarkReady(k);
  }
}

void BlockedClients::MarkReady(const std::string& key) {
  if (!by_key_.count(key)) return;
  ready_.insert(key);
  ScheduleSoon();
}

void BlockedClients::ScheduleSoon() {
  if (closed_ || uv_is_active(reinterpret_cast<uv_handle_t*>(&soon_))) return;
  uv_timer_start(&soon_, [](uv_timer_t* t) { static_cast<BlockedClients*>(t->data)->RunSoon(); }, 0, 0);
}

void BlockedClients::RunSoon() {
  ProcessReady();
  std::vector<uint64_t> resume;
  resume.swap(to_resume_);
  for (uint64_t id : resume) hooks_.resume(id);
}

// For each ready key with no wake-up in flight: if it holds elements here, the first parked
// client on it (in blocking order) has its command proposed again.
void BlockedClients::ProcessReady() {
  std::set<std::string> keys;
  keys.swap(ready_);
  for (const auto& key : keys) {
    if (waking_.count(key)) continue;  // its outcome looks at the key again
    auto q = by_key_.find(key);
    if (q == by_key_.end()) continue;
    // The first parked client waiting for what the key holds (a list, a zset: clients of BLPOP and
    // BZPOPMIN on one key are not woken by the other type, as in Redis 7.0).
    uint64_t first = 0;
    int has[2] = {-1, -1};  // per type: unknown, no, yes
    for (uint64_t id : q->second) {
      const Waiter& w = waiters_.at(id);
      if (w.inflight != 0) continue;
      if (w.type == store::ValueType::kStream) {  // readiness depends on the waiter's IDs or group
        if (hooks_.stream_ready && hooks_.stream_ready(key, w.entry)) {
          first = id;
          break;
        }
        continue;
      }
      int& h = has[w.type == store::ValueType::kZset];
      if (h < 0) h = hooks_.has_elements(key, w.type) ? 1 : 0;
      if (h == 1) {
        first = id;
        break;
      }
    }
    if (first == 0) continue;
    Wake(first, key);
  }
}

void BlockedClients::Wake(uint64_t client_id, const std::string& key) {
  Waiter& w = waiters_.at(client_id);
  uint64_t token = next_token_++;
  std::string entry = w.entry;
  commands::RestampLogCommand(&entry, hooks_.log_clock_ms());
  int proto = w.proto;
  w.inflight = token;
  w.wake_key = key;
  waking_.insert(key);
  inflight_[token] = client_id;
  // May answer synchronously (OnApplied runs inside): w must not be used after this.
  if (!hooks_.propose(std::move(entry), token, proto)) {
    inflight_.erase(token);
    waking_.erase(key);
    auto it = waiters_.find(client_id);
    if (it != waiters_.end()) {
      it->second.inflight = 0;
      it->second.wake_key.clear();
    }
  }
}

void BlockedClients::ArmTimer() {
  if (closed_) return;
  int64_t now = MonoMs();
  int64_t when = INT64_MAX;
  if (!deadlines_.empty()) when = deadlines_.begin()->first;
  if (!waiters_.empty()) {
    if (next_sweep_ms_ == 0) next_sweep_ms_ = now + kSweepMs;
    when = std::min(when, next_sweep_ms_);
  }
  if (when == INT64_MAX) {
    uv_timer_stop(&timer_);
    return;
  }
  uint64_t delay = when > now ? static_cast<uint64_t>(when - now) : 0;
  uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<BlockedClients*>(t->data)->OnTimer(); }, delay, 0);
}

void BlockedClients::OnTimer() {
  int64_t now = MonoMs();
  std::vector<uint64_t> expired;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) expired.push_back(it->second);
  for (uint64_t id : expired) {
    auto wit = waiters_.find(id);
    if (wit == waiters_.end()) continue;
    Waiter& w = wit->second;
    if (w.inflight != 0) {
      // Its pop is in flight: the outcome decides (an element is delivered, nothing is nil).
      deadlines_.erase({w.deadline_ms, id});
      if (w.on_empty == OnEmpty::kPark) w.on_empty = OnEmpty::kTimeout;
      continue;
    }
    Finish(id, NilReply(w.proto));
  }
  if (next_sweep_ms_ != 0 && now >= next_sweep_ms_) {
    next_sweep_ms_ = 0;
    for (const auto& [key, q] : by_key_) ready_.insert(key);
    if (!ready_.empty()) ScheduleSoon();
  }
  ArmTimer();
}

void BlockedClients::Disconnected(uint64_t client_id) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return;
  Waiter& w = it->second;
  Unlink(client_id, w);
  if (w.inflight != 0) {  // the outcome comes later; its element, if any, is lost (see header)
    w.gone = true;
    return;
  }
  uint64_t slot = w.slot_token;
  waiters_.erase(it);
  hooks_.answer(client_id, slot, std::string());
}

int BlockedClients::Unblock(uint64_t client_id, bool error) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end() || it->second.gone) return 0;
  Waiter& w = it->second;
  if (w.inflight != 0) {
    w.on_empty = error ? OnEmpty::kError : OnEmpty::kTimeout;
    return 1;
  }
  Finish(client_id, error ? "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" : NilReply(w.proto));
  return 1;
}

bool BlockedClients::IsBlocked(uint64_t client_id) const {
  auto it = waiters_.find(client_id);
  return it != waiters_.end() && !it->second.gone;
}

}  // namespace redraft::server
