/*
 * reads: the read endpoints, GET /products and GET /products/{id}, and
 * the cache-aside flow behind them (see reads.c for the whole story).
 */
#ifndef READS_H
#define READS_H

#include "app.h"
#include "reply.h"

/* Every Redis key of the products cache starts with this (cache.h has the
 * layout under it). */
#define PRODUCTS_PREFIX "products:"
/* The Redis key holding the catalogue's generation. */
#define PRODUCTS_GEN_KEY PRODUCTS_PREFIX "gen"

/* GET /products?query. */
void products_list(struct app *app, const char *query, struct reply *r);

/* GET /products/{id_text}. */
void products_get(struct app *app, const char *id_text, struct reply *r);

struct config;

/* How long an answer stored now stays fresh (CACHE_TTL_S plus up to 10%
 * jitter, so entries filled together do not expire together) and kept
 * (that plus CACHE_STALE_S). For reads' stores and writes' write-through. */
void products_entry_ttls(const struct config *cfg, long long *fresh_ms,
                         long long *keep_ms);

#endif
