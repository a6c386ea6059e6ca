/*
 * sentinel: connecting to Redis: AUTH, master discovery through Redis
 * Sentinel, the ROLE check, and the epoch check after a restart or a change
 * of master (see sentinel.h). Uses hiredis
 * directly, like cache.c and tracking.c, the two files it serves.
 */
#include "sentinel.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cache.h"
#include "entry.h"
#include "gtid.h"
#include "hostlist.h"
#include "log.h"
#include "master_lease.h"


/* Epoch check: KEYS[1] the generation, KEYS[2] the identity of the Redis
 * last seen, KEYS[3] the write position's lost mark (gtid.h); ARGV[1] this
 * Redis' identity. Returns 1 when it advanced the generation. */
static const char epoch_script[] =
    "if redis.call('GET', KEYS[2]) == ARGV[1] then return 0 end "
    ENTRY_GEN_REPAIR_LUA ENTRY_GEN_FLOOR_LUA GTID_LOSE_LUA
    "gen_floor(KEYS[1], redis.call('INCR', KEYS[1])) "
    "gtid_lose(KEYS[3]) "
    "redis.call('SET', KEYS[2], ARGV[1]) "
    "return 1";

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

bool sentinel_query_master(struct redisContext *ctx, const char *name,
                           struct host_port *master)
{
    redisReply *r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s",
                                 name);
    bool ok = false;

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
    return ok;
}

struct redisContext *sentinel_open(const struct host_port *sentinel,
                                   long long timeout_ms, char *why,
                                   size_t whylen)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000,
                         .tv_usec = (timeout_ms % 1000) * 1000};

    return open_tcp(sentinel->host, sentinel->port, tv, why, whylen);
}

/* Asks one Sentinel for the master's address. */
static bool ask_sentinel(const struct host_port *sentinel, const char *name,
                         long long timeout_ms, struct host_port *master)
{
    char why[128];
    redisContext *ctx = sentinel_open(sentinel, timeout_ms, why, sizeof(why));
    bool ok;

    if (ctx == NULL) {
        log_msg(LOG_WARN, "sentinel", "sentinel unreachable: %s", why);
        return false;
    }
    ok = sentinel_query_master(ctx, name, master);
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

/* Copies the value of field ("name:") of an INFO reply into out. */
static bool info_field(redisContext *ctx, const char *section,
                       const char *field, char *out, size_t outlen)
{
    redisReply *r = redisCommand(ctx, "INFO %s", section);
    const char *p, *end;
    bool ok = false;

    if (r != NULL && r->type == REDIS_REPLY_STRING &&
        (p = strstr(r->str, field)) != NULL) {
        p += strlen(field);
        end = strpbrk(p, "\r\n");
        if (end != NULL && (size_t)(end - p) < outlen && end > p) {
            memcpy(out, p, (size_t)(end - p));
            out[end - p] = '\0';
            ok = true;
        }
    }
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* Who this Redis is: its run_id, new on every start (so a restart that
 * reloads an old snapshot is noticed), and its master_replid, new on every
 * promotion (a failover, also back to a master this process was before). */
static bool identity(redisContext *ctx, char *id, size_t idlen)
{
    char run_id[64], replid[64];

    if (!info_field(ctx, "server", "run_id:", run_id, sizeof(run_id)) ||
        !info_field(ctx, "replication", "master_replid:", replid,
                    sizeof(replid)))
        return false;
    return snprintf(id, idlen, "%s/%s", run_id, replid) < (int)idlen;
}

static bool check_epoch(redisContext *ctx, const char *gen_key)
{
    char id[160];
    redisReply *r;
    bool ok;

    if (!identity(ctx, id, sizeof(id)))
        return false;
    r = redisCommand(ctx, "EVAL %s 3 %s %s:master %s:gtid:lost %s",
                     epoch_script, gen_key, gen_key, gen_key, id);
    ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
    if (ok && r->integer == 1)
        log_msg(LOG_WARN, "sentinel",
                "new or restarted Redis (%s): generation advanced", id);
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* The master of the lease (master_lease.h) when it runs, else the first
 * Sentinel's answer (the Sentinels asked in order). */
static redisContext *connect_via_sentinels(const struct cache_options *opt,
                                           const char *gen_key, char *why,
                                           size_t whylen)
{
    struct timeval tv = timeout_of(opt);
    const char *list = opt->sentinels;
    struct host_port sentinel, master;
    uint64_t seq;
    int rc;
    redisContext *ctx;

    if (master_lease_on()) {
        if (!master_lease_master(&master, &seq)) {
            snprintf(why, whylen, "no Sentinel answered within %d ms: no "
                     "master until one does", MASTER_LEASE_MS);
            return NULL;
        }
    } else {
        /* config.c has checked the list; a malformed entry is skipped. */
        while ((rc = hostlist_next(&list, &sentinel)) != 0)
            if (rc > 0 && ask_sentinel(&sentinel, opt->master_name,
                                       opt->timeout_ms, &master))
                break;
        if (rc == 0) {
            snprintf(why, whylen, "no sentinel of %s knows master '%s'",
                     opt->sentinels, opt->master_name);
            return NULL;
        }
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
    if (gen_key != NULL && !check_epoch(ctx, gen_key)) {
        snprintf(why, whylen, "the epoch check failed");
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}
