// Shared argument parsing and Redis 7.0 error texts for every command family. Each parser
// accepts exactly what the Redis 7.0 function it names accepts, so replies match byte for byte.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "commands/command.h"

namespace redraft::commands {

// --- error texts (the text after '-'; pass to ReplyBuilder::Error) ---
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kErrOffsetRange = "ERR offset is out of range";
inline constexpr std::string_view kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrOutOfRange = "ERR index out of range";
inline constexpr std::string_view kErrNotPositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kErrTimeoutNotInteger =
    "ERR timeout is not an integer or out of range";

// Largest string value (Redis proto-max-bulk-len default, 512 MB).
inline constexpr int64_t kMaxStringBytes = 512ll * 1024 * 1024;

// "ERR wrong number of arguments for 'get' command". name is the command's table name (lower
// case; subcommands as "config|get").
std::string WrongArity(std::string_view name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' " (Redis 7.0 processCommand:
// name cut at 128 bytes, args appended while the list is under 128 bytes, each cut to fit).
std::string UnknownCommand(const Argv& argv);
// "ERR unknown subcommand 'x'. Try CONFIG HELP." (argv[0] upper-cased, argv[1] cut at 128).
std::string UnknownSubcommand(const Argv& argv);
// A client argument as Redis echoes it in an error formatted with "%s": cut at the first NUL
// (and at max bytes). CR/LF are mapped to spaces later, by ReplyBuilder::Error, for every error.
std::string_view EchoArg(std::string_view arg, size_t max = SIZE_MAX);
// "ERR invalid expire time in 'set' command".
std::string InvalidExpireTime(std::string_view name);

// --- parsing ---
// Redis string2ll: optional '-', then "0" or a digit 1-9 followed by digits; no spaces, no '+',
// no leading zeros, "-0" rejected, at most 20 bytes, must fit int64.
bool ParseInt64(std::string_view s, int64_t* out);
// Like ParseInt64 but also requires *out >= 0 (convenience; callers pick their error text).
bool ParseNonNegative(std::string_view s, int64_t* out);
// Redis string2ld (INCRBYFLOAT and stored values): strtold over the whole string; rejects
// empty, leading space, trailing garbage, NaN, overflow to +-HUGE_VAL, underflow to 0 and
// strings of 5120 bytes or more. "inf" and hex floats are accepted, as strtold does.
bool ParseLongDouble(std::string_view s, long double* out);
// Redis string2d (ZADD scores etc.): the same rules with strtod.
bool ParseDouble(std::string_view s, double* out);

// ASCII case-insensitive equality (option names: "EX", "nx", ...).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// --- formatting ---
// Redis ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing '.') removed,
// "-0" -> "0", "inf"/"-inf" for infinities. Used for INCRBYFLOAT results.
std::string FormatLongDoubleHuman(long double v);
// INCRBYFLOAT's arithmetic (strings and hashes): value + incr formatted as Redis does, or nullopt
// when the sum is NaN or infinite (the caller answers kErrNanOrInf).
std::optional<std::string> AddLongDoubleHuman(long double value, long double incr);
// Redis addReplyDouble's RESP2 text: "%.17g", "inf"/"-inf".
std::string FormatDouble(double v);
// Decimal text of an int64 (what Redis stores for INCR results).
std::string FormatInt64(int64_t v);

}  // namespace redraft::commands
