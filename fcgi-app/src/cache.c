/*
 * cache: hiredis behind the small interface of cache.h. Every command goes
 * through command() or pipeline(), which connect on demand and drop the
 * connection on any I/O error so the next call starts clean.
 */
#include "cache.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "entry.h"
#include "gtid.h"
#include "log.h"
#include "master_lease.h"
#include "metrics.h"
#include "sentinel.h"

#define CACHE_STR_(x) #x
#define CACHE_STR(x) CACHE_STR_(x)

/* After a failed connect, requests skip Redis for this long instead of
 * paying a connect attempt each. */
#define CACHE_RETRY_MS 500

struct cache {
    redisContext *ctx;
    struct cache_options opt; /* its strings are the caller's (cache.h) */
    long long retry_at_ms;
    uint64_t master_seq; /* Sentinel mode: the lease ctx's master is of */
    char lock_token[48];
};

static atomic_ulong handles_opened;

struct cache *cache_open(const struct cache_options *opt)
{
    struct cache *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->opt = *opt;
    /* Unique per process and handle (each thread of a responder opens its
     * own, in the same millisecond): only the holder may release a lock. */
    snprintf(c->lock_token, sizeof(c->lock_token), "%ld-%lld-%lu",
             (long)getpid(), clock_now_ms(),
             atomic_fetch_add(&handles_opened, 1));
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
    free(c);
}

static bool sentinel_mode(const struct cache *c)
{
    return c->opt.sentinels != NULL && c->opt.sentinels[0] != '\0';
}

/* Sentinel mode: a connection is used only while the lease on its master
 * holds (master_lease.h). true when there is none to use: the Sentinels
 * name another master (dropped) or none answered within the lease. */
static bool fenced(struct cache *c)
{
    uint64_t seq;

    if (!master_lease_on())
        return false;
    seq = master_lease_current();
    if (c->ctx != NULL && c->master_seq != seq)
        disconnect(c, seq != 0 ? "the Sentinels name another master"
                               : "no Sentinel answered within the lease");
    return seq == 0;
}

static bool connect_if_needed(struct cache *c)
{
    char why[256];

    if (fenced(c))
        return false;
    if (c->ctx != NULL)
        return true;
    if (clock_mono_ms() < c->retry_at_ms)
        return false;
    /* Read before connecting: should the master change meanwhile, the
     * connection is dropped before its first use (fenced()). */
    c->master_seq = master_lease_current();
    /* Without Sentinels: the configured address. With them: the current
     * master, checked. Either way after the epoch check (sentinel.h): a
     * restarted or replaced Redis advances the generation. */
    c->ctx = sentinel_connect(&c->opt, c->opt.gen_key, why, sizeof(why));
    if (c->ctx == NULL) {
        log_msg(LOG_WARN, "cache", "redis connect failed: %s", why);
        c->retry_at_ms = clock_mono_ms() + CACHE_RETRY_MS;
        metrics_count(METRIC_REDIS_ERRORS);
        return false;
    }
    return true;
}

/* Runs one command, already in the protocol's form; NULL when Redis is
 * down or answered with an error. A connection that fails although it
 * worked before is retried once on a fresh one: it died while idle (a Redis
 * restart, a proxy's timeout), which says nothing about Redis now. Every
 * command sent here may safely run twice (reads, SET NX, compare-and-set
 * scripts, an invalidation: a second one only invalidates again). */
static redisReply *run_formatted(struct cache *c, const char *cmd, size_t len)
{
    redisReply *reply = NULL;
    bool reused = c->ctx != NULL;

    for (int attempt = 0; attempt < 2 && reply == NULL; attempt++) {
        if (!connect_if_needed(c))
            return NULL;
        long long started = metrics_clock();

        if (redisAppendFormattedCommand(c->ctx, cmd, len) != REDIS_OK ||
            redisGetReply(c->ctx, (void **)&reply) != REDIS_OK)
            reply = NULL;
        metrics_observe(MTIMER_REDIS, started);
        if (reply == NULL) {
            disconnect(c, c->ctx->errstr);
            if (!reused)
                return NULL;
            reused = false;
        }
    }
    if (reply == NULL)
        return NULL;
    if (reply->type == REDIS_REPLY_ERROR) {
        log_msg(LOG_WARN, "cache", "redis error: %s", reply->str);
        /* A demoted master, or one that lost its replicas (should an
         * operator set min-replicas-to-write: it may have been replaced):
         * ask for the master again on the next call. */
        if (strncmp(reply->str, "READONLY", 8) == 0 ||
            strncmp(reply->str, "NOREPLICAS", 10) == 0)
            disconnect(c, reply->str);
        metrics_count(METRIC_REDIS_ERRORS);
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* run_formatted() of a printf-like command (hiredis' format). */
static redisReply *command(struct cache *c, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    int len;
    redisReply *reply;

    va_start(ap, fmt);
    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    reply = run_formatted(c, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return reply;
}

/* run_formatted() of a command given as argc strings. */
static redisReply *command_argv(struct cache *c, int argc, const char **argv,
                                const size_t *lens)
{
    char *cmd = NULL;
    long long len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    redisReply *reply;

    if (len < 0)
        return NULL;
    reply = run_formatted(c, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return reply;
}

/* Reads the n replies of commands already appended into replies[]. 0 with
 * every reply set (error replies included, as they are), or -1 on an I/O
 * error: the connection is dropped and replies read so far are freed. */
static int pipeline(struct cache *c, redisReply **replies, int n)
{
    long long started = metrics_clock();

    for (int i = 0; i < n; i++) {
        replies[i] = NULL;
        if (redisGetReply(c->ctx, (void **)&replies[i]) != REDIS_OK ||
            replies[i] == NULL) {
            disconnect(c, c->ctx->errstr);
            for (int j = 0; j < i; j++)
                freeReplyObject(replies[j]);
            metrics_observe(MTIMER_REDIS, started);
            return -1;
        }
    }
    metrics_observe(MTIMER_REDIS, started);
    return 0;
}

static void free_replies(redisReply **replies, int n)
{
    for (int i = 0; i < n; i++)
        if (replies[i] != NULL)
            freeReplyObject(replies[i]);
}

static bool reply_u64(const redisReply *r, uint64_t *out)
{
    if (r->type == REDIS_REPLY_INTEGER) {
        *out = (uint64_t)r->integer;
        return r->integer >= 0;
    }
    return r->type == REDIS_REPLY_STRING &&
           entry_parse_gen(r->str, r->len, out);
}


/* Creates a missing generation counter, or replaces one that is not a
 * counter (see ENTRY_GEN_REPAIR_LUA): from the clock in microseconds, so after a
 * Redis restart, too, it is far ahead of any generation a slow writer may
 * still hold, and its late store can never be read. */
static int repair_generation(struct cache *c, const char *gen_key)
{
    redisReply *r = command(c, "EVAL %s 1 %s", ENTRY_GEN_REPAIR_LUA "return 1",
                            gen_key);

    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* Splits a stored value "<gen>[:<upto>]\n<body>" into its tag, its bound
 * and a malloc'd copy of the body. false when the value has no valid tag. */
static bool unpack(const redisReply *v, uint64_t *tag, uint64_t *upto,
                   char **body, size_t *len)
{
    const char *rest;
    size_t rest_len;

    if (v->type != REDIS_REPLY_STRING ||
        !entry_split(v->str, v->len, tag, upto, &rest, &rest_len))
        return false;
    if (body == NULL)
        return true;
    *len = rest_len;
    *body = malloc(*len + 1);
    if (*body == NULL)
        return false;
    memcpy(*body, rest, *len);
    (*body)[*len] = '\0';
    return true;
}

/* The fresh marker vouches for the body when it names the same
 * generation. */
static bool marker_matches(const redisReply *m, uint64_t tag)
{
    uint64_t marked;

    return m->type == REDIS_REPLY_STRING &&
           entry_parse_gen(m->str, m->len, &marked) && marked == tag;
}

/* The marker a scoped write leaves where it deleted an entry (see
 * INVALIDATE_SCRIPT): a MISS there is the refresh of a hot key, not one of a
 * flood of new keys. */
#define REFRESH_MARKER "refresh"

static bool marker_is_refresh(const redisReply *m)
{
    return m->type == REDIS_REPLY_STRING &&
           m->len == sizeof(REFRESH_MARKER) - 1 &&
           memcmp(m->str, REFRESH_MARKER, m->len) == 0;
}

/* Whether stored value v answers e's reader: built under e->gen (or, with
 * later_ok, a later generation), and, when bounded, for readers whose
 * sequence is below the bound while e->seq is. Sets *tag and e->upto. A
 * value of the generation turned away by its bound was outdated by a
 * write: e->refresh. */
static bool answers(const redisReply *v, struct cache_entry *e, bool later_ok,
                    uint64_t *tag)
{
    uint64_t upto;

    if (!unpack(v, tag, &upto, NULL, NULL) || *tag < e->gen ||
        (*tag > e->gen && !later_ok))
        return false;
    if (upto != 0 && e->seq >= upto) {
        e->refresh = true;
        return false;
    }
    e->upto = upto;
    return true;
}

/* "<prefix><name>" into out; false when it does not fit. */
static bool prefixed(char *out, size_t outlen, const char *prefix,
                     const char *name)
{
    int n = snprintf(out, outlen, "%s%s", prefix, name);

    return n > 0 && (size_t)n < outlen;
}

enum cache_result cache_read(struct cache *c, const char *prefix,
                             const char *key, bool want_ttl,
                             struct cache_entry *e)
{
    int n = want_ttl ? 2 : 1;
    bool reused = c->ctx != NULL, repaired = false;
    char gen_key[CACHE_KEY_MAX], seq_key[CACHE_KEY_MAX];

    e->body = NULL;
    e->len = 0;
    e->fresh_ms = -1;
    e->seq = 0;
    e->upto = 0;
    e->refresh = false;
    if (!prefixed(gen_key, sizeof(gen_key), prefix, "gen") ||
        !prefixed(seq_key, sizeof(seq_key), prefix, "wseq"))
        return CACHE_DOWN;
    /* At most: a retry on a fresh connection, and one after creating or
     * repairing the generation. */
    for (int attempt = 0; attempt < 3; attempt++) {
        redisReply *r[2];
        uint64_t tag;
        enum cache_result result = CACHE_MISS;

        if (!connect_if_needed(c))
            return CACHE_DOWN;
        /* MGET is atomic: generation, write sequence, body and marker
         * are one snapshot. */
        if (redisAppendCommand(c->ctx, "MGET %s %s %s %s:fresh", gen_key,
                               seq_key, key, key) != REDIS_OK ||
            (want_ttl &&
             redisAppendCommand(c->ctx, "PTTL %s:fresh", key) != REDIS_OK)) {
            disconnect(c, "could not queue the read");
            return CACHE_DOWN;
        }
        if (pipeline(c, r, n) != 0) {
            /* Died while idle (see command()): once more, afresh. */
            if (reused) {
                reused = false;
                continue;
            }
            return CACHE_DOWN;
        }
        reused = true;
        if (r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements != 4) {
            free_replies(r, n);
            metrics_count(METRIC_REDIS_ERRORS);
            return CACHE_DOWN;
        }
        /* No sequence yet (no scoped write since Redis started): 0. */
        if (r[0]->element[1]->type != REDIS_REPLY_NIL &&
            !reply_u64(r[0]->element[1], &e->seq)) {
            free_replies(r, n);
            metrics_count(METRIC_REDIS_ERRORS);
            return CACHE_DOWN;
        }
        if (!reply_u64(r[0]->element[0], &e->gen)) {
            /* Missing (evicted, a restart) or not a counter: a fresh,
             * larger one, or every read would go to MySQL. */
            if (r[0]->element[0]->type != REDIS_REPLY_NIL)
                log_msg(LOG_WARN, "cache", "generation is not a counter: "
                                           "repaired from the clock");
            free_replies(r, n);
            if (repaired || repair_generation(c, gen_key) != 0)
                return CACHE_DOWN;
            repaired = true;
            continue;
        }
        if (answers(r[0]->element[2], e, false, &tag)) {
            if (!unpack(r[0]->element[2], &tag, &e->upto, &e->body,
                        &e->len)) {
                free_replies(r, n);
                return CACHE_DOWN; /* out of memory: answer from MySQL */
            }
            result = marker_matches(r[0]->element[3], tag) ? CACHE_HIT
                                                          : CACHE_STALE;
            if (result == CACHE_HIT && want_ttl &&
                r[1]->type == REDIS_REPLY_INTEGER && r[1]->integer > 0)
                e->fresh_ms = r[1]->integer;
        } else if (marker_is_refresh(r[0]->element[3])) {
            e->refresh = true;
        }
        free_replies(r, n);
        return result;
    }
    return CACHE_DOWN;
}

enum cache_result cache_poll(struct cache *c, const char *prefix,
                             const char *key, struct cache_entry *e,
                             bool *lock_held, uint64_t *seq_now)
{
    char seq_key[CACHE_KEY_MAX];
    redisReply *r;
    enum cache_result result = CACHE_MISS;
    uint64_t tag;

    e->body = NULL;
    e->len = 0;
    e->fresh_ms = -1;
    *lock_held = false;
    if (!prefixed(seq_key, sizeof(seq_key), prefix, "wseq"))
        return CACHE_DOWN;
    r = command(c, "MGET %s %s:fresh %s:lock:%llu %s", key, key, key,
                (unsigned long long)e->gen, seq_key);
    if (r == NULL)
        return CACHE_DOWN;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
        (r->element[3]->type != REDIS_REPLY_NIL &&
         !reply_u64(r->element[3], seq_now))) {
        freeReplyObject(r);
        return CACHE_DOWN;
    }
    if (r->element[3]->type == REDIS_REPLY_NIL)
        *seq_now = 0;
    *lock_held = r->element[2]->type == REDIS_REPLY_STRING;
    /* Built under the generation waited for, or a later one: either was
     * read after this request began. */
    if (answers(r->element[0], e, true, &tag)) {
        if (!unpack(r->element[0], &tag, &e->upto, &e->body, &e->len)) {
            freeReplyObject(r);
            return CACHE_DOWN;
        }
        result = marker_matches(r->element[1], tag) ? CACHE_HIT : CACHE_STALE;
    }
    freeReplyObject(r);
    return result;
}

static bool replicated(struct cache *c);

/* Sentinel mode: INCR with Redis' clock as a floor, then replicated(). */
static int bump_replicated(struct cache *c, const char *gen_key)
{
    static const char script[] =
        ENTRY_GEN_REPAIR_LUA ENTRY_GEN_FLOOR_LUA
        "return gen_floor(KEYS[1], redis.call('INCR', KEYS[1]))";
    redisReply *r = command(c, "EVAL %s 1 %s", script, gen_key);

    if (r == NULL) {
        c->retry_at_ms = 0; /* a write may retry at once */
        r = command(c, "EVAL %s 1 %s", script, gen_key);
        if (r == NULL)
            return -1;
    }
    if (r->type != REDIS_REPLY_INTEGER) {
        log_msg(LOG_WARN, "cache", "redis refused the generation bump: %s",
                r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
        freeReplyObject(r);
        metrics_count(METRIC_REDIS_ERRORS);
        return -1;
    }
    freeReplyObject(r);
    return replicated(c) ? 0 : -1;
}

/* The master's replicas, from ROLE: ["master", offset, [[ip, port,
 * offset], ...]]; -1 when not a master or no answer. */
static long long replica_count(struct cache *c)
{
    redisReply *r = command(c, "ROLE");
    long long n = -1;

    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
        r->element[2]->type == REDIS_REPLY_ARRAY)
        n = (long long)r->element[2]->elements;
    if (r != NULL)
        freeReplyObject(r);
    return n;
}

/* Sentinel mode, after a change on the master: true when it may be
 * acknowledged (the fence, docs/consistency.md). A master the Sentinels
 * replaced (frozen, cut off, or just not told yet) must not acknowledge a
 * change that readers of the new master will never see. So either a
 * replica confirms it (WAIT 1, up to wait_ms: a replaced master has none
 * left, they follow the new one), or the Sentinels, asked after it, still
 * name this master (master_lease_confirm: should it be replaced later, the
 * new master's epoch check orphans every entry). Then, for a master this
 * process learned of less than a lease ago, the wait until no process
 * still reads from the one it replaced (master_lease.h). Without the lease
 * (no Sentinels) only the WAIT, and its timeout is logged only. */
static bool replicated(struct cache *c)
{
    long long confirmed = 0, hold;
    redisReply *r;

    if (c->opt.wait_ms > 0 && replica_count(c) > 0) {
        r = command(c, "WAIT 1 %lld", c->opt.wait_ms);
        if (r != NULL && r->type == REDIS_REPLY_INTEGER)
            confirmed = r->integer;
        if (r != NULL)
            freeReplyObject(r);
        if (confirmed < 1)
            log_msg(LOG_WARN, "cache", "no replica confirmed the change "
                    "within %lld ms; asking the Sentinels", c->opt.wait_ms);
    }
    if (!master_lease_on())
        return true;
    if (confirmed < 1 && !master_lease_confirm(c->master_seq)) {
        log_msg(LOG_WARN, "cache", "the Sentinels no longer name the master "
                "the change went to: not acknowledged");
        return false;
    }
    hold = master_lease_hold_ms();
    if (hold > 0)
        clock_sleep_ms(hold);
    if (master_lease_current() != c->master_seq) {
        log_msg(LOG_WARN, "cache", "the Sentinels named another master "
                "during the change: not acknowledged");
        return false;
    }
    return true;
}

int cache_bump_generation(struct cache *c, const char *gen_key)
{
    if (sentinel_mode(c))
        return bump_replicated(c, gen_key);
    for (int attempt = 0; attempt < 2; attempt++) {
        redisReply *r[1];

        if (!connect_if_needed(c)) {
            c->retry_at_ms = 0; /* a write may retry at once */
            continue;
        }
        /* A missing or broken counter starts from the clock, then moves
         * on: one script, one round trip. */
        if (redisAppendCommand(c->ctx, "EVAL %s 1 %s",
                               ENTRY_GEN_REPAIR_LUA
                               "return redis.call('INCR', KEYS[1])",
                               gen_key) != REDIS_OK) {
            disconnect(c, "could not queue the bump");
            c->retry_at_ms = 0;
            continue;
        }
        if (pipeline(c, r, 1) != 0) {
            c->retry_at_ms = 0;
            continue;
        }
        if (r[0]->type == REDIS_REPLY_INTEGER) {
            free_replies(r, 1);
            return 0;
        }
        log_msg(LOG_WARN, "cache", "redis refused the generation bump: %s",
                r[0]->type == REDIS_REPLY_ERROR ? r[0]->str : "odd reply");
        free_replies(r, 1);
        metrics_count(METRIC_REDIS_ERRORS);
        return -1;
    }
    return -1;
}

/* The change log keeps this many changes: a rebuild whose MySQL read took
 * longer than that many writes is refused (its log no longer reaches back). */
#define CHANGES_KEPT 1024
/* How long an API write's "in flight" mark on a row lasts at most (one
 * that never invalidates, e.g. a crash, lets the binlog invalidator's echo
 * through after its settle). */
#define WRITE_IN_FLIGHT_MS 5000
/* How long a writer's mark that it invalidated its transaction stays: far
 * longer than the binlog invalidator takes to see the transaction and settle
 * it (a late invalidator only invalidates again, which is safe). */
#define TXN_HANDLED_MS 600000
/* The page index keeps at most this many pages: a store past it drops the
 * page with the highest last id, entry and index together: a page that is
 * not full first (past the end, what a flood of offsets stores, and cached
 * briefly anyway), not an early page everyone reads. */
#define PAGES_INDEXED_MAX 4096
/* Above the page index's highest id: the score of a page that is not full,
 * which any insert or delete can alter. */
#define PAGE_TAIL_SCORE "4294967296"

/*
 * Store: find what the answer missed, then index a page, then write body
 * and marker; one script, so a scoped write runs wholly before it (and
 * finds the page in the index) or wholly after it (and is in the log). The
 * index goes first: Redis does not undo a script that fails half-way, and
 * an index entry without its page is harmless, a page without one is not.
 * An answer that a change since its reader's sequence alters is stored
 * bounded by that change's number ("<gen>:<upto>\n<body>"): it still
 * answers the readers that began before that change (the waiters of this
 * rebuild, most of them), never one after. A bounded entry never replaces
 * one of the same generation that answers more readers.
 * KEYS: key, key:fresh, gen, wseq, changes, pages, pages:first.
 * ARGV: gen, body, keep ms, fresh ms, seq read before the MySQL read,
 *       "i" or "p", id or first, last, full (1/0).
 * A change in the log is "<seq>:<u|i|d>:<id>"; an item depends on its id;
 * a page on updates within [first, last] and on inserts and deletes at or
 * before last (any, when it is not full).
 * Returns 1 stored, 2 stored bounded, 0 refused.
 */
static const char STORE_SCRIPT[] =
    "if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end "
    "local s0 = tonumber(ARGV[5]) "
    "local a, b, full = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1' "
    "local cur = tonumber(redis.call('GET', KEYS[4]) or '0') "
    "local upto "
    "if cur < s0 then return 0 end "
    "if cur > s0 then "
    "  local ch = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. ARGV[5], '+inf') "
    "  if #ch < cur - s0 then return 0 end "
    "  for _, m in ipairs(ch) do "
    "    local s, k, id = string.match(m, '^(%d+):(%a):(%d+)$') "
    "    id = tonumber(id) "
    "    if not id then return 0 end "
    "    local alters "
    "    if ARGV[6] == 'i' then alters = id == a "
    "    elseif k == 'u' then alters = id >= a and id <= b "
    "    else alters = not full or id <= b end "
    "    if alters then upto = s break end "
    "  end "
    "end "
    "local old = redis.call('GET', KEYS[1]) "
    "if old then "
    "  local tag, bound = string.match(old, '^(%d+):?(%d*)\\n') "
    "  tag = tonumber(tag) "
    "  if tag and tag > tonumber(ARGV[1]) then return 0 end "
    "  if upto and tag == tonumber(ARGV[1]) and "
    "     (bound == '' or tonumber(bound) >= tonumber(upto)) then return 0 end "
    "end "
    "if ARGV[6] == 'p' then "
    "  if not redis.call('ZSCORE', KEYS[6], KEYS[1]) and "
    "     redis.call('ZCARD', KEYS[6]) >= " CACHE_STR(PAGES_INDEXED_MAX) " then "
    "    local top = redis.call('ZPOPMAX', KEYS[6]) "
    "    redis.call('DEL', top[1], top[1] .. ':fresh') "
    "    redis.call('ZREM', KEYS[7], top[1]) "
    "  end "
    "  redis.call('ZADD', KEYS[6], full and ARGV[8] or " PAGE_TAIL_SCORE
    ", KEYS[1]) "
    "  redis.call('ZADD', KEYS[7], ARGV[7], KEYS[1]) "
    "end "
    "local head = upto and (ARGV[1] .. ':' .. upto) or ARGV[1] "
    "redis.call('SET', KEYS[1], head .. '\\n' .. ARGV[2], 'PX', ARGV[3]) "
    "redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4]) "
    "return upto and 2 or 1";

/*
 * A scoped write: per change, the next sequence number, a log entry, and
 * the deletion of what it can alter (found through the index the stores
 * keep), each deleted entry's marker left as REFRESH_MARKER. The rebuild
 * lock of each goes too: a rebuild in flight read MySQL before the change,
 * so its answer (stored bounded) cannot serve the readers after it, and
 * their rebuild starts now instead of after it.
 *
 * Write-through: an update that brings its row's new body and the GTID of
 * its transaction (ARGV[3], "domain-server-seq") writes the item and
 * patches that row's object in each cached page holding it, instead of
 * deleting them, when the transaction is known to be the row's latest:
 * "<prefix>ver:<id>" holds the GTID of the last one written through, and
 * only the first or a later one of the same domain (commit order) goes
 * through; a late one, one of another domain or one without a GTID deletes,
 * as any other change. The version outlives by far the moment two writes
 * of a row can reach Redis out of order (TXN_HANDLED_MS), and is the most
 * recently used key when it matters (eviction is LRU). A bounded page, or
 * one whose object cannot be found, is deleted.
 *
 * Returns the keys deleted or written; with ARGV[4] "s" (the binlog
 * invalidator's echo of a transaction) -1 when an API write marked the
 * transaction handled, -2 when an API write of each of its rows is in
 * flight ("<prefix>writing:<id>", cache_write_begins()): nothing done.
 * With "m" (that API write) the transaction is marked handled (for
 * TXN_HANDLED_MS) and its rows' in-flight counts go down. KEYS: wseq,
 * changes, pages, pages:first. ARGV: prefix, refresh ms, GTID or "",
 * "m"/"s"/"", then per change: kind, id, new body or "", fresh ms, keep ms.
 */
static const char INVALIDATE_SCRIPT[] =
    "local handled = ARGV[1] .. 'handled:' .. ARGV[3] "
    "if ARGV[3] ~= '' and ARGV[4] == 's' then "
    "  if redis.call('EXISTS', handled) == 1 then return -1 end "
    "  local all = true "
    "  for i = 6, #ARGV, 5 do "
    "    local w = tonumber(redis.call('GET', ARGV[1] .. 'writing:' .. ARGV[i])) "
    "    if not w or w <= 0 then all = false break end "
    "  end "
    "  if all then return -2 end "
    "end "
    "local n = 0 "
    "local gen = redis.call('GET', ARGV[1] .. 'gen') "
    "local dom, ver = string.match(ARGV[3], '^(%d+)%-%d+%-(%d+)$') "
    "local function drop(k) "
    "  if gen then redis.call('DEL', k .. ':lock:' .. gen) end "
    "  if redis.call('DEL', k, k .. ':fresh') > 0 then "
    "    n = n + 1 "
    "    redis.call('SET', k .. ':fresh', '" REFRESH_MARKER "', 'PX', ARGV[2]) "
    "  end "
    "end "
    /* Is this transaction the latest of row id? Records it when it is. */
    "local function latest(id) "
    "  if not dom or not gen then return false end "
    "  local k = ARGV[1] .. 'ver:' .. id "
    "  local cur = redis.call('GET', k) "
    "  local cd, cv = string.match(cur or '', '^(%d+):(%d+)$') "
    "  if cur and (cd ~= dom or tonumber(cv) >= tonumber(ver)) then "
    "    return false "
    "  end "
    "  redis.call('SET', k, dom .. ':' .. ver, 'PX', " CACHE_STR(TXN_HANDLED_MS) ") "
    "  return true "
    "end "
    /* The page value v with row id's object replaced by o; nil when the
     * object is not found (objects are flat; names are JSON strings). */
    "local function patch(v, id, o) "
    "  local head = '{\"id\":' .. id .. ',' "
    "  local s = string.find(v, head, 1, true) "
    "  while s do "
    "    local b = string.sub(v, s - 1, s - 1) "
    "    if b == '[' or b == ',' then break end "
    "    s = string.find(v, head, s + 1, true) "
    "  end "
    "  if not s then return nil end "
    "  local i, instr, esc = s, false, false "
    "  while i <= #v do "
    "    local c = string.byte(v, i) "
    "    if instr then "
    "      if esc then esc = false "
    "      elseif c == 92 then esc = true "
    "      elseif c == 34 then instr = false end "
    "    elseif c == 34 then instr = true "
    "    elseif c == 125 then "
    "      return string.sub(v, 1, s - 1) .. o .. string.sub(v, i + 1) "
    "    end "
    "    i = i + 1 "
    "  end "
    "  return nil "
    "end "
    "local function rewrite(p, id, o) "
    "  local v = redis.call('GET', p) "
    "  if v and string.match(v, '^' .. gen .. '\\n') then "
    "    local w = patch(v, id, o) "
    "    if w then "
    "      redis.call('SET', p, w, 'KEEPTTL') "
    "      n = n + 1 "
    "      return "
    "    end "
    "  end "
    "  drop(p) "
    "  redis.call('ZREM', KEYS[3], p) "
    "  redis.call('ZREM', KEYS[4], p) "
    "end "
    "for i = 5, #ARGV, 5 do "
    "  local kind, id, body = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2] "
    "  local item = ARGV[1] .. 'item:' .. ARGV[i + 1] "
    "  local through = kind == 'u' and body ~= '' and latest(ARGV[i + 1]) "
    "  local s = redis.call('INCR', KEYS[1]) "
    "  redis.call('ZADD', KEYS[2], s, s .. ':' .. kind .. ':' .. ARGV[i + 1]) "
    "  if through then "
    "    redis.call('DEL', item .. ':lock:' .. gen) "
    "    redis.call('SET', item, gen .. '\\n' .. body, 'PX', ARGV[i + 4]) "
    "    redis.call('SET', item .. ':fresh', gen, 'PX', ARGV[i + 3]) "
    "    n = n + 1 "
    "  else "
    "    drop(item) "
    "  end "
    "  for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], id, '+inf')) do "
    "    local f = tonumber(redis.call('ZSCORE', KEYS[4], p)) "
    "    if kind ~= 'u' or not f or f <= id then "
    "      if through and f and f <= id then "
    "        rewrite(p, ARGV[i + 1], body) "
    "      else "
    "        drop(p) "
    "        redis.call('ZREM', KEYS[3], p) "
    "        redis.call('ZREM', KEYS[4], p) "
    "      end "
    "    end "
    "  end "
    "end "
    "redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -" CACHE_STR(CHANGES_KEPT) " - 1) "
    "if ARGV[3] ~= '' and ARGV[4] == 'm' then "
    "  redis.call('SET', handled, '1', 'PX', " CACHE_STR(TXN_HANDLED_MS) ") "
    "end "
    "if ARGV[4] == 'm' then "
    "  for i = 6, #ARGV, 5 do "
    "    local k = ARGV[1] .. 'writing:' .. ARGV[i] "
    "    if redis.call('DECR', k) <= 0 then redis.call('DEL', k) end "
    "  end "
    "end "
    "return n";

enum cache_store_result cache_store(struct cache *c, const char *prefix,
                                    const char *key, uint64_t gen,
                                    uint64_t seq,
                                    const struct cache_deps *deps,
                                    const char *body, size_t len,
                                    long long fresh_ms, long long keep_ms)
{
    char gen_key[CACHE_KEY_MAX], seq_key[CACHE_KEY_MAX];
    char changes[CACHE_KEY_MAX], pages[CACHE_KEY_MAX], first[CACHE_KEY_MAX];
    redisReply *r;
    enum cache_store_result result = CACHE_STORE_FAILED;

    if (!prefixed(gen_key, sizeof(gen_key), prefix, "gen") ||
        !prefixed(seq_key, sizeof(seq_key), prefix, "wseq") ||
        !prefixed(changes, sizeof(changes), prefix, "changes") ||
        !prefixed(pages, sizeof(pages), prefix, "pages") ||
        !prefixed(first, sizeof(first), prefix, "pages:first"))
        return CACHE_STORE_FAILED;
    r = command(c, "EVAL %s 7 %s %s:fresh %s %s %s %s %s %llu %b %lld %lld "
                   "%llu %s %u %u %d",
                STORE_SCRIPT, key, key, gen_key, seq_key, changes, pages,
                first, (unsigned long long)gen, body, len, keep_ms, fresh_ms,
                (unsigned long long)seq, deps->page ? "p" : "i",
                (unsigned)(deps->page ? deps->first : deps->id),
                (unsigned)deps->last, deps->full ? 1 : 0);
    if (r == NULL)
        return CACHE_STORE_FAILED;
    if (r->type == REDIS_REPLY_INTEGER)
        result = r->integer == 1   ? CACHE_STORED
                 : r->integer == 2 ? CACHE_STORED_BOUNDED
                                   : CACHE_REFUSED;
    freeReplyObject(r);
    return result;
}

static const char *change_letter(enum cache_change_kind kind)
{
    switch (kind) {
    case CACHE_CHANGE_INSERT:
        return "i";
    case CACHE_CHANGE_DELETE:
        return "d";
    case CACHE_CHANGE_UPDATE:
        break;
    }
    return "u";
}

static void count_changes(const struct cache_change *changes, size_t n,
                          long long keys)
{
    static const enum metric by_kind[] = {
        [CACHE_CHANGE_UPDATE] = METRIC_INVALIDATED_UPDATE,
        [CACHE_CHANGE_INSERT] = METRIC_INVALIDATED_INSERT,
        [CACHE_CHANGE_DELETE] = METRIC_INVALIDATED_DELETE,
    };

    for (size_t i = 0; i < n; i++)
        metrics_count(by_kind[changes[i].kind]);
    metrics_add(METRIC_INVALIDATED_KEYS, (unsigned long long)keys);
}

int cache_invalidate_all(struct cache *c, const char *prefix)
{
    char gen_key[CACHE_KEY_MAX];

    if (!prefixed(gen_key, sizeof(gen_key), prefix, "gen"))
        return -1;
    if (cache_bump_generation(c, gen_key) != 0)
        return -1;
    metrics_count(METRIC_INVALIDATED_ALL);
    return 0;
}

int cache_invalidate_products(struct cache *c, const char *prefix,
                              const struct cache_change *changes, size_t n,
                              size_t max_ids, long long refresh_ms,
                              const struct cache_txn *txn,
                              struct cache_invalidation *out)
{
    /* EVAL, script, numkeys, 4 keys, prefix, refresh ms, GTID, its use, 5
     * per change. */
    size_t argc = 11 + 5 * n;
    const char **argv;
    size_t *lens;
    char *numbers;
    char keys[4][CACHE_KEY_MAX], refresh[24];
    static const char *const names[4] = {"wseq", "changes", "pages",
                                         "pages:first"};
    redisReply *r;
    int rc = -1;
    bool done_something = false;

    if (out != NULL)
        *out = (struct cache_invalidation){0};
    if (n > max_ids) {
        if (out != NULL)
            out->all = true;
        return cache_invalidate_all(c, prefix);
    }
    for (int i = 0; i < 4; i++)
        if (!prefixed(keys[i], sizeof(keys[i]), prefix, names[i]))
            return -1;
    argv = calloc(argc, sizeof(*argv));
    lens = calloc(argc, sizeof(*lens));
    numbers = calloc(3 * n + 1, 24);
    if (argv == NULL || lens == NULL || numbers == NULL)
        goto done;
    snprintf(refresh, sizeof(refresh), "%lld", refresh_ms > 0 ? refresh_ms : 1);
    argv[0] = "EVAL";
    argv[1] = INVALIDATE_SCRIPT;
    argv[2] = "4";
    for (int i = 0; i < 4; i++)
        argv[3 + i] = keys[i];
    argv[7] = prefix;
    argv[8] = refresh;
    argv[9] = txn != NULL && txn->gtid != NULL ? txn->gtid : "";
    argv[10] = txn == NULL ? "" : txn->skip_if_handled ? "s" : "m";
    for (size_t i = 0; i < 11; i++)
        lens[i] = strlen(argv[i]);
    for (size_t i = 0; i < n; i++) {
        const struct cache_change *ch = &changes[i];
        char *id = numbers + 3 * i * 24, *fresh = id + 24, *keep = fresh + 24;
        size_t at = 11 + 5 * i;

        snprintf(id, 24, "%u", (unsigned)ch->id);
        snprintf(fresh, 24, "%lld", ch->fresh_ms > 0 ? ch->fresh_ms : 1);
        snprintf(keep, 24, "%lld", ch->keep_ms > 0 ? ch->keep_ms : 1);
        argv[at] = change_letter(ch->kind);
        argv[at + 1] = id;
        argv[at + 2] = ch->body != NULL ? ch->body : "";
        argv[at + 3] = fresh;
        argv[at + 4] = keep;
        for (size_t j = at; j < at + 5; j++)
            lens[j] = j == at + 2 && ch->body != NULL ? ch->len
                                                      : strlen(argv[j]);
    }
    c->retry_at_ms = 0; /* a write may retry at once */
    r = command_argv(c, (int)argc, argv, lens);
    if (r == NULL)
        goto done;
    if (r->type == REDIS_REPLY_INTEGER && r->integer < 0) {
        /* Nothing done: nothing for a replica to wait for. */
        if (out != NULL) {
            out->skipped = r->integer == -1;
            out->deferred = r->integer == -2;
        }
        rc = 0;
    } else if (r->type == REDIS_REPLY_INTEGER) {
        if (out != NULL)
            out->keys = r->integer;
        count_changes(changes, n, r->integer);
        rc = 0;
        done_something = true;
    }
    freeReplyObject(r);
    if (done_something && sentinel_mode(c) && !replicated(c))
        rc = -1;
done:
    free(argv);
    free(lens);
    free(numbers);
    return rc;
}

void cache_write_begins(struct cache *c, const char *prefix, uint32_t id)
{
    static const char script[] =
        "redis.call('INCR', KEYS[1]) "
        "redis.call('PEXPIRE', KEYS[1], ARGV[1]) "
        "return 1";
    redisReply *r = command(c, "EVAL %s 1 %swriting:%u %d", script, prefix,
                            (unsigned)id, WRITE_IN_FLIGHT_MS);

    if (r != NULL)
        freeReplyObject(r);
}

int cache_txn_handled(struct cache *c, const char *prefix, const char *gtid)
{
    redisReply *r = command(c, "EXISTS %shandled:%s", prefix, gtid);
    int rc = -1;

    if (r == NULL)
        return -1;
    if (r->type == REDIS_REPLY_INTEGER)
        rc = r->integer == 1;
    freeReplyObject(r);
    return rc;
}

enum cache_lock_result cache_lock(struct cache *c, const char *key,
                                  uint64_t gen, long long ttl_ms)
{
    redisReply *r = command(c, "SET %s:lock:%llu %s NX PX %lld", key,
                            (unsigned long long)gen, c->lock_token, ttl_ms);
    enum cache_lock_result result;

    if (r == NULL)
        return CACHE_LOCK_DOWN;
    result = r->type == REDIS_REPLY_STATUS ? CACHE_LOCK_ACQUIRED
                                           : CACHE_LOCK_BUSY;
    freeReplyObject(r);
    return result;
}

void cache_unlock(struct cache *c, const char *key, uint64_t gen)
{
    /* Compare-and-delete in one step, so a lock that expired and was taken
     * by another responder is left alone. */
    static const char script[] =
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end";
    redisReply *r = command(c, "EVAL %s 1 %s:lock:%llu %s", script, key,
                            (unsigned long long)gen, c->lock_token);

    if (r != NULL)
        freeReplyObject(r);
}

int cache_ping(struct cache *c)
{
    /* Within the back-off "down" without trying, as store_ping(). */
    redisReply *r = command(c, "PING");
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

int cache_position_mark(struct cache *c, const char *gen_key, char *mark,
                        size_t marklen)
{
    redisReply *r = command(c, "GET %s:gtid:lost", gen_key);
    int rc = -1;

    if (r == NULL)
        return -1;
    if (r->type == REDIS_REPLY_NIL) {
        mark[0] = '\0';
        rc = 0;
    } else if (r->type == REDIS_REPLY_STRING && r->len < marklen) {
        memcpy(mark, r->str, r->len);
        mark[r->len] = '\0';
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

int cache_record_position(struct cache *c, const char *gen_key,
                          const char *pos, const char *mark)
{
    /* Merged inside Redis, never replaced or deleted (gtid.h). */
    redisReply *r;

    if (pos != NULL && pos[0] == '\0')
        return -1; /* "" tells the script "lost" */
    c->retry_at_ms = 0; /* a write may retry at once */
    r = command(c, "EVAL %s 2 %s:gtid %s:gtid:lost %s %s", GTID_RECORD_LUA,
                gen_key, gen_key, pos != NULL ? pos : "", mark);
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

int cache_read_position(struct cache *c, const char *gen_key, char *out,
                        size_t outlen)
{
    redisReply *r = command(c, "MGET %s:gtid %s:gtid:lost", gen_key, gen_key);
    int rc = -1;

    if (r == NULL)
        return -1;
    /* A lost mark: a write's position is unknown, so no replica is known
     * to have it. */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_NIL &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[0]->len > 0 &&
        r->element[0]->len < outlen) {
        memcpy(out, r->element[0]->str, r->element[0]->len);
        out[r->element[0]->len] = '\0';
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

static int l1_publish(struct cache *c, const char *prefix, long long *seq,
                      long long *holders)
{
    static const char script[] =
        "local s = redis.call('INCR', KEYS[1]) "
        "return {s, redis.call('PUBLISH', ARGV[1], s)}";
    char seq_key[CACHE_KEY_MAX], channel[CACHE_KEY_MAX];
    redisReply *r;
    int rc = -1;

    if (!prefixed(seq_key, sizeof(seq_key), prefix, "l1:seq") ||
        !prefixed(channel, sizeof(channel), prefix, "l1:sync"))
        return -1;
    r = command(c, "EVAL %s 1 %s %s", script, seq_key, channel);
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER &&
        r->element[1]->type == REDIS_REPLY_INTEGER) {
        *seq = r->element[0]->integer;
        *holders = r->element[1]->integer;
        rc = 0;
    }
    if (r != NULL)
        freeReplyObject(r);
    return rc;
}

static long long l1_acked(struct cache *c, const char *prefix, long long seq)
{
    redisReply *r;
    long long n = -1;

    r = command(c, "SCARD %sl1:ack:%lld", prefix, seq);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        n = r->integer;
    if (r != NULL)
        freeReplyObject(r);
    return n;
}

int cache_l1_wait(struct cache *c, const char *prefix, long long bound_ms,
                  struct cache_l1_wait *out)
{
    long long seq, started;

    *out = (struct cache_l1_wait){0};
    if (l1_publish(c, prefix, &seq, &out->holders) != 0)
        return -1;
    started = clock_mono_ms();
    while (out->holders > 0) {
        long long acked = l1_acked(c, prefix, seq);

        if (acked < 0)
            return -1;
        out->acked = acked;
        if (acked >= out->holders || clock_mono_ms() - started >= bound_ms)
            break;
        clock_sleep_ms(1);
    }
    out->waited_ms = clock_mono_ms() - started;
    return 0;
}

int cache_l1_ack(struct cache *c, const char *prefix, const char *holder,
                 const long long *seqs, size_t n)
{
    /* ARGV: prefix, holder, then the numbers. */
    static const char script[] =
        "for i = 3, #ARGV do "
        "local k = ARGV[1] .. 'l1:ack:' .. ARGV[i] "
        "redis.call('SADD', k, ARGV[2]) "
        "redis.call('PEXPIRE', k, 10000) end "
        "return #ARGV - 2";
    const char *argv[3 + 3 + CACHE_L1_ACK_MAX];
    size_t lens[3 + 3 + CACHE_L1_ACK_MAX];
    char numbers[CACHE_L1_ACK_MAX][24];
    size_t argc = 0;
    redisReply *r;
    int rc;

    if (n == 0)
        return 0;
    if (n > CACHE_L1_ACK_MAX)
        n = CACHE_L1_ACK_MAX;
    argv[argc++] = "EVAL";
    argv[argc++] = script;
    argv[argc++] = "0";
    argv[argc++] = prefix;
    argv[argc++] = holder;
    for (size_t i = 0; i < n; i++) {
        snprintf(numbers[i], sizeof(numbers[i]), "%lld", seqs[i]);
        argv[argc++] = numbers[i];
    }
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    r = command_argv(c, (int)argc, argv, lens);
    rc = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r != NULL)
        freeReplyObject(r);
    return rc;
}
