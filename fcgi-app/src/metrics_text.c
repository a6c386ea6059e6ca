/*
 * metrics_text: the pool's numbers as the answers of GET /metrics
 * (Prometheus text exposition format 0.0.4) and GET /admin/stats (JSON).
 * Both add up every slot of the shared segment (metrics_seg.h) that was
 * ever used, the dead ones included: what a dead responder counted stays.
 * Only the busy/idle gauges look at live processes alone.
 *
 * Label values come from fixed tables here, so their cardinality is
 * bounded: route (7), status class (5), cache outcome (6).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "metrics.h"
#include "metrics_seg.h"
#include "textbuf.h"

#ifndef APP_VERSION
#define APP_VERSION "unknown"
#endif

static const char *const route_label[MROUTE_COUNT] = {
    [MROUTE_PRODUCTS] = "/products",   [MROUTE_PRODUCT] = "/products/{id}",
    [MROUTE_HEALTHZ] = "/healthz",     [MROUTE_READYZ] = "/readyz",
    [MROUTE_METRICS] = "/metrics",     [MROUTE_ADMIN_STATS] = "/admin/stats",
    [MROUTE_OTHER] = "other",
};

static const char *const outcome_label[MOUT_COUNT] = {
    [MOUT_L1] = "L1",       [MOUT_HIT] = "HIT",       [MOUT_MISS] = "MISS",
    [MOUT_STALE] = "STALE", [MOUT_BYPASS] = "BYPASS", [MOUT_NONE] = "none",
};

/* The pool's totals: every slot added up. */
struct totals {
    uint64_t requests[MROUTE_COUNT][METRICS_CLASSES][MOUT_COUNT];
    uint64_t request[MOUT_COUNT][METRICS_BUCKETS + 1]; /* buckets, sum_ns */
    uint64_t timer[MTIMER_COUNT][METRICS_BUCKETS + 1];
    uint64_t count[METRIC_COUNT];
    uint64_t starts;
    long long busy, threads, processes; /* live processes only */
};

static uint64_t load(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static void add_hist(uint64_t *out, const struct metrics_hist *h)
{
    for (size_t b = 0; b < METRICS_BUCKETS; b++)
        out[b] += load(&h->bucket[b]);
    out[METRICS_BUCKETS] += load(&h->sum_ns);
}

static void add_slot(struct totals *t, const struct metrics_slot *s)
{
    for (size_t r = 0; r < MROUTE_COUNT; r++)
        for (size_t c = 0; c < METRICS_CLASSES; c++)
            for (size_t o = 0; o < MOUT_COUNT; o++)
                t->requests[r][c][o] += load(&s->requests[r][c][o]);
    for (size_t o = 0; o < MOUT_COUNT; o++)
        add_hist(t->request[o], &s->request[o]);
    for (size_t i = 0; i < MTIMER_COUNT; i++)
        add_hist(t->timer[i], &s->timer[i]);
    for (size_t i = 0; i < METRIC_COUNT; i++)
        t->count[i] += load(&s->count[i]);
    if (metrics_slot_alive(s)) {
        t->processes++;
        t->busy += atomic_load_explicit(&s->busy, memory_order_relaxed);
        t->threads += atomic_load_explicit(&s->threads, memory_order_relaxed);
    }
}

/* Fills t; all zeros before metrics_open() (nothing was counted). */
static void sum_slots(struct totals *t)
{
    const struct metrics_segment *seg = metrics_segment();

    memset(t, 0, sizeof(*t));
    if (seg == NULL)
        return;
    for (size_t i = 0; i < METRICS_SLOTS; i++)
        if (atomic_load_explicit(&seg->slot[i].pid, memory_order_relaxed) != 0)
            add_slot(t, &seg->slot[i]);
    t->starts = atomic_load_explicit(&seg->starts, memory_order_relaxed);
}

static void put_help(struct textbuf *b, const char *name, const char *type,
                     const char *help)
{
    textbuf_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram series: cumulative buckets, sum (seconds) and count.
 * labels is "" or "key=\"value\"," (with the comma). */
static void put_hist(struct textbuf *b, const char *name, const char *labels,
                     const uint64_t *h)
{
    uint64_t cumulative = 0;
    size_t n = strlen(labels);

    for (size_t i = 0; i < METRICS_BUCKETS; i++) {
        cumulative += h[i];
        if (i < METRICS_BUCKETS - 1)
            textbuf_put(b, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels,
                (double)metrics_bucket_ns[i] / 1e9,
                (unsigned long long)cumulative);
        else
            textbuf_put(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
                (unsigned long long)cumulative);
    }
    /* Sum and count: the same labels without the trailing comma, and no
     * braces at all without labels. */
    textbuf_put(b, "%s_sum%s%.*s%s %.9f\n", name, n > 0 ? "{" : "",
        n > 0 ? (int)n - 1 : 0, labels, n > 0 ? "}" : "",
        (double)h[METRICS_BUCKETS] / 1e9);
    textbuf_put(b, "%s_count%s%.*s%s %llu\n", name, n > 0 ? "{" : "",
        n > 0 ? (int)n - 1 : 0, labels, n > 0 ? "}" : "",
        (unsigned long long)cumulative);
}

static void put_requests(struct textbuf *b, const struct totals *t)
{
    put_help(b, "products_http_requests_total", "counter",
             "Requests answered by the pool, by route, status class and "
             "cache outcome (X-Cache; L1: a hit from process memory).");
    for (size_t r = 0; r < MROUTE_COUNT; r++)
        for (size_t c = 0; c < METRICS_CLASSES; c++)
            for (size_t o = 0; o < MOUT_COUNT; o++)
                if (t->requests[r][c][o] > 0)
                    textbuf_put(b,
                        "products_http_requests_total{route=\"%s\","
                        "status=\"%zuxx\",cache=\"%s\"} %llu\n",
                        route_label[r], c + 1, outcome_label[o],
                        (unsigned long long)t->requests[r][c][o]);
    put_help(b, "products_http_request_duration_seconds", "histogram",
             "Time from the request's parameters read to the answer "
             "written, by cache outcome.");
    for (size_t o = 0; o < MOUT_COUNT; o++) {
        char labels[32];

        snprintf(labels, sizeof(labels), "cache=\"%s\",", outcome_label[o]);
        put_hist(b, "products_http_request_duration_seconds", labels,
                 t->request[o]);
    }
}

static void put_counter(struct textbuf *b, const char *name, const char *help,
                        uint64_t value)
{
    put_help(b, name, "counter", help);
    textbuf_put(b, "%s %llu\n", name, (unsigned long long)value);
}

/* A histogram of one series, without labels. */
static void put_histogram(struct textbuf *b, const char *name,
                          const char *help, const uint64_t *h)
{
    put_help(b, name, "histogram", help);
    put_hist(b, name, "", h);
}

/* The backends' series, in exposition order: a histogram of a timer or a
 * counter of a count. */
static const struct backend_series {
    bool histogram;
    size_t index; /* into totals.timer (histogram) or totals.count */
    const char *name;
    const char *help;
} backend_series[] = {
    {true, MTIMER_REDIS, "products_redis_command_duration_seconds",
     "Round trips to Redis (a command or a pipeline)."},
    {false, METRIC_REDIS_ERRORS, "products_redis_errors_total",
     "Redis connections lost or refused, and error replies."},
    {true, MTIMER_MYSQL, "products_mysql_query_duration_seconds",
     "MySQL statements executed (the simulated delay included)."},
    {false, METRIC_DB_ERRORS, "products_mysql_errors_total",
     "MySQL connects, prepares and statements that failed."},
    {false, METRIC_CACHE_WAITED, "products_rebuild_waits_total",
     "Misses that waited for another responder's rebuild."},
    {false, METRIC_CACHE_WAIT_TIMEOUT, "products_rebuild_wait_timeouts_total",
     "Waits that ended after CACHE_WAIT_MS without a result."},
};

static void put_backends(struct textbuf *b, const struct totals *t)
{
    for (size_t i = 0; i < sizeof(backend_series) / sizeof(backend_series[0]);
         i++) {
        const struct backend_series *bs = &backend_series[i];

        if (bs->histogram)
            put_histogram(b, bs->name, bs->help, t->timer[bs->index]);
        else
            put_counter(b, bs->name, bs->help, t->count[bs->index]);
    }
    put_help(b, "products_invalidations_total", "counter",
             "Cache invalidations after a write, by result.");
    textbuf_put(b, "products_invalidations_total{result=\"ok\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATION_OK]);
    textbuf_put(b, "products_invalidations_total{result=\"failed\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATION_FAILED]);
    put_help(b, "products_invalidated_changes_total", "counter",
             "Product changes invalidated by scope (update, insert, delete), "
             "and invalidations that fell back to everything (all).");
    textbuf_put(b, "products_invalidated_changes_total{kind=\"update\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATED_UPDATE]);
    textbuf_put(b, "products_invalidated_changes_total{kind=\"insert\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATED_INSERT]);
    textbuf_put(b, "products_invalidated_changes_total{kind=\"delete\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATED_DELETE]);
    textbuf_put(b, "products_invalidated_changes_total{kind=\"all\"} %llu\n",
        (unsigned long long)t->count[METRIC_INVALIDATED_ALL]);
    put_counter(b, "products_invalidated_keys_total",
                "Cached answers deleted by scoped invalidations (divided by "
                "the invalidations: keys per write).",
                t->count[METRIC_INVALIDATED_KEYS]);
}

static void put_pool(struct textbuf *b, const struct totals *t)
{
    put_help(b, "products_responder_threads", "gauge",
             "Responder threads of the live processes, busy with a request "
             "or idle.");
    textbuf_put(b, "products_responder_threads{state=\"busy\"} %lld\n",
        t->busy);
    textbuf_put(b, "products_responder_threads{state=\"idle\"} %lld\n",
        t->threads - t->busy);
    put_help(b, "products_responder_processes", "gauge",
             "Responder processes alive.");
    textbuf_put(b, "products_responder_processes %lld\n", t->processes);
    put_counter(b, "products_responder_starts_total",
                "Responder processes started since the pool started; "
                "increase() over a window counts restarts.",
                t->starts);
    put_help(b, "products_build_info", "gauge",
             "Version and mode of the responders (always 1).");
    textbuf_put(b, "products_build_info{version=\"%s\",mode=\"%s\"} 1\n", APP_VERSION,
        metrics_mode());
}

void metrics_reply_text(struct reply *r)
{
    struct totals *t = malloc(sizeof(*t));
    struct textbuf b = textbuf_growing(16384);

    if (t == NULL || b.text == NULL) {
        free(t);
        free(b.text);
        reply_error(r, 500, "out of memory");
        return;
    }
    sum_slots(t);
    put_requests(&b, t);
    put_backends(&b, t);
    put_pool(&b, t);
    free(t);
    if (b.text == NULL) {
        reply_error(r, 500, "out of memory");
        return;
    }
    reply_json(r, 200, b.text, b.len);
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void metrics_reply(struct reply *r)
{
    static const char *const names[] = {
        "pid",         "requests",    "cache_hit",   "cache_miss",
        "cache_stale", "cache_bypass", "cache_waited", "db_queries",
        "db_errors",   "redis_errors", "invalidation_failed",
    };
    unsigned long long v[sizeof(names) / sizeof(names[0])] = {0};
    struct totals *t = malloc(sizeof(*t));
    size_t len = 0;
    char *body;

    if (t == NULL) {
        reply_error(r, 500, "out of memory");
        return;
    }
    sum_slots(t);
    v[0] = (unsigned long long)getpid();
    for (size_t rt = 0; rt < MROUTE_COUNT; rt++)
        for (size_t c = 0; c < METRICS_CLASSES; c++)
            for (size_t o = 0; o < MOUT_COUNT; o++) {
                uint64_t n = t->requests[rt][c][o];

                v[1] += n;
                v[2] += o == MOUT_HIT || o == MOUT_L1 ? n : 0;
                v[3] += o == MOUT_MISS ? n : 0;
                v[4] += o == MOUT_STALE ? n : 0;
                v[5] += o == MOUT_BYPASS ? n : 0;
            }
    v[6] = t->count[METRIC_CACHE_WAITED];
    for (size_t b = 0; b < METRICS_BUCKETS; b++)
        v[7] += t->timer[MTIMER_MYSQL][b];
    v[8] = t->count[METRIC_DB_ERRORS];
    v[9] = t->count[METRIC_REDIS_ERRORS];
    v[10] = t->count[METRIC_INVALIDATION_FAILED];
    free(t);
    body = json_render_counts(&len, names, v, sizeof(names) / sizeof(names[0]));
    reply_json(r, 200, body, len);
}
