/*
 * Fakes of cache.h and store.h for unit tests: in-memory, no network, with
 * knobs to simulate outages and counters to assert on.
 */
#ifndef FAKES_H
#define FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct fake_cache_state {
    bool down;              /* every call fails as if Redis were away */
    bool lock_held;         /* someone else holds every rebuild lock */
    bool lock_vanishes;     /* ...and drops it without storing anything */
    int fill_after_gets;    /* >0: a pending rebuild lands after N gets */
    bool bump_fails;
    uint64_t generation;
    int gets, stores, locks, unlocks, bumps;
};

struct fake_store_state {
    enum store_result result; /* what reads and writes answer */
    int reads, writes;
    uint32_t next_id;
};

extern struct fake_cache_state fake_cache;
extern struct fake_store_state fake_store;

struct app;
struct config;

/* Default settings (as with an empty environment) and an app wired to the
 * fakes; both live as long as the test program. */
void fakes_app_init(struct app *app, struct config *cfg);

/* Empties the fake cache and resets both fakes' knobs and counters. */
void fakes_reset(void);

/* Puts a value in the fake cache directly; fresh or stale. */
void fake_cache_put(const char *key, const char *body, bool fresh);

/* The stored body of key, or NULL. */
const char *fake_cache_value(const char *key);

#endif
