// The routes of the HTTP port: the REST API (/v1/..., docs/http_api.md), /metrics and the console.
// Every REST action is RESP commands run by the connection's Session through the client path
// (session.h): reads are linearizable, writes replicated, ACL rules apply. A string key's upload
// Content-Type and ETag live in a companion key (kMetaPrefix + key) written in the same MULTI/EXEC
// as the value, with the same TTL, and deleted with it (docs/http_api.md, "Content types").
#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/crc32c.h"
#include "http/console_assets.h"
#include "http/http_server.h"
#include "http/session.h"
#include "observability/registry.h"
#include "observability/tracing.h"

namespace redraft::http {
namespace {

using json = nlohmann::json;
using Done = std::function<void(Response)>;
using Cmds = std::vector<std::vector<std::string>>;

constexpr char kMetaPrefix[] = "redraft:http:meta:";
constexpr size_t kMaxCollectionItems = 10000;  // a collection's JSON view shows this many elements at most
constexpr size_t kMaxJsonString = 1 << 20;     // a string's JSON view omits larger values

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string MetaKey(const std::string& key) { return kMetaPrefix + key; }
bool IsMetaKey(const std::string& key) { return key.rfind(kMetaPrefix, 0) == 0; }

// A value's entity tag: its length and CRC-32C (strong: a different value gets another tag).
std::string ETagOf(const std::string& value) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "\"%zx-%08x\"", value.size(), crc32c::Value(value.data(), value.size()));
  return buf;
}

bool ParseI64(const std::string& s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// A Redis error reply as an HTTP error whose status says what happened.
Response FromError(const std::string& err) {
  std::string code = err.substr(0, err.find(' '));
  if (code == "NOAUTH" || code == "WRONGPASS") {
    Response r = Response::Error(401, "unauthorized", err);
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"redraft\", charset=\"UTF-8\"");
    return r;
  }
  if (code == "NOPERM") return Response::Error(403, "forbidden", err);
  if (code == "WRONGTYPE") return Response::Error(409, "wrong_type", err);
  if (code == "CLUSTERDOWN" || code == "TRYAGAIN" || code == "MISCONF" || code == "LOADING" || code == "UNAVAILABLE" ||
      err.find("no leader") != std::string::npos) {
    Response r = Response::Error(503, "unavailable", err);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (code == "UNCERTAIN") return Response::Error(504, "uncertain", err);
  if (code == "EXECABORT") return Response::Error(400, "rejected", err);
  return Response::Error(400, "command_error", err);
}

// The first error among a pipeline's replies (EXEC's elements included), or null.
const RespReply* FirstError(const std::vector<RespReply>& r) {
  for (const RespReply& x : r) {
    if (x.is_error()) return &x;
    if (x.type == RespReply::kArray) {
      for (const RespReply& e : x.elements) if (e.is_error()) return &e;
    }
  }
  return nullptr;
}

json ToJson(const RespReply& r) {
  switch (r.type) {
    case RespReply::kStatus: return r.str;
    case RespReply::kError: return json{{"error", r.str}};
    case RespReply::kInteger: return r.integer;
    case RespReply::kBulk: return r.str;
    case RespReply::kNil: return nullptr;
    case RespReply::kArray: {
      json a = json::array();
      for (const RespReply& e : r.elements) a.push_back(ToJson(e));
      return a;
    }
  }
  return nullptr;
}

// "k:v\r\n" lines (INFO) into a map.
std::map<std::string, std::string> InfoLines(const std::string& text) {
  std::map<std::string, std::string> m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 1);
    pos = eol + 1;
  }
  return m;
}

std::map<std::string, std::string> CommaFields(const std::string& s) {  // "a=1,b=2"
  std::map<std::string, std::string> m;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string kv = s.substr(pos, comma - pos);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) m[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = comma + 1;
  }
  return m;
}

json NumberOr(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  if (it == m.end()) return nullptr;
  int64_t n;
  return ParseI64(it->second, &n) ? json(n) : json(it->second);
}

// CLUSTER NODES into JSON nodes (Redis cluster format, see commands/cluster_cmds.cc).
json NodesJson(const std::string& text) {
  json nodes = json::array();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    std::vector<std::string> f;
    size_t p = 0;
    while (p <= line.size()) {
      size_t sp = line.find(' ', p);
      if (sp == std::string::npos) sp = line.size();
      f.push_back(line.substr(p, sp - p));
      p = sp + 1;
    }
    if (f.size() < 8) continue;
    std::string addr = f[1].substr(0, f[1].find('@'));
    std::string cport = f[1].find('@') == std::string::npos ? "" : f[1].substr(f[1].find('@') + 1);
    json n = {{"id", f[0]},
              {"addr", addr},
              {"cluster_port", cport.empty() ? 0 : std::atoi(cport.c_str())},
              {"self", f[2].find("myself") != std::string::npos},
              {"role", f[2].find("master") != std::string::npos ? "leader" : "follower"},
              {"connected", f[7] == "connected"}};
    nodes.push_back(n);
  }
  return nodes;
}

// /v1/cluster: this node's Raft state, the node list and (on the leader) each peer's match/lag.
json ClusterJson(const std::vector<RespReply>& r) {
  auto raft = InfoLines(r[0].str);
  auto stats = InfoLines(r[2].str);
  json nodes = NodesJson(r[1].str);
  std::map<std::string, std::map<std::string, std::string>> peers;
  for (const auto& [k, v] : raft) {
    if (k.rfind("raft_peer", 0) == 0) {
      auto f = CommaFields(v);
      peers[f["id"]] = f;
    }
  }
  std::string self_id = raft.count("raft_node_id") ? raft["raft_node_id"] : "";
  for (json& n : nodes) {
    std::string id = n["id"];
    if (auto it = peers.find(id); it != peers.end()) {
      n["match_index"] = NumberOr(it->second, "match");
      n["lag"] = NumberOr(it->second, "lag");
    } else if (n["self"].get<bool>()) {
      n["match_index"] = NumberOr(raft, "raft_last_index");
      n["lag"] = raft["raft_role"] == "leader" ? json(0) : json(nullptr);
    }
  }
  std::string leader = raft.count("raft_leader") ? raft["raft_leader"] : "none";
  json self = {{"id", self_id},
               {"role", raft["raft_role"]},
               {"term", NumberOr(raft, "raft_term")},
               {"commit_index", NumberOr(raft, "raft_commit_index")},
               {"applied_index", NumberOr(raft, "raft_applied_index")},
               {"last_index", NumberOr(raft, "raft_last_index")},
               {"durable_index", NumberOr(raft, "raft_durable_index")},
               {"snapshot_index", NumberOr(raft, "raft_snapshot_index")},
               {"voters", NumberOr(raft, "raft_voters")},
               {"learners", NumberOr(raft, "raft_learners")}};
  json st = {{"total_commands_processed", NumberOr(stats, "total_commands_processed")},
             {"instantaneous_ops_per_sec", NumberOr(stats, "instantaneous_ops_per_sec")},
             {"total_connections_received", NumberOr(stats, "total_connections_received")}};
  return json{{"leader", leader == "none" ? json(nullptr) : json(leader)},
              {"node", self},
              {"nodes", nodes},
              {"stats", st}};
}

bool ParseTtl(const Request& req, int64_t* ttl, Response* bad) {
  *ttl = 0;
  std::string t = req.Query("ttl");
  if (t.empty()) return true;
  if (!ParseI64(t, ttl) || *ttl <= 0 || *ttl > 100LL * 365 * 24 * 3600) {
    *bad = Response::Error(400, "bad_ttl", "ttl must be a positive number of seconds");
    return false;
  }
  return true;
}

std::vector<std::string> SetCmd(const std::string& key, const std::string& value, int64_t ttl) {
  std::vector<std::string> c{"SET", key, value};
  if (ttl > 0) {
    c.push_back("EX");
    c.push_back(std::to_string(ttl));
  }
  return c;
}

// --- /v1/keys/{key} ---

void GetCollection(Session* s, const std::string& key, const std::string& type, int64_t pttl, Done done) {
  std::string last = std::to_string(kMaxCollectionItems - 1);
  std::vector<std::string> cmd;
  if (type == "hash") cmd = {"HGETALL", key};
  else if (type == "list") cmd = {"LRANGE", key, "0", last};
  else if (type == "set") cmd = {"SMEMBERS", key};
  else if (type == "zset") cmd = {"ZRANGE", key, "0", last, "WITHSCORES"};
  else if (type == "stream") cmd = {"XRANGE", key, "-", "+", "COUNT", std::to_string(kMaxCollectionItems)};
  else return done(Response::Error(415, "unsupported_type", "no JSON view for type " + type));
  s->Run({cmd, {"TYPE", key}}, [key, type, pttl, done](std::vector<RespReply>&& r) {
    if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
    json v;
    const auto& el = r[0].elements;
    if (type == "hash") {
      v = json::object();
      for (size_t i = 0; i + 1 < el.size(); i += 2) v[el[i].str] = el[i + 1].str;
    } else if (type == "zset") {
      v = json::array();
      for (size_t i = 0; i + 1 < el.size(); i += 2) v.push_back({{"member", el[i].str}, {"score", el[i + 1].str}});
    } else if (type == "stream") {
      v = json::array();
      for (const RespReply& entry : el) {
        if (entry.elements.size() != 2) continue;
        json fields = json::object();
        const auto& fv = entry.elements[1].elements;
        for (size_t i = 0; i + 1 < fv.size(); i += 2) fields[fv[i].str] = fv[i + 1].str;
        v.push_back({{"id", entry.elements[0].str}, {"fields", fields}});
      }
    } else {
      v = ToJson(r[0]);
    }
    if (r[1].str == "none") return done(Response::Error(404, "not_found", "no such key"));
    json out = {{"key", key}, {"type", type}, {"ttl_ms", pttl}, {"value", v}};
    if (type == "set") std::sort(out["value"].begin(), out["value"].end());
    done(Response::Json(200, Dump(out)));
  });
}

// Three reads in one pipeline (no MULTI, so a user allowed only reads can GET): each is
// linearizable; the companion is trusted only if its ETag is the value's, so a PUT landing between
// the reads never pairs a value with another upload's content type.
void GetKey(Session* s, const Request& req, const std::string& key, Done done) {
  bool as_json = req.Query("format") == "json";
  std::string if_none = req.Header("if-none-match") ? *req.Header("if-none-match") : "";
  s->Run({{"GET", key}, {"GET", MetaKey(key)}, {"PTTL", key}},
         [s, key, as_json, if_none, done](std::vector<RespReply>&& x) {
           if (x.size() != 3) return done(Response::Error(500, "internal", "unexpected reply"));
           if (x[0].is_error() && x[0].str.rfind("WRONGTYPE", 0) == 0) {
             return s->Run({{"TYPE", key}}, [s, key, pttl = x[2].integer, done](std::vector<RespReply>&& t) {
               if (t[0].is_error()) return done(FromError(t[0].str));
               if (t[0].str == "none") return done(Response::Error(404, "not_found", "no such key"));
               GetCollection(s, key, t[0].str, pttl, done);
             });
           }
           if (x[0].is_error()) return done(FromError(x[0].str));
           if (x[0].type == RespReply::kNil) return done(Response::Error(404, "not_found", "no such key"));
           int64_t pttl = x[2].integer;
           std::string etag = ETagOf(x[0].str);
           std::string ctype = "application/octet-stream";
           if (x[1].type == RespReply::kBulk) {  // "<etag>\n<content type>", valid only for this value
             size_t nl = x[1].str.find('\n');
             if (nl != std::string::npos && x[1].str.substr(0, nl) == etag) ctype = x[1].str.substr(nl + 1);
           }  // (an error here, e.g. NOPERM on the companion key, leaves the default type)
           if (as_json) {
             // The JSON view carries the value up to 1 MiB (files are fetched raw).
             bool omit = x[0].str.size() > kMaxJsonString;
             json out = {{"key", key}, {"type", "string"}, {"ttl_ms", pttl},
                         {"value", omit ? json(nullptr) : json(x[0].str)}, {"value_omitted", omit},
                         {"content_type", ctype}, {"etag", etag}, {"bytes", x[0].str.size()}};
             return done(Response::Json(200, Dump(out)));
           }
           Response resp;
           resp.headers.emplace_back("ETag", etag);
           resp.headers.emplace_back("X-Redraft-TTL-Ms", std::to_string(pttl));
           if (!if_none.empty() && (if_none == etag || if_none == "*")) {
             resp.status = 304;
             return done(resp);
           }
           resp.content_type = ctype;
           resp.body = std::move(x[0].str);
           done(std::move(resp));
         });
}

void PutKey(Session* s, Request& req, const std::string& key, Done done) {
  int64_t ttl;
  Response bad;
  if (!ParseTtl(req, &ttl, &bad)) return done(bad);
  std::string ctype = req.Header("content-type") ? *req.Header("content-type") : "application/octet-stream";
  if (ctype.empty() || ctype.find('\n') != std::string::npos) ctype = "application/octet-stream";
  std::string etag = ETagOf(req.body);
  auto value = std::make_shared<std::string>(std::move(req.body));  // up to http-max-body: not copied
  std::string if_match = req.Header("if-match") ? *req.Header("if-match") : "";
  std::string if_none = req.Header("if-none-match") ? *req.Header("if-none-match") : "";
  // Unconditional: one MULTI/EXEC (value, companion, whether it existed). Conditional: WATCH the
  // key, check its current tag, then the same MULTI/EXEC, which fails if the key changed meanwhile.
  auto write = [s, key, value, ttl, ctype, etag, done](bool watched) {
    Cmds c{{"MULTI"}, {"EXISTS", key}, SetCmd(key, *value, ttl), SetCmd(MetaKey(key), etag + "\n" + ctype, ttl), {"EXEC"}};
    s->Run(std::move(c), [key, value, ttl, ctype, etag, done, watched](std::vector<RespReply>&& r) {
      if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
      if (r.size() != 5) return done(Response::Error(500, "internal", "unexpected reply"));
      if (r[4].type == RespReply::kNil) {
        return done(Response::Error(412, "precondition_failed", "the key changed while the conditional write ran"));
      }
      bool existed = r[4].elements.size() == 3 && r[4].elements[0].integer > 0;
      json out = {{"key", key}, {"bytes", value->size()}, {"etag", etag}, {"content_type", ctype},
                  {"ttl", ttl > 0 ? json(ttl) : json(nullptr)}, {"created", !existed}};
      Response resp = Response::Json(existed ? 200 : 201, Dump(out));
      resp.headers.emplace_back("ETag", etag);
      done(std::move(resp));
    });
  };
  if (if_match.empty() && if_none.empty()) return write(false);
  s->Run({{"WATCH", key}, {"TYPE", key}, {"GET", key}},
         [s, key, if_match, if_none, write, done](std::vector<RespReply>&& r) {
           auto fail = [&](Response resp) {
             s->Run({{"UNWATCH"}}, [resp, done](std::vector<RespReply>&&) { done(resp); });
           };
           if (r.size() != 3 || r[0].is_error()) return fail(FromError(r.empty() ? "ERR" : r[0].str));
           bool exists = r[1].str != "none";
           if (exists && r[1].str != "string") return fail(FromError(r[2].str));
           std::string current = exists ? ETagOf(r[2].str) : "";
           bool match_ok = if_match.empty() || (if_match == "*" ? exists : (exists && if_match == current));
           bool none_ok = if_none.empty() || (if_none == "*" ? !exists : !(exists && if_none == current));
           if (!match_ok || !none_ok) {
             return fail(Response::Error(412, "precondition_failed",
                                         exists ? "the key's current ETag is " + current : "the key does not exist"));
           }
           write(true);
         });
}

void DeleteKey(Session* s, const std::string& key, Done done) {
  s->Run({{"MULTI"}, {"DEL", key}, {"DEL", MetaKey(key)}, {"EXEC"}}, [key, done](std::vector<RespReply>&& r) {
    if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
    if (r.size() != 4 || r[3].elements.size() != 2) return done(Response::Error(500, "internal", "unexpected reply"));
    if (r[3].elements[0].integer == 0) return done(Response::Error(404, "not_found", "no such key"));
    done(Response::Json(200, Dump(json{{"key", key}, {"deleted", true}})));
  });
}

// PUT /v1/keys/{key}/ttl?ttl=N (seconds; 0 or absent = persist): the key and its companion.
void SetTtl(Session* s, const Request& req, const std::string& key, Done done) {
  int64_t ttl = 0;
  std::string t = req.Query("ttl", req.body);
  if (!t.empty() && (!ParseI64(t, &ttl) || ttl < 0)) {
    return done(Response::Error(400, "bad_ttl", "ttl must be a number of seconds (0: no expiry)"));
  }
  Cmds c = ttl > 0 ? Cmds{{"MULTI"}, {"EXPIRE", key, std::to_string(ttl)}, {"EXPIRE", MetaKey(key), std::to_string(ttl)},
                          {"EXISTS", key}, {"EXEC"}}
                   : Cmds{{"MULTI"}, {"PERSIST", key}, {"PERSIST", MetaKey(key)}, {"EXISTS", key}, {"EXEC"}};
  s->Run(std::move(c), [key, ttl, done](std::vector<RespReply>&& r) {
    if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
    if (r.size() != 5 || r[4].elements.size() != 3) return done(Response::Error(500, "internal", "unexpected reply"));
    if (r[4].elements[2].integer == 0) return done(Response::Error(404, "not_found", "no such key"));
    done(Response::Json(200, Dump(json{{"key", key}, {"ttl", ttl > 0 ? json(ttl) : json(nullptr)}})));
  });
}

// GET /v1/keys?match=&cursor=&count=&type=: one SCAN step, then each key's type and TTL.
void ListKeys(Session* s, const Request& req, Done done) {
  std::string cursor = req.Query("cursor", "0"), match = req.Query("match", "*"), count = req.Query("count", "100");
  std::string type = req.Query("type");
  int64_t n;
  if (!ParseI64(cursor, &n) || !ParseI64(count, &n) || n <= 0 || n > 10000) {
    return done(Response::Error(400, "bad_request", "cursor and count must be integers (count 1..10000)"));
  }
  std::vector<std::string> scan{"SCAN", cursor, "MATCH", match, "COUNT", count};
  if (!type.empty()) {
    scan.push_back("TYPE");
    scan.push_back(type);
  }
  s->Run({scan}, [s, done](std::vector<RespReply>&& r) {
    if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
    if (r[0].elements.size() != 2) return done(Response::Error(500, "internal", "unexpected reply"));
    std::string next = r[0].elements[0].str;
    std::vector<std::string> keys;
    for (const RespReply& k : r[0].elements[1].elements) {
      if (!IsMetaKey(k.str)) keys.push_back(k.str);
    }
    Cmds c;
    for (const std::string& k : keys) {
      c.push_back({"TYPE", k});
      c.push_back({"PTTL", k});
    }
    s->Run(std::move(c), [keys, next, done](std::vector<RespReply>&& d) {
      json arr = json::array();
      for (size_t i = 0; i < keys.size(); i++) {
        if (d[2 * i].is_error()) return done(FromError(d[2 * i].str));
        if (d[2 * i].str == "none") continue;  // deleted between SCAN and TYPE
        arr.push_back({{"key", keys[i]}, {"type", d[2 * i].str}, {"ttl_ms", d[2 * i + 1].integer}});
      }
      done(Response::Json(200, Dump(json{{"cursor", next}, {"keys", arr}})));
    });
  });
}

// POST /v1/command: ["CMD", "arg", ...] run as a client would; the reply as JSON. Commands that
// change the session itself (transactions, auth, subscriptions, protocol) are refused: the
// session is shared by the connection's requests.
void RunCommand(Session* s, const Request& req, Done done) {
  json argv = json::parse(req.body, nullptr, false);
  if (!argv.is_array() || argv.empty()) {
    return done(Response::Error(400, "bad_request", "the body must be a JSON array of strings: [\"GET\", \"key\"]"));
  }
  std::vector<std::string> cmd;
  for (const json& a : argv) {
    if (a.is_string()) cmd.push_back(a.get<std::string>());
    else if (a.is_number_integer()) cmd.push_back(std::to_string(a.get<int64_t>()));
    else return done(Response::Error(400, "bad_request", "arguments must be strings or integers"));
  }
  std::string name = cmd[0];
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kRefused[] = {"multi", "exec", "discard", "watch", "unwatch", "auth", "hello", "subscribe",
                                   "psubscribe", "ssubscribe", "monitor", "select", "reset", "client", "quit",
                                   "readonly", "readwrite", "blpop", "brpop", "blmove", "brpoplpush", "bzpopmin",
                                   "bzpopmax", "blmpop", "bzmpop", "xread", "xreadgroup", "wait", "shutdown"};
  for (const char* r : kRefused) {
    if (name == r) return done(Response::Error(400, "refused", "'" + name + "' is not available over HTTP"));
  }
  s->Run({cmd}, [done](std::vector<RespReply>&& r) {
    if (r[0].is_error()) return done(FromError(r[0].str));
    done(Response::Json(200, Dump(json{{"reply", ToJson(r[0])}})));
  });
}

// --- cluster and membership ---

void GetCluster(Session* s, bool nodes_only, Done done) {
  s->Run({{"INFO", "raft"}, {"CLUSTER", "NODES"}, {"INFO", "stats"}}, [nodes_only, done](std::vector<RespReply>&& r) {
    if (const RespReply* e = FirstError(r)) return done(FromError(e->str));
    json j = ClusterJson(r);
    // The leaders this node saw (observability::ClusterCounters), newest first: the console's
    // leader change history survives a page reload and shows changes from before it opened.
    json history = json::array();
    const auto& h = observability::Global().cluster().leader_history;
    for (auto it = h.rbegin(); it != h.rend(); ++it) {
      history.push_back(json{{"at_ms", it->unix_ms}, {"term", it->term}, {"leader", it->leader}});
    }
    j["leader_history"] = std::move(history);
    // Every command's calls and time so far (INFO commandstats summed): the console charts each
    // node's mean request latency over its polling interval from their differences.
    uint64_t calls = 0, usec = 0;
    for (const observability::CommandStats* st : observability::Global().Commands()) {
      calls += st->calls;
      usec += st->usec;
    }
    j["stats"]["command_calls"] = calls;
    j["stats"]["command_usec"] = usec;
    done(Response::Json(200, Dump(nodes_only ? json{{"leader", j["leader"]}, {"nodes", j["nodes"]}} : j)));
  });
}

void Admin(Session* s, std::vector<std::string> cmd, json result, Done done) {
  s->Run({cmd}, [result, done](std::vector<RespReply>&& r) {
    if (r[0].is_error()) {
      const std::string& e = r[0].str;
      if (e.find("no leader") != std::string::npos) return done(FromError("CLUSTERDOWN " + e));
      if (e.find("nknown node") != std::string::npos || e.find("not a member") != std::string::npos) {
        return done(Response::Error(404, "not_found", e));
      }
      return done(e.rfind("ERR ", 0) == 0 ? Response::Error(409, "refused", e) : FromError(e));
    }
    done(Response::Json(200, Dump(result)));
  });
}

json BodyJson(const Request& req) {
  if (req.body.empty()) return json::object();
  return json::parse(req.body, nullptr, false);
}

// The Origin header if it names the same host as the Host header (any port), else "".
std::string SameHostOrigin(const Request& req) {
  const std::string* origin = req.Header("origin");
  const std::string* host = req.Header("host");
  if (!origin || !host) return "";
  auto hostname = [](std::string h) {
    if (!h.empty() && h[0] == '[') return h.substr(0, h.find(']') + 1);
    return h.substr(0, h.find(':'));
  };
  const std::string prefix = "http://";
  if (origin->rfind(prefix, 0) != 0) return "";
  std::string o = origin->substr(prefix.size());
  if (o.find('/') != std::string::npos || hostname(o).empty() || hostname(o) != hostname(*host)) return "";
  return *origin;
}

Response MethodNotAllowed(const std::string& allow) {
  Response r = Response::Error(405, "method_not_allowed", "allowed: " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace

void HttpServer::Route(Session* s, Request& req, Done done) {
  const auto& seg = req.segments;
  const std::string& m = req.method;
  bool get = m == "GET" || m == "HEAD";
  std::string host = req.Header("host") ? *req.Header("host") : "";
  host = !host.empty() && host[0] == '[' ? host.substr(0, host.find(']') + 1) : host.substr(0, host.find(':'));
  if (seg.empty() || (seg.size() == 1 && seg[0].empty())) {
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    return done(ConsoleAsset("index.html", host));
  }
  if (seg[0] == "console" && seg.size() == 2) {
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    return done(ConsoleAsset(seg[1], host));
  }
  if (seg.size() == 1 && seg[0] == "favicon.ico") {
    Response r;
    r.status = 204;
    return done(r);
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = opts_.metrics ? opts_.metrics() : "";
    return done(std::move(r));
  }
  if (seg[0] != "v1" || seg.size() < 2) return done(Response::Error(404, "not_found", "no such route"));
  const std::string& what = seg[1];
  if (what == "keys" && seg.size() == 2) {
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    return ListKeys(s, req, done);
  }
  if (what == "keys" && seg.size() == 3) {
    const std::string& key = seg[2];
    if (key.empty()) return done(Response::Error(400, "bad_request", "empty key"));
    if (get) return GetKey(s, req, key, done);
    if (m == "PUT" || m == "POST") return PutKey(s, req, key, done);
    if (m == "DELETE") return DeleteKey(s, key, done);
    return done(MethodNotAllowed("GET, HEAD, PUT, POST, DELETE"));
  }
  if (what == "keys" && seg.size() == 4 && seg[3] == "ttl") {
    if (m != "PUT" && m != "POST") return done(MethodNotAllowed("PUT, POST"));
    return SetTtl(s, req, seg[2], done);
  }
  if (what == "command" && seg.size() == 2) {
    if (m != "POST") return done(MethodNotAllowed("POST"));
    return RunCommand(s, req, done);
  }
  if (what == "cluster" && seg.size() == 2) {
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    // The console of one node polls its peers' /v1/cluster (same host, other ports): allowed
    // cross-origin for pages served from this same host only, without credentials.
    std::string allow = SameHostOrigin(req);
    if (allow.empty()) return GetCluster(s, false, done);
    return GetCluster(s, false, [allow, done](Response r) {
      r.headers.emplace_back("Access-Control-Allow-Origin", allow);
      r.headers.emplace_back("Vary", "Origin");
      done(std::move(r));
    });
  }
  if (what == "cluster" && seg.size() == 3 && seg[2] == "leader") {  // leadership transfer
    if (m != "POST" && m != "PUT") return done(MethodNotAllowed("POST, PUT"));
    json b = BodyJson(req);
    if (!b.is_object()) return done(Response::Error(400, "bad_request", "the body must be a JSON object"));
    std::string to = b.value("node_id", req.Query("node_id"));
    std::vector<std::string> cmd{"CLUSTER", "FAILOVER"};
    if (!to.empty()) cmd.push_back(to);
    return Admin(s, cmd, json{{"transfer", "started"}, {"to", to.empty() ? json(nullptr) : json(to)}}, done);
  }
  if (what == "nodes" && seg.size() == 2) {
    if (get) return GetCluster(s, true, done);
    if (m != "POST") return done(MethodNotAllowed("GET, HEAD, POST"));
    json b = BodyJson(req);
    if (!b.is_object() || !b.contains("host") || !b.contains("port")) {
      return done(Response::Error(400, "bad_request", "the body must be {\"host\": ..., \"port\": ...}"));
    }
    std::string host = b["host"].is_string() ? b["host"].get<std::string>() : "";
    std::string port = b["port"].is_number_integer() ? std::to_string(b["port"].get<int64_t>())
                       : b["port"].is_string()       ? b["port"].get<std::string>()
                                                     : "";
    if (host.empty() || port.empty()) return done(Response::Error(400, "bad_request", "host and port are required"));
    return Admin(s, {"CLUSTER", "MEET", host, port}, json{{"added", host + ":" + port}}, done);
  }
  if (what == "traces" && seg.size() == 2) {  // this node's recent traces (docs/http_api.md)
    if (!get) return done(MethodNotAllowed("GET, HEAD"));
    int64_t limit = 20;
    std::string q = req.Query("limit");
    if (!q.empty()) {
      auto [p, ec] = std::from_chars(q.data(), q.data() + q.size(), limit);
      if (ec != std::errc() || p != q.data() + q.size() || limit < 1 || limit > 200) {
        return done(Response::Error(400, "bad_request", "limit must be an integer from 1 to 200"));
      }
    }
    Response r = Response::Json(200, observability::Tracing().RecentJson(static_cast<size_t>(limit)));
    // The console joins a trace's spans from every node (diag.js): as /v1/cluster, readable
    // cross-origin by pages of this same host only, without credentials.
    if (std::string allow = SameHostOrigin(req); !allow.empty()) {
      r.headers.emplace_back("Access-Control-Allow-Origin", allow);
      r.headers.emplace_back("Vary", "Origin");
    }
    return done(std::move(r));
  }
  if (what == "nodes" && seg.size() == 3) {
    if (m != "DELETE") return done(MethodNotAllowed("DELETE"));
    return Admin(s, {"CLUSTER", "FORGET", seg[2]}, json{{"removed", seg[2]}}, done);
  }
  done(Response::Error(404, "not_found", "no such route"));
}

}  // namespace redraft::http
