/* router.c and writes.c: routes, 404/405, auth and validation of writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "cache.h"
#include "fakes/fakes.h"
#include "router.h"

#define TOKEN "unit-test-token-0123456789"

static struct config cfg;
static struct app app;

static int setup(void **state)
{
    (void)state;
    fakes_app_init(&app, &cfg);
    strcpy(cfg.admin_token, TOKEN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fakes_reset();
    return 0;
}

static int dispatch(const char *method, const char *path, const char *auth,
                    const char *body, struct reply *r)
{
    struct http_request req = {.method = method, .path = path};

    req.write.authorization = auth;
    req.write.content_type = "application/json";
    req.write.body = body;
    req.write.body_len = body ? strlen(body) : 0;
    req.write.content_length = (long long)req.write.body_len;
    reply_init(r);
    router_dispatch(&app, &req, r);
    return r->status;
}

struct route_case {
    const char *method, *path;
    int status;
    const char *allow;
};

static const struct route_case route_cases[] = {
    {"GET", "/products", 200, NULL},
    {"HEAD", "/products", 200, NULL},
    {"GET", "/products/1", 200, NULL},
    {"GET", "/healthz", 200, NULL},
    {"GET", "/admin/stats", 200, NULL},
    {"GET", "/", 404, NULL},
    {"GET", "/products/", 404, NULL},
    {"GET", "/products/1/2", 404, NULL},
    {"GET", "/productsx", 404, NULL},
    {"PATCH", "/products", 405, "GET, HEAD, POST"},
    {"DELETE", "/products", 405, "GET, HEAD, POST"},
    {"POST", "/products/1", 405, "GET, HEAD, PUT, DELETE"},
    {"POST", "/healthz", 405, "GET, HEAD"},
    {"DELETE", "/readyz", 405, "GET, HEAD"},
};

static void test_routes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
        const struct route_case *c = &route_cases[i];
        struct reply r;

        print_message("%s %s\n", c->method, c->path);
        assert_int_equal(dispatch(c->method, c->path, NULL, NULL, &r),
                         c->status);
        assert_non_null(r.body);
        if (c->status >= 400)
            assert_non_null(strstr(r.body, "\"error\""));
        if (c->allow)
            assert_string_equal(r.allow, c->allow);
        else
            assert_null(r.allow);
        reply_free(&r);
    }
}

static void test_writes_need_configured_token(void **state)
{
    struct reply r;

    (void)state;
    cfg.admin_token[0] = '\0';
    assert_int_equal(dispatch("POST", "/products", "Bearer " TOKEN,
                              "{\"name\":\"x\",\"price\":1}", &r), 403);
    reply_free(&r);
    assert_int_equal(fake_store.writes, 0);
}

static void test_writes_need_right_token(void **state)
{
    static const char *const bad[] = {NULL, "", "Basic abc", "Bearer",
                                      "Bearer ", "Bearer wrong",
                                      "Bearer " TOKEN "x",
                                      "Bearer UNIT-TEST-TOKEN-0123456789",
                                      "Bearer unit-test-token-012345678"};
    struct reply r;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(dispatch("DELETE", "/products/1", bad[i], NULL, &r),
                         401);
        assert_true(r.auth_challenge);
        reply_free(&r);
    }
    assert_int_equal(fake_store.writes, 0);
}

static void test_create(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("POST", "/products", "Bearer " TOKEN,
                              "{\"name\":\"Lamp\",\"price\":12.345}", &r),
                     201);
    assert_string_equal(r.location, "/products/101");
    assert_string_equal(r.body,
                        "{\"id\":101,\"name\":\"Lamp\",\"price\":12.35}");
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 1); /* invalidated before answering */
}

static void test_update_delete(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("PUT", "/products/2", "Bearer " TOKEN,
                              "{\"name\":\"B\",\"price\":2}", &r), 200);
    reply_free(&r);
    assert_int_equal(dispatch("PUT", "/products/9", "Bearer " TOKEN,
                              "{\"name\":\"B\",\"price\":2}", &r), 404);
    reply_free(&r);
    assert_int_equal(dispatch("DELETE", "/products/2", "Bearer " TOKEN, NULL,
                              &r), 204);
    assert_null(r.body);
    reply_free(&r);
    assert_int_equal(dispatch("DELETE", "/products/9", "Bearer " TOKEN, NULL,
                              &r), 404);
    reply_free(&r);
    assert_int_equal(dispatch("DELETE", "/products/x", "Bearer " TOKEN, NULL,
                              &r), 400);
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 2); /* only successful writes */
}

static void test_write_validation(void **state)
{
    struct http_request req = {.method = "POST", .path = "/products"};
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("POST", "/products", "Bearer " TOKEN,
                              "{\"name\":\"x\"}", &r), 400);
    assert_non_null(strstr(r.body, "price"));
    reply_free(&r);
    assert_int_equal(dispatch("POST", "/products", "Bearer " TOKEN, NULL, &r),
                     400);
    reply_free(&r);

    req.write.authorization = "Bearer " TOKEN;
    req.write.content_type = "text/plain";
    req.write.body = "{}";
    req.write.body_len = 2;
    req.write.content_length = 2;
    reply_init(&r);
    router_dispatch(&app, &req, &r);
    assert_int_equal(r.status, 415);
    reply_free(&r);

    req.write.content_type = "application/json; charset=utf-8";
    req.write.body = NULL;
    req.write.body_len = 0;
    req.write.content_length = cfg.body_max_bytes + 1;
    reply_init(&r);
    router_dispatch(&app, &req, &r);
    assert_int_equal(r.status, 413);
    reply_free(&r);
    assert_int_equal(fake_store.writes, 0);
}

static void test_write_db_down_is_503_and_no_bump(void **state)
{
    struct reply r;

    (void)state;
    fake_store.result = STORE_DOWN;
    assert_int_equal(dispatch("POST", "/products", "Bearer " TOKEN,
                              "{\"name\":\"x\",\"price\":1}", &r), 503);
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 0);
}

static void test_invalidation_failure_is_reported(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.bump_fails = true;
    assert_int_equal(dispatch("PUT", "/products/1", "Bearer " TOKEN,
                              "{\"name\":\"x\",\"price\":1}", &r), 500);
    assert_non_null(strstr(r.body, "committed"));
    reply_free(&r);
    assert_int_equal(fake_store.writes, 1);
}

static void test_uncertain_write_still_invalidates(void **state)
{
    struct reply r;

    (void)state;
    fake_store.result = STORE_UNCERTAIN;
    assert_int_equal(dispatch("PUT", "/products/1", "Bearer " TOKEN,
                              "{\"name\":\"x\",\"price\":1}", &r), 503);
    assert_non_null(strstr(r.body, "may or may not"));
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 1);
}

static void test_scheme_and_media_type_case_insensitive(void **state)
{
    struct http_request req = {.method = "POST", .path = "/products"};
    struct reply r;

    (void)state;
    req.write.authorization = "bearer " TOKEN;
    req.write.content_type = "Application/JSON; charset=UTF-8";
    req.write.body = "{\"name\":\"x\",\"price\":1}";
    req.write.body_len = strlen(req.write.body);
    req.write.content_length = (long long)req.write.body_len;
    reply_init(&r);
    router_dispatch(&app, &req, &r);
    assert_int_equal(r.status, 201);
    reply_free(&r);
}

static void test_readyz(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("GET", "/readyz", NULL, NULL, &r), 200);
    reply_free(&r);
    fake_cache.down = true;
    assert_int_equal(dispatch("GET", "/readyz", NULL, NULL, &r), 503);
    assert_non_null(strstr(r.body, "\"redis\":\"down\""));
    reply_free(&r);
    cfg.mode = APP_MODE_BASELINE; /* baseline does not need Redis */
    assert_int_equal(dispatch("GET", "/readyz", NULL, NULL, &r), 200);
    reply_free(&r);
    fake_store.result = STORE_DOWN;
    assert_int_equal(dispatch("GET", "/readyz", NULL, NULL, &r), 503);
    assert_non_null(strstr(r.body, "mysql is down"));
    reply_free(&r);
    cfg.mode = APP_MODE_CACHED;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_need_configured_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_need_right_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_db_down_is_503_and_no_bump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalidation_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncertain_write_still_invalidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scheme_and_media_type_case_insensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readyz, setup, teardown),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
