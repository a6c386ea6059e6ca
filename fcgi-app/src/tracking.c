/*
 * tracking: the invalidation connection. Set up with blocking commands and
 * timeouts (CLIENT ID, CLIENT TRACKING, SUBSCRIBE, each answered before the
 * next), then read only with non-blocking recv() fed to hiredis' reply
 * parser, so a request never waits on it. A PING every TRACKING_PING_MS
 * (allowed in subscribed mode; the answer is a "pong" message behind any
 * invalidation sent before it) proves the connection still delivers; an
 * answer later than TRACKING_PONG_MS counts as a lost connection.
 */
#include "tracking.h"

#include <errno.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "l1_lease.h"
#include "log.h"
#include "master_lease.h"
#include "sentinel.h"

#define TRACKING_RETRY_MS 1000
/* A ping every TRACKING_PING_MS renews the L1 lease (l1_lease.h): the L1
 * is used only while the last answered ping was sent less than
 * L1_LEASE_MS ago. */
#define TRACKING_PING_MS 250
#define TRACKING_PONG_MS L1_LEASE_MS
#define TRACKING_CHANNEL "__redis__:invalidate"

struct tracking {
    pthread_mutex_t lock;
    atomic_bool connecting; /* a thread is (re)connecting, under lock */
    /* The lock-free check (see tracking_sync): the socket while the
     * connection is up and proven (-1 otherwise), and until when no
     * liveness ping is due or overdue. Written under lock. */
    atomic_int fast_fd;
    _Atomic long long fast_until_ms;
    redisContext *ctx; /* NULL while down */
    /* Sentinel mode: the number of the master ctx is to (master_lease.h),
     * readable without the lock. */
    _Atomic uint64_t master_seq;
    struct cache_options opt; /* its strings are the caller's (tracking.h) */
    char *prefix;
    struct l1 *l1;
    long long retry_at_ms;
    long long ping_sent_ms; /* 0: no ping waiting for its pong */
    long long pong_due_ms;
    long long last_ping_ms;
    /* When the last answered ping (or the subscription) was sent: the L1
     * lease runs until L1_LEASE_MS after it. */
    long long proven_ms;
    char *sync_channel; /* "<prefix>l1:sync" */
    /* Sync numbers applied since tracking_take_syncs last took them (the
     * oldest dropped past CACHE_L1_ACK_MAX: their writers wait out the
     * lease instead). Under lock. */
    long long syncs[CACHE_L1_ACK_MAX];
    size_t sync_count;
};

struct tracking *tracking_open(const struct cache_options *opt,
                               const char *prefix, struct l1 *l1)
{
    struct tracking *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return NULL;
    }
    t->opt = *opt;
    t->prefix = strdup(prefix);
    if (t->prefix != NULL &&
        (t->sync_channel = malloc(strlen(prefix) + sizeof("l1:sync"))) != NULL)
        sprintf(t->sync_channel, "%sl1:sync", prefix);
    if (t->prefix == NULL || t->sync_channel == NULL) {
        tracking_close(t);
        return NULL;
    }
    t->l1 = l1;
    atomic_init(&t->fast_fd, -1);
    atomic_init(&t->fast_until_ms, 0);
    return t;
}

/* Drops the connection and everything the L1 learned while it was up. */
static void go_down(struct tracking *t, const char *why, long long retry_ms)
{
    atomic_store(&t->fast_fd, -1);
    if (t->ctx != NULL) {
        log_msg(LOG_WARN, "tracking", "invalidation connection lost: %s; L1 "
                "off until it is back", why);
        redisFree(t->ctx);
        t->ctx = NULL;
    }
    l1_invalidate_all(t->l1);
    t->ping_sent_ms = 0;
    t->retry_at_ms = clock_mono_ms() + retry_ms;
}

void tracking_close(struct tracking *t)
{
    if (t == NULL)
        return;
    if (t->ctx != NULL)
        redisFree(t->ctx);
    pthread_mutex_destroy(&t->lock);
    free(t->prefix);
    free(t->sync_channel);
    free(t);
}

/* One blocking command during set-up; true when the reply has the
 * expected type. */
static bool setup_command(redisContext *ctx, int type, long long *integer,
                          const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    bool ok;

    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    if (r == NULL)
        return false;
    ok = r->type == type;
    if (ok && integer != NULL)
        *integer = r->integer;
    /* SUBSCRIBE's confirmation: ["subscribe", channel, 1]. */
    if (ok && type == REDIS_REPLY_ARRAY)
        ok = r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
             strcmp(r->element[0]->str, "subscribe") == 0;
    if (!ok && r->type == REDIS_REPLY_ERROR)
        log_msg(LOG_WARN, "tracking", "redis refused the set-up: %s", r->str);
    freeReplyObject(r);
    return ok;
}

static void connect_and_subscribe(struct tracking *t)
{
    redisContext *ctx;
    long long id = 0;
    char why[256];

    /* The master (through the Sentinels when set): a replica would not
     * report the writes' invalidations in time. The lease's number is read
     * before: a switch meanwhile drops the connection at the next sync. */
    atomic_store(&t->master_seq, master_lease_current());
    ctx = sentinel_connect(&t->opt, NULL, why, sizeof(why));
    if (ctx == NULL)
        log_msg(LOG_WARN, "tracking", "redis connect failed: %s", why);
    if (ctx == NULL ||
        !setup_command(ctx, REDIS_REPLY_INTEGER, &id, "CLIENT ID") ||
        !setup_command(ctx, REDIS_REPLY_STATUS, NULL,
                       "CLIENT TRACKING on REDIRECT %lld BCAST PREFIX %sgen "
                       "PREFIX %sitem: PREFIX %slist:",
                       id, t->prefix, t->prefix, t->prefix) ||
        !setup_command(ctx, REDIS_REPLY_ARRAY, NULL, "SUBSCRIBE %s",
                       TRACKING_CHANNEL) ||
        !setup_command(ctx, REDIS_REPLY_ARRAY, NULL, "SUBSCRIBE %s",
                       t->sync_channel)) {
        if (ctx != NULL)
            redisFree(ctx);
        t->retry_at_ms = clock_mono_ms() + TRACKING_RETRY_MS;
        return;
    }
    /* Whatever changed while we were away was not reported: start empty.
     * Entries stored from now on are invalidated by this connection. */
    l1_invalidate_all(t->l1);
    t->ctx = ctx;
    t->ping_sent_ms = 0;
    t->last_ping_ms = clock_mono_ms();
    t->proven_ms = t->last_ping_ms;
    log_msg(LOG_INFO, "tracking", "invalidation connection up (client %lld)",
            id);
}

/* One invalidation message's keys (an array, or NULL/nil for FLUSHALL). A
 * change of the generation (a write that invalidates everything, the key
 * expiring, evicted, deleted), no keys named, or anything unexpected:
 * every copy goes. An entry key ("<key>" or "<key>:fresh", written by a
 * store, deleted by a scoped write, expired, evicted): that copy goes. A
 * rebuild lock changes no answer. */
static void invalidate_keys(struct tracking *t, const redisReply *keys)
{
    size_t gen_len = strlen(t->prefix) + 3;

    if (keys == NULL || keys->type != REDIS_REPLY_ARRAY) {
        l1_invalidate_all(t->l1);
        return;
    }
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        char key[CACHE_KEY_MAX];
        size_t len;

        if (k->type != REDIS_REPLY_STRING || k->len >= sizeof(key) ||
            (k->len >= gen_len && strncmp(k->str, t->prefix, gen_len - 3) == 0 &&
             strncmp(k->str + gen_len - 3, "gen", 3) == 0)) {
            l1_invalidate_all(t->l1);
            return;
        }
        if (strstr(k->str, ":lock:") != NULL)
            continue;
        len = k->len;
        if (len > 6 && strcmp(k->str + len - 6, ":fresh") == 0)
            len -= 6;
        memcpy(key, k->str, len);
        key[len] = '\0';
        l1_invalidate_key(t->l1, key);
    }
}

/* Applies one message. false when it is not one we expect. */
static bool apply(struct tracking *t, const redisReply *r)
{
    const char *kind;

    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return false;
    kind = r->element[0]->str;
    if (strcmp(kind, "message") == 0 && r->elements == 3 &&
        r->element[1]->type == REDIS_REPLY_STRING &&
        strcmp(r->element[1]->str, t->sync_channel) == 0) {
        /* A writer's sync number: every invalidation before it is applied
         * (messages are applied in order). */
        if (r->element[2]->type != REDIS_REPLY_STRING)
            return false;
        if (t->sync_count == CACHE_L1_ACK_MAX) {
            memmove(t->syncs, t->syncs + 1,
                    sizeof(t->syncs) - sizeof(t->syncs[0]));
            t->sync_count--;
        }
        t->syncs[t->sync_count++] = atoll(r->element[2]->str);
        return true;
    }
    if (strcmp(kind, "message") == 0) {
        invalidate_keys(t, r->elements == 3 ? r->element[2] : NULL);
        return true;
    }
    if (strcmp(kind, "pong") == 0) {
        t->proven_ms = t->ping_sent_ms;
        t->ping_sent_ms = 0;
        return true;
    }
    return false;
}

/* Applies every complete message hiredis' parser holds (the set-up's
 * blocking reads may have buffered some). false on a bad one. */
static bool apply_parsed(struct tracking *t)
{
    void *reply = NULL;

    while (redisReaderGetReply(t->ctx->reader, &reply) == REDIS_OK &&
           reply != NULL) {
        bool ok = apply(t, reply);

        freeReplyObject(reply);
        if (!ok)
            return false;
        reply = NULL;
    }
    return t->ctx->reader->err == 0;
}

/* Reads what is there without waiting. false when the connection is gone
 * or said something unexpected. */
static bool drain(struct tracking *t)
{
    char buf[4096];

    for (;;) {
        ssize_t n;

        if (!apply_parsed(t))
            return false;
        n = recv(t->ctx->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        if (redisReaderFeed(t->ctx->reader, buf, (size_t)n) != REDIS_OK)
            return false;
    }
}

/* Sends a PING when one is due; false when it cannot be sent. */
static bool ping_if_due(struct tracking *t, long long now)
{
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";

    if (t->ping_sent_ms != 0 || now - t->last_ping_ms < TRACKING_PING_MS)
        return true;
    if (send(t->ctx->fd, ping, sizeof(ping) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) !=
        (ssize_t)(sizeof(ping) - 1))
        return false;
    t->ping_sent_ms = now;
    t->last_ping_ms = now;
    return true;
}

/* Lock-free: true when the connection was proven, its socket is neither
 * readable nor closed (poll with no wait: an end-of-file counts as
 * readable), and no other thread sits between reading bytes and applying
 * them (it would hold the lock). Then every invalidation that reached this
 * process has been applied: no drain needed. One poll, no lock waited for;
 * anything else takes the locked path. */
static bool nothing_pending(struct tracking *t)
{
    struct pollfd pfd = {.fd = atomic_load(&t->fast_fd), .events = POLLIN};
    int fd = pfd.fd;
    bool same;

    if (fd < 0 || clock_mono_ms() >= atomic_load(&t->fast_until_ms) ||
        (master_lease_on() &&
         atomic_load(&t->master_seq) != master_lease_current()) ||
        poll(&pfd, 1, 0) != 0 || pthread_mutex_trylock(&t->lock) != 0)
        return false;
    /* Under the lock: still the connection whose socket was asked. */
    same = t->ctx != NULL && t->ctx->fd == fd;
    pthread_mutex_unlock(&t->lock);
    return same;
}

bool tracking_sync(struct tracking *t)
{
    long long now;
    bool usable = false;

    if (nothing_pending(t))
        return true;
    /* The lock is held for a drain (one non-blocking recv) or for a
     * reconnect (up to the Redis timeout). Wait out a drain; do not wait
     * out a reconnect: take the strict path meanwhile. */
    if (pthread_mutex_trylock(&t->lock) != 0) {
        if (atomic_load(&t->connecting))
            return false;
        pthread_mutex_lock(&t->lock);
    }
    now = clock_mono_ms();
    if (t->ctx == NULL && now >= t->retry_at_ms) {
        atomic_store(&t->connecting, true);
        connect_and_subscribe(t);
        atomic_store(&t->connecting, false);
    }
    if (t->ctx != NULL) {
        if (master_lease_on() &&
            atomic_load(&t->master_seq) != master_lease_current())
            go_down(t, "the Sentinels name another master, or none within "
                       "the lease", 0);
        else if (!drain(t))
            go_down(t, "closed or unexpected data", 0);
        else if (t->ping_sent_ms != 0 && now - t->ping_sent_ms > TRACKING_PONG_MS)
            go_down(t, "no answer to a liveness ping", 0);
        else if (!ping_if_due(t, now))
            go_down(t, "cannot send a liveness ping", 0);
        else
            usable = now < t->proven_ms + L1_LEASE_MS;
    }
    if (usable) {
        /* The fast path stops at the lease's end, or when a ping is due. */
        long long until = t->proven_ms + L1_LEASE_MS;
        long long ping_due = t->ping_sent_ms != 0
                                 ? t->ping_sent_ms + TRACKING_PONG_MS
                                 : t->last_ping_ms + TRACKING_PING_MS;

        atomic_store(&t->fast_until_ms, ping_due < until ? ping_due : until);
        atomic_store(&t->fast_fd, t->ctx->fd);
    }
    pthread_mutex_unlock(&t->lock);
    return usable;
}

bool tracking_up(struct tracking *t)
{
    bool up;

    pthread_mutex_lock(&t->lock);
    up = t->ctx != NULL;
    pthread_mutex_unlock(&t->lock);
    return up;
}

size_t tracking_take_syncs(struct tracking *t, long long *out)
{
    size_t n;

    pthread_mutex_lock(&t->lock);
    n = t->sync_count;
    memcpy(out, t->syncs, n * sizeof(t->syncs[0]));
    t->sync_count = 0;
    pthread_mutex_unlock(&t->lock);
    return n;
}

void tracking_wait(struct tracking *t, long long timeout_ms)
{
    struct pollfd pfd = {.fd = atomic_load(&t->fast_fd), .events = POLLIN};

    if (pfd.fd < 0 || poll(&pfd, 1, (int)timeout_ms) < 0)
        clock_sleep_ms(timeout_ms);
}
