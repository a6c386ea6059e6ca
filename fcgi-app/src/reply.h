/*
 * reply: what a handler answers, as plain data (status, a few headers, a
 * body). Handlers fill one; framing.c writes it to the FastCGI stream, and
 * unit tests read it directly.
 */
#ifndef REPLY_H
#define REPLY_H

#include <stdbool.h>
#include <stddef.h>

struct reply {
    int status;
    const char *x_cache;   /* "HIT", "MISS", "STALE", "BYPASS" or NULL */
    const char *x_cache_layer; /* "L1" for a hit from process memory */
    const char *allow;     /* Allow header for 405, or NULL */
    const char *content_type; /* NULL: application/json */
    char location[64];     /* Location header for 201, or "" */
    bool auth_challenge;   /* WWW-Authenticate: Bearer (with a 401) */
    /* The edge micro-cache (edge.c): reads.c marks a product read and
     * the Redis freshness its answer has left (-1: not known, taken as
     * whole); edge_mark() turns them into the headers below. */
    bool edge_read;
    long long fresh_ms;
    char edge_expires[24]; /* X-Accel-Expires value, or "" */
    bool edge_stale_ok;    /* Cache-Control: stale-while-revalidate=1 */
    int edge_cookie_s;     /* >0: Set-Cookie of the writer's bypass */
    int retry_after_s;     /* Retry-After header when > 0 (with a 503) */
    int send_rate;         /* X-Accel-Limit-Rate (bytes/s) when > 0 */
    char *body;            /* JSON text, or NULL for no body */
    size_t body_len;
    void (*body_free)(char *); /* how to release body; NULL: not owned */
};

void reply_init(struct reply *r);

/* Takes ownership of body (released with free()). */
void reply_json(struct reply *r, int status, char *body, size_t len);

/* status with {"error": msg}. */
void reply_error(struct reply *r, int status, const char *msg);

/* Releases the body; the reply can be reused after reply_init(). */
void reply_free(struct reply *r);

const char *reply_status_text(int status);

#endif
