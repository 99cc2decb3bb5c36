// Redis 7.0's stream nodes (t_stream.c streamAppendItem / streamTrim / XDEL) as a pure model: a
// stream is a radix tree of listpacks keyed by their master ID; XADD appends to the last node
// until it holds stream-node-max-entries (100, live and deleted) entries or the next entry would
// make its listpack reach stream-node-max-bytes (4096); XDEL only flags an entry deleted (the node
// goes when its last live entry does); '~' trimming removes whole nodes only. The model keeps per
// node what those decisions read (counts, the listpack's exact byte size, the master fields that
// decide the same-fields compression, the last ID stored, live or deleted), so the store can
// replay Redis's node boundaries without building listpacks. docs/streams.md, "Nodes".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rdb/value.h"

namespace redraft::rdb {

inline constexpr size_t kStreamNodeMaxBytes = 4096, kStreamNodeMaxEntries = 100;  // Redis defaults

// Bytes a listpack element takes (encoding, data and back-length), as lpAppend stores it
// (strings that are canonical int64 decimals as integers).
size_t ListpackStringSize(std::string_view s);
size_t ListpackIntSize(int64_t v);

// Would streamAppendItem start a new node for an entry with these fields and values
// (alternating), after a last node of `bytes` listpack bytes holding `entries` entries (live
// and deleted)?
bool StartsNewNode(uint64_t bytes, uint64_t entries, const std::vector<std::string_view>& fields_values);

// A new node holding only the entry id (which becomes its master ID).
StreamNode NewStreamNode(const StreamId& id, const std::vector<std::string_view>& fields_values);
// Appends the entry (REQUIRES: id > n->last, !StartsNewNode for it).
void AppendToStreamNode(StreamNode* n, const StreamId& id, const std::vector<std::string_view>& fields_values);
// The nodes XADD would have built for entries added in order with no deletions (what DUMP
// writes: rdb/stream.cc cuts its listpacks with the same rule).
std::vector<StreamNode> CutStreamNodes(const std::vector<StreamEntry>& entries);

// A node's stored form without its master ID (the caller keys it by that).
std::string EncodeStreamNode(const StreamNode& n);
bool DecodeStreamNode(std::string_view v, StreamNode* n);

}  // namespace redraft::rdb
