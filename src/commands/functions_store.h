// Where Redis 7.0 Functions live: replicated state in the store's system namespace (sub-keys
// of key "" version 0, like ACL users and the script cache; docs/scripting.md "Functions"):
//   "function:<library>"  -> the library's code
//   "fn:<function>"       -> [no-writes flag '0'|'1'] + library name   (function names are global)
//   "fnlist:<library>"    -> the library's function names, each followed by '\0'
// Written only by the apply of redraft.functionload/functiondelete/functionflush.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redraft::commands {

inline constexpr std::string_view kFunctionLibField = "function:";
inline constexpr std::string_view kFunctionField = "fn:";
inline constexpr std::string_view kFunctionListField = "fnlist:";

struct FunctionRef {
  std::string library;
  bool no_writes = false;
};

// S: a store::Store or store::Store::Batch (both have GetSub over stored keys).
template <typename S>
std::optional<FunctionRef> FindFunction(S& stored, std::string_view name) {
  std::string v;
  if (name.empty() || !stored.GetSub("", 0, std::string(kFunctionField) + std::string(name), &v).ok() || v.empty()) {
    return std::nullopt;
  }
  return FunctionRef{v.substr(1), v[0] == '1'};
}

// Whether function `name` of the library with this (stored) code has the allow-oom flag. Loads
// the library (not kept in the store: asked only when a script starts over maxmemory).
bool FunctionAllowsOom(std::string_view code, std::string_view name);

template <typename S>
std::optional<std::string> LibraryCode(S& stored, std::string_view library) {
  std::string code;
  if (!stored.GetSub("", 0, std::string(kFunctionLibField) + std::string(library), &code).ok()) return std::nullopt;
  return code;
}

}  // namespace redraft::commands
