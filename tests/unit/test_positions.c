/*
 * Write positions as cache.c records them, on a private redis-server
 * (redis_server.h): GTID_RECORD_LUA gives gtid_merge()'s text for every case
 * of gtid_cases.h; writers recording at once, in both formats, leave the
 * merge of everything they recorded (last-writer-wins leaves one of them);
 * a write whose position is lost keeps rebuilds on the primary until a
 * position read after it is recorded.
 */
#include <pthread.h>
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
#include "gtid.h"
#include "gtid_cases.h"
#include "redis_server.h"

#define GEN_KEY "t:gen"
#define WRITERS 8
#define RECORDS_EACH 40

static struct redis_server server;

/* A handle, connected (so its epoch check, which sets the lost mark on a
 * Redis it has not seen, is behind it). */
static struct cache *open_cache(void)
{
    struct cache_options opt = {.socket = server.socket,
                                .timeout_ms = 5000,
                                .gen_key = GEN_KEY};
    struct cache *c = cache_open(&opt);

    assert_non_null(c);
    assert_int_equal(cache_ping(c), 0);
    return c;
}

static void reset(void)
{
    char out[16];

    assert_int_equal(redis_server_command(&server, out, sizeof(out),
                                          "FLUSHALL"),
                     0);
}

static void get(const char *key, char *out, size_t outlen)
{
    assert_int_equal(redis_server_command(&server, out, outlen, "GET %s", key),
                     0);
}

static int setup(void **state)
{
    (void)state;
    return redis_server_start_for_tests(&server);
}

static int teardown(void **state)
{
    (void)state;
    redis_server_remove(&server);
    return 0;
}

/* The Lua merge gives the C merge's text. A recorded value the C side
 * refuses (garbage, the other format) is replaced by the new position with
 * the lost mark set; a new position it refuses is refused. */
static void test_lua_matches_c(void **state)
{
    struct cache *c = open_cache();

    (void)state;
    for (size_t i = 0; i < GTID_CASES_N; i++) {
        const struct gtid_case *k = &gtid_cases[i];
        char want[GTID_POSITION_MAX], got[GTID_POSITION_MAX], lost[32];
        bool b_ok = gtid_merge(NULL, k->b, want, sizeof(want)) == 0;

        reset();
        if (k->a != NULL)
            assert_int_equal(redis_server_command(&server, got, sizeof(got),
                                                  "SET " GEN_KEY ":gtid %s",
                                                  k->a),
                             0);
        print_message("record \"%s\" over \"%s\"\n", k->b,
                      k->a ? k->a : "(none)");
        if (!b_ok) {
            assert_int_equal(cache_record_position(c, GEN_KEY, k->b, ""), -1);
            continue;
        }
        assert_int_equal(cache_record_position(c, GEN_KEY, k->b, ""), 0);
        get(GEN_KEY ":gtid", got, sizeof(got));
        get(GEN_KEY ":gtid:lost", lost, sizeof(lost));
        if (k->want != NULL) {
            assert_string_equal(got, k->want);
            assert_string_equal(lost, "(nil)");
        } else {
            assert_string_equal(got, want);
            assert_string_not_equal(lost, "(nil)");
        }
    }
    cache_close(c);
}

struct writer {
    bool mysql;
    unsigned seed;
    char recorded[RECORDS_EACH][GTID_POSITION_MAX];
};

static void random_position(struct writer *w, char *out, size_t outlen)
{
    static const char *const uuids[] = {
        "3e11fa47-71ca-11e1-9e33-c80aa9429562",
        "8a94f357-aab4-11df-86ab-c80aa9429562",
    };
    unsigned a = (unsigned)rand_r(&w->seed) % 100000 + 1;
    unsigned b = (unsigned)rand_r(&w->seed) % 100000 + 1;

    if (w->mysql)
        snprintf(out, outlen, "%s:1-%u,\n%s:1-%u", uuids[0], a, uuids[1], b);
    else
        snprintf(out, outlen, "0-1-%u,%u-2-%u", a, 1 + a % 3, b);
}

static void *write_positions(void *arg)
{
    struct writer *w = arg;
    struct cache *c = open_cache();

    for (int i = 0; i < RECORDS_EACH; i++) {
        random_position(w, w->recorded[i], sizeof(w->recorded[i]));
        if (cache_record_position(c, GEN_KEY, w->recorded[i], "") != 0)
            w->recorded[i][0] = '\0'; /* asserted on by the caller */
    }
    cache_close(c);
    return NULL;
}

static void concurrent_writers(bool mysql)
{
    static struct writer writers[WRITERS];
    pthread_t threads[WRITERS];
    char want[GTID_POSITION_MAX] = "", merged[GTID_POSITION_MAX];
    char got[GTID_POSITION_MAX];

    reset();
    for (int i = 0; i < WRITERS; i++) {
        writers[i].mysql = mysql;
        writers[i].seed = (unsigned)(i + 1) * 7919u;
        assert_int_equal(
            pthread_create(&threads[i], NULL, write_positions, &writers[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < WRITERS; i++) {
        for (int j = 0; j < RECORDS_EACH; j++) {
            const char *pos = writers[i].recorded[j];

            assert_true(pos[0] != '\0');
            assert_int_equal(gtid_merge(want[0] ? want : NULL, pos, merged,
                                        sizeof(merged)),
                             0);
            memcpy(want, merged, sizeof(want));
        }
    }
    get(GEN_KEY ":gtid", got, sizeof(got));
    print_message("%d writers x %d: recorded %s\n", WRITERS, RECORDS_EACH, got);
    assert_string_equal(got, want);
}

static void test_concurrent_mariadb(void **state)
{
    (void)state;
    concurrent_writers(false);
}

static void test_concurrent_mysql(void **state)
{
    (void)state;
    concurrent_writers(true);
}

/* Writer A's position is lost; B read its position before A committed (B
 * saw no mark) and records after: rebuilds must still go to the primary.
 * C reads the mark after A's loss, so its position covers A's write. */
static void test_lost_position(void **state)
{
    struct cache *c = open_cache();
    char mark[32], pos[GTID_POSITION_MAX];

    (void)state;
    reset();
    assert_int_equal(cache_record_position(c, GEN_KEY, "0-1-10", ""), 0);
    assert_int_equal(cache_read_position(c, GEN_KEY, pos, sizeof(pos)), 0);
    assert_string_equal(pos, "0-1-10");
    assert_int_equal(cache_position_mark(c, GEN_KEY, mark, sizeof(mark)), 0);
    assert_string_equal(mark, "");

    assert_int_equal(cache_record_position(c, GEN_KEY, NULL, ""), 0); /* A */
    assert_int_equal(cache_read_position(c, GEN_KEY, pos, sizeof(pos)), -1);
    assert_int_equal(cache_record_position(c, GEN_KEY, "0-1-11", ""), 0); /* B */
    assert_int_equal(cache_read_position(c, GEN_KEY, pos, sizeof(pos)), -1);

    assert_int_equal(cache_position_mark(c, GEN_KEY, mark, sizeof(mark)), 0);
    assert_string_not_equal(mark, "");
    assert_int_equal(cache_record_position(c, GEN_KEY, "0-1-13", mark), 0);
    assert_int_equal(cache_read_position(c, GEN_KEY, pos, sizeof(pos)), 0);
    assert_string_equal(pos, "0-1-13");

    /* A second loss after C read the mark: C's late record leaves it. */
    assert_int_equal(cache_position_mark(c, GEN_KEY, mark, sizeof(mark)), 0);
    assert_int_equal(cache_record_position(c, GEN_KEY, NULL, mark), 0);
    assert_int_equal(cache_record_position(c, GEN_KEY, "0-1-14", mark), 0);
    assert_int_equal(cache_read_position(c, GEN_KEY, pos, sizeof(pos)), -1);
    cache_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lua_matches_c),
        cmocka_unit_test(test_concurrent_mariadb),
        cmocka_unit_test(test_concurrent_mysql),
        cmocka_unit_test(test_lost_position),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
