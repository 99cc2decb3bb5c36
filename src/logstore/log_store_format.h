// Record framing and payload codecs of the LogStore segment format. The format itself is described
// at the top of logstore/log_store.h; this file is its single implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "raft/types.h"

namespace redraft::raft::log_format {

enum class Kind : uint8_t { kEntry = 1, kHardState = 2, kSnapshot = 3, kHeader = 4 };
constexpr uint8_t kBatchStartFlag = 0x80;
constexpr size_t kRecordHeaderSize = 9;  // crc:4 length:4 type:1
constexpr uint32_t kVersion = 1;

struct SegmentHeader {
  uint32_t version = kVersion;
  uint64_t seq = 0;
  uint64_t prev_end = 0;  // bytes of records in the previous segment (0 if none)
};

// Appends one framed record to *dst.
void AppendRecord(std::string* dst, Kind kind, bool batch_start, std::string_view payload);

enum class Parse {
  kOk,    // a record with a valid checksum and known kind
  kEnd,   // off == buf.size()
  kZero,  // zero-filled (preallocated, never written) header, or a short all-zero tail
  kBad,   // short, oversized length, unknown kind or checksum mismatch
};
struct Record {
  Kind kind = Kind::kEntry;
  bool batch_start = false;
  std::string_view payload;
  size_t size = 0;  // framed size
};
// Parses the record starting at buf[off].
Parse ParseRecord(std::string_view buf, size_t off, Record* rec);
// Offset of the first valid record with the batch-start flag at any byte offset >= from, or npos.
size_t FindBatchStart(std::string_view buf, size_t from);
// Offset just past the last non-zero byte of buf at or after from (== from if all zero).
size_t NonZeroEnd(std::string_view buf, size_t from);

std::string EncodeEntry(const Entry& e);
bool DecodeEntry(std::string_view in, Entry* e);
// Term and index only, without copying data.
bool DecodeEntryId(std::string_view in, Term* term, Index* index);
std::string EncodeHardState(const HardState& hs);
bool DecodeHardState(std::string_view in, HardState* hs);
// keep_log: whether the entries after m.index were kept when it was written (see
// LogStore::Compact).
std::string EncodeSnapshot(const SnapshotMeta& m, bool keep_log);
bool DecodeSnapshot(std::string_view in, SnapshotMeta* m, bool* keep_log);
std::string EncodeHeader(const SegmentHeader& h);
bool DecodeHeader(std::string_view in, SegmentHeader* h);

}  // namespace redraft::raft::log_format
