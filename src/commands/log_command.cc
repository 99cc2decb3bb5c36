// The log form of a write (format in command.h): varint now_ms (two's complement as uint64),
// varint argc, then argc strings each as varint length + bytes, then an optional database
// (varint 0 -- never a tag's session -- then varint db + 1; absent = database 0), then an optional
// user (varint 0, varint kUserField, length-prefixed name; absent = no user: entries from before
// users were carried, and the server's own entries), then an optional
// tag (varint session != 0, varint seq). Decoding validates every bound and rejects any other trailing bytes,
// so arbitrary input never crashes and never half-decodes.
#include "commands/command.h"
#include "common/coding.h"

namespace redraft::commands {

namespace {
// The second varint of the user field: above every database number (db + 1 <= kMaxDatabases),
// so a decoder tells the two optional fields apart by it.
constexpr uint64_t kUserField = 1 << 16;
static_assert(kUserField > static_cast<uint64_t>(store::kMaxDatabases));
}  // namespace

std::string EncodeLogCommand(const LogCommand& cmd) {
  size_t total = 20 + cmd.user.size();
  for (const auto& a : cmd.argv) total += a.size() + 10;
  std::string out;
  out.reserve(total);
  PutVarint64(&out, static_cast<uint64_t>(cmd.now_ms));
  PutVarint64(&out, cmd.argv.size());
  for (const auto& a : cmd.argv) PutLengthPrefixed(&out, a);
  if (cmd.db != 0) {
    PutVarint64(&out, 0);
    PutVarint64(&out, static_cast<uint64_t>(cmd.db + 1));
  }
  if (!cmd.user.empty()) {
    PutVarint64(&out, 0);
    PutVarint64(&out, kUserField);
    PutLengthPrefixed(&out, cmd.user);
  }
  if (cmd.tag.session != 0) {
    PutVarint64(&out, cmd.tag.session);
    PutVarint64(&out, cmd.tag.seq);
  }
  return out;
}

namespace {

// Consumes the optional database and user fields (after the arguments, in that order).
bool GetDbAndUser(std::string_view* data, int* db, std::string_view* user) {
  *db = 0;
  *user = {};
  for (int field = 0; field < 2; field++) {
    std::string_view peek = *data;
    uint64_t marker = 0, v = 0;
    if (data->empty() || !GetVarint64(&peek, &marker) || marker != 0) return true;  // none (or a tag)
    if (!GetVarint64(&peek, &v)) return false;
    if (v == kUserField) {
      if (!GetLengthPrefixed(&peek, user)) return false;
      *data = peek;
      return true;  // the user comes last
    }
    if (field != 0 || v > static_cast<uint64_t>(store::kMaxDatabases)) return false;
    *db = static_cast<int>(v) - 1;
    *data = peek;
  }
  return true;
}

// Consumes an optional tag that must end the entry.
bool GetTag(std::string_view* data, WriteTag* tag) {
  *tag = WriteTag{};
  if (data->empty()) return true;
  return GetVarint64(data, &tag->session) && tag->session != 0 && GetVarint64(data, &tag->seq) && data->empty();
}

}  // namespace

bool DecodeLogCommand(std::string_view data, LogCommand* out) {
  uint64_t now = 0, argc = 0;
  if (!GetVarint64(&data, &now) || !GetVarint64(&data, &argc)) return false;
  // Each argument takes at least one byte (its length), which bounds argc before allocating.
  if (argc > data.size()) return false;
  // Two passes: validate the whole entry first (out stays untouched if it does not decode), then
  // copy the arguments into out->argv's existing strings: a caller decoding many entries into one
  // LogCommand (the apply loop) reuses their buffers instead of allocating per argument.
  std::string_view args = data;
  for (uint64_t i = 0; i < argc; i++) {
    std::string_view s;
    if (!GetLengthPrefixed(&data, &s)) return false;
  }
  int db = 0;
  std::string_view user;
  WriteTag tag;
  if (!GetDbAndUser(&data, &db, &user) || !GetTag(&data, &tag)) return false;
  out->argv.resize(static_cast<size_t>(argc));
  for (uint64_t i = 0; i < argc; i++) {
    std::string_view s;
    GetLengthPrefixed(&args, &s);  // validated above
    out->argv[i].assign(s);
  }
  out->now_ms = static_cast<int64_t>(now);
  out->db = db;
  out->user.assign(user);
  out->tag = tag;
  return true;
}

std::optional<WriteTag> LogCommandTag(std::string_view data) {
  uint64_t now = 0, argc = 0;
  if (!GetVarint64(&data, &now) || !GetVarint64(&data, &argc) || argc > data.size()) return std::nullopt;
  for (uint64_t i = 0; i < argc; i++) {
    std::string_view s;
    if (!GetLengthPrefixed(&data, &s)) return std::nullopt;
  }
  int db = 0;
  std::string_view user;
  WriteTag tag;
  if (!GetDbAndUser(&data, &db, &user) || !GetTag(&data, &tag)) return std::nullopt;
  return tag;
}

bool TagLogCommand(std::string* data, WriteTag tag) {
  auto old = LogCommandTag(*data);
  if (!old || old->session != 0 || tag.session == 0) return false;
  PutVarint64(data, tag.session);
  PutVarint64(data, tag.seq);
  return true;
}

std::optional<int64_t> LogCommandTime(std::string_view data) {
  uint64_t now = 0;
  if (!GetVarint64(&data, &now)) return std::nullopt;
  return static_cast<int64_t>(now);
}

bool RestampLogCommand(std::string* data, int64_t now_ms) {
  std::string_view rest = *data;
  uint64_t old = 0;
  if (!GetVarint64(&rest, &old)) return false;
  if (static_cast<int64_t>(old) == now_ms) return true;
  std::string out;
  out.reserve(rest.size() + 10);
  PutVarint64(&out, static_cast<uint64_t>(now_ms));
  out.append(rest);
  *data = std::move(out);
  return true;
}

}  // namespace redraft::commands
