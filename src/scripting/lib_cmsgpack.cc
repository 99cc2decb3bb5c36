// The `cmsgpack` library of Redis scripts (lua-cmsgpack's interface, written here):
// cmsgpack.pack(v1, ...) -> one string with each value encoded; cmsgpack.unpack(s) -> every
// value in s; unpack_one(s [, offset]) / unpack_limit(s, limit [, offset]) -> next offset (-1
// at the end) then the values. Tables are arrays when their keys are exactly 1..n, maps
// otherwise; numbers are integers when integral, else float32 if exact, else float64. Nesting
// deeper than 16 tables encodes nil (as lua-cmsgpack).
#include <cmath>
#include <cstring>
#include <string>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

constexpr int kMaxNesting = 16;

void Be(std::string* b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) b->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void EncodeInt(std::string* b, long long v) {
  if (v >= 0) {
    if (v < 128) b->push_back(static_cast<char>(v));
    else if (v <= 0xff) { b->push_back('\xcc'); Be(b, static_cast<uint64_t>(v), 1); }
    else if (v <= 0xffff) { b->push_back('\xcd'); Be(b, static_cast<uint64_t>(v), 2); }
    else if (v <= 0xffffffffLL) { b->push_back('\xce'); Be(b, static_cast<uint64_t>(v), 4); }
    else { b->push_back('\xcf'); Be(b, static_cast<uint64_t>(v), 8); }
  } else {
    if (v >= -32) b->push_back(static_cast<char>(v));
    else if (v >= -128) { b->push_back('\xd0'); Be(b, static_cast<uint64_t>(v), 1); }
    else if (v >= -32768) { b->push_back('\xd1'); Be(b, static_cast<uint64_t>(v), 2); }
    else if (v >= -2147483648LL) { b->push_back('\xd2'); Be(b, static_cast<uint64_t>(v), 4); }
    else { b->push_back('\xd3'); Be(b, static_cast<uint64_t>(v), 8); }
  }
}

void EncodeNumber(std::string* b, lua_Number n) {
  if (std::floor(n) == n && n >= -9.2e18 && n <= 1.8e19 && !std::isinf(n)) {
    if (n >= 9.2e18) {
      b->push_back('\xcf');
      Be(b, static_cast<uint64_t>(n), 8);
    } else {
      EncodeInt(b, static_cast<long long>(n));
    }
    return;
  }
  float f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    b->push_back('\xca');
    Be(b, u, 4);
  } else {
    uint64_t u;
    std::memcpy(&u, &n, 8);
    b->push_back('\xcb');
    Be(b, u, 8);
  }
}

void EncodeLen(std::string* b, size_t n, unsigned char fix, size_t fixmax, unsigned char c16, unsigned char c32) {
  if (n <= fixmax) b->push_back(static_cast<char>(fix | n));
  else if (n <= 0xffff) { b->push_back(static_cast<char>(c16)); Be(b, n, 2); }
  else { b->push_back(static_cast<char>(c32)); Be(b, n, 4); }
}

void Encode(lua_State* L, std::string* b, int level);

// The table on top is an array iff its keys are exactly 1..n (n its count).
bool IsArray(lua_State* L, size_t* count) {
  size_t n = 0;
  double max = 0;
  bool array = true;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    n++;
    double k = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (k <= 0 || std::floor(k) != k) array = false;
    else if (k > max) max = k;
  }
  *count = n;
  return array && max == static_cast<double>(n);
}

void EncodeTable(lua_State* L, std::string* b, int level) {
  if (level > kMaxNesting || !lua_checkstack(L, 4)) {
    b->push_back('\xc0');
    return;
  }
  size_t n;
  if (IsArray(L, &n)) {
    EncodeLen(b, n, 0x90, 15, 0xdc, 0xdd);
    for (size_t i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, static_cast<int>(i));
      Encode(L, b, level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  EncodeLen(b, n, 0x80, 15, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    Encode(L, b, level + 1);
    lua_pop(L, 1);
    Encode(L, b, level + 1);
    lua_pop(L, 1);
  }
}

void Encode(lua_State* L, std::string* b, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      if (len < 32) b->push_back(static_cast<char>(0xa0 | len));
      else if (len <= 0xff) { b->push_back('\xd9'); Be(b, len, 1); }
      else if (len <= 0xffff) { b->push_back('\xda'); Be(b, len, 2); }
      else { b->push_back('\xdb'); Be(b, len, 4); }
      b->append(s, len);
      return;
    }
    case LUA_TBOOLEAN: b->push_back(lua_toboolean(L, -1) ? '\xc3' : '\xc2'); return;
    case LUA_TNUMBER: EncodeNumber(b, lua_tonumber(L, -1)); return;
    case LUA_TTABLE: EncodeTable(L, b, level); return;
    default: b->push_back('\xc0'); return;
  }
}

int Pack(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, i);
    Encode(L, &out, 0);
    lua_pop(L, 1);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

struct Cursor {
  const unsigned char* p;
  size_t left;
  bool error = false;
};

uint64_t ReadBe(Cursor* c, int bytes) {
  if (c->left < static_cast<size_t>(bytes)) {
    c->error = true;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c->p[i];
  c->p += bytes;
  c->left -= static_cast<size_t>(bytes);
  return v;
}

void Decode(lua_State* L, Cursor* c, int depth);

void DecodeString(lua_State* L, Cursor* c, size_t len) {
  if (c->left < len) {
    c->error = true;
    lua_pushnil(L);
    return;
  }
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), len);
  c->p += len;
  c->left -= len;
}

void DecodeArray(lua_State* L, Cursor* c, size_t n, int depth) {
  lua_newtable(L);
  for (size_t i = 1; i <= n && !c->error; i++) {
    Decode(L, c, depth + 1);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t n, int depth) {
  lua_newtable(L);
  for (size_t i = 0; i < n && !c->error; i++) {
    Decode(L, c, depth + 1);
    Decode(L, c, depth + 1);
    if (lua_isnil(L, -2)) lua_pop(L, 2);
    else lua_settable(L, -3);
  }
}

void Decode(lua_State* L, Cursor* c, int depth) {
  if (depth > 1000 || !lua_checkstack(L, 4) || c->left == 0) {
    c->error = true;
    lua_pushnil(L);
    return;
  }
  unsigned char t = *c->p++;
  c->left--;
  if (t < 0x80) return lua_pushnumber(L, t);
  if (t >= 0xe0) return lua_pushnumber(L, static_cast<signed char>(t));
  if ((t & 0xe0) == 0xa0) return DecodeString(L, c, t & 0x1f);
  if ((t & 0xf0) == 0x90) return DecodeArray(L, c, t & 0x0f, depth);
  if ((t & 0xf0) == 0x80) return DecodeMap(L, c, t & 0x0f, depth);
  switch (t) {
    case 0xc0: return lua_pushnil(L);
    case 0xc2: return lua_pushboolean(L, 0);
    case 0xc3: return lua_pushboolean(L, 1);
    case 0xcc: return lua_pushnumber(L, static_cast<lua_Number>(ReadBe(c, 1)));
    case 0xcd: return lua_pushnumber(L, static_cast<lua_Number>(ReadBe(c, 2)));
    case 0xce: return lua_pushnumber(L, static_cast<lua_Number>(ReadBe(c, 4)));
    case 0xcf: return lua_pushnumber(L, static_cast<lua_Number>(ReadBe(c, 8)));
    case 0xd0: return lua_pushnumber(L, static_cast<int8_t>(ReadBe(c, 1)));
    case 0xd1: return lua_pushnumber(L, static_cast<int16_t>(ReadBe(c, 2)));
    case 0xd2: return lua_pushnumber(L, static_cast<int32_t>(ReadBe(c, 4)));
    case 0xd3: return lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(ReadBe(c, 8))));
    case 0xca: {
      uint32_t u = static_cast<uint32_t>(ReadBe(c, 4));
      float f;
      std::memcpy(&f, &u, 4);
      return lua_pushnumber(L, f);
    }
    case 0xcb: {
      uint64_t u = ReadBe(c, 8);
      double d;
      std::memcpy(&d, &u, 8);
      return lua_pushnumber(L, d);
    }
    case 0xd9: case 0xc4: return DecodeString(L, c, ReadBe(c, 1));
    case 0xda: case 0xc5: return DecodeString(L, c, ReadBe(c, 2));
    case 0xdb: case 0xc6: return DecodeString(L, c, ReadBe(c, 4));
    case 0xdc: return DecodeArray(L, c, ReadBe(c, 2), depth);
    case 0xdd: return DecodeArray(L, c, ReadBe(c, 4), depth);
    case 0xde: return DecodeMap(L, c, ReadBe(c, 2), depth);
    case 0xdf: return DecodeMap(L, c, ReadBe(c, 4), depth);
    default:
      c->error = true;
      return lua_pushnil(L);
  }
}

// Decodes up to limit values (0: all) from offset; pushes (next offset or -1 if want_offset)
// then the values.
int UnpackGeneric(lua_State* L, int limit, size_t offset, bool want_offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset > len) return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset), static_cast<int>(len));
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  int base = lua_gettop(L);
  if (want_offset) lua_pushnil(L);  // placeholder
  int n = 0;
  while (c.left > 0 && (limit == 0 || n < limit)) {
    Decode(L, &c, 0);
    if (c.error) {
      lua_settop(L, base);
      return luaL_error(L, "Missing bytes in input.");
    }
    n++;
  }
  if (want_offset) {
    lua_pushnumber(L, c.left == 0 ? -1 : static_cast<lua_Number>(len - c.left));
    lua_replace(L, base + 1);
    return n + 1;
  }
  return n;
}

int Unpack(lua_State* L) { return UnpackGeneric(L, 0, 0, false); }
int UnpackOne(lua_State* L) {
  return UnpackGeneric(L, 1, static_cast<size_t>(luaL_optinteger(L, 2, 0)), true);
}
int UnpackLimit(lua_State* L) {
  int limit = luaL_checkint(L, 2);
  return UnpackGeneric(L, limit < 0 ? 0 : limit, static_cast<size_t>(luaL_optinteger(L, 3, 0)), true);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  static const luaL_Reg kFns[] = {{"pack", Pack}, {"unpack", Unpack}, {"unpack_one", UnpackOne},
                                  {"unpack_limit", UnpackLimit}, {nullptr, nullptr}};
  luaL_register(L, "cmsgpack", kFns);
  return 1;
}

}  // namespace redraft::scripting
