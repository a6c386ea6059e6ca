/*
 * hostlist: the "host:port[,host:port...]" lists of the scale-out settings
 * (DB_READ_HOSTS, REDIS_SENTINELS), read one way by config.c (validation
 * at start-up), main.c (one reader pool per replica) and sentinel.c (the
 * Sentinels, and the master's address they answer).
 */
#ifndef HOSTLIST_H
#define HOSTLIST_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTLIST_HOST_MAX 256

struct host_port {
    char host[HOSTLIST_HOST_MAX];
    int port;
};

/* The port in text[0..len): 1 to 65535 in decimal digits only, else -1. */
int hostlist_port(const char *text, size_t len);

/* Reads the entry at *list (up to the next ',' or the end) into out and
 * moves *list past it and its comma. 1 for a valid entry, 0 at the end of
 * the list, -1 for a malformed one (a host that is empty or too long, no
 * ':', a bad port); out->host then holds as much of the entry as fits,
 * for the message. The port is after the last ':'. */
int hostlist_next(const char **list, struct host_port *out);

/* Entries in list (its commas + 1; 0 when empty). */
size_t hostlist_count(const char *list);

/* True when list is not empty and every entry is valid (an empty entry,
 * such as after a trailing comma, is not). */
bool hostlist_valid(const char *list);

#endif
