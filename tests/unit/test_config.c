/* config.c: defaults, strict parsing, every bad variable reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *const *fake_env;

static const char *fake_lookup(const char *name)
{
    for (const char *const *p = fake_env; p && p[0]; p += 2)
        if (strcmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static int load(const char *const *env, struct config *cfg, char *err,
                size_t errlen)
{
    fake_env = env;
    return config_load(cfg, fake_lookup, err, errlen);
}

static void test_defaults(void **state)
{
    static const char *const env[] = {NULL};
    struct config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(env, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.mode, APP_MODE_CACHED);
    assert_int_equal(cfg.db_delay_ms, 300);
    assert_int_equal(cfg.cache_ttl_s, 60);
    assert_int_equal(cfg.mysql_port, 3306);
    assert_string_equal(cfg.mysql_user, "products_reader");
    assert_string_equal(cfg.mysql_socket, "");
    assert_string_equal(cfg.admin_token, "");
}

static void test_values(void **state)
{
    static const char *const env[] = {
        "APP_MODE", "baseline", "DB_DELAY_MS", "0", "CACHE_TTL_S", "86400",
        "MYSQL_SOCKET", "/tmp/x.sock", "ADMIN_TOKEN", "0123456789abcdef",
        NULL};
    struct config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(env, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.mode, APP_MODE_BASELINE);
    assert_int_equal(cfg.db_delay_ms, 0);
    assert_int_equal(cfg.cache_ttl_s, 86400);
    assert_string_equal(cfg.mysql_socket, "/tmp/x.sock");
    assert_string_equal(cfg.admin_token, "0123456789abcdef");
}

struct bad_case {
    const char *name, *value, *message;
};

static const struct bad_case bad_cases[] = {
    {"APP_MODE", "fast", "APP_MODE: must be 'baseline' or 'cached'"},
    {"APP_MODE", "", "APP_MODE: is set but empty"},
    {"DB_DELAY_MS", "abc", "DB_DELAY_MS: must be an integer between 0 and 60000"},
    {"DB_DELAY_MS", "-1", "DB_DELAY_MS: must be an integer"},
    {"DB_DELAY_MS", "60001", "DB_DELAY_MS: must be an integer"},
    {"DB_DELAY_MS", "10 ", "DB_DELAY_MS: must be an integer"},
    {"DB_DELAY_MS", " 10", "DB_DELAY_MS: must be an integer"},
    {"DB_DELAY_MS", "+10", "DB_DELAY_MS: must be an integer"},
    {"DB_DELAY_MS", "99999999999999999999", "DB_DELAY_MS: must be an integer"},
    {"CACHE_TTL_S", "0", "CACHE_TTL_S: must be an integer between 1 and 86400"},
    {"MYSQL_PORT", "65536", "MYSQL_PORT: must be an integer between 1 and 65535"},
    {"MYSQL_PORT", "", "MYSQL_PORT: is set but empty"},
    {"ADMIN_TOKEN", "short", "ADMIN_TOKEN: length must be between 16 and 255"},
    {"MYSQL_SOCKET",
     "/a/very/long/socket/path/that/does/not/fit/in/sun_path/because/it/is/"
     "longer/than/one/hundred/and/seven/bytes/x",
     "MYSQL_SOCKET: length must be between 1 and 107"},
    /* Scale-out lists (docs/scaling-out.md). */
    {"DB_READ_HOSTS", "replica", "DB_READ_HOSTS: must be host:port"},
    {"DB_READ_HOSTS", "a:3306,b:70000", "DB_READ_HOSTS: must be host:port"},
    {"DB_READ_HOSTS", ":3306", "DB_READ_HOSTS: must be host:port"},
    {"DB_READ_HOSTS", "a:33x6", "DB_READ_HOSTS: must be host:port"},
    {"REDIS_SENTINELS", "s1:26379,", "REDIS_SENTINELS: must be host:port"},
    {"REDIS_SENTINELS", "", "REDIS_SENTINELS: is set but empty"},
    {"REDIS_WAIT_MS", "10001", "REDIS_WAIT_MS: must be an integer between 0 "
                               "and 10000"},
    {"DB_READ_WAIT_MS", "0", "DB_READ_WAIT_MS: must be an integer between 1 "
                             "and 10000"},
};

static void test_bad_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const char *env[] = {bad_cases[i].name, bad_cases[i].value, NULL};
        struct config cfg;
        char err[512];

        assert_int_equal(load(env, &cfg, err, sizeof(err)), -1);
        print_message("%s=%s -> %s\n", bad_cases[i].name, bad_cases[i].value,
                      err);
        assert_true(strncmp(err, bad_cases[i].message,
                            strlen(bad_cases[i].message)) == 0);
    }
}

static void test_all_errors_reported(void **state)
{
    static const char *const env[] = {"APP_MODE", "x", "CACHE_TTL_S", "-5",
                                      "REDIS_PORT", "http", NULL};
    struct config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(env, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "APP_MODE:"));
    assert_non_null(strstr(err, "CACHE_TTL_S:"));
    assert_non_null(strstr(err, "REDIS_PORT:"));
}

static void test_lock_must_outlive_delay(void **state)
{
    static const char *const env[] = {"DB_DELAY_MS", "5000", "CACHE_LOCK_MS",
                                      "5000", NULL};
    struct config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(env, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "CACHE_LOCK_MS"));
}

static void test_describe_masks_secrets(void **state)
{
    static const char *const env[] = {"MYSQL_PASSWORD", "hunter2-secret",
                                      "ADMIN_TOKEN", "0123456789abcdef", NULL};
    struct config cfg;
    char err[512], text[2048];

    (void)state;
    assert_int_equal(load(env, &cfg, err, sizeof(err)), 0);
    config_describe(&cfg, text, sizeof(text));
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "0123456789abcdef"));
    assert_non_null(strstr(text, "MYSQL_PASSWORD=***"));
    assert_non_null(strstr(text, "APP_MODE=cached"));
}

/* Reads a whole file into a malloc'd string, or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)size + 1)))
        if (fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        }
    fclose(f);
    return text;
}

/* docs/configuration.md is the reference as the table writes it: a row
 * added, removed or changed without regenerating the doc fails here. */
static void test_reference_matches_docs(void **state)
{
    char *written = NULL, *doc;
    size_t len = 0;
    FILE *out = open_memstream(&written, &len);

    (void)state;
    assert_non_null(out);
    assert_int_equal(config_write_reference(out), 0);
    fclose(out);
    doc = slurp(DOCS_DIR "/configuration.md");
    if (doc == NULL || strcmp(doc, written) != 0)
        fail_msg("%s/configuration.md differs from config.c's table; "
                 "regenerate it: fcgi-app/build/fcgi-app --help-config > "
                 "docs/configuration.md",
                 DOCS_DIR);
    /* Every setting has a row with a description. */
    assert_non_null(strstr(written, "| `CACHE_TTL_S` | `60` | 1 to 86400 | "));
    assert_null(strstr(written, "| (null) |"));
    free(doc);
    free(written);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_lock_must_outlive_delay),
        cmocka_unit_test(test_describe_masks_secrets),
        cmocka_unit_test(test_reference_matches_docs),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
