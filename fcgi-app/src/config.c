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

enum config_type { CONFIG_INT, CONFIG_STRING, CONFIG_MODE };

struct config_entry {
    const char *name;
    enum config_type type;
    const char *default_value; /* NULL: stays empty unless set */
    long long min, max;        /* bounds for ints; max length for strings */
    size_t offset;
    bool secret;
};

#define FIELD(f) offsetof(struct config, f)
#define STR_MAX (CONFIG_STR_MAX - 1)

static const struct config_entry config_table[] = {
    {"APP_MODE", CONFIG_MODE, "cached", 0, 0, FIELD(mode), false},
    /* Default delay: with 50 users and 1 s think time a baseline request
     * costs a few hundred ms, like the seed's slow query. */
    {"DB_DELAY_MS", CONFIG_INT, "300", 0, 60000, FIELD(db_delay_ms), false},
    {"MYSQL_HOST", CONFIG_STRING, "127.0.0.1", 1, STR_MAX, FIELD(mysql_host),
     false},
    {"MYSQL_PORT", CONFIG_INT, "3306", 1, 65535, FIELD(mysql_port), false},
    {"MYSQL_SOCKET", CONFIG_STRING, NULL, 1, 107, FIELD(mysql_socket), false},
    {"MYSQL_DATABASE", CONFIG_STRING, "products", 1, 64, FIELD(mysql_database),
     false},
    {"MYSQL_USER", CONFIG_STRING, "products_reader", 1, 80, FIELD(mysql_user),
     false},
    {"MYSQL_PASSWORD", CONFIG_STRING, NULL, 1, STR_MAX, FIELD(mysql_password),
     true},
    {"MYSQL_WRITE_USER", CONFIG_STRING, "products_writer", 1, 80,
     FIELD(mysql_write_user), false},
    {"MYSQL_WRITE_PASSWORD", CONFIG_STRING, NULL, 1, STR_MAX,
     FIELD(mysql_write_password), true},
    {"MYSQL_TIMEOUT_S", CONFIG_INT, "2", 1, 60, FIELD(mysql_timeout_s), false},
    {"REDIS_HOST", CONFIG_STRING, "127.0.0.1", 1, STR_MAX, FIELD(redis_host),
     false},
    {"REDIS_PORT", CONFIG_INT, "6379", 1, 65535, FIELD(redis_port), false},
    {"REDIS_SOCKET", CONFIG_STRING, NULL, 1, 107, FIELD(redis_socket), false},
    {"REDIS_TIMEOUT_MS", CONFIG_INT, "200", 10, 10000, FIELD(redis_timeout_ms),
     false},
    {"CACHE_TTL_S", CONFIG_INT, "60", 1, 86400, FIELD(cache_ttl_s), false},
    {"CACHE_STALE_S", CONFIG_INT, "600", 0, 604800, FIELD(cache_stale_s),
     false},
    {"CACHE_LOCK_MS", CONFIG_INT, "30000", 100, 3600000, FIELD(cache_lock_ms),
     false},
    {"CACHE_WAIT_MS", CONFIG_INT, "2000", 0, 600000, FIELD(cache_wait_ms),
     false},
    /* 0 turns the stampede guard off (for measuring what it saves). */
    {"CACHE_GUARD", CONFIG_INT, "1", 0, 1, FIELD(cache_guard), false},
    /* 1: hot answers also kept in each responder process, invalidated by
     * Redis (docs/hot-path-cache.md); 0: every hit asks Redis. */
    {"CACHE_L1", CONFIG_INT, "1", 0, 1, FIELD(cache_l1), false},
    /* Per process; entries past it are evicted, least recently used first. */
    {"CACHE_L1_MAX_BYTES", CONFIG_INT, "4194304", 65536, 1073741824,
     FIELD(cache_l1_max_bytes), false},
    {"ADMIN_TOKEN", CONFIG_STRING, NULL, 16, STR_MAX, FIELD(admin_token), true},
    {"BODY_MAX_BYTES", CONFIG_INT, "4096", 64, 1048576, FIELD(body_max_bytes),
     false},
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
    return bad == 0 ? 0 : -1;
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
