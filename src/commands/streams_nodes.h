// The stream's node mirror (docs/streams.md, "Nodes"): one 'n' record per radix-tree node Redis
// would hold for the same history, kept at apply time by XADD, XDEL, XTRIM and RESTORE with
// rdb/stream_nodes.h's model, so that '~' trimming removes exactly the whole nodes Redis removes.
//
//   'n' master-id:16 BE -> rdb::EncodeStreamNode (last ID stored, live/deleted counts, listpack
//                          bytes, master fields), for every node but the last
//   StreamMeta::tail / tail_rec: the last node (XADD's target) in the same form, in the metadata
//                          XADD rewrites anyway, so appending reads and writes no extra sub-key
//
// The entries themselves stay the 'e' records; a node's live entries are the 'e' records with
// master <= id <= last. Everything here is a function of the log (IDs, fields and values), so
// every replica holds the same nodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "commands/streams_internal.h"
#include "rdb/value.h"

namespace redraft::commands::streams {

inline constexpr char kNodeTag = 'n';
std::string NodeField(const StreamId& master);

// XADD: the entry id (already stored) goes into the last node or starts one. No-op unless m->nodes.
void NodesAppend(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const StreamId& id,
                 const std::vector<std::string_view>& fields_values);
// XDEL: the live entry id was deleted (its 'e' record is gone already). No-op unless m->nodes.
void NodesDelete(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const StreamId& id);

// Redis streamTrim over the mirror (REQUIRES: m->nodes): MAXLEN (minid unused) or MINID, '~'
// removing whole nodes only, at most `limit` entries when limit > 0 (a node that would pass it
// stops the trim). Deletes the entries, updates the nodes and m (length, first_id, tail); returns
// the number of entries removed.
uint64_t NodesTrim(ApplyContext& ctx, std::string_view key, const store::Value& v, StreamMeta* m, bool by_maxlen,
                   uint64_t maxlen, const StreamId& minid, bool approx, int64_t limit);

// RESTORE: the node records of a stream whose entries were just written: the payload's own
// nodes when they describe exactly those entries, else the nodes XADD would have cut.
void NodesRestore(ApplyContext& ctx, std::string_view key, uint64_t version, StreamMeta* m, const rdb::Stream& s);

}  // namespace redraft::commands::streams
