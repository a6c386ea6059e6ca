/*
 * l1_lease: the holder's acknowledging thread (see l1_lease.h for the
 * rule and why it holds; the writer's wait is cache_l1_wait).
 */
#include "l1_lease.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "quiet_thread.h"
#include "tracking.h"

/* How long the holder's thread waits for a message before it syncs anyway
 * (so that pings go on without requests). */
#define HOLDER_WAIT_MS 20

struct l1_lease {
    pthread_t thread;
    atomic_bool stop;
    struct tracking *tracking;
    struct cache *cache;
    char prefix[64];
    char holder[96]; /* "<host>:<pid>": one per process */
};

static void *acknowledge(void *arg)
{
    struct l1_lease *h = arg;
    long long syncs[CACHE_L1_ACK_MAX];

    while (!atomic_load(&h->stop)) {
        size_t n;

        tracking_wait(h->tracking, HOLDER_WAIT_MS);
        /* Applies what arrived (sync numbers among it) and pings. A number
         * is acknowledged only once applied, and only by a holder that got
         * it: a writer counts exactly the holders Redis published it to.
         * One that cannot be recorded is not retried: its writer waits
         * out the lease. */
        tracking_sync(h->tracking);
        n = tracking_take_syncs(h->tracking, syncs);
        if (n > 0)
            cache_l1_ack(h->cache, h->prefix, h->holder, syncs, n);
    }
    return NULL;
}

struct l1_lease *l1_lease_start(struct tracking *t,
                                const struct cache_options *opt,
                                const char *prefix)
{
    struct l1_lease *h = calloc(1, sizeof(*h));
    char host[64] = "host";

    if (h == NULL || strlen(prefix) >= sizeof(h->prefix))
        goto fail;
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(h->holder, sizeof(h->holder), "%s:%ld", host, (long)getpid());
    memcpy(h->prefix, prefix, strlen(prefix) + 1);
    h->tracking = t;
    h->cache = cache_open(opt);
    if (h->cache == NULL ||
        start_thread_quietly(&h->thread, acknowledge, h) != 0)
        goto fail;
    return h;
fail:
    if (h != NULL)
        cache_close(h->cache);
    free(h);
    return NULL;
}

void l1_lease_stop(struct l1_lease *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    cache_close(h->cache);
    free(h);
}
