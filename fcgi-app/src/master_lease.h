/*
 * master_lease: which Redis is the master, as the Sentinels say, and how
 * long this process may go on believing it (Sentinel mode only).
 *
 * A thread asks the Sentinels for the master every MASTER_LEASE_RENEW_MS.
 * Each answer renews a lease on the master it names until MASTER_LEASE_MS
 * after the question was sent (this host's monotonic clock). Every Redis
 * connection of the process (cache.c, tracking.c) is to the master of one
 * lease and is used only while that lease holds: when the Sentinels name
 * another master the connection is dropped before its next command, and
 * when no Sentinel has answered for MASTER_LEASE_MS there is no master at
 * all (reads go to MySQL, writes fail) until one does.
 *
 * So a master the Sentinels replaced, frozen or cut off meanwhile and
 * back now, serves no read of this process later than MASTER_LEASE_MS
 * after the switch. A change written to a master this process has just
 * learned of is acknowledged (the write's 2xx) only MASTER_LEASE_MS after
 * it learned of it (master_lease_hold_ms): by then no other process, on
 * any host, still reads from the master it replaced. docs/consistency.md
 * has the argument and what it assumes.
 */
#ifndef MASTER_LEASE_H
#define MASTER_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "hostlist.h"

#define MASTER_LEASE_MS 1000
#define MASTER_LEASE_RENEW_MS 100

struct cache_options;

/* Starts the renewing thread for opt's Sentinels (opt and its strings
 * must outlive it). No-op without Sentinels. false when the thread could
 * not start. */
bool master_lease_start(const struct cache_options *opt);

/* Stops the thread (waits for it). */
void master_lease_stop(void);

/* true once master_lease_start ran with Sentinels: connections then
 * follow the lease. */
bool master_lease_on(void);

/* The number of the master named now (it changes with every switch,
 * also back to an address seen before), or 0 while the lease has run out
 * or before the first answer. Lock-free. */
uint64_t master_lease_current(void);

/* The master named now and its number; false as for 0 above. */
bool master_lease_master(struct host_port *out, uint64_t *seq);

/* Waits (up to MASTER_LEASE_MS) for an answer to a question sent after
 * this call; true when it names master seq. A change applied to a master
 * the Sentinels still name after it will survive there, or be orphaned by
 * the epoch check on the one that replaces it (sentinel.h). */
bool master_lease_confirm(uint64_t seq);

/* How long (ms, 0 if none) a change written to the master named now must
 * wait before it is acknowledged: until MASTER_LEASE_MS after this process
 * learned of that master. */
long long master_lease_hold_ms(void);

#endif
