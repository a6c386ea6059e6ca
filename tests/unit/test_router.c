/* router.c: which handler a method + path reaches; 404, 405 and Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "fakes/fakes.h"
#include "router.h"

#define TOKEN FAKES_TOKEN

static struct config cfg;
static struct app app;


/* A write request with the right token and a valid body, so that a route
 * reaching a write handler answers 2xx (or 404 for a missing id). */
static int dispatch(const char *method, const char *path, const char *query,
                    struct reply *r)
{
    static const char body[] = "{\"name\":\"x\",\"price\":1}";
    struct http_request req = {.method = method, .path = path, .query = query};

    req.write.authorization = "Bearer " TOKEN;
    req.write.content_type = "application/json";
    req.write.body = body;
    req.write.body_len = sizeof(body) - 1;
    req.write.content_length = (long long)req.write.body_len;
    reply_init(r);
    router_dispatch(&app, &req, r);
    return r->status;
}

struct route_case {
    const char *method, *path, *query;
    int status;
    const char *allow;   /* expected Allow header, or NULL */
    int reads, writes;   /* what reached the store: which handler ran */
};

static const struct route_case route_cases[] = {
    {"GET", "/products", NULL, 200, NULL, 1, 0},
    {"HEAD", "/products", NULL, 200, NULL, 1, 0},
    {"GET", "/products", "limit=1", 200, NULL, 1, 0},
    {"POST", "/products", NULL, 201, NULL, 0, 1},
    {"GET", "/products/1", NULL, 200, NULL, 1, 0},
    {"HEAD", "/products/1", NULL, 200, NULL, 1, 0},
    {"PUT", "/products/1", NULL, 200, NULL, 0, 1},
    {"DELETE", "/products/1", NULL, 204, NULL, 0, 1},
    {"GET", "/products/abc", NULL, 400, NULL, 0, 0}, /* the handler says */
    {"GET", "/products/1", "x=1", 400, NULL, 0, 0},
    {"DELETE", "/products/1", "x=1", 400, NULL, 0, 0},
    {"GET", "/products/1", "", 200, NULL, 1, 0},
    {"GET", "/healthz", NULL, 200, NULL, 0, 0},
    {"HEAD", "/healthz", NULL, 200, NULL, 0, 0},
    {"GET", "/readyz", NULL, 200, NULL, 0, 0},
    {"GET", "/admin/stats", NULL, 200, NULL, 0, 0},
    {"GET", "/metrics", NULL, 200, NULL, 0, 0},
    {"POST", "/metrics", NULL, 405, "GET, HEAD", 0, 0},
    {"GET", "/", NULL, 404, NULL, 0, 0},
    {"GET", "/products/", NULL, 404, NULL, 0, 0},
    {"GET", "/products/1/2", NULL, 404, NULL, 0, 0},
    {"GET", "/productsx", NULL, 404, NULL, 0, 0},
    {"GET", "/healthz/", NULL, 404, NULL, 0, 0},
    {"GET", "/admin", NULL, 404, NULL, 0, 0},
    {"POST", "/nowhere", NULL, 404, NULL, 0, 0},
    {"PATCH", "/products", NULL, 405, "GET, HEAD, POST", 0, 0},
    {"DELETE", "/products", NULL, 405, "GET, HEAD, POST", 0, 0},
    {"get", "/products", NULL, 405, "GET, HEAD, POST", 0, 0},
    {"POST", "/products/1", NULL, 405, "GET, HEAD, PUT, DELETE", 0, 0},
    {"OPTIONS", "/products/1", NULL, 405, "GET, HEAD, PUT, DELETE", 0, 0},
    {"POST", "/healthz", NULL, 405, "GET, HEAD", 0, 0},
    {"DELETE", "/readyz", NULL, 405, "GET, HEAD", 0, 0},
    {"PUT", "/admin/stats", NULL, 405, "GET, HEAD", 0, 0},
};

static void test_routes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
        const struct route_case *c = &route_cases[i];
        struct reply r;

        print_message("%s %s?%s\n", c->method, c->path,
                      c->query ? c->query : "");
        fakes_reset();
        assert_int_equal(dispatch(c->method, c->path, c->query, &r),
                         c->status);
        if (c->status != 204)
            assert_non_null(r.body);
        if (c->status >= 400)
            assert_non_null(strstr(r.body, "\"error\""));
        if (c->allow)
            assert_string_equal(r.allow, c->allow);
        else
            assert_null(r.allow);
        assert_int_equal(fake_store.reads, c->reads);
        assert_int_equal(fake_store.writes, c->writes);
        reply_free(&r);
    }
}

static void test_item_query_names_the_route(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("GET", "/products/1", "limit=1", &r), 400);
    assert_string_equal(
        r.body, "{\"error\":\"query: /products/{id} takes no parameters\"}");
    reply_free(&r);
}

static void test_unknown_path_is_json_404(void **state)
{
    struct reply r;

    (void)state;
    assert_int_equal(dispatch("GET", "/nope", NULL, &r), 404);
    assert_string_equal(r.body,
                        "{\"error\":\"no such path (try GET /products)\"}");
    reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_item_query_names_the_route, fakes_setup_writes, fakes_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_path_is_json_404, fakes_setup_writes, fakes_teardown),
    };
    fakes_use(&app, &cfg);
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
