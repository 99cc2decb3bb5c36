// LogStore::Open's recovery: replays every segment and repairs a torn tail (rules in log_store.h).
#include <algorithm>

#include "logstore/log_store_impl.h"

namespace redraft::raft {

using log_format::Kind;
using log_format::Parse;

namespace {

Status ReadWhole(File* f, std::string* buf) {
  auto size = f->Size();
  if (!size.ok()) return size.status();
  return f->Read(0, size.value(), buf);
}

// Feeds one valid record to the replay.
Status ApplyRecord(LogReplay* replay, const log_format::Record& rec, uint64_t seq, uint64_t off,
                   const std::string& path) {
  auto bad = [&](const std::string& what) {
    return Status::Corruption(path + " offset " + std::to_string(off) + ": " + what);
  };
  if ((off == 0) != (rec.kind == Kind::kHeader)) return bad("segment header misplaced");
  switch (rec.kind) {
    case Kind::kHeader: {
      log_format::SegmentHeader h;
      if (!log_format::DecodeHeader(rec.payload, &h)) return bad("undecodable header");
      if (h.version != log_format::kVersion)
        return bad("unsupported version " + std::to_string(h.version));
      if (h.seq != seq) return bad("header names segment " + std::to_string(h.seq));
      return Status::OK();
    }
    case Kind::kEntry: {
      Entry e;
      if (!log_format::DecodeEntry(rec.payload, &e)) return bad("undecodable entry");
      EntryLoc loc{e.term, seq, off, static_cast<uint32_t>(rec.size)};
      Status st = replay->OnEntry(std::move(e), loc);
      return st.ok() ? st : bad(st.message());
    }
    case Kind::kHardState: {
      HardState hs;
      if (!log_format::DecodeHardState(rec.payload, &hs)) return bad("undecodable hard state");
      replay->OnHardState(hs);
      return Status::OK();
    }
    case Kind::kSnapshot: {
      SnapshotMeta m;
      bool keep_log = false;
      if (!log_format::DecodeSnapshot(rec.payload, &m, &keep_log))
        return bad("undecodable snapshot");
      Status st = replay->OnSnapshot(m, keep_log);
      return st.ok() ? st : bad(st.message());
    }
  }
  return bad("unknown record kind");
}

// True if buf starts with a valid header whose prev_end is `end`.
bool HeaderSaysPrevEnd(const std::string& buf, uint64_t end) {
  log_format::Record rec;
  log_format::SegmentHeader h;
  return log_format::ParseRecord(buf, 0, &rec) == Parse::kOk && rec.kind == Kind::kHeader &&
         log_format::DecodeHeader(rec.payload, &h) && h.prev_end == end;
}

// mkdir -p, making each creation durable (fsync of the new directory and of its parent). The log
// directory and its parent are fsync'ed even if it existed: a previous process may have died
// between its mkdir and that fsync.
Status CreateDirs(FileSystem* fs, const std::string& dir) {
  for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {
    std::string sub = dir.substr(0, pos);
    if (!sub.empty() && sub.back() != '/') {
      bool created = false;
      REDRAFT_RETURN_IF_ERROR(fs->CreateDir(sub, &created));
      if (created || pos == std::string::npos) {
        size_t slash = sub.rfind('/');
        std::string parent = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : sub.substr(0, slash);
        REDRAFT_RETURN_IF_ERROR(fs->SyncDir(sub));
        REDRAFT_RETURN_IF_ERROR(fs->SyncDir(parent));
      }
    }
    if (pos == std::string::npos) return Status::OK();
  }
}

}  // namespace

Status LogStore::Impl::Recover(RecoveredState* out) {
  REDRAFT_RETURN_IF_ERROR(CreateDirs(opts.fs.get(), dir));
  std::vector<std::string> names;
  REDRAFT_RETURN_IF_ERROR(opts.fs->ListDir(dir, &names));
  std::vector<uint64_t> seqs;
  for (const std::string& name : names) {
    uint64_t seq;
    if (ParseSegmentName(name, &seq)) seqs.push_back(seq);
  }
  std::sort(seqs.begin(), seqs.end());

  batch_start = false;  // nothing written during recovery may vouch for bytes not yet synced
  LogReplay replay;
  std::string buf, next;
  size_t records_in_last = 0;  // records read from the segment where the log ends
  for (size_t k = 0; k < seqs.size(); k++) {
    LogSegment seg;
    seg.seq = seqs[k];
    seg.path = SegmentPath(seg.seq);
    auto file = opts.fs->OpenFile(seg.path, /*create=*/false);
    if (!file.ok()) return file.status();
    seg.file = std::move(file.value());
    if (k == 0) {
      REDRAFT_RETURN_IF_ERROR(ReadWhole(seg.file.get(), &buf));
    } else {
      buf.swap(next);
    }
    uint64_t off = 0;
    log_format::Record rec;
    records_in_last = 0;
    while (log_format::ParseRecord(buf, off, &rec) == Parse::kOk) {
      REDRAFT_RETURN_IF_ERROR(ApplyRecord(&replay, rec, seg.seq, off, seg.path));
      off += rec.size;
      records_in_last++;
    }
    seg.end = seg.flushed = seg.zeroed = off;
    seg.capacity = std::max<uint64_t>(opts.segment_bytes, buf.size());
    bool normal_end = false;
    if (k + 1 < seqs.size()) {
      auto nf = opts.fs->OpenFile(SegmentPath(seqs[k + 1]), false);
      if (!nf.ok()) return nf.status();
      REDRAFT_RETURN_IF_ERROR(ReadWhole(nf.value().get(), &next));
      normal_end = HeaderSaysPrevEnd(next, off);
    }
    segments.push_back(std::move(seg));
    if (normal_end) continue;

    // The log ends at (seqs[k], off). Anything after it must be an unacknowledged torn batch:
    // a record written after a later Sync (batch-start flag) proves otherwise.
    LogSegment& last = segments.back();
    size_t found = log_format::FindBatchStart(buf, off);
    if (found != std::string::npos) {
      return Status::Corruption(last.path + ": damaged or missing record at offset " +
                                std::to_string(off) + " precedes a synced record at offset " +
                                std::to_string(found) + "; refusing to drop acknowledged data");
    }
    if (k == 0 && seqs[0] > 1 && records_in_last < 3) {
      // Segments before it were deleted by Compact, which synced this one's header records first.
      return Status::Corruption(last.path + ": header records of the oldest segment are damaged");
    }
    uint64_t dropped = log_format::NonZeroEnd(buf, off) - off;
    for (size_t j = k + 1; j < seqs.size(); j++) {
      if (j > k + 1) {
        auto f = opts.fs->OpenFile(SegmentPath(seqs[j]), false);
        if (!f.ok()) return f.status();
        REDRAFT_RETURN_IF_ERROR(ReadWhole(f.value().get(), &next));
      }
      found = log_format::FindBatchStart(next, 0);
      if (found != std::string::npos) {
        return Status::Corruption(last.path + ": damaged or missing record at offset " +
                                  std::to_string(off) + " precedes a synced record in " +
                                  SegmentPath(seqs[j]) + "; refusing to drop acknowledged data");
      }
      dropped += log_format::NonZeroEnd(next, 0);
    }
    if (log_format::NonZeroEnd(buf, off) > off) {
      REDRAFT_RETURN_IF_ERROR(last.file->Truncate(off));
      if (opts.preallocate) REDRAFT_RETURN_IF_ERROR(last.file->Allocate(last.capacity));
      last.dirty = true;
    }
    for (size_t j = k + 1; j < seqs.size(); j++) {
      REDRAFT_RETURN_IF_ERROR(opts.fs->RemoveFile(SegmentPath(seqs[j])));
      dir_dirty = true;
    }
    if (dropped > 0 || k + 1 < seqs.size()) {
      out->dropped_bytes = dropped;
      out->recovery_note = "torn tail dropped: " + std::to_string(dropped) + " bytes from " +
                           last.path + " offset " + std::to_string(off) + " and " +
                           std::to_string(seqs.size() - k - 1) + " later segment(s)";
    }
    break;
  }

  REDRAFT_RETURN_IF_ERROR(replay.Finish());
  hs = replay.hard_state();
  snap = replay.snapshot();
  locs.assign(replay.locs().begin(), replay.locs().end());
  bool fresh = segments.empty() || segments.back().end == 0;
  if (fresh) {
    // A new log, or a first segment whose header never reached the disk.
    uint64_t seq = segments.empty() ? 1 : segments.back().seq;
    if (!segments.empty()) segments.pop_back();
    REDRAFT_RETURN_IF_ERROR(CreateSegment(seq, 0, 0));
  }
  // Whatever was read may still sit only in the page cache (the process died, not the machine):
  // make it durable before anything after it is acknowledged.
  for (LogSegment& seg : segments) seg.dirty = true;
  dir_dirty = true;
  REDRAFT_RETURN_IF_ERROR(SyncAll());
  if (!fresh && records_in_last < 3) {
    // The log ends inside the active segment's Header/HardState/Snapshot copies: write them again,
    // or compacting the older segments would lose the latest hard state or snapshot.
    REDRAFT_RETURN_IF_ERROR(AddRecord(Kind::kHardState, log_format::EncodeHardState(hs)));
    REDRAFT_RETURN_IF_ERROR(
        AddRecord(Kind::kSnapshot, log_format::EncodeSnapshot(snap, /*keep_log=*/true)));
    REDRAFT_RETURN_IF_ERROR(SyncAll());
  }
  out->hard_state = hs;
  out->snapshot = snap;
  out->entries = std::move(replay.entries());
  return Status::OK();
}

}  // namespace redraft::raft
