/*
 * binlog_config: the invalidator's own settings (INVALIDATOR_*), read once
 * from the environment and checked strictly. The database and Redis
 * settings it shares with the responders (MYSQL_*, REDIS_*) come from
 * config.c; this file is the invalidator's only other getenv() caller.
 */
#ifndef BINLOG_CONFIG_H
#define BINLOG_CONFIG_H

#include <stddef.h>

#define BINLOG_CONFIG_STR 256

struct binlog_config {
    long long server_id;
    char state_file[BINLOG_CONFIG_STR];
    long long heartbeat_ms;
    long long read_timeout_s;
    long long settle_ms;
    long long max_ids;
    long long retry_max_ms;
    char schema[BINLOG_CONFIG_STR];
    char table[BINLOG_CONFIG_STR];
    char metrics_addr[BINLOG_CONFIG_STR];
    long long metrics_port;
};

/* Fills cfg from the environment (defaults for unset variables). Returns 0,
 * or -1 with every bad variable described in err. */
int binlog_config_load(struct binlog_config *cfg, char *err, size_t errlen);

#endif
