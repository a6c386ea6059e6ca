/*
 * test_cache_races: the scoped invalidation's races, against a real Redis
 * (the checks live in cache.c's Lua scripts, which only Redis runs). Each
 * test plays one interleaving by hand: a rebuild reads the cache (and so
 * the write sequence), "reads MySQL", a write commits and invalidates, then
 * the rebuild stores; or the rebuild stores first and the write comes after.
 * Every one of them fails on a design that skips the case: no check of the
 * log at store time (the rebuild lands after the write and answers later
 * readers), no index of pages (a page holding the product survives), no
 * membership shift (a page after an insert or delete survives), no tail
 * (the last page, a page past the end), no check of a 404, a log that
 * silently forgot, a bounded answer over a better one, a rebuild lock that
 * outlives the write (its readers wait for an answer they cannot take).
 *
 * Starts its own redis-server (redis_server.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "redis_server.h"

#define PREFIX "t:"
#define ITEM(id) PREFIX "item:" #id
#define KEEP_MS 60000
#define MAX_IDS 100

static struct redis_server server;
static struct cache *cache;

/* The group's Redis (redis_server.h: a temp folder, a Unix socket, a
 * bounded wait until it answers). make deps installs redis-server; without
 * one the group fails rather than passing untested. */
static int start_redis(void **state)
{
    (void)state;
    return redis_server_start(&server, NULL);
}

static int stop_redis(void **state)
{
    (void)state;
    redis_server_remove(&server);
    return 0;
}

/* A fresh handle on an empty Redis for each test. */
static int setup(void **state)
{
    struct cache_options opt = {.socket = server.socket, .timeout_ms = 2000};
    char out[16];

    (void)state;
    if (redis_server_command(&server, out, sizeof(out), "FLUSHALL") != 0)
        return -1;
    cache = cache_open(&opt);
    return cache == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    cache_close(cache);
    cache = NULL;
    return 0;
}

/* A rebuild's first step: the cache read (MISS), which gives the
 * generation and the write sequence its store is checked against. */
static struct cache_entry begin(const char *key)
{
    struct cache_entry e;

    assert_int_equal(cache_read(cache, PREFIX, key, false, &e), CACHE_MISS);
    return e;
}

static enum cache_store_result store(const char *key,
                                     const struct cache_entry *read,
                                     struct cache_deps deps, const char *body)
{
    return cache_store(cache, PREFIX, key, read->gen, read->seq, &deps, body,
                       strlen(body), KEEP_MS, KEEP_MS);
}

static struct cache_deps item(uint32_t id)
{
    return (struct cache_deps){.id = id};
}

static struct cache_deps page(uint32_t first, uint32_t last, bool full)
{
    return (struct cache_deps){.page = true, .first = first, .last = last,
                               .full = full};
}

static const struct cache_deps EMPTY_PAGE = {.page = true,
                                             .first = UINT32_MAX};

/* A reader that began at read (before a change) looks again: true when
 * key answers it (a HIT; a bounded entry answers such readers). */
static bool answers_earlier(const char *key, const struct cache_entry *read)
{
    struct cache_entry e = *read;
    bool held;
    uint64_t seq_now;
    enum cache_result r = cache_poll(cache, PREFIX, key, &e, &held, &seq_now);

    free(e.body);
    return r == CACHE_HIT;
}

/* A reader that begins now misses key, and knows it for a refresh. */
static void later_reader_refreshes(const char *key)
{
    struct cache_entry e;

    assert_int_equal(cache_read(cache, PREFIX, key, false, &e), CACHE_MISS);
    assert_true(e.refresh);
}

/* Reads key; true on a HIT. */
static bool hit(const char *key)
{
    struct cache_entry e;
    enum cache_result r = cache_read(cache, PREFIX, key, false, &e);

    free(e.body);
    return r == CACHE_HIT;
}

/* Builds and stores key in one go (no write in between). */
static void cached(const char *key, struct cache_deps deps)
{
    struct cache_entry e = begin(key);

    assert_int_equal(store(key, &e, deps, "[\"x\"]"), CACHE_STORED);
    assert_true(hit(key));
}

static long long change(enum cache_change_kind kind, uint32_t id)
{
    struct cache_change c = {.kind = kind, .id = id};
    struct cache_invalidation out;

    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, NULL, &out),
                     0);
    assert_false(out.all);
    return out.keys;
}


/* Same product: the rebuild read MySQL before the write, stores after its
 * invalidation. Without the store's check it would land and answer every
 * later reader; bounded, it answers only the readers that began before the
 * write (who may see either). */
static void test_rebuild_of_item_read_before_update_is_bounded(void **state)
{
    struct cache_entry e;

    (void)state;
    e = begin(ITEM(1));
    change(CACHE_CHANGE_UPDATE, 1); /* the write commits, invalidates, 2xx */
    assert_int_equal(store(ITEM(1), &e, item(1), "{\"old\":1}"),
                     CACHE_STORED_BOUNDED);
    assert_false(hit(ITEM(1)));
    later_reader_refreshes(ITEM(1));
    assert_true(answers_earlier(ITEM(1), &e));
}

/* The rebuild after the write lands first: the one from before it, bounded,
 * must not replace it (every later reader would miss again). The other
 * order: the complete answer replaces the bounded one. */
static void test_bounded_answer_never_replaces_a_complete_one(void **state)
{
    struct cache_entry before, after;

    (void)state;
    before = begin(ITEM(1));
    change(CACHE_CHANGE_UPDATE, 1);
    after = begin(ITEM(1));
    assert_int_equal(store(ITEM(1), &after, item(1), "{\"new\":1}"),
                     CACHE_STORED);
    assert_int_equal(store(ITEM(1), &before, item(1), "{\"old\":1}"),
                     CACHE_REFUSED);
    assert_true(hit(ITEM(1)));

    before = begin(ITEM(2));
    change(CACHE_CHANGE_UPDATE, 2);
    after = begin(ITEM(2));
    assert_int_equal(store(ITEM(2), &before, item(2), "{\"old\":2}"),
                     CACHE_STORED_BOUNDED);
    assert_false(hit(ITEM(2)));
    assert_int_equal(store(ITEM(2), &after, item(2), "{\"new\":2}"),
                     CACHE_STORED);
    assert_true(hit(ITEM(2)));
}

/* A write deletes the rebuild lock of what it invalidates: the rebuild in
 * flight read MySQL before it, so the readers after it need another, now
 * rather than after that one. A key it does not touch keeps its lock. */
static void test_write_releases_the_rebuild_lock_of_what_it_changed(void **state)
{
    struct cache_entry e = begin(ITEM(1)), other = begin(ITEM(2));

    (void)state;
    assert_int_equal(cache_lock(cache, ITEM(1), e.gen, KEEP_MS),
                     CACHE_LOCK_ACQUIRED);
    assert_int_equal(cache_lock(cache, ITEM(2), other.gen, KEEP_MS),
                     CACHE_LOCK_ACQUIRED);
    change(CACHE_CHANGE_UPDATE, 1);
    assert_int_equal(cache_lock(cache, ITEM(1), e.gen, KEEP_MS),
                     CACHE_LOCK_ACQUIRED);
    assert_int_equal(cache_lock(cache, ITEM(2), other.gen, KEEP_MS),
                     CACHE_LOCK_BUSY);
}

/* Same product, the other order: the rebuild landed before the write; the
 * write deletes it, and the next read knows it is a refresh. */
static void test_item_stored_before_update_is_deleted(void **state)
{
    struct cache_entry e;

    (void)state;
    cached(ITEM(1), item(1));
    assert_int_equal(change(CACHE_CHANGE_UPDATE, 1), 1);
    assert_int_equal(cache_read(cache, PREFIX, ITEM(1), false, &e),
                     CACHE_MISS);
    assert_true(e.refresh);
}

/* Another product: its rebuild may land, and its cached copy stays. This
 * is what the global generation could not do. */
static void test_update_of_another_item_keeps_its_neighbours(void **state)
{
    struct cache_entry e;

    (void)state;
    cached(ITEM(3), item(3));
    e = begin(ITEM(2));
    assert_int_equal(change(CACHE_CHANGE_UPDATE, 1), 0);
    assert_int_equal(store(ITEM(2), &e, item(2), "{\"id\":2}"),
                     CACHE_STORED);
    assert_true(hit(ITEM(2)));
    assert_true(hit(ITEM(3)));
}

/* A page holding the product: a rebuild read before the update is
 * bounded, a cached copy is deleted; the page next to it stays. */
static void test_update_reaches_the_pages_holding_it(void **state)
{
    struct cache_entry e;

    (void)state;
    cached(PREFIX "list:10:0", page(1, 10, true));
    cached(PREFIX "list:10:10", page(11, 20, true));
    e = begin(PREFIX "list:5:2");
    change(CACHE_CHANGE_UPDATE, 5);
    assert_int_equal(store(PREFIX "list:5:2", &e, page(3, 7, true), "[]"),
                     CACHE_STORED_BOUNDED);
    later_reader_refreshes(PREFIX "list:5:2");
    assert_false(hit(PREFIX "list:10:0"));
    assert_true(hit(PREFIX "list:10:10"));
}

/* A delete shifts every page at or after its position: those pages go
 * (cached or rebuilding), the pages before it stay (cached or
 * rebuilding). */
static void test_delete_shifts_pages_at_or_after_it(void **state)
{
    struct cache_entry before, after;

    (void)state;
    cached(PREFIX "list:10:0", page(1, 10, true));
    cached(PREFIX "list:10:10", page(11, 20, true));
    cached(PREFIX "list:10:30", page(31, 40, true)); /* after: shifts too */
    before = begin(PREFIX "list:5:0");
    after = begin(PREFIX "list:5:40");
    change(CACHE_CHANGE_DELETE, 15);
    assert_true(hit(PREFIX "list:10:0"));
    assert_false(hit(PREFIX "list:10:10"));
    assert_false(hit(PREFIX "list:10:30"));
    assert_int_equal(store(PREFIX "list:5:0", &before, page(1, 5, true), "[]"),
                     CACHE_STORED);
    assert_int_equal(store(PREFIX "list:5:40", &after, page(41, 45, true),
                           "[]"),
                     CACHE_STORED_BOUNDED);
    assert_false(hit(PREFIX "list:5:40"));
    assert_true(hit(PREFIX "list:5:0"));
}

/* An insert (after the last id, as AUTO_INCREMENT does) changes the last
 * page and every page past the end, not the full pages before it. */
static void test_insert_reaches_last_page_and_pages_past_the_end(void **state)
{
    struct cache_entry last, past;

    (void)state;
    cached(PREFIX "list:10:0", page(1, 10, true));
    cached(PREFIX "list:10:95", page(96, 100, false));
    cached(PREFIX "list:10:500", EMPTY_PAGE);
    last = begin(PREFIX "list:10:90");
    past = begin(PREFIX "list:10:100");
    change(CACHE_CHANGE_INSERT, 101);
    assert_true(hit(PREFIX "list:10:0"));
    assert_false(hit(PREFIX "list:10:95"));
    assert_false(hit(PREFIX "list:10:500"));
    assert_int_equal(store(PREFIX "list:10:90", &last, page(91, 100, false),
                           "[]"),
                     CACHE_STORED_BOUNDED);
    assert_int_equal(store(PREFIX "list:10:100", &past, EMPTY_PAGE, "[]"),
                     CACHE_STORED_BOUNDED);
    assert_false(hit(PREFIX "list:10:90"));
    assert_false(hit(PREFIX "list:10:100"));
}

/* An update changes no page's membership: a page past the end stays. */
static void test_update_keeps_pages_past_the_end(void **state)
{
    struct cache_entry e;

    (void)state;
    cached(PREFIX "list:10:500", EMPTY_PAGE);
    e = begin(PREFIX "list:10:600");
    change(CACHE_CHANGE_UPDATE, 5);
    assert_true(hit(PREFIX "list:10:500"));
    assert_int_equal(store(PREFIX "list:10:600", &e, EMPTY_PAGE, "[]"),
                     CACHE_STORED);
}

/* A cached 404 goes when its id is created, and a 404 read before the
 * insert cannot land after it. */
static void test_insert_reaches_the_404_of_its_id(void **state)
{
    struct cache_entry e;

    (void)state;
    cached(ITEM(101), item(101));
    e = begin(ITEM(102));
    change(CACHE_CHANGE_INSERT, 101);
    change(CACHE_CHANGE_INSERT, 102);
    assert_false(hit(ITEM(101)));
    assert_int_equal(store(ITEM(102), &e, item(102), ""),
                     CACHE_STORED_BOUNDED);
    assert_false(hit(ITEM(102)));
}

/* An API update of id in transaction gtid, with the row's new body. */
static long long update_through(uint32_t id, const char *gtid,
                                const char *body)
{
    struct cache_change c = {.kind = CACHE_CHANGE_UPDATE, .id = id,
                             .body = body, .len = strlen(body),
                             .fresh_ms = KEEP_MS, .keep_ms = KEEP_MS};
    struct cache_txn txn = {.gtid = gtid};
    struct cache_invalidation out;

    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &txn, &out),
                     0);
    return out.keys;
}

/* key's body now (NULL on anything but a HIT; the caller frees). */
static char *body_of(const char *key)
{
    struct cache_entry e;

    if (cache_read(cache, PREFIX, key, false, &e) == CACHE_HIT)
        return e.body;
    free(e.body);
    return NULL;
}

#define PAGE_OLD "[{\"id\":1,\"name\":\"a\",\"price\":1.0}," \
                 "{\"id\":2,\"name\":\"b\\\"},{\\\"id\\\":2,\",\"price\":2.0}," \
                 "{\"id\":3,\"name\":\"c\",\"price\":3.0}]"
#define ITEM2_NEW "{\"id\":2,\"name\":\"new\",\"price\":2.5}"
#define PAGE_NEW "[{\"id\":1,\"name\":\"a\",\"price\":1.0}," ITEM2_NEW "," \
                 "{\"id\":3,\"name\":\"c\",\"price\":3.0}]"

/* Page 3:0 (ids 1-3) and item 2 cached afresh. */
static void cache_page_and_item2(void)
{
    char out[16];
    struct cache_entry e;

    assert_int_equal(redis_server_command(&server, out, sizeof(out),
                                          "DEL " PREFIX "list:3:0 " ITEM(2)),
                     0);
    e = begin(PREFIX "list:3:0");

    assert_int_equal(store(PREFIX "list:3:0", &e, page(1, 3, true), PAGE_OLD),
                     CACHE_STORED);
    e = begin(ITEM(2));
    assert_int_equal(store(ITEM(2), &e, item(2), "{\"id\":2}"),
                     CACHE_STORED);
}

/* The echo of a write whose API invalidation has not run yet (the binlog
 * can be faster than the writer's own answer) leaves the rows alone while
 * the write is in flight, so that it does not delete what the write then
 * writes through; once the write invalidated, nothing is in flight. */
static void test_echo_waits_while_a_write_is_in_flight(void **state)
{
    struct cache_change c = {.kind = CACHE_CHANGE_UPDATE, .id = 2};
    struct cache_txn echo = {.gtid = "0-1-8", .skip_if_handled = true};
    struct cache_txn api = {.gtid = "0-1-8"};
    struct cache_invalidation out;

    (void)state;
    cache_page_and_item2();
    cache_write_begins(cache, PREFIX, 2);
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &echo, &out),
                     0);
    assert_true(out.deferred);
    assert_true(hit(ITEM(2)));
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &api, &out),
                     0);
    assert_false(out.deferred);
    echo.gtid = "0-1-9"; /* another transaction, nothing in flight */
    cache_page_and_item2();
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &echo, &out),
                     0);
    assert_false(out.deferred);
    assert_false(hit(ITEM(2)));
}

/* An update known to be its row's latest (the first, or a later GTID than
 * the last one written through) writes the item and patches the row's
 * object inside the pages holding it: no rebuild, and the bytes a rebuild
 * would give (the scan skips a name that looks like an object). A rebuild
 * that read before the update cannot replace what it wrote. */
static void test_latest_update_is_written_through(void **state)
{
    struct cache_entry before;
    char *b;

    (void)state;
    cache_page_and_item2();
    update_through(2, "0-1-5", ITEM2_NEW);
    assert_true(hit(ITEM(2)));
    assert_true(hit(PREFIX "list:3:0"));
    assert_int_equal(redis_server_command(&server, (char[16]){0}, 16,
                                          "DEL " ITEM(2)),
                     0);
    before = begin(ITEM(2)); /* a rebuild in flight, read before 0-1-6 */
    cache_page_and_item2();
    update_through(2, "0-1-6", ITEM2_NEW);
    b = body_of(ITEM(2));
    assert_non_null(b);
    assert_string_equal(b, ITEM2_NEW);
    free(b);
    b = body_of(PREFIX "list:3:0");
    assert_non_null(b);
    assert_string_equal(b, PAGE_NEW);
    free(b);
    assert_int_equal(store(ITEM(2), &before, item(2), "{\"id\":2}"),
                     CACHE_REFUSED);
    b = body_of(ITEM(2));
    assert_string_equal(b, ITEM2_NEW);
    free(b);
}

/* Updates committed in one order may reach Redis in the other: the one
 * with the older GTID, arriving late, deletes rather than writing its
 * outdated row over the newer one. So does one of another domain (no
 * order is known) and one without a GTID. */
static void test_late_or_unordered_update_deletes(void **state)
{
    static const char *const gtids[] = {"0-1-6", "1-1-9", ""};

    (void)state;
    cache_page_and_item2();
    update_through(2, "0-1-6", ITEM2_NEW);
    cache_page_and_item2();
    update_through(2, "0-1-7", ITEM2_NEW);
    assert_true(hit(ITEM(2)));
    for (size_t i = 0; i < sizeof(gtids) / sizeof(gtids[0]); i++) {
        cache_page_and_item2();
        update_through(2, gtids[i], "{\"id\":2,\"name\":\"old\"}");
        assert_false(hit(ITEM(2)));
        assert_false(hit(PREFIX "list:3:0"));
    }
}

/* An API write marks its transaction handled; the binlog invalidator's
 * echo of it then does nothing (no sequence, no deletion, so the rebuild
 * that began after the write is not bounded by it), while another
 * transaction, or one with no GTID, is invalidated as usual. */
static void test_echo_of_a_handled_write_is_skipped(void **state)
{
    struct cache_change c = {.kind = CACHE_CHANGE_UPDATE, .id = 1};
    struct cache_txn api = {.gtid = "0-1-5"};
    struct cache_txn echo = {.gtid = "0-1-5", .skip_if_handled = true};
    struct cache_txn other = {.gtid = "0-1-6", .skip_if_handled = true};
    struct cache_invalidation out;
    struct cache_entry e;

    (void)state;
    assert_int_equal(cache_txn_handled(cache, PREFIX, "0-1-5"), 0);
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &api, &out),
                     0);
    assert_false(out.skipped);
    assert_int_equal(cache_txn_handled(cache, PREFIX, "0-1-5"), 1);
    e = begin(ITEM(1)); /* the rebuild after the write */
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &echo, &out),
                     0);
    assert_true(out.skipped);
    assert_int_equal(store(ITEM(1), &e, item(1), "{\"new\":1}"),
                     CACHE_STORED);
    assert_int_equal(cache_invalidate_products(cache, PREFIX, &c, 1, MAX_IDS,
                                               5000, &other, &out),
                     0);
    assert_false(out.skipped);
    assert_false(hit(ITEM(1)));
}

/* A rebuild slower than the change log is long cannot know what changed:
 * refused, even for a product nobody touched. */
static void test_log_that_no_longer_reaches_back_refuses(void **state)
{
    enum { N = 1100 }; /* more than cache.c keeps */
    static struct cache_change changes[N];
    struct cache_entry e;

    (void)state;
    e = begin(ITEM(1));
    for (int i = 0; i < N; i++)
        changes[i] = (struct cache_change){.kind = CACHE_CHANGE_UPDATE,
                                           .id = (uint32_t)(1000 + i)};
    assert_int_equal(cache_invalidate_products(cache, PREFIX, changes, N, N,
                                               5000, NULL, NULL),
                     0);
    assert_int_equal(store(ITEM(1), &e, item(1), "{}"), CACHE_REFUSED);
}

/* More products than the bound: everything is invalidated (the
 * generation moves), and a rebuild of the old generation cannot land. */
static void test_large_change_invalidates_everything(void **state)
{
    struct cache_change changes[3] = {{.kind = CACHE_CHANGE_UPDATE, .id = 7},
                                      {.kind = CACHE_CHANGE_UPDATE, .id = 8},
                                      {.kind = CACHE_CHANGE_UPDATE, .id = 9}};
    struct cache_invalidation out;
    struct cache_entry e;

    (void)state;
    cached(ITEM(1), item(1));
    e = begin(ITEM(2));
    assert_int_equal(cache_invalidate_products(cache, PREFIX, changes, 3, 2,
                                               5000, NULL, &out),
                     0);
    assert_true(out.all);
    assert_false(hit(ITEM(1)));
    assert_int_equal(store(ITEM(2), &e, item(2), "{}"), CACHE_REFUSED);
}

/* The page index is bounded (4,096 pages in cache.c): past it a store
 * drops a page, entry and index together, the highest first (a page past
 * the end before an early one); so no cached page is ever missing from the
 * index, and an insert before them all still reaches every one. */
static void test_page_index_is_bounded_and_complete(void **state)
{
    enum { PAST = 4100 };
    char key[CACHE_KEY_MAX];
    char card[32];
    int cached_pages = 0;

    (void)state;
    for (int i = 0; i < PAST; i++) {
        snprintf(key, sizeof(key), PREFIX "list:10:%d", 1000 + i);
        cached(key, EMPTY_PAGE);
    }
    cached(PREFIX "list:10:0", page(1, 10, true));
    assert_int_equal(redis_server_command(&server, card, sizeof(card),
                                          "ZCARD " PREFIX "pages"),
                     0);
    assert_true(atoll(card) <= 4096);
    assert_true(hit(PREFIX "list:10:0")); /* the early page stayed */
    change(CACHE_CHANGE_DELETE, 1);       /* shifts every page */
    for (int i = 0; i < PAST; i++) {
        snprintf(key, sizeof(key), PREFIX "list:10:%d", 1000 + i);
        cached_pages += hit(key);
    }
    assert_int_equal(cached_pages, 0);
    assert_false(hit(PREFIX "list:10:0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rebuild_of_item_read_before_update_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_answer_never_replaces_a_complete_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_releases_the_rebuild_lock_of_what_it_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_item_stored_before_update_is_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_of_another_item_keeps_its_neighbours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_reaches_the_pages_holding_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_shifts_pages_at_or_after_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_reaches_last_page_and_pages_past_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_keeps_pages_past_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_reaches_the_404_of_its_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_that_no_longer_reaches_back_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_of_a_handled_write_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_update_is_written_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_waits_while_a_write_is_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_or_unordered_update_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_change_invalidates_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_index_is_bounded_and_complete, setup, teardown),
    };

    return cmocka_run_group_tests(tests, start_redis, stop_redis);
}
