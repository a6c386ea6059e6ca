/*
 * writes: the admin write path. Order matters: authorise, validate, commit
 * in MySQL (autocommit), then invalidate what the change can alter
 * (cache_invalidate_products: the product, the pages holding it, and for a
 * POST or DELETE the pages after its position), then answer. A reader that
 * starts after a 2xx therefore finds none of the entries built before the
 * commit, and no rebuild that read MySQL before the commit can store one
 * (docs/design.md has the argument). When the invalidation fails the write
 * stands but the answer is a 500 that says so: a 2xx would promise what the
 * cache cannot keep.
 */
#include "writes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "json.h"
#include "l1_lease.h"
#include "log.h"
#include "metrics.h"
#include "reads.h"
#include "readhost.h"
#include "request.h"
#include "store.h"

/* Compares in time that depends only on the lengths, not on where the
 * first difference is, so the token cannot be guessed byte by byte. */
static bool token_equal(const char *given, size_t given_len,
                        const char *expected)
{
    size_t expected_len = strlen(expected);
    unsigned char diff = given_len != expected_len;

    for (size_t i = 0; i < expected_len; i++)
        diff |= (unsigned char)(expected[i] ^
                                (i < given_len ? given[i] : 0));
    return diff == 0;
}

/* 403 when writes are disabled, 401 without the right bearer token. */
static bool authorised(const struct app *app, const struct write_request *req,
                       struct reply *r)
{
    static const char scheme[] = "Bearer ";
    const char *token;

    if (app->cfg->admin_token[0] == '\0') {
        reply_error(r, 403, "writes are disabled: start the service with "
                            "ADMIN_TOKEN set");
        return false;
    }
    /* The scheme name is case-insensitive (RFC 9110); the token is not. */
    if (req->authorization == NULL ||
        strncasecmp(req->authorization, scheme, sizeof(scheme) - 1) != 0) {
        reply_error(r, 401, "missing bearer token (Authorization: Bearer ...)");
        r->auth_challenge = true;
        return false;
    }
    token = req->authorization + sizeof(scheme) - 1;
    if (!token_equal(token, strlen(token), app->cfg->admin_token)) {
        reply_error(r, 401, "invalid bearer token");
        r->auth_challenge = true;
        return false;
    }
    return true;
}

/* Size, media type and JSON shape of a POST/PUT body. */
static bool valid_body(const struct app *app, const struct write_request *req,
                       struct product_input *in, struct reply *r)
{
    char err[JSON_ERR_MAX];
    const char *ct = req->content_type;

    if (req->content_length > app->cfg->body_max_bytes) {
        snprintf(err, sizeof(err), "body: larger than %lld bytes",
                 app->cfg->body_max_bytes);
        reply_error(r, 413, err);
        return false;
    }
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';')) {
        reply_error(r, 415, "Content-Type: must be application/json");
        return false;
    }
    if (req->body == NULL || req->body_len == 0) {
        reply_error(r, 400, "body: required, a JSON object with name and price");
        return false;
    }
    if (json_parse_product_input(req->body, req->body_len, in, err,
                                 sizeof(err)) != 0) {
        reply_error(r, 400, err);
        return false;
    }
    return true;
}

/* After a commit (or a write whose outcome is unknown): invalidate what
 * the change can alter (an update with the row's new body may write it
 * through, cache.h); with no id (an insert whose id is unknown),
 * everything. The commit has returned, so the transaction (txn, its GTID,
 * or "") is marked handled: the binlog invalidator need not echo it.
 * Returns false when Redis could not be told. */
static bool invalidate(struct app *app, const struct cache_change *change,
                       const char *txn)
{
    struct cache_txn handled = {.gtid = txn, .skip_if_handled = false};
    struct cache_l1_wait l1;
    uint32_t id = change->id;
    int rc;

    /* With read replicas, the write's position goes first (readhost.h). */
    if (readhost_record(app) != 0)
        rc = -1;
    else if (id == 0)
        rc = cache_invalidate_all(app->cache, PRODUCTS_PREFIX);
    else
        rc = cache_invalidate_products(app->cache, PRODUCTS_PREFIX, change,
                                       1, (size_t)app->cfg->cache_scope_max_ids,
                                       CACHE_REFRESH_MARK_MS, &handled, NULL);
    /* Then the other processes' L1 copies (l1_lease.h): every holder has
     * applied the invalidation, or its lease has run out. */
    if (rc == 0)
        rc = cache_l1_wait(app->cache, PRODUCTS_PREFIX, L1_WAIT_MS, &l1);
    if (rc == 0) {
        metrics_count(METRIC_INVALIDATION_OK);
        return true;
    }
    log_msg(LOG_ERROR, "writes",
            "cache invalidation failed: cached reads may be stale for up to "
            "about 1.1 x CACHE_TTL_S");
    metrics_count(METRIC_INVALIDATION_FAILED);
    return false;
}

/* Maps a write's outcome to its answer. Returns true only when the write
 * committed and the cache was invalidated: then, and only then, a 2xx may
 * promise that every later read sees it. A write that may have landed
 * still invalidates, so the cache cannot hide it if it did. */
static bool write_succeeded(struct app *app, enum store_result result,
                            const struct cache_change *change,
                            const char *txn, struct reply *r)
{
    switch (result) {
    case STORE_OK:
        if (invalidate(app, change, txn))
            return true;
        reply_error(r, 500, "the write was committed, but the cache could "
                            "not be invalidated: cached reads may show the "
                            "old data for up to about 1.1 x CACHE_TTL_S");
        return false;
    case STORE_DOWN:
        /* Nothing reached the executor: no change to hide, no bump. */
        reply_error(r, 503, "database unavailable, the write was not applied");
        return false;
    case STORE_UNCERTAIN:
        invalidate(app, change, "");
        reply_error(r, 503, "database error: the write may or may not have "
                            "been applied; read it back before retrying");
        return false;
    case STORE_NOT_FOUND:
        reply_error(r, 404, "no product with this id");
        return false;
    }
    return false;
}

/* The row as the table now holds it (the price rounded to cents),
 * rendered exactly as a read renders it: the answer, and what an update
 * writes through. NULL when out of memory. */
static char *render_row(uint32_t id, const struct product_input *in,
                        size_t *len)
{
    char price_text[32];
    struct product p = {.id = id, .name = (char *)(uintptr_t)in->name};

    snprintf(price_text, sizeof(price_text), "%.2f", in->price);
    p.price = strtod(price_text, NULL);
    return json_render_product(&p, len);
}

void writes_create(struct app *app, const struct write_request *req,
                   struct reply *r)
{
    struct product_input in;
    uint32_t id = 0;
    char txn[STORE_TXN_MAX], *body;
    struct cache_change change;
    enum store_result result;
    size_t len = 0;

    if (!authorised(app, req, r) || !valid_body(app, req, &in, r))
        return;
    result = store_insert_product(app->writer, &in, &id, txn);
    /* An uncertain insert has no id: everything is invalidated. */
    change = (struct cache_change){.kind = CACHE_CHANGE_INSERT,
                                   .id = result == STORE_OK ? id : 0};
    if (!write_succeeded(app, result, &change, txn, r)) {
        /* Committed, then the invalidation failed: the 500 names the new
         * product, so a client does not retry into a duplicate. */
        if (result == STORE_OK) {
            char *error = json_render_error_id(
                "the product was created, but the cache could not be "
                "invalidated: do not retry; cached reads may miss it for up "
                "to about 1.1 x CACHE_TTL_S",
                id, &len);

            if (error != NULL)
                reply_json(r, 500, error, len);
            snprintf(r->location, sizeof(r->location), "/products/%u",
                     (unsigned)id);
        }
        return;
    }
    body = render_row(id, &in, &len);
    reply_json(r, 201, body, len);
    snprintf(r->location, sizeof(r->location), "/products/%u", (unsigned)id);
}

/* Authorisation first (a stranger learns nothing about ids), then the id. */
static bool authorised_target(const struct app *app,
                              const struct write_request *req,
                              const char *id_text, uint32_t *id,
                              struct reply *r)
{
    char err[REQUEST_ERR_MAX];

    if (!authorised(app, req, r))
        return false;
    if (request_parse_id(id_text, id, err, sizeof(err)) != 0) {
        reply_error(r, 400, err);
        return false;
    }
    return true;
}

void writes_update(struct app *app, const char *id_text,
                   const struct write_request *req, struct reply *r)
{
    struct product_input in;
    uint32_t id;
    char txn[STORE_TXN_MAX], *body;
    struct cache_change change = {.kind = CACHE_CHANGE_UPDATE};
    enum store_result result;
    size_t len = 0;

    if (!authorised_target(app, req, id_text, &id, r) ||
        !valid_body(app, req, &in, r))
        return;
    cache_write_begins(app->cache, PRODUCTS_PREFIX, id);
    result = store_update_product(app->writer, id, &in, txn);
    /* The answer is the row's new body, which the cache may also take. */
    body = result == STORE_OK ? render_row(id, &in, &len) : NULL;
    change.id = id;
    change.body = body;
    change.len = len;
    products_entry_ttls(app->cfg, &change.fresh_ms, &change.keep_ms);
    if (!write_succeeded(app, result, &change, txn, r)) {
        free(body);
        return;
    }
    reply_json(r, 200, body, len);
}

void writes_delete(struct app *app, const char *id_text,
                   const struct write_request *req, struct reply *r)
{
    uint32_t id;
    char txn[STORE_TXN_MAX];
    struct cache_change change = {.kind = CACHE_CHANGE_DELETE};

    if (!authorised_target(app, req, id_text, &id, r))
        return;
    change.id = id;
    cache_write_begins(app->cache, PRODUCTS_PREFIX, id);
    if (!write_succeeded(app, store_delete_product(app->writer, id, txn),
                         &change, txn, r))
        return;
    reply_free(r);
    r->status = 204;
}
