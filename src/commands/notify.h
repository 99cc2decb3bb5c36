// Keyspace notifications (Redis's notify.c): the event classes of notify-keyspace-events and the
// sink that apply functions report their events to (docs/pubsub.md).
//
// Every node applies every committed entry, so every node produces the same events from the same
// entries and publishes them to its OWN subscribers only (never forwarded between nodes). Apply
// functions call Notify(ctx, class, event, key) where Redis calls notifyKeyspaceEvent; the state
// machine gives ApplyContext a sink only while notify-keyspace-events selects something, so with
// the default (empty) a call is one null-pointer test. Events are deterministic (they depend only
// on the entry and the state), but are not state: they are published after the entry's batch is
// committed, in apply order, and a node that was down misses them (as a Redis replica would).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::commands {

struct ApplyContext;

// Redis 7.0's NOTIFY_* bits.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K
  kNotifyKeyevent = 1u << 1,  // E
  kNotifyGeneric = 1u << 2,   // g
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZset = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyLoaded = 1u << 12,   // (modules only)
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n
  // 'A': g$lshzxetd (not m, not n)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash | kNotifyZset |
               kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// notify-keyspace-events text <-> bits, as Redis's keyspaceEventsStringToFlags (nullopt for an
// unknown letter) and keyspaceEventsFlagsToString (its normalization: "KEA" reads back "AKE").
std::optional<uint32_t> ParseNotifyFlags(std::string_view s);
std::string NotifyFlagsToString(uint32_t flags);

struct KeyEvent {
  uint32_t type;  // one NotifyClass
  std::string event;
  std::string key;
  int db;
};

// Collects the events of the entries being applied. flags: the configured classes (non-zero).
struct NotifySink {
  uint32_t flags = 0;
  std::vector<KeyEvent> events;
};

// Redis's notifyKeyspaceEvent(type, event, key, dbid) for the key as the command named it, in
// the database of ctx.batch (the entry's, or SELECT's inside MULTI). Nothing unless the class is
// selected and K or E is.
void Notify(ApplyContext& ctx, uint32_t type, std::string_view event, std::string_view key);
// The same for a key in another database (MOVE, COPY ... DB) or a stored key (active expiry:
// db is decoded from it by the caller).
void NotifyDb(ApplyContext& ctx, uint32_t type, std::string_view event, std::string_view key, int db);

// The channel names of an event: __keyspace@<db>__:<key> and __keyevent@<db>__:<event>.
std::string KeyspaceChannel(int db, std::string_view key);
std::string KeyeventChannel(int db, std::string_view event);

}  // namespace redraft::commands
