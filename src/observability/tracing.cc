#include "observability/tracing.h"

#include "observability/json.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

namespace redraft::observability {

namespace {

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::string HexId(uint64_t id) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Sampler::set_rate(double r) {
  rate_ = std::isfinite(r) ? std::min(1.0, std::max(0.0, r)) : 0;
  n_ = 0;
  next_ = rate_ > 0 ? After(0) : UINT64_MAX;
}

uint64_t Sampler::After(uint64_t n) const {
  // floor(m*r) > floor(n*r) first happens at m = ceil((floor(n*r) + 1) / r); the estimate is
  // corrected with the definition itself, so rounding in the division cannot move a sample.
  auto count = [this](uint64_t m) { return static_cast<uint64_t>(std::floor(static_cast<double>(m) * rate_)); };
  uint64_t want = count(n) + 1;
  uint64_t m = std::max<uint64_t>(n + 1, static_cast<uint64_t>(std::ceil(static_cast<double>(want) / rate_)));
  while (m > n + 1 && count(m - 1) >= want) m--;
  while (count(m) < want) m++;
  return m;
}

bool Sampler::Hit() {
  if (rate_ <= 0) return false;
  next_ = After(n_);
  return true;
}

// Ids only need to be unique, not unpredictable: a per-process random seed (ids of two nodes
// never collide in practice) stepped by SplitMix64. Never used at apply time.
Tracer::Tracer() : id_state_(std::random_device{}() ^ (static_cast<uint64_t>(WallMicros()) << 20)) {}

uint64_t Tracer::NewId() {
  uint64_t id;
  do id = SplitMix(&id_state_);
  while (id == 0);  // Zipkin: all-zero ids are invalid
  return id;
}

std::string Tracer::Configure(double rate, const std::string& file) {
  if (rate != sampler_.rate()) sampler_.set_rate(rate);
  if (file == file_) return "";
  FlushFile();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  file_ = file;
  if (file_.empty()) return "";
  fd_ = open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return "cannot open trace-file " + file_ + ": " + strerror(errno);
  return "";
}

void Tracer::set_endpoint(std::string service, std::string ipv4, int port) {
  service_ = std::move(service);
  ipv4_ = std::move(ipv4);
  port_ = port;
}

std::string Tracer::SpanJson(const Span& s) const {
  std::string out;
  out.reserve(256);
  out.append("{\"traceId\":\"").append(HexId(s.trace_id)).append("\",\"id\":\"").append(HexId(s.id)).append("\"");
  if (s.parent_id) out.append(",\"parentId\":\"").append(HexId(s.parent_id)).append("\"");
  out.append(",\"name\":");
  AppendJsonString(&out, s.name);
  out.append(",\"timestamp\":").append(std::to_string(s.start_us));
  // Zipkin drops a zero duration (it means "unknown"): the shortest is 1 µs.
  out.append(",\"duration\":").append(std::to_string(std::max<int64_t>(1, s.duration_us)));
  out.append(",\"localEndpoint\":{\"serviceName\":");
  AppendJsonString(&out, service_);
  if (!ipv4_.empty()) {
    out.append(",\"ipv4\":");
    AppendJsonString(&out, ipv4_);
  }
  if (port_) out.append(",\"port\":").append(std::to_string(port_));
  out.append("}");
  if (!s.tags.empty() || !node_id_.empty()) {
    out.append(",\"tags\":{");
    bool first = true;
    auto tag = [&](std::string_view k, std::string_view v) {
      if (!first) out.push_back(',');
      first = false;
      AppendJsonString(&out, k);
      out.push_back(':');
      AppendJsonString(&out, v);
    };
    if (!node_id_.empty()) tag("redraft.node", node_id_);
    for (const auto& [k, v] : s.tags) tag(k, v);
    out.append("}");
  }
  out.append("}");
  return out;
}

void Tracer::Record(Span s) {
  std::string json = SpanJson(s);
  auto it = ring_.find(s.trace_id);
  if (it == ring_.end()) {
    it = ring_.emplace(s.trace_id, std::vector<std::string>{}).first;
    ring_order_.push_back(s.trace_id);
    while (ring_order_.size() > kRingTraces) {
      ring_.erase(ring_order_.front());
      ring_order_.pop_front();
    }
  }
  if (it->second.size() < 64) it->second.push_back(json);  // a trace's spans on one node: a handful
  if (fd_ >= 0) {
    if (!pending_.empty()) pending_.push_back(',');
    pending_.append(json);
    if (pending_.size() > (64 << 10)) FlushFile();
  }
}

void Tracer::FlushFile() {
  if (pending_.empty()) return;
  if (fd_ < 0) {
    pending_.clear();
    return;
  }
  std::string line;
  line.reserve(pending_.size() + 3);
  line.push_back('[');
  line.append(pending_);
  line.append("]\n");
  pending_.clear();
  // One write per line (O_APPEND): a reader never sees half a line unless the disk is full.
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // best effort: traces are diagnostics, never worth blocking the loop
    off += static_cast<size_t>(n);
  }
}

std::string Tracer::RecentJson(size_t limit) const {
  std::string out = "[";
  size_t n = 0;
  for (auto it = ring_order_.rbegin(); it != ring_order_.rend() && n < limit; ++it, ++n) {
    if (n) out.push_back(',');
    out.push_back('[');
    const auto& spans = ring_.at(*it);
    for (size_t i = 0; i < spans.size(); i++) {
      if (i) out.push_back(',');
      out.append(spans[i]);
    }
    out.push_back(']');
  }
  out.push_back(']');
  return out;
}

void Tracer::Reset() {
  ring_.clear();
  ring_order_.clear();
  contexts_.clear();
  context_order_.clear();
  reads_.clear();
  std::fill(std::begin(seq_counts_), std::end(seq_counts_), 0);
  pending_.clear();
  next_ = TraceContext{};
}

void Tracer::Bind(uint64_t session, uint64_t seq, const TraceContext& ctx) {
  TagKey k{session, seq};
  // Keys erased since are dropped from the front; the oldest live ones go past kMaxContexts.
  while (!context_order_.empty() && !contexts_.count(context_order_.front())) context_order_.pop_front();
  if (context_order_.size() > 2 * kMaxContexts) {  // erased keys stuck behind a live one
    std::deque<TagKey> live;
    for (const TagKey& o : context_order_) {
      if (contexts_.count(o)) live.push_back(o);
    }
    context_order_.swap(live);
  }
  if (contexts_.emplace(k, ctx).second) {
    context_order_.push_back(k);
    seq_counts_[seq % kSeqBuckets]++;  // at most kMaxContexts + 1 < 65536 per bucket
  }
  while (contexts_.size() > kMaxContexts) {
    Forget(context_order_.front());
    context_order_.pop_front();
  }
}

const TraceContext* Tracer::Find(uint64_t session, uint64_t seq) const {
  auto it = contexts_.find(TagKey{session, seq});
  return it == contexts_.end() ? nullptr : &it->second;
}

void Tracer::Forget(const TagKey& k) {
  if (contexts_.erase(k)) seq_counts_[k.seq % kSeqBuckets]--;
}

void Tracer::Erase(uint64_t session, uint64_t seq) {
  Forget(TagKey{session, seq});
  // context_order_ keeps the key until it reaches the front; an empty map empties it too, so it
  // never outgrows kMaxContexts plus the erased keys behind the live ones.
  if (contexts_.empty()) context_order_.clear();
}

void Tracer::BindRead(uint64_t token, const TraceContext& ctx) {
  if (reads_.size() >= kMaxContexts) reads_.clear();  // barriers never answered must not pile up
  reads_[token] = ReadTrace{ctx};
}

Tracer::ReadTrace* Tracer::FindRead(uint64_t token) {
  auto it = reads_.find(token);
  return it == reads_.end() ? nullptr : &it->second;
}

void Tracer::RecordChild(const TraceContext& ctx, const char* name, int64_t start, int64_t end,
                         std::vector<std::pair<std::string, std::string>> tags) {
  Span s;
  s.trace_id = ctx.trace_id;
  s.parent_id = ctx.parent_id;
  s.id = NewId();
  s.name = name;
  s.start_us = start;
  s.duration_us = end - start;
  s.tags = std::move(tags);
  Record(std::move(s));
}

Tracer& Tracing() {
  static Tracer t;
  return t;
}

}  // namespace redraft::observability
