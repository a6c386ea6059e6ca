/*
 * binlog_position: the last binlog position whose changes are fully
 * invalidated, kept in a file (INVALIDATOR_STATE_FILE) so a restart resumes
 * there. A file, not Redis: it must outlive a Redis flush or failover that
 * the position has nothing to do with, and there is one invalidator per
 * deployment. Written whole (temp file, fsync, rename): a crash leaves the
 * old position or the new one, never half of one.
 */
#ifndef BINLOG_POSITION_H
#define BINLOG_POSITION_H

#include <stddef.h>
#include <stdint.h>

/* The longest GTID state kept ("domain-server-seq" per domain). */
#define BINLOG_POSITION_MAX 1024

/* Reads the saved GTID state into out. Returns 1 when there is one (it may
 * be "" : the binlog's very beginning), 0 when no file exists, -1 when it
 * exists but is not a position this file wrote (err says why). */
int binlog_position_load(const char *path, char *out, size_t outlen,
                         char *err, size_t errlen);

/* Saves state. 0, or -1 (logged) when it could not be written. */
int binlog_position_save(const char *path, const char *state);

/* True when text is a MariaDB GTID list: "" or "d-s-n[,d-s-n]...". */
int binlog_position_valid(const char *text);

/* A GTID state: the last transaction of each replication domain. */
#define BINLOG_DOMAINS_MAX 16
struct binlog_gtids {
    size_t n;
    struct {
        uint32_t domain, server;
        uint64_t seq;
    } d[BINLOG_DOMAINS_MAX];
};

/* Parses a GTID list into g. 0, or -1 when it is not one or has too many
 * domains. */
int binlog_gtids_parse(struct binlog_gtids *g, const char *text);

/* Records domain-server-seq as its domain's latest. 0, or -1 when there are
 * too many domains. */
int binlog_gtids_set(struct binlog_gtids *g, uint32_t domain, uint32_t server,
                     uint64_t seq);

/* "d-s-n,d-s-n" into out (BINLOG_POSITION_MAX is always enough). */
void binlog_gtids_format(const struct binlog_gtids *g, char *out,
                         size_t outlen);

#endif
