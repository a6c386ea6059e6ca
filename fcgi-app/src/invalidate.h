/*
 * invalidate: the ONE place where the binlog invalidator tells the cache
 * that products changed, through the mechanism API writes use
 * (cache_invalidate_products: the items, the pages holding them and, for
 * an insert or delete, the pages at or after them; cache_invalidate_all for
 * everything).
 */
#ifndef INVALIDATE_H
#define INVALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"

/* What happened to the ids (a mask: a transaction may do several). */
enum invalidate_kind {
    INVALIDATE_INSERT = 1,
    INVALIDATE_UPDATE = 2,
    INVALIDATE_DELETE = 4
};

/* The rows with these ids were inserted, updated and/or deleted (kinds, a
 * mask of enum invalidate_kind), up to the database's GTID position
 * (NULL or "": unknown), by the transaction txn (its GTID, or "" for
 * several). The position is recorded first, as writes.c does, so that with
 * read replicas a rebuild waits for a replica that has the change
 * (readhost.h). Returns 0 once the cache has it, 1 when an API write had
 * already handled txn (nothing done: its echo), 2 when an API write of
 * each row is in flight (nothing done: the settle decides), -1 when Redis
 * could not be told (the caller retries). */
int invalidate_ids(struct cache *c, const uint32_t *ids, size_t n,
                   unsigned kinds, const char *position, const char *txn);

/* Whether an API write marked the transaction txn handled: 1, 0, or -1
 * when Redis could not be asked. */
int invalidate_handled(struct cache *c, const char *txn);

/* Anything may have changed, up to position. 0, or -1 as above. */
int invalidate_all(struct cache *c, const char *position);

#endif
