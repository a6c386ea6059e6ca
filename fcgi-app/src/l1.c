/*
 * l1: a chained hash table plus a doubly linked recency list, under one
 * mutex. Lookups are short (hash, compare, a reference count), so one lock
 * is cheaper and simpler than a reader/writer lock whose readers would
 * still have to reorder the recency list.
 *
 * A body is shared, not copied: the store holds one reference, each reply
 * sending it another, and the last to let go frees it. A 47 KB answer is
 * then neither copied nor allocated per request.
 */
#include "l1.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define L1_BUCKETS 1024

struct l1_body {
    atomic_size_t refs;
    char bytes[]; /* len + 1, NUL-terminated */
};

/* The block a body handed out by l1_get() lies in. */
static struct l1_body *body_block(char *bytes)
{
    return (struct l1_body *)(void *)(bytes - offsetof(struct l1_body, bytes));
}

void l1_release(char *bytes)
{
    struct l1_body *b;

    if (bytes == NULL)
        return;
    b = body_block(bytes);
    if (atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

struct l1_entry {
    struct l1_entry *next_in_bucket;
    struct l1_entry *newer, *older; /* recency list */
    long long expires_ms;
    size_t size; /* what this entry counts against the bound */
    size_t len;
    struct l1_body *body;
    char key[]; /* NUL-terminated */
};

struct l1 {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, count;
    uint64_t epoch;
    /* The epoch of the last invalidation of any key of a bucket, and of
     * the last invalidation of everything: a put is refused when either
     * came after its ticket. Per bucket, so that a stream of writes to
     * some keys does not refuse the fills of all the others. */
    uint64_t invalidated[L1_BUCKETS];
    uint64_t invalidated_all;
    struct l1_entry *newest, *oldest;
    struct l1_entry *buckets[L1_BUCKETS];
};

/* FNV-1a: short keys, no adversary choosing them (the query is validated
 * to numbers before a key is built). */
static size_t bucket_of(const char *key)
{
    uint32_t h = 2166136261u;

    for (; *key != '\0'; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h % L1_BUCKETS;
}

struct l1 *l1_open(size_t max_bytes)
{
    struct l1 *l1 = calloc(1, sizeof(*l1));

    if (l1 == NULL)
        return NULL;
    if (pthread_mutex_init(&l1->lock, NULL) != 0) {
        free(l1);
        return NULL;
    }
    l1->max_bytes = max_bytes;
    return l1;
}

static void unlink_recency(struct l1 *l1, struct l1_entry *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        l1->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        l1->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(struct l1 *l1, struct l1_entry *e)
{
    e->older = l1->newest;
    e->newer = NULL;
    if (l1->newest != NULL)
        l1->newest->newer = e;
    l1->newest = e;
    if (l1->oldest == NULL)
        l1->oldest = e;
}

static void drop(struct l1 *l1, struct l1_entry *e)
{
    struct l1_entry **p = &l1->buckets[bucket_of(e->key)];

    while (*p != e)
        p = &(*p)->next_in_bucket;
    *p = e->next_in_bucket;
    unlink_recency(l1, e);
    l1->bytes -= e->size;
    l1->count--;
    l1_release(e->body->bytes);
    free(e);
}

static void drop_all(struct l1 *l1)
{
    while (l1->oldest != NULL)
        drop(l1, l1->oldest);
}

void l1_close(struct l1 *l1)
{
    if (l1 == NULL)
        return;
    drop_all(l1);
    pthread_mutex_destroy(&l1->lock);
    free(l1);
}

static struct l1_entry *find(struct l1 *l1, const char *key)
{
    struct l1_entry *e = l1->buckets[bucket_of(key)];

    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->next_in_bucket;
    return e;
}

uint64_t l1_ticket(struct l1 *l1)
{
    uint64_t epoch;

    pthread_mutex_lock(&l1->lock);
    epoch = l1->epoch;
    pthread_mutex_unlock(&l1->lock);
    return epoch;
}

bool l1_get(struct l1 *l1, const char *key, long long now_ms, char **body,
            size_t *len)
{
    long long expires_ms;

    return l1_get_until(l1, key, now_ms, body, len, &expires_ms);
}

bool l1_get_until(struct l1 *l1, const char *key, long long now_ms,
                  char **body, size_t *len, long long *expires_ms)
{
    struct l1_entry *e;
    bool hit = false;

    pthread_mutex_lock(&l1->lock);
    e = find(l1, key);
    if (e != NULL && e->expires_ms <= now_ms) {
        drop(l1, e);
        e = NULL;
    }
    if (e != NULL) {
        atomic_fetch_add(&e->body->refs, 1);
        *body = e->body->bytes;
        *len = e->len;
        *expires_ms = e->expires_ms;
        unlink_recency(l1, e);
        push_newest(l1, e);
        hit = true;
    }
    pthread_mutex_unlock(&l1->lock);
    return hit;
}

bool l1_put(struct l1 *l1, const char *key, const char *body, size_t len,
            long long expires_ms, uint64_t ticket)
{
    size_t key_len = strlen(key);
    size_t size = sizeof(struct l1_entry) + key_len + 1 + len + 1;
    struct l1_entry *e, *old;

    if (size > l1->max_bytes)
        return false;
    /* Copy outside the lock; most of the work of an insert. */
    e = calloc(1, sizeof(*e) + key_len + 1);
    if (e == NULL)
        return false;
    e->body = malloc(sizeof(*e->body) + len + 1);
    if (e->body == NULL) {
        free(e);
        return false;
    }
    atomic_init(&e->body->refs, 1);
    memcpy(e->key, key, key_len + 1);
    memcpy(e->body->bytes, body, len);
    e->body->bytes[len] = '\0';
    e->len = len;
    e->size = size;
    e->expires_ms = expires_ms;

    pthread_mutex_lock(&l1->lock);
    if (l1->invalidated[bucket_of(key)] > ticket ||
        l1->invalidated_all > ticket) {
        /* Invalidated since the read that produced this body. */
        pthread_mutex_unlock(&l1->lock);
        free(e->body);
        free(e);
        return false;
    }
    old = find(l1, key);
    if (old != NULL)
        drop(l1, old);
    while (l1->bytes + size > l1->max_bytes && l1->oldest != NULL)
        drop(l1, l1->oldest);
    e->next_in_bucket = l1->buckets[bucket_of(key)];
    l1->buckets[bucket_of(key)] = e;
    push_newest(l1, e);
    l1->bytes += size;
    l1->count++;
    pthread_mutex_unlock(&l1->lock);
    return true;
}

void l1_invalidate_key(struct l1 *l1, const char *key)
{
    struct l1_entry *e;

    pthread_mutex_lock(&l1->lock);
    l1->invalidated[bucket_of(key)] = ++l1->epoch;
    e = find(l1, key);
    if (e != NULL)
        drop(l1, e);
    pthread_mutex_unlock(&l1->lock);
}

void l1_invalidate_all(struct l1 *l1)
{
    pthread_mutex_lock(&l1->lock);
    l1->invalidated_all = ++l1->epoch;
    drop_all(l1);
    pthread_mutex_unlock(&l1->lock);
}

size_t l1_bytes(struct l1 *l1)
{
    size_t n;

    pthread_mutex_lock(&l1->lock);
    n = l1->bytes;
    pthread_mutex_unlock(&l1->lock);
    return n;
}

size_t l1_count(struct l1 *l1)
{
    size_t n;

    pthread_mutex_lock(&l1->lock);
    n = l1->count;
    pthread_mutex_unlock(&l1->lock);
    return n;
}
