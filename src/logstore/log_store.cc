#include "logstore/log_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "logstore/log_store_impl.h"

namespace redraft::raft {

using log_format::Kind;

std::string SegmentFileName(uint64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "log-%020" PRIu64 ".seg", seq);
  return buf;
}

bool ParseSegmentName(const std::string& name, uint64_t* seq) {
  if (name.size() != 4 + 20 + 4 || name.compare(0, 4, "log-") != 0 ||
      name.compare(24, 4, ".seg") != 0) {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 4; i < 24; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *seq = v;
  return true;
}

std::string LogStore::Impl::SegmentPath(uint64_t seq) const {
  return dir + "/" + SegmentFileName(seq);
}

LogSegment* LogStore::Impl::FindSegment(uint64_t seq) {
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (it->seq == seq) return &*it;
  }
  return nullptr;
}

Status LogStore::Impl::CreateSegment(uint64_t seq, uint64_t prev_end, uint64_t need) {
  std::string header = log_format::EncodeHeader({log_format::kVersion, seq, prev_end});
  std::string hs_rec = log_format::EncodeHardState(hs);
  std::string snap_rec = log_format::EncodeSnapshot(snap, /*keep_log=*/true);
  uint64_t header_bytes =
      3 * log_format::kRecordHeaderSize + header.size() + hs_rec.size() + snap_rec.size();
  LogSegment seg;
  seg.seq = seq;
  seg.path = SegmentPath(seq);
  auto file = opts.fs->OpenFile(seg.path, /*create=*/true);
  if (!file.ok()) return file.status();
  seg.file = std::move(file.value());
  seg.capacity = std::max(opts.segment_bytes, header_bytes + need);
  Status st = seg.file->Truncate(0);  // a leftover file of a torn creation
  if (st.ok() && opts.preallocate) st = seg.file->Allocate(seg.capacity);
  if (!st.ok()) {
    // Typically NoSpace. Nothing refers to the file yet (no record, not in `segments`): remove it
    // so a partial fallocate gives its blocks back; the caller may simply try again.
    seg.file.reset();
    (void)opts.fs->RemoveFile(seg.path);
    return st;
  }
  segments.push_back(std::move(seg));
  dir_dirty = true;
  pending.clear();
  // Header records are framed directly: AddRecord could roll over again.
  log_format::AppendRecord(&pending, Kind::kHeader, batch_start, header);
  log_format::AppendRecord(&pending, Kind::kHardState, false, hs_rec);
  log_format::AppendRecord(&pending, Kind::kSnapshot, false, snap_rec);
  batch_start = false;
  segments.back().end = pending.size();
  return Status::OK();
}

Status LogStore::Impl::AddRecord(Kind kind, const std::string& payload, EntryLoc* loc) {
  if (payload.size() > UINT32_MAX - log_format::kRecordHeaderSize) {
    return Status::InvalidArgument("record of " + std::to_string(payload.size()) +
                                   " bytes is too large");
  }
  uint64_t size = log_format::kRecordHeaderSize + payload.size();
  LogSegment* seg = &segments.back();
  if (seg->end + size > seg->capacity) {
    REDRAFT_RETURN_IF_ERROR(Flush());
    uint64_t prev_end = seg->end;
    REDRAFT_RETURN_IF_ERROR(CreateSegment(seg->seq + 1, prev_end, size));
    seg = &segments.back();
  }
  if (loc != nullptr) {
    loc->seq = seg->seq;
    loc->offset = seg->end;
    loc->size = static_cast<uint32_t>(size);
  }
  log_format::AppendRecord(&pending, kind, batch_start, payload);
  batch_start = false;
  seg->end += size;
  if (pending.size() >= kFlushBytes) return Flush();
  return Status::OK();
}

Status LogStore::Impl::Flush() {
  LogSegment& seg = segments.back();
  if (pending.empty()) return Status::OK();
  REDRAFT_RETURN_IF_ERROR(seg.file->Write(seg.flushed, pending));
  uint64_t end = seg.flushed + pending.size();
  if (opts.preallocate && end > seg.zeroed) {
    // Overwriting written blocks needs no metadata commit at fdatasync; writing into fallocated
    // (unwritten) extents does. Zero the next chunk now so only one sync per chunk pays for it.
    uint64_t target = std::min(seg.capacity, end + kZeroChunk);
    if (target > end) {
      if (zeros.size() < target - end) zeros.assign(target - end, '\0');
      REDRAFT_RETURN_IF_ERROR(
          seg.file->Write(end, std::string_view(zeros).substr(0, target - end)));
    }
    seg.zeroed = std::max(target, end);
  }
  seg.flushed = end;
  seg.dirty = true;
  pending.clear();
  return Status::OK();
}

Status LogStore::Impl::SyncAll() {
  REDRAFT_RETURN_IF_ERROR(Flush());
  for (LogSegment& seg : segments) {
    if (!seg.dirty) continue;
    Status st = seg.file->Sync();
    if (!st.ok()) REDRAFT_PANIC("log segment fdatasync failed (never retried): " + st.ToString());
    seg.dirty = false;
  }
  if (dir_dirty) {
    Status st = opts.fs->SyncDir(dir);
    if (!st.ok()) REDRAFT_PANIC("log directory fsync failed (never retried): " + st.ToString());
    dir_dirty = false;
  }
  batch_start = true;
  return Status::OK();
}

LogStore::LogStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogStore::~LogStore() = default;

Result<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir,
                                                 const LogStoreOptions& opts,
                                                 RecoveredState* recovered) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->opts = opts;
  if (!impl->opts.fs) impl->opts.fs = PosixFileSystem();
  if (impl->opts.segment_bytes == 0) return Status::InvalidArgument("segment_bytes must be > 0");
  *recovered = RecoveredState();
  REDRAFT_RETURN_IF_ERROR(impl->Recover(recovered));
  return std::unique_ptr<LogStore>(new LogStore(std::move(impl)));
}

Status LogStore::Append(const std::vector<Entry>& entries) {
  Impl& im = *impl_;
  if (entries.empty()) return Status::OK();
  Index first = entries[0].index;
  if (first <= im.snap.index || first > im.last_index() + 1) {
    return Status::InvalidArgument("append at " + std::to_string(first) + " outside [" +
                                   std::to_string(im.snap.index + 1) + ", " +
                                   std::to_string(im.last_index() + 1) + "]");
  }
  for (size_t i = 1; i < entries.size(); i++) {
    if (entries[i].index != first + i) return Status::InvalidArgument("entries not contiguous");
  }
  im.locs.resize(first - im.snap.index - 1);  // the conflicting suffix, if any
  for (const Entry& e : entries) {
    EntryLoc loc;
    loc.term = e.term;
    REDRAFT_RETURN_IF_ERROR(im.AddRecord(Kind::kEntry, log_format::EncodeEntry(e), &loc));
    im.locs.push_back(loc);
  }
  return Status::OK();
}

Status LogStore::SetHardState(const HardState& hs) {
  if (hs == impl_->hs) return Status::OK();
  REDRAFT_RETURN_IF_ERROR(impl_->AddRecord(Kind::kHardState, log_format::EncodeHardState(hs)));
  impl_->hs = hs;  // after: a rollover's header copy holds the previous hard state
  return Status::OK();
}

Status LogStore::Sync() { return impl_->SyncAll(); }

Status LogStore::Compact(const SnapshotMeta& meta) {
  Impl& im = *impl_;
  if (meta.index < im.snap.index) {
    return Status::InvalidArgument("compact to " + std::to_string(meta.index) + " below snapshot " +
                                   std::to_string(im.snap.index));
  }
  Index n = meta.index - im.snap.index;  // entries to drop if the log matches the snapshot
  bool keep_log = n == 0 || (meta.index <= im.last_index() && im.locs[n - 1].term == meta.term);
  // Framed before the state changes: if the record rolls over to a new segment, that segment's
  // header copy must still hold the old snapshot (a copy says keep_log = 1).
  REDRAFT_RETURN_IF_ERROR(
      im.AddRecord(Kind::kSnapshot, log_format::EncodeSnapshot(meta, keep_log)));
  if (keep_log) {
    im.locs.erase(im.locs.begin(), im.locs.begin() + static_cast<ptrdiff_t>(n));
  } else {
    im.locs.clear();
  }
  im.snap = meta;
  REDRAFT_RETURN_IF_ERROR(im.SyncAll());
  // Entries' segments are non-decreasing in index order, so the first live entry's segment is the
  // oldest one still needed; the latest hard state and snapshot are always in the active segment.
  uint64_t keep_from = im.locs.empty() ? im.segments.back().seq : im.locs.front().seq;
  while (im.segments.size() > 1 && im.segments.front().seq < keep_from) {
    LogSegment& seg = im.segments.front();
    seg.file.reset();
    REDRAFT_RETURN_IF_ERROR(im.opts.fs->RemoveFile(seg.path));
    im.segments.pop_front();
    im.dir_dirty = true;
  }
  return im.SyncAll();
}

Index LogStore::FirstIndex() const { return impl_->snap.index + 1; }
Index LogStore::LastIndex() const { return impl_->last_index(); }
const HardState& LogStore::hard_state() const { return impl_->hs; }
const SnapshotMeta& LogStore::snapshot() const { return impl_->snap; }
size_t LogStore::SegmentCount() const { return impl_->segments.size(); }

Result<Term> LogStore::TermAt(Index i) const {
  const Impl& im = *impl_;
  if (i == im.snap.index) return im.snap.term;
  if (i < im.snap.index || i > im.last_index()) {
    return Status::NotFound("no term for index " + std::to_string(i));
  }
  return im.locs[i - im.snap.index - 1].term;
}

Result<std::vector<Entry>> LogStore::Entries(Index lo, Index hi) const {
  Impl& im = *impl_;
  if (lo < im.snap.index + 1 || lo > hi || hi > im.last_index() + 1) {
    return Status::InvalidArgument("entries [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                   ") outside the log");
  }
  std::vector<Entry> out;
  if (lo == hi) return out;
  REDRAFT_RETURN_IF_ERROR(im.Flush());  // so everything is readable from the files
  out.reserve(hi - lo);
  std::string buf;
  Index i = lo;
  while (i < hi) {
    // One read per run of entries in the same segment.
    const EntryLoc& first = im.locs[i - im.snap.index - 1];
    Index j = i + 1;
    while (j < hi && im.locs[j - im.snap.index - 1].seq == first.seq) j++;
    const EntryLoc& last = im.locs[j - 1 - im.snap.index - 1];
    LogSegment* seg = im.FindSegment(first.seq);
    if (seg == nullptr)
      return Status::Corruption("segment of entry " + std::to_string(i) + " missing");
    REDRAFT_RETURN_IF_ERROR(
        seg->file->Read(first.offset, last.offset + last.size - first.offset, &buf));
    for (Index k = i; k < j; k++) {
      const EntryLoc& loc = im.locs[k - im.snap.index - 1];
      log_format::Record rec;
      Entry e;
      if (log_format::ParseRecord(buf, loc.offset - first.offset, &rec) != log_format::Parse::kOk ||
          rec.kind != Kind::kEntry || !log_format::DecodeEntry(rec.payload, &e) || e.index != k) {
        return Status::Corruption("entry " + std::to_string(k) + " unreadable in " + seg->path);
      }
      out.push_back(std::move(e));
    }
    i = j;
  }
  return out;
}

}  // namespace redraft::raft
