/*
 * dispatch: builds a struct http_request from the FastCGI parameters nginx
 * sent (fastcgi_params), reads a write's body, hands it to the router,
 * marks what the edge cache may do with the reply (edge.c) and sends it
 * (framing.c).
 */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "app.h"
#include "clock.h"
#include "edge.h"
#include "log.h"
#include "metrics.h"
#include "framing.h"
#include "router.h"

static long long parse_content_length(const char *text)
{
    char *end = NULL;
    long long v;

    if (text == NULL || text[0] == '\0')
        return -1;
    v = strtoll(text, &end, 10);
    return (end != NULL && *end == '\0' && v >= 0) ? v : -1;
}

/* Reads the body when it is within the limit; writes.c answers 413 for a
 * larger one. */
static char *read_body(FCGX_Request *fr, long long length, long long max,
                       size_t *len)
{
    char *body;
    int got;

    *len = 0;
    if (length <= 0 || length > max)
        return NULL;
    body = malloc((size_t)length + 1);
    if (body == NULL)
        return NULL;
    got = FCGX_GetStr(body, (int)length, fr->in);
    body[got > 0 ? got : 0] = '\0';
    *len = got > 0 ? (size_t)got : 0;
    return body;
}

/* Whatever is left of stdin (a body we refused, or just its end-of-stream
 * record) must be consumed: on a kept connection it would otherwise be read
 * as the start of the next request. nginx bounds it (client_max_body_size). */
static void drain_stdin(FCGX_Request *fr)
{
    char sink[4096];

    while (FCGX_GetStr(sink, sizeof(sink), fr->in) > 0)
        ;
}

void dispatch_request(struct app *app, FCGX_Request *fr)
{
    struct http_request req;
    struct reply r;
    enum metric_route route;
    long long started = metrics_request_begin();
    size_t body_len = 0;
    char *body = NULL;
    const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
    const char *path = FCGX_GetParam("DOCUMENT_URI", fr->envp);
    /* Before any read: an answer holds every write acknowledged before
     * this instant, so the edge's bound is counted from here. */
    long long started_ms = clock_now_ms();

    memset(&req, 0, sizeof(req));
    req.method = method ? method : "";
    req.path = path ? path : "";
    req.query = FCGX_GetParam("QUERY_STRING", fr->envp);
    req.write.authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
    req.write.content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
    req.write.content_length =
        parse_content_length(FCGX_GetParam("CONTENT_LENGTH", fr->envp));
    if (strcmp(req.method, "POST") == 0 || strcmp(req.method, "PUT") == 0) {
        body = read_body(fr, req.write.content_length,
                         app->cfg->body_max_bytes, &body_len);
        req.write.body = body;
        req.write.body_len = body_len;
    }
    drain_stdin(fr);
    reply_init(&r);
    route = router_dispatch(app, &req, &r);
    edge_mark(app->cfg, req.method, started_ms, &r);
    if (framing_send(fr, &r, strcmp(req.method, "HEAD") == 0) != 0)
        log_msg(LOG_INFO, "serve", "client went away before the response");
    metrics_request_end(started, route, &r);
    reply_free(&r);
    free(body);
}
