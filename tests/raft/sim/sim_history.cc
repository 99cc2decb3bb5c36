#include "sim/sim_history.h"

#include <algorithm>

namespace redraft::raft::sim {

size_t History::Invoke(bool is_write, std::string key, std::optional<std::string> value, uint64_t now) {
  Op op;
  op.is_write = is_write;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoke = now;
  ops_.push_back(std::move(op));
  return ops_.size() - 1;
}

void History::Complete(size_t op, uint64_t now, std::optional<std::string> read_value) {
  Op& o = ops_.at(op);
  if (o.complete != kNever) return;  // already completed (e.g. via a retry)
  o.complete = now;
  if (!o.is_write) o.value = std::move(read_value);
}

void History::Applied(const std::string& key, const std::string& value, bool executed) {
  if (!executed) return;
  write_order_[key].push_back(value);
  apply_count_[value]++;
}

size_t History::completed() const {
  size_t n = 0;
  for (const Op& o : ops_) n += o.complete != kNever;
  return n;
}

std::string History::Check() const {
  for (auto& [value, n] : apply_count_) {
    if (n != 1) return "value " + value + " applied " + std::to_string(n) + " times (de-dup broken)";
  }
  // Per key: position of each written value in log order.
  std::map<std::string, std::map<std::string, size_t>> pos;
  for (auto& [key, values] : write_order_) {
    for (size_t i = 0; i < values.size(); i++) pos[key][values[i]] = i;
  }
  // Per key, slots 0 = before any write ("absent"), i + 1 = after the i-th write.
  std::map<std::string, std::vector<std::vector<const Op*>>> slots;
  std::map<std::string, std::vector<const Op*>> writes;
  for (auto& [key, values] : write_order_) {
    slots[key].resize(values.size() + 1);
    writes[key].resize(values.size(), nullptr);
  }
  for (size_t id = 0; id < ops_.size(); id++) {
    const Op& o = ops_[id];
    if (failed_.count(id)) continue;
    auto& kpos = pos[o.key];
    auto& kslots = slots[o.key];
    if (kslots.empty()) kslots.resize(1);
    if (o.is_write) {
      auto it = kpos.find(*o.value);
      if (it == kpos.end()) {
        if (o.complete != kNever) return "completed write " + o.key + "=" + *o.value + " was never applied";
        continue;  // pending and never applied: it did not take effect
      }
      writes[o.key][it->second] = &o;
      continue;
    }
    if (o.complete == kNever) continue;  // a pending read constrains nothing
    size_t slot = 0;
    if (o.value) {
      auto it = kpos.find(*o.value);
      if (it == kpos.end()) return "read " + o.key + " returned " + *o.value + ", never written there";
      slot = it->second + 1;
    }
    kslots[slot].push_back(&o);
  }
  for (auto& [key, kslots] : slots) {
    uint64_t max_invoke = 0;
    std::string max_desc;
    auto visit = [&](const Op* o, const std::string& desc) -> std::string {
      if (o->complete < max_invoke) {
        return "key " + key + ": " + desc + " [" + std::to_string(o->invoke) + "," +
               std::to_string(o->complete) + "] completed before " + max_desc + " was invoked at " +
               std::to_string(max_invoke) + " but is ordered after it";
      }
      if (o->invoke > max_invoke) {
        max_invoke = o->invoke;
        max_desc = desc;
      }
      return "";
    };
    for (size_t s = 0; s < kslots.size(); s++) {
      if (s > 0) {
        const Op* w = writes[key][s - 1];
        // A write applied but not in our history cannot happen (all puts come from clients).
        if (!w) return "key " + key + ": applied write without an operation";
        std::string err = visit(w, "write " + *w->value);
        if (!err.empty()) return err;
      }
      auto reads = kslots[s];
      std::sort(reads.begin(), reads.end(), [](const Op* a, const Op* b) { return a->invoke < b->invoke; });
      for (const Op* r : reads) {
        std::string err = visit(r, "read " + (r->value ? *r->value : std::string("<absent>")));
        if (!err.empty()) return err;
      }
    }
  }
  return "";
}

}  // namespace redraft::raft::sim
