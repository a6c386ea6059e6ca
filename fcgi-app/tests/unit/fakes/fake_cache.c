/* An in-memory stand-in for cache.c (Redis). */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "fakes.h"

#define SLOTS 16

struct slot {
    char key[128];
    char *body;
    bool fresh;
};

struct fake_cache_state fake_cache;
static struct slot slots[SLOTS];
static char pending_key[128];
struct cache {
    int unused;
};
static struct cache the_cache;

static struct slot *find(const char *key)
{
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].body != NULL && strcmp(slots[i].key, key) == 0)
            return &slots[i];
    return NULL;
}

void fake_cache_put(const char *key, const char *body, bool fresh)
{
    struct slot *s = find(key);

    for (int i = 0; s == NULL && i < SLOTS; i++)
        if (slots[i].body == NULL)
            s = &slots[i];
    if (s == NULL)
        return;
    free(s->body);
    strncpy(s->key, key, sizeof(s->key) - 1);
    s->body = strdup(body);
    s->fresh = fresh;
}

const char *fake_cache_value(const char *key)
{
    struct slot *s = find(key);
    return s ? s->body : NULL;
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
    fake_store.result = STORE_OK;
    fake_store.next_id = 101;
    pending_key[0] = '\0';
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

int cache_generation(struct cache *c, const char *gen_key, uint64_t *gen)
{
    (void)c;
    (void)gen_key;
    if (fake_cache.down)
        return -1;
    *gen = fake_cache.generation;
    return 0;
}

int cache_bump_generation(struct cache *c, const char *gen_key)
{
    (void)c;
    (void)gen_key;
    if (fake_cache.down || fake_cache.bump_fails)
        return -1;
    fake_cache.generation++;
    fake_cache.bumps++;
    return 0;
}

enum cache_result cache_get(struct cache *c, const char *key, char **body,
                            size_t *len)
{
    struct slot *s;

    (void)c;
    if (fake_cache.down)
        return CACHE_DOWN;
    fake_cache.gets++;
    if (fake_cache.fill_after_gets > 0 &&
        fake_cache.gets >= fake_cache.fill_after_gets && pending_key[0] == 0) {
        fake_cache_put(key, "[\"rebuilt by another responder\"]", true);
        strncpy(pending_key, key, sizeof(pending_key) - 1);
    }
    s = find(key);
    if (s == NULL)
        return CACHE_MISS;
    *body = strdup(s->body);
    *len = strlen(s->body);
    return s->fresh ? CACHE_HIT : CACHE_STALE;
}

int cache_store(struct cache *c, const char *key, const char *body, size_t len,
                long long fresh_ms, long long keep_s)
{
    char *copy;

    (void)c;
    (void)fresh_ms;
    (void)keep_s;
    if (fake_cache.down)
        return -1;
    copy = strndup(body, len);
    fake_cache_put(key, copy, true);
    free(copy);
    fake_cache.stores++;
    return 0;
}

enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  long long ttl_ms)
{
    (void)c;
    (void)key;
    (void)ttl_ms;
    if (fake_cache.down)
        return CACHE_LOCK_DOWN;
    fake_cache.locks++;
    return fake_cache.lock_held ? CACHE_LOCK_BUSY : CACHE_LOCK_ACQUIRED;
}

void cache_unlock(struct cache *c, const char *key)
{
    (void)c;
    (void)key;
    fake_cache.unlocks++;
}

int cache_lock_held(struct cache *c, const char *key)
{
    (void)c;
    (void)key;
    if (fake_cache.down)
        return -1;
    return fake_cache.lock_held && !fake_cache.lock_vanishes;
}

int cache_ping(struct cache *c)
{
    (void)c;
    return fake_cache.down ? -1 : 0;
}
