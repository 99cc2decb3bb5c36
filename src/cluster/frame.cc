#include "cluster/frame.h"

#include <algorithm>
#include <cstring>

#include "common/crc32c.h"

namespace redraft::cluster {

namespace {

constexpr size_t kMaxLineBytes = 24;  // "$" + 20 digits is already more than any limit
constexpr int kElements = 7;
constexpr int kPayloadElement = 5;
constexpr int kCrcElement = 6;

size_t DecimalDigits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

void AppendBulkHeader(std::string* out, size_t n) {
  out->push_back('$');
  out->append(std::to_string(n));
  out->append("\r\n");
}

void AppendBulk(std::string* out, std::string_view s) {
  AppendBulkHeader(out, s.size());
  out->append(s.data(), s.size());
  out->append("\r\n");
}

// Strict decimal: digits only, no sign, no leading zero (except "0"), no overflow.
bool ParseDecimal(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t r = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (r > (UINT64_MAX - d) / 10) return false;
    r = r * 10 + d;
  }
  *v = r;
  return true;
}

bool ParseHex32(std::string_view s, uint32_t* v) {
  if (s.size() != 8) return false;
  uint32_t r = 0;
  for (char c : s) {
    uint32_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
    else return false;
    r = (r << 4) | d;
  }
  *v = r;
  return true;
}

void AppendHex32(std::string* out, uint32_t v) {
  static const char kHex[] = "0123456789abcdef";
  char b[8];
  for (int i = 7; i >= 0; i--) {
    b[i] = kHex[v & 0xf];
    v >>= 4;
  }
  out->append(b, 8);
}

// Appends the frame; if payload_at is set, the payload bytes (head + tail) are left out and
// *payload_at is where they belong in *out (the crc still covers them).
void AppendFrameImpl(std::string* out, uint32_t version, std::string_view cluster_id, uint64_t from,
                     std::string_view type, std::string_view head, std::string_view tail,
                     size_t* payload_at = nullptr) {
  std::string ver = std::to_string(version);
  std::string from_s = std::to_string(from);
  uint32_t crc = 0;
  crc = crc32c::Extend(crc, ver.data(), ver.size());
  crc = crc32c::Extend(crc, cluster_id.data(), cluster_id.size());
  crc = crc32c::Extend(crc, from_s.data(), from_s.size());
  crc = crc32c::Extend(crc, type.data(), type.size());
  crc = crc32c::Extend(crc, head.data(), head.size());
  crc = crc32c::Extend(crc, tail.data(), tail.size());
  out->reserve(out->size() + EncodedFrameSize(cluster_id.size(), from, type.size(), head.size() + tail.size()) +
               (ver.size() - 1));
  out->append("*7\r\n");
  AppendBulk(out, kFrameMagic);
  AppendBulk(out, ver);
  AppendBulk(out, cluster_id);
  AppendBulk(out, from_s);
  AppendBulk(out, type);
  AppendBulkHeader(out, head.size() + tail.size());
  if (payload_at != nullptr) {
    *payload_at = out->size();
  } else {
    out->append(head.data(), head.size());
    out->append(tail.data(), tail.size());
  }
  out->append("\r\n$8\r\n");
  AppendHex32(out, crc32c::Mask(crc));
  out->append("\r\n");
}

}  // namespace

std::string EncodeFrame(const Frame& f) {
  std::string out;
  AppendFrameImpl(&out, f.version, f.cluster_id, f.from, f.type, f.payload, {});
  return out;
}

void AppendFrame(std::string* out, std::string_view cluster_id, uint64_t from, std::string_view type,
                 std::string_view payload_head, std::string_view payload_tail) {
  AppendFrameImpl(out, kFrameVersion, cluster_id, from, type, payload_head, payload_tail);
}

size_t AppendFrameAround(std::string* out, std::string_view cluster_id, uint64_t from, std::string_view type,
                         std::string_view payload) {
  size_t at = 0;
  AppendFrameImpl(out, kFrameVersion, cluster_id, from, type, payload, {}, &at);
  return at;
}

size_t EncodedFrameSize(size_t cluster_id_len, uint64_t from, size_t type_len, size_t payload_len) {
  auto bulk = [](size_t n) { return 1 + DecimalDigits(n) + 2 + n + 2; };
  return 4 + bulk(kFrameMagic.size()) + bulk(DecimalDigits(kFrameVersion)) + bulk(cluster_id_len) +
         bulk(DecimalDigits(from)) + bulk(type_len) + bulk(payload_len) + bulk(8);
}

FrameDecoder::FrameDecoder(size_t max_element_bytes, HeaderCheck check)
    : max_element_bytes_(max_element_bytes), check_(std::move(check)) {}

Status FrameDecoder::Fail(Status s) {
  status_ = std::move(s);
  cur_.clear();
  cur_.shrink_to_fit();
  frame_ = Frame();
  return status_;
}

size_t FrameDecoder::ElementLimit() const {
  switch (element_) {
    case 0: return kFrameMagic.size();
    case 1: return 10;
    case 3: return 20;
    case kPayloadElement: return max_element_bytes_;
    case kCrcElement: return 8;
    default: return kMaxHeaderElementBytes;
  }
}

Status FrameDecoder::Feed(const char* data, size_t n, std::vector<Frame>* out) {
  size_t consumed;
  return FeedUpTo(data, n, out, SIZE_MAX, &consumed);
}

Status FrameDecoder::FeedOne(const char* data, size_t n, std::vector<Frame>* out, size_t* consumed) {
  return FeedUpTo(data, n, out, 1, consumed);
}

Status FrameDecoder::FeedUpTo(const char* data, size_t n, std::vector<Frame>* out, size_t max_frames,
                              size_t* consumed) {
  *consumed = 0;
  if (!status_.ok()) return status_;
  const size_t frames_before = out->size();
  size_t i = 0;
  while (i < n && out->size() - frames_before < max_frames) {
    switch (state_) {
      case State::kArrayHeader:
      case State::kBulkHeader: {
        char c = data[i++];
        if (c == '\n') {
          if (line_.empty() || line_.back() != '\r') return Fail(Status::Corruption("frame: bare LF in header"));
          line_.pop_back();
          Status s = OnLine(out);
          line_.clear();
          if (!s.ok()) return Fail(std::move(s));
          break;
        }
        if (line_.empty() && c != (state_ == State::kArrayHeader ? '*' : '$')) {
          return Fail(Status::Corruption("frame: expected a RESP array of bulk strings"));
        }
        if (!line_.empty() && line_.back() == '\r') return Fail(Status::Corruption("frame: CR not followed by LF"));
        if (line_.size() >= kMaxLineBytes) return Fail(Status::Corruption("frame: header line too long"));
        line_.push_back(c);
        break;
      }
      case State::kBulkBody: {
        size_t take = std::min(body_left_, n - i);
        std::string& dst = element_ == kPayloadElement ? frame_.payload : cur_;
        dst.append(data + i, take);
        if (element_ >= 1 && element_ <= kPayloadElement) crc_ = crc32c::Extend(crc_, data + i, take);
        i += take;
        body_left_ -= take;
        if (body_left_ == 0) state_ = State::kBulkCr;
        break;
      }
      case State::kBulkCr:
        if (data[i++] != '\r') return Fail(Status::Corruption("frame: bulk string not terminated by CRLF"));
        state_ = State::kBulkLf;
        break;
      case State::kBulkLf: {
        if (data[i++] != '\n') return Fail(Status::Corruption("frame: bulk string not terminated by CRLF"));
        Status s = OnElementDone(out);
        if (!s.ok()) return Fail(std::move(s));
        break;
      }
    }
  }
  *consumed = i;
  return Status::OK();
}

Status FrameDecoder::OnLine(std::vector<Frame>* out) {
  if (state_ == State::kArrayHeader) {
    if (line_ != "*7") return Status::Corruption("frame: expected *7 array header");
    state_ = State::kBulkHeader;
    element_ = 0;
    crc_ = 0;
    frame_ = Frame();
    return Status::OK();
  }
  uint64_t len;
  if (line_.size() < 2 || line_[0] != '$' || !ParseDecimal(std::string_view(line_).substr(1), &len)) {
    return Status::Corruption("frame: bad bulk string header");
  }
  if (len > ElementLimit()) {
    return Status::InvalidArgument("frame: element " + std::to_string(element_ + 1) + " too large (" +
                                   std::to_string(len) + " bytes)");
  }
  body_left_ = static_cast<size_t>(len);
  cur_.clear();
  if (element_ == kPayloadElement) frame_.payload.reserve(std::min<size_t>(body_left_, size_t{16} << 20));
  state_ = body_left_ == 0 ? State::kBulkCr : State::kBulkBody;
  return Status::OK();
}

Status FrameDecoder::OnElementDone(std::vector<Frame>* out) {
  switch (element_) {
    case 0:
      if (cur_ != kFrameMagic) return Status::Corruption("frame: bad magic");
      break;
    case 1: {
      uint64_t v;
      if (!ParseDecimal(cur_, &v)) return Status::Corruption("frame: bad version");
      if (v != kFrameVersion) return Status::InvalidArgument("frame: version mismatch: " + cur_);
      frame_.version = static_cast<uint32_t>(v);
      break;
    }
    case 2:
      frame_.cluster_id = cur_;
      break;
    case 3:
      if (!ParseDecimal(cur_, &frame_.from)) return Status::Corruption("frame: bad sender id");
      break;
    case 4:
      frame_.type = cur_;
      if (check_) REDRAFT_RETURN_IF_ERROR(check_(frame_.cluster_id, frame_.from, frame_.type));
      break;
    case kPayloadElement:
      break;
    case kCrcElement: {
      uint32_t stored;
      if (!ParseHex32(cur_, &stored)) return Status::Corruption("frame: bad checksum field");
      if (stored != crc32c::Mask(crc_)) return Status::Corruption("frame: checksum mismatch");
      out->push_back(std::move(frame_));
      frame_ = Frame();
      cur_.clear();
      state_ = State::kArrayHeader;
      return Status::OK();
    }
  }
  element_++;
  state_ = State::kBulkHeader;
  return Status::OK();
}

}  // namespace redraft::cluster
