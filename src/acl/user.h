// An ACL user as Redis 7.0 has it (see category.h for what acl/ owns): flags, password hashes,
// the root selector (allowed commands as a bitmap over a CommandSet, allowed first arguments,
// key patterns with read/write permissions, channel patterns) and further selectors "(...)": a
// command is allowed if the root or any selector allows it with all its keys and channels. A
// selector is held as a User of which only the selector fields are used (no name, flags or
// passwords; SetSelectorOp is the only way they change). A User is a value: copy it, change the
// copy, swap it in.
// Not thread-safe for writes; const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/command_set.h"

namespace redraft::acl {

// Key permissions a key pattern grants, or a key access requires.
enum KeyPerm : int { kKeyRead = 1, kKeyWrite = 2, kKeyAll = 3 };

// Glob matching as Redis's stringmatchlen (handed in: commands/ owns the implementation).
using GlobFn = bool (*)(std::string_view pattern, std::string_view str);

// A key argument of a command: its position in argv and the permissions its access needs.
struct KeyArg {
  size_t pos;
  int perm;  // KeyPerm bits
};

enum class Denial { kNone = 0, kCommand = 1, kKey = 2, kChannel = 3, kAuth = 4 };
struct CheckResult {
  Denial denial = Denial::kNone;
  size_t argpos = 0;  // the key or channel denied (kKey, kChannel)
};

class User {
 public:
  // A user as ACL SETUSER creates it: off, no passwords, no commands, keys or channels.
  User(std::string name, const CommandSet* commands);
  // Redis's default user: on nopass ~* &* +@all.
  static User Default(const CommandSet* commands);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  // Everything is allowed (+@all ~* &*): the check is skipped.
  bool unrestricted() const { return allcommands_ && allkeys_ && allchannels_; }

  // Applies one ACL SETUSER modifier. On error returns Redis's reason (the text after
  // "Error in ACL SETUSER modifier '...': ") and leaves the user as it was before this op
  // only for the checks Redis makes before changing anything (callers apply a whole rule list
  // to a copy, as Redis does).
  std::optional<std::string> SetOp(std::string_view op);
  // Applies ops in order to a copy; on the first error returns "ERR Error in ACL SETUSER
  // modifier 'op': reason" and leaves *this unchanged.
  std::optional<std::string> SetOps(std::span<const std::string> ops);

  // The user's rules as ACL LIST shows them after "user <name> " (Redis's ACLDescribeUser), and
  // the same as separate modifiers: applying Ops() to a new user recreates this one exactly.
  std::string Describe() const;
  std::vector<std::string> Ops() const;
  // ACL GETUSER's fields.
  std::vector<std::string> FlagNames() const;
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;      // "~a %R~b" (no trailing space); "~*" for allkeys
  std::string DescribeChannels() const;  // "&a &b"; "&*" for allchannels
  // The selectors besides the root one, in the order added (GETUSER describes each with
  // DescribeCommands/Keys/Channels).
  const std::vector<User>& selectors() const { return selectors_; }

  // Whether password opens this user (enabled, and nopass or a matching hash).
  bool CheckPassword(std::string_view password) const;

  // Redis's ACLCheckAllUserCommandPerm: each selector (root first) checks the command bit (or an
  // allowed first argument), then every key against its patterns, then channels; allowed if one
  // selector allows all. Else the most specific denial (channel > key > command; the later
  // argument among equals), as Redis reports it.
  // `argv` is the whole command; `first_arg_pos` is where a first-arg rule looks (1, or 2 for
  // a subcommand); channels are argv positions checked against & patterns (literal for
  // PSUBSCRIBE patterns).
  CheckResult Check(int cmd_id, std::span<const std::string> argv, std::span<const KeyArg> keys,
                    std::span<const size_t> channels = {}, bool channels_literal = false,
                    GlobFn glob = nullptr) const {
    CheckResult r = CheckSelector(cmd_id, argv, keys, channels, channels_literal, glob);
    if (r.denial == Denial::kNone || selectors_.empty()) return r;  // the root decides (common)
    return CheckOtherSelectors(r, cmd_id, argv, keys, channels, channels_literal, glob);
  }
  bool CommandAllowed(int cmd_id) const;
  bool KeyAllowed(std::string_view key, int perm, GlobFn glob) const;
  bool ChannelAllowed(std::string_view channel, bool literal, GlobFn glob) const;

  bool operator==(const User&) const = default;

 private:
  friend class Describer;
  struct KeyPattern {
    std::string pattern;
    int perm;
    // "literal*" (no other glob character): matching is a prefix comparison, the common case
    // (~app:*) decided without the glob matcher. npos if the pattern is not of that form.
    size_t prefix_len = std::string::npos;
    bool operator==(const KeyPattern&) const = default;
  };
  static size_t LiteralPrefixLen(std::string_view pattern);
  enum class Sanitize : uint8_t { kUnset, kSanitize, kSkip };

  bool Bit(int id) const { return bits_[id / 64] >> (id % 64) & 1; }
  void SetBit(int id, bool v);
  void ChangePerm(int id, bool allow);  // the command and its subcommands; clears its first-args
  void SetCategory(uint32_t cat, bool allow);
  void AllCommands(bool allow);
  std::optional<std::string> SetSelectorOp(std::string_view op);
  // The root selector's part of Ops(): keys, channels, command rules (Redis's ACLDescribeSelector).
  std::vector<std::string> SelectorOps() const;
  CheckResult CheckOtherSelectors(CheckResult root, int cmd_id, std::span<const std::string> argv,
                                  std::span<const KeyArg> keys, std::span<const size_t> channels,
                                  bool channels_literal, GlobFn glob) const;
  CheckResult CheckSelector(int cmd_id, std::span<const std::string> argv, std::span<const KeyArg> keys,
                            std::span<const size_t> channels, bool channels_literal, GlobFn glob) const;

  std::string name_;
  const CommandSet* commands_;
  bool enabled_ = false;
  bool nopass_ = false;
  Sanitize sanitize_ = Sanitize::kUnset;
  std::vector<std::string> passwords_;  // hex SHA-256, in the order added
  // Root selector.
  std::vector<uint64_t> bits_;
  bool future_ = false;       // Redis's reserved bit: set by +@all, cleared only by -@all
  bool allcommands_ = false;  // fast path: set by +@all, cleared by any denial
  std::map<int, std::vector<std::string>> firstargs_;
  bool allkeys_ = false;
  std::vector<KeyPattern> keys_;
  bool allchannels_ = false;
  std::vector<std::string> channels_;
  std::vector<User> selectors_;  // "(...)" selectors, in the order added
};

}  // namespace redraft::acl
