/* writes.c: authorisation, validation, outcomes and invalidation of writes,
 * against the fake cache and store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "cache.h"
#include "fakes/fakes.h"
#include "writes.h"

#define TOKEN FAKES_TOKEN
#define AUTH "Bearer " TOKEN

static struct config cfg;
static struct app app;


static struct write_request json_write(const char *auth, const char *body)
{
    struct write_request w = {.authorization = auth,
                              .content_type = "application/json",
                              .body = body,
                              .body_len = body ? strlen(body) : 0};

    w.content_length = (long long)w.body_len;
    return w;
}

/* Runs one write: method picks the handler; id is NULL for POST. */
static int run(const char *method, const char *id,
               const struct write_request *w, struct reply *r)
{
    reply_init(r);
    if (strcmp(method, "POST") == 0)
        writes_create(&app, w, r);
    else if (strcmp(method, "PUT") == 0)
        writes_update(&app, id, w, r);
    else
        writes_delete(&app, id, w, r);
    return r->status;
}

static int write_json(const char *method, const char *id, const char *auth,
                      const char *body, struct reply *r)
{
    struct write_request w = json_write(auth, body);

    return run(method, id, &w, r);
}

static void test_writes_need_configured_token(void **state)
{
    struct reply r;

    (void)state;
    cfg.admin_token[0] = '\0';
    assert_int_equal(write_json("POST", NULL, AUTH,
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
        assert_int_equal(write_json("DELETE", "1", bad[i], NULL, &r), 401);
        assert_true(r.auth_challenge);
        reply_free(&r);
    }
    assert_int_equal(fake_store.writes, 0);
}

static void test_create(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(write_json("POST", NULL, AUTH,
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
    assert_int_equal(
        write_json("PUT", "2", AUTH, "{\"name\":\"B\",\"price\":2}", &r), 200);
    reply_free(&r);
    assert_int_equal(
        write_json("PUT", "9", AUTH, "{\"name\":\"B\",\"price\":2}", &r), 404);
    reply_free(&r);
    assert_int_equal(write_json("DELETE", "2", AUTH, NULL, &r), 204);
    assert_null(r.body);
    reply_free(&r);
    assert_int_equal(write_json("DELETE", "9", AUTH, NULL, &r), 404);
    reply_free(&r);
    assert_int_equal(write_json("DELETE", "x", AUTH, NULL, &r), 400);
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 2); /* only successful writes */
}

static void test_write_validation(void **state)
{
    struct write_request w = json_write(AUTH, "{}");
    struct reply r;

    (void)state;
    assert_int_equal(write_json("POST", NULL, AUTH, "{\"name\":\"x\"}", &r),
                     400);
    assert_non_null(strstr(r.body, "price"));
    reply_free(&r);
    assert_int_equal(write_json("POST", NULL, AUTH, NULL, &r), 400);
    reply_free(&r);

    w.content_type = "text/plain";
    assert_int_equal(run("POST", NULL, &w, &r), 415);
    reply_free(&r);

    w.content_type = "application/json; charset=utf-8";
    w.body = NULL;
    w.body_len = 0;
    w.content_length = cfg.body_max_bytes + 1;
    assert_int_equal(run("POST", NULL, &w, &r), 413);
    reply_free(&r);
    assert_int_equal(fake_store.writes, 0);
}

/* STORE_DOWN: the statement never ran (no connection, or it could not be
 * prepared). Nothing changed, so nothing to invalidate. */
static void test_write_not_run_is_503_not_applied_and_no_bump(void **state)
{
    struct reply r;

    (void)state;
    fake_store.result = STORE_DOWN;
    assert_int_equal(write_json("POST", NULL, AUTH,
                                "{\"name\":\"x\",\"price\":1}", &r), 503);
    assert_non_null(strstr(r.body, "was not applied"));
    assert_null(strstr(r.body, "may or may not"));
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 0);
}

static void test_invalidation_failure_is_reported(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.bump_fails = true;
    assert_int_equal(
        write_json("PUT", "1", AUTH, "{\"name\":\"x\",\"price\":1}", &r), 500);
    assert_non_null(strstr(r.body, "committed"));
    reply_free(&r);
    assert_int_equal(fake_store.writes, 1);
}

/* A POST committed, then the invalidation failed: the 500 names the new
 * product (body and Location), so the client does not retry into a
 * duplicate. */
static void test_created_then_failed_names_the_id(void **state)
{
    struct reply r;

    (void)state;
    fake_cache.bump_fails = true;
    fake_store.next_id = 42;
    assert_int_equal(
        write_json("POST", NULL, AUTH, "{\"name\":\"x\",\"price\":1}", &r),
        500);
    assert_non_null(strstr(r.body, "\"id\":42"));
    assert_non_null(strstr(r.body, "do not retry"));
    assert_string_equal(r.location, "/products/42");
    reply_free(&r);
}

/* A price of -0.0 is stored and echoed as 0. */
static void test_negative_zero_price_is_zero(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(
        write_json("POST", NULL, AUTH, "{\"name\":\"x\",\"price\":-0.0}", &r),
        201);
    assert_non_null(strstr(r.body, "\"price\":0.0"));
    assert_null(strstr(r.body, "-0"));
    reply_free(&r);
}

static void test_uncertain_write_still_invalidates(void **state)
{
    struct reply r;

    (void)state;
    fake_store.result = STORE_UNCERTAIN;
    assert_int_equal(
        write_json("PUT", "1", AUTH, "{\"name\":\"x\",\"price\":1}", &r), 503);
    assert_non_null(strstr(r.body, "may or may not"));
    reply_free(&r);
    assert_int_equal(fake_cache.bumps, 1);
}

static void test_scheme_and_media_type_case_insensitive(void **state)
{
    struct write_request w =
        json_write("bearer " TOKEN, "{\"name\":\"x\",\"price\":1}");
    struct reply r;

    (void)state;
    w.content_type = "Application/JSON; charset=UTF-8";
    assert_int_equal(run("POST", NULL, &w, &r), 201);
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_need_configured_token, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_writes_need_right_token, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_create, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_update_delete, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_write_validation, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_write_not_run_is_503_not_applied_and_no_bump, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_invalidation_failure_is_reported, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_created_then_failed_names_the_id, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_negative_zero_price_is_zero, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_uncertain_write_still_invalidates, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_scheme_and_media_type_case_insensitive, fakes_setup_writes, fakes_teardown),
    };
    fakes_use(&app, &cfg);
    return cmocka_run_group_tests_name("writes", tests, NULL, NULL);
}
