// Internal to rdb/: the stream part of the codec (stream.cc), used by value.cc.
#pragma once

#include <string>

#include "rdb/rdb_io.h"
#include "rdb/value.h"

namespace redraft::rdb {

// Loads a stream of RDB type 15, 19 or 21. False if malformed.
bool ReadStream(Reader& r, uint8_t type, Stream* out);
// Writes a stream as RDB_TYPE_STREAM_LISTPACKS_2 (7.0), nodes cut as Redis's streamAppendItem
// cuts them with default config (4096 bytes, 100 entries).
void WriteStream(std::string* out, const Stream& s);

}  // namespace redraft::rdb
