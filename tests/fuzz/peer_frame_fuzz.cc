// libFuzzer target for the peer port's decoding: cluster::FrameDecoder and the handshake payload
// decoders (peer_auth.h), i.e. everything a node reads from a peer connection before it has
// authenticated it. Input layout: byte 0 picks the payload limit (tiny, the handshake's 256, or
// the default), byte 1 seeds the chunking, the rest is the byte stream.
// Checked: Feed in one piece and FeedOne over random chunks (0-byte chunks included) produce the
// same frames and the same failure; FeedOne consumes every byte it is given unless a frame
// completed, and never more; every frame re-encodes to bytes that decode to the same frame; the
// handshake decoders accept exactly the documented sizes and round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/frame.h"
#include "cluster/peer_auth.h"

namespace {

using redraft::cluster::Frame;
using redraft::cluster::FrameDecoder;

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

struct Outcome {
  std::vector<Frame> frames;
  bool failed = false;
};

Outcome Whole(std::string_view in, size_t limit) {
  FrameDecoder d(limit);
  Outcome o;
  o.failed = !d.Feed(in.data(), in.size(), &o.frames).ok();
  return o;
}

Outcome OneAtATime(std::string_view in, size_t limit, uint8_t seed) {
  FrameDecoder d(limit);
  Outcome o;
  uint32_t x = seed * 2654435761u + 1;
  size_t pos = 0;
  while (pos < in.size()) {
    x = x * 1103515245u + 12345u;
    size_t n = std::min<size_t>((x >> 16) % 64, in.size() - pos);
    size_t before = o.frames.size(), used = 0;
    if (!d.FeedOne(in.data() + pos, n, &o.frames, &used).ok()) {
      o.failed = true;
      break;
    }
    FUZZ_CHECK(used <= n);
    FUZZ_CHECK(o.frames.size() - before <= 1);
    if (o.frames.size() == before) FUZZ_CHECK(used == n);
    pos += used;
  }
  return o;
}

void CheckHandshakePayloads(const Frame& f) {
  using namespace redraft::cluster;
  if (auto h = DecodePeerHello(f.payload)) {
    FUZZ_CHECK(f.payload.size() == 8 + kPeerNonceBytes);
    FUZZ_CHECK(EncodePeerHello(*h) == f.payload);
  } else {
    FUZZ_CHECK(f.payload.size() != 8 + kPeerNonceBytes);
  }
  if (auto c = DecodePeerChallenge(f.payload)) {
    FUZZ_CHECK(EncodePeerChallenge(*c) == f.payload);
  } else {
    FUZZ_CHECK(f.payload.size() != kPeerNonceBytes + kPeerMacBytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const size_t kLimits[] = {4, 256, redraft::cluster::kDefaultMaxElementBytes};
  size_t limit = kLimits[data[0] % 3];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  Outcome whole = Whole(in, limit);
  Outcome chunked = OneAtATime(in, limit, data[1]);
  FUZZ_CHECK(whole.failed == chunked.failed);
  FUZZ_CHECK(whole.frames == chunked.frames);
  for (const Frame& f : whole.frames) {
    FUZZ_CHECK(f.payload.size() <= limit);
    std::string again = redraft::cluster::EncodeFrame(f);
    Outcome re = Whole(again, limit);
    FUZZ_CHECK(!re.failed && re.frames.size() == 1 && re.frames[0] == f);
    CheckHandshakePayloads(f);
  }
  return 0;
}
