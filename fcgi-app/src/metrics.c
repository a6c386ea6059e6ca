/* metrics: a fixed array of process-local counters and their JSON view. */
#include "metrics.h"

#include <stdatomic.h>
#include <unistd.h>

#include "json.h"

/* Shared by the threads of the process; relaxed atomics: each counter is
 * exact, no order between them is promised. */
static _Atomic unsigned long long counters[METRIC_COUNT];

static const char *const metric_names[METRIC_COUNT] = {
    "requests",    "cache_hit",    "cache_miss", "cache_stale",
    "cache_bypass", "cache_waited", "db_queries", "db_errors",
    "redis_errors", "invalidation_failed",
};

void metrics_count(enum metric m)
{
    atomic_fetch_add_explicit(&counters[m], 1, memory_order_relaxed);
}

void metrics_reply(struct reply *r)
{
    const char *names[METRIC_COUNT + 1] = {"pid"};
    unsigned long long values[METRIC_COUNT + 1] = {(unsigned long long)getpid()};
    size_t len = 0;
    char *body;

    for (size_t i = 0; i < METRIC_COUNT; i++) {
        names[i + 1] = metric_names[i];
        values[i + 1] = atomic_load_explicit(&counters[i], memory_order_relaxed);
    }
    body = json_render_counts(&len, names, values, METRIC_COUNT + 1);
    reply_json(r, 200, body, len);
}
