/*
 * cache: a Redis connection (hiredis) with the few operations cache-aside
 * needs. Connects lazily, with bounded connect/read timeouts, and after a
 * failure waits a short back-off before trying again, so a dead Redis costs
 * requests nothing. Knows nothing about products: callers build the keys.
 *
 * A cached value is two keys: "<key>" holds the body, kept for ttl + the
 * stale window, and "<key>:fresh" marks it fresh for the TTL. "<key>:lock"
 * is the rebuild lock. The only file that includes hiredis.h.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache;

struct cache_options {
    const char *host; /* used when socket is empty */
    int port;
    const char *socket;
    long long timeout_ms;
};

enum cache_result { CACHE_HIT, CACHE_STALE, CACHE_MISS, CACHE_DOWN };
enum cache_lock_result { CACHE_LOCK_ACQUIRED, CACHE_LOCK_BUSY, CACHE_LOCK_DOWN };

/* Allocates a handle (no connection yet). NULL when out of memory. The
 * strings in opt are copied. */
struct cache *cache_open(const struct cache_options *opt);
void cache_close(struct cache *c);

/*
 * Reads the generation counter at gen_key, creating it (from the clock, so a
 * restarted, empty Redis never reuses an old number) when missing. Returns 0,
 * or -1 when Redis is down.
 */
int cache_generation(struct cache *c, const char *gen_key, uint64_t *gen);

/* Advances the generation: every key built from the old one is orphaned.
 * Returns 0, or -1 when Redis is down (after one reconnect attempt). */
int cache_bump_generation(struct cache *c, const char *gen_key);

/* Looks key up. On HIT or STALE, *body is a malloc'd copy (caller frees)
 * of exactly the stored bytes and *len its length. */
enum cache_result cache_get(struct cache *c, const char *key, char **body,
                            size_t *len);

/* Stores body under key, fresh for fresh_ms and kept for keep_s seconds. */
int cache_store(struct cache *c, const char *key, const char *body, size_t len,
                long long fresh_ms, long long keep_s);

/* Takes the rebuild lock of key for ttl_ms (SET NX PX: a holder that dies
 * lets it expire by itself). */
enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  long long ttl_ms);

/* Releases the lock if this handle still holds it. */
void cache_unlock(struct cache *c, const char *key);

/* 1 while someone holds the rebuild lock of key, 0 when nobody does, -1
 * when Redis is down. */
int cache_lock_held(struct cache *c, const char *key);

/* PING. Returns 0 when Redis answers. */
int cache_ping(struct cache *c);

#endif
