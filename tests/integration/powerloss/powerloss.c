// LD_PRELOAD shim that journals, for every file under $POWERLOSS_ROOT, what a power cut would undo:
// the pre-image of every byte range changed since the file's last fsync/fdatasync, its size at
// that sync, and every directory-entry change (create, mkdir, unlink, rename, rmdir) not yet
// followed by an fsync of the parent directory. powerloss_rollback applies the journal after the
// process was killed. See README.md for exactly what is and is not modelled.
//
// Environment: POWERLOSS_ROOT (data directory; nothing outside it is tracked), POWERLOSS_DIR (holds
// "journal" and "stash/", on the same file system as the root; must not be inside the root).
// Without both the shim does nothing.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "journal.h"

#define MAX_FDS 65536

struct range { uint64_t a, b; };
struct file {
  uint64_t dev, ino, synced;
  struct range* r;   // journaled ranges since the last sync (sorted, disjoint)
  size_t nr, cap;
  struct file* next;
};
struct pending { uint64_t pdev, pino; char* stash; struct pending* next; };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int active = -1;
static char root[PATH_MAX];
static size_t root_len;
static char stash_dir[PATH_MAX];
static int jfd = -1;
static struct file* files;
static struct file* by_fd[MAX_FDS];
static struct pending* pendings;
static unsigned long stash_seq;

#define REAL(name, ret, ...) static ret (*real_##name)(__VA_ARGS__)
REAL(open, int, const char*, int, ...);
REAL(openat, int, int, const char*, int, ...);
REAL(close, int, int);
REAL(write, ssize_t, int, const void*, size_t);
REAL(pwrite, ssize_t, int, const void*, size_t, off_t);
REAL(writev, ssize_t, int, const struct iovec*, int);
REAL(pwritev, ssize_t, int, const struct iovec*, int, off_t);
REAL(pwritev2, ssize_t, int, const struct iovec*, int, off_t, int);
REAL(ftruncate, int, int, off_t);
REAL(truncate, int, const char*, off_t);
REAL(fallocate, int, int, int, off_t, off_t);
REAL(posix_fallocate, int, int, off_t, off_t);
REAL(fsync, int, int);
REAL(fdatasync, int, int);
REAL(rename, int, const char*, const char*);
REAL(renameat, int, int, const char*, int, const char*);
REAL(renameat2, int, int, const char*, int, const char*, unsigned);
REAL(unlink, int, const char*);
REAL(unlinkat, int, int, const char*, int);
REAL(link, int, const char*, const char*);
REAL(linkat, int, int, const char*, int, const char*, int);
REAL(mkdir, int, const char*, mode_t);
REAL(mkdirat, int, int, const char*, mode_t);
REAL(rmdir, int, const char*);
REAL(dup, int, int);
REAL(dup2, int, int, int);
REAL(dup3, int, int, int, int);

static void die(const char* what) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "powerloss shim: %s: %s\n", what, strerror(errno));
  if (real_write) real_write(2, buf, (size_t)n);
  abort();
}

#define LOAD(name) real_##name = dlsym(RTLD_NEXT, #name)

static void init_locked(void) {
  if (active >= 0) return;
  LOAD(open); LOAD(openat); LOAD(close); LOAD(write); LOAD(pwrite); LOAD(writev); LOAD(pwritev);
  LOAD(pwritev2); LOAD(ftruncate); LOAD(truncate); LOAD(fallocate); LOAD(posix_fallocate);
  LOAD(fsync); LOAD(fdatasync); LOAD(rename); LOAD(renameat); LOAD(renameat2); LOAD(unlink);
  LOAD(unlinkat); LOAD(link); LOAD(linkat); LOAD(mkdir); LOAD(mkdirat); LOAD(rmdir); LOAD(dup);
  LOAD(dup2); LOAD(dup3);
  const char* r = getenv("POWERLOSS_ROOT");
  const char* d = getenv("POWERLOSS_DIR");
  active = 0;
  if (!r || !d || !*r || !*d) return;
  if (!realpath(r, root)) die("realpath of POWERLOSS_ROOT");
  root_len = strlen(root);
  char jpath[PATH_MAX];
  snprintf(jpath, sizeof jpath, "%s/journal", d);
  snprintf(stash_dir, sizeof stash_dir, "%s/stash", d);
  if (real_mkdir(stash_dir, 0755) != 0 && errno != EEXIST) die("mkdir stash");
  jfd = real_open(jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (jfd < 0) die("open journal");
  struct stat st;
  if (fstat(jfd, &st) != 0) die("fstat journal");
  if (st.st_size != 0) {
    errno = EEXIST;
    die("journal not empty: the last process's writes were neither rolled back nor committed");
  }
  // Move the journal fd out of the way of the application's small fds.
  int hi = fcntl(jfd, F_DUPFD_CLOEXEC, 1000);
  if (hi >= 0) { real_close(jfd); jfd = hi; }
  active = 1;
}

static int on(void) {
  if (active < 0) {
    pthread_mutex_lock(&mu);
    init_locked();
    pthread_mutex_unlock(&mu);
  }
  return active == 1;
}

__attribute__((constructor)) static void ctor(void) { on(); }

static void jwrite(const void* p, size_t n) {
  const char* c = p;
  while (n > 0) {
    ssize_t w = real_write(jfd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("journal write");
    }
    c += w;
    n -= (size_t)w;
  }
}

static void record(struct pl_rec* h, const char* n1, const char* n2, const char* n3, const void* data) {
  const char* n[3] = {n1, n2, n3};
  for (int i = 0; i < 3; i++) h->name_len[i] = n[i] ? (uint32_t)strlen(n[i]) : 0;
  jwrite(h, sizeof *h);
  for (int i = 0; i < 3; i++)
    if (h->name_len[i]) jwrite(n[i], h->name_len[i]);
  if (h->type == PL_PRE && h->len) jwrite(data, h->len);
}

// Absolute path of (dirfd, path) with the parent directory canonicalized; 0 if outside the root.
static int resolve(int dirfd, const char* path, char* out, uint64_t* pdev, uint64_t* pino) {
  char full[PATH_MAX * 2];
  if (path[0] == '/') {
    snprintf(full, sizeof full, "%s", path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!getcwd(base, sizeof base)) return 0;
    } else {
      char l[64];
      snprintf(l, sizeof l, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(l, base, sizeof base - 1);
      if (n < 0) return 0;
      base[n] = 0;
    }
    snprintf(full, sizeof full, "%s/%s", base, path);
  }
  size_t len = strlen(full);
  while (len > 1 && full[len - 1] == '/') full[--len] = 0;
  char* slash = strrchr(full, '/');
  if (!slash) return 0;
  char parent[PATH_MAX];
  *slash = 0;
  if (!realpath(slash == full ? "/" : full, parent)) return 0;
  const char* name = slash + 1;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || !*name) return 0;
  if (snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, name) >= PATH_MAX) return 0;
  if (strncmp(out, root, root_len) != 0 || (out[root_len] != '/' && out[root_len] != 0)) return 0;
  struct stat st;
  if (stat(parent, &st) != 0) return 0;
  *pdev = st.st_dev;
  *pino = st.st_ino;
  return 1;
}

static struct file* find_file(uint64_t dev, uint64_t ino) {
  for (struct file* f = files; f; f = f->next)
    if (f->dev == dev && f->ino == ino) return f;
  return NULL;
}

// The tracked file for an inode; fresh=1 (just created) resets what an earlier inode of that
// number left. A first sight journals the current size as durable (BASE).
static struct file* get_file(uint64_t dev, uint64_t ino, uint64_t size, int fresh) {
  struct file* f = find_file(dev, ino);
  if (f && !fresh) return f;
  if (!f) {
    f = calloc(1, sizeof *f);
    f->dev = dev;
    f->ino = ino;
    f->next = files;
    files = f;
  }
  f->synced = size;
  f->nr = 0;
  struct pl_rec h = {.type = PL_BASE, .dev = dev, .ino = ino, .off = size};
  record(&h, NULL, NULL, NULL, NULL);
  return f;
}

static void add_range(struct file* f, uint64_t a, uint64_t b) {
  if (f->nr == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 8;
    f->r = realloc(f->r, f->cap * sizeof *f->r);
  }
  size_t i = 0;
  while (i < f->nr && f->r[i].a < a) i++;
  memmove(f->r + i + 1, f->r + i, (f->nr - i) * sizeof *f->r);
  f->r[i] = (struct range){a, b};
  f->nr++;
  size_t o = 0;   // merge touching/overlapping neighbours
  for (size_t k = 1; k < f->nr; k++) {
    if (f->r[k].a <= f->r[o].b) {
      if (f->r[k].b > f->r[o].b) f->r[o].b = f->r[k].b;
    } else {
      f->r[++o] = f->r[k];
    }
  }
  f->nr = o + 1;
}

static void save_range(struct file* f, int fd, uint64_t a, uint64_t b) {
  if (b <= a) return;
  char* buf = malloc(b - a);
  int rfd = fd;
  ssize_t got = pread(fd, buf, b - a, (off_t)a);
  if (got < 0 && errno == EBADF) {   // write-only fd: read through /proc
    char l[64];
    snprintf(l, sizeof l, "/proc/self/fd/%d", fd);
    rfd = real_open(l, O_RDONLY | O_CLOEXEC);
    if (rfd < 0) die("reopen for pre-image");
    got = pread(rfd, buf, b - a, (off_t)a);
    real_close(rfd);
  }
  if (got < 0) die("pre-image read");
  if ((uint64_t)got < b - a) memset(buf + got, 0, (b - a) - (size_t)got);
  struct pl_rec h = {.type = PL_PRE, .dev = f->dev, .ino = f->ino, .off = a, .len = b - a};
  record(&h, NULL, NULL, NULL, buf);
  free(buf);
  add_range(f, a, b);
}

// Journals the pre-image of [off, off+len) below the synced size, minus what is journaled already.
static void before_change(struct file* f, int fd, uint64_t off, uint64_t len) {
  uint64_t end = off + len;
  if (end > f->synced) end = f->synced;
  uint64_t cur = off;
  for (size_t i = 0; i < f->nr && cur < end; i++) {
    if (f->r[i].b <= cur) continue;
    if (f->r[i].a >= end) break;
    if (f->r[i].a > cur) save_range(f, fd, cur, f->r[i].a);
    if (f->r[i].b > cur) cur = f->r[i].b;
    // add_range may have reallocated/merged: restart the scan from cur
    i = (size_t)-1;
  }
  if (cur < end) save_range(f, fd, cur, end);
}

// The tracked file behind fd, or NULL. Checked against fstat: an fd can be closed behind our
// back (fclose of an fdopen'ed stream closes inside libc) and its number reused.
static struct file* tracked(int fd) {
  if (!on() || fd < 0 || fd >= MAX_FDS) return NULL;
  struct file* f = by_fd[fd];
  if (!f) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_dev != f->dev || (uint64_t)st.st_ino != f->ino) {
    pthread_mutex_lock(&mu);
    if (by_fd[fd] == f) by_fd[fd] = NULL;
    pthread_mutex_unlock(&mu);
    return NULL;
  }
  return f;
}

static void track_fd(int fd, int flags, const char* abs, int created) {
  if (fd < 0 || fd >= MAX_FDS) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  (void)abs;
  if ((flags & O_ACCMODE) == O_RDONLY && !created) return;
  by_fd[fd] = get_file(st.st_dev, st.st_ino, (uint64_t)st.st_size, created);
}

static void new_entry(int type, uint64_t pdev, uint64_t pino, uint64_t ino, const char* abs) {
  struct pl_rec h = {.type = (uint32_t)type, .pdev = pdev, .pino = pino, .ino = ino};
  record(&h, abs, NULL, NULL, NULL);
}

static int do_open(int dirfd, const char* path, int flags, mode_t mode) {
  char abs[PATH_MAX];
  uint64_t pdev, pino;
  if (!on() || !resolve(dirfd, path, abs, &pdev, &pino)) return real_openat(dirfd, path, flags, mode);
  pthread_mutex_lock(&mu);
  struct stat st;
  int existed = lstat(abs, &st) == 0;
  if (existed && S_ISREG(st.st_mode) && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
    int rfd = real_open(abs, O_RDONLY | O_CLOEXEC);
    if (rfd >= 0) {
      struct file* f = get_file(st.st_dev, st.st_ino, (uint64_t)st.st_size, 0);
      before_change(f, rfd, 0, f->synced);
      real_close(rfd);
    }
  }
  int fd = real_openat(dirfd, path, flags, mode);
  if (fd >= 0) {
    int created = !existed && (flags & O_CREAT);
    if (created) {
      struct stat nst;
      if (fstat(fd, &nst) == 0) new_entry(PL_CREATE, pdev, pino, nst.st_ino, abs);
    }
    track_fd(fd, flags, abs, created);
  }
  pthread_mutex_unlock(&mu);
  return fd;
}

#define MODE_ARG(flags) \
  mode_t mode = 0; \
  if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }

int open(const char* p, int flags, ...) { MODE_ARG(flags); return do_open(AT_FDCWD, p, flags, mode); }
int open64(const char* p, int flags, ...) { MODE_ARG(flags); return do_open(AT_FDCWD, p, flags, mode); }
int openat(int d, const char* p, int flags, ...) { MODE_ARG(flags); return do_open(d, p, flags, mode); }
int openat64(int d, const char* p, int flags, ...) { MODE_ARG(flags); return do_open(d, p, flags, mode); }
int __open_2(const char* p, int flags) { return do_open(AT_FDCWD, p, flags, 0); }
int __open64_2(const char* p, int flags) { return do_open(AT_FDCWD, p, flags, 0); }
int __openat_2(int d, const char* p, int flags) { return do_open(d, p, flags, 0); }
int __openat64_2(int d, const char* p, int flags) { return do_open(d, p, flags, 0); }
int creat(const char* p, mode_t m) { return do_open(AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC, m); }
int creat64(const char* p, mode_t m) { return do_open(AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC, m); }

int close(int fd) {
  if (on() && fd >= 0 && fd < MAX_FDS) {
    if (fd == jfd) { errno = EBADF; return -1; }   // the application must not close the journal
    pthread_mutex_lock(&mu);
    by_fd[fd] = NULL;
    pthread_mutex_unlock(&mu);
  }
  return real_close(fd);
}

static int dup_track(int old, int nfd) {
  if (nfd >= 0 && nfd < MAX_FDS && on()) {
    pthread_mutex_lock(&mu);
    by_fd[nfd] = (old >= 0 && old < MAX_FDS) ? by_fd[old] : NULL;
    pthread_mutex_unlock(&mu);
  }
  return nfd;
}
int dup(int fd) { on(); return dup_track(fd, real_dup(fd)); }
int dup2(int fd, int n) { on(); return dup_track(fd, real_dup2(fd, n)); }
int dup3(int fd, int n, int fl) { on(); return dup_track(fd, real_dup3(fd, n, fl)); }

// Before a write of len bytes at off (off < 0: at the file position / end for O_APPEND).
static void pre_write(int fd, off_t off, uint64_t len) {
  struct file* f = tracked(fd);
  if (!f || len == 0) return;
  pthread_mutex_lock(&mu);
  if (off < 0) {
    int fl = fcntl(fd, F_GETFL);
    struct stat st;
    if (fl >= 0 && (fl & O_APPEND) && fstat(fd, &st) == 0) off = st.st_size;
    else off = lseek(fd, 0, SEEK_CUR);
  }
  if (off >= 0) before_change(f, fd, (uint64_t)off, len);
  pthread_mutex_unlock(&mu);
}

static uint64_t iov_len(const struct iovec* v, int n) {
  uint64_t t = 0;
  for (int i = 0; i < n; i++) t += v[i].iov_len;
  return t;
}

static void after_sync(int fd, int ok);
static void sync_if_osync(int fd, ssize_t r) {
  if (r <= 0 || !tracked(fd)) return;
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0 && (fl & (O_SYNC | O_DSYNC))) after_sync(fd, 1);
}

ssize_t write(int fd, const void* b, size_t n) { pre_write(fd, -1, n); ssize_t r = real_write(fd, b, n); sync_if_osync(fd, r); return r; }
ssize_t pwrite(int fd, const void* b, size_t n, off_t o) { pre_write(fd, o, n); ssize_t r = real_pwrite(fd, b, n, o); sync_if_osync(fd, r); return r; }
ssize_t pwrite64(int fd, const void* b, size_t n, off_t o) { return pwrite(fd, b, n, o); }
ssize_t writev(int fd, const struct iovec* v, int c) { pre_write(fd, -1, iov_len(v, c)); ssize_t r = real_writev(fd, v, c); sync_if_osync(fd, r); return r; }
ssize_t pwritev(int fd, const struct iovec* v, int c, off_t o) { pre_write(fd, o, iov_len(v, c)); ssize_t r = real_pwritev(fd, v, c, o); sync_if_osync(fd, r); return r; }
ssize_t pwritev64(int fd, const struct iovec* v, int c, off_t o) { return pwritev(fd, v, c, o); }
ssize_t pwritev2(int fd, const struct iovec* v, int c, off_t o, int fl) {
  pre_write(fd, o, iov_len(v, c));
  ssize_t r = real_pwritev2(fd, v, c, o, fl);
  sync_if_osync(fd, r);
  if (r > 0 && (fl & (RWF_SYNC | RWF_DSYNC))) after_sync(fd, 1);
  return r;
}
ssize_t pwritev64v2(int fd, const struct iovec* v, int c, off_t o, int fl) { return pwritev2(fd, v, c, o, fl); }

int ftruncate(int fd, off_t len) {
  struct file* f = tracked(fd);
  if (f) {
    pthread_mutex_lock(&mu);
    if ((uint64_t)len < f->synced) before_change(f, fd, (uint64_t)len, f->synced - (uint64_t)len);
    pthread_mutex_unlock(&mu);
  }
  return real_ftruncate(fd, len);
}
int ftruncate64(int fd, off_t len) { return ftruncate(fd, len); }

int truncate(const char* p, off_t len) {
  int fd = open(p, O_WRONLY | O_CLOEXEC);   // through the shim: tracked if under the root
  if (fd < 0) return -1;
  int r = ftruncate(fd, len);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}
int truncate64(const char* p, off_t len) { return truncate(p, len); }

int fallocate(int fd, int mode, off_t off, off_t len) {
  struct file* f = tracked(fd);
  // Plain allocation (with or without KEEP_SIZE) changes no content: growth is undone by the
  // truncation to the synced size. Punching, zeroing, collapsing or inserting ranges does.
  if (f && (mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
    pthread_mutex_lock(&mu);
    if (mode & (0x08 /*COLLAPSE_RANGE*/ | 0x20 /*INSERT_RANGE*/)) {
      struct stat st;
      if (fstat(fd, &st) == 0 && (uint64_t)off < (uint64_t)st.st_size)
        before_change(f, fd, (uint64_t)off, (uint64_t)st.st_size - (uint64_t)off);
    } else {
      before_change(f, fd, (uint64_t)off, (uint64_t)len);
    }
    pthread_mutex_unlock(&mu);
  }
  return real_fallocate(fd, mode, off, len);
}
int fallocate64(int fd, int mode, off_t off, off_t len) { return fallocate(fd, mode, off, len); }
int posix_fallocate(int fd, off_t off, off_t len) { on(); return real_posix_fallocate(fd, off, len); }
int posix_fallocate64(int fd, off_t off, off_t len) { return posix_fallocate(fd, off, len); }

static void after_sync(int fd, int ok) {
  if (!ok || !on()) return;
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  pthread_mutex_lock(&mu);
  if (S_ISDIR(st.st_mode)) {
    struct pl_rec h = {.type = PL_DSYNC, .dev = st.st_dev, .ino = st.st_ino};
    record(&h, NULL, NULL, NULL, NULL);
    // Unlinks and replacements in this directory are durable now: their stashed inodes can go.
    struct pending** pp = &pendings;
    while (*pp) {
      struct pending* p = *pp;
      if (p->pdev == (uint64_t)st.st_dev && p->pino == (uint64_t)st.st_ino) {
        real_unlink(p->stash);
        free(p->stash);
        *pp = p->next;
        free(p);
      } else {
        pp = &p->next;
      }
    }
  } else if (S_ISREG(st.st_mode)) {
    struct file* f = find_file(st.st_dev, st.st_ino);
    if (f) {
      f->synced = (uint64_t)st.st_size;
      f->nr = 0;
      struct pl_rec h = {.type = PL_SYNC, .dev = f->dev, .ino = f->ino, .off = f->synced};
      record(&h, NULL, NULL, NULL, NULL);
    }
  }
  pthread_mutex_unlock(&mu);
}

int fsync(int fd) { on(); int r = real_fsync(fd); after_sync(fd, r == 0); return r; }
int fdatasync(int fd) { on(); int r = real_fdatasync(fd); after_sync(fd, r == 0); return r; }

// Keeps the inode at abs alive under a stash name (hard link) so a rollback can restore it.
static char* stash(const char* abs) {
  char* s = malloc(PATH_MAX);
  if (snprintf(s, PATH_MAX, "%s/%d-%lu", stash_dir, (int)getpid(), ++stash_seq) >= PATH_MAX) {
    errno = ENAMETOOLONG;
    die("stash path");
  }
  if (real_link(abs, s) != 0) die("link into stash");
  return s;
}

static void add_pending(uint64_t pdev, uint64_t pino, char* s) {
  struct pending* p = malloc(sizeof *p);
  p->pdev = pdev;
  p->pino = pino;
  p->stash = s;
  p->next = pendings;
  pendings = p;
}

static int do_unlink(int dirfd, const char* path, int flags) {
  char abs[PATH_MAX];
  uint64_t pdev, pino;
  if (!on() || !resolve(dirfd, path, abs, &pdev, &pino)) return real_unlinkat(dirfd, path, flags);
  pthread_mutex_lock(&mu);
  struct stat st;
  int r;
  if (flags & AT_REMOVEDIR) {
    r = real_unlinkat(dirfd, path, flags);
    if (r == 0) new_entry(PL_RMDIR, pdev, pino, 0, abs);
  } else if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
    char* s = stash(abs);
    r = real_unlinkat(dirfd, path, flags);
    if (r == 0) {
      struct pl_rec h = {.type = PL_UNLINK, .pdev = pdev, .pino = pino, .ino = st.st_ino};
      record(&h, abs, s, NULL, NULL);
      add_pending(pdev, pino, s);
    } else {
      int e = errno;
      real_unlink(s);
      free(s);
      errno = e;
    }
  } else {
    r = real_unlinkat(dirfd, path, flags);
  }
  pthread_mutex_unlock(&mu);
  return r;
}
int unlink(const char* p) { return do_unlink(AT_FDCWD, p, 0); }
int unlinkat(int d, const char* p, int fl) { return do_unlink(d, p, fl); }
int rmdir(const char* p) { return do_unlink(AT_FDCWD, p, AT_REMOVEDIR); }

static int do_rename(int od, const char* op, int nd, const char* np, unsigned flags) {
  char oabs[PATH_MAX], nabs[PATH_MAX];
  uint64_t opdev, opino, npdev, npino;
  if (!on()) return real_renameat2(od, op, nd, np, flags);
  int oin = resolve(od, op, oabs, &opdev, &opino);
  int nin = resolve(nd, np, nabs, &npdev, &npino);
  if (!oin && !nin) return real_renameat2(od, op, nd, np, flags);
  if (oin != nin || (flags & RENAME_EXCHANGE)) {
    errno = EXDEV;   // not modelled: renames across the root's boundary, exchanges
    die("rename across the tracked root or RENAME_EXCHANGE");
  }
  pthread_mutex_lock(&mu);
  struct stat st, sst;
  char* s = NULL;
  if (lstat(nabs, &st) == 0 && S_ISREG(st.st_mode) && !(flags & RENAME_NOREPLACE)) s = stash(nabs);
  int had_src = lstat(oabs, &sst) == 0;
  int r = flags ? real_renameat2(od, op, nd, np, flags) : real_renameat(od, op, nd, np);
  if (r == 0) {
    struct pl_rec h = {.type = PL_RENAME, .pdev = opdev, .pino = opino, .pdev2 = npdev, .pino2 = npino,
                       .ino = had_src ? sst.st_ino : 0};
    record(&h, oabs, nabs, s ? s : "", NULL);
    if (s) add_pending(npdev, npino, s);
  } else if (s) {
    int e = errno;
    real_unlink(s);
    free(s);
    errno = e;
  }
  pthread_mutex_unlock(&mu);
  return r;
}
int rename(const char* o, const char* n) { return do_rename(AT_FDCWD, o, AT_FDCWD, n, 0); }
int renameat(int od, const char* o, int nd, const char* n) { return do_rename(od, o, nd, n, 0); }
int renameat2(int od, const char* o, int nd, const char* n, unsigned fl) { return do_rename(od, o, nd, n, fl); }

static int do_link(int od, const char* op, int nd, const char* np, int flags) {
  char abs[PATH_MAX];
  uint64_t pdev, pino;
  if (!on() || !resolve(nd, np, abs, &pdev, &pino)) return real_linkat(od, op, nd, np, flags);
  pthread_mutex_lock(&mu);
  int r = real_linkat(od, op, nd, np, flags);
  struct stat st;
  if (r == 0 && lstat(abs, &st) == 0) new_entry(PL_CREATE, pdev, pino, st.st_ino, abs);
  pthread_mutex_unlock(&mu);
  return r;
}
int link(const char* o, const char* n) { return do_link(AT_FDCWD, o, AT_FDCWD, n, 0); }
int linkat(int od, const char* o, int nd, const char* n, int fl) { return do_link(od, o, nd, n, fl); }

static int do_mkdir(int dirfd, const char* path, mode_t m) {
  char abs[PATH_MAX];
  uint64_t pdev, pino;
  if (!on() || !resolve(dirfd, path, abs, &pdev, &pino)) return real_mkdirat(dirfd, path, m);
  pthread_mutex_lock(&mu);
  int r = real_mkdirat(dirfd, path, m);
  if (r == 0) new_entry(PL_MKDIR, pdev, pino, 0, abs);
  pthread_mutex_unlock(&mu);
  return r;
}
int mkdir(const char* p, mode_t m) { return do_mkdir(AT_FDCWD, p, m); }
int mkdirat(int d, const char* p, mode_t m) { return do_mkdir(d, p, m); }
