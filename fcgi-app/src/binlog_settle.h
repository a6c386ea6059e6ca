/*
 * binlog_settle: the second half of every invalidation, and the position.
 *
 * A binlog reader can receive a transaction before its rows are visible to
 * a new SELECT (the binlog is written before the engine commit completes).
 * A rebuild that starts in that gap reads the old rows under the new
 * generation and would store them as fresh. So each change is invalidated
 * once when its commit arrives (binlog_main.c) and again here, settle_ms
 * later, when the commit is visible; only then is its position saved. A
 * rebuild that read the old rows is thereby orphaned before anything
 * counts the change as applied.
 *
 * One thread with its own cache handle; changes due together are merged
 * into one invalidation. A failed invalidation is retried (back-off up to
 * 1 s) until Redis takes it: nothing is saved past a change that was not
 * invalidated.
 */
#ifndef BINLOG_SETTLE_H
#define BINLOG_SETTLE_H

#include "binlog_change.h"
#include "cache.h"

struct binlog_settle;

/* Starts the thread. settle_ms 0 turns the second invalidation off (the
 * position is still saved in order). state_path: binlog_position.h. NULL
 * when the thread or memory cannot be had. */
struct binlog_settle *binlog_settle_open(const struct cache_options *opt,
                                         long long settle_ms,
                                         const char *state_path);

/* Queues change (moved out: *change is left empty) and the GTID state that
 * includes it; blocks while the queue is full. */
void binlog_settle_push(struct binlog_settle *s, struct binlog_change *change,
                        const char *state);

/* Stops the thread; changes not yet settled are dropped, unsaved: a
 * restart reads them again from the saved position. */
void binlog_settle_close(struct binlog_settle *s);

#endif
