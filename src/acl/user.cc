#include "acl/user.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "acl/category.h"
#include "acl/password.h"

namespace redraft::acl {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Redis's ACLStringHasSpaces: isspace or NUL anywhere.
bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  }
  return false;
}

constexpr std::string_view kErrUnknown = "Unknown command or category name in ACL";
constexpr std::string_view kErrSyntax = "Syntax error";
constexpr std::string_view kErrAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. "
    "Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
    "effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoPass = "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr std::string_view kErrFirstArgSub = "Allowing first-arg of a subcommand is not supported";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Redis's sdssplitargs: words separated by spaces; "double quotes" with \xHH, \n, \r, \t, \b,
// \a and \<char> escapes; 'single quotes' with \'; a closing quote must end the word. Input it
// cannot split (unbalanced quotes) gives no words, as sdssplitargs's NULL does for the caller.
std::vector<std::string> SplitArgs(std::string_view in) {
  std::vector<std::string> out;
  size_t i = 0, n = in.size();
  while (true) {
    while (i < n && std::isspace(static_cast<unsigned char>(in[i]))) i++;
    if (i >= n) return out;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return {};
        if (in[i] == '\\' && i + 3 < n && in[i + 1] == 'x' && HexValue(in[i + 2]) >= 0 && HexValue(in[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexValue(in[i + 2]) * 16 + HexValue(in[i + 3])));
          i += 3;
        } else if (in[i] == '\\' && i + 1 < n) {
          i++;
          char c = in[i];
          cur.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c == 'b' ? '\b' : c == 'a' ? '\a' : c);
        } else if (in[i] == '"') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(in[i + 1]))) return {};
          done = true;
        } else {
          cur.push_back(in[i]);
        }
      } else if (insq) {
        if (i >= n) return {};
        if (in[i] == '\\' && i + 1 < n && in[i + 1] == '\'') {
          i++;
          cur.push_back('\'');
        } else if (in[i] == '\'') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(in[i + 1]))) return {};
          done = true;
        } else {
          cur.push_back(in[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          inq = true;
        } else if (c == '\'') {
          insq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) i++;
    }
    out.push_back(std::move(cur));
  }
}

}  // namespace

User::User(std::string name, const CommandSet* commands)
    : name_(std::move(name)), commands_(commands), bits_((commands->size() + 63) / 64, 0) {}

User User::Default(const CommandSet* commands) {
  User u("default", commands);
  for (const char* op : {"+@all", "~*", "&*", "on", "nopass"}) u.SetOp(op);
  return u;
}

void User::SetBit(int id, bool v) {
  uint64_t mask = uint64_t{1} << (id % 64);
  if (v) {
    bits_[id / 64] |= mask;
  } else {
    bits_[id / 64] &= ~mask;
    allcommands_ = false;
  }
}

void User::ChangePerm(int id, bool allow) {
  SetBit(id, allow);
  firstargs_.erase(id);
  for (int sub : commands_->children(id)) SetBit(sub, allow);
}

void User::SetCategory(uint32_t cat, bool allow) {
  // Redis walks containers before their subcommands; a container in the category sets its
  // subcommands too, then each subcommand is judged by its own categories.
  for (int top : commands_->top_level()) {
    if (commands_->at(top).categories & cat) ChangePerm(top, allow);
    for (int sub : commands_->children(top)) {
      if (commands_->at(sub).categories & cat) ChangePerm(sub, allow);
    }
  }
}

void User::AllCommands(bool allow) {
  std::fill(bits_.begin(), bits_.end(), allow ? ~uint64_t{0} : 0);
  future_ = allcommands_ = allow;
  firstargs_.clear();
}

std::optional<std::string> User::SetSelectorOp(std::string_view op) {
  if (IEquals(op, "allkeys") || IEquals(op, "~*")) {
    allkeys_ = true;
    keys_.clear();
  } else if (IEquals(op, "resetkeys")) {
    allkeys_ = false;
    keys_.clear();
  } else if (IEquals(op, "allchannels") || IEquals(op, "&*")) {
    allchannels_ = true;
    channels_.clear();
  } else if (IEquals(op, "resetchannels")) {
    allchannels_ = false;
    channels_.clear();
  } else if (IEquals(op, "allcommands") || IEquals(op, "+@all")) {
    AllCommands(true);
  } else if (IEquals(op, "nocommands") || IEquals(op, "-@all")) {
    AllCommands(false);
  } else if (op[0] == '~' || op[0] == '%') {
    if (allkeys_) return std::string(kErrAllKeys);
    int perm = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); offset++) {
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(perm & kKeyRead)) {
          perm |= kKeyRead;
        } else if (c == 'W' && !(perm & kKeyWrite)) {
          perm |= kKeyWrite;
        } else if (op[offset] == '~') {
          offset++;
          break;
        } else {
          return std::string(kErrSyntax);
        }
      }
      if (perm == 0) return std::string(kErrSyntax);
    } else {
      perm = kKeyAll;
    }
    std::string_view pat = op.substr(std::min(offset, op.size()));
    if (HasSpaces(pat)) return std::string(kErrSyntax);
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const KeyPattern& k) { return k.pattern == pat; });
    if (it == keys_.end()) keys_.push_back(KeyPattern{std::string(pat), perm, LiteralPrefixLen(pat)});
    else it->perm |= perm;
    allkeys_ = false;
  } else if (op[0] == '&') {
    if (allchannels_) return std::string(kErrAllChannels);
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return std::string(kErrSyntax);
    if (std::find(channels_.begin(), channels_.end(), pat) == channels_.end()) channels_.emplace_back(pat);
    allchannels_ = false;
  } else if (op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
    std::string_view rest = op.substr(1);
    size_t bar = rest.rfind('|');
    if (bar == std::string_view::npos) {
      int id = commands_->Find(rest);
      if (id < 0) return std::string(kErrUnknown);
      ChangePerm(id, true);
    } else {
      std::string_view name = rest.substr(0, bar), sub = rest.substr(bar + 1);
      int id = commands_->Find(name);
      if (id < 0) return std::string(kErrUnknown);
      if (commands_->at(id).parent >= 0) return std::string(kErrFirstArgSub);
      if (sub.empty()) return std::string(kErrSyntax);
      if (!commands_->children(id).empty()) {
        int sid = commands_->Find(rest);
        if (sid < 0) return std::string(kErrUnknown);
        ChangePerm(sid, true);
      } else {
        auto& args = firstargs_[id];
        bool dup = std::any_of(args.begin(), args.end(), [&](const std::string& a) { return IEquals(a, sub); });
        if (!dup) args.emplace_back(sub);
      }
    }
  } else if (op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
    int id = commands_->Find(op.substr(1));
    if (id < 0) return std::string(kErrUnknown);
    ChangePerm(id, false);
  } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
    uint32_t cat = CategoryByName(op.substr(2));
    if (!cat) return std::string(kErrUnknown);
    SetCategory(cat, op[0] == '+');
  } else {
    return std::string(kErrSyntax);
  }
  return std::nullopt;
}

std::optional<std::string> User::SetOp(std::string_view op) {
  if (op.empty()) return std::nullopt;
  if (IEquals(op, "on")) {
    enabled_ = true;
  } else if (IEquals(op, "off")) {
    enabled_ = false;
  } else if (IEquals(op, "skip-sanitize-payload")) {
    sanitize_ = Sanitize::kSkip;
  } else if (IEquals(op, "sanitize-payload")) {
    sanitize_ = Sanitize::kSanitize;
  } else if (IEquals(op, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (IEquals(op, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return std::string(kErrBadHash);
      hash = op.substr(1);
    }
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) passwords_.push_back(hash);
    nopass_ = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return std::string(kErrBadHash);
      hash = op.substr(1);
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return std::string(kErrNoPass);
    passwords_.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    // A new selector from the rules inside (split as Redis's sdssplitargs; unbalanced quotes
    // give no rules, as there), each a selector rule.
    User sel("", commands_);
    for (const std::string& rule : SplitArgs(op.substr(1, op.size() - 2))) {
      if (rule.empty()) return std::string(kErrSyntax);
      if (auto err = sel.SetSelectorOp(rule)) return err;
    }
    selectors_.push_back(std::move(sel));
  } else if (IEquals(op, "clearselectors")) {
    selectors_.clear();
  } else if (IEquals(op, "reset")) {
    for (const char* o : {"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "clearselectors", "-@all"}) {
      SetOp(o);
    }
  } else {
    return SetSelectorOp(op);
  }
  return std::nullopt;
}

std::optional<std::string> User::SetOps(std::span<const std::string> ops) {
  User copy = *this;
  for (const std::string& op : ops) {
    if (auto err = copy.SetOp(op)) return "ERR Error in ACL SETUSER modifier '" + op + "': " + *err;
  }
  *this = std::move(copy);
  return std::nullopt;
}

bool User::CheckPassword(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  std::string hash = HashPassword(password);
  bool ok = false;
  for (const std::string& p : passwords_) ok |= ConstantTimeEquals(hash, p);
  return ok;
}

bool User::CommandAllowed(int cmd_id) const { return allcommands_ || Bit(cmd_id) || commands_->at(cmd_id).no_auth; }

size_t User::LiteralPrefixLen(std::string_view pattern) {
  // Not "*" alone: Redis's matcher does not match "*" against an empty key.
  if (pattern.size() < 2 || pattern.back() != '*') return std::string::npos;
  std::string_view prefix = pattern.substr(0, pattern.size() - 1);
  if (prefix.find_first_of("*?[\\") != std::string_view::npos) return std::string::npos;
  return prefix.size();
}

namespace {
// Key prefixes are short ("app:"): an inline loop beats a call into libc's memcmp here.
inline bool HasPrefix(std::string_view key, const char* prefix, size_t n) {
  if (key.size() < n) return false;
  for (size_t i = 0; i < n; i++) {
    if (key[i] != prefix[i]) return false;
  }
  return true;
}
}  // namespace

bool User::KeyAllowed(std::string_view key, int perm, GlobFn glob) const {
  if (allkeys_) return true;
  for (const KeyPattern& k : keys_) {
    if ((k.perm & perm) != perm) continue;
    if (k.prefix_len != std::string::npos ? HasPrefix(key, k.pattern.data(), k.prefix_len) : glob(k.pattern, key)) {
      return true;
    }
  }
  return false;
}

bool User::ChannelAllowed(std::string_view channel, bool literal, GlobFn glob) const {
  if (allchannels_) return true;
  for (const std::string& p : channels_) {
    if (literal ? p == channel : glob(p, channel)) return true;
  }
  return false;
}

CheckResult User::CheckOtherSelectors(CheckResult best, int cmd_id, std::span<const std::string> argv,
                                      std::span<const KeyArg> keys, std::span<const size_t> channels,
                                      bool channels_literal, GlobFn glob) const {
  // Redis's order of "relevance" (ACL_DENIED_CMD 1, KEY 2, CHANNEL 4).
  auto rank = [](Denial d) { return d == Denial::kChannel ? 4 : d == Denial::kKey ? 2 : 1; };
  for (const User& sel : selectors_) {
    CheckResult r = sel.CheckSelector(cmd_id, argv, keys, channels, channels_literal, glob);
    if (r.denial == Denial::kNone) return r;
    if (rank(r.denial) > rank(best.denial) || (rank(r.denial) == rank(best.denial) && r.argpos > best.argpos)) best = r;
  }
  return best;
}

CheckResult User::CheckSelector(int cmd_id, std::span<const std::string> argv, std::span<const KeyArg> keys,
                                std::span<const size_t> channels, bool channels_literal, GlobFn glob) const {
  // The bit first: the common allowed command costs one load.
  if (!allcommands_ && !Bit(cmd_id) && !commands_->at(cmd_id).no_auth) {
    auto it = firstargs_.find(cmd_id);
    size_t idx = commands_->at(cmd_id).parent >= 0 ? 2 : 1;
    if (it == firstargs_.end() || argv.size() < 2 || idx >= argv.size()) return {Denial::kCommand, 0};
    bool match = std::any_of(it->second.begin(), it->second.end(),
                             [&](const std::string& a) { return IEquals(a, argv[idx]); });
    if (!match) return {Denial::kCommand, 0};
  }
  if (!allkeys_) {
    for (const KeyArg& k : keys) {
      if (!KeyAllowed(argv[k.pos], k.perm, glob)) return {Denial::kKey, k.pos};
    }
  }
  if (!allchannels_) {
    for (size_t pos : channels) {
      if (!ChannelAllowed(argv[pos], channels_literal, glob)) return {Denial::kChannel, pos};
    }
  }
  return {};
}

}  // namespace redraft::acl
