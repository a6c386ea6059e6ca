/*
 * reads: cache-aside reads.
 *
 * baseline: every request runs the query (after the artificial delay) on
 * MySQL; X-Cache: BYPASS.
 *
 * cached: an answer is stored under products:<list:limit:offset|item:id>,
 * tagged with the catalogue's generation it was built under (cache.h has
 * the format). One MGET reads the current generation, the write sequence
 * and the entry together; an entry of another generation is a miss. A
 * write deletes (or, an update, rewrites) after its commit the entries its
 * change can alter (cache_invalidate_products), and each rebuild's store
 * names what its answer depends on (struct cache_deps: an id, or a page's
 * first and last id) and the sequence read before its MySQL read, so a slow
 * miss that read the old row can store it only bounded: for the readers
 * that began before the write (docs/design.md has the argument). An entry
 * a write deleted comes back as a refresh, which the rebuild gate does not
 * turn away like a flood's miss.
 *
 * Each entry is fresh for CACHE_TTL_S (+ up to 10% jitter, so keys filled
 * together do not expire together) and kept CACHE_STALE_S longer. On a miss
 * or an expired entry one responder takes the rebuild lock of that key and
 * generation and queries MySQL; the others serve the stale copy of the same
 * generation or, with nothing to serve, wait up to CACHE_WAIT_MS for the
 * rebuild instead of stampeding the database. While MySQL is down the stale
 * copy keeps answering. While Redis is down the answer comes from MySQL
 * (BYPASS).
 *
 * Under a flood of misses (README: Under hostile traffic): a rebuild runs
 * only with a slot of the process's rebuild gate (CACHE_REBUILDS_MAX /
 * POOL_SIZE slots, as many waiters, each waiting at most
 * CACHE_REBUILD_WAIT_MS); without one the answer is the stale copy, or a
 * quick 503 with Retry-After. So misses hold a bounded number of threads and
 * MySQL connections, and the other threads answer hits. An unknown id and a
 * page past the end of the catalogue are cached too, for
 * CACHE_NEGATIVE_TTL_S with no stale window (an unknown id as an empty body:
 * no 200 answer is empty): a repeated miss costs no MySQL read, and what a
 * flood of distinct ones stores is bounded by the rebuild rate times that
 * short TTL.
 *
 * L1 (CACHE_L1=1): fresh hits are also kept in this process (l1.c) and
 * answered from there with no Redis round trip (X-Cache: HIT, X-Cache-Layer:
 * L1) while the invalidation connection (tracking.c) is up; any change of
 * the generation empties it. See docs/hot-path-cache.md for the guarantee.
 *
 * Every answer notes the Redis freshness it has left (r->fresh_ms), which
 * caps how long the nginx micro-cache may keep it (edge.c).
 */
#include "reads.h"
#include "readhost.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "gate.h"
#include "json.h"
#include "l1.h"
#include "metrics.h"
#include "rows.h"
#include "request.h"
#include "store.h"
#include "tracking.h"

/* How often a waiter looks for the rebuilt entry. */
#define WAIT_POLL_MS 10
/* Retry-After (seconds) of a miss turned away by the rebuild gate: about
 * the time a few rebuilds take. */
#define BUSY_RETRY_AFTER_S 1
/* ... and the rate (bytes/s) at which nginx sends that 503 from its buffer:
 * its 300-400 bytes take a second or two. A client that retries at once
 * (a flood does) is slowed down that much at the cost of an nginx timer,
 * not a responder thread: an instant 503 would let the flood spin and take
 * as much CPU from hits as the misses did. */
#define BUSY_SEND_RATE 128

/* The longest key: "products:" + "list:" + two 10-digit numbers. */
#define KEY_PREFIX PRODUCTS_PREFIX
_Static_assert(sizeof(KEY_PREFIX "list:4294967295:4294967295") <=
                   CACHE_KEY_MAX,
               "the longest products key must fit CACHE_KEY_MAX");

/* Loads one answer from MySQL and renders it: a JSON body, or a status,
 * and what the answer depends on (for the store's check, cache.h). */
struct loader {
    enum store_result (*load)(struct app *app, const void *arg, char **body,
                              size_t *len, struct cache_deps *deps);
    const void *arg;
};

static enum store_result load_list(struct app *app, const void *arg,
                                   char **body, size_t *len,
                                   struct cache_deps *deps)
{
    const struct product_query *q = arg;
    struct product_list list;
    enum store_result result;

    result = store_fetch_products(readhost_choose(app), q->limit, q->offset, &list);
    if (result != STORE_OK)
        return result;
    /* Rows come ordered by id: the page holds the ids first..last. An
     * empty page holds none (first above last): no update alters it. */
    *deps = (struct cache_deps){
        .page = true,
        .first = list.count > 0 ? list.items[0].id : UINT32_MAX,
        .last = list.count > 0 ? list.items[list.count - 1].id : 0,
        .full = list.count > 0 && list.count >= q->limit,
    };
    *body = json_render_products(&list, len);
    product_list_free(&list);
    return STORE_OK;
}

static enum store_result load_one(struct app *app, const void *arg,
                                  char **body, size_t *len,
                                  struct cache_deps *deps)
{
    const uint32_t *id = arg;
    struct product p;
    enum store_result result;

    *deps = (struct cache_deps){.id = *id}; /* found or not */
    result = store_fetch_product(readhost_choose(app), *id, &p);
    if (result != STORE_OK)
        return result;
    *body = json_render_product(&p, len);
    free(p.name);
    return STORE_OK;
}

/* Runs the loader and turns its outcome into the reply. */
static enum store_result reply_from_db(struct app *app,
                                       const struct loader *loader,
                                       struct reply *r, char **body,
                                       size_t *len, struct cache_deps *deps)
{
    enum store_result result = loader->load(app, loader->arg, body, len, deps);

    if (result == STORE_DOWN)
        reply_error(r, 503, "database unavailable, try again shortly");
    else if (result == STORE_NOT_FOUND)
        reply_error(r, 404, "no product with this id");
    else if (*body == NULL)
        reply_error(r, 500, "out of memory");
    return result;
}

/* A rebuild: reply_from_db() with a slot of the rebuild gate. Without one
 * in time, STORE_DOWN with a 503 and Retry-After (a caller with a stale
 * copy answers with that instead). The refresh of a key a write just
 * invalidated (at most one per key: the lock holder's) is not one of a
 * flood: it queues past the waiters' bound and waits up to CACHE_WAIT_MS,
 * still within the slots. */
static enum store_result rebuild_from_db(struct app *app,
                                         const struct loader *loader,
                                         bool refresh, struct reply *r,
                                         char **body, size_t *len,
                                         struct cache_deps *deps)
{
    enum store_result result;
    bool in = refresh ? gate_enter_refresh(app->rebuilds,
                                           app->cfg->cache_wait_ms)
                      : gate_enter(app->rebuilds,
                                   app->cfg->cache_rebuild_wait_ms);

    if (!in) {
        reply_error(r, 503, "too many cache misses at once, try again "
                            "shortly");
        r->retry_after_s = BUSY_RETRY_AFTER_S;
        r->send_rate = BUSY_SEND_RATE;
        return STORE_DOWN;
    }
    result = reply_from_db(app, loader, r, body, len, deps);
    gate_leave(app->rebuilds);
    return result;
}

/* TTL plus up to 10% jitter, so entries filled together do not expire
 * together. */
static long long jittered_ttl_ms(const struct config *cfg)
{
    static _Thread_local unsigned int seed;
    long long ttl_ms = cfg->cache_ttl_s * 1000;

    if (seed == 0)
        seed = (unsigned int)getpid() ^ (unsigned int)clock_now_ms() ^
               (unsigned int)(uintptr_t)&seed;
    return ttl_ms + (long long)(rand_r(&seed) % (ttl_ms / 10 + 1));
}

void products_entry_ttls(const struct config *cfg, long long *fresh_ms,
                         long long *keep_ms)
{
    *fresh_ms = jittered_ttl_ms(cfg);
    *keep_ms = *fresh_ms + cfg->cache_stale_s * 1000;
}

/* Answers with a body found in (or just stored into) the cache; an empty
 * one is a cached "no such id". The outcome (x_cache) is counted with the
 * request (metrics.h). */
static void send_body(struct reply *r, char *body, size_t len,
                      const char *x_cache)
{
    if (len == 0) {
        free(body);
        reply_error(r, 404, "no product with this id");
    } else {
        reply_json(r, 200, body, len);
    }
    r->x_cache = x_cache;
    /* For the edge (edge.c): a MISS or BYPASS was just read from MySQL,
     * fresh for a whole lifetime; a STALE copy has no freshness left. */
    if (strcmp(x_cache, "MISS") == 0 || strcmp(x_cache, "BYPASS") == 0)
        r->fresh_ms = -1;
    else if (strcmp(x_cache, "STALE") == 0)
        r->fresh_ms = 0;
}

/* An empty page: past the end of the catalogue. */
static bool empty_page(const char *body, size_t len)
{
    return len == 2 && memcmp(body, "[]", 2) == 0;
}

/* Stores a fresh answer: fresh for the jittered TTL, and kept for the
 * stale window after that, counted from the same jittered instant (so with
 * CACHE_STALE_S=0 the bodies, too, expire spread out rather than together
 * at the TTL). */
static void remember(struct app *app, const char *key,
                     const struct cache_entry *read,
                     const struct cache_deps *deps, const char *body,
                     size_t len)
{
    long long fresh_ms, keep_ms;

    products_entry_ttls(app->cfg, &fresh_ms, &keep_ms);
    cache_store(app->cache, PRODUCTS_PREFIX, key, read->gen, read->seq, deps,
                body, len, fresh_ms, keep_ms);
}

/* Stores a rebuild's outcome: an answer as remember() does; an unknown id
 * (as an empty body) or an empty page only for CACHE_NEGATIVE_TTL_S, with no
 * stale window, so that a flood of them leaves little behind. read is the
 * cache read made before the MySQL read (its generation and sequence). */
static void remember_outcome(struct app *app, const char *key,
                             const struct cache_entry *read,
                             const struct cache_deps *deps,
                             enum store_result result, const char *body,
                             size_t len)
{
    long long negative_ms = app->cfg->cache_negative_ttl_s * 1000;

    if (result == STORE_OK && body != NULL && !empty_page(body, len)) {
        remember(app, key, read, deps, body, len);
        return;
    }
    if (negative_ms == 0)
        return;
    if (result == STORE_NOT_FOUND)
        cache_store(app->cache, PRODUCTS_PREFIX, key, read->gen, read->seq,
                    deps, "", 0, negative_ms, negative_ms);
    else if (result == STORE_OK && body != NULL)
        cache_store(app->cache, PRODUCTS_PREFIX, key, read->gen, read->seq,
                    deps, body, len, negative_ms, negative_ms);
}

/* Straight to MySQL: baseline mode, or Redis unavailable. */
static void read_bypass(struct app *app, const struct loader *loader,
                        struct reply *r)
{
    char *body = NULL;
    size_t len = 0;
    struct cache_deps deps;

    if (reply_from_db(app, loader, r, &body, &len, &deps) == STORE_OK &&
        body != NULL)
        send_body(r, body, len, "BYPASS");
}

/* Lock holder: query MySQL, store the answer, release the lock. When MySQL
 * fails and a stale copy exists, that copy is the answer. */
static void rebuild(struct app *app, const struct loader *loader,
                    const char *key, struct cache_entry *found,
                    struct reply *r)
{
    char *body = NULL;
    size_t len = 0;
    struct cache_deps deps;
    enum store_result result;

    result = rebuild_from_db(app, loader, found->refresh, r, &body, &len,
                             &deps);
    remember_outcome(app, key, found, &deps, result, body, len);
    if (result == STORE_OK && body != NULL) {
        cache_unlock(app->cache, key, found->gen);
        free(found->body);
        send_body(r, body, len, "MISS");
        return;
    }
    cache_unlock(app->cache, key, found->gen);
    if (result == STORE_NOT_FOUND)
        r->x_cache = "MISS"; /* and now cached, as a 404 */
    if (result == STORE_DOWN && found->body != NULL) {
        send_body(r, found->body, found->len, "STALE");
        return;
    }
    free(found->body);
}

/* Another responder is rebuilding and there is nothing stale to serve:
 * poll for its result for a bounded time, then query MySQL ourselves. Each
 * poll reads the entry and the lock in one command, so a rebuild that lands
 * between two looks cannot be mistaken for one that gave up. When the lock
 * is gone without a result this reader may take (the rebuild found
 * nothing, e.g. a 404, MySQL failed, its store was refused, or a write
 * after this request began bounded it or deleted the lock), the waiter
 * takes the lock itself, so the waiters of one key still share one
 * rebuild. read (the cache read made before any MySQL read of this
 * request) is what an entry must answer; the sequence of the last poll is
 * what the waiter's own store is checked against. */
static void wait_for_rebuild(struct app *app, const struct loader *loader,
                             const char *key, const struct cache_entry *read,
                             struct reply *r)
{
    long long deadline = clock_mono_ms() + app->cfg->cache_wait_ms;
    struct cache_entry found = *read;
    struct cache_deps deps;
    char *body = NULL;
    size_t len = 0;

    found.body = NULL;
    metrics_count(METRIC_CACHE_WAITED);
    while (clock_mono_ms() < deadline) {
        bool held;
        uint64_t seq_now;

        clock_sleep_ms(WAIT_POLL_MS);
        switch (cache_poll(app->cache, PRODUCTS_PREFIX, key, &found, &held,
                           &seq_now)) {
        case CACHE_HIT:
            send_body(r, found.body, found.len, "HIT");
            return;
        case CACHE_STALE: /* e.g. fresh for less than a poll interval */
            send_body(r, found.body, found.len, "STALE");
            return;
        case CACHE_MISS:
            if (held)
                continue;
            switch (cache_lock(app->cache, key, found.gen,
                               app->cfg->cache_lock_ms)) {
            case CACHE_LOCK_ACQUIRED:
                found.seq = seq_now; /* read before this MySQL read */
                rebuild(app, loader, key, &found, r);
                return;
            case CACHE_LOCK_BUSY:
                continue;
            case CACHE_LOCK_DOWN:
                break;
            }
            break;
        case CACHE_DOWN:
            break;
        }
        break;
    }
    if (clock_mono_ms() >= deadline)
        metrics_count(METRIC_CACHE_WAIT_TIMEOUT);
    if (rebuild_from_db(app, loader, false, r, &body, &len, &deps) ==
            STORE_OK &&
        body != NULL)
        send_body(r, body, len, "MISS");
}

/* Without the guard (CACHE_GUARD=0): every responder that finds the entry
 * missing or expired queries MySQL itself. Kept to measure the stampede the
 * guard prevents. */
static void rebuild_unguarded(struct app *app, const struct loader *loader,
                              const char *key, const struct cache_entry *read,
                              struct reply *r)
{
    char *body = NULL;
    size_t len = 0;
    struct cache_deps deps;
    enum store_result result =
        rebuild_from_db(app, loader, false, r, &body, &len, &deps);

    remember_outcome(app, key, read, &deps, result, body, len);
    if (result != STORE_OK || body == NULL)
        return;
    send_body(r, body, len, "MISS");
}

/* The L1 answers when the invalidation connection has just confirmed that
 * nothing it holds is outdated. Otherwise *ticket is what a later l1_put()
 * needs (taken before the Redis read) and *use_l1 says whether to fill. */
static bool answer_from_l1(struct app *app, const char *key, bool *use_l1,
                           uint64_t *ticket, struct reply *r)
{
    char *body;
    size_t len;
    long long now, expires;

    *use_l1 = app->l1 != NULL && app->tracking != NULL &&
              tracking_sync(app->tracking);
    if (!*use_l1)
        return false;
    *ticket = l1_ticket(app->l1);
    now = clock_mono_ms();
    if (!l1_get_until(app->l1, key, now, &body, &len, &expires))
        return false;
    send_body(r, body, len, "HIT");
    r->body_free = l1_release; /* the bytes are L1's, shared */
    r->x_cache_layer = "L1";
    r->fresh_ms = expires - now; /* the copy ends with the Redis marker */
    return true;
}

static void read_cached(struct app *app, const struct loader *loader,
                        const char *suffix, struct reply *r)
{
    char key[CACHE_KEY_MAX];
    struct cache_entry found;
    bool use_l1;
    uint64_t ticket = 0;
    long long started;
    int n = snprintf(key, sizeof(key), KEY_PREFIX "%s", suffix);

    if (n < 0 || (size_t)n >= sizeof(key)) {
        read_bypass(app, loader, r); /* cannot happen: see KEY_PREFIX */
        return;
    }
    if (answer_from_l1(app, key, &use_l1, &ticket, r))
        return;
    started = clock_mono_ms();
    /* The marker's time left also caps the edge copy's lifetime. */
    switch (cache_read(app->cache, PRODUCTS_PREFIX, key,
                       use_l1 || app->cfg->edge_cache_ms > 0, &found)) {
    case CACHE_HIT:
        /* The copy expires no later than the marker: its remaining time
         * is counted from before the read was sent. A bounded entry
         * answers this reader, not the later ones an L1 copy would. */
        if (use_l1 && found.fresh_ms > 0 && found.len > 0 && found.upto == 0)
            l1_put(app->l1, key, found.body, found.len,
                   started + found.fresh_ms, ticket);
        /* The stored bytes are the response body: no parse, no re-encode. */
        send_body(r, found.body, found.len, "HIT");
        r->fresh_ms = found.fresh_ms;
        return;
    case CACHE_STALE:
        if (!app->cfg->cache_guard) {
            free(found.body);
            found.body = NULL;
            rebuild_unguarded(app, loader, key, &found, r);
            return;
        }
        if (cache_lock(app->cache, key, found.gen, app->cfg->cache_lock_ms) ==
            CACHE_LOCK_ACQUIRED) {
            rebuild(app, loader, key, &found, r);
            return;
        }
        /* Someone else refreshes it; the stale copy answers meanwhile. */
        send_body(r, found.body, found.len, "STALE");
        return;
    case CACHE_MISS:
        if (!app->cfg->cache_guard) {
            rebuild_unguarded(app, loader, key, &found, r);
            return;
        }
        switch (cache_lock(app->cache, key, found.gen,
                           app->cfg->cache_lock_ms)) {
        case CACHE_LOCK_ACQUIRED:
            rebuild(app, loader, key, &found, r);
            return;
        case CACHE_LOCK_BUSY:
            wait_for_rebuild(app, loader, key, &found, r);
            return;
        case CACHE_LOCK_DOWN:
            break;
        }
        break;
    case CACHE_DOWN:
        break;
    }
    read_bypass(app, loader, r);
}

static void read_through(struct app *app, const struct loader *loader,
                         const char *suffix, struct reply *r)
{
    if (app->cfg->mode == APP_MODE_CACHED)
        read_cached(app, loader, suffix, r);
    else
        read_bypass(app, loader, r);
}

void products_list(struct app *app, const char *query, struct reply *r)
{
    struct product_query q;
    char err[REQUEST_ERR_MAX];
    char suffix[64];
    struct loader loader = {load_list, &q};

    if (request_parse_query(query, &q, err, sizeof(err)) != 0) {
        reply_error(r, 400, err);
        return;
    }
    r->edge_read = true;
    snprintf(suffix, sizeof(suffix), "list:%u:%u", (unsigned)q.limit,
             (unsigned)q.offset);
    read_through(app, &loader, suffix, r);
}

void products_get(struct app *app, const char *id_text, struct reply *r)
{
    uint32_t id;
    char err[REQUEST_ERR_MAX];
    char suffix[32];
    struct loader loader = {load_one, &id};

    if (request_parse_id(id_text, &id, err, sizeof(err)) != 0) {
        reply_error(r, 400, err);
        return;
    }
    r->edge_read = true;
    snprintf(suffix, sizeof(suffix), "item:%u", (unsigned)id);
    read_through(app, &loader, suffix, r);
}
