/*
 * config: the settings table and its checker. Each row names a variable, its
 * type, default and bounds; one loop validates them all and reports every bad
 * variable at once (redis' static_configs table is the model).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"

enum config_type { CONFIG_INT, CONFIG_STRING, CONFIG_MODE };

struct config_entry {
    const char *name;
    enum config_type type;
    const char *default_value; /* NULL: stays empty unless set */
    long long min, max;        /* bounds for ints; max length for strings */
    size_t offset;
    bool secret;
    const char *help; /* one line for docs/configuration.md, unit included */
};

#define FIELD(f) offsetof(struct config, f)
#define STR_MAX (CONFIG_STR_MAX - 1)

static const struct config_entry config_table[] = {
    {"APP_MODE", CONFIG_MODE, "cached", 0, 0, FIELD(mode), false,
     "baseline: every read queries MySQL; cached: Redis cache-aside"},
    /* Default delay: with 50 users and 1 s think time a baseline request
     * costs a few hundred ms, like the seed's slow query. */
    {"DB_DELAY_MS", CONFIG_INT, "300", 0, 60000, FIELD(db_delay_ms), false,
     "milliseconds of DO SLEEP before every MySQL read (the simulated slow "
     "query); 0: none"},
    {"MYSQL_HOST", CONFIG_STRING, "127.0.0.1", 1, STR_MAX, FIELD(mysql_host),
     false, "MySQL host, used when MYSQL_SOCKET is unset"},
    {"MYSQL_PORT", CONFIG_INT, "3306", 1, 65535, FIELD(mysql_port), false,
     "MySQL TCP port"},
    {"MYSQL_SOCKET", CONFIG_STRING, NULL, 1, 107, FIELD(mysql_socket), false,
     "MySQL Unix socket path; when set, used instead of host and port"},
    {"MYSQL_DATABASE", CONFIG_STRING, "products", 1, 64, FIELD(mysql_database),
     false, "database that holds the products table"},
    {"MYSQL_USER", CONFIG_STRING, "products_reader", 1, 80, FIELD(mysql_user),
     false, "MySQL user for reads and readiness (needs SELECT only)"},
    {"MYSQL_PASSWORD", CONFIG_STRING, NULL, 1, STR_MAX, FIELD(mysql_password),
     true, "password of MYSQL_USER (masked in the start-up log)"},
    {"MYSQL_WRITE_USER", CONFIG_STRING, "products_writer", 1, 80,
     FIELD(mysql_write_user), false,
     "MySQL user for writes (SELECT, INSERT, UPDATE, DELETE)"},
    {"MYSQL_WRITE_PASSWORD", CONFIG_STRING, NULL, 1, STR_MAX,
     FIELD(mysql_write_password), true,
     "password of MYSQL_WRITE_USER (masked in the start-up log)"},
    /* Read replicas (src/readhost.h). */
    {"DB_READ_HOSTS", CONFIG_STRING, NULL, 3, STR_MAX, FIELD(db_read_hosts),
     false,
     "read replicas as host:port,...; a rebuild reads one of them once it "
     "has applied the latest acknowledged write (GTID wait), else the "
     "primary; writes always go to the primary"},
    {"DB_READ_WAIT_MS", CONFIG_INT, "100", 1, 10000, FIELD(db_read_wait_ms),
     false,
     "milliseconds a replica may take to reach the latest write's GTID "
     "position before the rebuild reads the primary instead"},
    {"MYSQL_TIMEOUT_S", CONFIG_INT, "2", 1, 60, FIELD(mysql_timeout_s), false,
     "seconds for MySQL connect, read and write (reads add DB_DELAY_MS)"},
    {"REDIS_HOST", CONFIG_STRING, "127.0.0.1", 1, STR_MAX, FIELD(redis_host),
     false, "Redis host, used when REDIS_SOCKET is unset"},
    {"REDIS_PORT", CONFIG_INT, "6379", 1, 65535, FIELD(redis_port), false,
     "Redis TCP port"},
    {"REDIS_SOCKET", CONFIG_STRING, NULL, 1, 107, FIELD(redis_socket), false,
     "Redis Unix socket path; when set, used instead of host and port"},
    /* Scale-out (docs/scaling-out.md, src/sentinel.h). */
    {"REDIS_SENTINELS", CONFIG_STRING, NULL, 3, STR_MAX,
     FIELD(redis_sentinels), false,
     "Sentinels as host:port,host:port,...; when set, the Redis master of "
     "REDIS_MASTER_NAME is found through them (REDIS_HOST, REDIS_PORT and "
     "REDIS_SOCKET are unused)"},
    {"REDIS_MASTER_NAME", CONFIG_STRING, "products", 1, 64,
     FIELD(redis_master_name), false,
     "the master's name in the Sentinels' configuration"},
    {"REDIS_WAIT_MS", CONFIG_INT, "200", 0, 10000, FIELD(redis_wait_ms),
     false,
     "with Sentinels: milliseconds a write's invalidation waits (WAIT) for "
     "one replica to confirm it; without that (or with 0) the write is "
     "acknowledged only if the Sentinels, asked after it, still name the "
     "master"},
    {"REDIS_TIMEOUT_MS", CONFIG_INT, "200", 10, 10000, FIELD(redis_timeout_ms),
     false, "milliseconds for Redis connect and each command"},
    {"REDIS_USER", CONFIG_STRING, NULL, 1, 128, FIELD(redis_user), false,
     "Redis ACL user the responders log in as (AUTH user password); unset: "
     "the default user"},
    {"REDIS_PASSWORD", CONFIG_STRING, NULL, 1, STR_MAX, FIELD(redis_password),
     true,
     "password of REDIS_USER (or of the default user); unset: no AUTH "
     "(masked in the start-up log)"},
    {"CACHE_TTL_S", CONFIG_INT, "60", 1, 86400, FIELD(cache_ttl_s), false,
     "seconds a cached answer is fresh (plus up to 10% jitter)"},
    {"CACHE_STALE_S", CONFIG_INT, "600", 0, 604800, FIELD(cache_stale_s),
     false,
     "seconds an expired answer is kept after CACHE_TTL_S, served while one "
     "responder rebuilds it or while MySQL is down"},
    {"CACHE_LOCK_MS", CONFIG_INT, "30000", 100, 3600000, FIELD(cache_lock_ms),
     false,
     "milliseconds a rebuild lock lives; at least the slowest rebuild (see "
     "below)"},
    {"CACHE_WAIT_MS", CONFIG_INT, "2000", 0, 600000, FIELD(cache_wait_ms),
     false,
     "milliseconds a request with nothing cached waits for another "
     "responder's rebuild before asking MySQL itself"},
    /* 0 turns the stampede guard off (for measuring what it saves). */
    {"CACHE_GUARD", CONFIG_INT, "1", 0, 1, FIELD(cache_guard), false,
     "1: stampede guard (one rebuild per key, others wait or serve stale); "
     "0: naive cache-aside"},
    /* docs/hot-path-cache.md */
    {"CACHE_L1", CONFIG_INT, "1", 0, 1, FIELD(cache_l1), false,
     "1: hot answers also kept in each responder process, invalidated by "
     "Redis (server-assisted client-side caching); 0: every hit asks Redis"},
    /* A few hundred hot answers; 1 MiB keeps a responder within its memory
     * budget. */
    {"CACHE_L1_MAX_BYTES", CONFIG_INT, "1048576", 65536, 1073741824,
     FIELD(cache_l1_max_bytes), false,
     "bytes of answers kept in each responder process (keys and bookkeeping "
     "counted); least recently used entries are evicted past it"},
    {"ADMIN_TOKEN", CONFIG_STRING, NULL, 16, STR_MAX, FIELD(admin_token), true,
     "bearer token for POST, PUT and DELETE; unset: writes answer 403"},
    {"BODY_MAX_BYTES", CONFIG_INT, "4096", 64, 1048576, FIELD(body_max_bytes),
     false, "largest write body in bytes; larger ones answer 413"},
    /* Threads per responder process; kept connections do not hold them. */
    {"RESPONDER_THREADS", CONFIG_INT, "16", 1, 256, FIELD(responder_threads),
     false,
     "threads per responder process; idle kept connections hold none, so "
     "this bounds the requests one process works on at once"},
    /* The host's total is at most POOL_SIZE x 2 x this. */
    {"DB_CONNECTIONS", CONFIG_INT, "8", 1, 256, FIELD(db_connections), false,
     "MySQL connections per responder process and database user (reader, "
     "writer), shared by its threads"},
    /* docs/consistency.md: nginx counts whole seconds, see edge.c. */
    {"EDGE_CACHE_MS", CONFIG_INT, "0", 0, 600000, FIELD(edge_cache_ms), false,
     "0: answers carry no edge lifetime (the nginx micro-cache stays empty); "
     "N: product reads tell nginx to keep them about N ms (at most "
     "max(N, 2000) ms) and writes set the bypass cookie"},
    /* Set by the pool's starter (start-pool, compose); each process takes
     * CACHE_REBUILDS_MAX / POOL_SIZE rebuild slots. */
    {"POOL_SIZE", CONFIG_INT, "4", 1, 256, FIELD(pool_size), false,
     "responder processes on this host (spawn-fcgi's pool); divides "
     "CACHE_REBUILDS_MAX between them"},
    /* docs/security.md, "Under hostile traffic". A miss flood may hold this
     * many MySQL reads and as many waiting threads; the other threads answer
     * hits. */
    {"CACHE_REBUILDS_MAX", CONFIG_INT, "16", 1, 4096, FIELD(cache_rebuilds_max),
     false,
     "rebuilds (MySQL reads for cache misses) running at once on this host, "
     "CACHE_REBUILDS_MAX / POOL_SIZE per responder; at least POOL_SIZE"},
    {"CACHE_REBUILD_WAIT_MS", CONFIG_INT, "500", 0, 60000,
     FIELD(cache_rebuild_wait_ms), false,
     "milliseconds a miss waits for a rebuild slot (at most as many waiters "
     "as slots) before answering 503 with Retry-After"},
    {"CACHE_NEGATIVE_TTL_S", CONFIG_INT, "10", 0, 3600,
     FIELD(cache_negative_ttl_s), false,
     "seconds an unknown id (404) or a page past the end of the catalogue "
     "is cached, with no stale window; 0: not cached"},
    /* docs/design.md: scoped invalidation. */
    {"CACHE_INVALIDATE_MAX_IDS", CONFIG_INT, "100", 0, 100000,
     FIELD(cache_scope_max_ids), false,
     "a change of more products than this (a large transaction) "
     "invalidates every cached answer instead of each product's; 0: every "
     "write invalidates everything"},
    /* metrics.h; start-pool sets the file next to the socket. */
    {"METRICS", CONFIG_INT, "1", 0, 1, FIELD(metrics), false,
     "1: count requests, latencies and errors for GET /metrics; 0: count "
     "nothing (to measure what counting costs)"},
    {"METRICS_FILE", CONFIG_STRING, NULL, 1, STR_MAX, FIELD(metrics_file),
     false,
     "file the pool's responders share their counters in (start-pool sets "
     "it); unset: each process counts alone"},
};

#define CONFIG_COUNT (sizeof(config_table) / sizeof(config_table[0]))

const char *config_mode_name(enum app_mode mode)
{
    return mode == APP_MODE_BASELINE ? "baseline" : "cached";
}

/* Strict integer: digits only (optional leading '-'), all consumed, no
 * overflow, inside [min, max]. */
static int parse_int(const char *text, long long min, long long max,
                     long long *out)
{
    char *end = NULL;

    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '+' ||
        text[0] == ' ' || text[0] == '\t')
        return -1;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Appends "msg" to err, separated by "; ", truncating when full. */
static void append_error(char *err, size_t errlen, const char *msg)
{
    size_t used = strlen(err);

    if (used + 1 >= errlen)
        return;
    snprintf(err + used, errlen - used, "%s%s", used > 0 ? "; " : "", msg);
}

static int apply_entry(struct config *cfg, const struct config_entry *e,
                       const char *value, char *err, size_t errlen)
{
    char *base = (char *)cfg;
    char msg[160];

    if (value[0] == '\0') {
        snprintf(msg, sizeof(msg),
                 "%s: is set but empty (unset it to use the default)",
                 e->name);
        goto bad;
    }
    switch (e->type) {
    case CONFIG_MODE:
        if (strcmp(value, "baseline") == 0)
            *(enum app_mode *)(void *)(base + e->offset) = APP_MODE_BASELINE;
        else if (strcmp(value, "cached") == 0)
            *(enum app_mode *)(void *)(base + e->offset) = APP_MODE_CACHED;
        else {
            snprintf(msg, sizeof(msg), "%s: must be 'baseline' or 'cached'",
                     e->name);
            goto bad;
        }
        return 0;
    case CONFIG_INT:
        if (parse_int(value, e->min, e->max,
                      (long long *)(void *)(base + e->offset)) != 0) {
            snprintf(msg, sizeof(msg),
                     "%s: must be an integer between %lld and %lld", e->name,
                     e->min, e->max);
            goto bad;
        }
        return 0;
    case CONFIG_STRING: {
        size_t len = strlen(value);
        if ((long long)len < e->min || (long long)len > e->max) {
            snprintf(msg, sizeof(msg),
                     "%s: length must be between %lld and %lld bytes",
                     e->name, e->min, e->max);
            goto bad;
        }
        memcpy(base + e->offset, value, len + 1);
        return 0;
    }
    }
    snprintf(msg, sizeof(msg), "%s: unknown setting type", e->name);
bad:
    append_error(err, errlen, msg);
    return -1;
}

int config_load(struct config *cfg, config_lookup_fn lookup, char *err,
                size_t errlen)
{
    int bad = 0;

    memset(cfg, 0, sizeof(*cfg));
    if (errlen > 0)
        err[0] = '\0';
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        const struct config_entry *e = &config_table[i];
        const char *value = lookup(e->name);

        if (value == NULL)
            value = e->default_value;
        if (value == NULL)
            continue;
        if (apply_entry(cfg, e, value, err, errlen) != 0)
            bad++;
    }
    /* The scale-out lists, checked here so that a bad one stops the pool
     * once at start-up (start-pool's --check-config). */
    if (cfg->db_read_hosts[0] != '\0' && !hostlist_valid(cfg->db_read_hosts)) {
        append_error(err, errlen,
                     "DB_READ_HOSTS: must be host:port[,host:port...] with "
                     "ports from 1 to 65535");
        bad++;
    }
    if (cfg->redis_sentinels[0] != '\0' &&
        !hostlist_valid(cfg->redis_sentinels)) {
        append_error(err, errlen,
                     "REDIS_SENTINELS: must be host:port[,host:port...] with "
                     "ports from 1 to 65535");
        bad++;
    }
    /* The rebuild lock must outlive the slowest rebuild, or a second
     * responder starts one on an already slow database: a reconnect, then
     * two tries of delay + query, each bounded by the read timeout. */
    if (bad == 0) {
        long long read_s = cfg->mysql_timeout_s + (cfg->db_delay_ms + 999) / 1000;
        long long min_lock_ms =
            1000 * (cfg->mysql_timeout_s + 2 * (2 * read_s));
        if (cfg->cache_lock_ms < min_lock_ms) {
            snprintf(err, errlen,
                     "CACHE_LOCK_MS: must be at least %lld with MYSQL_TIMEOUT_S="
                     "%lld and DB_DELAY_MS=%lld (the slowest rebuild)",
                     min_lock_ms, cfg->mysql_timeout_s, cfg->db_delay_ms);
            bad++;
        }
    }
    /* Each process gets CACHE_REBUILDS_MAX / POOL_SIZE slots: at least one,
     * and together never more than the cap. */
    if (bad == 0 && cfg->cache_rebuilds_max < cfg->pool_size) {
        snprintf(err, errlen,
                 "CACHE_REBUILDS_MAX: must be at least POOL_SIZE (%lld): each "
                 "responder needs one rebuild slot",
                 cfg->pool_size);
        bad++;
    }
    return bad == 0 ? 0 : -1;
}

/* The range column: the bounds an entry is checked against. */
static void describe_range(const struct config_entry *e, char *out,
                           size_t outlen)
{
    if (e->type == CONFIG_MODE)
        snprintf(out, outlen, "`baseline` or `cached`");
    else if (e->type == CONFIG_INT)
        snprintf(out, outlen, "%lld to %lld", e->min, e->max);
    else
        snprintf(out, outlen, "%lld to %lld bytes", e->min, e->max);
}

int config_write_reference(FILE *out)
{
    char range[64];

    fputs("# Configuration\n\n"
          "<!-- Generated by `fcgi-app --help-config` from the table in "
          "fcgi-app/src/config.c.\n"
          "     Do not edit: change the table, then run\n"
          "     fcgi-app/build/fcgi-app --help-config > "
          "docs/configuration.md -->\n\n"
          "The responder reads these environment variables once, at "
          "start-up. An unset\n"
          "variable takes its default; a set one must be valid (an empty "
          "value is an\n"
          "error, numbers must parse completely and lie in the range), "
          "otherwise the\n"
          "responder names every bad variable and exits. "
          "`fcgi-app --check-config` prints\n"
          "the effective settings, secrets masked.\n\n"
          "| Variable | Default | Range | Description |\n"
          "|---|---|---|---|\n",
          out);
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        const struct config_entry *e = &config_table[i];

        describe_range(e, range, sizeof(range));
        fprintf(out, "| `%s` | %s%s%s | %s | %s |\n", e->name,
                e->default_value ? "`" : "",
                e->default_value ? e->default_value : "(unset)",
                e->default_value ? "`" : "", range, e->help);
    }
    fputs("\nOne rule spans settings: `CACHE_LOCK_MS` must be at least\n"
          "1000 x (`MYSQL_TIMEOUT_S` + 4 x (`MYSQL_TIMEOUT_S` + "
          "`DB_DELAY_MS`/1000 rounded up)),\n"
          "the slowest rebuild (a reconnect, then two tries of delay and "
          "query), so a\n"
          "lock never expires while its rebuild still runs.\n"
          "`CACHE_REBUILDS_MAX` must be at least `POOL_SIZE`: each responder "
          "takes\n"
          "`CACHE_REBUILDS_MAX` / `POOL_SIZE` (rounded down) rebuild slots, "
          "so the pool\n"
          "never runs more than `CACHE_REBUILDS_MAX` at once.\n",
          out);
    return ferror(out) || fflush(out) != 0 ? -1 : 0;
}

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

int config_load_env(struct config *cfg, char *err, size_t errlen)
{
    return config_load(cfg, env_lookup, err, errlen);
}

void config_describe(const struct config *cfg, char *out, size_t outlen)
{
    const char *base = (const char *)cfg;
    size_t used = 0;

    if (outlen == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < CONFIG_COUNT && used < outlen; i++) {
        const struct config_entry *e = &config_table[i];
        const char *sep = used > 0 ? " " : "";
        int n = 0;

        if (e->type == CONFIG_MODE)
            n = snprintf(out + used, outlen - used, "%s%s=%s", sep, e->name,
                         config_mode_name(cfg->mode));
        else if (e->type == CONFIG_INT)
            n = snprintf(out + used, outlen - used, "%s%s=%lld", sep, e->name,
                         *(const long long *)(const void *)(base + e->offset));
        else if (base[e->offset] == '\0')
            n = snprintf(out + used, outlen - used, "%s%s=(unset)", sep,
                         e->name);
        else
            n = snprintf(out + used, outlen - used, "%s%s=%s", sep, e->name,
                         e->secret ? "***" : base + e->offset);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
