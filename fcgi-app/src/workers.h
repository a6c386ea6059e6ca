/*
 * workers: the threads of one responder process and the FastCGI connections
 * they serve. See workers.c for why it is shaped this way.
 */
#ifndef WORKERS_H
#define WORKERS_H

#include <stddef.h>

struct app;

/* Per-thread set-up and tear-down of the handlers' state (connections).
 * make_app returns 0, or -1 when the thread cannot start. */
struct workers_hooks {
    int (*make_app)(struct app *app, void *arg);
    void (*free_app)(struct app *app, void *arg);
    void *arg;
};

/*
 * Serves FastCGI requests on listen_fd (spawn-fcgi's socket, fd 0) with
 * `threads` threads until a stop signal (TERM, INT, HUP, QUIT, USR1, USR2)
 * arrives; then finishes the requests in hand, closes every connection and
 * returns 0. Returns -1 when it cannot start (the reason is logged).
 * Blocks every signal in the calling thread, SIGPIPE is ignored.
 */
int workers_run(int listen_fd, size_t threads, const struct workers_hooks *hooks);

#endif
