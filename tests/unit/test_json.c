/* json.c: rendering rows (escaping, prices) and validating write bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static void expect_render(const char *name, double price, const char *want)
{
    struct product p = {.id = 42, .name = (char *)(uintptr_t)name,
                        .price = price};
    struct product_list list = {.items = &p, .count = 1};
    size_t len = 0;
    char *text = json_render_products(&list, &len);

    assert_non_null(text);
    print_message("%s\n", text);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
}

static void test_render_escaping(void **state)
{
    (void)state;
    expect_render("Plain", 19.99, "[{\"id\":42,\"name\":\"Plain\",\"price\":19.99}]");
    expect_render("Say \"hi\"", 1, "[{\"id\":42,\"name\":\"Say \\\"hi\\\"\",\"price\":1.0}]");
    expect_render("back\\slash", 0.1, "[{\"id\":42,\"name\":\"back\\\\slash\",\"price\":0.1}]");
    expect_render("tab\there\nline", 0, "[{\"id\":42,\"name\":\"tab\\there\\nline\",\"price\":0.0}]");
    expect_render("ctl\x01", 2.5, "[{\"id\":42,\"name\":\"ctl\\u0001\",\"price\":2.5}]");
    /* UTF-8 goes out as UTF-8, not as \u escapes. */
    expect_render("Caf\xc3\xa9 \xe2\x84\x96 \xf0\x9f\x98\x80", 99999999.99,
                  "[{\"id\":42,\"name\":\"Caf\xc3\xa9 \xe2\x84\x96 \xf0\x9f\x98\x80\",\"price\":99999999.99}]");
    expect_render("</script>", 80.19, "[{\"id\":42,\"name\":\"</script>\",\"price\":80.19}]");
}

static void test_render_empty_and_invalid(void **state)
{
    struct product_list empty = {0};
    struct product bad = {.id = 1, .name = (char *)(uintptr_t)"\xff\xfe", .price = 1};
    size_t len = 0;
    char *text;

    (void)state;
    text = json_render_products(&empty, &len);
    assert_string_equal(text, "[]");
    free(text);
    /* Invalid UTF-8 from the database must fail loudly, not send garbage. */
    assert_null(json_render_product(&bad, &len));
}

static void test_error_body(void **state)
{
    size_t len = 0;
    char *text;

    (void)state;
    text = json_render_error("limit: must be \"small\"", &len);
    assert_string_equal(text, "{\"error\":\"limit: must be \\\"small\\\"\"}");
    json_free_error(text);
}

struct input_case {
    const char *body;
    int rc;
    const char *name;
    double price;
    const char *error_prefix;
};

static const struct input_case input_cases[] = {
    {"{\"name\":\"Lamp\",\"price\":12.5}", 0, "Lamp", 12.5, NULL},
    {"{\"price\":0,\"name\":\"Free\"}", 0, "Free", 0, NULL},
    {"{\"name\":\"Caf\xc3\xa9\",\"price\":99999999.99}", 0, "Caf\xc3\xa9", 99999999.99, NULL},
    {"{\"name\":\"\\u00e9\",\"price\":1}", 0, "\xc3\xa9", 1, NULL},
    {"", -1, NULL, 0, "body: malformed JSON"},
    {"{", -1, NULL, 0, "body: malformed JSON"},
    {"{\"name\":\"x\",\"price\":1,}", -1, NULL, 0, "body: malformed JSON"},
    {"[1,2]", -1, NULL, 0, "body: must be a JSON object"},
    {"\"text\"", -1, NULL, 0, "body: must be a JSON object"},
    {"{\"name\":\"x\",\"price\":1,\"stock\":3}", -1, NULL, 0, "body: unknown field"},
    {"{\"name\":\"x\",\"price\":1,\"price\":-1}", -1, NULL, 0, "body: malformed JSON"},
    {"{\"price\":1}", -1, NULL, 0, "name: required"},
    {"{\"name\":5,\"price\":1}", -1, NULL, 0, "name: required"},
    {"{\"name\":null,\"price\":1}", -1, NULL, 0, "name: required"},
    {"{\"name\":\"\",\"price\":1}", -1, NULL, 0, "name: must be 1 to 255"},
    {"{\"name\":\"a\\u0000b\",\"price\":1}", -1, NULL, 0, "body: malformed JSON"},
    {"{\"name\":\"x\"}", -1, NULL, 0, "price: required"},
    {"{\"name\":\"x\",\"price\":\"1\"}", -1, NULL, 0, "price: required"},
    {"{\"name\":\"x\",\"price\":-0.01}", -1, NULL, 0, "price: must be between"},
    {"{\"name\":\"x\",\"price\":100000000}", -1, NULL, 0, "price: must be between"},
    {"{\"name\":\"x\",\"price\":1e400}", -1, NULL, 0, "body: malformed JSON"},
    {"{\"name\":\"\xff\",\"price\":1}", -1, NULL, 0, "body: malformed JSON"},
    /* jansson quotes these bytes, a broken UTF-8 sequence, in its error
     * text (found by tests/fuzz/fuzz_body.c). */
    {"{\"name\":\"#,\\ud8\xde\x91\xdd\xbfice\":0}1}", -1, NULL, 0,
     "body: malformed JSON"},
};

static void test_input_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(input_cases) / sizeof(input_cases[0]); i++) {
        const struct input_case *c = &input_cases[i];
        struct product_input in;
        char err[JSON_ERR_MAX] = "";
        int rc = json_parse_product_input(c->body, strlen(c->body), &in, err,
                                          sizeof(err));

        print_message("body %s -> %d %s\n", c->body, rc, err);
        assert_int_equal(rc, c->rc);
        if (rc == 0) {
            assert_string_equal(in.name, c->name);
            assert_true(in.price == c->price);
        } else {
            assert_true(strncmp(err, c->error_prefix,
                                strlen(c->error_prefix)) == 0);
            /* It becomes a JSON error body: printable ASCII only. */
            for (const char *e = err; *e != '\0'; e++)
                assert_true(*e >= 0x20 && *e < 0x7f);
        }
    }
}

static void test_input_name_length_limit(void **state)
{
    char body[600], name[300];
    struct product_input in;
    char err[JSON_ERR_MAX];

    (void)state;
    memset(name, 'n', 255);
    name[255] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"price\":1}", name);
    assert_int_equal(json_parse_product_input(body, strlen(body), &in, err, sizeof(err)), 0);
    assert_int_equal(strlen(in.name), 255);
    name[255] = 'n';
    name[256] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"price\":1}", name);
    assert_int_equal(json_parse_product_input(body, strlen(body), &in, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_escaping),
        cmocka_unit_test(test_render_empty_and_invalid),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_input_table),
        cmocka_unit_test(test_input_name_length_limit),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
