// Streamed state snapshots: the wire messages between a leader's SnapshotSender and a follower's
// SnapshotReceiver (docs/snapshot_format.md, "Streamed snapshots"). Pure encoding, no I/O.
//
// A transfer moves a consistent view of the leader's store (Store::SnapshotView, at applied
// index A) in chunks, each a peer-transport message small enough to travel as one frame:
//
//   "snap-begin"  varint id | length-prefixed raft message (kSnapshot, meta.index == A, data =
//                 kStreamedSnapshotData) | varint A | varint key_count | varint log_time_ms |
//                 varint n | n x (varint member id, length-prefixed "host:port@cport")
//   "snap-chunk"  varint id | varint seq (1, 2, ...) | records | fixed32 crc
//                 records: as in RDSNAP2: length-prefixed key | u8 type | varint expire_ms |
//                 varint version | length-prefixed payload; first every key (type string/hash)
//                 in strictly increasing order, then every sub-key (type 0x80, key = encoded
//                 sub-key, payload = value, expire and version 0) in strictly increasing order
//                 crc: crc32c::Mask(CRC-32C of every byte of the message before it)
//   "snap-end"    varint id | varint chunks | varint records (keys and sub-keys) | fixed32 crc32c::Mask(CRC-32C of the
//                 concatenated record bytes of every chunk, in order)
//   "snap-ack"    varint id | varint seq | u8 ok    (receiver to sender; seq 0 = the begin,
//                 1..chunks = a chunk, chunks + 1 = the end: the snapshot was staged whole and
//                 handed to Raft; ok = 0 refuses: the sender abandons the transfer)
//
// A transfer id is chosen by the sender, unique per sender run; messages of other ids are stale.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/node_identity.h"
#include "store/store.h"

namespace redraft::cluster {

// The data of the raft kSnapshot message a streamed transfer carries: the state is in the
// receiver's staging area, not in the message.
inline constexpr std::string_view kStreamedSnapshotData = "RDSTREAM1";

struct SnapBegin {
  uint64_t id = 0;
  std::string raft_message;  // encoded raft::Message
  uint64_t applied = 0;
  uint64_t key_count = 0;
  int64_t log_time_ms = 0;
  std::map<uint64_t, MemberAddr> members;
};
std::string EncodeSnapBegin(const SnapBegin& b);
bool DecodeSnapBegin(std::string_view in, SnapBegin* out);

// Appends one record (the RDSNAP2 record encoding) to dst. A collection with a WATCH stamp
// (store::Value::stamp) has kSnapStampedFlag in its type byte and the stamp as a varint after its
// version (docs/snapshot_format.md); a receiver from before stamps refuses such a record.
inline constexpr uint8_t kSnapStampedFlag = 0x40;
void AppendSnapRecord(std::string* dst, std::string_view key, const store::Value& v);
// Decodes one record from the front of *in; false if malformed or of an unknown type.
bool NextSnapRecord(std::string_view* in, std::string_view* key, store::Value* v);

// A chunk: the header, then records appended with AppendSnapRecord, then FinishSnapChunk.
std::string StartSnapChunk(uint64_t id, uint64_t seq);
void FinishSnapChunk(std::string* chunk);
// Checks the crc and splits a chunk into header fields and its record bytes.
bool DecodeSnapChunk(std::string_view in, uint64_t* id, uint64_t* seq, std::string_view* records);

struct SnapEnd {
  uint64_t id = 0;
  uint64_t chunks = 0;
  uint64_t records = 0;
  uint32_t crc = 0;  // unmasked CRC-32C of all record bytes
};
std::string EncodeSnapEnd(const SnapEnd& e);
bool DecodeSnapEnd(std::string_view in, SnapEnd* out);

struct SnapAck {
  uint64_t id = 0;
  uint64_t seq = 0;
  bool ok = true;
};
std::string EncodeSnapAck(const SnapAck& a);
bool DecodeSnapAck(std::string_view in, SnapAck* out);

}  // namespace redraft::cluster
