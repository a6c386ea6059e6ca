/*
 * Fakes of cache.h and store.h for unit tests: in-memory, no network, with
 * knobs to simulate outages and counters to assert on.
 */
#ifndef FAKES_H
#define FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "store.h"

struct fake_cache_state {
    bool down;              /* every call fails as if Redis were away */
    bool lock_held;         /* someone else holds every rebuild lock */
    bool lock_vanishes;     /* ...and drops it without storing anything */
    int fill_after_polls;   /* >0: that waiter's poll sees a rebuild land,
                               and the lock go, in the same instant */
    bool fill_stale;        /* ...and what lands is already stale */
    bool bump_fails;
    bool tracking_up;       /* the invalidation connection is up */
    uint64_t generation;
    uint64_t seq;           /* the write sequence reads see */
    bool refresh;           /* a MISS says a write just deleted the key */
    uint64_t upto;          /* a HIT or STALE is of an entry bounded so */
    char txn[64];           /* the GTID the last scoped invalidation named */
    int scoped;             /* scoped invalidations (bumps counts them too) */
    struct cache_change last_change;
    uint64_t store_seq;     /* of the last store */
    struct cache_deps store_deps;
    long long ttl_left_ms;  /* what PTTL of a fresh marker answers */
    long long fresh_ms, keep_ms; /* of the last store */
    int reads, polls, stores, locks, unlocks, bumps, syncs;
    int commands, round_trips; /* what the real cache.c would send */
};

struct fake_store_state {
    enum store_result result; /* what reads and writes answer */
    int reads, writes;
    uint32_t next_id;
    char txn[64];             /* the GTID writes report ("": none) */
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

/* The bearer token fakes_setup_writes() configures. */
#define FAKES_TOKEN "unit-test-token-0123456789"

/* cmocka group helpers for tests of the write paths: fakes_app_init() with
 * ADMIN_TOKEN=FAKES_TOKEN into the app and config named by fakes_use(), and
 * fakes_reset() after each test. */
void fakes_use(struct app *app, struct config *cfg);
int fakes_setup_writes(void **state);
int fakes_teardown(void **state);

/* Puts a value in the fake cache directly, tagged with the current
 * generation (or gen); fresh or stale. */
void fake_cache_put(const char *key, const char *body, bool fresh);
void fake_cache_put_tagged(const char *key, uint64_t gen, const char *body,
                           bool fresh);

/* The generation the stored body of key is tagged with, or 0. */
uint64_t fake_cache_tag(const char *key);

/* The stored body of key, or NULL. */
const char *fake_cache_value(const char *key);

#endif
