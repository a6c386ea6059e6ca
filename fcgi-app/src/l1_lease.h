/*
 * l1_lease: L1 across hosts (Gray & Cheriton's leases). Each responder
 * process with an L1 is a holder: it uses its L1 only while its lease
 * holds, that is less than L1_LEASE_MS after it sent the last liveness ping
 * its invalidation connection answered (tracking.c; a pong proves every
 * invalidation Redis sent before the ping has been applied). A holder that
 * cannot renew stops using its L1 when the lease ends, on its own
 * monotonic clock.
 *
 * A write's 2xx waits for the holders (cache_l1_wait): after the change,
 * the writer publishes a new sync number on "<prefix>l1:sync"; Redis says
 * how many holders got it; each holder, once it has applied every message
 * before that one (its invalidation among them), records the number
 * ("<prefix>l1:acks"); the writer waits until that many have, or until
 * L1_WAIT_MS have passed since the publication: a holder that has not
 * answered by then got no ping answered after the publication, so its
 * lease has run out and it no longer uses its L1. Either way a read that
 * starts after the 2xx, on any host, cannot come from an L1 that still
 * holds the old answer. docs/consistency.md has the argument.
 */
#ifndef L1_LEASE_H
#define L1_LEASE_H

#include <stdbool.h>

#define L1_LEASE_MS 1000
/* The writer's bound: the lease plus 2% for clock rates and a few ms. */
#define L1_WAIT_MS (L1_LEASE_MS + L1_LEASE_MS / 50 + 5)

struct cache;
struct cache_options;
struct tracking;

/* Holder side: a thread that keeps tracking synced (pings answered even
 * without requests) and records every sync number it has applied, on its
 * own Redis connection (opt, copied; its strings must outlive it). NULL
 * when out of memory or the thread did not start. */
struct l1_lease *l1_lease_start(struct tracking *t,
                                const struct cache_options *opt,
                                const char *prefix);
void l1_lease_stop(struct l1_lease *h);

/* The writer's side is cache_l1_wait (cache.h), called with L1_WAIT_MS. */

#endif
