// acl/: Redis 7.0 ACL users as pure logic. Owns users and their rules (ACL SETUSER modifiers),
// how a user is described (ACL LIST / GETUSER text, byte for byte as Redis 7.0 writes it),
// permission checks (commands, key patterns ~ %R~ %W~, channel patterns &), password hashing
// (SHA-256) and the ACL LOG of denials. Must not touch the store, sockets, the event loop, Raft or
// the command table itself: the commands it knows and their categories are handed in
// (CommandSet), and where users are kept and how they replicate is the server's business
// (docs/acl.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace redraft::acl {

// Redis's ACL categories, in Redis's order (ACL CAT, and the order ACL LIST tries them in).
enum Category : uint32_t {
  kKeyspace = 1u << 0,
  kRead = 1u << 1,
  kWrite = 1u << 2,
  kSet = 1u << 3,
  kSortedSet = 1u << 4,
  kList = 1u << 5,
  kHash = 1u << 6,
  kString = 1u << 7,
  kBitmap = 1u << 8,
  kHyperLogLog = 1u << 9,
  kGeo = 1u << 10,
  kStream = 1u << 11,
  kPubsub = 1u << 12,
  kAdmin = 1u << 13,
  kFast = 1u << 14,
  kSlow = 1u << 15,
  kBlocking = 1u << 16,
  kDangerous = 1u << 17,
  kConnection = 1u << 18,
  kTransaction = 1u << 19,
  kScripting = 1u << 20,
};
inline constexpr int kCategoryCount = 21;
inline constexpr std::string_view kCategoryNames[kCategoryCount] = {
    "keyspace", "read",  "write", "set",      "sortedset", "list",       "hash",        "string",
    "bitmap",   "hyperloglog", "geo", "stream", "pubsub", "admin",      "fast",        "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting"};

// "hash" -> kHash, case-insensitive, without the '@'; 0 if unknown.
uint32_t CategoryByName(std::string_view name);

}  // namespace redraft::acl
