/*
 * writes: POST /products, PUT and DELETE /products/{id}. Authorised by a
 * bearer token, validated, run as the MySQL write user, and followed by a
 * scoped cache invalidation (cache_invalidate_products) before the client
 * hears back.
 */
#ifndef WRITES_H
#define WRITES_H

#include <stddef.h>

#include "app.h"
#include "reply.h"

/* The parts of a write request the handlers look at. */
struct write_request {
    const char *authorization; /* Authorization header or NULL */
    const char *content_type;  /* or NULL */
    long long content_length;  /* -1 when absent */
    const char *body;          /* read by main.c when within the limit */
    size_t body_len;
};

void writes_create(struct app *app, const struct write_request *req,
                   struct reply *r);
void writes_update(struct app *app, const char *id_text,
                   const struct write_request *req, struct reply *r);
void writes_delete(struct app *app, const char *id_text,
                   const struct write_request *req, struct reply *r);

#endif
