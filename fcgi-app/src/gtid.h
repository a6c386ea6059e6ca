/*
 * gtid: database write positions as the primary reports them, and their
 * merge. Pure text work, no I/O: readhost.c checks a position with it
 * before recording, and cache.c records with GTID_RECORD_LUA, the same
 * merge done inside Redis (one script, so concurrent writers cannot lose
 * each other's positions).
 *
 * Two formats, never mixed in one position:
 *   MariaDB  gtid_binlog_pos   "domain-server-seq,..."  (digits)
 *   MySQL    gtid_executed     "uuid:1-5:7,uuid:1-9"    (",\n" between
 *                              UUIDs as the server prints them)
 * A merge keeps, per MariaDB domain, the element with the highest seq, and
 * per MySQL UUID, the element whose highest interval end is highest: two
 * readings of one primary's position only ever grow, so the later reading
 * of each part is kept whatever order the writers record in. MySQL 8.3+
 * tagged GTIDs ("uuid:tag:1-5") are not accepted: such a position counts as
 * unreadable, and rebuilds read the primary.
 */
#ifndef GTID_H
#define GTID_H

#include <stdbool.h>
#include <stddef.h>

/* The longest position (with its NUL) this service handles. */
#define GTID_POSITION_MAX 512

/*
 * Writes into out the merge of positions a and b, canonical: elements
 * sorted (by domain number or by UUID), UUIDs in lower case, separated by
 * "," alone. a may be NULL (then out is b made canonical). 0, or -1 when a
 * or b is not a position (empty, garbage, tags, mixed or different
 * formats, more than GTID_ELEMENTS_MAX elements) or the result does not fit
 * in outlen; out is then an empty string.
 */
int gtid_merge(const char *a, const char *b, char *out, size_t outlen);

/* Elements (domains or UUIDs) one position may have. */
#define GTID_ELEMENTS_MAX 64

/*
 * The Lua half of gtid_merge and the record step, for cache.c: KEYS[1] the
 * recorded position, KEYS[2] the "lost" mark; ARGV[1] a position
 * gtid_merge accepted, or "" when the writer could not read one; ARGV[2]
 * the lost mark the writer read before it read its position ("" when
 * none).
 *   - a position is merged into KEYS[1] (never replaces it), and the lost
 *     mark is removed when it is still the one the writer saw: this
 *     writer's reading came after the write that lost its position, so it
 *     covers that write;
 *   - "" sets the lost mark (see GTID_LOSE_LUA) and leaves KEYS[1] alone;
 *   - a recorded position that is garbage or of the other format is
 *     replaced, and the lost mark set: what it stood for is unknown.
 * Returns 1. Digit strings are compared as text (length, then bytes), never
 * as Lua numbers (doubles lose 64-bit sequence numbers).
 */
#define GTID_LOSE_LUA                                                          \
    "local function gtid_lose(k) "                                             \
    "  local t = redis.call('TIME') "                                          \
    "  local v = tonumber(t[1]) * 1000000 + tonumber(t[2]) "                   \
    "  local c = tonumber(redis.call('GET', k) or '0') or 0 "                  \
    "  if c >= v then v = c + 1 end "                                          \
    "  redis.call('SET', k, string.format('%.0f', v)) "                        \
    "end "

#define GTID_RECORD_LUA                                                        \
    GTID_LOSE_LUA                                                              \
    "local function digits(x) "                                                \
    "  return x ~= nil and #x > 0 and #x <= 20 and string.match(x, '^%d+$') "  \
    "    ~= nil and (x == '0' or string.sub(x, 1, 1) ~= '0') end "             \
    "local function gt(a, b) "                                                 \
    "  if #a ~= #b then return #a > #b end return a > b end "                  \
    "local U = '^(' .. string.rep('%x', 8) .. '%-' .. string.rep('%x', 4) "    \
    "  .. '%-' .. string.rep('%x', 4) .. '%-' .. string.rep('%x', 4) .. '%-' " \
    "  .. string.rep('%x', 12) .. '):(.+)$' "                                  \
    "local function element(e) "                                               \
    "  local d, s, n = string.match(e, '^(%d+)%-(%d+)%-(%d+)$') "              \
    "  if d then "                                                             \
    "    if digits(d) and digits(s) and digits(n) then "                       \
    "      return 'm', d, n, e end return nil end "                            \
    "  local u, rest = string.match(e, U) "                                    \
    "  if not u then return nil end "                                          \
    "  local high = nil "                                                      \
    "  for iv in string.gmatch(rest .. ':', '([^:]*):') do "                   \
    "    local a, b = string.match(iv, '^(%d+)%-(%d+)$') "                     \
    "    if not a then a = iv b = iv end "                                     \
    "    if not digits(a) or not digits(b) or a == '0' or gt(a, b) then "      \
    "      return nil end "                                                    \
    "    if not high or gt(b, high) then high = b end "                        \
    "  end "                                                                   \
    "  u = string.lower(u) "                                                   \
    "  return 'u', u, high, u .. ':' .. rest "                                 \
    "end "                                                                     \
    "local function parse(s) "                                                 \
    "  if not s or s == '' then return nil end "                               \
    "  s = string.gsub(s, ',%s+', ',') "                                       \
    "  if string.find(s, '%s') then return nil end "                           \
    "  local fmt, set, n = nil, {}, 0 "                                        \
    "  for e in string.gmatch(s .. ',', '([^,]*),') do "                       \
    "    local f, key, high, text = element(e) "                               \
    "    if not f or (fmt and f ~= fmt) then return nil end "                  \
    "    fmt = f "                                                             \
    "    local old = set[key] "                                                \
    "    if not old then n = n + 1 end "                                       \
    "    if not old or gt(high, old[1]) then set[key] = {high, text} end "     \
    "  end "                                                                   \
    "  if n > 64 then return nil end "                                         \
    "  return fmt, set "                                                       \
    "end "                                                                     \
    "local function text(fmt, set) "                                           \
    "  local keys = {} "                                                       \
    "  for k in pairs(set) do table.insert(keys, k) end "                      \
    "  if fmt == 'm' then "                                                    \
    "    table.sort(keys, function(x, y) return gt(y, x) end) "                \
    "  else table.sort(keys) end "                                             \
    "  local out = {} "                                                        \
    "  for _, k in ipairs(keys) do table.insert(out, set[k][2]) end "          \
    "  return table.concat(out, ',') "                                         \
    "end "                                                                     \
    "if ARGV[1] == '' then gtid_lose(KEYS[2]) return 1 end "                   \
    "local nf, new = parse(ARGV[1]) "                                          \
    "if not nf then return redis.error_reply('not a position') end "           \
    "local cur = redis.call('GET', KEYS[1]) "                                  \
    "local cf, old = parse(cur) "                                              \
    "if cur and cf ~= nf then "                                                \
    "  redis.call('SET', KEYS[1], text(nf, new)) gtid_lose(KEYS[2]) "          \
    "  return 1 end "                                                          \
    "if cf then for k, v in pairs(old) do "                                    \
    "  if not new[k] or not gt(new[k][1], v[1]) then new[k] = v end end end "      \
    "local lost = redis.call('GET', KEYS[2]) "                                 \
    "if lost and lost == ARGV[2] then redis.call('DEL', KEYS[2]) end "         \
    "redis.call('SET', KEYS[1], text(nf, new)) "                               \
    "return 1 "

#endif
