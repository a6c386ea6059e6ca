/* binlog_apply.c: event groups to invalidations, with the cache adapter
 * (invalidate.h) and the settle queue (binlog_settle.h) faked here: by id
 * for rows, everything for DDL/TRUNCATE/XA/large/unreadable, nothing for
 * other tables, the GTID state advanced per group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "binlog_apply.h"
#include "binlog_metrics.h"
#include "binlog_position.h"
#include "invalidate.h"

/* --- fakes: what the apply step asked for ------------------------------ */
static int calls_ids, calls_all, redis_down;
static uint32_t last_ids[16];
static size_t last_n;
static unsigned last_kinds;
static char pushed_state[BINLOG_POSITION_MAX];
static int pushes, pushed_empty;
static char last_txn[BINLOG_TXN_MAX], handled_txn[BINLOG_TXN_MAX];
static char in_flight_txn[BINLOG_TXN_MAX];

int invalidate_ids(struct cache *c, const uint32_t *ids, size_t n,
                   unsigned kinds, const char *position, const char *txn)
{
    (void)c;
    (void)position;
    if (redis_down > 0) {
        redis_down--;
        return -1;
    }
    snprintf(last_txn, sizeof(last_txn), "%s", txn);
    if (strcmp(txn, handled_txn) == 0)
        return 1; /* an API write's own: skipped */
    if (strcmp(txn, in_flight_txn) == 0)
        return 2; /* an API write of the rows in flight: left to the settle */
    calls_ids++;
    last_n = n < 16 ? n : 16;
    memcpy(last_ids, ids, last_n * sizeof(*ids));
    last_kinds = kinds;
    return 0;
}

int invalidate_all(struct cache *c, const char *position)
{
    (void)c;
    (void)position;
    calls_all++;
    return 0;
}

void binlog_settle_push(struct binlog_settle *s, struct binlog_change *change,
                        const char *state)
{
    (void)s;
    snprintf(pushed_state, sizeof(pushed_state), "%s", state);
    pushes++;
    pushed_empty += binlog_change_empty(change);
    binlog_change_free(change);
}

/* A series' value, from the exposition (-1: absent). */
static long counter(const char *series)
{
    static char text[65536];
    char line[128];
    const char *at;

    binlog_metrics_text(text, sizeof(text));
    snprintf(line, sizeof(line), "\n%s ", series);
    at = strstr(text, line);
    return at ? atol(at + strlen(line)) : -1;
}

/* The fallback counter of reason. */
static long fallbacks(const char *reason)
{
    char series[96];

    snprintf(series, sizeof(series),
             "binlog_invalidator_fallbacks_total{reason=\"%s\"}", reason);
    return counter(series);
}

/* --- events ------------------------------------------------------------ */
static const unsigned char types[] = {3, 15, 246};
static const unsigned char meta[] = {0xfc, 0x03, 10, 2};
static const unsigned char pk0[] = {0x00};
static const unsigned char all3[] = {0x07};

static struct binlog_event gtid(uint64_t seq, bool standalone)
{
    return (struct binlog_event){.kind = BEV_GTID, .server_id = 1,
                                 .domain = 0, .seq = seq,
                                 .standalone = standalone};
}

static struct binlog_event table_map(const char *table, uint64_t id)
{
    return (struct binlog_event){
        .kind = BEV_TABLE_MAP, .table_id = id, .db = "products",
        .db_len = 8, .table = table, .table_len = strlen(table),
        .types = types, .column_count = 3, .meta = meta,
        .meta_len = sizeof(meta), .pk = pk0, .pk_len = 1};
}

/* One row image per id: null bitmap, id, a 1-byte name, a price. For an
 * UPDATE the ids go in pairs, before and after image. */
static unsigned char rows_buf[256];
static struct binlog_event rows(uint64_t table_id, unsigned kind,
                                const uint32_t *ids, size_t n)
{
    size_t at = 0;

    for (size_t i = 0; i < n; i++) {
        rows_buf[at++] = 0;
        for (int b = 0; b < 4; b++)
            rows_buf[at++] = (unsigned char)(ids[i] >> (8 * b));
        memcpy(rows_buf + at, "\x01\x00x\x80\x00\x00\x01\x17", 8);
        at += 8;
    }
    return (struct binlog_event){
        .kind = BEV_ROWS, .table_id = table_id, .row_kind = kind,
        .column_count = 3, .present = all3,
        .present_after = kind == INVALIDATE_UPDATE ? all3 : NULL,
        .data = rows_buf, .data_len = at, .decodable = true};
}

static struct binlog_event query(const char *sql)
{
    return (struct binlog_event){.kind = BEV_QUERY, .db = "products",
                                 .db_len = 8, .statement = sql,
                                 .statement_len = strlen(sql)};
}

static const struct binlog_event commit = {.kind = BEV_COMMIT};

static volatile sig_atomic_t stop;
static struct binlog_config bc = {.max_ids = 3, .retry_max_ms = 10,
                                  .settle_ms = 100,
                                  .schema = "products", .table = "products"};

static struct binlog_apply *fresh(void)
{
    struct binlog_apply *a = binlog_apply_open(&bc, NULL, NULL, &stop);

    calls_ids = calls_all = pushes = pushed_empty = redis_down = 0;
    snprintf(handled_txn, sizeof(handled_txn), "none");
    snprintf(in_flight_txn, sizeof(in_flight_txn), "none");
    assert_non_null(a);
    assert_int_equal(binlog_apply_restart(a, "0-1-10"), 0);
    return a;
}

static void feed(struct binlog_apply *a, struct binlog_event ev)
{
    assert_int_equal(binlog_apply_event(a, &ev), 0);
}

static void test_update_by_id_and_position(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {7, 8}; /* the key changed from 7 to 8 */
    char out[BINLOG_POSITION_MAX];

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_UPDATE, ids, 2));
    assert_int_equal(calls_ids, 0); /* nothing before the commit */
    feed(a, commit);
    assert_int_equal(calls_ids, 1);
    assert_int_equal(last_n, 2);
    assert_int_equal(last_ids[0], 7);
    assert_int_equal(last_ids[1], 8);
    /* a key that moved shifts pages as a delete and an insert do */
    assert_int_equal(last_kinds, INVALIDATE_DELETE | INVALIDATE_INSERT);
    assert_string_equal(pushed_state, "0-1-11");
    binlog_apply_state(a, out, sizeof(out));
    assert_string_equal(out, "0-1-11");
    binlog_apply_close(a);
}

/* Each transaction names its own GTID; one an API write already handled
 * is neither invalidated again nor settled, and its position still moves
 * on. */
static void test_transaction_handled_by_writer_is_skipped(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {7};
    long before = counter("binlog_invalidator_handled_by_writer_total");

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_INSERT, ids, 1));
    feed(a, commit);
    assert_string_equal(last_txn, "0-1-11");
    assert_int_equal(calls_ids, 1);
    assert_int_equal(pushed_empty, 0);
    snprintf(handled_txn, sizeof(handled_txn), "0-1-12");
    feed(a, gtid(12, false));
    feed(a, rows(42, INVALIDATE_INSERT, ids, 1));
    feed(a, commit);
    assert_string_equal(last_txn, "0-1-12");
    assert_int_equal(calls_ids, 1);
    assert_int_equal(pushes, 2);
    assert_int_equal(pushed_empty, 1);
    assert_string_equal(pushed_state, "0-1-12");
    assert_int_equal(counter("binlog_invalidator_handled_by_writer_total"),
                     before + 1);
    binlog_apply_close(a);
}

/* A change whose rows an API write is about to invalidate is left whole to
 * the settle (which checks that the write did); without a settle nothing
 * is left to it, and no GTID is passed. */
static void test_change_left_to_settle_while_writer_in_flight(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {7, 7}; /* before and after image */
    long before = counter("binlog_invalidator_left_to_settle_total");

    (void)state;
    snprintf(in_flight_txn, sizeof(in_flight_txn), "0-1-11");
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_UPDATE, ids, 2));
    feed(a, commit);
    assert_int_equal(calls_ids, 0);
    assert_int_equal(pushes, 1);
    assert_int_equal(pushed_empty, 0); /* the settle gets the ids */
    assert_int_equal(counter("binlog_invalidator_left_to_settle_total"),
                     before + 1);
    bc.settle_ms = 0;
    feed(a, gtid(12, false));
    feed(a, rows(42, INVALIDATE_UPDATE, ids, 2));
    feed(a, commit);
    bc.settle_ms = 100;
    assert_string_equal(last_txn, "");
    assert_int_equal(calls_ids, 1);
    binlog_apply_close(a);
}

static void test_other_table_invalidates_nothing(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {1};

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("orders", 43));
    feed(a, rows(43, INVALIDATE_INSERT, ids, 1));
    feed(a, commit);
    assert_int_equal(calls_ids + calls_all, 0);
    assert_int_equal(pushes, 1); /* the position still moves on */
    assert_string_equal(pushed_state, "0-1-11");
    binlog_apply_close(a);
}

static void test_large_transaction_is_everything(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {1, 2, 3, 4};
    long before = fallbacks("large");

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_INSERT, ids, 2));
    feed(a, rows(42, INVALIDATE_INSERT, ids + 2, 2)); /* max_ids is 3 */
    feed(a, commit);
    assert_int_equal(calls_ids, 0);
    assert_int_equal(calls_all, 1);
    assert_int_equal(fallbacks("large"), before + 1);
    binlog_apply_close(a);
}

static void test_statements(void **state)
{
    struct binlog_apply *a = fresh();

    (void)state;
    feed(a, gtid(11, true));
    feed(a, query("ALTER TABLE products ADD COLUMN x INT"));
    assert_int_equal(calls_all, 1); /* standalone: the statement ends it */
    feed(a, gtid(12, true));
    feed(a, query("TRUNCATE TABLE products"));
    assert_int_equal(calls_all, 2);
    feed(a, gtid(13, true));
    feed(a, (struct binlog_event){.kind = BEV_QUERY, .db = "", .db_len = 0,
                                  .statement = "CREATE TABLE other.t (a INT)",
                                  .statement_len = 28});
    assert_int_equal(calls_all, 2); /* neither our schema nor our table */
    assert_string_equal(pushed_state, "0-1-13");
    binlog_apply_close(a);
}

static void test_unreadable_rows_are_everything(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {5};
    struct binlog_event ev;

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    ev = rows(42, INVALIDATE_DELETE, ids, 1);
    ev.data_len--; /* one byte short */
    feed(a, ev);
    feed(a, commit);
    assert_int_equal(calls_all, 1);
    assert_int_equal(fallbacks("unreadable"), 1);
    binlog_apply_close(a);
}

static void test_redis_refusals_are_retried(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {9};

    (void)state;
    redis_down = 2;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_INSERT, ids, 1));
    feed(a, commit);
    assert_int_equal(redis_down, 0);
    assert_int_equal(calls_ids, 1);
    assert_int_equal(pushes, 1);
    binlog_apply_close(a);
}

static void test_restart_drops_a_half_read_group(void **state)
{
    struct binlog_apply *a = fresh();
    uint32_t ids[] = {9};

    (void)state;
    feed(a, gtid(11, false));
    feed(a, table_map("products", 42));
    feed(a, rows(42, INVALIDATE_INSERT, ids, 1));
    assert_int_equal(binlog_apply_restart(a, "0-1-10"), 0);
    feed(a, commit); /* no group open: ignored */
    assert_int_equal(calls_ids + pushes, 0);
    binlog_apply_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_by_id_and_position),
        cmocka_unit_test(test_transaction_handled_by_writer_is_skipped),
        cmocka_unit_test(test_change_left_to_settle_while_writer_in_flight),
        cmocka_unit_test(test_other_table_invalidates_nothing),
        cmocka_unit_test(test_large_transaction_is_everything),
        cmocka_unit_test(test_statements),
        cmocka_unit_test(test_unreadable_rows_are_everything),
        cmocka_unit_test(test_redis_refusals_are_retried),
        cmocka_unit_test(test_restart_drops_a_half_read_group),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
