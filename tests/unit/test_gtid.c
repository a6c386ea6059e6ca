/* gtid.c: positions made canonical and merged, as tables. The same table
 * drives the Lua twin on a real Redis (test_positions.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gtid.h"
#include "gtid_cases.h"

static void test_merge_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < GTID_CASES_N; i++) {
        const struct gtid_case *c = &gtid_cases[i];
        char out[GTID_POSITION_MAX];
        int rc = gtid_merge(c->a, c->b, out, sizeof(out));

        print_message("merge \"%s\" + \"%s\" -> %d \"%s\"\n",
                      c->a ? c->a : "(none)", c->b, rc, out);
        if (c->want == NULL) {
            assert_int_equal(rc, -1);
            assert_string_equal(out, "");
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(out, c->want);
        }
    }
}

/* Merging is order-free: whichever writer records last, the result is the
 * same (the bug it replaces: the last writer's position won). */
static void test_merge_commutes(void **state)
{
    (void)state;
    for (size_t i = 0; i < GTID_CASES_N; i++) {
        const struct gtid_case *c = &gtid_cases[i];
        char ab[GTID_POSITION_MAX], ba[GTID_POSITION_MAX];

        if (c->a == NULL || c->want == NULL || c->tie)
            continue;
        assert_int_equal(gtid_merge(c->a, c->b, ab, sizeof(ab)), 0);
        assert_int_equal(gtid_merge(c->b, c->a, ba, sizeof(ba)), 0);
        assert_string_equal(ab, ba);
    }
}

static void test_too_long_for_out(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(gtid_merge(NULL, "0-1-5,1-1-6,2-1-7", out, sizeof(out)),
                     -1);
    assert_string_equal(out, "");
    assert_int_equal(gtid_merge(NULL, "0-1-5,1-1-6", out, sizeof(out)), 0);
    assert_string_equal(out, "0-1-5,1-1-6");
}

/* GTID_ELEMENTS_MAX domains are fine, one more is refused. */
static void test_element_limit(void **state)
{
    char pos[GTID_POSITION_MAX * 2], out[GTID_POSITION_MAX * 2];
    size_t used = 0;

    (void)state;
    for (int d = 0; d < GTID_ELEMENTS_MAX; d++)
        used += (size_t)snprintf(pos + used, sizeof(pos) - used, "%s%d-1-1",
                                 d > 0 ? "," : "", d);
    assert_int_equal(gtid_merge(NULL, pos, out, sizeof(out)), 0);
    snprintf(pos + used, sizeof(pos) - used, ",%d-1-1", GTID_ELEMENTS_MAX);
    assert_int_equal(gtid_merge(NULL, pos, out, sizeof(out)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_table),
        cmocka_unit_test(test_merge_commutes),
        cmocka_unit_test(test_too_long_for_out),
        cmocka_unit_test(test_element_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
