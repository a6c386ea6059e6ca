/*
 * binlog_metrics: the invalidator's numbers (binlog_metrics.h) and their
 * HTTP listener. The listener answers one request per connection, GET
 * /metrics only, with bounded reads; everything else gets a 404.
 */
#include "binlog_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* Upper bounds (seconds) of the histogram buckets. */
static const double bucket_s[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                  0.5,   1,    2.5,   5,    10,  30};
#define BUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

struct histogram {
    atomic_ullong le[BUCKETS + 1]; /* the last one: +Inf */
    atomic_ullong sum_us;
    atomic_ullong count;
};

static atomic_ullong events[BM_EV_COUNT];
static atomic_ullong counters[BM_COUNTER_COUNT];
static atomic_ullong fallbacks[BINLOG_ALL_REASONS];
static atomic_int connected;
static atomic_llong last_event_ms;
static struct histogram lag, apply;

static const char *const event_names[BM_EV_COUNT] = {
    "rows", "table_map", "gtid", "commit", "query", "heartbeat", "other"};

void binlog_metrics_event(enum bm_event kind)
{
    atomic_fetch_add(&events[kind], 1);
    atomic_store(&last_event_ms, clock_mono_ms());
}

void binlog_metrics_count(enum bm_counter c)
{
    atomic_fetch_add(&counters[c], 1);
}

void binlog_metrics_fallback(enum binlog_all_reason reason)
{
    if (reason < BINLOG_ALL_REASONS)
        atomic_fetch_add(&fallbacks[reason], 1);
}

void binlog_metrics_connected(bool up)
{
    atomic_store(&connected, up ? 1 : 0);
}

static void observe(struct histogram *h, long long us)
{
    size_t i = 0;

    if (us < 0)
        us = 0;
    while (i < BUCKETS && (double)us > bucket_s[i] * 1e6)
        i++;
    atomic_fetch_add(&h->le[i], 1);
    atomic_fetch_add(&h->sum_us, (unsigned long long)us);
    atomic_fetch_add(&h->count, 1);
}

void binlog_metrics_lag(long long commit_s, long long now_ms,
                        long long apply_ms)
{
    observe(&lag, (now_ms - commit_s * 1000) * 1000);
    observe(&apply, apply_ms * 1000);
}

/* Appends printf output at *at, never past outlen. */
static void put(char *out, size_t outlen, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *out, size_t outlen, size_t *at, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*at >= outlen)
        return;
    va_start(ap, fmt);
    n = vsnprintf(out + *at, outlen - *at, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at += (size_t)n < outlen - *at ? (size_t)n : outlen - *at - 1;
}

static void put_histogram(char *out, size_t outlen, size_t *at,
                          const char *name, const char *help,
                          struct histogram *h)
{
    unsigned long long cum = 0;

    put(out, outlen, at, "# HELP %s %s\n# TYPE %s histogram\n", name, help,
        name);
    for (size_t i = 0; i <= BUCKETS; i++) {
        cum += atomic_load(&h->le[i]);
        if (i < BUCKETS)
            put(out, outlen, at, "%s_bucket{le=\"%g\"} %llu\n", name,
                bucket_s[i], cum);
        else
            put(out, outlen, at, "%s_bucket{le=\"+Inf\"} %llu\n", name, cum);
    }
    put(out, outlen, at, "%s_sum %.6f\n%s_count %llu\n", name,
        (double)atomic_load(&h->sum_us) / 1e6, name,
        (unsigned long long)atomic_load(&h->count));
}

int binlog_metrics_text(char *out, size_t outlen)
{
    static const char *const counter_names[BM_COUNTER_COUNT][2] = {
        {"binlog_invalidator_invalidations_total{scope=\"ids\"}",
         "Invalidations, by scope."},
        {"binlog_invalidator_invalidations_total{scope=\"everything\"}", NULL},
        {"binlog_invalidator_settle_invalidations_total",
         "Second invalidations once a change is surely visible."},
        {"binlog_invalidator_position_saves_total",
         "Positions saved after their invalidations."},
        {"binlog_invalidator_reconnects_total", "Binlog connections opened."},
        {"binlog_invalidator_redis_retries_total",
         "Invalidations Redis did not take, retried."},
        {"binlog_invalidator_handled_by_writer_total",
         "Invalidations skipped: the API write had made them after its "
         "commit."},
        {"binlog_invalidator_left_to_settle_total",
         "First invalidations left to the settle: an API write of those "
         "rows was in flight."}};
    size_t at = 0;
    long long last = atomic_load(&last_event_ms);

    if (outlen == 0)
        return 0;
    out[0] = '\0';
    put(out, outlen, &at,
        "# HELP binlog_invalidator_events_total Binlog events, by kind.\n"
        "# TYPE binlog_invalidator_events_total counter\n");
    for (int i = 0; i < BM_EV_COUNT; i++)
        put(out, outlen, &at, "binlog_invalidator_events_total{kind=\"%s\"} %llu\n",
            event_names[i], (unsigned long long)atomic_load(&events[i]));
    put(out, outlen, &at,
        "# HELP binlog_invalidator_fallbacks_total Invalidations of "
        "everything, by reason.\n"
        "# TYPE binlog_invalidator_fallbacks_total counter\n");
    for (int i = 1; i < BINLOG_ALL_REASONS; i++)
        put(out, outlen, &at,
            "binlog_invalidator_fallbacks_total{reason=\"%s\"} %llu\n",
            binlog_all_reason_name((enum binlog_all_reason)i),
            (unsigned long long)atomic_load(&fallbacks[i]));
    for (int i = 0; i < BM_COUNTER_COUNT; i++) {
        char family[96];

        snprintf(family, sizeof(family), "%s", counter_names[i][0]);
        family[strcspn(family, "{")] = '\0';
        if (counter_names[i][1] != NULL)
            put(out, outlen, &at, "# HELP %s %s\n# TYPE %s counter\n", family,
                counter_names[i][1], family);
        put(out, outlen, &at, "%s %llu\n", counter_names[i][0],
            (unsigned long long)atomic_load(&counters[i]));
    }
    put(out, outlen, &at,
        "# HELP binlog_invalidator_connected 1 while the binlog stream is "
        "up.\n# TYPE binlog_invalidator_connected gauge\n"
        "binlog_invalidator_connected %d\n",
        atomic_load(&connected));
    put(out, outlen, &at,
        "# HELP binlog_invalidator_last_event_age_seconds Since the last "
        "event (heartbeats included); -1 before the first.\n"
        "# TYPE binlog_invalidator_last_event_age_seconds gauge\n"
        "binlog_invalidator_last_event_age_seconds %.3f\n",
        last ? (double)(clock_mono_ms() - last) / 1000 : -1.0);
    put_histogram(out, outlen, &at, "binlog_invalidator_lag_seconds",
                  "From commit (binlog header, whole seconds: reads up to "
                  "1 s high) to the first invalidation.",
                  &lag);
    put_histogram(out, outlen, &at, "binlog_invalidator_apply_seconds",
                  "From receiving a commit to its first invalidation.",
                  &apply);
    return (int)at;
}

/* One connection: read the request line (1 s at most), answer, close. */
static void answer(int fd)
{
    static char body[16384]; /* one listener thread: never shared */
    char req[1024], head[256];
    struct timeval tv = {.tv_sec = 1};
    ssize_t n;
    int len;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    n = recv(fd, req, sizeof(req) - 1, 0);
    if (n <= 0)
        return;
    req[n] = '\0';
    if (strncmp(req, "GET /metrics ", 13) != 0 &&
        strncmp(req, "GET /metrics?", 13) != 0) {
        static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Type: "
                                 "application/json\r\nContent-Length: 22\r\n"
                                 "\r\n{\"error\":\"not found\"}\n";
        (void)!write(fd, nf, sizeof(nf) - 1);
        return;
    }
    len = binlog_metrics_text(body, sizeof(body));
    snprintf(head, sizeof(head),
             "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
             "Content-Length: %d\r\n\r\n",
             len);
    (void)!write(fd, head, strlen(head));
    (void)!write(fd, body, (size_t)len);
}

static void *serve(void *arg)
{
    int listener = *(int *)arg;

    for (;;) {
        int fd = accept(listener, NULL, NULL);

        if (fd < 0)
            continue;
        answer(fd);
        close(fd);
    }
    return NULL;
}

int binlog_metrics_serve(const char *addr, int port)
{
    static int listener = -1;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    int one = 1;
    pthread_t th;

    if (port == 0)
        return 0;
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        log_msg(LOG_ERROR, "metrics", "not an IPv4 address: %s", addr);
        return -1;
    }
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 ||
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(listener, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(listener, 16) != 0 ||
        pthread_create(&th, NULL, serve, &listener) != 0) {
        log_msg(LOG_ERROR, "metrics", "cannot listen on %s:%d", addr, port);
        if (listener >= 0)
            close(listener);
        return -1;
    }
    pthread_detach(th);
    log_msg(LOG_INFO, "metrics", "GET /metrics on %s:%d", addr, port);
    return 0;
}
