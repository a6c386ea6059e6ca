/*
 * cache: a Redis connection (hiredis) with the few operations cache-aside
 * needs. Connects lazily, with bounded connect/read timeouts, and after a
 * failure waits a short back-off before trying again, so a dead Redis costs
 * requests nothing. Knows nothing about products: callers build the keys.
 *
 * An entry is two keys, both written by one script:
 *   "<key>"        "<gen>\n<body>": the body, tagged with the generation it
 *                  was built under, kept for the fresh time + stale window;
 *   "<key>:fresh"  "<gen>": present while that body is fresh.
 * A read is one MGET of the generation key and both entry keys, so a HIT
 * costs one round trip and one command, and the three values come from one
 * instant. "<key>:lock:<gen>" is the rebuild lock of one generation.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest key (with its terminating NUL) a caller may build. */
#define CACHE_KEY_MAX 128

struct cache;

struct cache_options {
    const char *host; /* used when socket is empty */
    int port;
    const char *socket;
    long long timeout_ms;
    const char *user;     /* ACL user for AUTH; NULL or empty: default */
    const char *password; /* NULL or empty: no AUTH */
    /* Sentinel mode when sentinels ("host:port,...") is set: the master of
     * master_name is found through them (sentinel.h), host/port/socket are
     * unused, and a generation bump waits (WAIT) up to wait_ms for one
     * replica. */
    const char *sentinels;
    const char *master_name;
    const char *gen_key; /* advanced by the epoch check (sentinel.h) */
    long long wait_ms;
};

enum cache_result { CACHE_HIT, CACHE_STALE, CACHE_MISS, CACHE_DOWN };
enum cache_lock_result { CACHE_LOCK_ACQUIRED, CACHE_LOCK_BUSY, CACHE_LOCK_DOWN };

/* What a read found. body is malloc'd (caller frees) on HIT and STALE. */
struct cache_entry {
    uint64_t gen;       /* the generation the read saw (or waited for) */
    char *body;         /* exactly the stored body bytes, NUL-terminated */
    size_t len;
    long long fresh_ms; /* HIT with want_ttl: ms of freshness left; else -1 */
};

/* Allocates a handle (no connection yet). NULL when out of memory. opt is
 * copied, the strings it points to are not: they must outlive the handle
 * (main.c's point into its static configuration). */
struct cache *cache_open(const struct cache_options *opt);

void cache_close(struct cache *c);

/*
 * Reads key under the current generation at gen_key, in one round trip:
 * HIT (tagged with the current generation and fresh), STALE (current
 * generation, no longer fresh), MISS (absent, or built under another
 * generation) or DOWN. with want_ttl a PTTL of the fresh marker rides in the
 * same round trip (for copies that must not outlive it). A missing
 * generation key is created (from the clock, so a restarted, empty Redis
 * never reuses an old number), which costs a second trip once.
 */
enum cache_result cache_read(struct cache *c, const char *gen_key,
                             const char *key, bool want_ttl,
                             struct cache_entry *e);

/*
 * A waiter's look, in one command (so the two facts come from one instant):
 * the entry of key built under e->gen or later, and whether the rebuild
 * lock of e->gen is still held (*lock_held). HIT, STALE, MISS or DOWN.
 */
enum cache_result cache_poll(struct cache *c, const char *key,
                             struct cache_entry *e, bool *lock_held);

/* Advances the generation: every entry built under the old one stops
 * matching. Returns 0, or -1 when Redis is down (after one reconnect).
 * Sentinel mode: the new value is at least Redis' clock in microseconds (never
 * below what a promoted replica could hold, see sentinel.h), and when the
 * master has replicas the bump waits (WAIT 1) up to wait_ms for one of them
 * to have it. A WAIT that times out still returns 0: the bump is on the
 * master, and should a failover lose it, the new master's epoch check
 * orphans every entry anyway (logged). */
int cache_bump_generation(struct cache *c, const char *gen_key);

/* Stores body under key tagged with gen: fresh for fresh_ms, kept for
 * keep_ms (>= fresh_ms). An entry of a later generation is never replaced
 * by this one (a slow rebuild landing late). 0, or -1 on failure. */
int cache_store(struct cache *c, const char *key, uint64_t gen,
                const char *body, size_t len, long long fresh_ms,
                long long keep_ms);

/* Takes the rebuild lock of key under gen for ttl_ms (SET NX PX: a holder
 * that dies lets it expire by itself). */
enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  uint64_t gen, long long ttl_ms);

/* Releases the lock if this handle still holds it. */
void cache_unlock(struct cache *c, const char *key, uint64_t gen);

/* PING. Returns 0 when Redis answers. */
int cache_ping(struct cache *c);

/* The database position of the acknowledged writes, "<gen_key>:gtid"
 * (read replicas, readhost.h), and its lost mark "<gen_key>:gtid:lost",
 * set while some write's position is unknown (gtid.h, GTID_RECORD_LUA).
 * A writer reads the mark (cache_position_mark: "" when none) BEFORE it
 * reads its position, then records the position with the mark it saw, and
 * all of this BEFORE its generation bump, so a reader that sees the new
 * generation finds this position or a later one. Positions are merged,
 * never replaced; pos NULL sets the lost mark (reads then go to the
 * primary until a later writer's position covers the lost one). 0, or -1
 * when Redis is down (or the mark does not fit in marklen). */
int cache_position_mark(struct cache *c, const char *gen_key, char *mark,
                        size_t marklen);
int cache_record_position(struct cache *c, const char *gen_key,
                          const char *pos, const char *mark);

/* Copies the recorded position into out. 0, or -1 when none is recorded,
 * the lost mark is set, it does not fit, or Redis is down. */
int cache_read_position(struct cache *c, const char *gen_key, char *out,
                        size_t outlen);

#endif
