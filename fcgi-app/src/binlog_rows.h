/*
 * binlog_rows: the primary key out of row-based binlog events, decoded from
 * the raw bytes with no library. A table map gives each column's type and
 * metadata; a rows event is a run of row images (a null bitmap, then the
 * present non-NULL columns packed back to back). Only the key is wanted,
 * but reaching the next row means knowing every column's length, so the
 * common types are sized here; anything else (an unknown type, a short
 * buffer, a NULL key) is an error and the caller invalidates everything.
 * Pure functions, no I/O: unit-tested with hand-made images.
 */
#ifndef BINLOG_ROWS_H
#define BINLOG_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A table as a table map event describes it. */
struct binlog_table {
    uint32_t column_count;
    unsigned char *types; /* column_count MYSQL_TYPE_* codes */
    uint16_t *meta;       /* column_count decoded metadata words */
    uint32_t key_column;  /* the single-column primary key */
};

/*
 * Fills t from a table map's column types (count bytes), its metadata
 * block (meta_len bytes) and the key column's index. Returns 0, or -1 when
 * a type is not one this file can size, the metadata is short, the key is
 * out of range or not an integer, or memory ran out (t is then empty).
 * Release with binlog_table_free().
 */
int binlog_table_load(struct binlog_table *t, const unsigned char *types,
                      uint32_t count, const unsigned char *meta,
                      size_t meta_len, uint32_t key_column);
void binlog_table_free(struct binlog_table *t);

/*
 * The key column's index from a table map's optional metadata: the
 * SIMPLE_PRIMARY_KEY list when it names exactly one column, else the column
 * called "id" in COLUMN_NAME (both are written with binlog_row_metadata=
 * FULL). Returns 0 with *key_column set, or -1 when neither says.
 */
int binlog_key_column(const unsigned char *pk, size_t pk_len,
                      const unsigned char *names, size_t names_len,
                      uint32_t count, uint32_t *key_column);

/* Called with each key found; moved is true for both keys of an update
 * that changed the key itself (the row left one place in the ordering for
 * another). Returns 0 to go on, -1 to stop (the decode then fails). */
typedef int (*binlog_key_fn)(uint64_t key, bool moved, void *arg);

/*
 * Walks the row images of one rows event of table t. present is the
 * event's column bitmap; with update, each row is a before image (present)
 * then an after image (present_after): its key is passed once when both
 * images have the same, else both are, as moved. Every key is passed to fn. Returns
 * the number of rows, or -1 when the bytes do not decode exactly to the
 * end, the key is absent from an image or NULL, or fn stopped.
 */
long binlog_rows_keys(const struct binlog_table *t, uint32_t column_count,
                      const unsigned char *present,
                      const unsigned char *present_after, bool update,
                      const unsigned char *data, size_t len, binlog_key_fn fn,
                      void *arg);

#endif
