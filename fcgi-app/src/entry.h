/*
 * entry: the text of a cache entry as Redis holds it, "<gen>\n<body>" or,
 * for a bounded entry, "<gen>:<upto>\n<body>" (cache.h: valid only for
 * readers whose write sequence is below upto), and of a generation tag,
 * "<gen>" (decimal digits only). Pure parsing, no I/O
 * and no allocation: cache.c reads Redis replies through it, and a fuzz
 * target (tests/fuzz/fuzz_entry.c) drives it directly.
 */
#ifndef ENTRY_H
#define ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses the len bytes at s as a generation as Redis' INCR keeps it:
 * decimal digits only (no sign, no space, no leading zero), at most
 * INT64_MAX. Returns true with the value in *out, false otherwise (cache.c
 * then repairs the counter). */
bool entry_parse_gen(const char *s, size_t len, uint64_t *out);

/* The longest tag line, newline included: "<gen>:<upto>\n". */
#define ENTRY_TAG_MAX 40

/* Splits the len bytes at v, "<gen>[:<upto>]\n<body>", at its first newline
 * (which must come within the first ENTRY_TAG_MAX bytes): *tag gets the
 * generation, *upto the bound (0 when there is none; a bound is never 0),
 * *body points into v just after the newline and *body_len is the rest.
 * Returns false, leaving *body alone, when the tag line is malformed. */
bool entry_split(const char *v, size_t len, uint64_t *tag, uint64_t *upto,
                 const char **body, size_t *body_len);

/* The Lua half of entry_parse_gen, for scripts that change the generation: when KEYS[1] is missing or not
 * a counter entry_parse_gen() accepts, set it from Redis' clock in microseconds.
 * The value is unknown, so "larger" means later than any value the clock
 * gave before (each counter starts from it, and moves by one per write): a
 * counter can only have got ahead of the clock by a million writes a
 * second. One script, so responders repairing at once cannot step back. */
#define ENTRY_GEN_REPAIR_LUA                                                       \
    "local v = redis.call('GET', KEYS[1]) "                                  \
    "local ok = v and string.len(v) <= 19 and string.match(v, '^%d+$') "     \
    "  and (v == '0' or string.sub(v, 1, 1) ~= '0') "                        \
    "  and (string.len(v) < 19 or v <= '9223372036854775807') "              \
    "if not ok then "                                                        \
    "  local t = redis.call('TIME') "                                        \
    "  redis.call('SET', KEYS[1], string.format('%.0f', "                    \
    "    tonumber(t[1]) * 1000000 + tonumber(t[2]))) "                       \
    "end "

/* The generation's floor, Redis' clock in microseconds (never the app
 * host's: hosts' clocks may disagree, and a floor that comes out lower
 * after a failover could send the generation back). gen_floor(k, g) raises
 * counter k, now g, to the floor when below it, and returns its value. */
#define ENTRY_GEN_FLOOR_LUA                                                    \
    "local function gen_floor(k, g) "                                        \
    "  local t = redis.call('TIME') "                                        \
    "  local f = tonumber(t[1]) * 1000000 + tonumber(t[2]) "                 \
    "  if g >= f then return g end "                                         \
    "  redis.call('SET', k, string.format('%.0f', f)) "                      \
    "  return f "                                                            \
    "end "

#endif
