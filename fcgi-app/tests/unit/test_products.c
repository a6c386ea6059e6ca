/* products.c: the cache-aside flow against fake cache and store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "cache.h"
#include "fakes/fakes.h"
#include "products.h"

static struct config cfg;
static struct app app;

static int setup(void **state)
{
    (void)state;
    fakes_app_init(&app, &cfg);
    cfg.cache_wait_ms = 50;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fakes_reset();
    return 0;
}

static void get_list(const char *query, struct reply *r)
{
    reply_init(r);
    products_list(&app, query, r);
}

static void test_baseline_bypasses_cache(void **state)
{
    struct reply r;

    (void)state;
    cfg.mode = APP_MODE_BASELINE;
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "BYPASS");
    assert_string_equal(r.body, "[{\"id\":1,\"name\":\"One\",\"price\":1.5},"
                                "{\"id\":2,\"name\":\"Two\",\"price\":3.0}]");
    reply_free(&r);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "BYPASS");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 2);
    assert_int_equal(fake_cache.gets, 0);
    cfg.mode = APP_MODE_CACHED;
}

static void test_miss_then_hit(void **state)
{
    struct reply r;
    char miss_body[256];

    (void)state;
    get_list("limit=2", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "MISS");
    strcpy(miss_body, r.body);
    reply_free(&r);
    assert_string_equal(fake_cache_value("products:v7:list:2:0"), miss_body);
    assert_int_equal(fake_cache.unlocks, 1);

    get_list("limit=2", &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.body, miss_body);
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

static void test_hit_sends_stored_bytes_verbatim(void **state)
{
    struct reply r;

    (void)state;
    /* Not what the renderer would produce: proves no re-encoding. */
    fake_cache_put("products:v7:list:100:0", "[ {\"id\" : 1} ]", true);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.body, "[ {\"id\" : 1} ]");
    assert_int_equal(r.body_len, strlen("[ {\"id\" : 1} ]"));
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);
}

static void test_generation_change_misses(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put("products:v7:list:100:0", "[\"old\"]", true);
    fake_cache.generation = 8; /* a write happened */
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "MISS");
    assert_true(strstr(r.body, "old") == NULL);
    reply_free(&r);
    assert_non_null(fake_cache_value("products:v8:list:100:0"));
}

static void test_redis_down_reads_mysql(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.down = true;
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "BYPASS");
    reply_free(&r);
}

static void test_mysql_down_uncached_is_503(void **state)
{
    struct reply r;

    (void)state;
    fake_store.result = STORE_DOWN;
    get_list(NULL, &r);
    assert_int_equal(r.status, 503);
    assert_null(r.x_cache);
    assert_non_null(strstr(r.body, "\"error\""));
    reply_free(&r);
    assert_int_equal(fake_cache.stores, 0);
    assert_int_equal(fake_cache.unlocks, 1); /* the lock is not left behind */
}

static void test_stale_served_while_other_rebuilds(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put("products:v7:list:100:0", "[\"stale\"]", false);
    fake_cache.lock_held = true;
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "STALE");
    assert_string_equal(r.body, "[\"stale\"]");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);
}

static void test_stale_refreshed_by_lock_holder(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put("products:v7:list:100:0", "[\"stale\"]", false);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "MISS");
    assert_true(strstr(r.body, "stale") == NULL);
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

static void test_stale_served_when_mysql_down(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put("products:v7:list:100:0", "[\"stale\"]", false);
    fake_store.result = STORE_DOWN;
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "STALE");
    assert_string_equal(r.body, "[\"stale\"]");
    reply_free(&r);
}

static void test_miss_waits_for_rebuild(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.lock_held = true;
    fake_cache.fill_after_gets = 3; /* the other responder finishes */
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.body, "[\"rebuilt by another responder\"]");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0); /* no stampede */
}

static void test_miss_wait_is_bounded(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.lock_held = true; /* a holder that never finishes */
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "MISS");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

static void test_wait_ends_when_lock_goes_without_result(void **state)
{
    struct reply r;

    (void)state;
    cfg.cache_wait_ms = 60000; /* would hang the test if it were waited out */
    fake_cache.lock_held = true;
    fake_cache.lock_vanishes = true; /* e.g. the holder's query found nothing */
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "MISS");
    reply_free(&r);
    assert_int_equal(fake_cache.gets, 2); /* the first look, one poll */
    assert_int_equal(fake_store.reads, 1);
}

static void test_bad_query_is_400_without_io(void **state)
{
    struct reply r;

    (void)state;
    get_list("limit=0", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "limit"));
    reply_free(&r);
    assert_int_equal(fake_store.reads + fake_cache.gets, 0);
}

static void test_get_one(void **state)
{
    struct reply r;

    (void)state;
    reply_init(&r);
    products_get(&app, "1", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":1,\"name\":\"One\",\"price\":1.5}");
    assert_non_null(fake_cache_value("products:v7:item:1"));
    reply_free(&r);
    reply_init(&r);
    products_get(&app, "3", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);
    reply_init(&r);
    products_get(&app, "x", &r);
    assert_int_equal(r.status, 400);
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_baseline_bypasses_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hit_sends_stored_bytes_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation_change_misses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_down_reads_mysql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mysql_down_uncached_is_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_served_while_other_rebuilds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_refreshed_by_lock_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_served_when_mysql_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_miss_waits_for_rebuild, setup, teardown),
        cmocka_unit_test_setup_teardown(test_miss_wait_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_ends_when_lock_goes_without_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_query_is_400_without_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_one, setup, teardown),
    };
    return cmocka_run_group_tests_name("products", tests, NULL, NULL);
}
