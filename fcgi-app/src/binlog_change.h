/*
 * binlog_change: what one committed transaction changed in the watched
 * table, as the invalidator will pass it to invalidate.h: a list of ids
 * with the kinds of change, or "everything" with the reason (a large
 * transaction, DDL, an event that could not be read). Pure bookkeeping.
 */
#ifndef BINLOG_CHANGE_H
#define BINLOG_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a change is "everything"; also the label of the fallback counter. */
enum binlog_all_reason {
    BINLOG_ALL_NONE,       /* not everything: the ids say it all */
    BINLOG_ALL_LARGE,      /* more rows than max_ids */
    BINLOG_ALL_STATEMENT,  /* DDL, TRUNCATE, or any other statement */
    BINLOG_ALL_UNREADABLE, /* a rows event that did not decode */
    BINLOG_ALL_POSITION,   /* start, lost position, or any doubt */
    BINLOG_ALL_REASONS
};

/* A transaction's own GTID as text, "domain-server-seq", with its NUL. */
#define BINLOG_TXN_MAX 48

struct binlog_change {
    uint32_t *ids; /* malloc'd, n of them (duplicates possible) */
    size_t n, cap, max_ids;
    unsigned kinds; /* enum invalidate_kind mask */
    enum binlog_all_reason all;
    char txn[BINLOG_TXN_MAX]; /* one transaction's GTID ("": several, or
                                 none) */
};

/* An empty change that turns into "everything" past max_ids ids. */
void binlog_change_init(struct binlog_change *c, size_t max_ids);

/* Adds id with kind. Past max_ids, or when memory runs out, the change
 * becomes "everything" (BINLOG_ALL_LARGE). */
void binlog_change_add(struct binlog_change *c, uint64_t id, unsigned kind);

/* Makes the change "everything" for reason (the first reason stays). */
void binlog_change_everything(struct binlog_change *c,
                              enum binlog_all_reason reason);

/* True when there is nothing to invalidate. */
bool binlog_change_empty(const struct binlog_change *c);

/* Moves c into *to (which must be free) and leaves c empty. */
void binlog_change_move(struct binlog_change *c, struct binlog_change *to);

/* Adds everything of from into c (used to merge due changes). */
void binlog_change_merge(struct binlog_change *c,
                         const struct binlog_change *from);

void binlog_change_free(struct binlog_change *c);

/* "large", "statement", ... for logs and metric labels. */
const char *binlog_all_reason_name(enum binlog_all_reason reason);

#endif
