// RESP <-> Lua conversion, Redis 7.0's rules (script_lua.c: redisProtocolToLuaType and
// luaReplyToRedisReply), for RESP2 and RESP3.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

constexpr int kMaxDepth = 200;  // nested replies / tables deeper than this are refused

// One "\r\n"-terminated line after the type byte.
bool Line(std::string_view* in, std::string_view* line) {
  size_t end = in->find("\r\n");
  if (end == std::string_view::npos) return false;
  *line = in->substr(0, end);
  in->remove_prefix(end + 2);
  return true;
}

bool ToInt(std::string_view s, long long* out) {
  if (s.empty() || s.size() > 20) return false;
  char buf[24];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  char* end;
  *out = std::strtoll(buf, &end, 10);
  return *end == '\0';
}

bool Blob(std::string_view* in, std::string_view head, std::string_view* body) {
  long long n;
  if (!ToInt(head, &n) || n < 0 || static_cast<size_t>(n) + 2 > in->size()) return false;
  *body = in->substr(0, static_cast<size_t>(n));
  in->remove_prefix(static_cast<size_t>(n) + 2);
  return true;
}

void SetField(lua_State* L, const char* name) {  // t[name] = top; pops the value
  lua_pushstring(L, name);
  lua_insert(L, -2);
  lua_settable(L, -3);
}

bool Push(lua_State* L, std::string_view* in, int depth);

// Aggregates: n elements (map: n pairs).
bool PushAggregate(lua_State* L, std::string_view* in, char type, long long n, int depth) {
  if (depth > kMaxDepth || !lua_checkstack(L, 8)) return false;
  if (type == '*') {
    lua_createtable(L, static_cast<int>(std::min(n, 1LL << 20)), 0);
    for (long long i = 1; i <= n; i++) {
      lua_pushnumber(L, static_cast<lua_Number>(i));
      if (!Push(L, in, depth + 1)) return lua_pop(L, 2), false;
      lua_settable(L, -3);
    }
    return true;
  }
  lua_newtable(L);  // {map = {...}} or {set = {...}}
  lua_newtable(L);
  for (long long i = 0; i < n; i++) {
    if (!Push(L, in, depth + 1)) return lua_pop(L, 2), false;
    if (type == '%') {
      if (!Push(L, in, depth + 1)) return lua_pop(L, 3), false;
    } else {
      lua_pushboolean(L, 1);
    }
    if (lua_isnil(L, -2)) {  // a nil key cannot be stored: drop the pair
      lua_pop(L, 2);
      continue;
    }
    lua_settable(L, -3);
  }
  SetField(L, type == '%' ? "map" : "set");
  return true;
}

bool Push(lua_State* L, std::string_view* in, int depth) {
  if (in->empty()) return false;
  char type = (*in)[0];
  in->remove_prefix(1);
  std::string_view line, body;
  if (!Line(in, &line)) return false;
  long long n;
  switch (type) {
    case ':':
      if (!ToInt(line, &n)) return false;
      lua_pushnumber(L, static_cast<lua_Number>(n));
      return true;
    case '+':
    case '-':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetField(L, type == '+' ? "ok" : "err");
      return true;
    case '$':
      if (line == "-1") {
        lua_pushboolean(L, 0);
        return true;
      }
      if (!Blob(in, line, &body)) return false;
      lua_pushlstring(L, body.data(), body.size());
      return true;
    case '*':
      if (line == "-1") {
        lua_pushboolean(L, 0);
        return true;
      }
      if (!ToInt(line, &n) || n < 0) return false;
      return PushAggregate(L, in, '*', n, depth);
    case '%':
    case '~':
      if (!ToInt(line, &n) || n < 0) return false;
      return PushAggregate(L, in, type, n, depth);
    case '_':
      lua_pushnil(L);
      return true;
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case ',': {
      std::string s(line);
      double d = s == "inf" ? HUGE_VAL : s == "-inf" ? -HUGE_VAL : std::strtod(s.c_str(), nullptr);
      lua_newtable(L);
      lua_pushnumber(L, d);
      SetField(L, "double");
      return true;
    }
    case '(':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetField(L, "big_number");
      return true;
    case '=':
      if (!Blob(in, line, &body) || body.size() < 4) return false;
      lua_newtable(L);
      lua_newtable(L);
      lua_pushlstring(L, body.data(), 3);
      SetField(L, "format");
      lua_pushlstring(L, body.data() + 4, body.size() - 4);
      SetField(L, "string");
      SetField(L, "verbatim_string");
      return true;
    case '|': {  // attributes are skipped, as Redis does; the reply follows
      if (!ToInt(line, &n) || n < 0) return false;
      for (long long i = 0; i < 2 * n; i++) {
        if (!Push(L, in, depth + 1)) return false;
        lua_pop(L, 1);
      }
      return Push(L, in, depth);
    }
    default:
      return false;
  }
}

// t[name] as a string (or nullptr), leaving the stack as it was.
bool FieldType(lua_State* L, const char* name, int want) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  bool ok = lua_type(L, -1) == want;
  lua_pop(L, 1);
  return ok;
}

}  // namespace

bool PushReply(lua_State* L, std::string_view* in) {
  if (!lua_checkstack(L, 8)) return false;
  int top = lua_gettop(L);
  if (!Push(L, in, 0)) {
    lua_settop(L, top);
    return false;
  }
  return true;
}

void WriteLuaValue(lua_State* L, resp::ReplyBuilder& r, int script_resp, int depth) {
  if (depth > kMaxDepth || !lua_checkstack(L, 8)) {
    r.Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      r.Bulk(std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (script_resp >= 3) {
        r.Bool(lua_toboolean(L, -1));
      } else if (lua_toboolean(L, -1)) {
        r.Integer(1);
      } else {
        r.Null();
      }
      return;
    case LUA_TNUMBER: {
      lua_Number n = lua_tonumber(L, -1);
      // (long long) of a NaN or an out-of-range double is undefined in C++: clamp.
      long long v = std::isnan(n) ? 0 : n >= 9.2233720368547758e18 ? INT64_MAX : n <= -9.2233720368547758e18 ? INT64_MIN
                                                                                                               : static_cast<long long>(n);
      r.Integer(v);
      return;
    }
    case LUA_TTABLE:
      break;
    default:
      r.Null();
      return;
  }
  if (FieldType(L, "err", LUA_TSTRING)) {
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    std::string msg(s, len);
    lua_pop(L, 1);
    if (!msg.empty() && msg[0] == '-') msg.erase(0, 1);  // error_reply("-ERR x") is "-ERR x"
    r.Error(msg);
    return;
  }
  if (FieldType(L, "ok", LUA_TSTRING)) {
    lua_pushstring(L, "ok");
    lua_rawget(L, -2);
    std::string s(lua_tostring(L, -1));
    lua_pop(L, 1);
    for (char& c : s) c = (c == '\r' || c == '\n') ? ' ' : c;
    r.SimpleString(s);
    return;
  }
  if (FieldType(L, "double", LUA_TNUMBER)) {
    lua_pushstring(L, "double");
    lua_rawget(L, -2);
    r.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  if (FieldType(L, "big_number", LUA_TSTRING)) {
    lua_pushstring(L, "big_number");
    lua_rawget(L, -2);
    size_t len;
    const char* s = lua_tolstring(L, -1, &len);
    std::string v(s, len);
    lua_pop(L, 1);
    for (char& c : v) c = (c == '\r' || c == '\n') ? ' ' : c;
    if (r.proto() >= 3) {
      r.Raw("(" + v + "\r\n");
    } else {
      r.Bulk(v);
    }
    return;
  }
  if (FieldType(L, "map", LUA_TTABLE) || FieldType(L, "set", LUA_TTABLE)) {
    bool is_map = FieldType(L, "map", LUA_TTABLE);
    lua_pushstring(L, is_map ? "map" : "set");
    lua_rawget(L, -2);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      n++;
    }
    if (is_map) {
      r.MapHeader(n);
    } else {
      r.SetHeader(n);
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);  // the key, on top
      WriteLuaValue(L, r, script_resp, depth + 1);
      lua_pop(L, 1);
      if (is_map) WriteLuaValue(L, r, script_resp, depth + 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  if (FieldType(L, "verbatim_string", LUA_TTABLE)) {
    lua_pushstring(L, "verbatim_string");
    lua_rawget(L, -2);
    lua_pushstring(L, "format");
    lua_rawget(L, -2);
    lua_pushstring(L, "string");
    lua_rawget(L, -3);
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
      size_t flen, slen;
      const char* f = lua_tolstring(L, -2, &flen);
      const char* s = lua_tolstring(L, -1, &slen);
      if (r.proto() >= 3 && flen == 3) {
        r.Raw("=" + std::to_string(slen + 4) + "\r\n" + std::string(f, 3) + ":" + std::string(s, slen) + "\r\n");
      } else {
        r.Bulk(std::string_view(s, slen));
      }
    } else {
      r.Null();
    }
    lua_pop(L, 3);
    return;
  }
  // An array: t[1], t[2], ... up to the first nil.
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    n++;
  }
  r.ArrayHeader(n);
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteLuaValue(L, r, script_resp, depth + 1);
    lua_pop(L, 1);
  }
}

void PushErrorTable(lua_State* L, std::string_view msg) {
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, msg.data(), msg.size());
  lua_settable(L, -3);
}

}  // namespace redraft::scripting
