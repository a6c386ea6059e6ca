/*
 * store: prepared statements over a bounded pool of lazily opened
 * connections as one database user (see store.h). Each connection
 * prepares its statements on first use (the read-only user cannot prepare
 * an INSERT) and forgets them with the connection when anything fails.
 */
#include "store.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

/* After a failed connect, requests answer 503 at once for this long rather
 * than each paying for a connect attempt. */
#define STORE_RETRY_MS 500
/* A write on a connection idle this long pings it first: the server may have
 * closed it (wait_timeout), and a write is not retried blindly. */
#define STORE_IDLE_CHECK_MS 1000
#define PRICE_TEXT_MAX 32
/* Statement time ran out: MariaDB's max_statement_time (ER_STATEMENT_TIMEOUT)
 * and MySQL's max_execution_time (ER_QUERY_TIMEOUT); not in both headers. */
#define STORE_ER_STATEMENT_TIMEOUT 1969
#define STORE_ER_QUERY_TIMEOUT 3024

enum statement {
    STMT_DELAY,
    STMT_LIST,
    STMT_ONE,
    STMT_INSERT,
    STMT_UPDATE,
    STMT_DELETE,
    STMT_COUNT
};

static const char *const statement_sql[STMT_COUNT] = {
    [STMT_DELAY] = "DO SLEEP(?)",
    [STMT_LIST] = "SELECT id, name, price FROM products ORDER BY id "
                  "LIMIT ? OFFSET ?",
    [STMT_ONE] = "SELECT id, name, price FROM products WHERE id = ?",
    [STMT_INSERT] = "INSERT INTO products (name, price) VALUES (?, ?)",
    [STMT_UPDATE] = "UPDATE products SET name = ?, price = ? WHERE id = ?",
    [STMT_DELETE] = "DELETE FROM products WHERE id = ?",
};

/* The pool: settings shared by its connections, and the idle ones. */
struct store {
    char *host, *socket, *database, *user, *password;
    int port;
    unsigned int timeout_s;
    unsigned int read_timeout_s;
    unsigned int lock_wait_s; /* bounded_writes: below read_timeout_s */
    long long delay_ms;
    _Atomic long long retry_at_ms;
    pthread_mutex_t lock;
    pthread_cond_t returned;
    size_t max, open;
    struct conn *idle;
};

/* One connection of the pool, used by one thread at a time. */
struct conn {
    struct store *pool;
    MYSQL *conn;
    MYSQL_STMT *stmts[STMT_COUNT];
    long long last_used_ms;
    struct conn *next_idle;
};

/* One fetched row's buffers, bound as results. */
struct row_buffers {
    uint32_t id;
    char name[PRODUCT_NAME_BYTES_MAX + 1];
    unsigned long name_len;
    char price[PRICE_TEXT_MAX];
    unsigned long price_len;
    MYSQL_BIND bind[3];
};

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

struct store *store_open(const struct store_options *opt)
{
    struct store *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->returned, NULL);
    p->host = dup_or_empty(opt->host);
    p->socket = dup_or_empty(opt->socket);
    p->database = dup_or_empty(opt->database);
    p->user = dup_or_empty(opt->user);
    p->password = dup_or_empty(opt->password);
    if (!p->host || !p->socket || !p->database || !p->user || !p->password) {
        store_close(p);
        return NULL;
    }
    p->port = opt->port;
    p->timeout_s = (unsigned int)opt->timeout_s;
    /* Reads wait for the artificial delay too. */
    p->read_timeout_s =
        (unsigned int)(opt->timeout_s + (opt->delay_ms + 999) / 1000);
    p->delay_ms = opt->delay_ms;
    /* The server gives up on a lock (or on the statement) a second before
     * the client would give up on the server: its error, a rollback, then
     * arrives while the client still listens, and a 503 means "not
     * applied". innodb_lock_wait_timeout counts whole seconds (at least 1),
     * so the read timeout is at least 2 s. */
    if (opt->bounded_writes) {
        p->lock_wait_s = p->timeout_s > 1 ? p->timeout_s - 1 : 1;
        if (p->read_timeout_s < p->lock_wait_s + 1)
            p->read_timeout_s = p->lock_wait_s + 1;
    }
    p->max = opt->max_connections > 0 ? opt->max_connections : 1;
    atomic_init(&p->retry_at_ms, 0);
    return p;
}

static void disconnect(struct conn *s)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        if (s->stmts[i] != NULL)
            mysql_stmt_close(s->stmts[i]);
        s->stmts[i] = NULL;
    }
    if (s->conn != NULL)
        mysql_close(s->conn);
    s->conn = NULL;
}

void store_close(struct store *p)
{
    if (p == NULL)
        return;
    while (p->idle != NULL) {
        struct conn *c = p->idle;

        p->idle = c->next_idle;
        disconnect(c);
        free(c);
    }
    free(p->host);
    free(p->socket);
    free(p->database);
    free(p->user);
    free(p->password);
    pthread_cond_destroy(&p->returned);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int store_library_init(void)
{
    return mysql_library_init(0, NULL, NULL) == 0 ? 0 : -1;
}

void store_library_end(void)
{
    mysql_library_end();
}

void store_thread_end(void)
{
    mysql_thread_end();
}

/* Takes an idle connection, or a new (not yet connected) one while the
 * pool is below its size, or waits up to the connect timeout for one to
 * come back. NULL when none came: the caller answers "database busy". */
static struct conn *acquire(struct store *p)
{
    struct conn *c = NULL;
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += p->timeout_s;
    pthread_mutex_lock(&p->lock);
    while (p->idle == NULL && p->open >= p->max) {
        if (pthread_cond_timedwait(&p->returned, &p->lock, &deadline) != 0)
            break;
    }
    if (p->idle != NULL) {
        c = p->idle;
        p->idle = c->next_idle;
    } else if (p->open < p->max) {
        c = calloc(1, sizeof(*c));
        if (c != NULL) {
            c->pool = p;
            p->open++;
        }
    }
    pthread_mutex_unlock(&p->lock);
    if (c == NULL)
        log_msg(LOG_WARN, "store", "no free connection (user %s, %zu open)",
                p->user, p->max);
    return c;
}

static void release(struct store *p, struct conn *c)
{
    pthread_mutex_lock(&p->lock);
    c->next_idle = p->idle;
    p->idle = c;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->lock);
}

/* Logs the failure, counts it and drops the connection: the next call
 * reconnects and re-prepares. */
static enum store_result fail(struct conn *s, const char *what,
                              const char *detail)
{
    log_msg(LOG_WARN, "store", "%s failed (user %s): %s", what, s->pool->user,
            detail);
    metrics_count(METRIC_DB_ERRORS);
    disconnect(s);
    return STORE_DOWN;
}

/* The session bounds of a write connection (see store_open): InnoDB's row
 * lock wait, the metadata lock wait, and on MariaDB the statement time
 * (max_statement_time; MySQL has none for writes, max_execution_time is
 * SELECT-only, and a single-row write by primary key only waits on locks,
 * which the first two bound). */
static bool is_mariadb(struct conn *s);

static bool bound_session(struct conn *s)
{
    char sql[160];
    unsigned int w = s->pool->lock_wait_s;

    /* Each write's OK packet then names its GTID (own_gtid()). */
    if (is_mariadb(s) &&
        mysql_query(s->conn,
                    "SET SESSION session_track_system_variables = "
                    "'last_gtid'") != 0)
        return false;

    snprintf(sql, sizeof(sql),
             "SET SESSION innodb_lock_wait_timeout = %u, "
             "SESSION lock_wait_timeout = %u",
             w, w);
    if (mysql_query(s->conn, sql) != 0)
        return false;
    snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %u", w);
    if (mysql_query(s->conn, sql) != 0 &&
        mysql_errno(s->conn) != ER_UNKNOWN_SYSTEM_VARIABLE)
        return false;
    return true;
}

static bool connect_if_needed(struct conn *s)
{
    const char *socket = s->pool->socket[0] ? s->pool->socket : NULL;
    const char *host = socket ? "localhost" : s->pool->host;
    bool no_reconnect = false;

    if (s->conn != NULL)
        return true;
    if (clock_mono_ms() < atomic_load(&s->pool->retry_at_ms))
        return false;
    s->conn = mysql_init(NULL);
    if (s->conn == NULL)
        return false;
    mysql_options(s->conn, MYSQL_OPT_CONNECT_TIMEOUT, &s->pool->timeout_s);
    mysql_options(s->conn, MYSQL_OPT_READ_TIMEOUT, &s->pool->read_timeout_s);
    mysql_options(s->conn, MYSQL_OPT_WRITE_TIMEOUT, &s->pool->timeout_s);
    mysql_options(s->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* We reconnect ourselves, re-preparing statements; a silent driver
     * reconnect would leave them dangling. */
    mysql_options(s->conn, MYSQL_OPT_RECONNECT, &no_reconnect);
    /* CLIENT_FOUND_ROWS: an UPDATE that matches a row but changes nothing
     * still reports it, so "not found" means not found. */
    if (mysql_real_connect(s->conn, host, s->pool->user, s->pool->password, s->pool->database,
                           (unsigned int)s->pool->port, socket,
                           CLIENT_FOUND_ROWS) == NULL) {
        atomic_store(&s->pool->retry_at_ms, clock_mono_ms() + STORE_RETRY_MS);
        fail(s, "connect", mysql_error(s->conn));
        return false;
    }
    /* Each statement its own transaction, whatever the server's default
     * (autocommit=0, or an init_connect turning it off): else a reader
     * would keep one snapshot for the connection's life, and a write would
     * never commit. */
    if (mysql_autocommit(s->conn, true) != 0) {
        atomic_store(&s->pool->retry_at_ms, clock_mono_ms() + STORE_RETRY_MS);
        fail(s, "turning autocommit on", mysql_error(s->conn));
        return false;
    }
    if (s->pool->lock_wait_s > 0 && !bound_session(s)) {
        atomic_store(&s->pool->retry_at_ms, clock_mono_ms() + STORE_RETRY_MS);
        fail(s, "bounding the write session", mysql_error(s->conn));
        return false;
    }
    return true;
}

/* Errors after which the server has rolled the statement back: it did not
 * happen. */
static bool rolled_back(unsigned int err)
{
    return err == ER_LOCK_WAIT_TIMEOUT || err == ER_LOCK_DEADLOCK ||
           err == STORE_ER_STATEMENT_TIMEOUT || err == STORE_ER_QUERY_TIMEOUT;
}

static MYSQL_STMT *statement(struct conn *s, enum statement which)
{
    MYSQL_STMT *stmt;

    if (s->stmts[which] != NULL)
        return s->stmts[which];
    stmt = mysql_stmt_init(s->conn);
    if (stmt == NULL)
        return NULL;
    if (mysql_stmt_prepare(stmt, statement_sql[which],
                           strlen(statement_sql[which])) != 0) {
        log_msg(LOG_WARN, "store", "prepare failed: %s",
                mysql_stmt_error(stmt));
        mysql_stmt_close(stmt);
        return NULL;
    }
    s->stmts[which] = stmt;
    return stmt;
}

static void bind_u32(MYSQL_BIND *b, uint32_t *v)
{
    memset(b, 0, sizeof(*b));
    b->buffer_type = MYSQL_TYPE_LONG;
    b->buffer = v;
    b->is_unsigned = true;
}

/* Runs stmt with params bound. STORE_OK sets *out. STORE_DOWN: the statement
 * never ran (it could not be prepared or bound), so nothing changed.
 * STORE_UNCERTAIN: it was sent and failed or timed out, so a write may have
 * been applied. Either failure drops the connection. */
static enum store_result execute(struct conn *s, enum statement which,
                                 MYSQL_BIND *params, MYSQL_STMT **out)
{
    MYSQL_STMT *stmt = statement(s, which);
    long long started;

    if (stmt == NULL)
        return fail(s, "prepare", mysql_error(s->conn));
    if (params != NULL && mysql_stmt_bind_param(stmt, params) != 0)
        return fail(s, "bind", mysql_stmt_error(stmt));
    started = metrics_clock();
    if (mysql_stmt_execute(stmt) != 0) {
        unsigned int err = mysql_stmt_errno(stmt);

        metrics_observe(MTIMER_MYSQL, started);
        fail(s, statement_sql[which], mysql_stmt_error(stmt));
        return rolled_back(err) ? STORE_DOWN : STORE_UNCERTAIN;
    }
    metrics_observe(MTIMER_MYSQL, started);
    s->last_used_ms = clock_mono_ms();
    *out = stmt;
    return STORE_OK;
}

/* The simulated slow query, executed by the server itself. */
static int run_delay(struct conn *s)
{
    MYSQL_BIND param;
    MYSQL_STMT *stmt;
    double seconds = (double)s->pool->delay_ms / 1000.0;

    if (s->pool->delay_ms <= 0)
        return 0;
    memset(&param, 0, sizeof(param));
    param.buffer_type = MYSQL_TYPE_DOUBLE;
    param.buffer = &seconds;
    if (execute(s, STMT_DELAY, &param, &stmt) != STORE_OK)
        return -1;
    mysql_stmt_free_result(stmt);
    return 0;
}

static void bind_row(struct row_buffers *row)
{
    memset(row->bind, 0, sizeof(row->bind));
    bind_u32(&row->bind[0], &row->id);
    row->bind[1].buffer_type = MYSQL_TYPE_STRING;
    row->bind[1].buffer = row->name;
    row->bind[1].buffer_length = sizeof(row->name) - 1;
    row->bind[1].length = &row->name_len;
    row->bind[2].buffer_type = MYSQL_TYPE_STRING;
    row->bind[2].buffer = row->price;
    row->bind[2].buffer_length = sizeof(row->price) - 1;
    row->bind[2].length = &row->price_len;
}

/* Copies the fetched row out; -1 when out of memory. */
static int take_row(struct row_buffers *row, struct product *out)
{
    row->name[row->name_len < sizeof(row->name) ? row->name_len
                                                : sizeof(row->name) - 1] =
        '\0';
    row->price[row->price_len < sizeof(row->price) ? row->price_len
                                                   : sizeof(row->price) - 1] =
        '\0';
    out->id = row->id;
    out->price = strtod(row->price, NULL);
    out->name = strdup(row->name);
    return out->name ? 0 : -1;
}

/* Runs a SELECT and collects up to max_rows rows into items. */
static enum store_result select_rows(struct conn *s, enum statement which,
                                     MYSQL_BIND *params, size_t max_rows,
                                     struct product_list *out)
{
    struct row_buffers *row;
    MYSQL_STMT *stmt;
    enum store_result result = STORE_DOWN;
    int rc;

    out->items = NULL;
    out->count = 0;
    if (!connect_if_needed(s))
        return STORE_DOWN;
    if (run_delay(s) != 0 || execute(s, which, params, &stmt) != STORE_OK)
        return STORE_DOWN;
    row = malloc(sizeof(*row));
    if (row == NULL)
        goto free_result;
    bind_row(row);
    if (mysql_stmt_bind_result(stmt, row->bind) != 0 ||
        mysql_stmt_store_result(stmt) != 0) {
        result = fail(s, "fetch", mysql_stmt_error(stmt));
        goto free_row;
    }
    size_t rows = (size_t)mysql_stmt_num_rows(stmt);
    if (rows > max_rows)
        rows = max_rows;
    out->items = calloc(rows ? rows : 1, sizeof(*out->items));
    if (out->items == NULL)
        goto free_row;
    while (out->count < rows && (rc = mysql_stmt_fetch(stmt)) != MYSQL_NO_DATA) {
        /* Truncation cannot happen with buffers sized from the schema; if it
         * does, the schema changed and a clear failure beats a cut name. */
        if (rc != 0) {
            result = fail(s, "fetch row", rc == MYSQL_DATA_TRUNCATED
                                              ? "column truncated"
                                              : mysql_stmt_error(stmt));
            product_list_free(out);
            goto free_row;
        }
        if (take_row(row, &out->items[out->count]) != 0) {
            product_list_free(out);
            goto free_row;
        }
        out->count++;
    }
    result = out->count == 0 && which == STMT_ONE ? STORE_NOT_FOUND : STORE_OK;
    if (result == STORE_NOT_FOUND)
        product_list_free(out);
free_row:
    free(row);
free_result:
    if (s->stmts[which] != NULL)
        mysql_stmt_free_result(stmt);
    return result;
}

/* A persistent connection can be closed by the server while idle
 * (wait_timeout, a restart). A read that fails on a reused connection is
 * retried once on a fresh one before the client sees an error. */
static enum store_result select_with_retry(struct store *p,
                                           enum statement which,
                                           MYSQL_BIND *params, size_t max_rows,
                                           struct product_list *out)
{
    struct conn *s = acquire(p);
    bool reused;
    enum store_result result;

    if (s == NULL)
        return STORE_DOWN;
    reused = s->conn != NULL;
    result = select_rows(s, which, params, max_rows, out);
    if (result == STORE_DOWN && reused && s->conn == NULL) {
        atomic_store(&p->retry_at_ms, 0);
        result = select_rows(s, which, params, max_rows, out);
    }
    release(p, s);
    return result;
}

enum store_result store_fetch_products(struct store *s, uint32_t limit,
                                       uint32_t offset,
                                       struct product_list *out)
{
    MYSQL_BIND params[2];

    bind_u32(&params[0], &limit);
    bind_u32(&params[1], &offset);
    return select_with_retry(s, STMT_LIST, params, limit, out);
}

enum store_result store_fetch_product(struct store *s, uint32_t id,
                                      struct product *out)
{
    MYSQL_BIND param;
    struct product_list list;
    enum store_result result;

    bind_u32(&param, &id);
    result = select_with_retry(s, STMT_ONE, &param, 1, &list);
    if (result == STORE_OK) {
        *out = list.items[0];
        free(list.items);
    }
    return result;
}

/* Binds name and price (as exact decimal text, so 0.1 stays 0.10). */
static void bind_input(MYSQL_BIND *b, const struct product_input *in,
                       unsigned long *name_len, char *price,
                       unsigned long *price_len)
{
    *name_len = (unsigned long)strlen(in->name);
    *price_len = (unsigned long)snprintf(price, PRICE_TEXT_MAX, "%.2f",
                                         in->price);
    memset(b, 0, 2 * sizeof(*b));
    b[0].buffer_type = MYSQL_TYPE_STRING;
    b[0].buffer = (void *)(uintptr_t)in->name;
    b[0].buffer_length = *name_len;
    b[0].length = name_len;
    b[1].buffer_type = MYSQL_TYPE_STRING; /* the server converts exactly */
    b[1].buffer = price;
    b[1].buffer_length = *price_len;
    b[1].length = price_len;
}

/* The last_gtid the server tracked in the write's OK packet into txn
 * ("" without one). The tracker hands out name, value, name, value... */
static void own_gtid(struct conn *s, char txn[STORE_TXN_MAX])
{
    const char *data;
    size_t len;
    bool value_next = false;

    txn[0] = '\0';
    if (mysql_session_track_get_first(s->conn, SESSION_TRACK_SYSTEM_VARIABLES,
                                      &data, &len) != 0)
        return;
    do {
        if (value_next) {
            if (len > 0 && len < STORE_TXN_MAX) {
                memcpy(txn, data, len);
                txn[len] = '\0';
            }
            return;
        }
        value_next = len == 9 && memcmp(data, "last_gtid", 9) == 0;
    } while (mysql_session_track_get_next(s->conn,
                                          SESSION_TRACK_SYSTEM_VARIABLES,
                                          &data, &len) == 0);
}

/* Runs a write; *affected gets the matched row count, txn its GTID. */
static enum store_result write_on(struct conn *s, enum statement which,
                                    MYSQL_BIND *params, uint64_t *affected,
                                    uint32_t *insert_id,
                                    char txn[STORE_TXN_MAX])
{
    MYSQL_STMT *stmt;
    enum store_result result;

    /* Unlike a read, a failed write is not retried (an INSERT might have
     * landed), so a connection that sat idle is checked before use. */
    if (s->conn != NULL &&
        clock_mono_ms() - s->last_used_ms > STORE_IDLE_CHECK_MS &&
        mysql_ping(s->conn) != 0) {
        log_msg(LOG_INFO, "store", "idle connection was closed, reopening");
        disconnect(s);
    }
    txn[0] = '\0';
    if (!connect_if_needed(s))
        return STORE_DOWN;
    /* STORE_DOWN when it never ran; STORE_UNCERTAIN when it was sent but
     * not answered: the server may still have applied it. */
    result = execute(s, which, params, &stmt);
    if (result != STORE_OK)
        return result;
    own_gtid(s, txn);
    *affected = (uint64_t)mysql_stmt_affected_rows(stmt);
    if (insert_id != NULL)
        *insert_id = (uint32_t)mysql_stmt_insert_id(stmt);
    return *affected == 0 ? STORE_NOT_FOUND : STORE_OK;
}

static enum store_result write_rows(struct store *p, enum statement which,
                                    MYSQL_BIND *params, uint64_t *affected,
                                    uint32_t *insert_id,
                                    char txn[STORE_TXN_MAX])
{
    struct conn *s = acquire(p);
    enum store_result result;

    txn[0] = '\0';
    if (s == NULL)
        return STORE_DOWN; /* nothing was sent */
    result = write_on(s, which, params, affected, insert_id, txn);
    release(p, s);
    return result;
}

enum store_result store_insert_product(struct store *s,
                                       const struct product_input *in,
                                       uint32_t *id, char txn[STORE_TXN_MAX])
{
    MYSQL_BIND params[2];
    unsigned long name_len, price_len;
    char price[PRICE_TEXT_MAX];
    uint64_t affected;

    bind_input(params, in, &name_len, price, &price_len);
    return write_rows(s, STMT_INSERT, params, &affected, id, txn);
}

enum store_result store_update_product(struct store *s, uint32_t id,
                                       const struct product_input *in,
                                       char txn[STORE_TXN_MAX])
{
    MYSQL_BIND params[3];
    unsigned long name_len, price_len;
    char price[PRICE_TEXT_MAX];
    uint64_t affected;

    bind_input(params, in, &name_len, price, &price_len);
    bind_u32(&params[2], &id);
    return write_rows(s, STMT_UPDATE, params, &affected, NULL, txn);
}

enum store_result store_delete_product(struct store *s, uint32_t id,
                                       char txn[STORE_TXN_MAX])
{
    MYSQL_BIND param;
    uint64_t affected;

    bind_u32(&param, &id);
    return write_rows(s, STMT_DELETE, &param, &affected, NULL, txn);
}

int store_ping(struct store *p)
{
    struct conn *s = acquire(p);
    int rc = 0;

    if (s == NULL)
        return -1;
    /* Within the back-off after a failed connect this answers "down"
     * without trying: a probe must not hammer a database that is away. */
    if (!connect_if_needed(s)) {
        rc = -1;
    } else if (mysql_ping(s->conn) != 0) {
        fail(s, "ping", mysql_error(s->conn));
        rc = -1;
    }
    release(p, s);
    return rc;
}

/* --- GTID positions, for reads on replicas (readhost.c) -------------------
 * Plain queries, not prepared: they run rarely (once per write, once per
 * rebuild on a replica) and the position is checked character by character
 * before it is quoted into the SQL. MariaDB and MySQL 8 name the position
 * and the wait differently; the server tells which it is. */

static bool is_mariadb(struct conn *s)
{
    const char *info = mysql_get_server_info(s->conn);

    return info != NULL && strstr(info, "MariaDB") != NULL;
}

/* Runs sql and copies the first column of its first row into out ("" for
 * NULL). -1 on any failure (the connection is dropped). */
static int scalar_query(struct conn *s, const char *sql, char *out,
                        size_t outlen)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    unsigned long *lengths;

    if (mysql_query(s->conn, sql) != 0) {
        fail(s, sql, mysql_error(s->conn));
        return -1;
    }
    res = mysql_store_result(s->conn);
    if (res == NULL) {
        fail(s, sql, mysql_error(s->conn));
        return -1;
    }
    row = mysql_fetch_row(res);
    lengths = mysql_fetch_lengths(res);
    if (row == NULL || lengths == NULL || lengths[0] >= outlen) {
        mysql_free_result(res);
        return -1;
    }
    memcpy(out, row[0] ? row[0] : "", row[0] ? lengths[0] : 0);
    out[row[0] ? lengths[0] : 0] = '\0';
    mysql_free_result(res);
    s->last_used_ms = clock_mono_ms();
    return 0;
}

int store_gtid_position(struct store *p, char *out, size_t outlen)
{
    struct conn *s = acquire(p);
    int rc = -1;

    if (s == NULL)
        return -1;
    if (connect_if_needed(s))
        rc = scalar_query(s,
                          is_mariadb(s) ? "SELECT @@GLOBAL.gtid_binlog_pos"
                                        : "SELECT @@GLOBAL.gtid_executed",
                          out, outlen);
    release(p, s);
    return rc == 0 && out[0] != '\0' ? 0 : -1;
}

/* Digits, hex, '-', ':' and ',' (and a MySQL set's line breaks) only. */
static bool valid_position(const char *pos)
{
    if (pos[0] == '\0' || strlen(pos) > STORE_GTID_MAX - 1)
        return false;
    return strspn(pos, "0123456789abcdefABCDEF-:,\n") == strlen(pos);
}

enum store_result store_gtid_wait(struct store *p, const char *pos,
                                  long long timeout_ms)
{
    char sql[STORE_GTID_MAX + 96], answer[16];
    struct conn *s;
    enum store_result result = STORE_DOWN;

    if (!valid_position(pos))
        return STORE_DOWN;
    s = acquire(p);
    if (s == NULL)
        return STORE_DOWN;
    if (connect_if_needed(s)) {
        /* MariaDB: 0 reached, -1 timed out. MySQL: 0 reached, 1 timed
         * out. */
        snprintf(sql, sizeof(sql),
                 is_mariadb(s) ? "SELECT MASTER_GTID_WAIT('%s', %.3f)"
                               : "SELECT WAIT_FOR_EXECUTED_GTID_SET('%s', "
                                 "%.3f)",
                 pos, (double)timeout_ms / 1000.0);
        if (scalar_query(s, sql, answer, sizeof(answer)) == 0)
            result = strcmp(answer, "0") == 0 ? STORE_OK : STORE_NOT_FOUND;
    }
    release(p, s);
    return result;
}
