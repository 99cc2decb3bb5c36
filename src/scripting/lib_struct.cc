// The `struct` library of Redis scripts (Roberto Ierusalimschy's struct.c interface, written
// here): struct.pack(fmt, ...), struct.unpack(fmt, s [, init]), struct.size(fmt).
// Formats: '<' little, '>' big, '=' native endian; '!n' max alignment; ' ' ignored;
// 'x' pad byte; 'b'/'B' char; 'h'/'H' short; 'l'/'L' long; 'T' size_t; 'i'/'I'[n] n-byte int
// (default 4); 'f' float; 'd' double; 'c'[n] n chars (c0: the whole string / previous count);
// 's' zero-terminated string.
#include <cctype>
#include <cstring>
#include <string>

#include "scripting/lua_internal.h"

namespace redraft::scripting {
namespace {

constexpr int kMaxIntSize = 32;

struct Header {
  bool little = true;  // x86-64 native
  size_t align = 1;
};

size_t GetNum(const char** fmt, size_t df) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return df;
  size_t a = 0;
  do {
    a = a * 10 + static_cast<size_t>(*((*fmt)++) - '0');
  } while (std::isdigit(static_cast<unsigned char>(**fmt)) && a < 100000);
  return a;
}

size_t OptSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return GetNum(fmt, 1);
    case 'i': case 'I': {
      size_t sz = GetNum(fmt, 4);
      if (sz > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", static_cast<int>(sz), kMaxIntSize);
      return sz;
    }
    default: return 0;
  }
}

size_t Gap(char opt, size_t size, size_t len, const Header& h) {
  if (opt == 'c' || opt == 's' || opt == 'x') return 0;
  size_t align = size < h.align ? size : h.align;
  if (align <= 1 || (align & (align - 1)) != 0) return 0;
  return (align - (len & (align - 1))) & (align - 1);
}

bool Control(lua_State* L, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return true;
    case '>': h->little = false; return true;
    case '<': h->little = true; return true;
    case '=': h->little = true; return true;
    case '!': {
      size_t a = GetNum(fmt, 8);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", static_cast<int>(a));
      h->align = a;
      return true;
    }
    default: return false;
  }
}

void PutInteger(std::string* b, lua_Number n, bool little, size_t size) {
  unsigned long long v = n < 0 ? static_cast<unsigned long long>(static_cast<long long>(n))
                                : static_cast<unsigned long long>(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {
    buf[little ? i : size - 1 - i] = static_cast<char>(i < 8 ? (v >> (8 * i)) & 0xff : (n < 0 ? 0xff : 0));
  }
  b->append(buf, size);
}

void PutBytes(std::string* b, const void* p, size_t size, bool little) {
  char buf[8];
  std::memcpy(buf, p, size);
  if (!little) {
    for (size_t i = 0; i < size / 2; i++) std::swap(buf[i], buf[size - 1 - i]);
  }
  b->append(buf, size);
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  std::string out;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    out.append(Gap(opt, size, out.size(), h), '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        PutInteger(&out, luaL_checknumber(L, arg++), h.little, size);
        break;
      case 'x':
        out.push_back('\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        PutBytes(&out, &f, sizeof f, h.little);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        PutBytes(&out, &d, sizeof d, h.little);
        break;
      }
      case 'c': case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg - 1, "string too short");
        out.append(s, size);
        if (opt == 's') {
          out.push_back('\0');
          size++;
        }
        break;
      }
      default:
        if (!Control(L, opt, &fmt, &h)) luaL_error(L, "invalid format option '%c'", opt);
    }
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

lua_Number GetInteger(const char* p, bool little, bool is_signed, size_t size) {
  unsigned long long v = 0;
  for (size_t i = 0; i < size && i < 8; i++) {
    unsigned char byte = static_cast<unsigned char>(p[little ? i : size - 1 - i]);
    v |= static_cast<unsigned long long>(byte) << (8 * i);
  }
  if (is_signed && size < 8 && size > 0) {
    unsigned long long mask = 1ULL << (size * 8 - 1);
    v = (v ^ mask) - mask;
  }
  return is_signed ? static_cast<lua_Number>(static_cast<long long>(v)) : static_cast<lua_Number>(v);
}

int Unpack(lua_State* L) {
  size_t ld;
  const char* fmt = luaL_checkstring(L, 1);
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  Header h;
  int n = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += Gap(opt, size, pos, h);
    luaL_argcheck(L, pos + size <= ld, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h.little, std::islower(static_cast<unsigned char>(opt)), size));
        n++;
        break;
      case 'x':
        break;
      case 'f': case 'd': {
        char buf[8];
        std::memcpy(buf, data + pos, size);
        if (!h.little) {
          for (size_t i = 0; i < size / 2; i++) std::swap(buf[i], buf[size - 1 - i]);
        }
        if (opt == 'f') {
          float f;
          std::memcpy(&f, buf, sizeof f);
          lua_pushnumber(L, f);
        } else {
          double d;
          std::memcpy(&d, buf, sizeof d);
          lua_pushnumber(L, d);
        }
        n++;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, pos + size <= ld, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      case 's': {
        const char* e = static_cast<const char*>(std::memchr(data + pos, '\0', ld - pos));
        if (!e) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(e - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        if (!Control(L, opt, &fmt, &h)) luaL_error(L, "invalid format option '%c'", opt);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += Gap(opt, size, pos, h);
    if (opt == 's') luaL_argerror(L, 1, "options 's' has no fixed size");
    if (opt == 'c' && size == 0) luaL_argerror(L, 1, "options 'c0' has no fixed size");
    if (!std::strchr("bBhHlLTiIfdxc", opt)) Control(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  static const luaL_Reg kFns[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}, {nullptr, nullptr}};
  luaL_register(L, "struct", kFns);
  return 1;
}

}  // namespace redraft::scripting
