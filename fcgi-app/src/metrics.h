/*
 * metrics: counters of this responder process, served by GET /admin/stats.
 * Each process of the pool counts for itself (the body carries its pid);
 * tests and the bench read MySQL's own counters for totals.
 */
#ifndef METRICS_H
#define METRICS_H

#include "reply.h"

enum metric {
    METRIC_REQUESTS,
    METRIC_CACHE_HIT,
    METRIC_CACHE_MISS,
    METRIC_CACHE_STALE,
    METRIC_CACHE_BYPASS,
    METRIC_CACHE_WAITED,
    METRIC_DB_QUERIES,
    METRIC_DB_ERRORS,
    METRIC_REDIS_ERRORS,
    METRIC_INVALIDATION_FAILED,
    METRIC_COUNT
};

void metrics_count(enum metric m);

/* 200 with {"pid": ..., "<counter>": n, ...}. */
void metrics_reply(struct reply *r);

#endif
