/* framing.c: FastCGI framing of an answer, read back from a socketpair
 * and parsed record by record, for bodies from empty to several records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcgiapp.h>

#include "framing.h"

#define REQUEST_ID 258 /* two bytes used */

struct parsed {
    char *stdout_bytes; /* every STDOUT record's content, in order */
    size_t stdout_len;
    size_t stdout_records; /* non-empty ones */
    bool stdout_closed;    /* the empty STDOUT record came */
    bool ended;            /* END_REQUEST came, last */
};

/* Reads everything the peer wrote and checks each record header. */
static void parse(int fd, struct parsed *p)
{
    size_t cap = 1 << 22, len = 0, at = 0;
    unsigned char *buf = malloc(cap);
    ssize_t n;

    assert_non_null(buf);
    while ((n = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)n;
    memset(p, 0, sizeof(*p));
    p->stdout_bytes = malloc(len + 1);
    assert_non_null(p->stdout_bytes);
    while (at < len) {
        unsigned char *h = buf + at;
        size_t clen, plen;

        assert_true(at + 8 <= len);
        assert_false(p->ended); /* nothing after END_REQUEST */
        assert_int_equal(h[0], 1);
        assert_int_equal((h[2] << 8) | h[3], REQUEST_ID);
        clen = ((size_t)h[4] << 8) | h[5];
        plen = h[6];
        assert_true(at + 8 + clen + plen <= len);
        if (h[1] == 6 && clen > 0) {
            assert_false(p->stdout_closed);
            memcpy(p->stdout_bytes + p->stdout_len, h + 8, clen);
            p->stdout_len += clen;
            p->stdout_records++;
        } else if (h[1] == 6) {
            p->stdout_closed = true;
        } else {
            assert_int_equal(h[1], 3); /* END_REQUEST */
            assert_int_equal(clen, 8);
            assert_true(p->stdout_closed);
            assert_int_equal(h[8 + 4], 0); /* FCGI_REQUEST_COMPLETE */
            p->ended = true;
        }
        at += 8 + clen + plen;
    }
    free(buf);
}

/* Sends r through framing_send and parses what came out. */
static int send_and_parse(const struct reply *r, bool head_only,
                          struct parsed *p)
{
    FCGX_Stream out;
    FCGX_Request fr;
    int sv[2], rc;

    memset(&out, 0, sizeof(out));
    memset(&fr, 0, sizeof(fr));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fr.requestId = REQUEST_ID;
    fr.ipcFd = sv[0];
    fr.out = &out;
    fr.keepConnection = 1;
    /* A child reads, so that answers larger than the socket buffer work. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(sv[0]);
        struct parsed sub;
        parse(sv[1], &sub);
        /* Send the parsed STDOUT back, length first, then the flags. */
        unsigned char flags[2] = {sub.stdout_closed, sub.ended};
        size_t n = sub.stdout_len, records = sub.stdout_records;
        if (write(sv[1], &n, sizeof(n)) < 0 ||
            write(sv[1], &records, sizeof(records)) < 0 ||
            write(sv[1], sub.stdout_bytes, n) < 0 || write(sv[1], flags, 2) < 0)
            _exit(1);
        free(sub.stdout_bytes);
        _exit(0);
    }
    rc = framing_send(&fr, r, head_only);
    shutdown(sv[0], SHUT_WR);
    memset(p, 0, sizeof(*p));
    assert_int_equal(read(sv[0], &p->stdout_len, sizeof(p->stdout_len)),
                     sizeof(p->stdout_len));
    assert_int_equal(read(sv[0], &p->stdout_records, sizeof(size_t)),
                     sizeof(size_t));
    p->stdout_bytes = malloc(p->stdout_len + 1);
    assert_non_null(p->stdout_bytes);
    size_t got = 0;
    while (got < p->stdout_len) {
        ssize_t n = read(sv[0], p->stdout_bytes + got, p->stdout_len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    unsigned char flags[2];
    assert_int_equal(read(sv[0], flags, 2), 2);
    p->stdout_closed = flags[0];
    p->ended = flags[1];
    close(sv[0]);
    close(sv[1]);
    /* libfcgi must find nothing left to write. */
    assert_true(out.wasFCloseCalled && out.isClosed);
    return rc;
}

static char *body_of(size_t len)
{
    char *b = malloc(len + 1);

    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b[i] = (char)('a' + i % 26);
    b[len] = '\0';
    return b;
}

static void expect_framed(size_t body_len, bool head_only)
{
    struct reply r;
    struct parsed p;
    char head[512];
    size_t head_len;
    char *body = body_of(body_len);

    reply_init(&r);
    r.status = 200;
    r.x_cache = "HIT";
    r.body = body;
    r.body_len = body_len;
    head_len = framing_head(&r, head, sizeof(head));
    assert_true(head_len > 0);
    assert_int_equal(send_and_parse(&r, head_only, &p), 0);
    assert_true(p.stdout_closed);
    assert_true(p.ended);
    size_t want = head_len + (head_only ? 0 : body_len);
    assert_int_equal(p.stdout_len, want);
    assert_memory_equal(p.stdout_bytes, head, head_len);
    if (!head_only)
        assert_memory_equal(p.stdout_bytes + head_len, body, body_len);
    /* As few records as the protocol's 64 KB limit allows. */
    assert_int_equal(p.stdout_records, (want + 65534) / 65535);
    free(p.stdout_bytes);
    free(body);
}

static void test_sizes(void **state)
{
    /* 65535 * 16 - 100: with the header block, exactly the 16 records of
     * one writev, the first carrying head and body (the fuzz target found
     * that this overran the iovec array). */
    static const size_t sizes[] = {0,         1,
                                   226,       4631,
                                   47312,     65535,
                                   65535 * 3, 65535 * 16 - 100,
                                   2 * 1024 * 1024};

    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        print_message("body of %zu bytes\n", sizes[i]);
        expect_framed(sizes[i], false);
    }
}

static void test_head_only(void **state)
{
    (void)state;
    expect_framed(47312, true);
}

static void test_headers(void **state)
{
    struct reply r;
    char head[512];
    static const char want[] = "Status: 405 Method Not Allowed\r\n"
                               "Allow: GET, HEAD\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 2\r\n"
                               "X-Content-Type-Options: nosniff\r\n"
                               "Cache-Control: no-store\r\n\r\n";

    (void)state;
    reply_init(&r);
    r.status = 405;
    r.allow = "GET, HEAD";
    r.body = (char *)(uintptr_t) "{}";
    r.body_len = 2;
    assert_int_equal(framing_head(&r, head, sizeof(head)), sizeof(want) - 1);
    assert_memory_equal(head, want, sizeof(want) - 1);
    assert_int_equal(framing_head(&r, head, 20), 0); /* too small */
}

/* A cached product answer may be revalidated, not stored on its own; a 503
 * of the rebuild gate says when to come back. */
static void test_cache_headers(void **state)
{
    struct reply r;
    char head[512];
    static const char hit[] = "Status: 200 OK\r\n"
                              "X-Cache: HIT\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 2\r\n"
                              "X-Content-Type-Options: nosniff\r\n"
                              "Cache-Control: no-cache\r\n\r\n";
    static const char busy[] = "Status: 503 Service Unavailable\r\n"
                               "Retry-After: 1\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 2\r\n"
                               "X-Content-Type-Options: nosniff\r\n"
                               "Cache-Control: no-store\r\n\r\n";

    (void)state;
    reply_init(&r);
    r.x_cache = "HIT";
    r.body = (char *)(uintptr_t) "[]";
    r.body_len = 2;
    assert_int_equal(framing_head(&r, head, sizeof(head)), sizeof(hit) - 1);
    assert_memory_equal(head, hit, sizeof(hit) - 1);
    reply_init(&r);
    r.status = 503;
    r.retry_after_s = 1;
    r.body = (char *)(uintptr_t) "{}";
    r.body_len = 2;
    assert_int_equal(framing_head(&r, head, sizeof(head)), sizeof(busy) - 1);
    assert_memory_equal(head, busy, sizeof(busy) - 1);
}

static void test_peer_gone(void **state)
{
    FCGX_Stream out;
    FCGX_Request fr;
    struct reply r;
    int sv[2];

    (void)state;
    memset(&out, 0, sizeof(out));
    memset(&fr, 0, sizeof(fr));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    fr.ipcFd = sv[0];
    fr.out = &out;
    fr.keepConnection = 1;
    reply_init(&r);
    assert_int_equal(framing_send(&fr, &r, false), -1);
    assert_int_equal(fr.keepConnection, 0); /* the connection is not kept */
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_head_only),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_cache_headers),
        cmocka_unit_test(test_peer_gone),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
