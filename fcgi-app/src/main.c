/*
 * main: start-up of one responder process. spawn-fcgi hands us the
 * listening socket as fd 0 and multiwatch runs POOL_SIZE of us on it; each
 * process serves it with RESPONDER_THREADS threads (workers.c).
 *
 * What is per process and shared by its threads: the settings, the two
 * MySQL connection pools (store.c; bounded by DB_CONNECTIONS), the L1 copy
 * and its invalidation connection (l1.c, tracking.c). What is per thread:
 * the Redis connection (cache.c), so no lock is taken on a strict HIT.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <fcgiapp.h>

#include "app.h"
#include "cache.h"
#include "config.h"
#include "gate.h"
#include "health.h"
#include "hostlist.h"
#include "l1.h"
#include "l1_lease.h"
#include "log.h"
#include "master_lease.h"
#include "metrics.h"
#include "reads.h"
#include "store.h"
#include "tracking.h"
#include "workers.h"

/* Redis as configured, for every cache and tracking handle; the strings
 * stay in cfg, which lives as long as the process (cache_open). */
static struct cache_options redis_options(const struct config *cfg)
{
    return (struct cache_options){
        .host = cfg->redis_host,
        .port = (int)cfg->redis_port,
        .socket = cfg->redis_socket,
        .timeout_ms = cfg->redis_timeout_ms,
        .user = cfg->redis_user,
        .password = cfg->redis_password,
        .sentinels = cfg->redis_sentinels,
        .master_name = cfg->redis_master_name,
        .gen_key = PRODUCTS_GEN_KEY,
        .wait_ms = cfg->redis_wait_ms,
    };
}

/* A thread's app: the process's (arg: everything but the cache, built
 * once before the threads start) plus a Redis connection of its own. */
static int make_thread_app(struct app *app, void *arg)
{
    const struct app *shared = arg;
    struct cache_options redis = redis_options(shared->cfg);

    *app = *shared;
    /* Both modes keep a cache handle: baseline reads never use it, but its
     * writes still invalidate, so a later cached run cannot serve data from
     * before them. */
    app->cache = cache_open(&redis);
    return app->cache != NULL ? 0 : -1;
}

static void free_thread_app(struct app *app, void *arg)
{
    (void)arg;
    cache_close(app->cache);
    store_thread_end();
}

/* The read-only user's pool on the primary; replicas differ only in
 * their address. */
static struct store_options reader_options(const struct config *cfg)
{
    return (struct store_options){
        .host = cfg->mysql_host,
        .port = (int)cfg->mysql_port,
        .socket = cfg->mysql_socket,
        .database = cfg->mysql_database,
        .user = cfg->mysql_user,
        .password = cfg->mysql_password,
        .timeout_s = cfg->mysql_timeout_s,
        .delay_ms = cfg->db_delay_ms,
        .max_connections = (size_t)cfg->db_connections,
    };
}

static int open_stores(struct app *sh, const struct config *cfg)
{
    struct store_options db = reader_options(cfg);

    sh->cfg = cfg;
    sh->reader = store_open(&db);
    db.user = cfg->mysql_write_user;
    db.password = cfg->mysql_write_password;
    db.delay_ms = 0; /* the delay simulates a slow read, not a slow write */
    db.bounded_writes = true;
    sh->writer = store_open(&db);
    /* This process's share of the host's cap (config.c checks that it is at
     * least one), with as many waiters: misses hold at most twice that
     * many threads, whatever comes in. */
    size_t slots = (size_t)(cfg->cache_rebuilds_max / cfg->pool_size);
    sh->rebuilds = gate_open(slots, slots);
    sh->ready_cache = health_cache_open();
    return sh->reader && sh->writer && sh->rebuilds && sh->ready_cache ? 0
                                                                       : -1;
}

/* One reader pool per entry of DB_READ_HOSTS ("host:port,..."). -1 on a
 * malformed entry (named in err) or out of memory. */
static int open_replicas(struct app *sh, const struct config *cfg,
                         char *err, size_t errlen)
{
    const char *list = cfg->db_read_hosts;
    size_t n = hostlist_count(list);
    struct host_port hp;
    int rc;

    if (n == 0)
        return 0;
    sh->replicas = calloc(n, sizeof(*sh->replicas));
    if (sh->replicas == NULL)
        return -1;
    while (sh->replica_count < n && (rc = hostlist_next(&list, &hp)) != 0) {
        struct store_options db = reader_options(cfg);

        if (rc < 0) {
            snprintf(err, errlen,
                     "DB_READ_HOSTS: '%s' is not host:port (port 1-65535)",
                     hp.host);
            return -1;
        }
        db.host = hp.host;
        db.port = hp.port;
        db.socket = NULL;
        sh->replicas[sh->replica_count] = store_open(&db);
        if (sh->replicas[sh->replica_count] == NULL)
            return -1;
        sh->replica_count++;
    }
    return 0;
}

/* The in-process copy and its invalidation connection: once per process,
 * shared by every thread. */
static int open_l1(struct app *sh, const struct config *cfg)
{
    /* Static: the holder's thread keeps using it (l1_lease_start). */
    static struct cache_options redis;

    redis = redis_options(cfg);
    if (cfg->mode != APP_MODE_CACHED || !cfg->cache_l1)
        return 0;
    sh->l1 = l1_open((size_t)cfg->cache_l1_max_bytes);
    if (sh->l1 != NULL)
        sh->tracking = tracking_open(&redis, PRODUCTS_PREFIX, sh->l1);
    if (sh->tracking != NULL)
        sh->l1_lease = l1_lease_start(sh->tracking, &redis, PRODUCTS_PREFIX);
    return sh->l1_lease != NULL ? 0 : -1;
}

/* The pool's shared counters (metrics.h); a file we cannot use is fatal,
 * like a bad setting: the pool would otherwise report partial numbers. */
static int open_metrics(const struct config *cfg)
{
    struct metrics_options opt = {
        .path = cfg->metrics_file,
        .enabled = cfg->metrics != 0,
        .threads = (unsigned)cfg->responder_threads,
        .mode = config_mode_name(cfg->mode),
    };
    char err[512];

    if (metrics_open(&opt, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "fcgi-app: %s\n", err);
    return -1;
}

/* Every kept nginx connection is a descriptor: take the hard limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    static struct config cfg;
    struct app sh = {0}; /* what the threads share (make_thread_app) */
    struct workers_hooks hooks = {make_thread_app, free_thread_app, &sh};
    char err[1024], described[2048];
    int status = EXIT_FAILURE;

    /* The settings reference needs no (valid) environment. */
    if (argc > 1 && strcmp(argv[1], "--help-config") == 0)
        return config_write_reference(stdout) == 0 ? EXIT_SUCCESS
                                                   : EXIT_FAILURE;
    if (config_load_env(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "fcgi-app: bad configuration: %s\n", err);
        return EXIT_FAILURE;
    }
    config_describe(&cfg, described, sizeof(described));
    if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
        printf("%s\n", described);
        return EXIT_SUCCESS;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--check-config | --help-config]\n",
                argv[0]);
        return EXIT_FAILURE;
    }
    if (FCGX_IsCGI()) {
        fprintf(stderr, "fcgi-app: stdin is not a FastCGI socket; start it "
                        "with spawn-fcgi (see fcgi-app/start-pool)\n");
        return EXIT_FAILURE;
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "fcgi-app: libfcgi failed to initialise\n");
        return EXIT_FAILURE;
    }
    if (store_library_init() != 0) {
        fprintf(stderr, "fcgi-app: the MySQL client library failed to "
                        "initialise\n");
        return EXIT_FAILURE;
    }
    err[0] = '\0';
    if (open_metrics(&cfg) != 0)
        return EXIT_FAILURE;
    /* Sentinel mode: which master, for how long (master_lease.h). */
    static struct cache_options lease_redis;
    lease_redis = redis_options(&cfg);
    if (!master_lease_start(&lease_redis)) {
        fprintf(stderr, "fcgi-app: cannot start the master lease thread\n");
        return EXIT_FAILURE;
    }
    if (open_stores(&sh, &cfg) != 0 || open_l1(&sh, &cfg) != 0 ||
        open_replicas(&sh, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "fcgi-app: %s\n",
                err[0] ? err : "out of memory at start-up");
        goto close;
    }
    raise_fd_limit();
    /* glibc gives each thread its own malloc arena (64 MB reserved, pages
     * kept after use): with RESPONDER_THREADS threads that alone would push
     * a responder past its memory budget. Two arenas for two cores. */
    mallopt(M_ARENA_MAX, 2);
    log_msg(LOG_INFO, "main", "ready: %s", described);
    if (workers_run(0, (size_t)cfg.responder_threads, &hooks) == 0)
        status = EXIT_SUCCESS;
    log_msg(LOG_INFO, "main", "stopped");
close:
    master_lease_stop();
    l1_lease_stop(sh.l1_lease);
    tracking_close(sh.tracking);
    l1_close(sh.l1);
    store_close(sh.reader);
    store_close(sh.writer);
    gate_close(sh.rebuilds);
    health_cache_close(sh.ready_cache);
    for (size_t i = 0; i < sh.replica_count; i++)
        store_close(sh.replicas[i]);
    free(sh.replicas);
    store_library_end();
    metrics_close();
    return status;
}
