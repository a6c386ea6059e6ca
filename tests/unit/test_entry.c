/* entry.c: generation tags and "<gen>[:<upto>]\n<body>" entries, as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"

struct gen_case {
    const char *text;
    bool ok;
    uint64_t value;
};

static const struct gen_case gen_cases[] = {
    {"0", true, 0},
    {"7", true, 7},
    {"007", false, 0}, /* INCR never writes a leading zero */
    {"1700000000000000", true, 1700000000000000ULL},
    {"9223372036854775807", true, INT64_MAX},
    {"9223372036854775808", false, 0}, /* past INCR's range */
    {"18446744073709551615", false, 0},
    {"00000000000000000001", false, 0},
    {"18446744073709551616", false, 0}, /* UINT64_MAX + 1 wrapped to 0 */
    {"99999999999999999999", false, 0},
    {"100000000000000000000", false, 0}, /* 21 digits */
    {"", false, 0},
    {"-1", false, 0},
    {"+1", false, 0},
    {" 1", false, 0},
    {"1 ", false, 0},
    {"0x10", false, 0},
};

static void test_gen_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(gen_cases) / sizeof(gen_cases[0]); i++) {
        const struct gen_case *c = &gen_cases[i];
        uint64_t v = 12345;
        bool ok = entry_parse_gen(c->text, strlen(c->text), &v);

        print_message("gen \"%s\" -> %d\n", c->text, ok);
        assert_int_equal(ok, c->ok);
        if (ok)
            assert_true(v == c->value);
        else
            assert_true(v == 12345); /* untouched */
    }
}

struct split_case {
    const char *value;
    size_t len; /* 0: strlen(value) */
    bool ok;
    uint64_t tag;
    uint64_t upto;
    const char *body;
    size_t body_len;
};

static const struct split_case split_cases[] = {
    {"5\n[]", 0, true, 5, 0, "[]", 2},
    {"5\n", 0, true, 5, 0, "", 0},
    {"5\na\nb", 0, true, 5, 0, "a\nb", 3}, /* the first newline splits */
    {"5\n\0x", 4, true, 5, 0, "\0x", 2},   /* the body is bytes, NULs too */
    {"9223372036854775807\n{}", 0, true, INT64_MAX, 0, "{}", 2},
    {"18446744073709551615\n{}", 0, false, 0, 0, NULL, 0},
    {"\n[]", 0, false, 0, 0, NULL, 0},
    {"5", 0, false, 0, 0, NULL, 0},
    {"5 \n[]", 0, false, 0, 0, NULL, 0},
    {"18446744073709551616\n{}", 0, false, 0, 0, NULL, 0},
    /* A bounded entry: valid below write sequence 12. */
    {"5:12\n[]", 0, true, 5, 12, "[]", 2},
    {"9223372036854775807:9223372036854775807\n{}", 0, true, INT64_MAX,
     INT64_MAX, "{}", 2},
    {"5:0\n[]", 0, false, 0, 0, NULL, 0}, /* a bound is never 0 */
    {"5:\n[]", 0, false, 0, 0, NULL, 0},
    {":12\n[]", 0, false, 0, 0, NULL, 0},
    {"5:12:13\n[]", 0, false, 0, 0, NULL, 0},
    {"5:a\n[]", 0, false, 0, 0, NULL, 0},
    /* The newline must come within the first 40 bytes. */
    {"0000000000000000000000000000000000000000005\n{}", 0, false, 0, 0, NULL,
     0},
};

static void test_split_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]);
         i++) {
        const struct split_case *c = &split_cases[i];
        size_t len = c->len ? c->len : strlen(c->value);
        const char *body = NULL;
        size_t body_len = 0;
        uint64_t tag = 0, upto = 99;
        bool ok = entry_split(c->value, len, &tag, &upto, &body, &body_len);

        print_message("entry %zu: \"%s\" -> %d\n", i, c->value, ok);
        assert_int_equal(ok, c->ok);
        if (!ok) {
            assert_null(body);
            continue;
        }
        assert_true(tag == c->tag);
        assert_true(upto == c->upto);
        assert_int_equal(body_len, c->body_len);
        assert_memory_equal(body, c->body, body_len);
        assert_ptr_equal(body + body_len, c->value + len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_table),
        cmocka_unit_test(test_split_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
