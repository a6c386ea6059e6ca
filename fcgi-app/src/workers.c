/*
 * workers: the threads of one responder process and the FastCGI connections
 * they serve.
 *
 * nginx keeps its FastCGI connections open (upstream keepalive with
 * fastcgi_keep_conn): that saves a connect, an accept and a close per
 * request, but a kept connection that sits idle must not hold a thread, or
 * requests queue behind it. So every connection of this process, and the
 * listening socket, sit in ONE epoll set that all threads wait on:
 *  - an idle kept connection costs an epoll entry, not a thread: no number
 *    of nginx workers x keepalive connections can make a request wait for a
 *    thread that is parked on an idle connection;
 *  - a connection is armed EPOLLONESHOT: the one thread that is told it is
 *    readable reads the request, answers it and re-arms it, while the other
 *    threads serve other connections, so a slow MySQL miss holds one thread
 *    and never the requests that arrived on other connections;
 *  - the thread that is told serves the request itself: no hand-off between
 *    threads, no extra context switch per request.
 * The listening socket (shared by every process of the pool) is watched with
 * EPOLLEXCLUSIVE, so a new connection wakes one process, not all of them.
 *
 * libfcgi still parses the protocol: each connection owns an FCGX_Request
 * whose socket we set ourselves, so FCGX_Accept_r reads the next request
 * from it rather than accepting one. Its listening socket is -1, so when
 * nginx closes the connection libfcgi cannot fall back to a blocking
 * accept(): it returns an error and the connection is forgotten. Those
 * FCGX_Request fields are below libfcgi's "don't use" line, but the header
 * is public and stable (2.4.x); this file is the only place that touches
 * them.
 *
 * Stopping: every signal is blocked in every thread; the stop signals are
 * read from a signalfd in the same epoll set. The thread that reads one
 * stops accepting and makes an eventfd readable (level-triggered, so every
 * waiting thread wakes); each thread finishes the request in hand and
 * exits; then every connection is closed. A request that nginx had just
 * written to a kept connection we close is retried by nginx on a new
 * connection (it does so for a failed cached connection, for idempotent
 * methods).
 */
#define _GNU_SOURCE /* accept4, SOCK_CLOEXEC */
#include "workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "dispatch.h"

/* Big enough for libmysqlclient, hiredis and jansson (none recurse deeply);
 * only the pages a thread touches count against the responder's RSS. */
#define THREAD_STACK_BYTES (512 * 1024)
/* After accept() fails for lack of descriptors, leave the backlog to the
 * other processes for this long instead of spinning. */
#define ACCEPT_BACKOFF_MS 10

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP,
                                   SIGQUIT, SIGUSR1, SIGUSR2};

/* One FastCGI connection from nginx. */
struct conn {
    FCGX_Request req;
    struct conn *prev, *next; /* every live connection, for the final close */
};

struct server {
    int listen_fd;
    int epfd;
    int sigfd;
    int wakefd; /* readable once stopping: wakes every thread */
    atomic_bool stopping;
    const struct workers_hooks *hooks;
    pthread_mutex_t conns_lock;
    struct conn *conns;
};

struct worker {
    struct server *srv;
    pthread_t thread;
    bool started;
};

/* epoll tags for the three descriptors that are not connections. */
static char tag_listener, tag_signal, tag_wake;

static void conn_forget(struct server *srv, struct conn *c)
{
    pthread_mutex_lock(&srv->conns_lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&srv->conns_lock);
    /* Plain close(2): libfcgi's default shuts down and then waits up to 2 s
     * for the peer to close first, which would hold this thread. */
    c->req.detached = 1;
    FCGX_Free(&c->req, 1);
    free(c);
}

static int arm(struct server *srv, struct conn *c, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT,
                             .data.ptr = c};

    return epoll_ctl(srv->epfd, op, c->req.ipcFd, &ev);
}

static void accept_one(struct server *srv)
{
    struct conn *c;
    int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
            errno == ENOBUFS) {
            log_msg(LOG_WARN, "server", "accept: %s", strerror(errno));
            clock_sleep_ms(ACCEPT_BACKOFF_MS);
        }
        return; /* EAGAIN: another thread or process took it */
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL || FCGX_InitRequest(&c->req, -1, 0) != 0) {
        log_msg(LOG_WARN, "server", "out of memory for a connection");
        free(c);
        close(fd);
        return;
    }
    c->req.ipcFd = fd;
    /* So that FCGX_Accept_r's opening "finish the previous request" leaves
     * the socket open; the real flag comes with each request. */
    c->req.keepConnection = 1;
    pthread_mutex_lock(&srv->conns_lock);
    c->next = srv->conns;
    if (c->next != NULL)
        c->next->prev = c;
    srv->conns = c;
    pthread_mutex_unlock(&srv->conns_lock);
    if (arm(srv, c, EPOLL_CTL_ADD) != 0) {
        log_msg(LOG_WARN, "server", "epoll add: %s", strerror(errno));
        conn_forget(srv, c);
    }
}

/* Reads one request from c, answers it, and re-arms c, or forgets it when
 * nginx closed it or asked for it to be closed. */
static void serve_ready(struct server *srv, struct app *app, struct conn *c)
{
    FCGX_Request *fr = &c->req;

    c->req.detached = 1; /* see conn_forget */
    if (FCGX_Accept_r(fr) != 0) {
        /* nginx closed the connection (or broke the protocol); libfcgi has
         * closed the socket. */
        conn_forget(srv, c);
        return;
    }
    dispatch_request(app, fr);
    c->req.detached = 1;
    FCGX_Finish_r(fr);
    if (fr->ipcFd < 0) {
        conn_forget(srv, c);
        return;
    }
    if (arm(srv, c, EPOLL_CTL_MOD) != 0)
        conn_forget(srv, c);
}

static void begin_stop(struct server *srv)
{
    struct signalfd_siginfo info;
    uint64_t one = 1;

    while (read(srv->sigfd, &info, sizeof(info)) == sizeof(info))
        log_msg(LOG_INFO, "server", "signal %u: stopping",
                (unsigned)info.ssi_signo);
    if (atomic_exchange(&srv->stopping, true))
        return;
    epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->listen_fd, NULL);
    if (write(srv->wakefd, &one, sizeof(one)) != sizeof(one))
        log_msg(LOG_ERROR, "server", "cannot wake the threads: %s",
                strerror(errno));
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct server *srv = w->srv;
    struct app app;

    memset(&app, 0, sizeof(app));
    if (srv->hooks->make_app(&app, srv->hooks->arg) != 0) {
        log_msg(LOG_ERROR, "server", "a thread could not start");
        begin_stop(srv);
        return NULL;
    }
    while (!atomic_load(&srv->stopping)) {
        struct epoll_event ev;
        int n = epoll_wait(srv->epfd, &ev, 1, -1);

        if (n < 0 && errno != EINTR) {
            log_msg(LOG_ERROR, "server", "epoll_wait: %s", strerror(errno));
            begin_stop(srv);
            break;
        }
        if (n <= 0 || ev.data.ptr == &tag_wake)
            continue;
        if (ev.data.ptr == &tag_signal)
            begin_stop(srv);
        else if (ev.data.ptr == &tag_listener)
            accept_one(srv);
        else
            serve_ready(srv, &app, ev.data.ptr);
    }
    srv->hooks->free_app(&app, srv->hooks->arg);
    return NULL;
}

static int watch(struct server *srv, int fd, uint32_t events, void *tag)
{
    struct epoll_event ev = {.events = events, .data.ptr = tag};

    return epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The epoll set, the signalfd and the eventfd; -1 with errno on failure. */
static int open_descriptors(struct server *srv, int listen_fd)
{
    sigset_t stop_set;
    int flags = fcntl(listen_fd, F_GETFL);

    sigemptyset(&stop_set);
    for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
        sigaddset(&stop_set, stop_signals[i]);
    srv->listen_fd = listen_fd;
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->sigfd = signalfd(-1, &stop_set, SFD_NONBLOCK | SFD_CLOEXEC);
    srv->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv->epfd < 0 || srv->sigfd < 0 || srv->wakefd < 0)
        return -1;
    /* Non-blocking: when another process wins the race for a connection,
     * accept() says EAGAIN instead of parking this thread. */
    if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    if (watch(srv, listen_fd, EPOLLIN | EPOLLEXCLUSIVE, &tag_listener) != 0 ||
        watch(srv, srv->sigfd, EPOLLIN, &tag_signal) != 0 ||
        watch(srv, srv->wakefd, EPOLLIN, &tag_wake) != 0)
        return -1;
    return 0;
}

static void close_descriptors(struct server *srv)
{
    while (srv->conns != NULL)
        conn_forget(srv, srv->conns);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->sigfd >= 0)
        close(srv->sigfd);
    if (srv->wakefd >= 0)
        close(srv->wakefd);
}

static void block_signals(void)
{
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* A client that went away must not kill the responder. */
    signal(SIGPIPE, SIG_IGN);
}

int workers_run(int listen_fd, size_t threads, const struct workers_hooks *hooks)
{
    struct server srv = {.epfd = -1, .sigfd = -1, .wakefd = -1,
                         .hooks = hooks};
    struct worker *workers = calloc(threads, sizeof(*workers));
    pthread_attr_t attr;
    int status = -1;

    block_signals();
    pthread_mutex_init(&srv.conns_lock, NULL);
    atomic_init(&srv.stopping, false);
    if (workers == NULL || open_descriptors(&srv, listen_fd) != 0) {
        log_msg(LOG_ERROR, "server", "cannot set up: %s", strerror(errno));
        goto close;
    }
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, THREAD_STACK_BYTES);
    status = 0;
    for (size_t i = 0; i < threads; i++) {
        workers[i].srv = &srv;
        if (pthread_create(&workers[i].thread, &attr, worker_main,
                           &workers[i]) != 0) {
            log_msg(LOG_ERROR, "server", "cannot start thread %zu", i);
            begin_stop(&srv);
            status = -1;
            break;
        }
        workers[i].started = true;
    }
    pthread_attr_destroy(&attr);
    for (size_t i = 0; i < threads; i++)
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
close:
    close_descriptors(&srv);
    pthread_mutex_destroy(&srv.conns_lock);
    free(workers);
    return status;
}
