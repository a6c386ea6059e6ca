/*
 * readhost: where a rebuild reads, with MySQL/MariaDB read replicas
 * (DB_READ_HOSTS). The trap it closes: a miss right after a write reads a
 * replica that has not applied the write yet and stores the old row under
 * the new generation. So every acknowledged write records the primary's
 * GTID position in Redis before its invalidation (readhost_record), and
 * a rebuild first has a replica wait for that position (MASTER_GTID_WAIT /
 * WAIT_FOR_EXECUTED_GTID_SET, up to DB_READ_WAIT_MS); when the replica does
 * not get there in time, or no position is known, it reads the primary.
 */
#ifndef READHOST_H
#define READHOST_H

#include "app.h"

/* The store a rebuild should read from: a replica that has applied every
 * acknowledged write, else the primary's reader pool. Never NULL. */
struct store *readhost_choose(struct app *app);

/* After a write that committed (or may have): merges the primary's
 * position into the recorded one, or, when it cannot be read (or is not a
 * position gtid.h accepts), sets the lost mark so rebuilds read the primary
 * until a later write's position covers this one (cache.h). 0, or -1 when
 * Redis could not be told. No-op without read replicas. */
int readhost_record(struct app *app);

#endif
