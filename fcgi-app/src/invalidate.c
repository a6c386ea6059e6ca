/*
 * invalidate: the binlog invalidator's adapter onto the cache
 * (invalidate.h). Implemented with the mechanism API writes use today, the
 * generation bump; knows nothing about the binlog.
 */
#include "invalidate.h"

#include "reads.h"

/* Redis merges recorded positions per domain (gtid.h), so an older one
 * recorded late never moves the mark back. The position comes from the
 * binlog, not from a read that a lost mark could predate: "" (no mark
 * seen) never clears one. */
static int record_then_bump(struct cache *c, const char *position)
{
    if (position != NULL && position[0] != '\0' &&
        cache_record_position(c, PRODUCTS_GEN_KEY, position, "") != 0)
        return -1;
    return cache_bump_generation(c, PRODUCTS_GEN_KEY);
}

int invalidate_ids(struct cache *c, const uint32_t *ids, size_t n,
                   unsigned kinds, const char *position)
{
    (void)ids;
    (void)kinds;
    if (n == 0)
        return 0;
    return record_then_bump(c, position);
}

int invalidate_all(struct cache *c, const char *position)
{
    return record_then_bump(c, position);
}
