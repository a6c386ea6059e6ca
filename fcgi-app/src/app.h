/*
 * app: what every handler works with: the settings and the connections of
 * this responder process. Built once in main.c and passed down.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>

#include "config.h"

struct cache;
struct gate;
struct health_cache;
struct l1;
struct store;
struct tracking;
struct l1_lease;

struct app {
    const struct config *cfg;
    struct cache *cache;  /* Redis; used for reads in cached mode only */
    struct store *reader; /* MySQL as the read-only user */
    struct store *writer; /* MySQL as the write user */
    /* DB_READ_HOSTS: read replicas as the read-only user (readhost.h). */
    struct store **replicas;
    size_t replica_count;
    /* Per process, shared by its threads; NULL unless CACHE_L1=1. */
    struct l1 *l1;             /* in-process copy of hot answers */
    struct tracking *tracking; /* keeps l1 coherent (Redis invalidations) */
    struct l1_lease *l1_lease; /* acknowledges writers' syncs (l1_lease.h) */
    struct gate *rebuilds; /* this process's rebuild slots; NULL: no cap */
    struct health_cache *ready_cache; /* last /readyz check; NULL: none */
};

#endif
