#include "cluster/formation.h"

#include "common/coding.h"
#include "raft/conf_change.h"

namespace redraft::cluster {

std::string Probe::Encode() const {
  std::string out;
  out.push_back(1);
  PutVarint64(&out, id);
  PutVarint64(&out, incarnation);
  PutLengthPrefixed(&out, addr.Encode());
  out.push_back(member ? 1 : 0);
  PutVarint64(&out, leader);
  PutVarint64(&out, conf.size());
  for (const Member& m : conf) {
    PutVarint64(&out, m.id);
    out.push_back(m.voter ? 1 : 0);
    PutLengthPrefixed(&out, m.addr.Encode());
  }
  return out;
}

Result<Probe> Probe::Decode(std::string_view in) {
  Probe p;
  auto bad = [](const char* what) { return Status::Corruption(std::string("probe: ") + what); };
  auto get_byte = [&](uint8_t* b) {
    if (in.empty()) return false;
    *b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    return true;
  };
  auto get_addr = [&](MemberAddr* a) {
    std::string_view s;
    return GetLengthPrefixed(&in, &s) && MemberAddr::Decode(std::string(s), a);
  };
  uint8_t version = 0, member = 0;
  uint64_t n = 0;
  if (!get_byte(&version) || version != 1) return bad("version");
  if (!GetVarint64(&in, &p.id) || !GetVarint64(&in, &p.incarnation) || !get_addr(&p.addr)) return bad("header");
  if (!get_byte(&member) || !GetVarint64(&in, &p.leader) || !GetVarint64(&in, &n)) return bad("header");
  p.member = member != 0;
  // Each member takes at least 3 bytes: a count beyond that is a lie, refused before reserving.
  if (n > in.size() / 3) return bad("member count");
  for (uint64_t i = 0; i < n; i++) {
    Member m;
    uint8_t voter = 0;
    if (!GetVarint64(&in, &m.id) || !get_byte(&voter) || !get_addr(&m.addr)) return bad("member");
    m.voter = voter != 0;
    p.conf.push_back(std::move(m));
  }
  if (!in.empty()) return bad("trailing bytes");
  return p;
}

Formation::Formation(uint64_t slot, uint64_t self, uint64_t incarnation, std::map<uint64_t, MemberAddr> slots)
    : slot_(slot), self_(self), incarnation_(incarnation), slots_(std::move(slots)) {}

void Formation::Observe(uint64_t from_slot, const Probe& p) {
  if (from_slot == slot_ || !slots_.count(from_slot)) return;
  seen_[from_slot] = p;
}

Formation::Decision Formation::Decide() const {
  Decision d;
  // A member's word settles it: the cluster exists.
  bool member_seen = false;
  for (auto& [from, p] : seen_) {
    // A member that knows no configuration yet (it took its place and waits for the log) proves
    // nothing either way: it neither lacks us nor is it fresh.
    if (!p.member || p.conf.empty()) continue;
    member_seen = true;
    for (const Probe::Member& m : p.conf) {
      if (m.id == self_ && m.addr.incarnation == incarnation_) {
        d.action = Action::kRun;
        for (const Probe::Member& mm : p.conf) d.book[mm.id] = mm.addr;
        return d;
      }
    }
  }
  if (member_seen) {
    // The cluster does not know this log directory under our id. A slot id may only be used by
    // the log directory that bootstrapped with it; we are someone new.
    if (self_ == slot_) d.action = Action::kNewId;
    return d;
  }
  // No member anywhere: bootstrap once every other slot is a fresh node under its own slot id.
  if (self_ != slot_) return d;  // we were replaced before: a cluster existed, wait for it
  for (auto& [id, addr] : slots_) {
    if (id == slot_) continue;
    auto it = seen_.find(id);
    if (it == seen_.end() || it->second.member || it->second.id != id || it->second.incarnation == 0) return d;
  }
  d.action = Action::kBootstrap;
  for (auto& [id, addr] : slots_) {
    MemberAddr a = addr;
    a.incarnation = id == slot_ ? incarnation_ : seen_.at(id).incarnation;
    d.book[id] = a;
  }
  return d;
}

std::vector<raft::Entry> BootstrapEntries(const std::map<uint64_t, MemberAddr>& voters) {
  std::vector<raft::Entry> out;
  for (auto& [id, addr] : voters) {
    raft::ConfChange cc;
    cc.type = raft::ConfChangeType::kAddNode;
    cc.node_id = id;
    cc.context = addr.Encode();
    raft::Entry e;
    e.term = 1;
    e.index = out.size() + 1;
    e.type = raft::EntryType::kConfChange;
    e.data = cc.Encode();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace redraft::cluster
