/*
 * binlog_stream: the replication connection (binlog_stream.h). Owns
 * connecting, the session variables a MariaDB replica sets before
 * COM_BINLOG_DUMP, and the mapping of library events and errors; decides
 * nothing about invalidation.
 */
#include "binlog_stream.h"

#include <errmsg.h>
#include <mysql.h>
#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invalidate.h"

/* MariaDB's "fatal error reading binlog": a purged or unknown position. */
#define ER_MASTER_FATAL_READING_BINLOG 1236

struct binlog_stream {
    MYSQL *mysql;
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *ev; /* the last event, reused by the next fetch */
};

static MYSQL *connect_db(const struct binlog_stream_options *o, char *err,
                         size_t errlen)
{
    MYSQL *m = mysql_init(NULL);
    unsigned read_s = (unsigned)o->read_timeout_s;
    unsigned connect_s = (unsigned)o->connect_timeout_s;

    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    /* Every read, the stream's included: with heartbeats coming every
     * heartbeat_ms, silence this long means the link is gone. */
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &read_s);
    if (mysql_real_connect(m, o->socket[0] ? NULL : o->host, o->user,
                           o->password, NULL,
                           o->socket[0] ? 0 : (unsigned)o->port,
                           o->socket[0] ? o->socket : NULL, 0) == NULL) {
        snprintf(err, errlen, "connect: %s", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

/* Runs one statement that returns nothing. 0, or -1 with err filled. */
static int run(MYSQL *m, const char *sql, char *err, size_t errlen)
{
    if (mysql_query(m, sql) == 0)
        return 0;
    snprintf(err, errlen, "%.40s...: %s", sql, mysql_error(m));
    return -1;
}

int binlog_stream_server_position(const struct binlog_stream_options *o,
                                  char *out, size_t outlen, char *err,
                                  size_t errlen)
{
    MYSQL *m = connect_db(o, err, errlen);
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rc = -1;

    if (m == NULL)
        return -1;
    if (mysql_query(m, "SELECT @@version, @@gtid_binlog_pos") != 0 ||
        (res = mysql_store_result(m)) == NULL) {
        /* MySQL has no @@gtid_binlog_pos: the same answer as below. */
        snprintf(err, errlen, "SELECT @@gtid_binlog_pos: %s (MariaDB only)",
                 mysql_error(m));
        goto close;
    }
    row = mysql_fetch_row(res);
    if (row == NULL || row[0] == NULL || strstr(row[0], "MariaDB") == NULL)
        snprintf(err, errlen, "not a MariaDB server: MySQL's GTIDs are "
                              "not supported (docs/binlog-invalidator.md)");
    else if (snprintf(out, outlen, "%s", row[1] ? row[1] : "") >= (int)outlen)
        snprintf(err, errlen, "the GTID position is too long");
    else
        rc = 0;
    mysql_free_result(res);
close:
    mysql_close(m);
    return rc;
}

struct binlog_stream *binlog_stream_open(const struct binlog_stream_options *o,
                                         const char *gtid_state, char *err,
                                         size_t errlen)
{
    struct binlog_stream *s = calloc(1, sizeof(*s));
    char sql[1024];
    char *quoted = NULL;
    size_t len = strlen(gtid_state);

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if ((s->mysql = connect_db(o, err, errlen)) == NULL)
        goto fail;
    quoted = malloc(len * 2 + 1);
    if (quoted == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    mysql_real_escape_string(s->mysql, quoted, gtid_state,
                             (unsigned long)len);
    /* As a MariaDB replica: checksums as the server writes them, GTID
     * events (capability 4), our position, strict GTID checks (an odd
     * position is an error, not a guess), and a heartbeat in ns. */
    if (run(s->mysql, "SET @master_binlog_checksum = @@global.binlog_checksum",
            err, errlen) != 0 ||
        run(s->mysql, "SET @mariadb_slave_capability = 4", err, errlen) != 0)
        goto fail;
    if (snprintf(sql, sizeof(sql), "SET @slave_connect_state = '%s'",
                 quoted) >= (int)sizeof(sql)) {
        snprintf(err, errlen, "the GTID state is too long");
        goto fail;
    }
    if (run(s->mysql, sql, err, errlen) != 0 ||
        run(s->mysql, "SET @slave_gtid_strict_mode = 1", err, errlen) != 0)
        goto fail;
    snprintf(sql, sizeof(sql), "SET @master_heartbeat_period = %lld",
             o->heartbeat_ms * 1000000LL);
    if (run(s->mysql, sql, err, errlen) != 0)
        goto fail;
    if ((s->rpl = mariadb_rpl_init(s->mysql)) == NULL) {
        snprintf(err, errlen, "mariadb_rpl_init failed");
        goto fail;
    }
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_SERVER_ID, o->server_id);
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_START, 4UL);
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_FLAGS, 0U);
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_VERIFY_CHECKSUM, 1U);
    /* COM_REGISTER_SLAVE: the server lists us under SHOW SLAVE HOSTS. */
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_HOST, "binlog-invalidator");
    mariadb_rpl_optionsv(s->rpl, MARIADB_RPL_PORT, 0U);
    if (mariadb_rpl_open(s->rpl) != 0) {
        snprintf(err, errlen, "binlog dump: %s",
                 mysql_errno(s->mysql) ? mysql_error(s->mysql)
                                       : mariadb_rpl_error(s->rpl));
        goto fail;
    }
    free(quoted);
    return s;
fail:
    free(quoted);
    binlog_stream_close(s);
    return NULL;
}

void binlog_stream_close(struct binlog_stream *s)
{
    if (s == NULL)
        return;
    if (s->ev != NULL)
        mariadb_free_rpl_event(s->ev);
    if (s->rpl != NULL)
        mariadb_rpl_close(s->rpl);
    if (s->mysql != NULL)
        mysql_close(s->mysql);
    free(s);
}

/* Errors the library raises for event bytes it cannot take. */
static bool unreadable_code(unsigned code)
{
    return code >= CR_ERR_BINLOG_UNCOMPRESS && code <= CR_BINLOG_SEMI_SYNC_ERROR;
}

static enum binlog_next failure(struct binlog_stream *s, char *err,
                                size_t errlen)
{
    unsigned db = mysql_errno(s->mysql), lib = mariadb_rpl_errno(s->rpl);

    if (db == ER_MASTER_FATAL_READING_BINLOG) {
        snprintf(err, errlen, "%s", mysql_error(s->mysql));
        return BINLOG_POSITION_LOST;
    }
    if (unreadable_code(db) || unreadable_code(lib)) {
        snprintf(err, errlen, "%s",
                 lib ? mariadb_rpl_error(s->rpl) : mysql_error(s->mysql));
        return BINLOG_UNREADABLE;
    }
    snprintf(err, errlen, "%s",
             db ? mysql_error(s->mysql) : "the server ended the stream");
    return BINLOG_DISCONNECTED;
}

static void fill_rows(const MARIADB_RPL_EVENT *e, struct binlog_event *ev)
{
    const struct st_mariadb_rpl_rows_event *r = &e->event.rows;
    size_t bitmap = (r->column_count + 7) / 8;

    ev->table_id = r->table_id;
    ev->row_kind = r->type == WRITE_ROWS    ? INVALIDATE_INSERT
                   : r->type == UPDATE_ROWS ? INVALIDATE_UPDATE
                                            : INVALIDATE_DELETE;
    ev->column_count = r->column_count;
    ev->present = r->column_bitmap;
    ev->present_after = r->column_update_bitmap;
    ev->data = r->row_data;
    ev->data_len = r->row_data_size;
    ev->decodable = r->row_data != NULL && r->column_bitmap != NULL;
    /* MySQL's v2 UPDATE_ROWS_EVENT: the library leaves the after-image
     * bitmap at the front of the row data. */
    if (ev->decodable && r->type == UPDATE_ROWS && ev->present_after == NULL) {
        if (ev->data_len < bitmap) {
            ev->decodable = false;
            return;
        }
        ev->present_after = ev->data;
        ev->data += bitmap;
        ev->data_len -= bitmap;
    }
}

enum binlog_next binlog_stream_next(struct binlog_stream *s,
                                    struct binlog_event *ev, char *err,
                                    size_t errlen)
{
    MARIADB_RPL_EVENT *e = mariadb_rpl_fetch(s->rpl, s->ev);

    s->ev = e; /* on failure the library freed the old one */
    if (e == NULL)
        return failure(s, err, errlen);
    memset(ev, 0, sizeof(*ev));
    ev->timestamp = e->timestamp;
    ev->server_id = e->server_id;
    switch (e->event_type) {
    case GTID_EVENT:
        ev->kind = BEV_GTID;
        ev->domain = e->event.gtid.domain_id;
        ev->seq = e->event.gtid.sequence_nr;
        ev->standalone = (e->event.gtid.flags & FL_STANDALONE) != 0;
        ev->xa = (e->event.gtid.flags & (FL_PREPARED_XA | FL_COMPLETED_XA)) != 0;
        break;
    case TABLE_MAP_EVENT: {
        const struct st_mariadb_rpl_table_map_event *t = &e->event.table_map;

        ev->kind = BEV_TABLE_MAP;
        ev->table_id = t->table_id;
        ev->db = t->database.str;
        ev->db_len = t->database.length;
        ev->table = t->table.str;
        ev->table_len = t->table.length;
        ev->column_count = t->column_count;
        ev->types = (const unsigned char *)t->column_types.str;
        ev->meta = (const unsigned char *)t->metadata.str;
        ev->meta_len = t->metadata.length;
        ev->pk = t->simple_primary_keys.data;
        ev->pk_len = t->simple_primary_keys.length;
        ev->names = t->column_names.data;
        ev->names_len = t->column_names.length;
        break;
    }
    case WRITE_ROWS_EVENT_V1: case UPDATE_ROWS_EVENT_V1:
    case DELETE_ROWS_EVENT_V1: case WRITE_ROWS_EVENT: case UPDATE_ROWS_EVENT:
    case DELETE_ROWS_EVENT: case WRITE_ROWS_COMPRESSED_EVENT_V1:
    case UPDATE_ROWS_COMPRESSED_EVENT_V1: case DELETE_ROWS_COMPRESSED_EVENT_V1:
    case WRITE_ROWS_COMPRESSED_EVENT: case UPDATE_ROWS_COMPRESSED_EVENT:
    case DELETE_ROWS_COMPRESSED_EVENT:
        ev->kind = BEV_ROWS;
        fill_rows(e, ev);
        break;
    case XID_EVENT: case XA_PREPARE_LOG_EVENT:
        ev->kind = BEV_COMMIT;
        break;
    case QUERY_EVENT: case QUERY_COMPRESSED_EVENT:
        ev->kind = BEV_QUERY;
        ev->db = e->event.query.database.str;
        ev->db_len = e->event.query.database.length;
        ev->statement = e->event.query.statement.str;
        ev->statement_len = e->event.query.statement.length;
        break;
    case HEARTBEAT_LOG_EVENT:
        ev->kind = BEV_HEARTBEAT;
        break;
    default:
        ev->kind = BEV_OTHER;
        break;
    }
    return BINLOG_EVENT;
}
