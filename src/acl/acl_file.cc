#include "acl/acl_file.h"

#include <cctype>
#include <memory>
#include <set>

namespace redraft::acl {
namespace {

std::string_view Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

// Redis's sdssplitlen(line, " "): every single space separates, so two spaces give an empty word.
std::vector<std::string> SplitSpaces(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    out.emplace_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
    if (sp == std::string_view::npos) return out;
    start = sp + 1;
  }
}

// Redis's ACLStringHasSpaces.
bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  }
  return false;
}

constexpr std::string_view kUnknown = "Unknown command or category name in ACL";  // Redis's ENOENT

}  // namespace

std::optional<std::vector<std::string>> MergeSelectorArgs(std::span<const std::string> args, std::string* bad) {
  std::vector<std::string> out;
  std::string sel;
  bool open = false;
  for (const std::string& op : args) {
    if (!open && !op.empty() && op[0] == '(' && op.back() != ')') {
      sel = op;
      open = true;
      *bad = op;
      continue;
    }
    if (open) {
      sel += " " + op;
      if (!op.empty() && op.back() == ')') {
        open = false;
        out.push_back(sel);
      }
      continue;
    }
    out.push_back(op);
  }
  if (open) return std::nullopt;
  return out;
}

AclFileResult ParseAclFile(std::string_view text, std::string_view filename, const CommandSet* commands) {
  AclFileResult res;
  std::string errors;
  std::set<std::string> seen;  // names of every line so far, faulty ones included (as Redis)
  const std::string file(filename);
  size_t pos = 0;
  for (int linenum = 1; pos <= text.size(); linenum++) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    std::string_view line = Trim(raw, " \t\r\n");
    if (line.empty()) continue;
    std::vector<std::string> argv = SplitSpaces(line);
    if (argv[0] != "user" || argv.size() < 2) {
      errors += file + ":" + std::to_string(linenum) + " should start with user keyword followed by the username. ";
      continue;
    }
    if (HasSpaces(argv[1])) {
      errors += "'" + file + ":" + std::to_string(linenum) + ": username '" + argv[1] + "' contains invalid characters. ";
      continue;
    }
    if (!seen.insert(argv[1]).second) {
      errors += "WARNING: Duplicate user '" + argv[1] + "' found on line " + std::to_string(linenum) + ". ";
      continue;
    }
    User u(argv[1], commands);
    std::string bad;
    auto ops = MergeSelectorArgs(std::span<const std::string>(argv).subspan(2), &bad);
    if (!ops) {
      // Redis adds no space after this one.
      errors += file + ":" + std::to_string(linenum) + ": Unmatched parenthesis in selector definition.";
      continue;
    }
    for (const std::string& op : *ops) {
      std::string_view rule = Trim(op, "\t\r\n");
      if (auto err = u.SetOp(rule)) {
        errors += file + ":" + std::to_string(linenum) + ": ";
        if (*err == kUnknown) errors += "Error in applying operation '" + std::string(rule) + "': ";
        errors += *err + ". ";
        break;
      }
    }
    if (errors.empty()) res.users[argv[1]] = u.Ops();
  }
  if (!errors.empty()) {
    res.users.clear();
    res.error = errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  }
  return res;
}

std::string FormatAclFile(const std::map<std::string, std::shared_ptr<const User>>& users) {
  std::string out;
  for (const auto& [name, u] : users) out += "user " + name + " " + u->Describe() + "\n";
  return out;
}

}  // namespace redraft::acl
