/*
 * main: start-up and the FastCGI accept loop of one responder. spawn-fcgi
 * hands us the listening socket as fd 0 and multiwatch runs N of us on it.
 *
 * Signals: TERM, INT, HUP, QUIT, USR1 and USR2 all mean "finish the request
 * in hand, then exit" (multiwatch sends USR1 on shutdown and forwards USR2,
 * which we use for a graceful pool restart). They stay blocked except while
 * the responder waits, idle, for the next connection (epoll_pwait), so a
 * signal can never interrupt a request, nor libfcgi's reading of one it has
 * just accepted. The listening socket is non-blocking: when another
 * responder wins the race for a connection, accept() says EAGAIN and we go
 * back to waiting. EPOLLEXCLUSIVE wakes one waiter per connection rather
 * than the whole pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "cache.h"
#include "config.h"
#include "l1.h"
#include "log.h"
#include "products.h"
#include "response.h"
#include "router.h"
#include "store.h"
#include "tracking.h"

static volatile sig_atomic_t stop_requested;

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP,
                                   SIGQUIT, SIGUSR1, SIGUSR2};
#define STOP_SIGNAL_COUNT (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Blocks the stop signals from now on and returns, in wait_mask, the mask
 * to wait with: the same, minus the stop signals. */
static void setup_signals(sigset_t *wait_mask)
{
    struct sigaction sa;
    sigset_t stop_set;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&stop_set);
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++) {
        sigaction(stop_signals[i], &sa, NULL);
        sigaddset(&stop_set, stop_signals[i]);
    }
    sigprocmask(SIG_BLOCK, &stop_set, wait_mask);
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        sigdelset(wait_mask, stop_signals[i]);
    /* A client that went away must not kill the responder. */
    signal(SIGPIPE, SIG_IGN);
}

/* True when a stop signal is waiting, blocked. epoll_pwait() delivers a
 * pending signal only when it has nothing else to report: under constant
 * load it always finds a connection ready, so without this check a
 * responder would never see the signal. */
static bool stop_pending(void)
{
    sigset_t pending;

    if (sigpending(&pending) != 0)
        return false;
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        if (sigismember(&pending, stop_signals[i]) == 1)
            return true;
    return false;
}

/* Watches the listening socket (fd 0, from spawn-fcgi) for connections.
 * Returns the epoll descriptor, or -1. */
static int watch_listener(void)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE};
    int flags = fcntl(0, F_GETFL);
    int epfd;

    if (flags < 0 || fcntl(0, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return -1;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) != 0) {
        close(epfd);
        return -1;
    }
    return epfd;
}

/*
 * Waits, with the stop signals deliverable, until a request can be read:
 * a new connection, or the next request on a connection nginx kept open
 * (fastcgi_keep_conn). Returns 1 when ready, 0 when a signal came first,
 * -1 on error.
 */
static int wait_for_request(const FCGX_Request *fr, int epfd,
                            const sigset_t *wait_mask)
{
    int n;

    if (fr->ipcFd >= 0 && fr->ipcFd < FD_SETSIZE) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fr->ipcFd, &readable);
        n = pselect(fr->ipcFd + 1, &readable, NULL, NULL, NULL, wait_mask);
    } else {
        struct epoll_event ev;
        n = epoll_pwait(epfd, &ev, 1, -1, wait_mask);
    }
    if (n > 0)
        return 1;
    return n < 0 && errno == EINTR ? 0 : -1;
}

static long long parse_content_length(const char *text)
{
    char *end = NULL;
    long long v;

    if (text == NULL || text[0] == '\0')
        return -1;
    v = strtoll(text, &end, 10);
    return (end != NULL && *end == '\0' && v >= 0) ? v : -1;
}

/* Reads the body when it is within the limit; writes.c answers 413 for a
 * larger one (libfcgi discards what we leave unread). */
static char *read_body(FCGX_Request *fr, long long length, long long max,
                       size_t *len)
{
    char *body;
    int got;

    *len = 0;
    if (length <= 0 || length > max)
        return NULL;
    body = malloc((size_t)length + 1);
    if (body == NULL)
        return NULL;
    got = FCGX_GetStr(body, (int)length, fr->in);
    body[got > 0 ? got : 0] = '\0';
    *len = got > 0 ? (size_t)got : 0;
    return body;
}

static void serve(struct app *app, FCGX_Request *fr)
{
    struct http_request req;
    struct reply r;
    size_t body_len = 0;
    char *body = NULL;
    const char *method = FCGX_GetParam("REQUEST_METHOD", fr->envp);
    const char *path = FCGX_GetParam("DOCUMENT_URI", fr->envp);

    memset(&req, 0, sizeof(req));
    req.method = method ? method : "";
    req.path = path ? path : "";
    req.query = FCGX_GetParam("QUERY_STRING", fr->envp);
    req.write.authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
    req.write.content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
    req.write.content_length =
        parse_content_length(FCGX_GetParam("CONTENT_LENGTH", fr->envp));
    if (strcmp(req.method, "POST") == 0 || strcmp(req.method, "PUT") == 0) {
        body = read_body(fr, req.write.content_length,
                         app->cfg->body_max_bytes, &body_len);
        req.write.body = body;
        req.write.body_len = body_len;
    }
    reply_init(&r);
    router_dispatch(app, &req, &r);
    if (response_send(fr->out, &r, strcmp(req.method, "HEAD") == 0) != 0)
        log_msg(LOG_INFO, "main", "client went away before the response");
    reply_free(&r);
    free(body);
}

static int open_app(struct app *app, const struct config *cfg)
{
    struct store_options db = {
        .host = cfg->mysql_host,
        .port = (int)cfg->mysql_port,
        .socket = cfg->mysql_socket,
        .database = cfg->mysql_database,
        .user = cfg->mysql_user,
        .password = cfg->mysql_password,
        .timeout_s = cfg->mysql_timeout_s,
        .delay_ms = cfg->db_delay_ms,
    };
    struct cache_options redis = {
        .host = cfg->redis_host,
        .port = (int)cfg->redis_port,
        .socket = cfg->redis_socket,
        .timeout_ms = cfg->redis_timeout_ms,
    };

    app->cfg = cfg;
    app->reader = store_open(&db);
    db.user = cfg->mysql_write_user;
    db.password = cfg->mysql_write_password;
    db.delay_ms = 0; /* the delay simulates a slow read, not a slow write */
    app->writer = store_open(&db);
    /* Both modes keep a cache handle: baseline reads never use it, but its
     * writes still invalidate, so a later cached run cannot serve data from
     * before them. */
    app->cache = cache_open(&redis);
    /* L1 and its invalidation connection: once per process, before any
     * thread starts; every thread's app points at the same two. */
    if (cfg->mode == APP_MODE_CACHED && cfg->cache_l1) {
        app->l1 = l1_open((size_t)cfg->cache_l1_max_bytes);
        app->tracking = app->l1 ? tracking_open(&redis, PRODUCTS_GEN_KEY,
                                                app->l1)
                                : NULL;
        if (app->tracking == NULL)
            return -1;
    }
    return app->reader && app->writer && app->cache ? 0 : -1;
}

static void close_app(struct app *app)
{
    store_close(app->reader);
    store_close(app->writer);
    cache_close(app->cache);
    tracking_close(app->tracking);
    l1_close(app->l1);
}

int main(int argc, char **argv)
{
    static struct config cfg;
    struct app app = {0};
    char err[1024], described[2048];
    FCGX_Request fr;
    sigset_t wait_mask;
    int epfd = -1;
    int status = EXIT_FAILURE;

    if (config_load_env(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "fcgi-app: bad configuration: %s\n", err);
        return EXIT_FAILURE;
    }
    config_describe(&cfg, described, sizeof(described));
    if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
        printf("%s\n", described);
        return EXIT_SUCCESS;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--check-config]\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (FCGX_IsCGI()) {
        fprintf(stderr, "fcgi-app: stdin is not a FastCGI socket; start it "
                        "with spawn-fcgi (see fcgi-app/start-pool)\n");
        return EXIT_FAILURE;
    }
    memset(&fr, 0, sizeof(fr));
    fr.ipcFd = -1;
    if (FCGX_Init() != 0 || open_app(&app, &cfg) != 0 ||
        FCGX_InitRequest(&fr, 0, 0) != 0) {
        fprintf(stderr, "fcgi-app: out of memory at start-up\n");
        goto close;
    }
    setup_signals(&wait_mask);
    epfd = watch_listener();
    if (epfd < 0) {
        log_msg(LOG_ERROR, "main", "cannot watch the listening socket: %s",
                strerror(errno));
        goto close;
    }
    log_msg(LOG_INFO, "main", "ready: %s", described);
    while (!stop_requested && !stop_pending()) {
        int ready = wait_for_request(&fr, epfd, &wait_mask);
        int rc;

        if (ready < 0) {
            log_msg(LOG_ERROR, "main", "waiting for requests failed: %s",
                    strerror(errno));
            goto close;
        }
        if (ready == 0)
            continue; /* a signal: the loop condition decides */
        rc = FCGX_Accept_r(&fr);
        if (rc == -EAGAIN || rc == -EWOULDBLOCK)
            continue; /* another responder took the connection */
        if (rc < 0) {
            log_msg(LOG_ERROR, "main", "accept failed (%d)", rc);
            goto close;
        }
        serve(&app, &fr);
        FCGX_Finish_r(&fr);
    }
    log_msg(LOG_INFO, "main", "stopping");
    status = EXIT_SUCCESS;
close:
    FCGX_Free(&fr, 1);
    if (epfd >= 0)
        close(epfd);
    close_app(&app);
    return status;
}
