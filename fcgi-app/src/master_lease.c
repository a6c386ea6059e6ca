/*
 * master_lease: the Sentinels asked again and again for the master; each
 * answer renews a lease on it (see master_lease.h for the rule and why).
 */
#include "master_lease.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "quiet_thread.h"
#include "sentinel.h"

/* A Sentinel that does not answer within this is skipped for the next:
 * a few of them fit in one lease. */
#define ASK_TIMEOUT_MS (MASTER_LEASE_MS / 4)

static struct {
    pthread_mutex_t lock; /* guards master */
    struct host_port master;
    pthread_t thread;
    bool running;
    atomic_bool on;
    atomic_bool stop;
    const struct cache_options *opt;
    _Atomic uint64_t seq;           /* the master's number; 0: none yet */
    _Atomic long long valid_until;  /* monotonic ms: the lease's end */
    _Atomic long long hold_until;   /* monotonic ms: see hold_ms */
} lease = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* An answer naming master, to a question sent at sent_ms. A new name
 * gets a new number; writes to it wait a lease from now, when this
 * process learned of it (a lease on the master it replaced, renewed by an
 * answer sent before now, runs out before that). */
static void record(const struct host_port *master, long long sent_ms)
{
    pthread_mutex_lock(&lease.lock);
    if (atomic_load(&lease.seq) == 0 ||
        strcmp(master->host, lease.master.host) != 0 ||
        master->port != lease.master.port) {
        lease.master = *master;
        atomic_store(&lease.hold_until, clock_mono_ms() + MASTER_LEASE_MS);
        atomic_fetch_add(&lease.seq, 1);
        log_msg(LOG_INFO, "master_lease", "the Sentinels name %s:%d the "
                "master", master->host, master->port);
    }
    atomic_store(&lease.valid_until, sent_ms + MASTER_LEASE_MS);
    pthread_mutex_unlock(&lease.lock);
}

/* One round: the Sentinel that answered last, else each in turn, until one
 * names the master. *ctx keeps the connection to the one that did. */
static bool ask(redisContext **ctx, struct host_port *master)
{
    const struct cache_options *opt = lease.opt;
    const char *list = opt->sentinels;
    struct host_port sentinel;
    int rc;

    if (*ctx != NULL) {
        if (sentinel_query_master(*ctx, opt->master_name, master))
            return true;
        redisFree(*ctx);
        *ctx = NULL;
    }
    /* Unanswered questions are not logged one by one (ten a second): the
     * lease's end is (renew_once). */
    while ((rc = hostlist_next(&list, &sentinel)) != 0) {
        char why[128];

        if (rc < 0 || (*ctx = sentinel_open(&sentinel, ASK_TIMEOUT_MS, why,
                                            sizeof(why))) == NULL)
            continue;
        if (sentinel_query_master(*ctx, opt->master_name, master))
            return true;
        redisFree(*ctx);
        *ctx = NULL;
    }
    return false;
}

/* One round of renewal; *lapsed remembers that the end was logged. */
static void renew_once(redisContext **ctx, bool *lapsed)
{
    long long sent = clock_mono_ms();
    struct host_port master;

    if (ask(ctx, &master)) {
        record(&master, sent);
        *lapsed = false;
    } else if (!*lapsed &&
               clock_mono_ms() >= atomic_load(&lease.valid_until)) {
        log_msg(LOG_WARN, "master_lease", "no Sentinel answered within %d "
                "ms: no Redis master until one does", MASTER_LEASE_MS);
        *lapsed = true;
    }
}

static redisContext *first_ctx;

static void *renew(void *arg)
{
    redisContext *ctx = first_ctx;
    bool lapsed = false;

    (void)arg;
    while (!atomic_load(&lease.stop)) {
        long long due = clock_mono_ms() + MASTER_LEASE_RENEW_MS;

        renew_once(&ctx, &lapsed);
        due -= clock_mono_ms();
        if (due > 0)
            clock_sleep_ms(due);
    }
    if (ctx != NULL)
        redisFree(ctx);
    return NULL;
}

bool master_lease_start(const struct cache_options *opt)
{
    if (opt->sentinels == NULL || opt->sentinels[0] == '\0' || lease.running)
        return true;
    lease.opt = opt;
    atomic_store(&lease.stop, false);
    /* A first answer before any request: start with a master. */
    bool lapsed = true;
    renew_once(&first_ctx, &lapsed);
    if (start_thread_quietly(&lease.thread, renew, NULL) != 0) {
        if (first_ctx != NULL)
            redisFree(first_ctx);
        first_ctx = NULL;
        return false;
    }
    lease.running = true;
    atomic_store(&lease.on, true);
    return true;
}

void master_lease_stop(void)
{
    if (!lease.running)
        return;
    atomic_store(&lease.stop, true);
    pthread_join(lease.thread, NULL);
    lease.running = false;
}

bool master_lease_on(void)
{
    return atomic_load(&lease.on);
}

uint64_t master_lease_current(void)
{
    uint64_t seq = atomic_load(&lease.seq);

    return clock_mono_ms() < atomic_load(&lease.valid_until) ? seq : 0;
}

bool master_lease_master(struct host_port *out, uint64_t *seq)
{
    bool ok;

    pthread_mutex_lock(&lease.lock);
    *seq = master_lease_current();
    ok = *seq != 0;
    if (ok)
        *out = lease.master;
    pthread_mutex_unlock(&lease.lock);
    return ok;
}

bool master_lease_confirm(uint64_t seq)
{
    long long asked_after = clock_mono_ms();
    long long give_up = asked_after + MASTER_LEASE_MS;

    /* An answer's question was sent at its lease's end minus the lease. */
    while (atomic_load(&lease.valid_until) - MASTER_LEASE_MS < asked_after) {
        if (clock_mono_ms() >= give_up)
            return false;
        clock_sleep_ms(MASTER_LEASE_RENEW_MS / 10);
    }
    return master_lease_current() == seq;
}

long long master_lease_hold_ms(void)
{
    long long left = atomic_load(&lease.hold_until) - clock_mono_ms();

    return left > 0 ? left : 0;
}
