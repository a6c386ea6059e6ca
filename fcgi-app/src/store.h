/*
 * store: the products table through the MySQL C API. One handle is one
 * persistent connection as one database user, opened lazily with bounded
 * connect/read/write timeouts and reopened after any failure. Every query is
 * a prepared statement; request input only ever reaches it as bound
 * parameters. The only file that includes mysql.h.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include "product.h"

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
};

/* STORE_DOWN: nothing was done (no connection, or the statement could not
 * be prepared, so it never ran). STORE_UNCERTAIN (writes only): the
 * statement was sent but failed or timed out, so it may or may not have been
 * applied. */
enum store_result { STORE_OK, STORE_NOT_FOUND, STORE_DOWN, STORE_UNCERTAIN };

/* Allocates a handle (no connection yet); strings are copied. NULL on OOM. */
struct store *store_open(const struct store_options *opt);
void store_close(struct store *s);

/* Rows ordered by id. On STORE_OK the caller owns out (product_list_free). */
enum store_result store_fetch_products(struct store *s, uint32_t limit,
                                       uint32_t offset,
                                       struct product_list *out);

/* One row; on STORE_OK the caller frees out->name. */
enum store_result store_fetch_product(struct store *s, uint32_t id,
                                      struct product *out);

/* Writes (no artificial delay). insert sets *id. update/delete answer
 * STORE_NOT_FOUND when no row has that id. */
enum store_result store_insert_product(struct store *s,
                                       const struct product_input *in,
                                       uint32_t *id);
enum store_result store_update_product(struct store *s, uint32_t id,
                                       const struct product_input *in);
enum store_result store_delete_product(struct store *s, uint32_t id);

/* Returns 0 when the server answers (connecting if needed). */
int store_ping(struct store *s);

#endif
