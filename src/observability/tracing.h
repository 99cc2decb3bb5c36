#pragma once

// Per-request traces (issue 13, docs/observability.md "Traces"): spans of one request's stages on
// every node it touches, under one trace id, exported as Zipkin v2 JSON.
//
// Owns: the sampling decision (deterministic, per receiving node), trace and span ids, the spans
// this node recorded (a ring for GET /v1/traces, and the trace-file export, one JSON array of
// spans per line), and the trace contexts of writes in flight, keyed by their log tag
// {session, seq} (commands::WriteTag), which every node can read from the entry itself.
// Must not: know Raft, commands or sockets (server/ and cluster/ feed it; cluster/trace_frames.h
// carries contexts between nodes).
//
// Cost when off: the server asks the client's forced flag and the sampler (an increment and a
// compare) per request; the replicator asks active() (an empty map) per Ready and per sent
// AppendEntries. Nothing else runs. While traces are in flight, an unsampled request's entry costs
// the Ready loop a look at its last bytes and one array load (MaybeBound), nothing allocated.
//
// Thread-safety: none; the event-loop thread only.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace redraft::observability {

// One Zipkin v2 span. Times are wall-clock µs since the epoch (Zipkin's unit; nodes of one
// cluster on one host share the clock, across hosts the usual NTP skew applies).
struct Span {
  uint64_t trace_id = 0;
  uint64_t id = 0;
  uint64_t parent_id = 0;  // 0: a root span
  std::string name;
  int64_t start_us = 0;
  int64_t duration_us = 0;
  std::vector<std::pair<std::string, std::string>> tags;
};

// What travels with a traced write: its trace and the span its node-local spans hang under.
struct TraceContext {
  uint64_t trace_id = 0;
  uint64_t parent_id = 0;
  int64_t since_us = 0;  // when this node learned of it (bound or received)
};

// A traced client request on its receiving node (server/server_trace.cc): its root span and
// the times of its stages, wall-clock µs.
struct RequestTrace {
  uint64_t trace_id = 0;  // 0: not traced
  uint64_t root_id = 0;
  std::string_view name;  // the command's table name (static storage)
  bool forced = false;    // CLIENT TRACE ON, rather than sampled
  int64_t t0 = 0, proposed = 0, ready = 0;
};

// 16 lowercase hex digits (Zipkin's 64-bit id form).
std::string HexId(uint64_t id);
// Wall-clock µs since the epoch.
int64_t WallMicros();

// Deterministic sampler: with rate r in [0, 1], request n (counted from 1 since the rate was set)
// is sampled iff floor(n*r) > floor((n-1)*r): exactly r of the requests, evenly spaced, no RNG.
// Next() is an increment and one integer compare (inline): the number of the next sampled
// request is computed when one is sampled, so an unsampled request pays nothing else.
class Sampler {
 public:
  void set_rate(double r);
  double rate() const { return rate_; }
  bool on() const { return rate_ > 0; }
  bool Next() { return ++n_ >= next_ && Hit(); }
  // The request just sampled is not traced after all (CLIENT TRACE's own requests): the next
  // one is, so the count of traced requests stays r of the total.
  void Retry() { next_ = n_ + 1; }

 private:
  bool Hit();                    // n_ reached next_: finds the next one
  uint64_t After(uint64_t n) const;  // the first sampled request after request n
  double rate_ = 0;
  uint64_t n_ = 0;
  uint64_t next_ = UINT64_MAX;  // never, at rate 0
};

class Tracer {
 public:
  Tracer();

  // trace-sample-rate and trace-file (CONFIG SET / config file). An empty file: spans are kept
  // for the console only. A file that cannot be opened is reported once per change (log line
  // by the caller through the returned text), and spans are kept in memory only.
  std::string Configure(double rate, const std::string& file);
  // The node's name in exported spans (localEndpoint), e.g. serviceName "redraft-7001".
  void set_endpoint(std::string service, std::string ipv4, int port);
  void set_node_tag(std::string node_id) { node_id_ = std::move(node_id); }

  bool sampling() const { return sampler_.on(); }
  double rate() const { return sampler_.rate(); }
  bool Sample() { return sampler_.Next(); }
  void Unsample() { sampler_.Retry(); }
  uint64_t NewId();

  // A finished span: into the ring and the file buffer (written by FlushFile).
  void Record(Span s);
  // Writes buffered lines to trace-file (the event loop's cron calls it): one line per call, a
  // JSON array of the spans recorded since the last one.
  void FlushFile();
  // The most recent `limit` traces this node recorded spans of, newest first, as Zipkin's
  // GET /api/v2/traces answers: [[span, ...], ...].
  std::string RecentJson(size_t limit) const;
  void Reset();  // forgets the ring and contexts (tests)

  // Contexts of writes in flight, by their log tag.
  bool active() const { return !contexts_.empty(); }
  void Bind(uint64_t session, uint64_t seq, const TraceContext& ctx);
  const TraceContext* Find(uint64_t session, uint64_t seq) const;
  void Erase(uint64_t session, uint64_t seq);
  // False if no context in flight has this seq (any session): one array load, so a caller can
  // pass over untraced writes without decoding their tag. True may be a false positive.
  bool MaybeBound(uint64_t seq) const { return seq_counts_[seq % kSeqBuckets] != 0; }

  // Traced reads waiting for their ReadIndex barrier, by barrier token (the server binds one
  // when it asks the barrier and erases it when the barrier is answered; cluster/read_barriers.cc
  // records the round's spans). Empty unless a traced read is in flight: the barrier code asks
  // reads_active() once per batch, never per token, otherwise.
  struct ReadTrace {
    TraceContext ctx;
    int64_t asked_us = 0;   // the ReadIndex request for its batch was made
    int64_t index_us = 0;   // the read index arrived
    uint64_t index = 0;
  };
  bool reads_active() const { return !reads_.empty(); }
  void BindRead(uint64_t token, const TraceContext& ctx);
  ReadTrace* FindRead(uint64_t token);
  void EraseRead(uint64_t token) { reads_.erase(token); }
  // A span under ctx.parent_id in ctx's trace, recorded.
  void RecordChild(const TraceContext& ctx, const char* name, int64_t start, int64_t end,
                   std::vector<std::pair<std::string, std::string>> tags = {});

  // The hand-off from the server's Dispatch to the replicator's Propose of the same write.
  void SetNextProposal(const TraceContext& ctx) { next_ = ctx; }
  TraceContext TakeNextProposal() {
    TraceContext c = next_;
    next_ = TraceContext{};
    return c;
  }
  bool has_next_proposal() const { return next_.trace_id != 0; }

  // Zipkin v2 JSON of one span, with this node's localEndpoint.
  std::string SpanJson(const Span& s) const;

 private:
  struct TagKey {
    uint64_t session, seq;
    bool operator==(const TagKey&) const = default;
  };
  struct TagHash {
    size_t operator()(const TagKey& k) const { return k.session * 0x9e3779b97f4a7c15ull ^ k.seq; }
  };
  static constexpr size_t kMaxContexts = 4096;  // writes never applied here must not pile up
  static constexpr size_t kRingTraces = 200;

  Sampler sampler_;
  uint64_t id_state_;
  std::string service_ = "redraft", ipv4_, node_id_;
  int port_ = 0;
  std::string file_;
  int fd_ = -1;
  std::string pending_;  // spans not yet written, comma-separated JSON objects
  std::unordered_map<TagKey, TraceContext, TagHash> contexts_;
  std::deque<TagKey> context_order_;
  std::unordered_map<uint64_t, ReadTrace> reads_;  // bounded: kMaxContexts
  static constexpr size_t kSeqBuckets = 4096;
  uint16_t seq_counts_[kSeqBuckets] = {};  // contexts_ by seq % kSeqBuckets (MaybeBound)
  void Forget(const TagKey& k);             // erases k from contexts_ and seq_counts_
  TraceContext next_;
  // Recent traces: trace id -> spans (JSON), and their order of first appearance.
  std::map<uint64_t, std::vector<std::string>> ring_;
  std::deque<uint64_t> ring_order_;
};

// The process's tracer (one node per process, like Global()).
Tracer& Tracing();

}  // namespace redraft::observability
