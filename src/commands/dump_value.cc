#include "commands/dump_value.h"

#include <map>

#include "commands/collection.h"
#include "commands/lists_layout.h"
#include "commands/streams_groups_store.h"
#include "commands/streams_internal.h"
#include "commands/streams_nodes.h"
#include "commands/zsets_internal.h"

namespace redraft::commands {

using store::Value;
using store::ValueType;

namespace {

rdb::StreamId ToRdb(const streams::StreamId& id) { return {id.ms, id.seq}; }
streams::StreamId FromRdb(const rdb::StreamId& id) { return {id.ms, id.seq}; }

// The stream's consumer groups (streams_groups_store.h's records) as RDB's: groups and consumers
// in name order (Redis's rax order, as its RDB writer lists them), PELs in ID order.
template <class Reader>
void ReadGroups(Reader& st, std::string_view key, uint64_t version, std::vector<rdb::StreamGroup>* out) {
  streams::ScanPrefix(st, key, version, streams::kGroupPrefix, [&](std::string_view f, std::string_view val) {
    streams::Group g = streams::DecodeGroup(val);
    auto& rg = out->emplace_back();
    rg.name.assign(f.substr(streams::kGroupPrefix.size()));
    rg.last_id = ToRdb(g.last_id);
    rg.entries_read = g.entries_read;
    return true;
  });
  for (auto& rg : *out) {
    streams::ScanPrefix(st, key, version, streams::PelPrefix(rg.name), [&](std::string_view f, std::string_view val) {
      streams::Pending p = streams::DecodePending(val);
      rg.pel.push_back({ToRdb(streams::IdSuffix(f)), p.delivery_ms, p.delivery_count});
      return true;
    });
    std::string cprefix = streams::ConsumerPrefix(rg.name);
    streams::ScanPrefix(st, key, version, cprefix, [&](std::string_view f, std::string_view val) {
      auto& rc = rg.consumers.emplace_back();
      rc.name.assign(f.substr(cprefix.size()));
      rc.seen_ms = streams::DecodeConsumer(val).seen_ms;
      return true;
    });
    for (auto& rc : rg.consumers) {
      streams::ScanPrefix(st, key, version, streams::ConsumerPelPrefix(rg.name, rc.name),
                          [&](std::string_view f, std::string_view) {
                            rc.pending.push_back(ToRdb(streams::IdSuffix(f)));
                            return true;
                          });
    }
  }
}

// Writes RDB groups as the records XGROUP/XREADGROUP would have left. The decoder guarantees
// every PEL entry is owned by exactly one of the group's consumers.
void WriteGroups(ApplyContext& ctx, std::string_view key, uint64_t version, const std::vector<rdb::StreamGroup>& gs) {
  for (const auto& rg : gs) {
    streams::Group g;
    g.last_id = FromRdb(rg.last_id);
    g.entries_read = rg.entries_read;
    g.pel_count = rg.pel.size();
    g.consumers = rg.consumers.size();
    ctx.batch.PutSub(key, version, streams::GroupField(rg.name), streams::EncodeGroup(g));
    std::map<rdb::StreamId, const rdb::StreamPending*> pel;
    for (const auto& pe : rg.pel) pel[pe.id] = &pe;
    for (const auto& rc : rg.consumers) {
      ctx.batch.PutSub(key, version, streams::ConsumerField(rg.name, rc.name),
                       streams::EncodeConsumer({rc.seen_ms, rc.pending.size()}));
      for (const auto& id : rc.pending) {
        const rdb::StreamPending& pe = *pel.at(id);
        streams::StreamId sid = FromRdb(id);
        ctx.batch.PutSub(key, version, streams::PelField(rg.name, sid),
                         streams::EncodePending({pe.delivery_ms, pe.delivery_count, rc.name}));
        ctx.batch.PutSub(key, version, streams::ConsumerPelField(rg.name, rc.name, sid), "");
      }
    }
  }
}

}  // namespace

template <class Reader>
rdb::Object ReadObject(Reader& store, std::string_view key, const Value& v) {
  rdb::Object o;
  auto scan = [&](std::string_view start, const store::SubKeyFn& fn) {
    PanicOnStoreError(store.ScanSub(key, v.version, start, fn));
  };
  switch (v.type) {
    case ValueType::kString:
      o.kind = rdb::Kind::kString;
      o.str = v.payload;
      break;
    case ValueType::kHash:
      o.kind = rdb::Kind::kHash;
      scan("", [&](std::string_view f, std::string_view val) {
        o.pairs.emplace_back(f, val);
        return true;
      });
      break;
    case ValueType::kList: {
      o.kind = rdb::Kind::kList;
      list::ListMeta m = list::GetMeta(v);
      list::ScanForward(store, key, v.version, m.head, m.tail, [&](uint64_t, std::string_view val) {
        o.elems.emplace_back(val);
        return true;
      });
      break;
    }
    case ValueType::kSet:
      o.kind = rdb::Kind::kSet;
      scan("", [&](std::string_view f, std::string_view) {
        o.elems.emplace_back(f);
        return true;
      });
      break;
    case ValueType::kZset:
      o.kind = rdb::Kind::kZset;
      zset::Reader(store, key, v.version).ScanScores(std::string(1, zset::kScoreTag), [&](std::string_view m, double s) {
        o.zset.emplace_back(m, s);
        return true;
      });
      break;
    case ValueType::kStream: {
      o.kind = rdb::Kind::kStream;
      streams::StreamMeta m = streams::DecodeMeta(v);
      o.stream.last_id = {m.last_id.ms, m.last_id.seq};
      o.stream.max_deleted_id = {m.max_deleted_id.ms, m.max_deleted_id.seq};
      o.stream.entries_added = m.entries_added;
      scan(std::string(1, streams::kEntryTag), [&](std::string_view f, std::string_view val) {
        streams::StreamId id;
        if (!streams::DecodeEntryField(f, &id)) return false;  // past the entries
        std::vector<std::string_view> fv;
        if (!streams::DecodeEntry(val, &fv)) REDRAFT_PANIC("malformed stream entry of key " + std::string(key));
        auto& e = o.stream.entries.emplace_back();
        e.id = {id.ms, id.seq};
        e.fields_values.assign(fv.begin(), fv.end());
        return true;
      });
      o.stream.first_id = o.stream.entries.empty() ? rdb::StreamId{} : o.stream.entries.front().id;
      ReadGroups(store, key, v.version, &o.stream.groups);
      break;
    }
    case ValueType::kSubKey:
      REDRAFT_PANIC("a sub-key record as a key's value");
  }
  return o;
}

template rdb::Object ReadObject<store::Store>(store::Store&, std::string_view, const Value&);
template rdb::Object ReadObject<store::Store::Batch>(store::Store::Batch&, std::string_view, const Value&);

std::string WriteObject(ApplyContext& ctx, std::string_view key, const rdb::Object& o, int64_t expire_ms) {
  Value v;
  v.expire_ms = expire_ms;
  if (o.kind == rdb::Kind::kString) {
    v.type = ValueType::kString;
    v.payload = o.str;
    ctx.batch.Put(key, v);
    return "";
  }
  v.version = NewVersion(ctx);
  switch (o.kind) {
    case rdb::Kind::kHash:
      v.type = ValueType::kHash;
      for (const auto& [f, val] : o.pairs) ctx.batch.PutSub(key, v.version, f, val);
      store::SetCollectionSize(&v, o.pairs.size());
      break;
    case rdb::Kind::kSet:
      v.type = ValueType::kSet;
      for (const auto& m : o.elems) ctx.batch.PutSub(key, v.version, m, "");
      store::SetCollectionSize(&v, o.elems.size());
      break;
    case rdb::Kind::kZset:
      v.type = ValueType::kZset;
      for (const auto& [m, s] : o.zset) zset::Insert(ctx, key, v.version, m, s);
      store::SetCollectionSize(&v, o.zset.size());
      break;
    case rdb::Kind::kList: {
      v.type = ValueType::kList;
      list::ListMeta m;
      for (const auto& e : o.elems) ctx.batch.PutSub(key, v.version, list::PosField(m.tail++), e);
      m.size = o.elems.size();
      list::PutMeta(ctx, key, &v, m);  // stores the record (the list is not empty)
      return "";
    }
    case rdb::Kind::kStream: {
      v.type = ValueType::kStream;
      streams::StreamMeta m;
      for (const auto& e : o.stream.entries) {
        std::vector<std::string_view> fv(e.fields_values.begin(), e.fields_values.end());
        ctx.batch.PutSub(key, v.version, streams::EntryField({e.id.ms, e.id.seq}), streams::EncodeEntry(fv));
      }
      m.length = o.stream.entries.size();
      m.last_id = {o.stream.last_id.ms, o.stream.last_id.seq};
      if (!o.stream.entries.empty()) m.first_id = {o.stream.first_id.ms, o.stream.first_id.seq};
      m.max_deleted_id = {o.stream.max_deleted_id.ms, o.stream.max_deleted_id.seq};
      m.entries_added = o.stream.entries_added;
      streams::NodesRestore(ctx, key, v.version, &m, o.stream);
      streams::EncodeMeta(m, &v);
      WriteGroups(ctx, key, v.version, o.stream.groups);
      break;
    }
    case rdb::Kind::kString:
      break;
  }
  ctx.batch.Put(key, v);
  return "";
}

}  // namespace redraft::commands
