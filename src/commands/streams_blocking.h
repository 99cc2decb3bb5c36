// Blocking stream reads (streams_blocking.cc): XREAD BLOCK and XREADGROUP BLOCK through the
// blocking machinery of docs/blocking.md. docs/streams.md, "Blocking".
#pragma once

#include <string_view>

#include "commands/blocking_cmds.h"
#include "commands/command.h"
#include "store/store.h"

namespace redraft::commands {

inline constexpr std::string_view kInternalXread = "redraft.xread";

// XREAD with a valid BLOCK (outside MULTI: the server calls this where it picks a command's form)
// -> redraft.xread, a blocking log write, with each "$" resolved against db (the session's
// database in this node's applied state). Anything else, errors included, is left alone.
void XreadBlockForm(const CommandSpec** spec, Argv* argv, store::Store& db, int64_t now_ms);

// XREADGROUP ... BLOCK and redraft.xread: the stream keys and BLOCK's milliseconds (0 = forever),
// type kStream. False for anything else (DescribeBlocking's other half).
bool DescribeStreamBlocking(const Argv& argv, BlockingWait* out);

// Whether the parked command argv (XREADGROUP or redraft.xread) would be served now on key, in db
// (the entry's database): an entry after its ID (XREAD) or after the group's last-delivered ID
// (XREADGROUP >); also true when an XREADGROUP's stream or group is gone, so that its
// re-proposal answers Redis's error.
bool StreamWaitReady(store::Store& db, const Argv& argv, std::string_view key, int64_t now_ms);

}  // namespace redraft::commands
