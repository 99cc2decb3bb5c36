#include "cluster/frame.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace redraft::cluster {
namespace {

Frame MakeFrame(std::string type, std::string payload, uint64_t from = 7) {
  Frame f;
  f.cluster_id = "test-cluster";
  f.from = from;
  f.type = std::move(type);
  f.payload = std::move(payload);
  return f;
}

std::vector<Frame> DecodeAll(const std::string& bytes, Status* st = nullptr) {
  FrameDecoder d;
  std::vector<Frame> out;
  Status s = d.Feed(bytes, &out);
  if (st) *st = s;
  return out;
}

TEST(Frame, RoundTrip) {
  std::string binary;
  for (int i = 0; i < 256; i++) binary.push_back(static_cast<char>(i));
  for (const Frame& f : {MakeFrame("append", "hello"), MakeFrame("", ""), MakeFrame("x", "\r\n$3\r\n*7\r\n"),
                         MakeFrame("snap", binary, ~0ull), MakeFrame("t", std::string(1 << 20, 'z'), 0)}) {
    std::string enc = EncodeFrame(f);
    EXPECT_EQ(enc.size(), EncodedFrameSize(f.cluster_id.size(), f.from, f.type.size(), f.payload.size()));
    Status s;
    auto out = DecodeAll(enc, &s);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], f);
  }
}

TEST(Frame, WireFormatIsRespArray) {
  std::string enc = EncodeFrame(MakeFrame("vote", "ab", 3));
  const std::string head = "*7\r\n$6\r\nRDRAFT\r\n$1\r\n1\r\n$12\r\ntest-cluster\r\n";
  EXPECT_EQ(enc.substr(0, head.size()), head);
  EXPECT_NE(enc.find("$1\r\n3\r\n$4\r\nvote\r\n$2\r\nab\r\n$8\r\n"), std::string::npos);
  EXPECT_EQ(enc.size() - enc.rfind("$8\r\n"), 4u + 8u + 2u);
}

TEST(Frame, AppendFrameWithSplitPayloadEqualsEncodeFrame) {
  std::string a;
  AppendFrame(&a, "c", 9, "t", "head", "tail");
  Frame f = MakeFrame("t", "headtail", 9);
  f.cluster_id = "c";
  EXPECT_EQ(a, EncodeFrame(f));
}

// Vectored writes: header + payload + trailer is the same bytes as the whole frame.
TEST(Frame, AppendFrameAroundLeavesRoomForThePayload) {
  for (std::string payload : {std::string(), std::string("x"), std::string(70000, 'p')}) {
    std::string out = "prefix";
    size_t at = AppendFrameAround(&out, "cid", 42, "app", payload);
    ASSERT_LE(at, out.size());
    std::string wire = out.substr(0, at) + payload + out.substr(at);
    EXPECT_EQ(wire, "prefix" + EncodeFrame(Frame{kFrameVersion, "cid", 42, "app", payload}));
  }
}

TEST(Frame, EverySplitPoint) {
  std::string enc = EncodeFrame(MakeFrame("a", "first\r\npayload")) + EncodeFrame(MakeFrame("bb", "", 12));
  for (size_t i = 0; i <= enc.size(); i++) {
    FrameDecoder d;
    std::vector<Frame> out;
    ASSERT_TRUE(d.Feed(enc.substr(0, i), &out).ok()) << i;
    ASSERT_TRUE(d.Feed(enc.substr(i), &out).ok()) << i;
    ASSERT_EQ(out.size(), 2u) << i;
    EXPECT_EQ(out[0].payload, "first\r\npayload");
    EXPECT_EQ(out[1].from, 12u);
    EXPECT_TRUE(d.idle());
  }
}

TEST(Frame, RandomFragmentation) {
  std::mt19937 rng(42);
  std::vector<Frame> frames;
  std::string stream;
  for (int i = 0; i < 200; i++) {
    frames.push_back(MakeFrame("t" + std::to_string(i % 7), std::string(rng() % 3000, static_cast<char>('a' + i % 26)),
                               static_cast<uint64_t>(i)));
    stream += EncodeFrame(frames.back());
  }
  for (int round = 0; round < 20; round++) {
    FrameDecoder d;
    std::vector<Frame> out;
    size_t pos = 0;
    while (pos < stream.size()) {
      size_t n = std::min<size_t>(stream.size() - pos, 1 + rng() % (round < 10 ? 8 : 5000));
      ASSERT_TRUE(d.Feed(stream.data() + pos, n, &out).ok());
      pos += n;
    }
    ASSERT_EQ(out, frames);
  }
}

TEST(Frame, ByteByByteIsLinear) {
  std::string enc = EncodeFrame(MakeFrame("big", std::string(4 << 20, 'q')));
  FrameDecoder d;
  std::vector<Frame> out;
  auto start = std::chrono::steady_clock::now();
  for (char c : enc) ASSERT_TRUE(d.Feed(&c, 1, &out).ok());
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), size_t{4} << 20);
  EXPECT_LT(secs, 10.0);  // quadratic behaviour would take minutes
}

TEST(Frame, ChecksumMismatch) {
  std::string enc = EncodeFrame(MakeFrame("append", "payload"));
  enc[enc.find("payload")] ^= 1;
  Status s;
  EXPECT_TRUE(DecodeAll(enc, &s).empty());
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("checksum"), std::string::npos);
}

TEST(Frame, CorruptedChecksumField) {
  std::string enc = EncodeFrame(MakeFrame("append", "payload"));
  enc[enc.size() - 3] = enc[enc.size() - 3] == '0' ? '1' : '0';
  Status s;
  EXPECT_TRUE(DecodeAll(enc, &s).empty());
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Frame, WrongVersion) {
  Frame f = MakeFrame("append", "x");
  f.version = 2;
  Status s;
  EXPECT_TRUE(DecodeAll(EncodeFrame(f), &s).empty());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("version"), std::string::npos);
}

TEST(Frame, BadMagic) {
  std::string enc = EncodeFrame(MakeFrame("a", "b"));
  enc[enc.find("RDRAFT")] = 'X';
  Status s;
  DecodeAll(enc, &s);
  EXPECT_TRUE(s.IsCorruption());
}

TEST(Frame, ElementTooLargeRejectedBeforeBuffering) {
  FrameDecoder d(100);
  std::vector<Frame> out;
  std::string enc = EncodeFrame(MakeFrame("a", std::string(101, 'x')));
  // Feed only up to the payload's length line: the decoder refuses before reading the body.
  size_t hdr = enc.find("$101\r\n") + 6;
  Status s = d.Feed(enc.substr(0, hdr), &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(d.failed());
  // A huge claimed length never allocates it.
  FrameDecoder d2;
  std::string huge = "*7\r\n$6\r\nRDRAFT\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nt\r\n$99999999999\r\n";
  EXPECT_EQ(d2.Feed(huge, &out).code(), Status::Code::kInvalidArgument);
  FrameDecoder d3;
  EXPECT_FALSE(d3.Feed("*7\r\n$6\r\nRDRAFT\r\n$1\r\n1\r\n$2000\r\n", &out).ok());  // cluster id limit
  EXPECT_TRUE(out.empty());
}

TEST(Frame, HeaderCheckRunsBeforePayload) {
  int calls = 0;
  FrameDecoder d(kDefaultMaxElementBytes, [&](std::string_view cluster, uint64_t from, std::string_view type) {
    calls++;
    return cluster == "test-cluster" ? Status::OK() : Status::Aborted("foreign");
  });
  std::vector<Frame> out;
  ASSERT_TRUE(d.Feed(EncodeFrame(MakeFrame("a", "b")), &out).ok());
  Frame other = MakeFrame("a", std::string(1000, 'x'));
  other.cluster_id = "other";
  std::string enc = EncodeFrame(other);
  Status s = d.Feed(enc.substr(0, enc.find("$1000")), &out);
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Frame, ErrorsAreSticky) {
  FrameDecoder d;
  std::vector<Frame> out;
  EXPECT_FALSE(d.Feed("+OK\r\n", &out).ok());
  EXPECT_FALSE(d.Feed(EncodeFrame(MakeFrame("a", "b")), &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(Frame, FramesBeforeAnErrorAreReturned) {
  std::string enc = EncodeFrame(MakeFrame("a", "1")) + "garbage";
  Status s;
  auto out = DecodeAll(enc, &s);
  EXPECT_FALSE(s.ok());
  ASSERT_EQ(out.size(), 1u);
}

TEST(Frame, SyntaxErrors) {
  for (std::string bad : {"*6\r\n", "*7\n", "*7\r\r", "*7\r\n$-1\r\n", "*7\r\n$06\r\nRDRAFT\r\n",
                          "*7\r\n$6\r\nRDRAFTxx", "*7\r\n$+6\r\n", "*7\r\n$6\r\nRDRAFT\r\n$1\r\nx\r\n",
                          "*77777777777777777777777777\r\n",
                          "*7\r\n$6\r\nRDRAFT\r\n$1\r\n1\r\n$1\r\nc\r\n$2\r\n01\r\n"}) {
    Status s;
    EXPECT_TRUE(DecodeAll(bad, &s).empty()) << bad;
    EXPECT_FALSE(s.ok()) << bad;
  }
}

TEST(Frame, GarbageNeverCrashes) {
  std::string valid = EncodeFrame(MakeFrame("append", "some payload bytes"));
  for (uint32_t seed = 0; seed < 3000; seed++) {
    std::mt19937 rng(seed);
    std::string in;
    switch (seed % 3) {
      case 0:  // random bytes
        for (size_t n = rng() % 512; n > 0; n--) in.push_back(static_cast<char>(rng()));
        break;
      case 1:  // valid prefix, random tail (reaches the deeper states)
        in = valid.substr(0, rng() % valid.size());
        for (size_t n = rng() % 64; n > 0; n--) in.push_back("*$\r\n0123456789RDRAFT"[rng() % 20]);
        break;
      default:  // valid frame with a few flipped bytes
        in = valid;
        for (int k = 1 + rng() % 3; k > 0; k--) in[rng() % in.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    FrameDecoder d(1024);
    std::vector<Frame> out;
    size_t pos = 0;
    while (pos < in.size()) {
      size_t n = std::min<size_t>(in.size() - pos, 1 + rng() % 16);
      if (!d.Feed(in.data() + pos, n, &out).ok()) break;
      pos += n;
    }
    for (const Frame& f : out) EXPECT_EQ(EncodeFrame(f), valid) << seed;  // only an intact frame decodes
  }
}

}  // namespace
}  // namespace redraft::cluster

namespace redraft::cluster {
namespace {

TEST(FrameDecoderFeedOne, StopsAfterEachFrameAndResumes) {
  std::string wire;
  for (int i = 0; i < 3; i++) AppendFrame(&wire, "c", 1, "t", std::to_string(i));
  FrameDecoder dec;
  std::vector<Frame> out;
  size_t off = 0;
  for (int i = 0; i < 3; i++) {
    size_t used = 0;
    ASSERT_TRUE(dec.FeedOne(wire.data() + off, wire.size() - off, &out, &used).ok());
    off += used;
    ASSERT_EQ(out.size(), static_cast<size_t>(i + 1));
    EXPECT_EQ(out.back().payload, std::to_string(i));
    EXPECT_TRUE(dec.idle());
  }
  EXPECT_EQ(off, wire.size());
  // A raised limit applies to the frames after the change.
  FrameDecoder small(4);
  std::string big;
  AppendFrame(&big, "c", 1, "t", "x");
  AppendFrame(&big, "c", 1, "t", std::string(100, 'y'));
  size_t used = 0;
  out.clear();
  ASSERT_TRUE(small.FeedOne(big.data(), big.size(), &out, &used).ok());
  small.set_max_element_bytes(1000);
  ASSERT_TRUE(small.Feed(big.data() + used, big.size() - used, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].payload.size(), 100u);
}

}  // namespace
}  // namespace redraft::cluster
