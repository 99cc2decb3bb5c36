#include "commands/notify.h"

#include "commands/command.h"

namespace redraft::commands {
namespace {

// Letter order of keyspaceEventsFlagsToString (after 'A' or the class letters: K E m).
constexpr std::pair<char, uint32_t> kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew}};

}  // namespace

std::optional<uint32_t> ParseNotifyFlags(std::string_view s) {
  uint32_t flags = 0;
  for (char c : s) {
    switch (c) {
      case 'A': flags |= kNotifyAll; break;
      case 'K': flags |= kNotifyKeyspace; break;
      case 'E': flags |= kNotifyKeyevent; break;
      case 'm': flags |= kNotifyKeyMiss; break;
      default: {
        bool found = false;
        for (auto [letter, bit] : kClassLetters) {
          if (letter == c) {
            flags |= bit;
            found = true;
          }
        }
        if (!found) return std::nullopt;
      }
    }
  }
  return flags;
}

std::string NotifyFlagsToString(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';  // as Redis: 'n' is not shown next to 'A'
  } else {
    for (auto [letter, bit] : kClassLetters) {
      if (flags & bit) out += letter;
    }
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyKeyMiss) out += 'm';
  return out;
}

void NotifyDb(ApplyContext& ctx, uint32_t type, std::string_view event, std::string_view key, int db) {
  NotifySink* sink = ctx.notify;
  if (!sink || !(sink->flags & type) || !(sink->flags & (kNotifyKeyspace | kNotifyKeyevent))) return;
  sink->events.push_back(KeyEvent{type, std::string(event), std::string(key), db});
}

void Notify(ApplyContext& ctx, uint32_t type, std::string_view event, std::string_view key) {
  if (!ctx.notify) return;  // the common case: nothing configured
  NotifyDb(ctx, type, event, key, std::max(ctx.batch.db(), 0));
}

std::string KeyspaceChannel(int db, std::string_view key) {
  std::string ch = "__keyspace@" + std::to_string(db) + "__:";
  ch.append(key);
  return ch;
}

std::string KeyeventChannel(int db, std::string_view event) {
  std::string ch = "__keyevent@" + std::to_string(db) + "__:";
  ch.append(event);
  return ch;
}

}  // namespace redraft::commands
