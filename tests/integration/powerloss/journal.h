// The power-loss journal: records appended by the LD_PRELOAD shim (powerloss.c) and read by the
// rollback tool (powerloss_rollback.c). See README.md for what is modelled.
#pragma once
#include <stdint.h>

enum {
  PL_BASE = 1,    // dev, ino, size: first sight of a file in this process lifetime; size is durable
  PL_PRE = 2,     // dev, ino, off, len + len bytes: content of [off, off+len) before an unsynced change
  PL_SYNC = 3,    // dev, ino, size: fsync/fdatasync of the file returned; its content and size are durable
  PL_DSYNC = 4,   // dev, ino: fsync of a directory returned; every earlier entry change in it is durable
  PL_CREATE = 5,  // pdev, pino (parent), ino (the file), name1 = absolute path: a new directory entry
  PL_MKDIR = 6,   // pdev, pino, name1 = absolute path
  PL_UNLINK = 7,  // pdev, pino, name1 = absolute path, name2 = stash path holding the unlinked inode
  PL_RENAME = 8,  // pdev, pino (old parent), pdev2, pino2 (new parent), name1 = old path, name2 = new
                  // path, name3 = stash path of the inode the rename replaced ("" if none)
  PL_RMDIR = 9,   // pdev, pino, name1 = absolute path
};

struct pl_rec {
  uint32_t type;
  uint32_t name_len[3];   // bytes of name1..3 that follow the header (no terminators)
  uint64_t dev, ino, off, len;   // len: PRE's data bytes follow the names
  uint64_t pdev, pino, pdev2, pino2;
};
