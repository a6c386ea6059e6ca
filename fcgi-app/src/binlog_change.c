/*
 * binlog_change: the id list of one transaction and its fallback to
 * "everything" (binlog_change.h).
 */
#include "binlog_change.h"

#include <stdlib.h>
#include <string.h>

void binlog_change_init(struct binlog_change *c, size_t max_ids)
{
    memset(c, 0, sizeof(*c));
    c->max_ids = max_ids;
}

void binlog_change_everything(struct binlog_change *c,
                              enum binlog_all_reason reason)
{
    if (c->all == BINLOG_ALL_NONE)
        c->all = reason;
    /* The ids no longer matter: give the memory back at once. */
    free(c->ids);
    c->ids = NULL;
    c->n = c->cap = 0;
}

void binlog_change_add(struct binlog_change *c, uint64_t id, unsigned kind)
{
    c->kinds |= kind;
    if (c->all != BINLOG_ALL_NONE)
        return;
    if (c->n >= c->max_ids || id > UINT32_MAX) {
        binlog_change_everything(c, BINLOG_ALL_LARGE);
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        uint32_t *ids = realloc(c->ids, cap * sizeof(*ids));

        if (ids == NULL) {
            binlog_change_everything(c, BINLOG_ALL_LARGE);
            return;
        }
        c->ids = ids;
        c->cap = cap;
    }
    c->ids[c->n++] = (uint32_t)id;
}

bool binlog_change_empty(const struct binlog_change *c)
{
    return c->all == BINLOG_ALL_NONE && c->n == 0;
}

void binlog_change_move(struct binlog_change *c, struct binlog_change *to)
{
    *to = *c;
    binlog_change_init(c, c->max_ids);
}

void binlog_change_merge(struct binlog_change *c,
                         const struct binlog_change *from)
{
    if (from->all != BINLOG_ALL_NONE)
        binlog_change_everything(c, from->all);
    for (size_t i = 0; i < from->n; i++)
        binlog_change_add(c, from->ids[i], 0);
    c->kinds |= from->kinds;
}

void binlog_change_free(struct binlog_change *c)
{
    free(c->ids);
    binlog_change_init(c, c->max_ids);
}

const char *binlog_all_reason_name(enum binlog_all_reason reason)
{
    static const char *const names[BINLOG_ALL_REASONS] = {
        "none", "large", "statement", "unreadable", "position"};

    return reason < BINLOG_ALL_REASONS ? names[reason] : "unknown";
}
