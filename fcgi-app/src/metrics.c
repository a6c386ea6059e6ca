/* metrics: a fixed array of process-local counters and their JSON view. */
#include "metrics.h"

#include <unistd.h>

#include "json.h"

static unsigned long long counters[METRIC_COUNT];

static const char *const metric_names[METRIC_COUNT] = {
    "requests",    "cache_hit",    "cache_miss", "cache_stale",
    "cache_bypass", "cache_waited", "db_queries", "db_errors",
    "redis_errors", "invalidation_failed",
};

void metrics_count(enum metric m)
{
    counters[m]++;
}

void metrics_reply(struct reply *r)
{
    const char *names[METRIC_COUNT + 1] = {"pid"};
    unsigned long long values[METRIC_COUNT + 1] = {(unsigned long long)getpid()};
    size_t len = 0;
    char *body;

    for (size_t i = 0; i < METRIC_COUNT; i++) {
        names[i + 1] = metric_names[i];
        values[i + 1] = counters[i];
    }
    body = json_render_counts(&len, names, values, METRIC_COUNT + 1);
    reply_json(r, 200, body, len);
}
