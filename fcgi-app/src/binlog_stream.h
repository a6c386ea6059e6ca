/*
 * binlog_stream: a replication connection to MariaDB (Connector/C's
 * mariadb_rpl.h), registered as a replica with its own server id, started
 * from a GTID state (@slave_connect_state), with a server heartbeat
 * (@master_heartbeat_period) and a read timeout so that a silent or cut
 * link ends the stream within seconds. Turns library events into the few
 * facts the invalidator needs (struct binlog_event). The only file that
 * sees mysql.h / mariadb_rpl.h on the invalidator's side.
 */
#ifndef BINLOG_STREAM_H
#define BINLOG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct binlog_stream_options {
    const char *host; /* used when socket is empty */
    int port;
    const char *socket;
    const char *user;
    const char *password;
    unsigned server_id;
    long long heartbeat_ms;
    long long read_timeout_s;
    long long connect_timeout_s;
};

enum binlog_event_kind {
    BEV_GTID,      /* a transaction (event group) begins */
    BEV_TABLE_MAP, /* a table id's layout */
    BEV_ROWS,      /* row images of one table */
    BEV_COMMIT,    /* XID (or XA PREPARE): the group ends */
    BEV_QUERY,     /* a statement: BEGIN, COMMIT, DDL, TRUNCATE, ... */
    BEV_HEARTBEAT, /* the server is alive and has nothing new */
    BEV_OTHER      /* format description, rotate, GTID list, ... */
};

/* Pointers stay valid until the next binlog_stream_next(). */
struct binlog_event {
    enum binlog_event_kind kind;
    uint32_t timestamp; /* header: whole seconds */
    uint32_t server_id;
    /* BEV_GTID */
    uint32_t domain;
    uint64_t seq;
    bool standalone; /* no COMMIT/XID follows: the statement ends it */
    bool xa;         /* part of an XA transaction */
    /* BEV_TABLE_MAP and BEV_ROWS */
    uint64_t table_id;
    /* BEV_TABLE_MAP */
    const char *db, *table;
    size_t db_len, table_len;
    const unsigned char *types, *meta, *pk, *names;
    uint32_t column_count;
    size_t meta_len, pk_len, names_len;
    /* BEV_ROWS */
    unsigned row_kind; /* enum invalidate_kind */
    const unsigned char *present, *present_after, *data;
    size_t data_len;
    bool decodable; /* false: compressed or a layout we do not read */
    /* BEV_QUERY (db above too) */
    const char *statement;
    size_t statement_len;
};

enum binlog_next {
    BINLOG_EVENT,         /* *ev filled */
    BINLOG_DISCONNECTED,  /* link lost or timed out: reconnect, resume */
    BINLOG_POSITION_LOST, /* the server cannot serve our position */
    BINLOG_UNREADABLE     /* an event the library could not parse */
};

struct binlog_stream;

/* Connects and starts streaming after gtid_state ("" : from the oldest
 * binlog). NULL with err filled when it cannot. */
struct binlog_stream *binlog_stream_open(const struct binlog_stream_options *o,
                                         const char *gtid_state, char *err,
                                         size_t errlen);

/* The next event (blocks up to the read timeout). After anything but
 * BINLOG_EVENT the stream is done: close it. err says why. */
enum binlog_next binlog_stream_next(struct binlog_stream *s,
                                    struct binlog_event *ev, char *err,
                                    size_t errlen);

void binlog_stream_close(struct binlog_stream *s);

/* The server's current GTID position (@@gtid_binlog_pos) over a short
 * connection of its own. 0, or -1 with err filled. Also fails on a server
 * that is not MariaDB (MySQL's GTIDs are another format: unsupported). */
int binlog_stream_server_position(const struct binlog_stream_options *o,
                                  char *out, size_t outlen, char *err,
                                  size_t errlen);

#endif
