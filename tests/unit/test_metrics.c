/* metrics.c, metrics_text.c: counts shared between processes through the
 * segment file, kept when a process dies, and their text exposition. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"

static char path[64];

static int setup(void **state)
{
    struct metrics_options opt = {NULL, true, 4, "cached"};
    char err[256];
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "/tmp/test_metrics.XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(path); /* metrics_open creates it */
    opt.path = path;
    return metrics_open(&opt, err, sizeof(err));
}

static int teardown(void **state)
{
    (void)state;
    metrics_close();
    unlink(path);
    return 0;
}

/* The value of the exposition line that starts with series (name and
 * labels, exactly), or -1 when there is none. */
static long long value_of(const char *series)
{
    struct reply r;
    size_t n = strlen(series);
    long long v = -1;

    reply_init(&r);
    metrics_reply_text(&r);
    for (const char *line = r.body; line != NULL && *line != '\0';) {
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            v = atoll(line + n + 1);
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    reply_free(&r);
    return v;
}

static void count_hits(int n)
{
    for (int i = 0; i < n; i++) {
        struct reply r;
        long long started = metrics_request_begin();

        reply_init(&r);
        r.status = 200;
        r.x_cache = "HIT";
        metrics_request_end(started, MROUTE_PRODUCTS, &r);
    }
}

#define HITS                                                                   \
    "products_http_requests_total{route=\"/products\",status=\"2xx\","        \
    "cache=\"HIT\"}"
#define HIT_COUNT "products_http_request_duration_seconds_count{cache=\"HIT\"}"
#define HIT_INF                                                                \
    "products_http_request_duration_seconds_bucket{cache=\"HIT\",le=\"+Inf\"}"

static void test_counts_and_histogram_agree(void **state)
{
    (void)state;
    count_hits(5);
    assert_int_equal(value_of(HITS), 5);
    assert_int_equal(value_of(HIT_COUNT), 5);
    assert_int_equal(value_of(HIT_INF), 5);
    assert_int_equal(value_of("products_responder_threads{state=\"busy\"}"),
                     0);
    assert_int_equal(value_of("products_responder_threads{state=\"idle\"}"),
                     4);
}

/* A child process maps the same file (as a responder of the pool does),
 * counts, and is killed with SIGKILL: nothing it counted is lost, and a
 * later process takes over its slot without resetting it. */
static void test_other_processes_count_and_survive_sigkill(void **state)
{
    long long before = value_of(HITS);
    long long starts = value_of("products_responder_starts_total");
    int pipefd[2];
    pid_t pid;
    char c;

    (void)state;
    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct metrics_options opt = {path, true, 4, "cached"};
        char err[256];

        metrics_close(); /* the parent's mapping, inherited */
        if (metrics_open(&opt, err, sizeof(err)) != 0)
            _exit(1);
        count_hits(7);
        (void)metrics_request_begin(); /* in flight when it dies */
        if (write(pipefd[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    assert_int_equal(value_of(HITS), before + 7);
    assert_int_equal(value_of("products_responder_processes"), 2);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(value_of(HITS), before + 7);
    assert_int_equal(value_of("products_responder_starts_total"), starts + 1);
    /* The dead process's request in flight is not reported busy. */
    assert_int_equal(value_of("products_responder_processes"), 1);
    assert_int_equal(value_of("products_responder_threads{state=\"busy\"}"),
                     0);
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_exposition_shape(void **state)
{
    struct reply r;

    (void)state;
    metrics_count(METRIC_INVALIDATION_FAILED);
    metrics_observe(MTIMER_MYSQL, metrics_clock());
    reply_init(&r);
    metrics_reply_text(&r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type,
                        "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE products_http_requests_total "
                                   "counter\n"));
    assert_non_null(strstr(r.body, "products_invalidations_total{result=\""
                                   "failed\"} 1\n"));
    assert_non_null(strstr(r.body, "products_mysql_query_duration_seconds_"
                                   "count 1\n"));
    assert_non_null(strstr(r.body, "products_build_info{version=\""));
    assert_non_null(strstr(r.body, "mode=\"cached\"} 1\n"));
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_histogram_agree),
        cmocka_unit_test(test_other_processes_count_and_survive_sigkill),
        cmocka_unit_test(test_exposition_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
