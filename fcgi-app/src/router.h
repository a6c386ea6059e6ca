/*
 * router: maps method + path to a handler. Unknown paths get 404 and known
 * paths with another method 405 with an Allow header, both as JSON.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include "app.h"
#include "metrics.h"
#include "reply.h"
#include "writes.h"

struct http_request {
    const char *method;
    const char *path;  /* decoded path, without the query */
    const char *query; /* raw query string or NULL */
    struct write_request write;
};

/* Fills r with the answer; returns the route it took, for the metrics. */
enum metric_route router_dispatch(struct app *app,
                                  const struct http_request *req,
                                  struct reply *r);

#endif
