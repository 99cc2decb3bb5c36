// The command table: the union of each family's declarative table. COMMAND, arity checks and the
// read/write split all come from here.
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "commands/command.h"
#include "commands/scripting_cmds.h"
#include "commands/streams_groups.h"
#include "commands/monitor.h"  // SLOWLOG, LATENCY, MONITOR (issue 13)

namespace redraft::commands {
namespace {

// Command names are found as the client sent them, in any case: the hash and the equality fold
// ASCII letters themselves (no locale call, no lowered copy, no std::string per request).
constexpr char FoldAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    uint64_t h = 14695981039346656037ull;  // FNV-1a over the folded bytes: names are short
    for (char c : s) h = (h ^ static_cast<unsigned char>(FoldAscii(c))) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

struct NameEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return FoldAscii(x) == FoldAscii(y);
           });
  }
};

struct Registry {
  std::vector<const CommandSpec*> all;
  std::unordered_map<std::string, const CommandSpec*, NameHash, NameEqual> by_name;

  Registry() {
    for (const CommandSpec* table : {kServerCommands, kStringCommands, kKeyCommands, kHashCommands, kListCommands,
                                        kSetCommands, kZsetCommands, kStreamCommands, kClusterCommands, kAclCommands, kPubsubCommands,
                                        kScriptingCommands, kFunctionCommands,
                                        kBitmapCommands, kHyperLogLogCommands,
                                        // issue 12 (geo, SORT, LCS)
                                        kGeoCommands, kSortCommands,
                                        kStreamGroupCommands,  // streams_groups.h
                                        kObjectCommands, kEvictionCommands,
                                        kDumpCommands, kWaitCommands, kMigrateCommands,
                                        kSlowlogCommands, kLatencyCommands, kMonitorCommands,
                                        kLogReadCommands}) {  // log_read.h (benches12)
      for (const CommandSpec* c = table; !c->name.empty(); ++c) {
        all.push_back(c);
        by_name.emplace(std::string(c->name), c);
        c->id = ++ids;
        for (const CommandSpec* s = c->subcommands; s && !s->name.empty(); ++s) {
          if (!s->id) s->id = ++ids;  // a subcommand table shared by two containers keeps its first id
        }
      }
    }
  }
  uint32_t ids = 0;
};

const Registry& GetRegistry() {
  static const Registry registry;
  return registry;
}

}  // namespace

const CommandSpec* Lookup(std::string_view name) {
  if (name.size() > 64) return nullptr;  // longer than any command: not worth hashing
  const auto& reg = GetRegistry();
  auto it = reg.by_name.find(name);
  return it == reg.by_name.end() ? nullptr : it->second;
}

const std::vector<const CommandSpec*>& AllCommands() { return GetRegistry().all; }

}  // namespace redraft::commands
