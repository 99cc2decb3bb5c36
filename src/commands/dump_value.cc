#include "commands/dump_value.h"

#include "commands/collection.h"
#include "commands/lists_layout.h"
#include "commands/streams_internal.h"
#include "commands/zsets_internal.h"

namespace redraft::commands {

using store::Value;
using store::ValueType;

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
  if (o.kind == rdb::Kind::kStream && !o.stream.groups.empty()) {
    return "ERR the payload holds stream consumer groups, which this server cannot restore yet";
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
      streams::EncodeMeta(m, &v);
      break;
    }
    case rdb::Kind::kString:
      break;
  }
  ctx.batch.Put(key, v);
  return "";
}

}  // namespace redraft::commands
