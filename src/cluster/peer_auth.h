// Peer authentication: the mutual challenge-response handshake that opens every peer connection
// when the cluster has a secret (`cluster-secret`). Pure functions over bytes; the transport
// drives them (transport.h) and docs/peer_protocol.md describes the exchange on the wire.
//
//   dialer -> acceptor   hello      [to:8 LE][nonce_d:32]
//   acceptor -> dialer   challenge  [nonce_a:32][HMAC(secret, "redraft-peer-a" | T)]
//   dialer -> acceptor   proof      [HMAC(secret, "redraft-peer-d" | T)]
//     T = [len:4 LE][cluster id][from:8 LE][to:8 LE][nonce_d][nonce_a]
//
// The acceptor proves it knows the secret before the dialer sends anything else (a node never
// feeds Raft traffic to an impostor at a member's address), and the dialer proves it before the
// acceptor reads anything else. Both nonces are fresh random bytes per connection, so a recorded
// handshake replays on no other connection; the sender (from) and the node it meant to reach
// (to) are bound into both MACs, so a proof for one identity or target is no proof for another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::cluster {

inline constexpr size_t kPeerNonceBytes = 32;
inline constexpr size_t kPeerMacBytes = 32;  // HMAC-SHA256

// Fresh random bytes from the OS's CSPRNG (OpenSSL RAND_bytes). Aborts if it has none.
std::string NewPeerNonce();

struct PeerHandshakeIds {
  std::string_view cluster_id;
  uint64_t from = 0;  // the dialer's id (the frames' sender)
  uint64_t to = 0;    // the id of the node the dialer meant to reach
  std::string_view nonce_dialer;
  std::string_view nonce_acceptor;
};

// The acceptor's MAC (in the challenge) and the dialer's (in the proof).
std::string AcceptorMac(std::string_view secret, const PeerHandshakeIds& ids);
std::string DialerMac(std::string_view secret, const PeerHandshakeIds& ids);
// Constant-time comparison of a received MAC with the expected one.
bool MacEquals(std::string_view got, std::string_view want);

struct PeerHello {
  uint64_t to = 0;
  std::string nonce;
};
std::string EncodePeerHello(const PeerHello& h);
std::optional<PeerHello> DecodePeerHello(std::string_view payload);

struct PeerChallenge {
  std::string nonce;
  std::string mac;
};
std::string EncodePeerChallenge(const PeerChallenge& c);
std::optional<PeerChallenge> DecodePeerChallenge(std::string_view payload);

// Reads a secret file (cluster-secret-file): its first line, without the newline. Empty
// secrets are refused; *warning is set when the file is readable by group or others.
struct SecretFile {
  std::string secret;
  bool world_readable = false;
};
std::optional<SecretFile> ReadSecretFile(const std::string& path, std::string* error);

}  // namespace redraft::cluster
