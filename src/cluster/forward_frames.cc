#include "cluster/forward_frames.h"

#include "common/coding.h"

namespace redraft::cluster {

namespace {

int NormalizeProto(uint64_t proto) { return proto == 3 ? 3 : 2; }

}  // namespace

std::optional<FwdKind> ParseFwdKind(std::string_view type) {
  if (type == "fwdb") return FwdKind::kWriteBatch;
  if (type == "fwdrb") return FwdKind::kReplyBatch;
  if (type == "fwd") return FwdKind::kWrite;
  if (type == "fwdr") return FwdKind::kReply;
  if (type == "fwdn") return FwdKind::kNotExecuted;
  return std::nullopt;
}

const char* FwdKindName(FwdKind kind) {
  switch (kind) {
    case FwdKind::kWriteBatch: return "fwdb";
    case FwdKind::kReplyBatch: return "fwdrb";
    case FwdKind::kWrite: return "fwd";
    case FwdKind::kReply: return "fwdr";
    case FwdKind::kNotExecuted: return "fwdn";
  }
  return "";
}

ForwardBatch DecodeForwardBatch(FwdKind kind, std::string_view in) {
  ForwardBatch b;
  if (kind == FwdKind::kWrite) {
    // `varint seq, varint proto, varint term, varint len, entry`
    uint64_t req, proto, term;
    std::string_view entry;
    if (!GetVarint64(&in, &req) || !GetVarint64(&in, &proto) || !GetVarint64(&in, &term) ||
        !GetLengthPrefixed(&in, &entry)) {
      return b;
    }
    b.term = term;
    b.writes.push_back(ForwardedWrite{req, NormalizeProto(proto), entry});
    return b;
  }
  if (kind != FwdKind::kWriteBatch) return b;
  // `varint term, varint count`, then per write `varint seq, varint proto, varint len, entry`
  uint64_t term, count;
  if (!GetVarint64(&in, &term) || !GetVarint64(&in, &count)) return b;
  b.term = term;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t req, proto;
    std::string_view entry;
    if (!GetVarint64(&in, &req) || !GetVarint64(&in, &proto) || !GetLengthPrefixed(&in, &entry)) break;
    b.writes.push_back(ForwardedWrite{req, NormalizeProto(proto), entry});
  }
  return b;
}

std::vector<ForwardOutcome> DecodeForwardOutcomes(FwdKind kind, std::string_view in) {
  std::vector<ForwardOutcome> out;
  auto body = [&in](ForwardOutcome::Kind k, ForwardOutcome* o) {
    o->kind = k;
    if (!GetVarint64(&in, &o->req)) return false;
    if (k == ForwardOutcome::Kind::kNotExecuted) return GetVarint64(&in, &o->term);
    return GetLengthPrefixed(&in, &o->reply);
  };
  if (kind == FwdKind::kReply || kind == FwdKind::kNotExecuted) {
    // `fwdr`: `varint seq, varint len, reply`; `fwdn`: `varint seq, varint term`
    ForwardOutcome o;
    auto k = kind == FwdKind::kReply ? ForwardOutcome::Kind::kReplied : ForwardOutcome::Kind::kNotExecuted;
    if (body(k, &o)) out.push_back(o);
    return out;
  }
  if (kind != FwdKind::kReplyBatch) return out;
  // Items until the end: `'r' varint seq, varint len, reply` or `'n' varint seq, varint term`.
  while (!in.empty()) {
    char tag = in.front();
    in.remove_prefix(1);
    ForwardOutcome o;
    if (tag == static_cast<char>(ForwardOutcome::Kind::kReplied)) {
      if (!body(ForwardOutcome::Kind::kReplied, &o)) break;
    } else if (tag == static_cast<char>(ForwardOutcome::Kind::kNotExecuted)) {
      if (!body(ForwardOutcome::Kind::kNotExecuted, &o)) break;
    } else {
      break;  // unknown kind: the rest cannot be parsed
    }
    out.push_back(o);
  }
  return out;
}

void ForwardBatchWriter::Add(uint64_t req, int proto, std::string_view entry) {
  PutVarint64(&items_, req);
  PutVarint64(&items_, static_cast<uint64_t>(proto));
  PutLengthPrefixed(&items_, entry);
  count_++;
}

std::string ForwardBatchWriter::Take(uint64_t term) {
  std::string payload;
  PutVarint64(&payload, term);
  PutVarint64(&payload, count_);
  payload.append(items_);
  items_.clear();
  count_ = 0;
  return payload;
}

void ForwardOutcomeWriter::AddReplied(uint64_t req, std::string_view reply) {
  out_.push_back(static_cast<char>(ForwardOutcome::Kind::kReplied));
  PutVarint64(&out_, req);
  PutLengthPrefixed(&out_, reply);
}

void ForwardOutcomeWriter::AddNotExecuted(uint64_t req, uint64_t term) {
  out_.push_back(static_cast<char>(ForwardOutcome::Kind::kNotExecuted));
  PutVarint64(&out_, req);
  PutVarint64(&out_, term);
}

std::string ForwardOutcomeWriter::Take() {
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace redraft::cluster
