/*
 * binlog_main: the binlog invalidator's start-up and connection loop. Reads
 * the settings, starts the metrics listener and the settle thread, then
 * streams the binlog from the saved position forever: a lost link is
 * reopened with back-off at the last handled GTID; a position the server
 * no longer has (or a saved one we cannot trust, or an event we cannot
 * read) means invalidate everything and go on from the server's current
 * position, logged and counted. Never skips silently.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog_apply.h"
#include "binlog_config.h"
#include "binlog_metrics.h"
#include "binlog_position.h"
#include "binlog_settle.h"
#include "binlog_stream.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "master_lease.h"
#include "reads.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Sleeps ms in short steps, so a signal ends it soon. */
static void nap(long long ms)
{
    for (long long t = 0; t < ms && !stop; t += 100)
        clock_sleep_ms(ms - t < 100 ? ms - t : 100);
}

/* Where to start: 0 with the saved position in state, or -2 (logged) when
 * there is none we can use: the caller then takes the server's current
 * one, with *reason for the invalidation of everything. */
static int start_position(const struct binlog_config *bc,
                          struct binlog_apply *a, char *state, size_t len,
                          enum binlog_all_reason *reason)
{
    char err[512];
    int found = binlog_position_load(bc->state_file, state, len, err,
                                     sizeof(err));

    if (found == 1 && binlog_apply_restart(a, state) == 0) {
        log_msg(LOG_INFO, "main", "resuming after GTID '%s'", state);
        return 0;
    }
    if (found == 1)
        log_msg(LOG_WARN, "main", "saved position unusable (more than %d "
                                  "replication domains)",
                BINLOG_DOMAINS_MAX);
    else if (found < 0)
        log_msg(LOG_WARN, "main", "saved position unusable (%s)", err);
    else
        log_msg(LOG_INFO, "main", "no saved position (%s)", bc->state_file);
    *reason = BINLOG_ALL_POSITION;
    return -2; /* the caller asks the server */
}

/* Invalidates everything and makes the server's current position ours. */
static int from_current(const struct binlog_stream_options *so,
                        struct binlog_apply *a, enum binlog_all_reason reason,
                        long long retry_max_ms, char *state, size_t len)
{
    char err[512];
    long long wait_ms = 100;

    /* Position first, invalidation second: every change before the
     * position is then covered by the invalidation, every later one by
     * the stream. */
    while (binlog_stream_server_position(so, state, len, err, sizeof(err)) !=
           0) {
        log_msg(LOG_WARN, "main", "current position: %s", err);
        if (stop)
            return -1;
        nap(wait_ms);
        wait_ms = wait_ms * 2 > retry_max_ms ? retry_max_ms : wait_ms * 2;
    }
    return binlog_apply_everything(a, reason, state);
}

/* One connection: streams until it ends. Returns what ended it. */
static enum binlog_next stream_once(const struct binlog_stream_options *so,
                                    struct binlog_apply *a, const char *state,
                                    bool *opened)
{
    char err[512];
    struct binlog_stream *s = binlog_stream_open(so, state, err, sizeof(err));
    struct binlog_event ev;
    enum binlog_next r;

    *opened = s != NULL;
    if (s == NULL) {
        log_msg(LOG_WARN, "main", "binlog: %s", err);
        return BINLOG_DISCONNECTED;
    }
    binlog_metrics_count(BM_RECONNECTS);
    binlog_metrics_connected(true);
    log_msg(LOG_INFO, "main", "streaming the binlog after GTID '%s'", state);
    while (!stop &&
           (r = binlog_stream_next(s, &ev, err, sizeof(err))) == BINLOG_EVENT)
        if (binlog_apply_event(a, &ev) != 0)
            break;
    if (stop)
        r = BINLOG_DISCONNECTED;
    else if (r != BINLOG_EVENT)
        log_msg(r == BINLOG_DISCONNECTED ? LOG_WARN : LOG_ERROR, "main",
                "binlog stream ended: %s", err);
    binlog_metrics_connected(false);
    binlog_stream_close(s);
    return r;
}

static void run(const struct config *cfg, const struct binlog_config *bc,
                struct binlog_apply *a)
{
    struct binlog_stream_options so = {
        .host = cfg->mysql_host,
        .port = (int)cfg->mysql_port,
        .socket = cfg->mysql_socket,
        .user = cfg->mysql_user,
        .password = cfg->mysql_password,
        .server_id = (unsigned)bc->server_id,
        .heartbeat_ms = bc->heartbeat_ms,
        .read_timeout_s = bc->read_timeout_s,
        .connect_timeout_s = cfg->mysql_timeout_s,
    };
    char state[BINLOG_POSITION_MAX];
    enum binlog_all_reason reason = BINLOG_ALL_POSITION;
    long long wait_ms = 100;
    int rc = start_position(bc, a, state, sizeof(state), &reason);

    if (rc == -2)
        rc = from_current(&so, a, reason, bc->retry_max_ms, state,
                          sizeof(state));
    while (rc == 0 && !stop) {
        bool opened;
        enum binlog_next r = stream_once(&so, a, state, &opened);

        if (stop)
            break;
        if (r == BINLOG_POSITION_LOST || r == BINLOG_UNREADABLE) {
            rc = from_current(&so, a,
                              r == BINLOG_POSITION_LOST ? BINLOG_ALL_POSITION
                                                        : BINLOG_ALL_UNREADABLE,
                              bc->retry_max_ms, state, sizeof(state));
            continue;
        }
        /* Resume where the last handled group ended. */
        binlog_apply_state(a, state, sizeof(state));
        if (binlog_apply_restart(a, state) != 0)
            break;
        wait_ms = opened ? 100 : (wait_ms * 2 > bc->retry_max_ms
                                      ? bc->retry_max_ms
                                      : wait_ms * 2);
        nap(wait_ms);
    }
}

int main(void)
{
    static struct config cfg;
    static struct binlog_config bc;
    char err[2048];
    struct cache_options redis;
    struct cache *cache;
    struct binlog_settle *settle;
    struct binlog_apply *a;
    struct sigaction sa = {.sa_handler = on_signal};

    if (config_load_env(&cfg, err, sizeof(err)) != 0 ||
        binlog_config_load(&bc, err, sizeof(err)) != 0) {
        fprintf(stderr, "binlog-invalidator: bad settings: %s\n", err);
        return 2;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    redis = (struct cache_options){
        .host = cfg.redis_host,
        .port = (int)cfg.redis_port,
        .socket = cfg.redis_socket,
        .timeout_ms = cfg.redis_timeout_ms,
        .user = cfg.redis_user,
        .password = cfg.redis_password,
        .sentinels = cfg.redis_sentinels,
        .master_name = cfg.redis_master_name,
        .gen_key = PRODUCTS_GEN_KEY,
        .wait_ms = cfg.redis_wait_ms,
    };
    /* Metrics are for watching it, not for doing the job: a taken port
     * must not stop invalidations. */
    if (binlog_metrics_serve(bc.metrics_addr, (int)bc.metrics_port) != 0)
        log_msg(LOG_WARN, "main", "running without /metrics");
    if (!master_lease_start(&redis)) {
        fprintf(stderr, "binlog-invalidator: cannot start the master lease "
                        "thread\n");
        return 1;
    }
    cache = cache_open(&redis);
    settle = binlog_settle_open(&redis, bc.settle_ms, bc.state_file);
    a = cache && settle ? binlog_apply_open(&bc, cache, settle, &stop) : NULL;
    if (a == NULL) {
        fprintf(stderr, "binlog-invalidator: out of memory\n");
        binlog_settle_close(settle);
        cache_close(cache);
        return 1;
    }
    log_msg(LOG_INFO, "main", "watching %s.%s as replica %lld; heartbeat %lld "
                              "ms, read timeout %lld s, settle %lld ms",
            bc.schema, bc.table, bc.server_id, bc.heartbeat_ms,
            bc.read_timeout_s, bc.settle_ms);
    run(&cfg, &bc, a);
    log_msg(LOG_INFO, "main", "stopping");
    binlog_apply_close(a);
    binlog_settle_close(settle);
    cache_close(cache);
    master_lease_stop();
    return 0;
}
