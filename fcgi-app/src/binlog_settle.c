/*
 * binlog_settle: the delayed second invalidation and the position saves
 * (binlog_settle.h). A ring of pending changes, a thread that waits for the
 * oldest to be due, merges every due one, invalidates, then saves the
 * newest due position.
 */
#include "binlog_settle.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binlog_metrics.h"
#include "binlog_position.h"
#include "clock.h"
#include "invalidate.h"
#include "log.h"

#define SETTLE_QUEUE 256
#define SETTLE_RETRY_MAX_MS 1000

struct pending {
    long long due_ms; /* monotonic */
    struct binlog_change change;
    char state[BINLOG_POSITION_MAX];
};

struct binlog_settle {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    bool stop;
    struct pending ring[SETTLE_QUEUE];
    size_t head, count;
    struct binlog_change batch[SETTLE_QUEUE]; /* the due ones, unlocked */
    long long settle_ms;
    const char *state_path;
    struct cache *cache;
};

/* Invalidates c, retrying with back-off until Redis takes it or the thread
 * is stopped. Returns 0 when done, -1 when stopped first. */
static int invalidate_until_done(struct binlog_settle *s,
                                 const struct binlog_change *c,
                                 const char *state)
{
    long long wait_ms = 50;

    for (;;) {
        int rc = c->all != BINLOG_ALL_NONE
                     ? invalidate_all(s->cache, state)
                     : invalidate_ids(s->cache, c->ids, c->n, c->kinds, state,
                                      "");
        bool stop;

        if (rc == 0)
            return 0;
        binlog_metrics_count(BM_REDIS_RETRIES);
        clock_sleep_ms(wait_ms);
        wait_ms = wait_ms * 2 > SETTLE_RETRY_MAX_MS ? SETTLE_RETRY_MAX_MS
                                                     : wait_ms * 2;
        pthread_mutex_lock(&s->lock);
        stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            return -1;
    }
}

/* Waits (lock held) until the oldest pending change is due; false when
 * stopped. */
static bool wait_due(struct binlog_settle *s)
{
    for (;;) {
        long long now = clock_mono_ms(), due;
        struct timespec ts;

        if (s->stop)
            return false;
        if (s->count == 0) {
            pthread_cond_wait(&s->changed, &s->lock);
            continue;
        }
        due = s->ring[s->head].due_ms;
        if (due <= now)
            return true;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (due - now) / 1000;
        ts.tv_nsec += (long)((due - now) % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->changed, &s->lock, &ts);
    }
}

/* An API write's transaction, which the writer marked handled after the
 * arrival invalidation: no settling needed (its invalidation came after
 * its commit returned). Unknown (Redis away): not handled, settled. */
static bool handled_by_writer(struct binlog_settle *s,
                              const struct binlog_change *c)
{
    if (c->txn[0] == '\0' || c->all != BINLOG_ALL_NONE ||
        binlog_change_empty(c) || invalidate_handled(s->cache, c->txn) != 1)
        return false;
    binlog_metrics_count(BM_HANDLED_BY_WRITER);
    return true;
}

static void *settle_thread(void *arg)
{
    struct binlog_settle *s = arg;

    pthread_mutex_lock(&s->lock);
    while (wait_due(s)) {
        struct binlog_change merged;
        char state[BINLOG_POSITION_MAX];
        long long now = clock_mono_ms();

        size_t n = 0;

        binlog_change_init(&merged, SIZE_MAX);
        while (s->count > 0 && s->ring[s->head].due_ms <= now) {
            struct pending *p = &s->ring[s->head];

            binlog_change_move(&p->change, &s->batch[n++]);
            memcpy(state, p->state, sizeof(state));
            s->head = (s->head + 1) % SETTLE_QUEUE;
            s->count--;
        }
        pthread_cond_broadcast(&s->changed); /* room for the producer */
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < n; i++) {
            if (!handled_by_writer(s, &s->batch[i]))
                binlog_change_merge(&merged, &s->batch[i]);
            binlog_change_free(&s->batch[i]);
        }
        if (s->settle_ms > 0 && !binlog_change_empty(&merged)) {
            if (invalidate_until_done(s, &merged, state) != 0) {
                binlog_change_free(&merged);
                pthread_mutex_lock(&s->lock);
                break;
            }
            binlog_metrics_count(BM_SETTLE_INVALIDATIONS);
        }
        binlog_change_free(&merged);
        if (binlog_position_save(s->state_path, state) == 0)
            binlog_metrics_count(BM_POSITION_SAVES);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct binlog_settle *binlog_settle_open(const struct cache_options *opt,
                                         long long settle_ms,
                                         const char *state_path)
{
    struct binlog_settle *s = calloc(1, sizeof(*s));
    pthread_condattr_t attr;

    if (s == NULL)
        return NULL;
    s->settle_ms = settle_ms;
    s->state_path = state_path;
    s->cache = cache_open(opt);
    if (s->cache == NULL)
        goto fail_cache;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&s->thread, NULL, settle_thread, s) != 0)
        goto fail_thread;
    return s;
fail_thread:
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    cache_close(s->cache);
fail_cache:
    free(s);
    return NULL;
}

void binlog_settle_push(struct binlog_settle *s, struct binlog_change *change,
                        const char *state)
{
    struct pending *p;

    pthread_mutex_lock(&s->lock);
    while (s->count == SETTLE_QUEUE && !s->stop)
        pthread_cond_wait(&s->changed, &s->lock);
    if (s->stop) {
        pthread_mutex_unlock(&s->lock);
        binlog_change_free(change);
        return;
    }
    p = &s->ring[(s->head + s->count) % SETTLE_QUEUE];
    p->due_ms = clock_mono_ms() + s->settle_ms;
    binlog_change_move(change, &p->change);
    snprintf(p->state, sizeof(p->state), "%s", state);
    s->count++;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

void binlog_settle_close(struct binlog_settle *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    while (s->count > 0) {
        binlog_change_free(&s->ring[s->head].change);
        s->head = (s->head + 1) % SETTLE_QUEUE;
        s->count--;
    }
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
    cache_close(s->cache);
    free(s);
}
