/*
 * binlog_apply: event groups -> changes -> invalidations (binlog_apply.h).
 * Owns the group state machine and the rules for what counts as
 * "everything"; the cache calls go through invalidate.h, the delayed half
 * through binlog_settle.
 */
#include "binlog_apply.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "binlog_metrics.h"
#include "binlog_position.h"
#include "binlog_rows.h"
#include "clock.h"
#include "invalidate.h"
#include "log.h"

struct binlog_apply {
    const struct binlog_config *bc;
    struct cache *cache;
    struct binlog_settle *settle;
    volatile sig_atomic_t *stop;
    struct binlog_gtids applied; /* up to the last group handled */
    /* The group being read. */
    bool in_group, standalone;
    uint32_t domain, server;
    uint64_t seq;
    struct binlog_change change;
    /* The watched table's latest map. */
    bool mapped, map_ok;
    uint64_t table_id;
    struct binlog_table table;
};

struct binlog_apply *binlog_apply_open(const struct binlog_config *bc,
                                       struct cache *cache,
                                       struct binlog_settle *settle,
                                       volatile sig_atomic_t *stop)
{
    struct binlog_apply *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->bc = bc;
    a->cache = cache;
    a->settle = settle;
    a->stop = stop;
    binlog_change_init(&a->change, (size_t)bc->max_ids);
    return a;
}

void binlog_apply_close(struct binlog_apply *a)
{
    if (a == NULL)
        return;
    binlog_change_free(&a->change);
    binlog_table_free(&a->table);
    free(a);
}

int binlog_apply_restart(struct binlog_apply *a, const char *state)
{
    a->in_group = false;
    binlog_change_free(&a->change);
    a->mapped = false;
    binlog_table_free(&a->table);
    return binlog_gtids_parse(&a->applied, state);
}

void binlog_apply_state(const struct binlog_apply *a, char *out,
                        size_t outlen)
{
    binlog_gtids_format(&a->applied, out, outlen);
}

/* The first invalidation, retried with back-off until Redis takes it:
 * the stream is not read meanwhile, so nothing is lost, only delayed.
 * 0 done, 1 skipped (a writer had handled the transaction), 2 left to the
 * settle (a writer of those rows is in flight), -1 stopped. */
static int invalidate_now(struct binlog_apply *a,
                          const struct binlog_change *c, const char *state)
{
    long long wait_ms = 50;
    bool logged = false;
    /* Without a settle, nothing may be left to it: no skipping either. */
    const char *txn = a->bc->settle_ms > 0 ? c->txn : "";

    for (;;) {
        int rc = c->all != BINLOG_ALL_NONE
                     ? invalidate_all(a->cache, state)
                     : invalidate_ids(a->cache, c->ids, c->n, c->kinds, state,
                                      txn);

        if (rc == 1) {
            /* An API write, which invalidated after its commit returned:
             * no second invalidation, and none to settle. */
            binlog_metrics_count(BM_HANDLED_BY_WRITER);
            return 1;
        }
        if (rc == 2) {
            /* An API write of these rows is about to invalidate (and
             * write through): the settle checks that it did. */
            binlog_metrics_count(BM_LEFT_TO_SETTLE);
            return 2;
        }
        if (rc == 0) {
            if (logged)
                log_msg(LOG_INFO, "apply", "redis took the invalidation");
            return 0;
        }
        if (!logged)
            log_msg(LOG_WARN, "apply", "redis refused an invalidation: "
                                       "retrying, the stream waits");
        logged = true;
        binlog_metrics_count(BM_REDIS_RETRIES);
        if (*a->stop)
            return -1;
        clock_sleep_ms(wait_ms);
        wait_ms = wait_ms * 2 > a->bc->retry_max_ms ? a->bc->retry_max_ms
                                                     : wait_ms * 2;
    }
}

/* Invalidates c now, counts it, and queues it with state for settling
 * (an API write's transaction, already handled, is queued empty: only its
 * position is saved). */
static int apply_change(struct binlog_apply *a, struct binlog_change *c,
                        const char *state, long long received_ms,
                        uint32_t commit_s)
{
    if (!binlog_change_empty(c)) {
        int rc = invalidate_now(a, c, state);

        if (rc < 0)
            return -1;
        if (rc == 1) {
            binlog_change_free(c);
        } else if (rc == 2) {
            /* queued whole: the settle invalidates it unless handled */
        } else if (c->all != BINLOG_ALL_NONE) {
            binlog_metrics_count(BM_INVALIDATED_ALL);
            binlog_metrics_fallback(c->all);
        } else {
            binlog_metrics_count(BM_INVALIDATED_IDS);
        }
        if (rc == 0 && commit_s > 0)
            binlog_metrics_lag(commit_s, clock_now_ms(),
                               clock_mono_ms() - received_ms);
    }
    binlog_settle_push(a->settle, c, state);
    return 0;
}

int binlog_apply_everything(struct binlog_apply *a,
                            enum binlog_all_reason reason, const char *state)
{
    struct binlog_change c;

    if (binlog_apply_restart(a, state) != 0)
        return -1;
    binlog_change_init(&c, 0);
    binlog_change_everything(&c, reason);
    log_msg(LOG_WARN, "apply", "invalidating everything (%s), then going on "
                               "from GTID '%s'",
            binlog_all_reason_name(reason), state);
    return apply_change(a, &c, state, clock_mono_ms(), 0);
}

/* The group is over: record its GTID, invalidate, queue. */
static int end_group(struct binlog_apply *a, uint32_t commit_s)
{
    char state[BINLOG_POSITION_MAX];

    a->in_group = false;
    if (binlog_gtids_set(&a->applied, a->domain, a->server, a->seq) != 0) {
        /* More domains than we keep: we could not resume exactly. */
        binlog_change_everything(&a->change, BINLOG_ALL_POSITION);
    }
    binlog_gtids_format(&a->applied, state, sizeof(state));
    snprintf(a->change.txn, sizeof(a->change.txn), "%u-%u-%llu",
             (unsigned)a->domain, (unsigned)a->server,
             (unsigned long long)a->seq);
    return apply_change(a, &a->change, state, clock_mono_ms(), commit_s);
}

static bool name_is(const char *s, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp(s, want, len) == 0;
}

/* Case-insensitive: does s (len bytes) contain want? */
static bool mentions(const char *s, size_t len, const char *want)
{
    size_t n = strlen(want);

    for (size_t i = 0; s != NULL && i + n <= len; i++)
        if (strncasecmp(s + i, want, n) == 0)
            return true;
    return false;
}

static void on_table_map(struct binlog_apply *a, const struct binlog_event *ev)
{
    uint32_t key;

    if (!name_is(ev->db, ev->db_len, a->bc->schema) ||
        !name_is(ev->table, ev->table_len, a->bc->table))
        return;
    binlog_table_free(&a->table);
    a->mapped = true;
    a->table_id = ev->table_id;
    /* Without a single-column key named in the map (binlog_row_metadata=
     * FULL), or with a column we cannot size, every change of the table
     * invalidates everything: still correct, only coarse. */
    a->map_ok =
        binlog_key_column(ev->pk, ev->pk_len, ev->names, ev->names_len,
                          ev->column_count, &key) == 0 &&
        binlog_table_load(&a->table, ev->types, ev->column_count, ev->meta,
                          ev->meta_len, key) == 0;
    if (!a->map_ok)
        log_msg(LOG_WARN, "apply", "cannot read %s.%s's row images (no "
                                   "single-column key in the table map, or "
                                   "an unknown column type): its changes "
                                   "invalidate everything",
                a->bc->schema, a->bc->table);
}

struct add_arg {
    struct binlog_change *change;
    unsigned kind;
};

/* An update that moved a row to another key shifts pages like a delete
 * of the old key and an insert of the new one. */
static int add_key(uint64_t key, bool moved, void *arg)
{
    struct add_arg *x = arg;

    binlog_change_add(x->change, key,
                      moved ? INVALIDATE_DELETE | INVALIDATE_INSERT : x->kind);
    return 0;
}

static void on_rows(struct binlog_apply *a, const struct binlog_event *ev)
{
    struct add_arg x = {&a->change, ev->row_kind};

    if (!a->mapped || ev->table_id != a->table_id)
        return; /* another table */
    if (a->change.all != BINLOG_ALL_NONE)
        return;
    if (!a->map_ok || !ev->decodable ||
        binlog_rows_keys(&a->table, ev->column_count, ev->present,
                         ev->present_after, ev->row_kind == INVALIDATE_UPDATE,
                         ev->data, ev->data_len, add_key, &x) < 0)
        binlog_change_everything(&a->change, BINLOG_ALL_UNREADABLE);
}

/* A statement. Transaction control passes; anything else that mentions the
 * watched schema or table (DDL, TRUNCATE, a statement-format write) or is
 * part of an XA commit invalidates everything. Returns 1 when it ends the
 * group. */
static int on_query(struct binlog_apply *a, const struct binlog_event *ev)
{
    const char *s = ev->statement;
    size_t n = ev->statement_len;

    if (name_is(s, n, "BEGIN") || (n >= 9 && strncasecmp(s, "SAVEPOINT", 9) == 0))
        return 0;
    if (name_is(s, n, "COMMIT") || name_is(s, n, "ROLLBACK"))
        return 1; /* ROLLBACK: non-transactional changes stay, apply them */
    if ((n >= 3 && strncasecmp(s, "XA ", 3) == 0) ||
        mentions(s, n, a->bc->table) || mentions(s, n, a->bc->schema) ||
        name_is(ev->db, ev->db_len, a->bc->schema))
        binlog_change_everything(&a->change, BINLOG_ALL_STATEMENT);
    return a->standalone ? 1 : 0;
}

int binlog_apply_event(struct binlog_apply *a, const struct binlog_event *ev)
{
    switch (ev->kind) {
    case BEV_GTID:
        binlog_metrics_event(BM_EV_GTID);
        binlog_change_free(&a->change);
        a->in_group = true;
        a->standalone = ev->standalone;
        a->domain = ev->domain;
        a->server = ev->server_id;
        a->seq = ev->seq;
        if (ev->xa) /* the prepared rows become visible at XA COMMIT */
            binlog_change_everything(&a->change, BINLOG_ALL_STATEMENT);
        return 0;
    case BEV_TABLE_MAP:
        binlog_metrics_event(BM_EV_TABLE_MAP);
        on_table_map(a, ev);
        return 0;
    case BEV_ROWS:
        binlog_metrics_event(BM_EV_ROWS);
        if (a->in_group)
            on_rows(a, ev);
        return 0;
    case BEV_QUERY:
        binlog_metrics_event(BM_EV_QUERY);
        if (a->in_group && on_query(a, ev))
            return end_group(a, ev->timestamp);
        return 0;
    case BEV_COMMIT:
        binlog_metrics_event(BM_EV_COMMIT);
        return a->in_group ? end_group(a, ev->timestamp) : 0;
    case BEV_HEARTBEAT:
        binlog_metrics_event(BM_EV_HEARTBEAT);
        return 0;
    case BEV_OTHER:
        binlog_metrics_event(BM_EV_OTHER);
        return 0;
    }
    return 0;
}
