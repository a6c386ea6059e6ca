/*
 * tracking: the connection that keeps an L1 coherent. One per process,
 * shared by its threads: a Redis connection that turned on server-assisted
 * client-side caching for itself (CLIENT TRACKING on REDIRECT <its own id>
 * BCAST PREFIX <prefix>gen PREFIX <prefix>item: PREFIX <prefix>list:) and
 * then subscribed to __redis__:invalidate, so Redis publishes to it every
 * change of the generation and of every entry key, naming the keys. Tracking state and subscription live and die together:
 * there is no separate redirect target that could vanish
 * (tracking-redir-broken cannot happen).
 *
 * A message about an entry key drops that key from the L1; one about the
 * generation, one naming no keys (FLUSHALL), a lost connection, a
 * reconnect, or a liveness ping left unanswered empties the L1. The L1 may
 * be used only right after tracking_sync() returned true. Uses hiredis
 * (with cache.c and sentinel.c, the only files that do).
 */
#ifndef TRACKING_H
#define TRACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"
#include "l1.h"

struct tracking;

/* A handle (not connected yet) feeding invalidations of the cache's keys
 * under prefix (cache.h: "<prefix>gen", "<prefix>item:...",
 * "<prefix>list:...") into l1. prefix is copied; opt's strings are not, as with
 * cache_open. NULL when out of memory. */
struct tracking *tracking_open(const struct cache_options *opt,
                               const char *prefix, struct l1 *l1);
void tracking_close(struct tracking *t);

/*
 * Applies every invalidation already received, without waiting for more,
 * and (re)connects when the connection is down and the back-off allows.
 * Returns true when the connection is up, subscribed and answered its last
 * liveness ping in time, so the L1 holds nothing invalidated before this
 * call. false (take the strict path) otherwise, also while another thread
 * is reconnecting it (a drain by another thread is waited for).
 */
bool tracking_sync(struct tracking *t);

/* true while the connection is up and subscribed (for tests and stats). */
bool tracking_up(struct tracking *t);

/* Moves the L1 sync numbers applied since the last call (l1_lease.h:
 * every invalidation published before each has been applied to the L1)
 * into out (room for CACHE_L1_ACK_MAX); returns how many. */
size_t tracking_take_syncs(struct tracking *t, long long *out);

/* Waits up to timeout_ms for the connection to have something to read
 * (or just sleeps while it is down). */
void tracking_wait(struct tracking *t, long long timeout_ms);

#endif
