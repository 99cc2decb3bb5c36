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

struct Registry {
  std::vector<const CommandSpec*> all;
  std::unordered_map<std::string, const CommandSpec*> by_name;

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
  if (name.size() > 64) return nullptr;
  char lower[64];
  for (size_t i = 0; i < name.size(); i++) {  // ASCII only, without tolower's locale call (per command)
    char c = name[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  const auto& reg = GetRegistry();
  auto it = reg.by_name.find(std::string(lower, name.size()));
  return it == reg.by_name.end() ? nullptr : it->second;
}

const std::vector<const CommandSpec*>& AllCommands() { return GetRegistry().all; }

}  // namespace redraft::commands
