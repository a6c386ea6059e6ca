/*
 * sentinel: connecting to Redis: AUTH, master discovery through Redis
 * Sentinel, the ROLE check, and the epoch check after a change of master
 * (see sentinel.h). Uses hiredis
 * directly, like cache.c and tracking.c, the two files it serves.
 */
#include "sentinel.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cache.h"
#include "clock.h"
#include "entry.h"
#include "hostlist.h"
#include "log.h"


/* Epoch check: KEYS[1] the generation, KEYS[2] the master's recorded
 * replication ID, KEYS[3] the recorded write position; ARGV[1] this
 * master's replication ID, ARGV[2] the floor. Returns 1 when it advanced the
 * generation. */
static const char epoch_script[] =
    "if redis.call('GET', KEYS[2]) == ARGV[1] then return 0 end "
    ENTRY_GEN_REPAIR_LUA
    "local g = redis.call('INCR', KEYS[1]) "
    "if g < tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[2]) end "
    "redis.call('DEL', KEYS[3]) "
    "redis.call('SET', KEYS[2], ARGV[1]) "
    "return 1";

long long sentinel_generation_floor(void)
{
    return clock_now_ms() * 1000;
}

static struct timeval timeout_of(const struct cache_options *opt)
{
    struct timeval tv = {.tv_sec = opt->timeout_ms / 1000,
                         .tv_usec = (opt->timeout_ms % 1000) * 1000};
    return tv;
}

static redisContext *open_tcp(const char *host, int port, struct timeval tv,
                              char *why, size_t whylen)
{
    redisContext *ctx = redisConnectWithTimeout(host, port, tv);

    if (ctx == NULL || ctx->err != 0 || redisSetTimeout(ctx, tv) != REDIS_OK ||
        redisEnableKeepAlive(ctx) != REDIS_OK) {
        snprintf(why, whylen, "%s:%d: %s", host, port,
                 ctx ? ctx->errstr : "out of memory");
        if (ctx != NULL)
            redisFree(ctx);
        return NULL;
    }
    return ctx;
}

/* Logs a fresh connection in when password is set: "AUTH user password"
 * for an ACL user (hiredis 0.14 has no helper for it), "AUTH password" for
 * the default user. false (logged, without the password) when refused. */
static bool authenticate(redisContext *ctx, const char *user,
                         const char *password)
{
    redisReply *r;
    bool ok;

    if (password == NULL || password[0] == '\0')
        return true;
    if (user != NULL && user[0] != '\0')
        r = redisCommand(ctx, "AUTH %s %s", user, password);
    else
        r = redisCommand(ctx, "AUTH %s", password);
    if (r == NULL)
        return false;
    ok = r->type == REDIS_REPLY_STATUS;
    if (!ok)
        log_msg(LOG_WARN, "sentinel", "redis refused AUTH as '%s': %s",
                user != NULL && user[0] != '\0' ? user : "default",
                r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
    freeReplyObject(r);
    return ok;
}

/* Asks one Sentinel for the master's address. */
static bool ask_sentinel(const struct host_port *sentinel, const char *name,
                         struct timeval tv, struct host_port *master)
{
    char why[128];
    redisContext *ctx;
    redisReply *r;
    bool ok = false;

    ctx = open_tcp(sentinel->host, sentinel->port, tv, why, sizeof(why));
    if (ctx == NULL) {
        log_msg(LOG_WARN, "sentinel", "sentinel unreachable: %s", why);
        return false;
    }
    r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", name);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[1]->type == REDIS_REPLY_STRING &&
        r->element[0]->len < sizeof(master->host)) {
        memcpy(master->host, r->element[0]->str, r->element[0]->len + 1);
        master->port = hostlist_port(r->element[1]->str, r->element[1]->len);
        ok = master->port > 0;
    }
    if (r != NULL)
        freeReplyObject(r);
    redisFree(ctx);
    return ok;
}

/* true when ROLE says master. */
static bool is_master(redisContext *ctx)
{
    redisReply *r = redisCommand(ctx, "ROLE");
    bool ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
              r->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(r->element[0]->str, "master") == 0;

    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* The master's replication ID (INFO replication's master_replid), which a
 * promotion changes. */
static bool replication_id(redisContext *ctx, char *id, size_t idlen)
{
    redisReply *r = redisCommand(ctx, "INFO replication");
    const char *p, *end;
    bool ok = false;

    if (r != NULL && r->type == REDIS_REPLY_STRING &&
        (p = strstr(r->str, "master_replid:")) != NULL) {
        p += strlen("master_replid:");
        end = strpbrk(p, "\r\n");
        if (end != NULL && (size_t)(end - p) < idlen && end > p) {
            memcpy(id, p, (size_t)(end - p));
            id[end - p] = '\0';
            ok = true;
        }
    }
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

static bool check_epoch(redisContext *ctx, const char *gen_key)
{
    char id[64];
    redisReply *r;
    bool ok;

    if (!replication_id(ctx, id, sizeof(id)))
        return false;
    r = redisCommand(ctx, "EVAL %s 3 %s %s:master %s:gtid %s %lld",
                     epoch_script, gen_key, gen_key, gen_key, id,
                     sentinel_generation_floor());
    ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
    if (ok && r->integer == 1)
        log_msg(LOG_WARN, "sentinel",
                "new Redis master (replication id %s): generation advanced",
                id);
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* Asks the Sentinels in order; the first that knows the master wins. */
static redisContext *connect_via_sentinels(const struct cache_options *opt,
                                           const char *gen_key, char *why,
                                           size_t whylen)
{
    struct timeval tv = timeout_of(opt);
    const char *list = opt->sentinels;
    struct host_port sentinel, master;
    int rc;
    redisContext *ctx;

    /* config.c has checked the list; a malformed entry is skipped. */
    while ((rc = hostlist_next(&list, &sentinel)) != 0)
        if (rc > 0 && ask_sentinel(&sentinel, opt->master_name, tv, &master))
            break;
    if (rc == 0) {
        snprintf(why, whylen, "no sentinel of %s knows master '%s'",
                 opt->sentinels, opt->master_name);
        return NULL;
    }
    const char *host = master.host;
    int port = master.port;

    ctx = open_tcp(host, port, tv, why, whylen);
    if (ctx == NULL)
        return NULL;
    if (!authenticate(ctx, opt->user, opt->password)) {
        snprintf(why, whylen, "%s:%d refused AUTH", host, port);
        redisFree(ctx);
        return NULL;
    }
    if (!is_master(ctx)) {
        snprintf(why, whylen, "%s:%d is not (or no longer) a master", host,
                 port);
        redisFree(ctx);
        return NULL;
    }
    if (gen_key != NULL && !check_epoch(ctx, gen_key)) {
        snprintf(why, whylen, "%s:%d: the epoch check failed", host, port);
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

struct redisContext *sentinel_connect(const struct cache_options *opt,
                                      const char *gen_key, char *why,
                                      size_t whylen)
{
    struct timeval tv = timeout_of(opt);
    redisContext *ctx;

    if (opt->sentinels != NULL && opt->sentinels[0] != '\0')
        return connect_via_sentinels(opt, gen_key, why, whylen);
    if (opt->socket != NULL && opt->socket[0] != '\0') {
        ctx = redisConnectUnixWithTimeout(opt->socket, tv);
        if (ctx == NULL || ctx->err != 0 ||
            redisSetTimeout(ctx, tv) != REDIS_OK) {
            snprintf(why, whylen, "%s", ctx ? ctx->errstr : "out of memory");
            if (ctx != NULL)
                redisFree(ctx);
            return NULL;
        }
    } else {
        ctx = open_tcp(opt->host, opt->port, tv, why, whylen);
        if (ctx == NULL)
            return NULL;
    }
    if (!authenticate(ctx, opt->user, opt->password)) {
        snprintf(why, whylen, "redis refused AUTH");
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}
