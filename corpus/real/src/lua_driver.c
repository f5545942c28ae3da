/* Runs the Lua script given on stdin with the base, string, table, math and utf8 libraries. */
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static char script[1 << 16];

int main(void) {
  size_t n = fread(script, 1, sizeof script - 1, stdin);
  lua_State *L = luaL_newstate();
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_settop(L, 0);
  if (luaL_loadbuffer(L, script, n, "=stdin") != LUA_OK) {
    printf("load error: %s\n", lua_tostring(L, -1));
    return 1;
  }
  lua_call(L, 0, 0);
  printf("lua memory in use: %d KB\n", lua_gc(L, LUA_GCCOUNT, 0));
  lua_close(L);
  return 0;
}
