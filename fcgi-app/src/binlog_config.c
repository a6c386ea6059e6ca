/*
 * binlog_config: INVALIDATOR_* settings (binlog_config.h), one table row
 * per setting: name, default, range, destination.
 */
#include "binlog_config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct setting {
    const char *name;
    bool is_int;
    const char *def; /* NULL: required */
    long long min, max;
    size_t offset;
};

#define INT(n, d, lo, hi, f) {n, true, d, lo, hi, offsetof(struct binlog_config, f)}
#define STR(n, d, f) {n, false, d, 1, BINLOG_CONFIG_STR - 1, offsetof(struct binlog_config, f)}

static const struct setting settings[] = {
    /* A replica id no real replica of this server uses. */
    INT("INVALIDATOR_SERVER_ID", "4242", 1, 4294967295LL, server_id),
    STR("INVALIDATOR_STATE_FILE", NULL, state_file),
    INT("INVALIDATOR_HEARTBEAT_MS", "1000", 100, 60000, heartbeat_ms),
    INT("INVALIDATOR_READ_TIMEOUT_S", "3", 1, 600, read_timeout_s),
    INT("INVALIDATOR_SETTLE_MS", "100", 0, 60000, settle_ms),
    INT("INVALIDATOR_MAX_IDS", "1000", 1, 1000000, max_ids),
    INT("INVALIDATOR_RETRY_MAX_MS", "2000", 10, 60000, retry_max_ms),
    STR("INVALIDATOR_SCHEMA", "products", schema),
    STR("INVALIDATOR_TABLE", "products", table),
    STR("INVALIDATOR_METRICS_ADDR", "127.0.0.1", metrics_addr),
    INT("INVALIDATOR_METRICS_PORT", "0", 0, 65535, metrics_port),
};

static void append(char *err, size_t errlen, const char *name,
                   const char *what)
{
    size_t used = strlen(err);

    if (used + 1 < errlen)
        snprintf(err + used, errlen - used, "%s%s: %s", used ? "; " : "",
                 name, what);
}

static int apply(struct binlog_config *cfg, const struct setting *s,
                 const char *value, char *err, size_t errlen)
{
    char *field = (char *)cfg + s->offset;
    char what[96];

    if (!s->is_int) {
        size_t len = strlen(value);

        if (len < (size_t)s->min || len > (size_t)s->max) {
            append(err, errlen, s->name, "empty or too long");
            return -1;
        }
        memcpy(field, value, len + 1);
        return 0;
    }
    {
        char *end = NULL;
        long long v;

        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0' || value[0] == '+' ||
            value[0] == ' ' || v < s->min || v > s->max) {
            snprintf(what, sizeof(what), "must be an integer from %lld to %lld",
                     s->min, s->max);
            append(err, errlen, s->name, what);
            return -1;
        }
        *(long long *)(void *)field = v;
    }
    return 0;
}

int binlog_config_load(struct binlog_config *cfg, char *err, size_t errlen)
{
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    err[0] = '\0';
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        const char *v = getenv(settings[i].name);

        if (v == NULL)
            v = settings[i].def;
        if (v == NULL) {
            append(err, errlen, settings[i].name, "required");
            rc = -1;
        } else if (apply(cfg, &settings[i], v, err, errlen) != 0) {
            rc = -1;
        }
    }
    if (rc == 0 && cfg->read_timeout_s * 1000 <= cfg->heartbeat_ms) {
        append(err, errlen, "INVALIDATOR_READ_TIMEOUT_S",
               "must be longer than INVALIDATOR_HEARTBEAT_MS");
        rc = -1;
    }
    return rc;
}
