#include "commands/write_entry.h"

#include "commands/args.h"
#include "resp/reply_builder.h"

namespace redraft::commands {
namespace {

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(std::min<size_t>(argc, 1u << 30));
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

// Runs spec.prepare (if any) on argv; its error reply becomes the Status message.
Status RunPrepare(const CommandSpec& spec, Argv& argv, int64_t now_ms, int db) {
  if (!spec.prepare) return Status::OK();
  std::string err;
  resp::ReplyBuilder rb(&err);
  PrepareContext ctx{now_ms, rb, db};
  if (spec.prepare(ctx, argv)) return Status::OK();
  // The builder wrote "-<text>\r\n" (already CR/LF-free); keep the text.
  std::string_view text = err;
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  if (text.size() >= 2 && text.substr(text.size() - 2) == "\r\n") text.remove_suffix(2);
  return Invalid(text.empty() ? std::string(kErrSyntax) : std::string(text));
}

}  // namespace

Result<std::string> PrepareWrite(const CommandSpec& spec, Argv argv, int64_t now_ms, int db,
                                 std::string_view user) {
  if (!spec.is_write() || !spec.apply) return Invalid("ERR '" + std::string(spec.name) + "' is not a write command");
  if (!ArityOk(spec, argv.size())) return Invalid(WrongArity(spec.name));
  Status st = RunPrepare(spec, argv, now_ms, db);
  if (!st.ok()) return st;
  LogCommand cmd{now_ms, std::move(argv)};
  cmd.db = db;
  cmd.user.assign(user);
  return EncodeLogCommand(cmd);
}

Result<const CommandSpec*> DecodeWriteEntry(std::string_view data, LogCommand* out) {
  if (!DecodeLogCommand(data, out)) return Invalid("ERR invalid log entry: it does not decode");
  if (out->argv.empty()) return Invalid("ERR invalid log entry: no command");
  const CommandSpec* spec = Lookup(out->argv[0]);
  if (!spec) return Invalid(UnknownCommand(out->argv));
  if (!spec->is_write() || !spec->apply) {
    return Invalid("ERR invalid log entry: '" + std::string(spec->name) + "' is not a write command");
  }
  if (!ArityOk(*spec, out->argv.size())) return Invalid(WrongArity(spec->name));
  if (out->db == kStoredKeys && !(spec->flags & kInternal)) {
    return Invalid("ERR invalid log entry: '" + std::string(spec->name) + "' with stored keys");
  }
  return spec;
}

Status ValidateWriteEntry(std::string_view data) {
  LogCommand cmd;
  auto spec = DecodeWriteEntry(data, &cmd);
  if (!spec.ok()) return spec.status();
  return RunPrepare(**spec, cmd.argv, cmd.now_ms, cmd.db);
}

}  // namespace redraft::commands
