// The bitmap commands (Redis 7.0 bitops.c) on the string type: SETBIT, GETBIT, BITCOUNT, BITPOS,
// BITOP, BITFIELD, BITFIELD_RO. A bitmap is a plain string value, so GET of the key returns
// exactly the bytes Redis would hold.
//
// Writes are prepared (every state-independent check, in Redis's order) and their argv is already
// deterministic, so the log form is the command itself; apply re-parses it with the same parsers
// and read-modify-writes the value in the entry's batch. SETBIT and BITFIELD keep the key's TTL;
// BITOP replaces the destination (no TTL) or deletes it when every source is empty.
#include <algorithm>
#include <cstring>
#include <vector>

#include "commands/args.h"
#include "commands/bitmaps_ops.h"
#include "commands/command.h"
#include "commands/notify.h"
#include "resp/error_text.h"

namespace redraft::commands {
namespace {

using store::Value;
using store::ValueType;

constexpr std::string_view kErrBitOffset = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kErrBitValue = "ERR bit is not an integer or out of range";
constexpr std::string_view kErrBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

// Redis compares option names with strcasecmp: an embedded NUL ends the name.
bool OptionIs(const std::string& arg, std::string_view name) {
  size_t nul = arg.find('\0');
  return EqualsIgnoreCase(nul == std::string::npos ? std::string_view(arg) : std::string_view(arg.data(), nul), name);
}

// Loads a string key; WRONGTYPE (reply written) for another type. found=false if absent/expired.
template <typename Source>
bool LoadString(Source& src, std::string_view key, int64_t now, Value* v, bool* found, resp::ReplyBuilder& reply) {
  Status st = src.Get(key, now, v);
  if (st.IsNotFound()) {
    *found = false;
    return true;
  }
  if (!st.ok()) {
    reply.Error(resp::ErrorText(st));
    return false;
  }
  if (v->type != ValueType::kString) {
    reply.Error(kErrWrongType);
    return false;
  }
  *found = true;
  return true;
}

// Redis's getBitOffsetFromArgument: a bit offset below 2^32 (proto-max-bulk-len bytes); with
// `hash` and bits > 0, "#N" means N * bits (BITFIELD's field-index form).
bool ParseBitOffset(const std::string& arg, bool hash, int bits, uint64_t* out) {
  bool use_hash = hash && bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!ParseInt64(std::string_view(arg).substr(use_hash ? 1 : 0), &v)) return false;
  if (use_hash) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(bits));  // wraps as C
  if (v < 0 || (v >> 3) >= kMaxStringBytes) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

// Redis's lookupStringForBitCommand: the value grown with zero bytes to hold bit `maxbit`
// (a new empty string if absent). *dirty: it was created or grown.
bool GrowForBit(ApplyContext& ctx, const std::string& key, uint64_t maxbit, Value* v, bool* dirty) {
  bool found;
  if (!LoadString(ctx.batch, key, ctx.now_ms, v, &found, ctx.reply)) return false;
  size_t need = static_cast<size_t>(maxbit >> 3) + 1;
  if (!found) {
    v->type = ValueType::kString;
    v->expire_ms = 0;
    v->payload.clear();
  }
  *dirty = !found || v->payload.size() < need;
  if (v->payload.size() < need) v->payload.resize(need, '\0');
  return true;
}

// ---------------------------------------------------------------------------------------------
// SETBIT / GETBIT

// SETBIT's offset and value; the error text if they are invalid, else empty.
std::string_view SetbitArgsError(const Argv& argv, uint64_t* offset, int* on) {
  if (!ParseBitOffset(argv[2], false, 0, offset)) return kErrBitOffset;
  int64_t v;
  if (!ParseInt64(argv[3], &v) || (v & ~int64_t{1})) return kErrBitValue;
  *on = static_cast<int>(v);
  return {};
}

bool ParseSetbit(const Argv& argv, uint64_t* offset, int* on, resp::ReplyBuilder& reply) {
  std::string_view err = SetbitArgsError(argv, offset, on);
  if (!err.empty()) reply.Error(err);
  return err.empty();
}

bool SetbitPrepare(PrepareContext& ctx, Argv& argv) {
  uint64_t offset;
  int on;
  return ParseSetbit(argv, &offset, &on, ctx.reply);
}

void SetbitApply(ApplyContext& ctx, const Argv& argv) {
  uint64_t offset;
  int on;
  if (!ParseSetbit(argv, &offset, &on, ctx.reply)) return;
  Value v;
  bool dirty;
  if (!GrowForBit(ctx, argv[1], offset, &v, &dirty)) return;
  auto& byte = reinterpret_cast<uint8_t&>(v.payload[offset >> 3]);
  int shift = 7 - static_cast<int>(offset & 7);
  int old = (byte >> shift) & 1;
  if (dirty || old != on) {  // Redis 7.0 writes (and notifies) only on a change
    byte = static_cast<uint8_t>((byte & ~(1u << shift)) | (static_cast<unsigned>(on) << shift));
    v.version = ctx.index;  // the stamp TxnBatch gives a string (transactions.h): no copy there
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyString, "setbit", argv[1]);
  }
  ctx.reply.Integer(old);
}

// SETBIT that changes nothing (CommandSpec::unchanged): the key is a string that already holds
// the offset's byte, with the bit as asked (SetbitApply's `dirty || old != on` is false). A
// missing or expired key (created), a too short string (grown), another type (WRONGTYPE) and bad
// arguments (prepare's errors) all answer false: they take the log path.
bool SetbitUnchanged(ExecContext& ctx, const Argv& argv) {
  uint64_t offset;
  int on;
  if (!SetbitArgsError(argv, &offset, &on).empty()) return false;
  Value v;
  if (!ctx.store.Get(argv[1], ctx.now_ms, &v).ok() || v.type != ValueType::kString) return false;
  if ((offset >> 3) >= v.payload.size()) return false;
  int old = (static_cast<uint8_t>(v.payload[offset >> 3]) >> (7 - (offset & 7))) & 1;
  if (old != on) return false;
  ctx.reply.Integer(old);
  return true;
}

void GetbitCmd(ExecContext& ctx, const Argv& argv) {
  uint64_t offset;
  if (!ParseBitOffset(argv[2], false, 0, &offset)) return ctx.reply.Error(kErrBitOffset);
  Value v;
  bool found;
  if (!LoadString(ctx.store, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  uint64_t byte = offset >> 3;
  int bit = found && byte < v.payload.size()
                ? (static_cast<uint8_t>(v.payload[byte]) >> (7 - (offset & 7))) & 1
                : 0;
  ctx.reply.Integer(bit);
}

// ---------------------------------------------------------------------------------------------
// BITCOUNT / BITPOS (Redis looks the key up before parsing the range: a missing key answers
// without any range check)

void BitcountCmd(ExecContext& ctx, const Argv& argv) {
  Value v;
  bool found;
  if (!LoadString(ctx.store, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  if (!found) return ctx.reply.Integer(0);
  const int64_t len = static_cast<int64_t>(v.payload.size());
  bits::BitRange r;
  if (argv.size() == 4 || argv.size() == 5) {
    int64_t start, end;
    if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) return ctx.reply.Error(kErrNotInteger);
    // Redis answers 0 for two negative indexes out of order before it clamps them, and before
    // it reads BIT/BYTE (BITPOS has no such shortcut).
    if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
    bool is_bit = false;
    if (argv.size() == 5) {
      if (OptionIs(argv[4], "bit")) is_bit = true;
      else if (!OptionIs(argv[4], "byte")) return ctx.reply.Error(kErrSyntax);
    }
    r = bits::ResolveRange(start, end, is_bit, len);
  } else if (argv.size() == 2) {
    r = bits::ResolveRange(0, -1, false, len);
  } else {
    return ctx.reply.Error(kErrSyntax);
  }
  ctx.reply.Integer(bits::CountBits(v.payload, r));
}

void BitposCmd(ExecContext& ctx, const Argv& argv) {
  int64_t bit;
  if (!ParseInt64(argv[2], &bit)) return ctx.reply.Error(kErrNotInteger);
  if (bit != 0 && bit != 1) return ctx.reply.Error("ERR The bit argument must be 1 or 0.");
  Value v;
  bool found;
  if (!LoadString(ctx.store, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  // A missing key is an infinite run of zeros.
  if (!found) return ctx.reply.Integer(bit ? -1 : 0);
  const int64_t len = static_cast<int64_t>(v.payload.size());
  bits::BitRange r;
  bool end_given = false;
  if (argv.size() >= 4 && argv.size() <= 6) {
    int64_t start, end;
    if (!ParseInt64(argv[3], &start)) return ctx.reply.Error(kErrNotInteger);
    bool is_bit = false;
    if (argv.size() == 6) {
      if (OptionIs(argv[5], "bit")) is_bit = true;
      else if (!OptionIs(argv[5], "byte")) return ctx.reply.Error(kErrSyntax);
    }
    if (argv.size() >= 5) {
      if (!ParseInt64(argv[4], &end)) return ctx.reply.Error(kErrNotInteger);
      end_given = true;
    } else {
      end = -1;  // Redis: (len << 3) + 7 or len - 1, both clamp to the last bit/byte
    }
    r = bits::ResolveRange(start, end, is_bit, len);
  } else if (argv.size() == 3) {
    r = bits::ResolveRange(0, -1, false, len);
  } else {
    return ctx.reply.Error(kErrSyntax);
  }
  ctx.reply.Integer(bits::FindBit(v.payload, static_cast<int>(bit), r, end_given));
}

// ---------------------------------------------------------------------------------------------
// BITOP

enum class BitOp { kAnd, kOr, kXor, kNot };

bool ParseBitop(const Argv& argv, BitOp* op, resp::ReplyBuilder& reply) {
  if (OptionIs(argv[1], "and")) *op = BitOp::kAnd;
  else if (OptionIs(argv[1], "or")) *op = BitOp::kOr;
  else if (OptionIs(argv[1], "xor")) *op = BitOp::kXor;
  else if (OptionIs(argv[1], "not")) *op = BitOp::kNot;
  else {
    reply.Error(kErrSyntax);
    return false;
  }
  if (*op == BitOp::kNot && argv.size() != 4) {
    reply.Error("ERR BITOP NOT must be called with a single source key.");
    return false;
  }
  return true;
}

bool BitopPrepare(PrepareContext& ctx, Argv& argv) {
  BitOp op;
  return ParseBitop(argv, &op, ctx.reply);
}

void BitopApply(ApplyContext& ctx, const Argv& argv) {
  BitOp op;
  if (!ParseBitop(argv, &op, ctx.reply)) return;
  const size_t n = argv.size() - 3;
  std::vector<std::string> src(n);
  size_t maxlen = 0;
  for (size_t j = 0; j < n; j++) {
    Value v;
    bool found;
    if (!LoadString(ctx.batch, argv[j + 3], ctx.now_ms, &v, &found, ctx.reply)) return;
    if (found) src[j] = std::move(v.payload);  // a missing key is an empty string
    maxlen = std::max(maxlen, src[j].size());
  }
  const std::string& dest = argv[2];
  if (maxlen == 0) {
    Value old;
    if (ctx.batch.Get(dest, ctx.now_ms, &old).ok()) {
      ctx.batch.Delete(dest);
      Notify(ctx, kNotifyGeneric, "del", dest);
    }
    return ctx.reply.Integer(0);
  }
  std::string res(maxlen, '\0');
  auto byte_of = [&](size_t i, size_t j) -> uint8_t {
    return j < src[i].size() ? static_cast<uint8_t>(src[i][j]) : 0;
  };
  for (size_t j = 0; j < maxlen; j++) {
    uint8_t out = byte_of(0, j);
    if (op == BitOp::kNot) out = static_cast<uint8_t>(~out);
    for (size_t i = 1; i < n; i++) {
      uint8_t b = byte_of(i, j);
      if (op == BitOp::kAnd) out &= b;
      else if (op == BitOp::kOr) out |= b;
      else out ^= b;
    }
    res[j] = static_cast<char>(out);
  }
  Value v;
  v.type = ValueType::kString;
  v.expire_ms = 0;  // setKey without KEEPTTL
  v.payload = std::move(res);
  ctx.batch.Put(dest, v);
  Notify(ctx, kNotifyString, "set", dest);
  ctx.reply.Integer(static_cast<int64_t>(maxlen));
}

// ---------------------------------------------------------------------------------------------
// BITFIELD / BITFIELD_RO

struct FieldOp {
  enum Kind { kGet, kSet, kIncrby } kind;
  bool sign;
  int bits;
  uint64_t offset;
  int64_t value;
  bits::Overflow ow;
};

// Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (lower-case prefix, C-string digits).
bool ParseFieldType(const std::string& arg, bool* sign, int* nbits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  *sign = arg[0] == 'i';
  std::string_view digits(arg.c_str() + 1);  // strlen: an embedded NUL ends it
  int64_t n;
  if (!ParseInt64(digits, &n) || n < 1 || (*sign && n > 64) || (!*sign && n > 63)) return false;
  *nbits = static_cast<int>(n);
  return true;
}

// Parses the subcommands of BITFIELD key ...; *writes: some SET/INCRBY; *maxbit: the last bit
// they touch. False after writing the error reply.
bool ParseBitfield(const Argv& argv, std::vector<FieldOp>* ops, bool* writes, uint64_t* maxbit,
                   resp::ReplyBuilder& reply) {
  bits::Overflow ow = bits::Overflow::kWrap;
  *writes = false;
  *maxbit = 0;
  for (size_t j = 2; j < argv.size(); j++) {
    size_t remargs = argv.size() - j - 1;
    FieldOp op{};
    if (OptionIs(argv[j], "get") && remargs >= 2) {
      op.kind = FieldOp::kGet;
    } else if (OptionIs(argv[j], "set") && remargs >= 3) {
      op.kind = FieldOp::kSet;
    } else if (OptionIs(argv[j], "incrby") && remargs >= 3) {
      op.kind = FieldOp::kIncrby;
    } else if (OptionIs(argv[j], "overflow") && remargs >= 1) {
      const std::string& t = argv[++j];
      if (OptionIs(t, "wrap")) ow = bits::Overflow::kWrap;
      else if (OptionIs(t, "sat")) ow = bits::Overflow::kSat;
      else if (OptionIs(t, "fail")) ow = bits::Overflow::kFail;
      else {
        reply.Error("ERR Invalid OVERFLOW type specified");
        return false;
      }
      continue;
    } else {
      reply.Error(kErrSyntax);
      return false;
    }
    if (!ParseFieldType(argv[j + 1], &op.sign, &op.bits)) {
      reply.Error(kErrBitfieldType);
      return false;
    }
    if (!ParseBitOffset(argv[j + 2], true, op.bits, &op.offset)) {
      reply.Error(kErrBitOffset);
      return false;
    }
    if (op.kind != FieldOp::kGet) {
      *writes = true;
      *maxbit = std::max(*maxbit, op.offset + static_cast<uint64_t>(op.bits) - 1);
      if (!ParseInt64(argv[j + 3], &op.value)) {
        reply.Error(kErrNotInteger);
        return false;
      }
    }
    op.ow = ow;
    ops->push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }
  return true;
}

// Runs ops over value (already grown to hold every written bit), replying with their array.
// Returns how many SET/INCRBY wrote.
int RunBitfield(const std::vector<FieldOp>& ops, std::string* value, resp::ReplyBuilder& reply) {
  reply.ArrayHeader(ops.size());
  int changes = 0;
  for (const FieldOp& op : ops) {
    auto* p = reinterpret_cast<uint8_t*>(value->data());
    const size_t len = value->size();
    if (op.kind == FieldOp::kGet) {
      if (op.sign) reply.Integer(bits::GetSigned(p, len, op.offset, op.bits));
      else reply.Integer(static_cast<int64_t>(bits::GetUnsigned(p, len, op.offset, op.bits)));
      continue;
    }
    bool incr = op.kind == FieldOp::kIncrby;
    int overflow;
    uint64_t newval;
    int64_t retval;
    if (op.sign) {
      int64_t oldval = bits::GetSigned(p, len, op.offset, op.bits), wrapped = 0;
      int64_t nv;
      if (incr) {
        overflow = bits::CheckSignedOverflow(oldval, op.value, op.bits, op.ow, &wrapped);
        nv = overflow ? wrapped : static_cast<int64_t>(static_cast<uint64_t>(oldval) + static_cast<uint64_t>(op.value));
        retval = nv;
      } else {
        nv = op.value;
        overflow = bits::CheckSignedOverflow(nv, 0, op.bits, op.ow, &wrapped);
        if (overflow) nv = wrapped;
        retval = oldval;
      }
      newval = static_cast<uint64_t>(nv);
    } else {
      uint64_t oldval = bits::GetUnsigned(p, len, op.offset, op.bits), wrapped = 0;
      if (incr) {
        newval = oldval + static_cast<uint64_t>(op.value);
        overflow = bits::CheckUnsignedOverflow(oldval, op.value, op.bits, op.ow, &wrapped);
        if (overflow) newval = wrapped;
        retval = static_cast<int64_t>(newval);
      } else {
        newval = static_cast<uint64_t>(op.value);
        overflow = bits::CheckUnsignedOverflow(newval, 0, op.bits, op.ow, &wrapped);
        if (overflow) newval = wrapped;
        retval = static_cast<int64_t>(oldval);
      }
    }
    if (overflow && op.ow == bits::Overflow::kFail) {
      reply.Null();
      continue;
    }
    reply.Integer(retval);
    bits::SetUnsigned(p, op.offset, op.bits, newval);
    changes++;
  }
  return changes;
}

bool BitfieldPrepare(PrepareContext& ctx, Argv& argv) {
  std::vector<FieldOp> ops;
  bool writes;
  uint64_t maxbit;
  return ParseBitfield(argv, &ops, &writes, &maxbit, ctx.reply);
}

void BitfieldApply(ApplyContext& ctx, const Argv& argv) {
  std::vector<FieldOp> ops;
  bool writes;
  uint64_t maxbit;
  if (!ParseBitfield(argv, &ops, &writes, &maxbit, ctx.reply)) return;
  Value v;
  if (!writes) {  // GETs only: a lookup for read, nothing created
    bool found;
    if (!LoadString(ctx.batch, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
    RunBitfield(ops, &v.payload, ctx.reply);
    return;
  }
  bool dirty;
  if (!GrowForBit(ctx, argv[1], maxbit, &v, &dirty)) return;
  int changes = RunBitfield(ops, &v.payload, ctx.reply);
  // Redis creates or grows the key even when every write failed (OVERFLOW FAIL).
  if (dirty || changes) {
    ctx.batch.Put(argv[1], v);
    Notify(ctx, kNotifyString, "setbit", argv[1]);
  }
}

void BitfieldRoCmd(ExecContext& ctx, const Argv& argv) {
  std::vector<FieldOp> ops;
  bool writes;
  uint64_t maxbit;
  if (!ParseBitfield(argv, &ops, &writes, &maxbit, ctx.reply)) return;
  if (writes) return ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
  Value v;
  bool found;
  if (!LoadString(ctx.store, argv[1], ctx.now_ms, &v, &found, ctx.reply)) return;
  RunBitfield(ops, &v.payload, ctx.reply);
}

constexpr uint32_t kWriteDenyOom = kWrite | kDenyOom;

}  // namespace

constexpr KeySpec kBitopKeys[] = {
    {.flags = "OW update", .index = 2, .lastkey = 0},
    {.flags = "RO access", .index = 3, .lastkey = -1}
};

extern const CommandSpec kBitmapCommands[] = {
    {.name = "setbit", .arity = 4, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "2.2.0",
     .summary = "Sets or clears the bit at offset in the string value stored at key", .complexity = "O(1)",
     .prepare = &SetbitPrepare, .apply = &SetbitApply, .unchanged = &SetbitUnchanged, .key_flags = "RW access update",
     .args = "key:key@0 offset:integer value:integer"},
    {.name = "getbit", .arity = 3, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "2.2.0",
     .summary = "Returns the bit value at offset in the string value stored at key", .complexity = "O(1)",
     .execute = &GetbitCmd, .key_flags = "RO access", .args = "key:key@0 offset:integer"},
    {.name = "bitcount", .arity = -2, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "2.6.0", .summary = "Count set bits in a string", .complexity = "O(N)",
     .execute = &BitcountCmd, .key_flags = "RO access",
     .args = "key:key@0 index:block?(start:integer end:integer index_unit:oneof/7.0.0?(byte:pure-token=BYTE "
             "bit:pure-token=BIT))",
     .history = "7.0.0 Added the `BYTE|BIT` option."},
    {.name = "bitpos", .arity = -3, .flags = kReadonly, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "2.8.7", .summary = "Find first bit set or clear in a string", .complexity = "O(N)",
     .execute = &BitposCmd, .key_flags = "RO access",
     .args = "key:key@0 bit:integer index:block?(start:integer end_index:block?(end:integer "
             "index_unit:oneof/7.0.0?(byte:pure-token=BYTE bit:pure-token=BIT)))",
     .history = "7.0.0 Added the `BYTE|BIT` option."},
    {.name = "bitop", .arity = -4, .flags = kWriteDenyOom, .first_key = 2, .last_key = -1, .key_step = 1,
     .group = "bitmap", .since = "2.6.0", .summary = "Perform bitwise operations between strings",
     .complexity = "O(N)", .prepare = &BitopPrepare, .apply = &BitopApply, .key_specs = kBitopKeys,
     .args = "operation:string destkey:key@0 key:key@1*"},
    {.name = "bitfield", .arity = -2, .flags = kWriteDenyOom, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "3.2.0", .summary = "Perform arbitrary bitfield integer operations on strings",
     .complexity = "O(1) for each subcommand specified", .prepare = &BitfieldPrepare, .apply = &BitfieldApply,
     .key_flags = "RW access update variable_flags",
     .key_notes = "This command allows both access and modification of the key",
     .args = "key:key@0 operation:oneof?*(encoding_offset:block=GET(encoding:string offset:integer) "
             "write:block(wrap_sat_fail:oneof=OVERFLOW?(wrap:pure-token=WRAP sat:pure-token=SAT "
             "fail:pure-token=FAIL) write_operation:oneof(encoding_offset_value:block=SET(encoding:string "
             "offset:integer value:integer) encoding_offset_increment:block=INCRBY(encoding:string offset:integer "
             "increment:integer))))"},
    {.name = "bitfield_ro", .arity = -2, .flags = kReadonly | kFast, .first_key = 1, .last_key = 1, .key_step = 1,
     .group = "bitmap", .since = "6.0.0",
     .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     .complexity = "O(1) for each subcommand specified", .execute = &BitfieldRoCmd, .key_flags = "RO access",
     .args = "key:key@0 encoding_offset:block=GET?*+(encoding:string offset:integer)"},
    {},
};

}  // namespace redraft::commands
