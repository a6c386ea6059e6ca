/*
 * app: what every handler works with: the settings and the connections of
 * this responder process. Built once in main.c and passed down.
 */
#ifndef APP_H
#define APP_H

#include "config.h"

struct cache;
struct store;

struct app {
    const struct config *cfg;
    struct cache *cache;  /* Redis; used for reads in cached mode only */
    struct store *reader; /* MySQL as the read-only user */
    struct store *writer; /* MySQL as the write user */
};

#endif
