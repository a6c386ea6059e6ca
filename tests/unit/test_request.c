/* request.c: query-string and id parsing, as a table of cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

struct query_case {
    const char *qs;
    int rc;
    uint32_t limit, offset;
    const char *error_prefix; /* when rc == -1 */
};

static const struct query_case query_cases[] = {
    {NULL, 0, REQUEST_LIMIT_DEFAULT, 0, NULL},
    {"", 0, REQUEST_LIMIT_DEFAULT, 0, NULL},
    {"limit=5", 0, 5, 0, NULL},
    {"limit=1000&offset=1000000", 0, 1000, 1000000, NULL},
    {"offset=3&limit=2", 0, 2, 3, NULL},
    {"limit=5&", 0, 5, 0, NULL},
    {"&&limit=5", 0, 5, 0, NULL},
    {"%6cimit=%35", 0, 5, 0, NULL},
    {"limit=007", 0, 7, 0, NULL},
    {"limit=0", -1, 0, 0, "limit: must be"},
    {"limit=1001", -1, 0, 0, "limit: must be"},
    {"limit=-1", -1, 0, 0, "limit: must be"},
    {"limit=+1", -1, 0, 0, "limit: must be"},
    {"limit=%2B1", -1, 0, 0, "limit: must be"},
    {"limit= 1", -1, 0, 0, "limit: must be"},
    {"limit=1.0", -1, 0, 0, "limit: must be"},
    {"limit=1e3", -1, 0, 0, "limit: must be"},
    {"limit=0x10", -1, 0, 0, "limit: must be"},
    {"limit=", -1, 0, 0, "limit: must be"},
    {"limit", -1, 0, 0, "limit: missing value"},
    {"limit=18446744073709551617", -1, 0, 0, "limit: must be"},
    {"limit=99999999999999999999999999999999", -1, 0, 0, "limit: must be"},
    {"limit=1&limit=1", -1, 0, 0, "limit: given more than once"},
    {"offset=1&offset=2", -1, 0, 0, "offset: given more than once"},
    {"offset=-5", -1, 0, 0, "offset: must be"},
    {"offset=1000001", -1, 0, 0, "offset: must be"},
    {"limit=%", -1, 0, 0, "limit: invalid percent-encoding"},
    {"limit=%4", -1, 0, 0, "limit: invalid percent-encoding"},
    {"limit=%zz", -1, 0, 0, "limit: invalid percent-encoding"},
    {"limit=%00", -1, 0, 0, "limit: invalid percent-encoding"},
    {"%zz=1", -1, 0, 0, "query: invalid"},
    {"sort=name", -1, 0, 0, "sort: unknown query parameter"},
    {"LIMIT=5", -1, 0, 0, "LIMIT: unknown query parameter"},
    {"limit=5&page=2", -1, 0, 0, "page: unknown query parameter"},
    {"=5", -1, 0, 0, "(empty): unknown query parameter"},
    {"lim%C3%AFt=5", -1, 0, 0, "lim??t: unknown query parameter"},
};

static void test_query_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
        const struct query_case *c = &query_cases[i];
        struct product_query q;
        char err[REQUEST_ERR_MAX] = "";
        int rc = request_parse_query(c->qs, &q, err, sizeof(err));

        print_message("query '%s' -> %d %s\n", c->qs ? c->qs : "(null)", rc,
                      err);
        assert_int_equal(rc, c->rc);
        if (rc == 0) {
            assert_int_equal(q.limit, c->limit);
            assert_int_equal(q.offset, c->offset);
        } else {
            assert_true(strncmp(err, c->error_prefix,
                                strlen(c->error_prefix)) == 0);
        }
    }
}

static void test_overlong_parts_rejected(void **state)
{
    char qs[256];
    char err[REQUEST_ERR_MAX];
    struct product_query q;

    (void)state;
    memset(qs, '1', sizeof(qs) - 1);
    qs[sizeof(qs) - 1] = '\0';
    memcpy(qs, "limit=", 6);
    assert_int_equal(request_parse_query(qs, &q, err, sizeof(err)), -1);
    memset(qs, 'k', sizeof(qs) - 1);
    assert_int_equal(request_parse_query(qs, &q, err, sizeof(err)), -1);
}

static void test_small_error_buffer_is_safe(void **state)
{
    char err[8];
    struct product_query q;

    (void)state;
    assert_int_equal(request_parse_query("limit=abc", &q, err, sizeof(err)),
                     -1);
    assert_int_equal(strlen(err), sizeof(err) - 1);
}

struct id_case {
    const char *text;
    int rc;
    uint32_t id;
};

static const struct id_case id_cases[] = {
    {"1", 0, 1},          {"4294967295", 0, 4294967295u},
    {"0", -1, 0},         {"4294967296", -1, 0},
    {"-1", -1, 0},        {"+1", -1, 0},
    {"1.0", -1, 0},       {"abc", -1, 0},
    {"", -1, 0},          {"12a", -1, 0},
    {" 1", -1, 0},        {"99999999999999999999", -1, 0},
};

static void test_id_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
        uint32_t id = 0;
        char err[REQUEST_ERR_MAX] = "";
        int rc = request_parse_id(id_cases[i].text, &id, err, sizeof(err));

        print_message("id '%s' -> %d\n", id_cases[i].text, rc);
        assert_int_equal(rc, id_cases[i].rc);
        if (rc == 0)
            assert_int_equal(id, id_cases[i].id);
        else
            assert_true(strncmp(err, "id: ", 4) == 0);
    }
    assert_int_equal(request_parse_id(NULL, &(uint32_t){0}, (char[8]){0}, 8),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_table),
        cmocka_unit_test(test_overlong_parts_rejected),
        cmocka_unit_test(test_small_error_buffer_is_safe),
        cmocka_unit_test(test_id_table),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
