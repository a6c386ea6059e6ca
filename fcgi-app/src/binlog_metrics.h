/*
 * binlog_metrics: the invalidator's counters, gauges and histograms, and
 * the small HTTP listener that serves them as Prometheus text on GET
 * /metrics (its own port: the invalidator is no FastCGI responder). Atomic
 * counters, safe from any thread.
 */
#ifndef BINLOG_METRICS_H
#define BINLOG_METRICS_H

#include <stdbool.h>

#include "binlog_change.h"

/* Event kinds, the label of binlog_invalidator_events_total. */
enum bm_event {
    BM_EV_ROWS,
    BM_EV_TABLE_MAP,
    BM_EV_GTID,
    BM_EV_COMMIT,
    BM_EV_QUERY,
    BM_EV_HEARTBEAT,
    BM_EV_OTHER,
    BM_EV_COUNT
};

enum bm_counter {
    BM_INVALIDATED_IDS,        /* transactions invalidated by id */
    BM_INVALIDATED_ALL,        /* invalidations of everything */
    BM_SETTLE_INVALIDATIONS,   /* second (visibility) invalidations */
    BM_POSITION_SAVES,
    BM_RECONNECTS,
    BM_REDIS_RETRIES,          /* an invalidation Redis refused, retried */
    BM_HANDLED_BY_WRITER,      /* invalidations skipped: an API write's own */
    BM_LEFT_TO_SETTLE,         /* first invalidations left to the settle */
    BM_COUNTER_COUNT
};

void binlog_metrics_event(enum bm_event kind);
void binlog_metrics_count(enum bm_counter c);
void binlog_metrics_fallback(enum binlog_all_reason reason);
void binlog_metrics_connected(bool up);

/* A transaction committed at commit_s (binlog header: whole seconds) was
 * invalidated at now_ms (wall clock) after apply_ms of our own work. */
void binlog_metrics_lag(long long commit_s, long long now_ms,
                        long long apply_ms);

/* Starts the listener on addr:port in its own thread (port 0: none).
 * Returns 0, or -1 when it cannot bind. */
int binlog_metrics_serve(const char *addr, int port);

/* Prometheus text of everything, for tests and the listener. Returns the
 * length written (cut at outlen - 1). */
int binlog_metrics_text(char *out, size_t outlen);

#endif
