/*
 * invalidate: the binlog invalidator's adapter onto the cache
 * (invalidate.h): the same scoped invalidation as API writes
 * (cache_invalidate_products, writes.c); knows nothing about the binlog.
 */
#include "invalidate.h"

#include <stdlib.h>

#include "reads.h"

/* Redis merges recorded positions per domain (gtid.h), so an older one
 * recorded late never moves the mark back. The position comes from the
 * binlog, not from a read that a lost mark could predate: "" (no mark
 * seen) never clears one. */
static int record(struct cache *c, const char *position)
{
    if (position != NULL && position[0] != '\0' &&
        cache_record_position(c, PRODUCTS_GEN_KEY, position, "") != 0)
        return -1;
    return 0;
}

int invalidate_ids(struct cache *c, const uint32_t *ids, size_t n,
                   unsigned kinds, const char *position, const char *txn)
{
    struct cache_txn echo = {.gtid = txn, .skip_if_handled = true};
    struct cache_invalidation out;
    /* An insert or delete anywhere in the transaction shifts the pages at
     * or after each of its ids; without one, the ids changed in place. */
    enum cache_change_kind kind =
        kinds & (INVALIDATE_INSERT | INVALIDATE_DELETE) ? CACHE_CHANGE_INSERT
                                                        : CACHE_CHANGE_UPDATE;
    struct cache_change *changes;
    int rc;

    if (n == 0)
        return 0;
    if (record(c, position) != 0)
        return -1;
    changes = calloc(n, sizeof(*changes));
    if (changes == NULL)
        return cache_invalidate_all(c, PRODUCTS_PREFIX);
    for (size_t i = 0; i < n; i++)
        changes[i] = (struct cache_change){.kind = kind, .id = ids[i]};
    /* The caller already fell back to everything past its own limit. */
    rc = cache_invalidate_products(c, PRODUCTS_PREFIX, changes, n, n,
                                   CACHE_REFRESH_MARK_MS, &echo, &out);
    free(changes);
    if (rc == 0 && out.skipped)
        return 1;
    return rc == 0 && out.deferred ? 2 : rc;
}

int invalidate_handled(struct cache *c, const char *txn)
{
    return cache_txn_handled(c, PRODUCTS_PREFIX, txn);
}

int invalidate_all(struct cache *c, const char *position)
{
    if (record(c, position) != 0)
        return -1;
    return cache_invalidate_all(c, PRODUCTS_PREFIX);
}
