/*
 * cache: hiredis behind the small interface of cache.h. Every command goes
 * through command(), which connects on demand and drops the connection on
 * any I/O error so the next call starts clean.
 */
#include "cache.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

/* After a failed connect, requests skip Redis for this long instead of
 * paying a connect attempt each. */
#define CACHE_RETRY_MS 500
#define CACHE_KEY_MAX 256

struct cache {
    redisContext *ctx;
    char *host;
    char *socket;
    int port;
    struct timeval timeout;
    long long retry_at_ms;
    char lock_token[48];
};

struct cache *cache_open(const struct cache_options *opt)
{
    struct cache *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->host = strdup(opt->host ? opt->host : "");
    c->socket = strdup(opt->socket ? opt->socket : "");
    if (c->host == NULL || c->socket == NULL) {
        cache_close(c);
        return NULL;
    }
    c->port = opt->port;
    c->timeout.tv_sec = opt->timeout_ms / 1000;
    c->timeout.tv_usec = (opt->timeout_ms % 1000) * 1000;
    /* Unique per process and handle: only the holder may release a lock. */
    snprintf(c->lock_token, sizeof(c->lock_token), "%ld-%lld", (long)getpid(),
             clock_now_ms());
    return c;
}

static void disconnect(struct cache *c, const char *why)
{
    if (c->ctx != NULL) {
        log_msg(LOG_WARN, "cache", "redis connection dropped: %s", why);
        redisFree(c->ctx);
        c->ctx = NULL;
    }
    metrics_count(METRIC_REDIS_ERRORS);
}

void cache_close(struct cache *c)
{
    if (c == NULL)
        return;
    if (c->ctx != NULL)
        redisFree(c->ctx);
    free(c->host);
    free(c->socket);
    free(c);
}

static bool connect_if_needed(struct cache *c)
{
    if (c->ctx != NULL)
        return true;
    if (clock_mono_ms() < c->retry_at_ms)
        return false;
    if (c->socket[0] != '\0')
        c->ctx = redisConnectUnixWithTimeout(c->socket, c->timeout);
    else
        c->ctx = redisConnectWithTimeout(c->host, c->port, c->timeout);
    if (c->ctx == NULL || c->ctx->err != 0 ||
        redisSetTimeout(c->ctx, c->timeout) != REDIS_OK) {
        log_msg(LOG_WARN, "cache", "redis connect failed: %s",
                c->ctx ? c->ctx->errstr : "out of memory");
        if (c->ctx != NULL)
            redisFree(c->ctx);
        c->ctx = NULL;
        c->retry_at_ms = clock_mono_ms() + CACHE_RETRY_MS;
        metrics_count(METRIC_REDIS_ERRORS);
        return false;
    }
    return true;
}

/* Runs one command; NULL when Redis is down or answered with an error. */
static redisReply *command(struct cache *c, const char *fmt, ...)
{
    redisReply *reply;
    va_list ap;

    if (!connect_if_needed(c))
        return NULL;
    va_start(ap, fmt);
    reply = redisvCommand(c->ctx, fmt, ap);
    va_end(ap);
    if (reply == NULL) {
        disconnect(c, c->ctx->errstr);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        log_msg(LOG_WARN, "cache", "redis error: %s", reply->str);
        metrics_count(METRIC_REDIS_ERRORS);
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

static bool parse_u64(const redisReply *r, uint64_t *out)
{
    char *end = NULL;

    if (r->type == REDIS_REPLY_INTEGER) {
        *out = (uint64_t)r->integer;
        return true;
    }
    if (r->type != REDIS_REPLY_STRING)
        return false;
    *out = strtoull(r->str, &end, 10);
    return end != r->str && *end == '\0';
}

int cache_generation(struct cache *c, const char *gen_key, uint64_t *gen)
{
    redisReply *r = command(c, "GET %s", gen_key);

    if (r == NULL)
        return -1;
    if (r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        /* Start from the clock in microseconds: after a Redis restart the
         * counter is far ahead of any generation a slow writer may still
         * hold, so its late store can never be read. */
        r = command(c, "SET %s %lld NX", gen_key, clock_now_ms() * 1000);
        if (r == NULL)
            return -1;
        freeReplyObject(r);
        r = command(c, "GET %s", gen_key);
        if (r == NULL)
            return -1;
    }
    if (!parse_u64(r, gen)) {
        freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    return 0;
}

int cache_bump_generation(struct cache *c, const char *gen_key)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        redisReply *r;

        /* Make sure a fresh counter also starts from the clock. */
        uint64_t unused;
        if (cache_generation(c, gen_key, &unused) != 0) {
            c->retry_at_ms = 0; /* a write may retry at once */
            continue;
        }
        r = command(c, "INCR %s", gen_key);
        if (r != NULL) {
            freeReplyObject(r);
            return 0;
        }
        c->retry_at_ms = 0;
    }
    return -1;
}

enum cache_result cache_get(struct cache *c, const char *key, char **body,
                            size_t *len)
{
    redisReply *r = command(c, "MGET %s %s:fresh", key, key);
    enum cache_result result = CACHE_MISS;

    if (r == NULL)
        return CACHE_DOWN;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        freeReplyObject(r);
        return CACHE_DOWN;
    }
    if (r->element[0]->type == REDIS_REPLY_STRING) {
        *body = malloc(r->element[0]->len + 1);
        if (*body == NULL) {
            freeReplyObject(r);
            return CACHE_DOWN;
        }
        memcpy(*body, r->element[0]->str, r->element[0]->len);
        (*body)[r->element[0]->len] = '\0';
        *len = r->element[0]->len;
        result = r->element[1]->type == REDIS_REPLY_STRING ? CACHE_HIT
                                                           : CACHE_STALE;
    }
    freeReplyObject(r);
    return result;
}

int cache_store(struct cache *c, const char *key, const char *body, size_t len,
                long long fresh_ms, long long keep_s)
{
    redisReply *r;
    int rc = 0;

    if (!connect_if_needed(c))
        return -1;
    /* Body first, then the marker: a reader never sees "fresh" without the
     * body it vouches for. Pipelined: one round trip. */
    if (redisAppendCommand(c->ctx, "SET %s %b EX %lld", key, body, len,
                           keep_s) != REDIS_OK ||
        redisAppendCommand(c->ctx, "SET %s:fresh 1 PX %lld", key,
                           fresh_ms) != REDIS_OK) {
        /* Half a pipeline may sit in the output buffer: start afresh. */
        disconnect(c, "could not queue the store");
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK || r == NULL) {
            disconnect(c, c->ctx->errstr);
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            log_msg(LOG_WARN, "cache", "redis refused a store: %s", r->str);
            metrics_count(METRIC_REDIS_ERRORS);
            rc = -1; /* e.g. OOM: keep reading so the replies stay paired */
        }
        freeReplyObject(r);
    }
    return rc;
}

enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  long long ttl_ms)
{
    redisReply *r = command(c, "SET %s:lock %s NX PX %lld", key,
                            c->lock_token, ttl_ms);
    enum cache_lock_result result;

    if (r == NULL)
        return CACHE_LOCK_DOWN;
    result = r->type == REDIS_REPLY_STATUS ? CACHE_LOCK_ACQUIRED
                                           : CACHE_LOCK_BUSY;
    freeReplyObject(r);
    return result;
}

void cache_unlock(struct cache *c, const char *key)
{
    /* Compare-and-delete in one step, so a lock that expired and was taken
     * by another responder is left alone. */
    static const char script[] =
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end";
    char lock_key[CACHE_KEY_MAX];
    redisReply *r;

    snprintf(lock_key, sizeof(lock_key), "%s:lock", key);
    r = command(c, "EVAL %s 1 %s %s", script, lock_key, c->lock_token);
    if (r != NULL)
        freeReplyObject(r);
}

int cache_lock_held(struct cache *c, const char *key)
{
    redisReply *r = command(c, "EXISTS %s:lock", key);
    int held;

    if (r == NULL)
        return -1;
    held = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
    freeReplyObject(r);
    return held;
}

int cache_ping(struct cache *c)
{
    redisReply *r;

    c->retry_at_ms = 0; /* readiness wants the truth, not the back-off */
    r = command(c, "PING");
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}
