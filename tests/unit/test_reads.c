/* reads.c: the cache-aside flow against fake cache and store. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "cache.h"
#include "clock.h"
#include "fakes/fakes.h"
#include "gate.h"
#include "l1.h"
#include "reads.h"
#include "request.h"
#include "tracking.h"

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
    assert_int_equal(fake_cache.commands, 0);
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
    assert_string_equal(fake_cache_value("products:list:2:0"), miss_body);
    assert_int_equal(fake_cache_tag("products:list:2:0"), 7);
    assert_int_equal(fake_cache.unlocks, 1);

    get_list("limit=2", &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_null(r.x_cache_layer);
    assert_string_equal(r.body, miss_body);
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

/* A HIT on the strict path (no L1) is one command in one round trip: the
 * generation, body and fresh marker come back from a single MGET. */
static void test_hit_is_one_round_trip(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put("products:list:100:0", "[1]", true);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    reply_free(&r);
    assert_int_equal(fake_cache.round_trips, 1);
    assert_int_equal(fake_cache.commands, 1);
}

static void test_hit_sends_stored_bytes_verbatim(void **state)
{
    struct reply r;

    (void)state;
    /* Not what the renderer would produce: proves no re-encoding. */
    fake_cache_put("products:list:100:0", "[ {\"id\" : 1} ]", true);
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
    fake_cache_put("products:list:100:0", "[\"old\"]", true);
    fake_cache.generation = 8; /* a write happened */
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "MISS");
    assert_true(strstr(r.body, "old") == NULL);
    reply_free(&r);
    assert_int_equal(fake_cache_tag("products:list:100:0"), 8);
}

/* Stale-while-revalidate is for the same generation only: a stale copy
 * from before a write is a miss, even with the lock busy. */
static void test_stale_of_older_generation_is_not_served(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put_tagged("products:list:100:0", 6, "[\"old\"]", false);
    fake_cache.lock_held = true;
    fake_cache.fill_after_polls = 1;
    get_list(NULL, &r);
    assert_true(strstr(r.body, "old") == NULL);
    assert_string_equal(r.x_cache, "HIT"); /* the rebuild it waited for */
    reply_free(&r);
}

/* A rebuild that read MySQL before a write and lands after the rebuild of
 * the new generation must not replace it. */
static void test_late_store_of_older_generation_keeps_newer(void **state)
{
    struct reply r;

    (void)state;
    fake_cache_put_tagged("products:list:100:0", 8, "[\"new\"]", true);
    get_list(NULL, &r); /* generation 7 here: a miss, stored late */
    reply_free(&r);
    assert_int_equal(fake_cache_tag("products:list:100:0"), 8);
    assert_string_equal(fake_cache_value("products:list:100:0"), "[\"new\"]");
}

/* With CACHE_STALE_S=0 the body must still outlive its (jittered) fresh
 * marker, or every body expires exactly at the TTL, all together. */
static void test_jitter_survives_zero_stale_window(void **state)
{
    struct reply r;
    long long first = -1;
    bool spread = false;

    (void)state;
    cfg.cache_stale_s = 0;
    cfg.cache_ttl_s = 100;
    for (int i = 1; i <= 20; i++) {
        char q[32];

        snprintf(q, sizeof(q), "limit=%d", i);
        get_list(q, &r);
        reply_free(&r);
        assert_true(fake_cache.keep_ms >= fake_cache.fresh_ms);
        assert_true(fake_cache.fresh_ms >= 100000);
        assert_true(fake_cache.fresh_ms <= 110000);
        if (first < 0)
            first = fake_cache.keep_ms;
        else if (fake_cache.keep_ms != first)
            spread = true;
    }
    assert_true(spread);
    cfg.cache_stale_s = 600;
    cfg.cache_ttl_s = 60;
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
    fake_cache_put("products:list:100:0", "[\"stale\"]", false);
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
    fake_cache_put("products:list:100:0", "[\"stale\"]", false);
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
    fake_cache_put("products:list:100:0", "[\"stale\"]", false);
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
    fake_cache.fill_after_polls = 3; /* the other responder finishes */
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.body, "[\"rebuilt by another responder\"]");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0); /* no stampede */
}

/* The rebuild lands, and its lock goes, right before a poll: the waiter
 * must take the result, not conclude from the lock that the rebuild gave
 * up (the old code looked at the cache, then at the lock). */
static void test_waiter_sees_rebuild_landing_with_its_lock(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.lock_held = true;
    fake_cache.fill_after_polls = 1;
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);
    assert_int_equal(fake_cache.polls, 1);
}

/* A copy the waiter finds that is no longer fresh is labelled STALE. */
static void test_waiter_labels_stale_copy_stale(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.lock_held = true;
    fake_cache.fill_after_polls = 2;
    fake_cache.fill_stale = true;
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "STALE");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);
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

/* The lock goes without a result (the holder's query found nothing, or its
 * store was refused after a write): the waiter takes the lock and rebuilds
 * (and stores) itself at once, so the waiters of a key share one rebuild
 * instead of each asking MySQL. */
static void test_wait_ends_when_lock_goes_without_result(void **state)
{
    struct reply r;

    (void)state;
    cfg.cache_wait_ms = 60000; /* would hang the test if it were waited out */
    fake_cache.lock_held = true;
    fake_cache.lock_vanishes = true;
    get_list(NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "MISS");
    reply_free(&r);
    assert_int_equal(fake_cache.reads + fake_cache.polls, 2); /* look, poll */
    assert_int_equal(fake_cache.locks, 2); /* busy, then taken */
    assert_int_equal(fake_store.reads, 1);
    assert_int_equal(fake_cache.stores, 1);
    assert_int_equal(fake_cache.unlocks, 1);
}

static void test_bad_query_is_400_without_io(void **state)
{
    struct reply r;

    (void)state;
    get_list("limit=0", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "limit"));
    reply_free(&r);
    assert_int_equal(fake_store.reads + fake_cache.commands, 0);
}

static void test_get_one(void **state)
{
    struct reply r;

    (void)state;
    reply_init(&r);
    products_get(&app, "1", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":1,\"name\":\"One\",\"price\":1.5}");
    assert_non_null(fake_cache_value("products:item:1"));
    assert_int_equal(fake_cache_tag("products:item:1"), 7);
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

/* The longest keys the handlers can build are stored whole (one
 * CACHE_KEY_MAX for every file; reads.c checks it at compile time). */
static void test_longest_keys_fit(void **state)
{
    struct reply r;
    char query[64], key[CACHE_KEY_MAX];

    (void)state;
    snprintf(query, sizeof(query), "limit=%u&offset=%u",
             (unsigned)REQUEST_LIMIT_MAX, (unsigned)REQUEST_OFFSET_MAX);
    get_list(query, &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    snprintf(key, sizeof(key), "products:list:%u:%u",
             (unsigned)REQUEST_LIMIT_MAX, (unsigned)REQUEST_OFFSET_MAX);
    assert_non_null(fake_cache_value(key));
    reply_init(&r);
    products_get(&app, "4294967295", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);
}

/* --- under a flood of misses --- */

/* An unknown id is cached (as an empty body) for CACHE_NEGATIVE_TTL_S, with
 * no stale window; the next ask costs no MySQL read. */
static void test_unknown_id_cached_briefly(void **state)
{
    struct reply r;

    (void)state;
    reply_init(&r);
    products_get(&app, "3", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.x_cache, "MISS");
    reply_free(&r);
    assert_string_equal(fake_cache_value("products:item:3"), "");
    assert_int_equal(fake_cache.fresh_ms, cfg.cache_negative_ttl_s * 1000);
    assert_int_equal(fake_cache.keep_ms, cfg.cache_negative_ttl_s * 1000);
    reply_init(&r);
    products_get(&app, "3", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.x_cache, "HIT");
    assert_non_null(strstr(r.body, "no product"));
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

static void test_negative_caching_off(void **state)
{
    struct reply r;

    (void)state;
    cfg.cache_negative_ttl_s = 0;
    reply_init(&r);
    products_get(&app, "3", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);
    assert_null(fake_cache_value("products:item:3"));
    get_list("offset=5", &r);
    assert_string_equal(r.body, "[]");
    reply_free(&r);
    assert_null(fake_cache_value("products:list:20:5"));
    cfg.cache_negative_ttl_s = 10;
}

/* A page past the end answers [] and is kept only briefly: it cannot
 * outlive, or push out, the hot pages. */
static void test_empty_page_kept_briefly(void **state)
{
    struct reply r;

    (void)state;
    get_list("limit=5&offset=5", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[]");
    reply_free(&r);
    assert_string_equal(fake_cache_value("products:list:5:5"), "[]");
    assert_int_equal(fake_cache.keep_ms, cfg.cache_negative_ttl_s * 1000);
    get_list("limit=5&offset=5", &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.body, "[]");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
}

/* With every rebuild slot taken (and no room to wait): a quick 503 with
 * Retry-After, no MySQL read, the lock given back; a stale copy is served
 * instead when there is one. */
static void test_full_rebuild_gate(void **state)
{
    struct reply r;

    (void)state;
    app.rebuilds = gate_open(1, 0);
    assert_true(gate_enter(app.rebuilds, 0));
    get_list("limit=1", &r);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.retry_after_s, 1);
    assert_true(r.send_rate > 0);
    assert_non_null(strstr(r.body, "too many"));
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);
    assert_int_equal(fake_cache.unlocks, 1);
    assert_null(fake_cache_value("products:list:1:0"));

    fake_cache_put("products:list:2:0", "[\"old\"]", false);
    get_list("limit=2", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "STALE");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 0);

    gate_leave(app.rebuilds);
    get_list("limit=1", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    gate_close(app.rebuilds);
    app.rebuilds = NULL;
}

/* The refresh of a key a write just deleted is not a flood's miss: with
 * every slot taken and no room in the queue, it waits for a slot (here
 * freed by another thread) instead of answering 503. */
static void *free_slot_soon(void *arg)
{
    clock_sleep_ms(30);
    gate_leave(arg);
    return NULL;
}

static void test_refresh_waits_for_a_slot(void **state)
{
    struct reply r;
    pthread_t t;

    (void)state;
    app.rebuilds = gate_open(1, 0);
    assert_true(gate_enter(app.rebuilds, 0));
    fake_cache.refresh = true;
    assert_int_equal(pthread_create(&t, NULL, free_slot_soon, app.rebuilds), 0);
    get_list("limit=1", &r);
    pthread_join(t, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.x_cache, "MISS");
    reply_free(&r);
    assert_int_equal(fake_store.reads, 1);
    gate_close(app.rebuilds);
    app.rebuilds = NULL;
}

/* A rebuild's store carries the write sequence its cache read saw (read
 * before MySQL) and what the answer depends on: a page's first and last
 * ids and whether it is full, an item's id. */
static void test_store_names_sequence_and_dependencies(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.seq = 41; /* the fake holds two rows, ids 1 and 2 */
    get_list("limit=2", &r);
    reply_free(&r);
    assert_int_equal(fake_cache.store_seq, 41);
    assert_true(fake_cache.store_deps.page);
    assert_int_equal(fake_cache.store_deps.first, 1);
    assert_int_equal(fake_cache.store_deps.last, 2);
    assert_true(fake_cache.store_deps.full);
    get_list("limit=5", &r); /* the last page: any insert may change it */
    reply_free(&r);
    assert_false(fake_cache.store_deps.full);
    get_list("limit=5&offset=3", &r); /* past the end: holds no id */
    reply_free(&r);
    assert_int_equal(fake_cache.store_deps.first, UINT32_MAX);
    assert_false(fake_cache.store_deps.full);
    reply_init(&r);
    products_get(&app, "2", &r);
    reply_free(&r);
    assert_false(fake_cache.store_deps.page);
    assert_int_equal(fake_cache.store_deps.id, 2);
}

/* --- L1 --- */

static void l1_on(void)
{
    app.l1 = l1_open(1 << 20);
    app.tracking = tracking_open(NULL, "products:gen", app.l1);
    fake_cache.tracking_up = true;
}

static int teardown_l1(void **state)
{
    l1_close(app.l1);
    app.l1 = NULL;
    app.tracking = NULL;
    return teardown(state);
}

static void test_l1_answers_without_redis(void **state)
{
    struct reply r;

    (void)state;
    l1_on();
    fake_cache_put("products:list:100:0", "[1]", true);
    get_list(NULL, &r); /* strict hit, fills L1: MGET + PTTL, one trip */
    assert_string_equal(r.x_cache, "HIT");
    assert_null(r.x_cache_layer);
    reply_free(&r);
    assert_int_equal(fake_cache.round_trips, 1);
    assert_int_equal(fake_cache.commands, 2);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    assert_string_equal(r.x_cache_layer, "L1");
    assert_string_equal(r.body, "[1]");
    reply_free(&r);
    assert_int_equal(fake_cache.round_trips, 1); /* none more */
    assert_int_equal(fake_cache.syncs, 2); /* drained before each use */
}

static void test_l1_off_while_tracking_down(void **state)
{
    struct reply r;

    (void)state;
    l1_on();
    fake_cache_put("products:list:100:0", "[1]", true);
    get_list(NULL, &r);
    reply_free(&r);
    fake_cache.tracking_up = false; /* connection lost (it empties L1 too) */
    fake_cache_put("products:list:100:0", "[2]", true);
    get_list(NULL, &r);
    assert_string_equal(r.body, "[2]");
    assert_null(r.x_cache_layer);
    reply_free(&r);
    assert_int_equal(fake_cache.round_trips, 2);
}

static void test_l1_not_filled_from_stale_or_miss(void **state)
{
    struct reply r;

    (void)state;
    l1_on();
    fake_cache_put("products:list:100:0", "[1]", false);
    get_list(NULL, &r); /* stale: rebuilt (MISS) */
    reply_free(&r);
    assert_int_equal(l1_count(app.l1), 0);
    get_list(NULL, &r); /* now a fresh strict hit */
    reply_free(&r);
    assert_int_equal(l1_count(app.l1), 1);
}

/* A bounded entry answers the readers that began before a write, not the
 * later ones an L1 copy would answer: served, never copied. */
static void test_l1_not_filled_from_bounded_entry(void **state)
{
    struct reply r;

    (void)state;
    l1_on();
    fake_cache.upto = 7;
    fake_cache_put("products:list:100:0", "[1]", true);
    get_list(NULL, &r);
    assert_string_equal(r.x_cache, "HIT");
    reply_free(&r);
    assert_int_equal(l1_count(app.l1), 0);
}

/* A copy never outlives the Redis marker: with 0 ms of freshness left it
 * is not kept at all. */
static void test_l1_copy_bounded_by_marker(void **state)
{
    struct reply r;

    (void)state;
    l1_on();
    fake_cache.ttl_left_ms = -2; /* PTTL: the marker has no expiry/gone */
    fake_cache_put("products:list:100:0", "[1]", true);
    get_list(NULL, &r);
    reply_free(&r);
    assert_int_equal(l1_count(app.l1), 0);
}

/* An invalidation that arrives between the Redis read and the insert
 * wins: the copy is not stored. */
static void test_l1_insert_after_invalidation_refused(void **state)
{
    uint64_t ticket;

    (void)state;
    l1_on();
    ticket = l1_ticket(app.l1);
    l1_invalidate_all(app.l1);
    assert_false(l1_put(app.l1, "products:list:100:0", "[1]", 3,
                        1LL << 60, ticket));
    assert_int_equal(l1_count(app.l1), 0);
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
        cmocka_unit_test_setup_teardown(test_hit_is_one_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_longest_keys_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_id_cached_briefly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_caching_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_page_kept_briefly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_rebuild_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_waits_for_a_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_names_sequence_and_dependencies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_of_older_generation_is_not_served, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_store_of_older_generation_keeps_newer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jitter_survives_zero_stale_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiter_sees_rebuild_landing_with_its_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiter_labels_stale_copy_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l1_answers_without_redis, setup, teardown_l1),
        cmocka_unit_test_setup_teardown(test_l1_not_filled_from_bounded_entry, setup, teardown_l1),
        cmocka_unit_test_setup_teardown(test_l1_off_while_tracking_down, setup, teardown_l1),
        cmocka_unit_test_setup_teardown(test_l1_not_filled_from_stale_or_miss, setup, teardown_l1),
        cmocka_unit_test_setup_teardown(test_l1_copy_bounded_by_marker, setup, teardown_l1),
        cmocka_unit_test_setup_teardown(test_l1_insert_after_invalidation_refused, setup, teardown_l1),
    };
    return cmocka_run_group_tests_name("products", tests, NULL, NULL);
}
