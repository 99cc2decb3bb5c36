#include "server/pubsub.h"

#include <algorithm>

#include "commands/glob.h"
#include "common/coding.h"
#include "resp/reply_builder.h"

namespace redraft::server {

template <typename T>
bool PubsubRegistry::OrderedSet<T>::Insert(const T& v) {
  if (index_.count(v)) return false;
  order_.push_back(v);
  index_.emplace(v, std::prev(order_.end()));
  return true;
}

template <typename T>
bool PubsubRegistry::OrderedSet<T>::Erase(const T& v) {
  auto it = index_.find(v);
  if (it == index_.end()) return false;
  order_.erase(it->second);
  index_.erase(it);
  return true;
}

std::unordered_map<std::string, PubsubRegistry::Subscribers>& PubsubRegistry::Map(PubsubKind kind) {
  return kind == PubsubKind::kChannel ? channels_ : kind == PubsubKind::kShard ? shard_channels_ : patterns_;
}
const std::unordered_map<std::string, PubsubRegistry::Subscribers>& PubsubRegistry::Map(PubsubKind kind) const {
  return kind == PubsubKind::kChannel ? channels_ : kind == PubsubKind::kShard ? shard_channels_ : patterns_;
}

bool PubsubRegistry::Subscribe(uint64_t client, PubsubKind kind, const std::string& name) {
  if (!clients_[client].names[static_cast<int>(kind)].Insert(name)) return false;
  auto [it, created] = Map(kind).try_emplace(name);
  it->second.Insert(client);
  if (created && kind == PubsubKind::kPattern) pattern_order_.push_back(name);
  return true;
}

bool PubsubRegistry::Unsubscribe(uint64_t client, PubsubKind kind, const std::string& name) {
  auto cit = clients_.find(client);
  if (cit == clients_.end() || !cit->second.names[static_cast<int>(kind)].Erase(name)) return false;
  if (cit->second.empty()) clients_.erase(cit);
  auto& map = Map(kind);
  auto it = map.find(name);
  if (it != map.end()) {
    it->second.Erase(client);
    if (it->second.empty()) {
      map.erase(it);
      if (kind == PubsubKind::kPattern) std::erase(pattern_order_, name);
    }
  }
  return true;
}

void PubsubRegistry::RemoveClient(uint64_t client) {
  for (PubsubKind kind : {PubsubKind::kChannel, PubsubKind::kPattern, PubsubKind::kShard}) {
    for (const std::string& name : ClientSubscriptions(client, kind)) Unsubscribe(client, kind, name);
  }
}

std::vector<std::string> PubsubRegistry::ClientSubscriptions(uint64_t client, PubsubKind kind) const {
  auto it = clients_.find(client);
  if (it == clients_.end()) return {};
  const auto& set = it->second.names[static_cast<int>(kind)];
  return std::vector<std::string>(set.begin(), set.end());
}

size_t PubsubRegistry::ChannelAndPatternCount(uint64_t client) const {
  auto it = clients_.find(client);
  return it == clients_.end() ? 0 : it->second.names[0].size() + it->second.names[1].size();
}

size_t PubsubRegistry::ShardCount(uint64_t client) const {
  auto it = clients_.find(client);
  return it == clients_.end() ? 0 : it->second.names[2].size();
}

size_t PubsubRegistry::ForEachReceiver(PubsubKind kind, std::string_view channel,
                                       const std::function<void(uint64_t, const std::string*)>& fn) const {
  size_t n = 0;
  const auto& map = Map(kind);
  if (auto it = map.find(std::string(channel)); it != map.end()) {
    for (uint64_t client : it->second) {
      fn(client, nullptr);
      n++;
    }
  }
  if (kind != PubsubKind::kChannel) return n;  // SPUBLISH reaches shard channels only
  for (const std::string& pattern : pattern_order_) {
    if (!commands::GlobMatch(pattern, channel)) continue;
    for (uint64_t client : patterns_.at(pattern)) {
      fn(client, &pattern);
      n++;
    }
  }
  return n;
}

std::vector<std::string> PubsubRegistry::Channels(PubsubKind kind, const std::string* pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, subs] : Map(kind)) {
    if (!pattern || commands::GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubsubRegistry::NumSub(PubsubKind kind, const std::string& channel) const {
  const auto& map = Map(kind);
  auto it = map.find(channel);
  return it == map.end() ? 0 : it->second.size();
}

// ---- frames ----

void AppendSubscriptionFrame(std::string* out, int proto, std::string_view kind, const std::string* name,
                             int64_t count) {
  resp::ReplyBuilder rb(out, proto);
  rb.PushHeader(3);
  rb.Bulk(kind);
  if (name) rb.Bulk(*name);
  else rb.Null();
  rb.Integer(count);
}

void AppendMessageFrame(std::string* out, int proto, bool shard, std::string_view channel, std::string_view payload) {
  resp::ReplyBuilder rb(out, proto);
  rb.PushHeader(3);
  rb.Bulk(shard ? "smessage" : "message");
  rb.Bulk(channel);
  rb.Bulk(payload);
}

void AppendPatternMessageFrame(std::string* out, int proto, std::string_view pattern, std::string_view channel,
                               std::string_view payload) {
  resp::ReplyBuilder rb(out, proto);
  rb.PushHeader(4);
  rb.Bulk("pmessage");
  rb.Bulk(pattern);
  rb.Bulk(channel);
  rb.Bulk(payload);
}

// ---- the peer batch ----

void AppendPublish(std::string* batch, bool shard, std::string_view channel, std::string_view payload) {
  batch->push_back(shard ? 1 : 0);
  PutLengthPrefixed(batch, channel);
  PutLengthPrefixed(batch, payload);
}

bool DecodePublishBatch(std::string_view batch,
                        const std::function<void(bool, std::string_view, std::string_view)>& fn) {
  while (!batch.empty()) {
    uint8_t kind = static_cast<uint8_t>(batch[0]);
    batch.remove_prefix(1);
    std::string_view channel, payload;
    if (kind > 1 || !GetLengthPrefixed(&batch, &channel) || !GetLengthPrefixed(&batch, &payload)) return false;
    fn(kind == 1, channel, payload);
  }
  return true;
}

}  // namespace redraft::server
