/*
 * products: cache-aside reads.
 *
 * baseline: every request runs the query (after the artificial delay) on
 * MySQL; X-Cache: BYPASS.
 *
 * cached: the key of an answer embeds the catalogue's generation
 * (products:v<gen>:list:<limit>:<offset>). A write bumps the generation
 * after its commit, so once a write has returned no reader can find an
 * entry built before it: a slow miss that read the old row stores it under
 * the old generation, where nobody looks any more.
 *
 * Each entry is fresh for CACHE_TTL_S (+ up to 10% jitter, so keys filled
 * together do not expire together) and kept CACHE_STALE_S longer. On a miss
 * or an expired entry one responder takes the rebuild lock and queries
 * MySQL; the others serve the stale copy or, with nothing to serve, wait up
 * to CACHE_WAIT_MS for the rebuild instead of stampeding the database. While
 * MySQL is down the stale copy keeps answering. While Redis is down the
 * answer comes from MySQL (BYPASS).
 */
#include "products.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "json.h"
#include "metrics.h"
#include "product.h"
#include "request.h"
#include "store.h"

/* How often a waiter looks for the rebuilt entry. */
#define WAIT_POLL_MS 10
#define KEY_MAX 128

/* Loads one answer from MySQL and renders it: a JSON body, or a status. */
struct loader {
    enum store_result (*load)(struct app *app, const void *arg, char **body,
                              size_t *len);
    const void *arg;
};

static enum store_result load_list(struct app *app, const void *arg,
                                   char **body, size_t *len)
{
    const struct product_query *q = arg;
    struct product_list list;
    enum store_result result;

    result = store_fetch_products(app->reader, q->limit, q->offset, &list);
    if (result != STORE_OK)
        return result;
    *body = json_render_products(&list, len);
    product_list_free(&list);
    return STORE_OK;
}

static enum store_result load_one(struct app *app, const void *arg,
                                  char **body, size_t *len)
{
    const uint32_t *id = arg;
    struct product p;
    enum store_result result;

    result = store_fetch_product(app->reader, *id, &p);
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
                                       size_t *len)
{
    enum store_result result = loader->load(app, loader->arg, body, len);

    if (result == STORE_DOWN)
        reply_error(r, 503, "database unavailable, try again shortly");
    else if (result == STORE_NOT_FOUND)
        reply_error(r, 404, "no product with this id");
    else if (*body == NULL)
        reply_error(r, 500, "out of memory");
    return result;
}

static long long jittered_ttl_ms(const struct config *cfg)
{
    static unsigned int seed;
    long long ttl_ms = cfg->cache_ttl_s * 1000;

    if (seed == 0)
        seed = (unsigned int)getpid() ^ (unsigned int)clock_now_ms();
    return ttl_ms + (long long)(rand_r(&seed) % (ttl_ms / 10 + 1));
}

static void send_body(struct reply *r, char *body, size_t len,
                      const char *x_cache, enum metric m)
{
    reply_json(r, 200, body, len);
    r->x_cache = x_cache;
    metrics_count(m);
}

/* Stores a fresh answer: fresh for the jittered TTL, kept for the stale
 * window after it. */
static void remember(struct app *app, const char *key, const char *body,
                     size_t len)
{
    const struct config *cfg = app->cfg;

    cache_store(app->cache, key, body, len, jittered_ttl_ms(cfg),
                cfg->cache_ttl_s + cfg->cache_stale_s);
}

/* Straight to MySQL: baseline mode, or Redis unavailable. */
static void read_bypass(struct app *app, const struct loader *loader,
                        struct reply *r)
{
    char *body = NULL;
    size_t len = 0;

    if (reply_from_db(app, loader, r, &body, &len) == STORE_OK &&
        body != NULL)
        send_body(r, body, len, "BYPASS", METRIC_CACHE_BYPASS);
}

/* Lock holder: query MySQL, store the answer, release the lock. When MySQL
 * fails and a stale copy exists, that copy is the answer. */
static void rebuild(struct app *app, const struct loader *loader,
                    const char *key, char *stale, size_t stale_len,
                    struct reply *r)
{
    char *body = NULL;
    size_t len = 0;
    enum store_result result;

    result = reply_from_db(app, loader, r, &body, &len);
    if (result == STORE_OK && body != NULL) {
        remember(app, key, body, len);
        cache_unlock(app->cache, key);
        free(stale);
        send_body(r, body, len, "MISS", METRIC_CACHE_MISS);
        return;
    }
    cache_unlock(app->cache, key);
    if (result == STORE_DOWN && stale != NULL) {
        send_body(r, stale, stale_len, "STALE", METRIC_CACHE_STALE);
        return;
    }
    free(stale);
}

/* Another responder is rebuilding and there is nothing stale to serve:
 * poll for its result for a bounded time, then query MySQL ourselves. The
 * wait also ends when the lock goes without a result (the rebuild found
 * nothing, e.g. a 404, or MySQL failed): waiting longer would not help. */
static void wait_for_rebuild(struct app *app, const struct loader *loader,
                             const char *key, struct reply *r)
{
    long long deadline = clock_mono_ms() + app->cfg->cache_wait_ms;
    char *body = NULL;
    size_t len = 0;

    metrics_count(METRIC_CACHE_WAITED);
    while (clock_mono_ms() < deadline) {
        enum cache_result found;

        clock_sleep_ms(WAIT_POLL_MS);
        found = cache_get(app->cache, key, &body, &len);
        if (found == CACHE_HIT || found == CACHE_STALE) {
            send_body(r, body, len, "HIT", METRIC_CACHE_HIT);
            return;
        }
        if (found == CACHE_DOWN || cache_lock_held(app->cache, key) != 1)
            break;
    }
    if (reply_from_db(app, loader, r, &body, &len) == STORE_OK &&
        body != NULL)
        send_body(r, body, len, "MISS", METRIC_CACHE_MISS);
}

/* Without the guard (CACHE_GUARD=0): every responder that finds the entry
 * missing or expired queries MySQL itself. Kept to measure the stampede the
 * guard prevents. */
static void rebuild_unguarded(struct app *app, const struct loader *loader,
                              const char *key, struct reply *r)
{
    char *body = NULL;
    size_t len = 0;

    if (reply_from_db(app, loader, r, &body, &len) != STORE_OK || body == NULL)
        return;
    remember(app, key, body, len);
    send_body(r, body, len, "MISS", METRIC_CACHE_MISS);
}

static void read_cached(struct app *app, const struct loader *loader,
                        const char *suffix, struct reply *r)
{
    char key[KEY_MAX];
    char *body = NULL;
    size_t len = 0;
    uint64_t gen;

    if (cache_generation(app->cache, PRODUCTS_GEN_KEY, &gen) != 0) {
        read_bypass(app, loader, r);
        return;
    }
    snprintf(key, sizeof(key), "products:v%llu:%s", (unsigned long long)gen,
             suffix);
    switch (cache_get(app->cache, key, &body, &len)) {
    case CACHE_HIT:
        /* The stored bytes are the response body: no parse, no re-encode. */
        send_body(r, body, len, "HIT", METRIC_CACHE_HIT);
        return;
    case CACHE_STALE:
        if (!app->cfg->cache_guard) {
            free(body);
            rebuild_unguarded(app, loader, key, r);
            return;
        }
        if (cache_lock(app->cache, key, app->cfg->cache_lock_ms) ==
            CACHE_LOCK_ACQUIRED) {
            rebuild(app, loader, key, body, len, r);
            return;
        }
        /* Someone else refreshes it; the stale copy answers meanwhile. */
        send_body(r, body, len, "STALE", METRIC_CACHE_STALE);
        return;
    case CACHE_MISS:
        if (!app->cfg->cache_guard) {
            rebuild_unguarded(app, loader, key, r);
            return;
        }
        switch (cache_lock(app->cache, key, app->cfg->cache_lock_ms)) {
        case CACHE_LOCK_ACQUIRED:
            rebuild(app, loader, key, NULL, 0, r);
            return;
        case CACHE_LOCK_BUSY:
            wait_for_rebuild(app, loader, key, r);
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
    snprintf(suffix, sizeof(suffix), "item:%u", (unsigned)id);
    read_through(app, &loader, suffix, r);
}
