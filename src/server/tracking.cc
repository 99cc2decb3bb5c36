#include "server/tracking.h"

#include <algorithm>

namespace redraft::server {
namespace {

// Either is a prefix of the other (Redis's stringCheckPrefix).
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace

std::string PrefixCollision(const std::set<std::string>& existing, const std::vector<std::string>& wanted) {
  for (size_t i = 0; i < wanted.size(); i++) {
    for (const std::string& e : existing) {
      if (Overlap(e, wanted[i])) {
        return "Prefix '" + wanted[i] + "' overlaps with an existing prefix '" + e +
               "'. Prefixes for a single client must not overlap.";
      }
    }
    for (size_t j = i + 1; j < wanted.size(); j++) {
      if (Overlap(wanted[i], wanted[j])) {
        return "Prefix '" + wanted[i] + "' overlaps with another provided prefix '" + wanted[j] +
               "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  return "";
}

std::string TrackingTable::Enable(uint64_t id, const TrackingOptions& o) {
  Client& c = clients_[id];
  if (!o.bcast && !o.prefixes.empty()) return "PREFIX option requires BCAST mode to be enabled";
  if (c.on && c.bcast != o.bcast) {
    return "You can't switch BCAST mode on/off before disabling tracking for this client, and then "
           "re-enabling it with a different mode.";
  }
  if (o.bcast && (o.optin || o.optout)) return "OPTIN and OPTOUT are not compatible with BCAST";
  if (o.optin && o.optout) return "You can't specify both OPTIN mode and OPTOUT mode";
  if ((o.optin && c.optout) || (o.optout && c.optin)) {
    return "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
           "re-enabling it with a different mode.";
  }
  if (o.bcast) {
    std::string err = PrefixCollision(c.prefixes, o.prefixes);
    if (!err.empty()) return err;
  }
  if (!c.on) on_++;
  c.on = true;
  c.broken_redirect = false;
  c.redirect = o.redirect;
  c.bcast = o.bcast;
  c.optin = o.optin;
  c.optout = o.optout;
  c.noloop = o.noloop;
  if (o.bcast) {
    // ON again in BCAST adds prefixes to the ones already there (as Redis's enableTracking).
    std::vector<std::string> add = o.prefixes;
    if (add.empty()) add.emplace_back();  // every key
    for (const std::string& p : add) {
      c.prefixes.insert(p);
      prefixes_[p].clients.insert(id);
    }
  }
  return "";
}

void TrackingTable::Disable(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end() || !it->second.on) return;
  Client& c = it->second;
  for (const std::string& p : c.prefixes) {
    auto pit = prefixes_.find(p);
    if (pit == prefixes_.end()) continue;
    pit->second.clients.erase(id);
    if (pit->second.clients.empty()) prefixes_.erase(pit);
  }
  c = Client{};
  on_--;
}

void TrackingTable::Remember(uint64_t id, const std::vector<std::string_view>& keys) {
  for (std::string_view k : keys) keys_[std::string(k)].insert(id);
}

void TrackingTable::KeysChanged(const std::vector<std::string>& keys, const OwnWrite& own,
                                std::vector<Message>* out) {
  for (const std::string& key : keys) {
    for (auto& [prefix, p] : prefixes_) {
      if (key.compare(0, prefix.size(), prefix) == 0) p.pending.insert(key);
    }
    auto it = keys_.find(key);
    if (it == keys_.end()) continue;
    for (uint64_t id : it->second) {
      Client* c = Find(id);
      // A client that turned tracking off, or switched to BCAST since it read the key: nothing.
      if (!c || !c->on || c->bcast) continue;
      if (c->noloop && own(id, key)) continue;
      out->push_back(Message{id, false, {key}});
    }
    keys_.erase(it);  // tracked again on the next read
  }
}

void TrackingTable::LimitKeys(size_t max_keys, std::vector<Message>* out) {
  if (max_keys == 0 || keys_.size() <= max_keys) {
    over_rounds_ = 0;
    return;
  }
  size_t effort = 100 * (over_rounds_ + 1);
  while (effort-- > 0 && keys_.size() > max_keys) {
    auto it = keys_.begin();  // an arbitrary key (Redis: a random walk)
    for (uint64_t id : it->second) {
      Client* c = Find(id);
      if (c && c->on && !c->bcast) out->push_back(Message{id, false, {it->first}});
    }
    keys_.erase(it);
  }
  over_rounds_ = keys_.size() > max_keys ? over_rounds_ + 1 : 0;
}

void TrackingTable::Flushed(std::vector<Message>* out) {
  std::vector<uint64_t> ids;
  for (const auto& [id, c] : clients_) {
    if (c.on) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (uint64_t id : ids) out->push_back(Message{id, true, {}});
  keys_.clear();
}

void TrackingTable::TakeBroadcasts(const OwnWrite& own, std::vector<Message>* out) {
  for (auto& [prefix, p] : prefixes_) {
    if (p.pending.empty()) continue;
    for (uint64_t id : p.clients) {
      Client* c = Find(id);
      if (!c || !c->on) continue;
      Message m{id, false, {}};
      for (const std::string& k : p.pending) {
        if (c->noloop && own(id, k)) continue;
        m.keys.push_back(k);
      }
      if (!m.keys.empty()) out->push_back(std::move(m));
    }
    p.pending.clear();
  }
}

}  // namespace redraft::server
