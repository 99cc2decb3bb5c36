#include "acl/password.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace redraft::acl {
namespace {
constexpr char kHex[] = "0123456789abcdef";
}

std::string HashPassword(std::string_view password) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(password.data(), password.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex(len * 2, '0');
  for (unsigned i = 0; i < len; i++) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return hex;
}

bool ValidHash(std::string_view hash) {
  if (hash.size() != kHashHexLen) return false;
  for (char c : hash) {
    if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned diff = a.size() ^ b.size();
  for (size_t i = 0; i < a.size() && i < b.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string RandomHex(long bits) {
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string raw((chars + 1) / 2, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  std::string hex;
  for (unsigned char b : raw) hex.push_back(kHex[b >> 4]), hex.push_back(kHex[b & 0xf]);
  hex.resize(chars);
  return hex;
}

}  // namespace redraft::acl
