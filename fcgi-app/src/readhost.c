/* readhost: the read-host choice and the GTID wait (see readhost.h). */
#include "readhost.h"

#include <stdatomic.h>

#include "cache.h"
#include "gtid.h"
#include "log.h"
#include "reads.h"
#include "store.h"

static atomic_size_t next_replica;

struct store *readhost_choose(struct app *app)
{
    char pos[STORE_GTID_MAX];
    struct store *replica;

    if (app->replica_count == 0)
        return app->reader;
    /* No position (no write recorded since Redis started or failed over):
     * nothing to wait for is known, so only the primary is safe. */
    if (cache_read_position(app->cache, PRODUCTS_GEN_KEY, pos, sizeof(pos)) !=
        0)
        return app->reader;
    replica = app->replicas[atomic_fetch_add(&next_replica, 1) %
                            app->replica_count];
    switch (store_gtid_wait(replica, pos, app->cfg->db_read_wait_ms)) {
    case STORE_OK:
        return replica;
    case STORE_NOT_FOUND:
        log_msg(LOG_INFO, "readhost",
                "replica behind position %s after %lld ms: reading the "
                "primary",
                pos, app->cfg->db_read_wait_ms);
        return app->reader;
    default:
        return app->reader;
    }
}

/* The lost mark a writer saw fits in this (a number of microseconds). */
#define READHOST_MARK_MAX 32

int readhost_record(struct app *app)
{
    char pos[STORE_GTID_MAX], canonical[GTID_POSITION_MAX];
    char mark[READHOST_MARK_MAX];

    if (app->replica_count == 0)
        return 0;
    /* The mark first: a position read after it covers every write whose
     * position was lost before it (cache.h). */
    if (cache_position_mark(app->cache, PRODUCTS_GEN_KEY, mark,
                            sizeof(mark)) != 0)
        return -1;
    if (store_gtid_position(app->writer, pos, sizeof(pos)) != 0 ||
        gtid_merge(NULL, pos, canonical, sizeof(canonical)) != 0) {
        log_msg(LOG_WARN, "readhost",
                "write position unknown: rebuilds read the primary until a "
                "later write records one");
        return cache_record_position(app->cache, PRODUCTS_GEN_KEY, NULL,
                                     mark);
    }
    return cache_record_position(app->cache, PRODUCTS_GEN_KEY, canonical,
                                 mark);
}
