#include "cluster/trace_frames.h"

#include "common/coding.h"

namespace redraft::cluster {

std::string EncodeTraceItems(const std::vector<TraceItem>& items) {
  std::string out;
  PutVarint64(&out, items.size());
  for (const TraceItem& t : items) {
    PutVarint64(&out, t.session);
    PutVarint64(&out, t.seq);
    PutFixed64(&out, t.trace_id);
    PutFixed64(&out, t.parent_id);
  }
  return out;
}

std::vector<TraceItem> DecodeTraceItems(std::string_view in) {
  std::vector<TraceItem> out;
  uint64_t count;
  if (!GetVarint64(&in, &count)) return out;
  for (uint64_t i = 0; i < count; i++) {
    TraceItem t;
    if (!GetVarint64(&in, &t.session) || !GetVarint64(&in, &t.seq) || !GetFixed64(&in, &t.trace_id) ||
        !GetFixed64(&in, &t.parent_id)) {
      break;
    }
    if (t.trace_id != 0) out.push_back(t);
  }
  return out;
}

}  // namespace redraft::cluster
