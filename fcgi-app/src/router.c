/*
 * router: the route table below. Each row is a path, how it matches (the
 * whole path, or a prefix followed by one segment, the id) and a handler per
 * method; the first row whose path matches wins. HEAD runs the GET handler
 * (framing.c leaves the body out). A 405's Allow header is derived from the
 * row, so it cannot disagree with what the row serves.
 */
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "metrics.h"
#include "reads.h"

enum route_match {
    ROUTE_EXACT,  /* path equals the row's path */
    ROUTE_PREFIX, /* the row's path, then one non-empty segment: the id */
};

enum route_method { METHOD_GET, METHOD_POST, METHOD_PUT, METHOD_DELETE,
                    METHOD_COUNT };

static const char *const method_names[METHOD_COUNT] = {
    [METHOD_GET] = "GET",
    [METHOD_POST] = "POST",
    [METHOD_PUT] = "PUT",
    [METHOD_DELETE] = "DELETE",
};

/* Every handler in one shape; id is the segment after a prefix, or NULL. */
typedef void route_handler(struct app *app, const struct http_request *req,
                           const char *id, struct reply *r);

struct route {
    const char *path;
    enum route_match match;
    bool takes_query; /* false: a query string is a 400 */
    enum metric_route label;
    route_handler *handlers[METHOD_COUNT];
};

/* Adapters from the one shape to each handler's own arguments. */
static void list_products(struct app *app, const struct http_request *req,
                          const char *id, struct reply *r)
{
    (void)id;
    products_list(app, req->query, r);
}

static void create_product(struct app *app, const struct http_request *req,
                           const char *id, struct reply *r)
{
    (void)id;
    writes_create(app, &req->write, r);
}

static void get_product(struct app *app, const struct http_request *req,
                        const char *id, struct reply *r)
{
    (void)req;
    products_get(app, id, r);
}

static void update_product(struct app *app, const struct http_request *req,
                           const char *id, struct reply *r)
{
    writes_update(app, id, &req->write, r);
}

static void delete_product(struct app *app, const struct http_request *req,
                           const char *id, struct reply *r)
{
    writes_delete(app, id, &req->write, r);
}

static void live(struct app *app, const struct http_request *req,
                 const char *id, struct reply *r)
{
    (void)app, (void)req, (void)id;
    health_live(r);
}

static void ready(struct app *app, const struct http_request *req,
                  const char *id, struct reply *r)
{
    (void)req, (void)id;
    health_ready(app, r);
}

static void stats(struct app *app, const struct http_request *req,
                  const char *id, struct reply *r)
{
    (void)app, (void)req, (void)id;
    metrics_reply(r);
}

static void prometheus(struct app *app, const struct http_request *req,
                       const char *id, struct reply *r)
{
    (void)app, (void)req, (void)id;
    metrics_reply_text(r);
}

/* Query strings are the handlers' business (products_list parses its own);
 * only /products/{id} refuses one. */
static const struct route routes[] = {
    {"/products", ROUTE_EXACT, true, MROUTE_PRODUCTS,
     {[METHOD_GET] = list_products, [METHOD_POST] = create_product}},
    {"/products/", ROUTE_PREFIX, false, MROUTE_PRODUCT,
     {[METHOD_GET] = get_product, [METHOD_PUT] = update_product,
      [METHOD_DELETE] = delete_product}},
    {"/healthz", ROUTE_EXACT, true, MROUTE_HEALTHZ, {[METHOD_GET] = live}},
    {"/readyz", ROUTE_EXACT, true, MROUTE_READYZ, {[METHOD_GET] = ready}},
    {"/metrics", ROUTE_EXACT, true, MROUTE_METRICS,
     {[METHOD_GET] = prometheus}},
    {"/admin/stats", ROUTE_EXACT, true, MROUTE_ADMIN_STATS,
     {[METHOD_GET] = stats}},
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

/* Longest Allow value: every method, HEAD included, comma-separated. */
#define ALLOW_MAX sizeof("GET, HEAD, POST, PUT, DELETE")

/* Whether path matches the row; *id gets the segment after a prefix. */
static bool route_matches(const struct route *rt, const char *path,
                          const char **id)
{
    size_t len = strlen(rt->path);

    *id = NULL;
    if (rt->match == ROUTE_EXACT)
        return strcmp(path, rt->path) == 0;
    if (strncmp(path, rt->path, len) != 0 || path[len] == '\0' ||
        strchr(path + len, '/') != NULL)
        return false;
    *id = path + len;
    return true;
}

/* The row's handler for method, or NULL (405); HEAD is GET. */
static route_handler *route_handler_for(const struct route *rt,
                                        const char *method)
{
    if (strcmp(method, "HEAD") == 0)
        return rt->handlers[METHOD_GET];
    for (size_t m = 0; m < METHOD_COUNT; m++)
        if (strcmp(method, method_names[m]) == 0)
            return rt->handlers[m];
    return NULL;
}

/* "GET, HEAD, POST" and so on, in the order of method_names. The texts
 * live as long as the process (r->allow does not own its string). */
static const char *route_allow(size_t index)
{
    static char allow[ROUTE_COUNT][ALLOW_MAX];
    const struct route *rt = &routes[index];
    char *out = allow[index];
    size_t used = 0;

    out[0] = '\0';
    for (size_t m = 0; m < METHOD_COUNT; m++) {
        if (rt->handlers[m] == NULL)
            continue;
        used += (size_t)snprintf(out + used, ALLOW_MAX - used, "%s%s%s",
                                 used > 0 ? ", " : "", method_names[m],
                                 m == METHOD_GET ? ", HEAD" : "");
    }
    return out;
}

enum metric_route router_dispatch(struct app *app,
                                  const struct http_request *req,
                                  struct reply *r)
{
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const struct route *rt = &routes[i];
        const char *id;
        route_handler *handler;

        if (!route_matches(rt, req->path, &id))
            continue;
        if (!rt->takes_query && req->query != NULL && req->query[0] != '\0') {
            char msg[96];
            snprintf(msg, sizeof(msg), "query: %s%s takes no parameters",
                     rt->path, rt->match == ROUTE_PREFIX ? "{id}" : "");
            reply_error(r, 400, msg);
            return rt->label;
        }
        handler = route_handler_for(rt, req->method);
        if (handler == NULL) {
            reply_error(r, 405, "method not allowed on this path");
            r->allow = route_allow(i);
            return rt->label;
        }
        handler(app, req, id, r);
        return rt->label;
    }
    reply_error(r, 404, "no such path (try GET /products)");
    return MROUTE_OTHER;
}
