/*
 * cache: a Redis connection (hiredis) with the few operations cache-aside
 * needs. Connects lazily, with bounded connect/read timeouts, and after a
 * failure waits a short back-off before trying again, so a dead Redis costs
 * requests nothing. Callers build the entry keys; the scoped invalidation
 * (cache_invalidate_products) knows their layout under a prefix:
 * "<prefix>item:<id>" and "<prefix>list:..." (see docs/design.md).
 *
 * An entry is two keys, both written by one script:
 *   "<key>"        "<gen>\n<body>": the body, tagged with the generation it
 *                  was built under (and a bound, see below), kept for the
 *                  fresh time + stale window;
 *   "<key>:fresh"  "<gen>": present while that body is fresh.
 * A read is one MGET of the generation key, the write sequence and both
 * entry keys, so a HIT costs one round trip and one command, and the values
 * come from one instant. "<key>:lock:<gen>" is the rebuild lock of one
 * generation.
 *
 * Two ways to invalidate. The generation ("<prefix>gen") orphans every
 * entry at once (cache_invalidate_all). A scoped write
 * (cache_invalidate_products) instead deletes what a change of some product
 * ids can alter, found through an index kept by the stores, and records
 * each change in a short log numbered by the write sequence
 * ("<prefix>wseq", "<prefix>changes"); when the log holds a change after
 * the sequence a store's reader saw that alters its entry, the entry is
 * stored bounded by it ("<gen>:<upto>\n<body>"): a reader whose sequence is
 * at or past the bound takes it as a miss. Index:
 * "<prefix>pages" (page keys by the id of their last row, or 2^32 for a page
 * that is not full) and "<prefix>pages:first" (by the id of their first).
 */
#ifndef CACHE_H
#define CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest key (with its terminating NUL) a caller may build. */
#define CACHE_KEY_MAX 128
/* The most sync numbers one cache_l1_ack records. */
#define CACHE_L1_ACK_MAX 256

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
    uint64_t seq;       /* the write sequence the read saw (0: none yet) */
    uint64_t upto;      /* HIT/STALE of a bounded entry: answers readers
                           below this sequence only (no copy may outlive
                           the read); 0: unbounded */
    bool refresh;       /* MISS of an entry a scoped write outdated */
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
 * Reads key under the current generation ("<prefix>gen"), with the write
 * sequence ("<prefix>wseq", e->seq, for a rebuild's store), in one round
 * trip:
 * HIT (tagged with the current generation and fresh), STALE (current
 * generation, no longer fresh), MISS (absent, or built under another
 * generation) or DOWN. with want_ttl a PTTL of the fresh marker rides in the
 * same round trip (for copies that must not outlive it). A MISS whose
 * marker says a scoped write just deleted it sets e->refresh. A missing
 * generation key is created (from the clock, so a restarted, empty Redis
 * never reuses an old number), which costs a second trip once.
 */
enum cache_result cache_read(struct cache *c, const char *prefix,
                             const char *key, bool want_ttl,
                             struct cache_entry *e);

/*
 * A waiter's look, in one command (so the facts come from one instant):
 * the entry of key built under e->gen or later that answers a reader of
 * sequence e->seq (a bounded one only below its bound), whether the
 * rebuild lock of e->gen is still held (*lock_held), and the write
 * sequence now (*seq_now, for a rebuild the waiter then makes). HIT,
 * STALE, MISS or DOWN.
 */
enum cache_result cache_poll(struct cache *c, const char *prefix,
                             const char *key, struct cache_entry *e,
                             bool *lock_held, uint64_t *seq_now);

/* Advances the generation: every entry built under the old one stops
 * matching. Returns 0, or -1 when Redis is down (after one reconnect).
 * Sentinel mode: the new value is at least Redis' clock in microseconds (never
 * below what a promoted replica could hold, see sentinel.h), and when the
 * master has replicas the bump waits (WAIT 1) up to wait_ms for one of them
 * to have it. A WAIT that times out still returns 0: the bump is on the
 * master, and should a failover lose it, the new master's epoch check
 * orphans every entry anyway (logged). */
int cache_bump_generation(struct cache *c, const char *gen_key);

/* What a cached answer depends on: the store checks it against the changes
 * made since its reader's sequence, and indexes a page for later writes. */
struct cache_deps {
    bool page;      /* false: one product, found or not (a 404) */
    uint32_t id;    /* item: its id */
    uint32_t first; /* page: ids of its first and last row (an empty
                       page: UINT32_MAX, 0) */
    uint32_t last;
    bool full;      /* page: as many rows as asked for, so a change after
                       `last` cannot alter it; else any insert or delete can */
};

enum cache_store_result {
    CACHE_STORED,
    CACHE_STORED_BOUNDED, /* for the readers before a change it missed */
    CACHE_REFUSED,
    CACHE_STORE_FAILED
};

/* Stores body under key tagged with gen: fresh for fresh_ms, kept for
 * keep_ms (>= fresh_ms). seq is the write sequence read before the MySQL
 * read that built body. When a change since seq alters what deps describe,
 * the entry is bounded by the first such change: it answers only readers
 * whose sequence is below it (CACHE_STORED_BOUNDED), and never replaces an
 * entry of gen that answers more. Refused (nothing stored) when the
 * generation moved from gen, or the change log no longer reaches back to
 * seq. A page is indexed in the same script. An entry of a later
 * generation is never replaced by this one. */
enum cache_store_result cache_store(struct cache *c, const char *prefix,
                                    const char *key, uint64_t gen,
                                    uint64_t seq,
                                    const struct cache_deps *deps,
                                    const char *body, size_t len,
                                    long long fresh_ms, long long keep_ms);

/* How long a deleted entry's key says "refresh" (the refresh_ms of
 * cache_invalidate_products, for API writes and the binlog invalidator): a
 * read within it is the refresh of a key that was cached, not one of a
 * flood of misses. */
#define CACHE_REFRESH_MARK_MS 10000

/* One change of one product, for cache_invalidate_products. */
enum cache_change_kind {
    CACHE_CHANGE_UPDATE, /* its row changed, its position did not */
    CACHE_CHANGE_INSERT, /* rows after it move one position on */
    CACHE_CHANGE_DELETE  /* rows after it move one position back */
};
struct cache_change {
    enum cache_change_kind kind;
    uint32_t id;
    /* An update may bring the row's new item body (exactly what a read
     * renders) to write through, fresh and kept as a store would. */
    const char *body;
    size_t len;
    long long fresh_ms, keep_ms;
};

/* Counts of a scoped invalidation, for metrics and tests. */
struct cache_invalidation {
    bool all;    /* more than max_ids products: the generation moved */
    bool skipped; /* the transaction was marked handled: nothing done */
    bool deferred; /* an API write of each row is in flight: nothing done */
    long long keys; /* entry keys deleted (body and marker count one) */
};

/* The database transaction a change came from, by its GTID. A writer that
 * invalidates after its commit returned (so no rebuild can read the row
 * from before it and store afterwards unbounded) marks it handled; the
 * binlog invalidator passes skip_if_handled, and so does not invalidate
 * an API write a second and third time (its echo). */
struct cache_txn {
    const char *gtid;
    bool skip_if_handled;
};

/*
 * The one way a change of products reaches the cache (API writes through
 * writes.c, and the binlog invalidator): in one script, numbers each change
 * in the write sequence, logs it, and deletes the entries it can alter (the
 * item, its 404, the pages holding it and, for an insert or delete, every
 * page at or after its position and every page that is not full), marking
 * each deleted key as a refresh for refresh_ms. More than max_ids changes
 * fall back to cache_invalidate_all(). txn (may be NULL) marks the
 * transaction handled, or skips it when so marked (struct cache_txn).
 * Sentinel mode waits for a replica as cache_bump_generation() does. 0, or
 * -1 when Redis could not be told. out may be NULL.
 */
int cache_invalidate_products(struct cache *c, const char *prefix,
                              const struct cache_change *changes, size_t n,
                              size_t max_ids, long long refresh_ms,
                              const struct cache_txn *txn,
                              struct cache_invalidation *out);

/* An API write of row id is about to commit: until its invalidation
 * (cache_invalidate_products with a marking txn), or a few seconds, the
 * binlog invalidator's echo of a change of that row waits for its settle
 * (by when the write has marked it handled) instead of deleting what the
 * write is about to write through. Best effort: failures are ignored. */
void cache_write_begins(struct cache *c, const char *prefix, uint32_t id);

/* Whether a writer marked the transaction gtid handled: 1, 0, or -1 when
 * Redis could not be asked. */
int cache_txn_handled(struct cache *c, const char *prefix, const char *gtid);

/* Invalidates every entry under prefix: cache_bump_generation() of
 * "<prefix>gen". For changes that name no ids (DDL, large transactions). */
int cache_invalidate_all(struct cache *c, const char *prefix);

/* The L1 leases (l1_lease.h). Writer side, after a change Redis
 * acknowledged: cache_l1_wait takes the next sync number ("<prefix>l1:seq")
 * and publishes it on "<prefix>l1:sync" (a command of its own, so that it
 * reaches every holder after the change's invalidation messages); Redis
 * says how many holders got it; then it waits (polling every ms) until
 * that many have recorded it in "<prefix>l1:ack:<seq>", or bound_ms have
 * passed since the publication. 0, or -1 when Redis could not be told.
 * Holder side: cache_l1_ack records holder in "<prefix>l1:ack:<seq>"
 * (kept 10 s) for each of the n numbers it received and applied; 0, or
 * -1. */
struct cache_l1_wait {
    long long holders;   /* got the sync number */
    long long acked;     /* recorded it in time */
    long long waited_ms; /* since the publication */
};
int cache_l1_wait(struct cache *c, const char *prefix, long long bound_ms,
                  struct cache_l1_wait *out);
int cache_l1_ack(struct cache *c, const char *prefix, const char *holder,
                 const long long *seqs, size_t n);

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
