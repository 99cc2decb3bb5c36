// The "#!" first line of scripts and libraries: one tokenizer (Redis's sdssplitargs rules) and
// the two readers on top of it, each with its own Redis 7.0 error texts:
//   EVAL:          "#!lua [flags=a,b]"  (evalExtractShebangFlags)
//   FUNCTION LOAD: "#!<engine> name=x"  (functionExtractLibMetaData)
// The line becomes a Lua comment ("--!...") in the code that is compiled, so error line numbers
// stay those of the body, as in Redis (which skips the line but keeps its line feed).
#include <strings.h>

#include <cctype>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

// sdssplitargs: words separated by white space; "double quotes" with \n \r \t \b \a \xHH and
// \<any>; 'single quotes' with \' only; a closing quote must end the word. False: unbalanced.
bool SplitShebangArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) i++;
    if (i >= line.size()) return true;
    std::string word;
    bool dq = false, sq = false;
    for (;;) {
      if (dq) {
        if (i >= line.size()) return false;
        if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          word.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 4;
        } else if (line[i] == '\\' && i + 1 < line.size()) {
          char c = line[i + 1];
          word.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c == 'b' ? '\b' : c == 'a' ? '\a' : c);
          i += 2;
        } else if (line[i] == '"') {
          if (i + 1 < line.size() && !IsSpace(line[i + 1])) return false;
          i++;
          break;
        } else {
          word.push_back(line[i++]);
        }
      } else if (sq) {
        if (i >= line.size()) return false;
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          word.push_back('\'');
          i += 2;
        } else if (line[i] == '\'') {
          if (i + 1 < line.size() && !IsSpace(line[i + 1])) return false;
          i++;
          break;
        } else {
          word.push_back(line[i++]);
        }
      } else {
        if (i >= line.size() || IsSpace(line[i])) break;
        if (line[i] == '"') {
          dq = true;
        } else if (line[i] == '\'') {
          sq = true;
        } else {
          word.push_back(line[i]);
        }
        i++;
      }
    }
    out->push_back(std::move(word));
  }
}

namespace {

// The first line (without its '\n') and the code to compile; false: no '\n' after "#!".
bool SplitFirstLine(std::string_view body, std::string_view* line, std::string* code) {
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) return false;
  *line = body.substr(0, eol);
  if (code) {
    code->assign("--");
    code->append(body.substr(2));
  }
  return true;
}

bool IsFlag(std::string_view f) {
  return f == "no-writes" || f == "allow-oom" || f == "allow-stale" || f == "no-cluster" || f == "allow-cross-slot-keys";
}

}  // namespace

Result<ScriptFlags> ParseShebang(std::string_view body, std::string* code) {
  ScriptFlags f;
  if (!body.starts_with("#!")) {
    if (code) code->assign(body);
    return f;
  }
  f.shebang = true;
  std::string_view line;
  if (!SplitFirstLine(body, &line, code)) return Status::InvalidArgument("ERR Invalid script shebang");
  std::vector<std::string> parts;
  if (!SplitShebangArgs(line, &parts) || parts.empty()) {
    return Status::InvalidArgument("ERR Invalid engine in script shebang");
  }
  if (parts[0] != "#!lua") return Status::InvalidArgument("ERR Unexpected engine in script shebang: " + parts[0]);
  for (size_t i = 1; i < parts.size(); i++) {
    std::string_view part = parts[i];
    if (!part.starts_with("flags=")) return Status::InvalidArgument("ERR Unknown lua shebang option: " + parts[i]);
    std::string_view flags = part.substr(6);
    if (flags.empty()) continue;  // "flags=": none
    // sdssplitlen on ',': "a,,b" and "a," hold empty flags, which are unknown.
    while (true) {
      size_t comma = flags.find(',');
      std::string_view flag = flags.substr(0, comma);
      if (!IsFlag(flag)) return Status::InvalidArgument("ERR Unexpected flag in script shebang: " + std::string(flag));
      if (flag == "no-writes") f.no_writes = true;
      if (flag == "allow-oom") f.allow_oom = true;
      if (comma == std::string_view::npos) break;
      flags = flags.substr(comma + 1);
    }
  }
  return f;
}

Result<LibraryShebang> ParseLibraryShebang(std::string_view code, std::string* body) {
  if (!code.starts_with("#!")) return Status::InvalidArgument("ERR Missing library metadata");
  std::string_view line;
  std::vector<std::string> parts;
  if (!SplitFirstLine(code, &line, body) || !SplitShebangArgs(line, &parts) || parts.empty()) {
    return Status::InvalidArgument("ERR Invalid library metadata");
  }
  LibraryShebang lib;
  lib.engine = parts[0].substr(2);
  bool named = false;
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].size() >= 5 && strncasecmp(parts[i].c_str(), "name=", 5) == 0) {
      if (named) return Status::InvalidArgument("ERR Invalid metadata value, name argument was given multiple times");
      named = true;
      lib.name = parts[i].substr(5);
      continue;
    }
    return Status::InvalidArgument("ERR Invalid metadata value given: " + parts[i]);
  }
  if (!named) return Status::InvalidArgument("ERR Library name was not given");
  return lib;
}

}  // namespace redraft::scripting
