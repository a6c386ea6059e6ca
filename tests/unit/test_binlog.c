/* binlog_rows.c, binlog_change.c, binlog_position.c: row images decoded to
 * keys (and refused when odd), the change bookkeeping, GTID states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "binlog_change.h"
#include "binlog_position.h"
#include "binlog_rows.h"

/* products: id INT UNSIGNED, name VARCHAR(255) utf8mb4 (1020 bytes: a
 * 2-byte length), price DECIMAL(10,2) (5 bytes). */
static const unsigned char types[] = {3, 15, 246};
static const unsigned char meta[] = {0xfc, 0x03, 10, 2};
static const unsigned char all3[] = {0x07};

struct keys {
    uint64_t k[8];
    bool moved[8];
    size_t n;
};

static int collect(uint64_t key, bool moved, void *arg)
{
    struct keys *ks = arg;

    if (ks->n == 8)
        return -1;
    ks->moved[ks->n] = moved;
    ks->k[ks->n++] = key;
    return 0;
}

/* Appends one full row image (no NULLs) for id with a name of len bytes. */
static size_t row(unsigned char *p, uint32_t id, size_t len)
{
    size_t at = 0;

    p[at++] = 0x00; /* null bitmap */
    for (int i = 0; i < 4; i++)
        p[at++] = (unsigned char)(id >> (8 * i));
    p[at++] = (unsigned char)len;
    p[at++] = (unsigned char)(len >> 8);
    memset(p + at, 'x', len);
    at += len;
    memcpy(p + at, "\x80\x00\x00\x01\x17", 5); /* 1.23 */
    return at + 5;
}

static void load(struct binlog_table *t)
{
    assert_int_equal(binlog_table_load(t, types, 3, meta, sizeof(meta), 0), 0);
}

static void test_write_rows(void **state)
{
    struct binlog_table t;
    unsigned char buf[600];
    size_t len;
    struct keys ks = {0};

    (void)state;
    load(&t);
    len = row(buf, 1, 3);
    len += row(buf + len, 300, 260); /* a name past 255 bytes */
    assert_int_equal(binlog_rows_keys(&t, 3, all3, NULL, false, buf, len,
                                      collect, &ks),
                     2);
    assert_int_equal(ks.n, 2);
    assert_int_equal(ks.k[0], 1);
    assert_int_equal(ks.k[1], 300);
    binlog_table_free(&t);
}

static void test_update_rows_before_and_after(void **state)
{
    struct binlog_table t;
    unsigned char buf[100];
    size_t len;
    struct keys ks = {0};

    (void)state;
    load(&t);
    len = row(buf, 3, 2);
    len += row(buf + len, 4, 2); /* the key itself changed */
    assert_int_equal(binlog_rows_keys(&t, 3, all3, all3, true, buf, len,
                                      collect, &ks),
                     1);
    assert_int_equal(ks.n, 2);
    assert_int_equal(ks.k[0], 3);
    assert_int_equal(ks.k[1], 4);
    assert_true(ks.moved[0] && ks.moved[1]);
    /* the same key before and after: once, not moved */
    ks.n = 0;
    len = row(buf, 5, 2);
    len += row(buf + len, 5, 3);
    assert_int_equal(binlog_rows_keys(&t, 3, all3, all3, true, buf, len,
                                      collect, &ks),
                     1);
    assert_int_equal(ks.n, 1);
    assert_int_equal(ks.k[0], 5);
    assert_false(ks.moved[0]);
    binlog_table_free(&t);
}

static void test_bad_images_are_refused(void **state)
{
    struct binlog_table t;
    unsigned char buf[100];
    size_t len;
    struct keys ks = {0};
    static const unsigned char no_key[] = {0x06};

    (void)state;
    load(&t);
    len = row(buf, 5, 4);
    /* One byte short, one byte too many, the key NULL, the key absent. */
    assert_int_equal(binlog_rows_keys(&t, 3, all3, NULL, false, buf, len - 1,
                                      collect, &ks),
                     -1);
    buf[len] = 0;
    assert_int_equal(binlog_rows_keys(&t, 3, all3, NULL, false, buf, len + 1,
                                      collect, &ks),
                     -1);
    buf[0] = 0x01;
    assert_int_equal(binlog_rows_keys(&t, 3, all3, NULL, false, buf, len - 4,
                                      collect, &ks),
                     -1);
    buf[0] = 0x00;
    assert_int_equal(binlog_rows_keys(&t, 3, no_key, NULL, false, buf + 5,
                                      len - 5, collect, &ks),
                     -1);
    /* A column count other than the map's. */
    assert_int_equal(binlog_rows_keys(&t, 4, all3, NULL, false, buf, len,
                                      collect, &ks),
                     -1);
    binlog_table_free(&t);
}

static void test_table_load_refuses(void **state)
{
    struct binlog_table t;
    static const unsigned char odd[] = {3, 200};
    static const unsigned char text_key[] = {15, 3};

    (void)state;
    assert_int_equal(binlog_table_load(&t, odd, 2, meta, 0, 0), -1);
    assert_int_equal(binlog_table_load(&t, types, 3, meta, 3, 0), -1);
    assert_int_equal(binlog_table_load(&t, types, 3, meta, sizeof(meta), 3),
                     -1);
    assert_int_equal(binlog_table_load(&t, text_key, 2, meta, 2, 0), -1);
}

static void test_key_column(void **state)
{
    static const unsigned char pk0[] = {0x00}, pk01[] = {0x00, 0x01};
    static const unsigned char names[] = "\x04name\x02id\x05price";
    uint32_t key = 99;

    (void)state;
    assert_int_equal(binlog_key_column(pk0, 1, NULL, 0, 3, &key), 0);
    assert_int_equal(key, 0);
    assert_int_equal(binlog_key_column(pk01, 2, NULL, 0, 3, &key), -1);
    assert_int_equal(binlog_key_column(NULL, 0, names, sizeof(names) - 1, 3,
                                       &key),
                     0);
    assert_int_equal(key, 1);
    assert_int_equal(binlog_key_column(NULL, 0, names, 4, 3, &key), -1);
    assert_int_equal(binlog_key_column(NULL, 0, NULL, 0, 3, &key), -1);
}

static void test_change_falls_back_past_max(void **state)
{
    struct binlog_change c, merged;

    (void)state;
    binlog_change_init(&c, 2);
    assert_true(binlog_change_empty(&c));
    binlog_change_add(&c, 1, 2);
    binlog_change_add(&c, 2, 2);
    assert_int_equal(c.all, BINLOG_ALL_NONE);
    binlog_change_add(&c, 3, 4);
    assert_int_equal(c.all, BINLOG_ALL_LARGE);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.kinds, 6);
    binlog_change_init(&merged, SIZE_MAX);
    binlog_change_merge(&merged, &c);
    assert_int_equal(merged.all, BINLOG_ALL_LARGE);
    binlog_change_free(&c);
    binlog_change_free(&merged);
    assert_string_equal(binlog_all_reason_name(BINLOG_ALL_POSITION),
                        "position");
}

static void test_gtid_states(void **state)
{
    struct binlog_gtids g;
    char out[BINLOG_POSITION_MAX];

    (void)state;
    assert_true(binlog_position_valid(""));
    assert_true(binlog_position_valid("0-1-20,1-2-3"));
    assert_false(binlog_position_valid("0-1"));
    assert_false(binlog_position_valid("0-1-2,"));
    assert_false(binlog_position_valid("0-1-x"));
    assert_false(binlog_position_valid("0-1-2'; DROP"));
    assert_int_equal(binlog_gtids_parse(&g, "0-1-20,1-2-3"), 0);
    assert_int_equal(binlog_gtids_set(&g, 0, 1, 21), 0);
    assert_int_equal(binlog_gtids_set(&g, 5, 1, 1), 0);
    binlog_gtids_format(&g, out, sizeof(out));
    assert_string_equal(out, "0-1-21,1-2-3,5-1-1");
    assert_int_equal(binlog_gtids_parse(&g, "x"), -1);
}

static void test_position_file(void **state)
{
    char path[] = "/tmp/test_binlog_pos.XXXXXX", out[64], err[128];
    int fd = mkstemp(path);
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(binlog_position_load(path, out, sizeof(out), err,
                                          sizeof(err)),
                     0);
    assert_int_equal(binlog_position_save(path, "0-1-7"), 0);
    assert_int_equal(binlog_position_load(path, out, sizeof(out), err,
                                          sizeof(err)),
                     1);
    assert_string_equal(out, "0-1-7");
    f = fopen(path, "w");
    fputs("gtid 0-1-7; junk\n", f);
    fclose(f);
    assert_int_equal(binlog_position_load(path, out, sizeof(out), err,
                                          sizeof(err)),
                     -1);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_rows),
        cmocka_unit_test(test_update_rows_before_and_after),
        cmocka_unit_test(test_bad_images_are_refused),
        cmocka_unit_test(test_table_load_refuses),
        cmocka_unit_test(test_key_column),
        cmocka_unit_test(test_change_falls_back_past_max),
        cmocka_unit_test(test_gtid_states),
        cmocka_unit_test(test_position_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
