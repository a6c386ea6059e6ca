/*
 * binlog_apply: binlog events -> invalidations. Follows each event group
 * (transaction) from its GTID to its end, collects the watched table's
 * changed ids (binlog_rows.h) or falls back to "everything", and at the
 * end invalidates at once (the first invalidation), then hands the change
 * and the new GTID state to binlog_settle for the second one and the
 * position save. Rolled-back transactions never reach the binlog (InnoDB),
 * so nothing is done for them.
 */
#ifndef BINLOG_APPLY_H
#define BINLOG_APPLY_H

#include <signal.h>
#include <stddef.h>

#include "binlog_change.h"
#include "binlog_config.h"
#include "binlog_settle.h"
#include "binlog_stream.h"
#include "cache.h"

struct binlog_apply;

/* cache: for the first invalidation (this thread's); settle: as above;
 * stop: set by a signal, ends retry loops. NULL when out of memory. */
struct binlog_apply *binlog_apply_open(const struct binlog_config *bc,
                                       struct cache *cache,
                                       struct binlog_settle *settle,
                                       volatile sig_atomic_t *stop);
void binlog_apply_close(struct binlog_apply *a);

/* Starts over at GTID state (a new connection): any half-read group is
 * dropped, the server sends it again. -1 when state is not a GTID list. */
int binlog_apply_restart(struct binlog_apply *a, const char *state);

/* Handles one event. 0, or -1 when stopped while Redis was refusing. */
int binlog_apply_event(struct binlog_apply *a, const struct binlog_event *ev);

/* Invalidates everything for reason, then treats state as applied. 0, or
 * -1 when stopped first. */
int binlog_apply_everything(struct binlog_apply *a,
                            enum binlog_all_reason reason, const char *state);

/* The GTID state up to the last group handled (its first invalidation
 * done): where a new connection resumes. */
void binlog_apply_state(const struct binlog_apply *a, char *out,
                        size_t outlen);

#endif
