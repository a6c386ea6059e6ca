/*
 * The master lease (master_lease.h) against a real Redis Sentinel: no
 * Redis server is needed, a Sentinel names the master it was told to
 * monitor whether or not that answers. The lease names that master; a
 * switch (the Sentinel told to monitor another address) gives a new
 * number within a few renewals, holds writes for about a lease, and makes
 * a confirmation for the old number fail; a Sentinel gone ends the lease
 * within MASTER_LEASE_MS plus a renewal.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "cache.h"
#include "clock.h"
#include "master_lease.h"

#define NAME "products"
/* Addresses the Sentinel is told to monitor; nothing need listen there. */
#define FIRST_PORT 6391
#define SECOND_PORT 6392

static char dir[] = "/tmp/test-master-lease.XXXXXX";
static char sentinels[32];
static int sentinel_port;
static pid_t sentinel_pid;
static struct cache_options opt;

/* A free TCP port on loopback (bound, read, closed). */
static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* One command to the Sentinel; true when it answered without an error. */
static bool sentinel_says(const char *fmt, ...)
{
    redisContext *ctx = redisConnect("127.0.0.1", sentinel_port);
    redisReply *r = NULL;
    va_list ap;
    bool ok;

    if (ctx == NULL || ctx->err != 0) {
        if (ctx != NULL)
            redisFree(ctx);
        return false;
    }
    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    ok = r != NULL && r->type != REDIS_REPLY_ERROR;
    if (r != NULL)
        freeReplyObject(r);
    redisFree(ctx);
    return ok;
}

static int start_sentinel(void **state)
{
    char conf[96];
    FILE *f;

    (void)state;
    signal(SIGPIPE, SIG_IGN);
    sentinel_port = free_port();
    if (mkdtemp(dir) == NULL || sentinel_port < 0)
        return -1;
    snprintf(conf, sizeof(conf), "%s/sentinel.conf", dir);
    if ((f = fopen(conf, "w")) == NULL)
        return -1;
    fprintf(f, "port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/sentinel.log\n"
               "sentinel monitor %s 127.0.0.1 %d 1\n",
            sentinel_port, dir, dir, NAME, FIRST_PORT);
    fclose(f);
    sentinel_pid = fork();
    if (sentinel_pid == 0) {
        execlp("redis-server", "redis-server", conf, "--sentinel",
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        if (sentinel_says("PING"))
            break;
        clock_sleep_ms(50);
    }
    if (!sentinel_says("PING")) {
        fprintf(stderr, "test_master_lease: no Redis Sentinel answered; "
                        "install the Debian package 'redis-server'\n");
        return -1;
    }
    snprintf(sentinels, sizeof(sentinels), "127.0.0.1:%d", sentinel_port);
    opt = (struct cache_options){.sentinels = sentinels,
                                 .master_name = NAME,
                                 .timeout_ms = 500};
    return master_lease_start(&opt) ? 0 : -1;
}

static int stop_all(void **state)
{
    char cmd[128];

    (void)state;
    master_lease_stop();
    if (sentinel_pid > 0) {
        kill(sentinel_pid, SIGKILL);
        waitpid(sentinel_pid, NULL, 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Polls (every 10 ms, up to limit_ms) until the lease names port. */
static bool names_within(int port, long long limit_ms)
{
    long long until = clock_mono_ms() + limit_ms;
    struct host_port m;
    uint64_t seq;

    do {
        if (master_lease_master(&m, &seq) && m.port == port &&
            strcmp(m.host, "127.0.0.1") == 0)
            return true;
        clock_sleep_ms(10);
    } while (clock_mono_ms() < until);
    return false;
}

static void names_the_sentinels_master(void **state)
{
    (void)state;
    assert_true(master_lease_on());
    /* The first answer is in before master_lease_start returns. */
    assert_true(names_within(FIRST_PORT, 0));
    assert_int_not_equal(master_lease_current(), 0);
    assert_true(master_lease_confirm(master_lease_current()));
}

static void a_switch_gets_a_new_number_and_holds_writes(void **state)
{
    uint64_t before = master_lease_current(), after;

    (void)state;
    /* What a failover looks like from here: another address named. */
    assert_true(sentinel_says("SENTINEL REMOVE %s", NAME));
    assert_true(sentinel_says("SENTINEL MONITOR %s 127.0.0.1 %d 1", NAME,
                              SECOND_PORT));
    assert_true(names_within(SECOND_PORT, 5 * MASTER_LEASE_RENEW_MS));
    after = master_lease_current();
    assert_int_not_equal(after, 0);
    assert_int_not_equal(after, before);
    /* Learned of just now: a write to it waits out the old leases (how
     * much is left depends on how fast this thread got here). */
    long long hold = master_lease_hold_ms();
    assert_true(hold > 0);
    assert_true(hold <= MASTER_LEASE_MS);
    /* A change that went to the old master is not acknowledged; one to
     * the new master is. */
    assert_false(master_lease_confirm(before));
    assert_true(master_lease_confirm(after));
    /* Back to the first address: a new number again, not the old one. */
    assert_true(sentinel_says("SENTINEL REMOVE %s", NAME));
    assert_true(sentinel_says("SENTINEL MONITOR %s 127.0.0.1 %d 1", NAME,
                              FIRST_PORT));
    assert_true(names_within(FIRST_PORT, 5 * MASTER_LEASE_RENEW_MS));
    assert_int_not_equal(master_lease_current(), before);
    assert_int_not_equal(master_lease_current(), after);
}

static void no_sentinel_no_master_after_the_lease(void **state)
{
    uint64_t seq = master_lease_current();
    long long gone, ended = 3 * MASTER_LEASE_MS;
    struct host_port m;

    (void)state;
    assert_int_not_equal(seq, 0);
    kill(sentinel_pid, SIGKILL);
    waitpid(sentinel_pid, NULL, 0);
    sentinel_pid = 0;
    gone = clock_mono_ms();
    while (clock_mono_ms() - gone < 3 * MASTER_LEASE_MS) {
        if (master_lease_current() == 0) {
            ended = clock_mono_ms() - gone;
            break;
        }
        clock_sleep_ms(10);
    }
    /* The last answer's question was sent at most a renewal before the
     * kill: the lease ends a lease after that, not before (a loaded box
     * only makes this thread notice it later; the upper bound is loose for
     * that reason). */
    assert_true(ended >= MASTER_LEASE_MS - 2 * MASTER_LEASE_RENEW_MS);
    assert_true(ended <= 2 * MASTER_LEASE_MS);
    assert_false(master_lease_master(&m, &seq));
    assert_false(master_lease_confirm(seq));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_the_sentinels_master),
        cmocka_unit_test(a_switch_gets_a_new_number_and_holds_writes),
        cmocka_unit_test(no_sentinel_no_master_after_the_lease),
    };

    return cmocka_run_group_tests(tests, start_sentinel, stop_all);
}
