/*
 * metrics: the pool's counters and latency histograms, in a segment every
 * responder process maps (a file, METRICS_FILE, shared with MAP_SHARED), so
 * any one responder can answer GET /metrics for the whole pool, and what a
 * responder counted stays counted when it dies (even by SIGKILL).
 *
 * Each process claims a slot of the segment at start-up and counts into it
 * only (no cache line is written by two processes); a scrape adds up the
 * slots. A restarted responder reuses a dead one's slot and keeps adding to
 * its numbers, so no counter ever goes backwards.
 *
 * Before metrics_open(), or with METRICS=0, every counting call is a no-op.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"

/* The route label of a request (router.c sets it per route row). */
enum metric_route {
    MROUTE_PRODUCTS,
    MROUTE_PRODUCT,
    MROUTE_HEALTHZ,
    MROUTE_READYZ,
    MROUTE_METRICS,
    MROUTE_ADMIN_STATS,
    MROUTE_OTHER, /* no route matched (404) */
    MROUTE_COUNT
};

/* Plain counters. */
enum metric {
    METRIC_CACHE_WAITED,        /* a miss waited for another's rebuild */
    METRIC_CACHE_WAIT_TIMEOUT,  /* ... and gave up after CACHE_WAIT_MS */
    METRIC_DB_ERRORS,
    METRIC_REDIS_ERRORS,
    METRIC_INVALIDATION_OK,
    METRIC_INVALIDATION_FAILED,
    /* Scoped invalidations (cache_invalidate_products) by change kind, the
     * fallbacks to invalidating everything, and the entry keys deleted. */
    METRIC_INVALIDATED_UPDATE,
    METRIC_INVALIDATED_INSERT,
    METRIC_INVALIDATED_DELETE,
    METRIC_INVALIDATED_ALL,
    METRIC_INVALIDATED_KEYS,
    METRIC_COUNT
};

/* Duration histograms of calls to the two servers. */
enum metric_timer { MTIMER_REDIS, MTIMER_MYSQL, MTIMER_COUNT };

/* What metrics_open() needs to know about this process. */
struct metrics_options {
    const char *path; /* segment file; NULL or "": private memory */
    bool enabled;     /* false: count nothing (METRICS=0) */
    unsigned threads; /* this process's RESPONDER_THREADS */
    const char *mode; /* "cached" or "baseline", for build info */
};

/*
 * Maps (creating if needed) the segment file and claims this process's
 * slot; counts one responder start. Returns 0, or -1 with err filled (the
 * file cannot be opened or mapped, or it has another layout). Call once,
 * before the threads start.
 */
int metrics_open(const struct metrics_options *opt, char *err, size_t errlen);

/* Unmaps the segment; the counts stay in the file. */
void metrics_close(void);

void metrics_count(enum metric m);

/* Adds n to counter m. */
void metrics_add(enum metric m, unsigned long long n);

/* A monotonic timestamp for metrics_observe() (0 when metrics are off). */
long long metrics_clock(void);

/* Adds the time since start (from metrics_clock()) to timer's histogram. */
void metrics_observe(enum metric_timer t, long long start);

/* A request begins: marks a thread busy; returns its start for
 * metrics_request_end(). */
long long metrics_request_begin(void);

/* A request has been answered: counts it by route, status class and cache
 * outcome (from r's X-Cache headers), and its duration by outcome. */
void metrics_request_end(long long start, enum metric_route route,
                         const struct reply *r);

/* GET /admin/stats: 200 with a JSON object of the pool's totals
 * ({"pid": <this responder>, "requests": n, "cache_hit": n, ...}). */
void metrics_reply(struct reply *r);

/* GET /metrics: 200 with the Prometheus text exposition (version 0.0.4) of
 * the whole pool. */
void metrics_reply_text(struct reply *r);

#endif
