/* redis_server: a private redis-server for tests (see redis_server.h). */
#include "redis_server.h"

#include <hiredis/hiredis.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Generous for a loaded 2-core box: redis-server answers in milliseconds
 * when it can run at all. */
#define REDIS_SERVER_START_MS 10000
#define REDIS_SERVER_ARGS_MAX 40

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    nanosleep(&ts, NULL);
}

static bool answers(const struct redis_server *s)
{
    char pong[8];

    return redis_server_command(s, pong, sizeof(pong), "PING") == 0;
}

int redis_server_start(struct redis_server *s, const char *const *extra)
{
    const char *argv[REDIS_SERVER_ARGS_MAX];
    char logfile[96];
    int n = 0;

    if (s->dir[0] == '\0') {
        snprintf(s->dir, sizeof(s->dir), "/tmp/products-redis.XXXXXX");
        if (mkdtemp(s->dir) == NULL)
            return -1;
        snprintf(s->socket, sizeof(s->socket), "%s/redis.sock", s->dir);
    }
    snprintf(logfile, sizeof(logfile), "%s/redis.log", s->dir);
    argv[n++] = "redis-server";
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--unixsocket";
    argv[n++] = s->socket;
    argv[n++] = "--dir";
    argv[n++] = s->dir;
    argv[n++] = "--logfile";
    argv[n++] = logfile;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        if (n < REDIS_SERVER_ARGS_MAX - 1)
            argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        /* Dies with the test, whatever way the test ends; and keeps no
         * copy of the test's output pipes open. */
        int null = open("/dev/null", O_RDWR);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int waited = 0; waited < REDIS_SERVER_START_MS; waited += 20) {
        int status;

        if (answers(s))
            return 0;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        sleep_ms(20);
    }
    redis_server_kill(s);
    return -1;
}

int redis_server_start_for_tests(struct redis_server *s)
{
    signal(SIGPIPE, SIG_IGN);
    if (redis_server_start(s, NULL) != 0) {
        fprintf(stderr, "redis-server did not start (installed? make deps)\n");
        return -1;
    }
    return 0;
}

void redis_server_kill(struct redis_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

void redis_server_remove(struct redis_server *s)
{
    char path[160];
    const char *files[] = {"redis.sock", "redis.log", "dump.rdb", NULL};

    redis_server_kill(s);
    if (s->dir[0] == '\0')
        return;
    for (int i = 0; files[i] != NULL; i++) {
        snprintf(path, sizeof(path), "%s/%s", s->dir, files[i]);
        unlink(path);
    }
    rmdir(s->dir);
    s->dir[0] = '\0';
}

int redis_server_command(const struct redis_server *s, char *out,
                         size_t outlen, const char *fmt, ...)
{
    struct timeval tv = {.tv_sec = 5};
    redisContext *ctx = redisConnectUnixWithTimeout(s->socket, tv);
    redisReply *r;
    va_list ap;
    int rc = -1;

    if (ctx == NULL || ctx->err != 0) {
        if (ctx != NULL)
            redisFree(ctx);
        return -1;
    }
    redisSetTimeout(ctx, tv);
    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    if (r != NULL) {
        if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
            snprintf(out, outlen, "%s", r->str);
            rc = 0;
        } else if (r->type == REDIS_REPLY_INTEGER) {
            snprintf(out, outlen, "%lld", r->integer);
            rc = 0;
        } else if (r->type == REDIS_REPLY_NIL) {
            snprintf(out, outlen, "%s", "(nil)");
            rc = 0;
        } else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
                   r->element[0]->type == REDIS_REPLY_STRING) {
            snprintf(out, outlen, "%s", r->element[0]->str); /* TIME */
            rc = 0;
        }
        freeReplyObject(r);
    }
    redisFree(ctx);
    return rc;
}
