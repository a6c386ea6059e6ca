/*
 * edge: what the optional nginx micro-cache in front of the pool
 * (nginx/snippets/edge-cache.conf, switched on with EDGE_CACHE_MS) may do
 * with each answer. nginx keeps a copy only when the answer says until when
 * (X-Accel-Expires), so the responder, not nginx, stays the authority; the
 * guarantee per rung is in docs/consistency.md.
 *
 * nginx counts whole seconds: a copy whose X-Accel-Expires is "@T" is fresh
 * while nginx's clock reads T or less, i.e. until the start of second T+1,
 * and with stale-while-revalidate=1 it may be served for one more second
 * while one request refreshes it. So a copy of an answer a responder began
 * at S is served until at most S + max(L, EDGE_MIN_BOUND_MS), where L is
 * EDGE_CACHE_MS capped by the Redis freshness the answer has left.
 */
#ifndef EDGE_H
#define EDGE_H

#include "config.h"
#include "reply.h"

/* The shortest bound nginx's whole seconds allow: one fresh second (the
 * rest of the current one), then one stale second. */
#define EDGE_MIN_BOUND_MS 2000

/* A 404 or 503 of a product read: kept for the rest of the current second
 * (at most 1 s), never served stale. */
#define EDGE_NEGATIVE_MS 1000

/* The name of the writer's bypass cookie (nginx/snippets/edge-cache.conf
 * bypasses the edge cache while the client sends it). */
#define EDGE_COOKIE "products_wrote"

/*
 * Fills r's edge fields for an answer to method that a responder began at
 * started_ms (wall clock, ms), when cfg->edge_cache_ms > 0 (else leaves
 * them empty):
 *   - a product read (r->edge_read) answered 200: fresh until the second
 *     that ends the bound (see above), then stale-while-revalidate=1;
 *   - a product read answered 404 or 503: the rest of the current second;
 *   - a write (POST, PUT, DELETE) that may have changed data (2xx, 5xx):
 *     the bypass cookie, for edge_cookie_seconds();
 *   - everything else: X-Accel-Expires: 0 (never kept).
 */
void edge_mark(const struct config *cfg, const char *method,
               long long started_ms, struct reply *r);

/* The last second (epoch seconds) a copy begun at started_ms may be fresh
 * so that it is served (stale included) no later than started_ms +
 * max(life_ms, EDGE_MIN_BOUND_MS). */
long long edge_fresh_until_s(long long started_ms, long long life_ms);

/* Max-Age of the bypass cookie: the bound in whole seconds, plus one. */
int edge_cookie_seconds(long long edge_cache_ms);

#endif
