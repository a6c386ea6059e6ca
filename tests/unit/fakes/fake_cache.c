/* An in-memory stand-in for cache.c (Redis) and tracking.c (its
 * invalidation connection), counting the commands and round trips the real
 * ones would send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "fakes.h"
#include "tracking.h"

#define SLOTS 16

struct slot {
    char key[CACHE_KEY_MAX];
    uint64_t gen; /* the generation the body is tagged with */
    char *body;
    bool fresh;
};

struct fake_cache_state fake_cache;
static struct slot slots[SLOTS];
struct cache {
    int unused;
};
static struct cache the_cache;
struct tracking {
    int unused;
};
static struct tracking the_tracking;

static struct slot *find(const char *key)
{
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].body != NULL && strcmp(slots[i].key, key) == 0)
            return &slots[i];
    return NULL;
}

void fake_cache_put_tagged(const char *key, uint64_t gen, const char *body,
                           bool fresh)
{
    struct slot *s = find(key);

    for (int i = 0; s == NULL && i < SLOTS; i++)
        if (slots[i].body == NULL)
            s = &slots[i];
    if (s == NULL)
        return;
    free(s->body);
    strncpy(s->key, key, sizeof(s->key) - 1);
    s->gen = gen;
    s->body = strdup(body);
    s->fresh = fresh;
}

void fake_cache_put(const char *key, const char *body, bool fresh)
{
    fake_cache_put_tagged(key, fake_cache.generation, body, fresh);
}

const char *fake_cache_value(const char *key)
{
    struct slot *s = find(key);
    return s ? s->body : NULL;
}

uint64_t fake_cache_tag(const char *key)
{
    struct slot *s = find(key);
    return s ? s->gen : 0;
}

void fakes_reset(void)
{
    for (int i = 0; i < SLOTS; i++) {
        free(slots[i].body);
        slots[i].body = NULL;
    }
    memset(&fake_cache, 0, sizeof(fake_cache));
    memset(&fake_store, 0, sizeof(fake_store));
    fake_cache.generation = 7;
    fake_cache.ttl_left_ms = 1000;
    fake_store.result = STORE_OK;
    fake_store.next_id = 101;
}

struct cache *cache_open(const struct cache_options *opt)
{
    (void)opt;
    return &the_cache;
}

void cache_close(struct cache *c)
{
    (void)c;
}

/* One round trip carrying n commands. */
static void sent(int n)
{
    fake_cache.round_trips++;
    fake_cache.commands += n;
}

/* Copies the slot's body out as cache.c does. */
static enum cache_result found(struct slot *s, struct cache_entry *e)
{
    e->body = strdup(s->body);
    e->len = strlen(s->body);
    e->upto = fake_cache.upto;
    return s->fresh ? CACHE_HIT : CACHE_STALE;
}

enum cache_result cache_read(struct cache *c, const char *prefix,
                             const char *key, bool want_ttl,
                             struct cache_entry *e)
{
    struct slot *s;
    enum cache_result result = CACHE_MISS;

    (void)c;
    (void)prefix;
    e->body = NULL;
    e->len = 0;
    e->fresh_ms = -1;
    e->seq = fake_cache.seq;
    e->upto = 0;
    e->refresh = false;
    if (fake_cache.down)
        return CACHE_DOWN;
    sent(want_ttl ? 2 : 1); /* MGET gen wseq key key:fresh [+ PTTL] */
    fake_cache.reads++;
    e->gen = fake_cache.generation;
    s = find(key);
    if (s != NULL && s->gen == e->gen)
        result = found(s, e);
    if (result == CACHE_HIT && want_ttl)
        e->fresh_ms = fake_cache.ttl_left_ms;
    if (result == CACHE_MISS)
        e->refresh = fake_cache.refresh;
    return result;
}

enum cache_result cache_poll(struct cache *c, const char *prefix,
                             const char *key, struct cache_entry *e,
                             bool *lock_held, uint64_t *seq_now)
{
    struct slot *s;

    (void)c;
    (void)prefix;
    *seq_now = fake_cache.seq;
    e->body = NULL;
    e->len = 0;
    e->fresh_ms = -1;
    *lock_held = false;
    if (fake_cache.down)
        return CACHE_DOWN;
    sent(1); /* MGET key key:fresh key:lock:gen wseq */
    fake_cache.polls++;
    if (fake_cache.fill_after_polls > 0 &&
        fake_cache.polls == fake_cache.fill_after_polls) {
        /* The other responder's rebuild lands and its lock goes, together. */
        fake_cache_put_tagged(key, e->gen, "[\"rebuilt by another responder\"]",
                              !fake_cache.fill_stale);
        fake_cache.lock_held = false;
    }
    *lock_held = fake_cache.lock_held && !fake_cache.lock_vanishes;
    s = find(key);
    if (s == NULL || s->gen < e->gen)
        return CACHE_MISS;
    return found(s, e);
}

int cache_bump_generation(struct cache *c, const char *gen_key)
{
    (void)c;
    (void)gen_key;
    if (fake_cache.down || fake_cache.bump_fails)
        return -1;
    sent(2); /* SET NX + INCR */
    fake_cache.generation++;
    fake_cache.bumps++;
    return 0;
}

int cache_invalidate_all(struct cache *c, const char *prefix)
{
    (void)prefix;
    return cache_bump_generation(c, NULL);
}

/* As the real one does for the keys it can name: the item goes; pages are
 * not indexed here, so every page goes. */
int cache_invalidate_products(struct cache *c, const char *prefix,
                              const struct cache_change *changes, size_t n,
                              size_t max_ids, long long refresh_ms,
                              const struct cache_txn *txn,
                              struct cache_invalidation *out)
{
    (void)refresh_ms;
    snprintf(fake_cache.txn, sizeof(fake_cache.txn), "%s",
             txn != NULL && txn->gtid != NULL ? txn->gtid : "");
    if (out != NULL)
        *out = (struct cache_invalidation){.all = n > max_ids};
    if (n > max_ids)
        return cache_invalidate_all(c, prefix);
    if (fake_cache.down || fake_cache.bump_fails)
        return -1;
    sent(1); /* EVAL */
    fake_cache.bumps++;
    fake_cache.seq += n;
    if (n > 0) {
        fake_cache.last_change = changes[n - 1];
        fake_cache.scoped++;
    }
    for (int i = 0; i < SLOTS; i++) {
        bool hit = strncmp(slots[i].key, "products:list:", 14) == 0;

        for (size_t j = 0; j < n && !hit; j++) {
            char item[CACHE_KEY_MAX];

            snprintf(item, sizeof(item), "products:item:%u",
                     (unsigned)changes[j].id);
            hit = strcmp(slots[i].key, item) == 0;
        }
        if (hit && slots[i].body != NULL) {
            free(slots[i].body);
            slots[i].body = NULL;
        }
    }
    return 0;
}

/* No L1 holders here: nothing to wait for. */
int cache_l1_wait(struct cache *c, const char *prefix, long long bound_ms,
                  struct cache_l1_wait *out)
{
    (void)c;
    (void)prefix;
    (void)bound_ms;
    *out = (struct cache_l1_wait){0};
    return fake_cache.down ? -1 : 0;
}

void cache_write_begins(struct cache *c, const char *prefix, uint32_t id)
{
    (void)c;
    (void)prefix;
    (void)id;
    if (!fake_cache.down)
        sent(1); /* EVAL */
}

enum cache_store_result cache_store(struct cache *c, const char *prefix,
                                    const char *key, uint64_t gen,
                                    uint64_t seq,
                                    const struct cache_deps *deps,
                                    const char *body, size_t len,
                                    long long fresh_ms, long long keep_ms)
{
    char *copy;
    struct slot *s;

    (void)c;
    (void)prefix;
    if (fake_cache.down)
        return CACHE_STORE_FAILED;
    sent(1); /* EVAL */
    fake_cache.fresh_ms = fresh_ms;
    fake_cache.keep_ms = keep_ms;
    fake_cache.stores++;
    fake_cache.store_seq = seq;
    fake_cache.store_deps = *deps;
    /* The real check (a change since seq that alters deps) is Redis'
     * script, tested against Redis in test_cache_races.c; here any write
     * since seq refuses. */
    if (seq != fake_cache.seq || gen != fake_cache.generation)
        return CACHE_REFUSED;
    s = find(key);
    if (s != NULL && s->gen > gen)
        return CACHE_REFUSED; /* a later generation stays */
    copy = strndup(body, len);
    fake_cache_put_tagged(key, gen, copy, true);
    free(copy);
    return CACHE_STORED;
}

enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  uint64_t gen, long long ttl_ms)
{
    (void)c;
    (void)key;
    (void)gen;
    (void)ttl_ms;
    if (fake_cache.down)
        return CACHE_LOCK_DOWN;
    sent(1);
    fake_cache.locks++;
    /* A lock that vanished (lock_vanishes) can be taken after a poll. */
    if (fake_cache.lock_vanishes && fake_cache.polls > 0)
        return CACHE_LOCK_ACQUIRED;
    return fake_cache.lock_held ? CACHE_LOCK_BUSY : CACHE_LOCK_ACQUIRED;
}

void cache_unlock(struct cache *c, const char *key, uint64_t gen)
{
    (void)c;
    (void)key;
    (void)gen;
    sent(1);
    fake_cache.unlocks++;
}

int cache_ping(struct cache *c)
{
    (void)c;
    return fake_cache.down ? -1 : 0;
}

struct tracking *tracking_open(const struct cache_options *opt,
                               const char *prefix, struct l1 *l1)
{
    (void)opt;
    (void)prefix;
    (void)l1;
    return &the_tracking;
}

void tracking_close(struct tracking *t)
{
    (void)t;
}

bool tracking_sync(struct tracking *t)
{
    (void)t;
    fake_cache.syncs++;
    return fake_cache.tracking_up;
}

bool tracking_up(struct tracking *t)
{
    (void)t;
    return fake_cache.tracking_up;
}

/* Read replicas are not faked (see fake_store.c). */
int cache_position_mark(struct cache *c, const char *gen_key, char *mark,
                        size_t marklen)
{
    (void)c;
    (void)gen_key;
    (void)marklen;
    mark[0] = '\0';
    return 0;
}

int cache_record_position(struct cache *c, const char *gen_key,
                          const char *pos, const char *mark)
{
    (void)c;
    (void)gen_key;
    (void)pos;
    (void)mark;
    return 0;
}

int cache_read_position(struct cache *c, const char *gen_key, char *out,
                        size_t outlen)
{
    (void)c;
    (void)gen_key;
    (void)out;
    (void)outlen;
    return -1;
}
