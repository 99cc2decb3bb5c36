// powerloss_rollback rollback ROOT DIR   after the process under the shim died: makes ROOT what a
//                                        power cut at that instant would have left (README.md)
// powerloss_rollback commit ROOT DIR     the process died without a power cut: sync(2), so what it
//                                        wrote is durable, and forget the journal
// Both empty DIR's journal and stash. Prints one summary line.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

struct rec {
  struct pl_rec h;
  char* n[3];
  char* data;
};

static struct rec* recs;
static size_t nrecs;

static void fail(const char* what, const char* arg) {
  fprintf(stderr, "powerloss_rollback: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  exit(1);
}

static void read_journal(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return;
    fail("open", path);
  }
  size_t cap = 0;
  for (;;) {
    struct rec r;
    memset(&r, 0, sizeof r);
    size_t got = fread(&r.h, 1, sizeof r.h, f);
    if (got == 0) break;
    if (got != sizeof r.h) break;   // torn tail: the process died inside a record; nothing after it
    int torn = 0;
    for (int i = 0; i < 3; i++) {
      r.n[i] = calloc(1, r.h.name_len[i] + 1);
      if (fread(r.n[i], 1, r.h.name_len[i], f) != r.h.name_len[i]) torn = 1;
    }
    if (r.h.type == PL_PRE) {
      r.data = malloc(r.h.len ? r.h.len : 1);
      if (fread(r.data, 1, r.h.len, f) != r.h.len) torn = 1;
    }
    // A torn record was being written when the process died: the change it protects had not been
    // made yet (records are written before the change), so dropping it is exact.
    if (torn) break;
    if (nrecs == cap) {
      cap = cap ? cap * 2 : 1024;
      recs = realloc(recs, cap * sizeof *recs);
    }
    recs[nrecs++] = r;
  }
  fclose(f);
}

// (dev, ino) -> path of regular files under ROOT and the stash, as they are now.
struct ent { uint64_t dev, ino; char* path; };
static struct ent* ents;
static size_t nents, capents;

static int visit(const char* p, const struct stat* st, int type, struct FTW* ftw) {
  (void)ftw;
  if (type == FTW_F && S_ISREG(st->st_mode)) {
    if (nents == capents) {
      capents = capents ? capents * 2 : 256;
      ents = realloc(ents, capents * sizeof *ents);
    }
    ents[nents++] = (struct ent){st->st_dev, st->st_ino, strdup(p)};
  }
  return 0;
}

static const char* path_of(uint64_t dev, uint64_t ino) {
  for (size_t i = 0; i < nents; i++)
    if (ents[i].dev == dev && ents[i].ino == ino) return ents[i].path;
  return NULL;
}

static int rm_visit(const char* p, const struct stat* st, int type, struct FTW* ftw) {
  (void)st;
  (void)ftw;
  if (type == FTW_DP) rmdir(p);
  else unlink(p);
  return 0;
}

static void rm_rf(const char* p) { nftw(p, rm_visit, 64, FTW_DEPTH | FTW_PHYS); }

static void clear(const char* dir) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/stash", dir);
  rm_rf(p);
  snprintf(p, sizeof p, "%s/journal", dir);
  if (unlink(p) != 0 && errno != ENOENT) fail("unlink", p);
}

// Is there a DSYNC of (dev, ino) after record index i?
static int dsynced_after(size_t i, uint64_t dev, uint64_t ino) {
  for (size_t k = i + 1; k < nrecs; k++)
    if (recs[k].h.type == PL_DSYNC && recs[k].h.dev == dev && recs[k].h.ino == ino) return 1;
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 4 || (strcmp(argv[1], "rollback") != 0 && strcmp(argv[1], "commit") != 0)) {
    fprintf(stderr, "usage: powerloss_rollback rollback|commit ROOT DIR\n");
    return 2;
  }
  const char* root = argv[2];
  const char* dir = argv[3];
  if (strcmp(argv[1], "commit") == 0) {
    sync();
    clear(dir);
    printf("committed\n");
    return 0;
  }
  char jpath[PATH_MAX], spath[PATH_MAX];
  snprintf(jpath, sizeof jpath, "%s/journal", dir);
  snprintf(spath, sizeof spath, "%s/stash", dir);
  read_journal(jpath);
  nftw(root, visit, 64, FTW_PHYS);
  nftw(spath, visit, 64, FTW_PHYS);

  // 1. File contents, per inode: the last BASE/SYNC gives the durable size; every PRE after it
  //    is restored (each byte is journaled at most once per sync epoch: order does not matter,
  //    newest first anyway), then the file is cut to the durable size.
  size_t ranges = 0, bytes = 0, files = 0, missing = 0;
  char* done = calloc(nrecs + 1, 1);
  for (size_t i = nrecs; i-- > 0;) {
    struct pl_rec* h = &recs[i].h;
    if ((h->type != PL_BASE && h->type != PL_SYNC && h->type != PL_PRE) || done[i]) continue;
    // Last epoch start for this inode.
    size_t start = (size_t)-1;
    for (size_t k = i + 1; k-- > 0;) {
      struct pl_rec* g = &recs[k].h;
      if (g->dev != h->dev || g->ino != h->ino) continue;
      if (g->type == PL_BASE || g->type == PL_SYNC) {
        if (start == (size_t)-1) start = k;
      }
      if (g->type == PL_BASE || g->type == PL_SYNC || g->type == PL_PRE) done[k] = 1;
    }
    if (start == (size_t)-1) continue;   // changes without a base cannot happen
    uint64_t synced = recs[start].h.off;
    const char* p = path_of(h->dev, h->ino);
    if (!p) {
      missing++;
      continue;
    }
    int fd = open(p, O_RDWR | O_CLOEXEC);
    if (fd < 0) fail("open", p);
    struct stat st;
    fstat(fd, &st);
    int changed = (uint64_t)st.st_size != synced;
    for (size_t k = nrecs; k-- > start + 1;) {
      struct rec* r = &recs[k];
      if (r->h.type != PL_PRE || r->h.dev != h->dev || r->h.ino != h->ino) continue;
      if (pwrite(fd, r->data, r->h.len, (off_t)r->h.off) != (ssize_t)r->h.len) fail("pwrite", p);
      ranges++;
      bytes += r->h.len;
      changed = 1;
    }
    if (ftruncate(fd, (off_t)synced) != 0) fail("ftruncate", p);
    close(fd);
    files += changed;
  }

  // 2. Directory entries changed after the last fsync of their directory, undone newest first.
  size_t undone = 0;
  for (size_t i = nrecs; i-- > 0;) {
    struct rec* r = &recs[i];
    struct pl_rec* h = &r->h;
    if (h->type < PL_CREATE) continue;
    int durable = dsynced_after(i, h->pdev, h->pino);
    if (h->type == PL_RENAME) durable = durable && dsynced_after(i, h->pdev2, h->pino2);
    if (durable) continue;
    undone++;
    struct stat st;
    switch (h->type) {
      case PL_CREATE:
        if (lstat(r->n[0], &st) == 0 && st.st_ino == h->ino) unlink(r->n[0]);
        break;
      case PL_MKDIR:
        rm_rf(r->n[0]);
        break;
      case PL_UNLINK:
        if (link(r->n[1], r->n[0]) != 0) fail("relink", r->n[0]);
        break;
      case PL_RENAME:
        if (rename(r->n[1], r->n[0]) != 0) fail("rename back", r->n[1]);
        if (r->n[2][0] && link(r->n[2], r->n[1]) != 0) fail("relink replaced", r->n[1]);
        break;
      case PL_RMDIR:
        if (mkdir(r->n[0], 0755) != 0 && errno != EEXIST) fail("mkdir", r->n[0]);
        break;
    }
  }
  sync();
  clear(dir);
  printf("rolled back: %zu records; %zu unsynced ranges (%zu bytes) restored in %zu files; "
         "%zu entry changes undone; %zu journaled inodes gone\n",
         nrecs, ranges, bytes, files, undone, missing);
  return 0;
}
