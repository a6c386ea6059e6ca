/*
 * store: the products table through the MySQL C API. One handle is a pool
 * of at most max_connections persistent connections as one database user,
 * shared by the threads of a process: each call takes a connection for its
 * duration (waiting, up to the connect timeout, when all are in use). A
 * connection is opened lazily with bounded connect/read/write timeouts and
 * reopened after any failure. Every query is
 * a prepared statement; request input only ever reaches it as bound
 * parameters. The only file that includes mysql.h.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rows.h"

struct store;

struct store_options {
    const char *host; /* used when socket is empty */
    int port;
    const char *socket;
    const char *database;
    const char *user;
    const char *password;
    long long timeout_s;
    long long delay_ms; /* DO SLEEP run before every read (0: none) */
    size_t max_connections;
    /* Writes: each statement's lock wait and run time bounded below the
     * read timeout, so a timed-out write is known not to have happened. */
    bool bounded_writes;
};

/* STORE_DOWN: nothing was done (no connection, none free in time, the
 * statement could not be prepared, so it never ran, or the server rolled it
 * back: a lock wait or the statement time ran out, a deadlock). STORE_UNCERTAIN
 * (writes only): the statement was sent but failed or timed out, so it may
 * or may not have been applied. */
enum store_result { STORE_OK, STORE_NOT_FOUND, STORE_DOWN, STORE_UNCERTAIN };

/* Once per process, before any thread uses the library; and at exit. */
int store_library_init(void);
void store_library_end(void);
/* Releases the library's per-thread state; called by each thread at exit. */
void store_thread_end(void);

/* Allocates a pool (no connection yet); strings are copied. NULL on OOM.
 * Thread-safe once made; store_close() when no thread uses it any more. */
struct store *store_open(const struct store_options *opt);
void store_close(struct store *s);

/* Rows ordered by id. On STORE_OK the caller owns out (product_list_free). */
enum store_result store_fetch_products(struct store *s, uint32_t limit,
                                       uint32_t offset,
                                       struct product_list *out);

/* One row; on STORE_OK the caller frees out->name. */
enum store_result store_fetch_product(struct store *s, uint32_t id,
                                      struct product *out);

/* The GTID of one transaction, with its NUL ("d-s-n" on MariaDB). */
#define STORE_TXN_MAX 64

/* Writes (no artificial delay). insert sets *id. update/delete answer
 * STORE_NOT_FOUND when no row has that id. txn gets the write's own GTID as
 * the server reported it (MariaDB's session-tracked last_gtid), or "" when
 * it did not (MySQL, binary logging off). */
enum store_result store_insert_product(struct store *s,
                                       const struct product_input *in,
                                       uint32_t *id, char txn[STORE_TXN_MAX]);
enum store_result store_update_product(struct store *s, uint32_t id,
                                       const struct product_input *in,
                                       char txn[STORE_TXN_MAX]);
enum store_result store_delete_product(struct store *s, uint32_t id,
                                       char txn[STORE_TXN_MAX]);

/* Returns 0 when the server answers (connecting if needed). */
int store_ping(struct store *s);

/* The longest GTID position (with its NUL) the functions below handle. */
#define STORE_GTID_MAX 512

/* The server's GTID position (@@gtid_binlog_pos on MariaDB, @@gtid_executed
 * on MySQL), read after a commit on the primary: it includes that commit.
 * 0 with out set, or -1. */
int store_gtid_position(struct store *s, char *out, size_t outlen);

/* Waits up to timeout_ms for this server (a replica) to have applied pos
 * (MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET). STORE_OK: it has, reads
 * here now see every write up to pos; STORE_NOT_FOUND: timed out;
 * STORE_DOWN: no answer, or pos is not a position. */
enum store_result store_gtid_wait(struct store *s, const char *pos,
                                  long long timeout_ms);

#endif
