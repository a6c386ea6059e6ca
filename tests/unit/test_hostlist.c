/* hostlist.c: "host:port[,host:port...]" lists, one entry at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hostlist.h"

static void test_entries_in_order(void **state)
{
    const char *list = "db-a:3306,10.0.0.7:3307,[::1]:5";
    struct host_port hp;

    (void)state;
    assert_int_equal(hostlist_count(list), 3);
    assert_int_equal(hostlist_next(&list, &hp), 1);
    assert_string_equal(hp.host, "db-a");
    assert_int_equal(hp.port, 3306);
    assert_int_equal(hostlist_next(&list, &hp), 1);
    assert_string_equal(hp.host, "10.0.0.7");
    assert_int_equal(hp.port, 3307);
    /* The port is after the last ':'. */
    assert_int_equal(hostlist_next(&list, &hp), 1);
    assert_string_equal(hp.host, "[::1]");
    assert_int_equal(hp.port, 5);
    assert_int_equal(hostlist_next(&list, &hp), 0);
}

static void test_malformed_entry_named(void **state)
{
    const char *list = "a:1,nocolon,b:2";
    struct host_port hp;

    (void)state;
    assert_int_equal(hostlist_next(&list, &hp), 1);
    assert_int_equal(hostlist_next(&list, &hp), -1);
    assert_string_equal(hp.host, "nocolon");
    /* The next entry is still read. */
    assert_int_equal(hostlist_next(&list, &hp), 1);
    assert_string_equal(hp.host, "b");
}

static void test_ports(void **state)
{
    (void)state;
    assert_int_equal(hostlist_port("1", 1), 1);
    assert_int_equal(hostlist_port("65535", 5), 65535);
    assert_int_equal(hostlist_port("65536", 5), -1);
    assert_int_equal(hostlist_port("0", 1), -1);
    assert_int_equal(hostlist_port("000080", 6), -1); /* six digits */
    assert_int_equal(hostlist_port("8o", 2), -1);
    assert_int_equal(hostlist_port("", 0), -1);
    assert_int_equal(hostlist_port("-1", 2), -1);
    /* Only len bytes count: a Sentinel's reply is not NUL-bounded there. */
    assert_int_equal(hostlist_port("6379x", 4), 6379);
}

static void test_valid_lists(void **state)
{
    (void)state;
    assert_true(hostlist_valid("h:1"));
    assert_true(hostlist_valid("h:1,g:65535"));
    assert_false(hostlist_valid(""));
    assert_false(hostlist_valid("h:1,"));
    assert_false(hostlist_valid(",h:1"));
    assert_false(hostlist_valid("h:1,,g:2"));
    assert_false(hostlist_valid(":1"));
    assert_false(hostlist_valid("h:"));
    assert_false(hostlist_valid("h:99999"));
    assert_false(hostlist_valid("h:1 "));
}

static void test_long_host_refused(void **state)
{
    char list[HOSTLIST_HOST_MAX + 8];
    const char *p = list;
    struct host_port hp;

    (void)state;
    memset(list, 'h', HOSTLIST_HOST_MAX);
    memcpy(list + HOSTLIST_HOST_MAX, ":80", 4);
    assert_int_equal(hostlist_next(&p, &hp), -1);
    assert_false(hostlist_valid(list));
    /* The longest host that fits: HOSTLIST_HOST_MAX - 1 bytes. */
    memcpy(list + HOSTLIST_HOST_MAX - 1, ":80", 4);
    p = list;
    assert_int_equal(hostlist_next(&p, &hp), 1);
    assert_int_equal(strlen(hp.host), HOSTLIST_HOST_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_in_order),
        cmocka_unit_test(test_malformed_entry_named),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_valid_lists),
        cmocka_unit_test(test_long_host_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
