/*
 * redis_server: a private redis-server for the tests that need the real
 * cache.c (test_positions, test_epoch): started in a temp folder, on a Unix
 * socket only (no TCP port), removed by the test. No network, no shared
 * state with any stack.
 */
#ifndef REDIS_SERVER_H
#define REDIS_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

struct redis_server {
    char dir[64];
    char socket[128];
    pid_t pid;
};

/* Creates the temp folder (first call) and starts redis-server there,
 * persistence off unless extra (NULL-terminated "--name", "value" pairs,
 * appended last so they win) turns it on. Waits, bounded, until it
 * answers. 0, or -1 (redis-server missing or not answering). */
int redis_server_start(struct redis_server *s, const char *const *extra);

/* A cmocka group's setup: SIGPIPE ignored (as main.c: a dropped link is
 * an error, not a signal), then redis_server_start(s, NULL); on failure
 * says on stderr what to install. 0, or -1. */
int redis_server_start_for_tests(struct redis_server *s);

/* SIGKILL (a crash: nothing saved on the way down) and reap. */
void redis_server_kill(struct redis_server *s);

/* Kills it and removes the folder. */
void redis_server_remove(struct redis_server *s);

/* Runs one command on a fresh connection (as the operator, no ACL) and
 * copies a string or integer reply into out. 0, or -1. */
int redis_server_command(const struct redis_server *s, char *out,
                         size_t outlen, const char *fmt, ...);

#endif
