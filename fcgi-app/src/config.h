/*
 * config: every setting the responder reads from its environment, validated
 * once at start-up into a const struct. No other file calls getenv().
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum app_mode { APP_MODE_BASELINE, APP_MODE_CACHED };

#define CONFIG_STR_MAX 256

struct config {
    enum app_mode mode;
    long long db_delay_ms;
    char mysql_host[CONFIG_STR_MAX];
    long long mysql_port;
    char mysql_socket[CONFIG_STR_MAX];
    char mysql_database[CONFIG_STR_MAX];
    char mysql_user[CONFIG_STR_MAX];
    char mysql_password[CONFIG_STR_MAX];
    char mysql_write_user[CONFIG_STR_MAX];
    char mysql_write_password[CONFIG_STR_MAX];
    long long mysql_timeout_s;
    char db_read_hosts[CONFIG_STR_MAX];
    long long db_read_wait_ms;
    char redis_host[CONFIG_STR_MAX];
    long long redis_port;
    char redis_socket[CONFIG_STR_MAX];
    long long redis_timeout_ms;
    char redis_user[CONFIG_STR_MAX];     /* empty: the default user */
    char redis_password[CONFIG_STR_MAX]; /* empty: no AUTH */
    char redis_sentinels[CONFIG_STR_MAX];
    char redis_master_name[CONFIG_STR_MAX];
    long long redis_wait_ms;
    long long cache_ttl_s;
    long long cache_stale_s;
    long long cache_lock_ms;
    long long cache_wait_ms;
    long long cache_guard; /* 1: stampede guard on; 0: naive cache-aside */
    long long cache_l1;    /* 1: in-process copy (L1) of hot answers */
    long long cache_l1_max_bytes;
    char admin_token[CONFIG_STR_MAX];
    long long body_max_bytes;
    long long responder_threads;
    long long db_connections;
    long long edge_cache_ms; /* 0: no edge lifetime sent (edge.c) */
    long long pool_size;            /* responder processes on this host */
    long long cache_rebuilds_max;   /* host-wide cap on rebuilds at once */
    long long cache_rebuild_wait_ms;
    long long cache_negative_ttl_s; /* unknown ids, pages past the end */
    long long cache_scope_max_ids;  /* more changed ids: invalidate all */
    long long metrics; /* 1: count for GET /metrics */
    char metrics_file[CONFIG_STR_MAX];
};

/* Looks a variable up by name; returns NULL when it is unset. */
typedef const char *(*config_lookup_fn)(const char *name);

/*
 * Fills cfg from lookup (getenv in production, a table in tests). Unset
 * variables take their defaults; set ones must parse completely and lie in
 * range. Returns 0, or -1 with every bad variable described in err.
 */
int config_load(struct config *cfg, config_lookup_fn lookup, char *err,
                size_t errlen);

/* config_load() with the process environment. */
int config_load_env(struct config *cfg, char *err, size_t errlen);

/* One line "NAME=value ..." of the effective settings, secrets masked. */
void config_describe(const struct config *cfg, char *out, size_t outlen);

const char *config_mode_name(enum app_mode mode);

/* Writes the settings reference as Markdown (docs/configuration.md): one
 * table row per setting with its default, range and description. Returns 0,
 * or -1 when writing failed. */
int config_write_reference(FILE *out);

#endif
