// Password hashes as Redis 7.0 keeps them: the lower-case hex SHA-256 of the password (64
// characters). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace redraft::acl {

inline constexpr size_t kHashHexLen = 64;

std::string HashPassword(std::string_view password);
// Exactly 64 characters of [0-9a-f] (Redis's ACLCheckPasswordHash).
bool ValidHash(std::string_view hash);
// Equality in time independent of where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// `bits` random bits as lower-case hex, (bits + 3) / 4 characters (ACL GENPASS).
std::string RandomHex(long bits);

}  // namespace redraft::acl
