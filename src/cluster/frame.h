// Peer frames: the unit of Raft traffic between redraft-server processes (cluster port).
//
// Wire format: a RESP2 array of exactly 7 bulk strings, so a frame stays readable with
// `redis-cli`/tcpdump and reuses a parser shape everyone knows:
//
//   *7\r\n
//   $6\r\nRDRAFT\r\n                 1. magic
//   $<n>\r\n<version>\r\n            2. format version, decimal (kFrameVersion = 1)
//   $<n>\r\n<cluster id>\r\n         3. cluster id (opaque bytes, <= kMaxHeaderElementBytes)
//   $<n>\r\n<from>\r\n               4. sender node id, decimal uint64 without sign or leading zeros
//   $<n>\r\n<type>\r\n               5. message type (opaque bytes, <= kMaxHeaderElementBytes)
//   $<n>\r\n<payload>\r\n            6. payload (opaque bytes, <= the decoder's max_element_bytes)
//   $8\r\n<crc>\r\n                  7. crc32c::Mask(crc32c of elements 2..6 concatenated, contents
//                                      only, no lengths), as 8 lowercase hex digits
//
// Bulk lengths are decimal without sign or leading zeros ("0" allowed). Each element's bytes are
// covered by the checksum except the magic and the lengths; the lengths are implied by the
// framing itself (a wrong length desynchronises the stream, which fails a later syntax check or
// the checksum).
//
// Decoding (FrameDecoder) is incremental and resumable (Redis processMultibulkBuffer style):
// feed any split of the byte stream; limits are checked before bytes are buffered, so garbage
// never allocates more than the element limit; cost is O(bytes fed) whatever the split.
// Errors are sticky: after the first bad byte the stream is unusable and the caller closes it.
//
// Thread-safety: none; a FrameDecoder belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace redraft::cluster {

inline constexpr uint32_t kFrameVersion = 1;
inline constexpr std::string_view kFrameMagic = "RDRAFT";
inline constexpr size_t kDefaultMaxElementBytes = size_t{64} << 20;
// Limit on cluster id and type (and, trivially, magic/version/from/crc).
inline constexpr size_t kMaxHeaderElementBytes = 1024;

struct Frame {
  uint32_t version = kFrameVersion;
  std::string cluster_id;
  uint64_t from = 0;
  std::string type;
  std::string payload;

  bool operator==(const Frame&) const = default;
};

// Encodes `f` (its version field is written as given, normally kFrameVersion).
std::string EncodeFrame(const Frame& f);

// Appends one encoded frame (version kFrameVersion) whose payload is payload_head + payload_tail,
// without building the payload first (used to send chunks straight from a large buffer).
void AppendFrame(std::string* out, std::string_view cluster_id, uint64_t from, std::string_view type,
                 std::string_view payload_head, std::string_view payload_tail = {});

// Vectored writes: appends the encoding of a frame (version kFrameVersion) WITHOUT its payload
// bytes and returns the offset in *out where they belong: the frame on the wire is
// out[start, at) + payload + out[at, end). The checksum covers `payload`, so exactly these bytes
// must be sent there (the caller keeps them alive until the write completes).
size_t AppendFrameAround(std::string* out, std::string_view cluster_id, uint64_t from, std::string_view type,
                         std::string_view payload);

// Exact size of the encoding of a frame with these element sizes.
size_t EncodedFrameSize(size_t cluster_id_len, uint64_t from, size_t type_len, size_t payload_len);

class FrameDecoder {
 public:
  // Called once per frame as soon as elements 1-5 (magic..type) are read, before the payload is
  // buffered; a non-OK Status fails the stream with that Status. Lets a receiver reject
  // foreign-cluster or non-member frames without buffering their payload. Note: these header
  // fields are not yet checksum-verified when the hook runs (the checksum comes last).
  using HeaderCheck = std::function<Status(std::string_view cluster_id, uint64_t from, std::string_view type)>;

  // max_element_bytes bounds the payload element (and therefore the memory one decoder holds).
  explicit FrameDecoder(size_t max_element_bytes = kDefaultMaxElementBytes, HeaderCheck check = nullptr);
  // Changes the payload limit for the frames not yet started (a connection that authenticated
  // may send larger frames than one that has not).
  void set_max_element_bytes(size_t n) { max_element_bytes_ = n; }

  // Consumes all of data[0, n), appending every completed, verified frame to *out.
  // Returns non-OK (Corruption for bad syntax/magic/checksum, InvalidArgument for a version
  // mismatch or an element over its limit, or the HeaderCheck's Status) and stays failed:
  // frames completed before the bad byte are still appended to *out.
  Status Feed(const char* data, size_t n, std::vector<Frame>* out);
  // Like Feed, but stops right after the first completed frame, setting *consumed to the bytes
  // used (all n if no frame completed). For a caller whose rules change with each frame (a
  // handshake: the frames after it are judged by what it established).
  Status FeedOne(const char* data, size_t n, std::vector<Frame>* out, size_t* consumed);
  Status Feed(std::string_view data, std::vector<Frame>* out) { return Feed(data.data(), data.size(), out); }

  bool failed() const { return !status_.ok(); }
  // True between frames (no partial frame buffered).
  bool idle() const { return state_ == State::kArrayHeader && line_.empty(); }

 private:
  enum class State { kArrayHeader, kBulkHeader, kBulkBody, kBulkCr, kBulkLf };
  Status FeedUpTo(const char* data, size_t n, std::vector<Frame>* out, size_t max_frames, size_t* consumed);
  Status Fail(Status s);
  Status OnLine(std::vector<Frame>* out);
  Status OnElementDone(std::vector<Frame>* out);
  size_t ElementLimit() const;

  size_t max_element_bytes_;
  HeaderCheck check_;
  Status status_;
  State state_ = State::kArrayHeader;
  std::string line_;     // current "*7" / "$<n>" line (without CRLF), bounded
  int element_ = 0;      // index (0..6) of the element being read
  size_t body_left_ = 0; // bytes of the current element still to read
  std::string cur_;      // current element's bytes (the payload goes straight to frame_.payload)
  Frame frame_;          // the frame being assembled
  uint32_t crc_ = 0;     // running crc32c over elements 2..6
};

}  // namespace redraft::cluster
