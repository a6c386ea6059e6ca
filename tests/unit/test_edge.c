/* edge.c: X-Accel-Expires, the stale permission and the bypass cookie, as
 * tables of (method, status, freshness left) cases; the bound arithmetic at
 * second boundaries; the product read paths end to end through the fakes;
 * the header block framing.c writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "edge.h"
#include "fakes/fakes.h"
#include "reads.h"
#include "framing.h"

/* 1,000,000,000.250 s: a quarter into a second. */
#define T0 1000000000250LL

struct mark_case {
    const char *method;
    int status;
    bool edge_read;
    long long fresh_ms;
    long long edge_ms;
    const char *expires; /* "" : no header */
    bool stale_ok;
    int cookie_s;
};

static const struct mark_case mark_cases[] = {
    /* off: nothing at all, whatever the answer */
    {"GET", 200, true, -1, 0, "", false, 0},
    {"PUT", 200, false, -1, 0, "", false, 0},
    /* 1 s: fresh for the rest of this second, stale one more */
    {"GET", 200, true, -1, 1000, "@1000000000", true, 0},
    {"HEAD", 200, true, -1, 1000, "@1000000000", true, 0},
    /* 5 s from .250: the stale second must end by 5.250 -> fresh to 3 */
    {"GET", 200, true, -1, 5000, "@1000000003", true, 0},
    /* capped by the Redis freshness left: 2.5 s -> as 2.5 s */
    {"GET", 200, true, 2500, 5000, "@1000000000", true, 0},
    {"GET", 200, true, 4000, 60000, "@1000000002", true, 0},
    /* a STALE answer (0 left) still gets the shortest bound */
    {"GET", 200, true, 0, 5000, "@1000000000", true, 0},
    /* 404 and 503: the rest of this second, never stale */
    {"GET", 404, true, -1, 5000, "@1000000000", false, 0},
    {"GET", 503, true, -1, 5000, "@1000000000", false, 0},
    /* other errors of a product read, and non-product paths: never */
    {"GET", 400, true, -1, 5000, "0", false, 0},
    {"GET", 500, true, -1, 5000, "0", false, 0},
    {"GET", 200, false, -1, 5000, "0", false, 0},
    {"GET", 404, false, -1, 5000, "0", false, 0},
    /* writes: the cookie when data may have changed (2xx, 5xx) */
    {"POST", 201, false, -1, 1000, "0", false, 3},
    {"PUT", 200, false, -1, 1000, "0", false, 3},
    {"DELETE", 204, false, -1, 5000, "0", false, 6},
    {"PUT", 503, false, -1, 1000, "0", false, 3},
    {"PUT", 500, false, -1, 1000, "0", false, 3},
    {"PUT", 401, false, -1, 1000, "0", false, 0},
    {"PUT", 404, false, -1, 1000, "0", false, 0},
    {"POST", 400, false, -1, 1000, "0", false, 0},
};

static void test_mark_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mark_cases) / sizeof(mark_cases[0]); i++) {
        const struct mark_case *c = &mark_cases[i];
        struct config cfg = {.edge_cache_ms = c->edge_ms};
        struct reply r;

        reply_init(&r);
        r.status = c->status;
        r.edge_read = c->edge_read;
        r.fresh_ms = c->fresh_ms;
        edge_mark(&cfg, c->method, T0, &r);
        print_message("case %zu: %s %d\n", i, c->method, c->status);
        assert_string_equal(r.edge_expires, c->expires);
        assert_int_equal(r.edge_stale_ok, c->stale_ok);
        assert_int_equal(r.edge_cookie_s, c->cookie_s);
    }
}

/* For every start within a second and several lifetimes: the stale second
 * ends no later than start + max(life, EDGE_MIN_BOUND_MS), and the copy is
 * fresh at least until the end of the current second. */
static void test_bound_holds(void **state)
{
    static const long long lives[] = {0, 1, 500, 999, 1000, 1500, 2000,
                                      2001, 2999, 5000, 60000};

    (void)state;
    for (long long ms = 0; ms < 1000; ms += 7) {
        for (size_t i = 0; i < sizeof(lives) / sizeof(lives[0]); i++) {
            long long start = 1000000000000LL + ms;
            long long until = edge_fresh_until_s(start, lives[i]);
            long long stale_end_ms = (until + 2) * 1000;
            long long bound =
                lives[i] > EDGE_MIN_BOUND_MS ? lives[i] : EDGE_MIN_BOUND_MS;

            assert_true(stale_end_ms <= start + bound);
            assert_true(until >= start / 1000);
            /* and not needlessly short: within a second of the bound */
            assert_true(stale_end_ms > start + bound - 1000);
        }
    }
}

static void test_cookie_covers_bound(void **state)
{
    (void)state;
    assert_int_equal(edge_cookie_seconds(500), 3);
    assert_int_equal(edge_cookie_seconds(2000), 3);
    assert_int_equal(edge_cookie_seconds(2001), 4);
    assert_int_equal(edge_cookie_seconds(10000), 11);
}

/* The read paths note the freshness left: a Redis HIT its PTTL, a MISS
 * "all of it", a STALE none; a 400 is not a product read. */
static void test_products_note_freshness(void **state)
{
    static struct config cfg;
    static struct app app;
    struct reply r;

    (void)state;
    fakes_app_init(&app, &cfg);
    cfg.cache_l1 = 0;
    cfg.edge_cache_ms = 1000;
    fake_cache.ttl_left_ms = 1234;

    reply_init(&r);
    products_list(&app, "limit=3", &r);
    assert_string_equal(r.x_cache, "MISS");
    assert_true(r.edge_read);
    assert_int_equal(r.fresh_ms, -1);
    reply_free(&r);

    reply_init(&r);
    products_list(&app, "limit=3", &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_int_equal(r.fresh_ms, 1234);
    reply_free(&r);

    fake_cache_put("products:item:7", "{\"id\":7}", false);
    fake_cache.lock_held = true;
    reply_init(&r);
    products_get(&app, "7", &r);
    assert_string_equal(r.x_cache, "STALE");
    assert_int_equal(r.fresh_ms, 0);
    reply_free(&r);
    fake_cache.lock_held = false;

    reply_init(&r);
    products_list(&app, "limit=oops", &r);
    assert_int_equal(r.status, 400);
    assert_false(r.edge_read);
    reply_free(&r);

    fake_store.result = STORE_NOT_FOUND;
    reply_init(&r);
    products_get(&app, "99", &r);
    assert_int_equal(r.status, 404);
    assert_true(r.edge_read);
    edge_mark(&cfg, "GET", T0, &r);
    assert_string_equal(r.edge_expires, "@1000000000");
    assert_false(r.edge_stale_ok);
    reply_free(&r);
    fakes_reset();
}

/* What nginx reads: Cache-Control before X-Accel-Expires, and the cookie. */
static void test_head_block(void **state)
{
    struct reply r;
    char head[512];
    size_t n;

    (void)state;
    reply_init(&r);
    r.edge_stale_ok = true;
    snprintf(r.edge_expires, sizeof(r.edge_expires), "@1000000000");
    n = framing_head(&r, head, sizeof(head));
    assert_true(n > 0);
    head[n] = '\0';
    assert_non_null(strstr(head, "Cache-Control: stale-while-revalidate=1\r\n"
                                 "X-Accel-Expires: @1000000000\r\n"));
    assert_null(strstr(head, "Set-Cookie"));

    reply_init(&r);
    r.status = 204;
    snprintf(r.edge_expires, sizeof(r.edge_expires), "0");
    r.edge_cookie_s = 3;
    n = framing_head(&r, head, sizeof(head));
    assert_true(n > 0);
    head[n] = '\0';
    assert_non_null(strstr(head, "X-Accel-Expires: 0\r\n"));
    assert_non_null(strstr(head, "Set-Cookie: products_wrote=1; Max-Age=3; "
                                 "Path=/products; HttpOnly; "
                                 "SameSite=Strict\r\n"));
    /* A write is never stored: only framing.c's own no-store. */
    assert_null(strstr(head, "stale-while-revalidate"));
    assert_non_null(strstr(head, "Cache-Control: no-store\r\n"));

    reply_init(&r);
    n = framing_head(&r, head, sizeof(head));
    head[n] = '\0';
    assert_null(strstr(head, "X-Accel"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mark_table),
        cmocka_unit_test(test_bound_holds),
        cmocka_unit_test(test_cookie_covers_bound),
        cmocka_unit_test(test_products_note_freshness),
        cmocka_unit_test(test_head_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
