// The ACL file (Redis 7.0's aclfile format, docs/acl.md): one user per line,
//   user <name> <rule> <rule> ...
// rules as ACL SETUSER takes them (selectors may span several space-separated words, merged from
// one starting with '(' to one ending with ')'), blank lines ignored. Words are separated by single
// spaces and are not unquoted (Redis's sdssplitlen, not sdssplitargs); each line and each rule is
// trimmed of tabs and line ends. Pure: the caller reads and writes the file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/user.h"

namespace redraft::acl {

// Parses an ACL file's text. On success returns the users (name -> User::Ops() of the user the
// line describes, so clear-text '>' passwords come back as '#' hashes); on any error returns
// Redis's ACL LOAD error text (every faulty line, then "WARNING: ACL errors detected, no change to
// the previously active ACL rules was performed"). `filename` is named in the errors.
struct AclFileResult {
  std::map<std::string, std::vector<std::string>> users;
  std::optional<std::string> error;
};
AclFileResult ParseAclFile(std::string_view text, std::string_view filename, const CommandSet* commands);

// The file ACL SAVE writes: "user <name> <ACL LIST description>\n" per user, in name order.
std::string FormatAclFile(const std::map<std::string, std::shared_ptr<const User>>& users);

// ACL SETUSER's argument merging (Redis's ACLMergeSelectorArguments): the words from one that
// starts with '(' (and does not end with ')') to the next that ends with ')' become one rule,
// joined by spaces. nullopt if a selector is not closed; *bad is then the word that opened it.
std::optional<std::vector<std::string>> MergeSelectorArgs(std::span<const std::string> args, std::string* bad);

}  // namespace redraft::acl
