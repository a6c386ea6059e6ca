/* health.c: the /healthz and /readyz bodies, whole, in each state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "fakes/fakes.h"
#include "health.h"

static struct config cfg;
static struct app app;

static int setup(void **state)
{
    (void)state;
    fakes_app_init(&app, &cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fakes_reset();
    return 0;
}

static void test_live(void **state)
{
    struct reply r;

    (void)state;
    reply_init(&r);
    health_live(&r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    reply_free(&r);
}

struct ready_case {
    enum app_mode mode;
    bool mysql_down, redis_down;
    int status;
    const char *body;
};

static const struct ready_case ready_cases[] = {
    {APP_MODE_CACHED, false, false, 200,
     "{\"status\":\"ready\",\"mode\":\"cached\",\"mysql\":\"up\","
     "\"redis\":\"up\"}"},
    {APP_MODE_CACHED, false, true, 503,
     "{\"error\":\"redis is down\",\"mode\":\"cached\",\"mysql\":\"up\","
     "\"redis\":\"down\"}"},
    {APP_MODE_CACHED, true, false, 503,
     "{\"error\":\"mysql is down\",\"mode\":\"cached\",\"mysql\":\"down\","
     "\"redis\":\"up\"}"},
    {APP_MODE_CACHED, true, true, 503,
     "{\"error\":\"mysql and redis are down\",\"mode\":\"cached\","
     "\"mysql\":\"down\",\"redis\":\"down\"}"},
    /* baseline does not need Redis */
    {APP_MODE_BASELINE, false, true, 200,
     "{\"status\":\"ready\",\"mode\":\"baseline\",\"mysql\":\"up\","
     "\"redis\":\"unused\"}"},
    {APP_MODE_BASELINE, true, false, 503,
     "{\"error\":\"mysql is down\",\"mode\":\"baseline\",\"mysql\":\"down\","
     "\"redis\":\"unused\"}"},
};

static void test_ready(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ready_cases) / sizeof(ready_cases[0]); i++) {
        const struct ready_case *c = &ready_cases[i];
        struct reply r;

        print_message("case %zu\n", i);
        fakes_reset();
        cfg.mode = c->mode;
        fake_store.result = c->mysql_down ? STORE_DOWN : STORE_OK;
        fake_cache.down = c->redis_down;
        reply_init(&r);
        health_ready(&app, &r);
        assert_int_equal(r.status, c->status);
        assert_string_equal(r.body, c->body);
        reply_free(&r);
    }
    cfg.mode = APP_MODE_CACHED;
}

/* With the process's cache, a second probe within HEALTH_CACHE_MS gets the
 * first one's answer without touching MySQL or Redis. */
static void test_ready_cached(void **state)
{
    struct reply r;

    (void)state;
    app.ready_cache = health_cache_open();
    assert_non_null(app.ready_cache);
    reply_init(&r);
    health_ready(&app, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    fake_store.result = STORE_DOWN;
    fake_cache.down = true;
    reply_init(&r);
    health_ready(&app, &r);
    assert_int_equal(r.status, 200); /* the answer of the first check */
    reply_free(&r);
    health_cache_close(app.ready_cache);
    app.ready_cache = NULL;
    reply_init(&r);
    health_ready(&app, &r); /* without the cache: checked */
    assert_int_equal(r.status, 503);
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready_cached, setup, teardown),
    };
    return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
