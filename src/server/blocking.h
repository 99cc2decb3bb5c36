// Blocked clients (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP): who waits on
// which key, in which order, until when, and the wake-ups. The design, and what differs from
// Redis: docs/blocking.md.
//
// A blocking command is proposed as an ordinary write whose apply is the non-blocking form: it
// pops if a key has an element, else replies nil ("nothing yet"). On the node that proposed it
// (the client's node) the nil parks the client here, keyed by the keys it waits on, in arrival
// order. Every node reports the keys its applied writes touched (KeysTouched, from the state
// machine); when a key with parked clients holds a non-empty list (zset, for the BZ commands) in
// this node's applied state, the first parked client on that key waiting for that type (FIFO) has
// its command proposed again, one per key at a time. Because the pop is itself a log entry, an
// element goes to exactly one client across all nodes; a re-proposal that finds the keys empty
// again (another node's client won) re-parks.
//
// A key here is [logical db:1][user key] (store::QualifyKey with the entry's database), as the
// state machine reports touched keys: a client blocked on database 1 is not woken by database 0.
// SWAPDB, MOVE and COPY report StateMachine::kAllKeysTouched: every parked key is looked at again.
//
// Timeouts are local (this node's monotonic clock), never replicated. A client whose command is in
// flight when its timeout or CLIENT UNBLOCK comes keeps waiting for the outcome: an element the log
// gave it is delivered, never dropped. A disconnect while a pop is in flight loses that element,
// as a Redis client that disconnects right after its reply was written would.
//
// Thread-safety: event-loop thread only. Re-entrancy: Hooks::answer and Hooks::propose may call
// back into this class (a proposal can fail synchronously); every method finishes its own
// bookkeeping before calling a hook, and resuming a client's input is deferred to the next loop
// iteration (Hooks::resume), never done inside the caller's stack.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/store.h"

namespace redraft::server {

class BlockedClients {
 public:
  struct Hooks {
    // Proposes a write entry (Replicator::Propose); false if writes are refused now (disk fault).
    std::function<bool(std::string entry, uint64_t token, int proto)> propose;
    // Answers the client's reply slot `token` with `reply` (empty: the client is gone, just forget
    // the slot). The client no longer counts as blocked.
    std::function<void(uint64_t client_id, uint64_t token, std::string&& reply)> answer;
    // Lets an answered client's connection parse its next commands (called from the loop).
    std::function<void(uint64_t client_id)> resume;
    // True if key holds a non-empty collection of `type` (list, zset) in this node's applied state.
    std::function<bool(std::string_view key, store::ValueType type)> has_elements;
    // For stream waiters (XREAD/XREADGROUP BLOCK): whether the parked command `entry` would be
    // served now on key (commands::StreamWaitReady in this node's applied state).
    std::function<bool(std::string_view key, const std::string& entry)> stream_ready;
    // The cluster clock (ms) to restamp a re-proposed entry with.
    std::function<int64_t()> log_clock_ms;
  };

  // Tokens this class allocates for re-proposals start here, far above the server's own.
  static constexpr uint64_t kFirstToken = 1ull << 62;

  BlockedClients(uv_loop_t* loop, Hooks hooks);
  BlockedClients(const BlockedClients&) = delete;
  BlockedClients& operator=(const BlockedClients&) = delete;

  // The client's blocking command `entry` (an encoded LogCommand, as PrepareWrite returned it) is
  // about to be proposed with the reply slot `token`. Registers the client as blocked; its outcome
  // comes back through OnApplied(token). False (nothing registered) if entry is not a blocking
  // command: propose it as a plain write.
  bool Block(uint64_t client_id, uint64_t token, int proto, const std::string& entry);

  // Every write outcome passes here first. True if the token was a blocking command's (initial or
  // re-proposed): it is handled here (answered, parked or re-parked). `reply` may be consumed.
  bool OnApplied(uint64_t token, std::string& reply);

  // A write applied on this node touched these strings (arguments that may be keys). Cheap:
  // processed on the next loop iteration.
  void KeysTouched(std::vector<std::string>&& keys);
  // Whether some client waits on key (the state machine reports only those).
  bool Watching(std::string_view key) const { return !by_key_.empty() && by_key_.find(key) != by_key_.end(); }

  // The client's connection closed.
  void Disconnected(uint64_t client_id);
  // CLIENT UNBLOCK: 1 if the client was blocked (answered with nil, or with the -UNBLOCKED error
  // when error is set; a client whose pop is in flight gets its element if the pop found one).
  int Unblock(uint64_t client_id, bool error);

  bool IsBlocked(uint64_t client_id) const;
  size_t size() const { return waiters_.size(); }

  // Closes the timers (before the loop closes).
  void Close();

 private:
  enum class OnEmpty : uint8_t { kPark, kTimeout, kError };
  struct Waiter {
    uint64_t slot_token = 0;        // the client's reply slot
    int proto = 2;
    std::string entry;              // the command's log form, proposed again on wake-ups
    std::vector<std::string> keys;  // distinct, in argument order
    store::ValueType type = store::ValueType::kList;  // what it pops
    int64_t deadline_ms = 0;        // monotonic; 0 = forever
    uint64_t inflight = 0;          // the proposal whose outcome is awaited; 0 = parked
    std::string wake_key;           // the key whose readiness sent `inflight` ("" for the first)
    OnEmpty on_empty = OnEmpty::kPark;  // what an empty outcome means (timeout/UNBLOCK came)
    bool gone = false;              // disconnected while in flight: forget it on the outcome
  };

  void Finish(uint64_t client_id, std::string&& reply);
  void Unlink(uint64_t client_id, Waiter& w);  // off the key queues and the deadlines
  void MarkReady(const std::string& key);
  void ScheduleSoon();
  void RunSoon();        // ready keys, resumptions
  void ProcessReady();
  void Wake(uint64_t client_id, const std::string& key);
  void OnTimer();        // deadlines and the periodic re-check
  void ArmTimer();
  std::string NilReply(int proto) const { return proto == 3 ? "_\r\n" : "*-1\r\n"; }
  static int64_t MonoMs();

  uv_loop_t* loop_;
  Hooks hooks_;
  uv_timer_t soon_;   // 0 ms: runs RunSoon on the next loop iteration
  uv_timer_t timer_;  // the nearest deadline, or the periodic re-check
  bool closed_ = false;

  std::unordered_map<uint64_t, Waiter> waiters_;                  // by client id
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // key -> ids of the clients waiting on it, in blocking order (FIFO)
  std::unordered_map<std::string, std::deque<uint64_t>, KeyHash, std::equal_to<>> by_key_;
  std::unordered_set<std::string> waking_;                        // keys with a wake-up in flight
  std::unordered_map<uint64_t, uint64_t> inflight_;               // proposal token -> client id
  std::set<std::pair<int64_t, uint64_t>> deadlines_;              // (deadline, client id)
  std::set<std::string> ready_;                                   // keys to look at soon
  std::vector<uint64_t> to_resume_;
  uint64_t next_token_ = kFirstToken;
  int64_t next_sweep_ms_ = 0;
};

}  // namespace redraft::server
