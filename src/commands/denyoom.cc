// Redis 7.0's denyoom commands (denyoom.h).
#include "commands/denyoom.h"

#include <unordered_set>

namespace redraft::commands {
namespace {

// Redis 7.0's commands flagged denyoom (COMMAND INFO of Debian's redis-server), by full name: the
// OOM gate uses Redis's list whatever the family tables flag, so OOM answers match Redis's.
bool RedisDenyOom(std::string_view name) {
  static const std::unordered_set<std::string_view> kNames = {
      "append", "bitfield", "bitop", "blmove", "brpoplpush", "copy", "decr", "decrby", "function|load",
      "function|restore", "geoadd", "georadius", "georadiusbymember", "geosearchstore", "getset", "hincrby",
      "hincrbyfloat", "hmset", "hset", "hsetnx", "incr", "incrby", "incrbyfloat", "linsert", "lmove", "lpush",
      "lpushx", "lset", "mset", "msetnx", "pfadd", "pfdebug", "pfmerge", "psetex", "restore", "restore-asking",
      "rpoplpush", "rpush", "rpushx", "sadd", "sdiffstore", "set", "setbit", "setex", "setnx", "setrange",
      "sinterstore", "sort", "sunionstore", "xadd", "xgroup|create", "xgroup|createconsumer", "xsetid", "zadd",
      "zdiffstore", "zincrby", "zinterstore", "zrangestore", "zunionstore"};
  return kNames.count(name) != 0;
}

}  // namespace

bool IsDenyOom(const CommandSpec& spec) { return (spec.flags & kDenyOom) || RedisDenyOom(spec.name); }

}  // namespace redraft::commands
