/* router: a fixed table of routes; the first whose path matches wins. */
#include "router.h"

#include <stdbool.h>
#include <string.h>

#include "health.h"
#include "metrics.h"
#include "products.h"

#define ITEM_PREFIX "/products/"

static bool is(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

/* HEAD is answered as GET; response.c leaves the body out. */
static bool is_get(const char *method)
{
    return is(method, "GET") || is(method, "HEAD");
}

static void method_not_allowed(struct reply *r, const char *allow)
{
    reply_error(r, 405, "method not allowed on this path");
    r->allow = allow;
}

void router_dispatch(struct app *app, const struct http_request *req,
                     struct reply *r)
{
    const char *m = req->method;
    const char *path = req->path;

    metrics_count(METRIC_REQUESTS);
    if (strcmp(path, "/products") == 0) {
        if (is_get(m))
            products_list(app, req->query, r);
        else if (is(m, "POST"))
            writes_create(app, &req->write, r);
        else
            method_not_allowed(r, "GET, HEAD, POST");
    } else if (strncmp(path, ITEM_PREFIX, sizeof(ITEM_PREFIX) - 1) == 0 &&
               path[sizeof(ITEM_PREFIX) - 1] != '\0' &&
               strchr(path + sizeof(ITEM_PREFIX) - 1, '/') == NULL) {
        const char *id = path + sizeof(ITEM_PREFIX) - 1;
        if (req->query != NULL && req->query[0] != '\0')
            reply_error(r, 400, "query: /products/{id} takes no parameters");
        else if (is_get(m))
            products_get(app, id, r);
        else if (is(m, "PUT"))
            writes_update(app, id, &req->write, r);
        else if (is(m, "DELETE"))
            writes_delete(app, id, &req->write, r);
        else
            method_not_allowed(r, "GET, HEAD, PUT, DELETE");
    } else if (strcmp(path, "/healthz") == 0) {
        if (is_get(m))
            health_live(r);
        else
            method_not_allowed(r, "GET, HEAD");
    } else if (strcmp(path, "/readyz") == 0) {
        if (is_get(m))
            health_ready(app, r);
        else
            method_not_allowed(r, "GET, HEAD");
    } else if (strcmp(path, "/admin/stats") == 0) {
        if (is_get(m))
            metrics_reply(r);
        else
            method_not_allowed(r, "GET, HEAD");
    } else {
        reply_error(r, 404, "no such path (try GET /products)");
    }
}
