/*
 * The epoch check (sentinel.h) on a private redis-server (redis_server.h):
 * a Redis restarted with an old snapshot (persistence turned on) brings
 * back an old generation with its entries, and the first connection after
 * it must advance the generation past every one given before; the floor
 * it advances to is Redis' clock, whatever the app host's clock says; a
 * reconnect to the same Redis advances nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"
#include "fakes/fake_clock.h"
#include "redis_server.h"

#define PREFIX "t:"
#define GEN_KEY PREFIX "gen"
#define ITEM_KEY "t:item"
#define DAY_MS (24LL * 3600 * 1000)

static struct redis_server server;

static struct cache *open_cache(void)
{
    struct cache_options opt = {.socket = server.socket,
                                .timeout_ms = 5000,
                                .gen_key = GEN_KEY};
    struct cache *c = cache_open(&opt);

    assert_non_null(c);
    return c;
}

static void run(char *out, size_t outlen, const char *cmd, const char *arg)
{
    assert_int_equal(redis_server_command(&server, out, outlen, cmd, arg), 0);
}

static long long redis_time_us(void)
{
    char sec[32];

    run(sec, sizeof(sec), "TIME%s", "");
    return atoll(sec) * 1000000;
}

static enum cache_result read_item(struct cache *c, struct cache_entry *e)
{
    enum cache_result r = cache_read(c, PREFIX, ITEM_KEY, false, e);

    free(e->body);
    e->body = NULL;
    return r;
}

static int setup(void **state)
{
    (void)state;
    return redis_server_start_for_tests(&server);
}

static int teardown(void **state)
{
    (void)state;
    fake_clock_skew_ms = 0;
    redis_server_remove(&server);
    return 0;
}

/* A failover to a replica that lost bumps, seen from an app host whose
 * clock is a day behind: the generation still lands at Redis' clock or
 * later (from the app host's clock it would land a day back, below
 * generations the other hosts gave out). */
static void test_floor_is_redis_time(void **state)
{
    struct cache *c;
    struct cache_entry e;
    long long before;
    char out[64];

    (void)state;
    run(out, sizeof(out), "FLUSHALL%s", "");
    run(out, sizeof(out), "SET " GEN_KEY " %s", "5");
    run(out, sizeof(out), "SET " GEN_KEY ":master %s", "a-replaced-master");
    fake_clock_skew_ms = -DAY_MS;
    before = redis_time_us();
    c = open_cache();
    assert_int_equal(read_item(c, &e), CACHE_MISS);
    print_message("generation %llu, Redis' clock %lld us\n",
                  (unsigned long long)e.gen, before);
    assert_true(e.gen >= (uint64_t)before);
    fake_clock_skew_ms = 0;
    cache_close(c);
}

/* Same Redis, a dropped connection: the entry is still a HIT. */
/* Stores body as the item (id 1) built after the read e. */
static enum cache_store_result store_item(struct cache *c,
                                          const struct cache_entry *e,
                                          const char *body)
{
    struct cache_deps deps = {.page = false, .id = 1};

    return cache_store(c, PREFIX, ITEM_KEY, e->gen, e->seq, &deps, body,
                       strlen(body), 60000, 60000);
}

static void test_reconnect_keeps_generation(void **state)
{
    struct cache *c = open_cache();
    struct cache_entry e;
    uint64_t gen;
    char out[64];

    (void)state;
    assert_int_equal(read_item(c, &e), CACHE_MISS);
    gen = e.gen;
    assert_int_equal(store_item(c, &e, "kept"), CACHE_STORED);
    run(out, sizeof(out), "CLIENT KILL TYPE %s", "normal");
    assert_int_equal(read_item(c, &e), CACHE_HIT);
    assert_true(e.gen == gen);
    cache_close(c);
}

/* Snapshot at G1 with an entry built under G1; a write bumps to G2; the
 * server dies and comes back from the snapshot (G1 and its entry). The
 * next read must not serve that entry. */
static void test_restart_from_snapshot(void **state)
{
    struct cache *c = open_cache();
    struct cache_entry e;
    uint64_t g1, g2;
    char out[64], want[32];

    (void)state;
    run(out, sizeof(out), "FLUSHALL%s", "");
    assert_int_equal(read_item(c, &e), CACHE_MISS);
    g1 = e.gen;
    assert_int_equal(store_item(c, &e, "before the write"), CACHE_STORED);
    assert_int_equal(read_item(c, &e), CACHE_HIT);
    run(out, sizeof(out), "SAVE%s", "");
    assert_int_equal(cache_bump_generation(c, GEN_KEY), 0);
    assert_int_equal(read_item(c, &e), CACHE_MISS);
    g2 = e.gen;
    assert_true(g2 > g1);

    redis_server_kill(&server);
    assert_int_equal(redis_server_start(&server, NULL), 0);
    snprintf(want, sizeof(want), "%llu", (unsigned long long)g1);
    run(out, sizeof(out), "GET %s", GEN_KEY);
    assert_string_equal(out, want); /* the old generation is back */

    assert_int_equal(read_item(c, &e), CACHE_MISS);
    print_message("after the restart: generation %llu (before: %llu, %llu)\n",
                  (unsigned long long)e.gen, (unsigned long long)g1,
                  (unsigned long long)g2);
    assert_true(e.gen > g2);
    cache_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floor_is_redis_time),
        cmocka_unit_test(test_reconnect_keeps_generation),
        cmocka_unit_test(test_restart_from_snapshot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
