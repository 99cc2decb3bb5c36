#include "cluster/peer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>

#include "common/coding.h"
#include "common/status.h"

namespace redraft::cluster {
namespace {

std::string Mac(std::string_view secret, std::string_view label, const PeerHandshakeIds& ids) {
  std::string t(label);
  PutFixed32(&t, static_cast<uint32_t>(ids.cluster_id.size()));
  t.append(ids.cluster_id);
  PutFixed64(&t, ids.from);
  PutFixed64(&t, ids.to);
  t.append(ids.nonce_dialer);
  t.append(ids.nonce_acceptor);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(t.data()),
           t.size(), out, &len) == nullptr ||
      len != kPeerMacBytes) {
    REDRAFT_PANIC("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string NewPeerNonce() {
  std::string n(kPeerNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(n.data()), static_cast<int>(n.size())) != 1) {
    REDRAFT_PANIC("RAND_bytes failed: no entropy for peer nonces");
  }
  return n;
}

std::string AcceptorMac(std::string_view secret, const PeerHandshakeIds& ids) {
  return Mac(secret, "redraft-peer-a", ids);
}

std::string DialerMac(std::string_view secret, const PeerHandshakeIds& ids) {
  return Mac(secret, "redraft-peer-d", ids);
}

bool MacEquals(std::string_view got, std::string_view want) {
  return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

std::string EncodePeerHello(const PeerHello& h) {
  std::string out;
  PutFixed64(&out, h.to);
  out.append(h.nonce);
  return out;
}

std::optional<PeerHello> DecodePeerHello(std::string_view payload) {
  if (payload.size() != 8 + kPeerNonceBytes) return std::nullopt;
  return PeerHello{DecodeFixed64(payload.data()), std::string(payload.substr(8))};
}

std::string EncodePeerChallenge(const PeerChallenge& c) { return c.nonce + c.mac; }

std::optional<PeerChallenge> DecodePeerChallenge(std::string_view payload) {
  if (payload.size() != kPeerNonceBytes + kPeerMacBytes) return std::nullopt;
  return PeerChallenge{std::string(payload.substr(0, kPeerNonceBytes)), std::string(payload.substr(kPeerNonceBytes))};
}

std::optional<SecretFile> ReadSecretFile(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read cluster-secret-file " + path;
    return std::nullopt;
  }
  SecretFile f;
  std::getline(in, f.secret);
  if (!f.secret.empty() && f.secret.back() == '\r') f.secret.pop_back();
  if (f.secret.empty()) {
    *error = "cluster-secret-file " + path + " is empty";
    return std::nullopt;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) f.world_readable = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
  return f;
}

}  // namespace redraft::cluster
