/*
 * framing: the CGI response format nginx expects from a FastCGI responder
 * ("Status:" plus headers, a blank line, then the body), framed as FastCGI
 * records by hand.
 *
 * Why not libfcgi's output stream: it copies everything into an 8 KB buffer
 * and writes one record per buffer, so a 47 KB answer costs six copies'
 * worth of write(2) calls plus one for the end of the request. Records may
 * carry up to 64 KB, so here the header block and the body (sent from where
 * it lies, no copy) go out with the end-of-stream and END_REQUEST records in
 * a single writev(2). The output stream is then marked closed, so that
 * FCGX_Finish_r has nothing left to write.
 */
#include "framing.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <fcgiapp.h>

#include "edge.h"
#include "textbuf.h"

#define FCGI_VERSION_1 1
#define FCGI_END_REQUEST 3
#define FCGI_STDOUT 6
#define FCGI_HEADER_LEN 8
#define FCGI_RECORD_MAX 65535
/* Records per writev: 16 x 64 KB covers any answer this API gives
 * (?limit=1000 is about 47 KB); a larger one takes several calls. */
#define RECORDS_PER_CALL 16
#define HEAD_MAX 512

static void record_header(unsigned char *h, int type, int request_id,
                          size_t content_len)
{
    h[0] = FCGI_VERSION_1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)((request_id >> 8) & 0xff);
    h[3] = (unsigned char)(request_id & 0xff);
    h[4] = (unsigned char)((content_len >> 8) & 0xff);
    h[5] = (unsigned char)(content_len & 0xff);
    h[6] = 0; /* no padding: alignment is optional */
    h[7] = 0;
}

size_t framing_head(const struct reply *r, char *out, size_t outlen)
{
    struct textbuf b = textbuf_fixed(out, outlen);

    textbuf_put(&b, "Status: %d %s\r\n", r->status,
                reply_status_text(r->status));
    if (r->auth_challenge)
        textbuf_put(&b, "WWW-Authenticate: Bearer\r\n");
    if (r->x_cache)
        textbuf_put(&b, "X-Cache: %s\r\n", r->x_cache);
    if (r->x_cache_layer)
        textbuf_put(&b, "X-Cache-Layer: %s\r\n", r->x_cache_layer);
    if (r->allow)
        textbuf_put(&b, "Allow: %s\r\n", r->allow);
    if (r->location[0])
        textbuf_put(&b, "Location: %s\r\n", r->location);
    if (r->retry_after_s > 0)
        textbuf_put(&b, "Retry-After: %d\r\n", r->retry_after_s);
    /* nginx sends the answer that slowly, from its buffer (the responder's
     * thread is free at once), and does not pass the header on. */
    if (r->send_rate > 0)
        textbuf_put(&b, "X-Accel-Limit-Rate: %d\r\n", r->send_rate);
    /* Cache-Control before X-Accel-Expires: nginx reads them in order. */
    if (r->edge_expires[0] != '\0' || r->edge_cookie_s > 0) {
        if (r->edge_stale_ok)
            textbuf_put(&b, "Cache-Control: stale-while-revalidate=1\r\n");
        if (r->edge_expires[0])
            textbuf_put(&b, "X-Accel-Expires: %s\r\n", r->edge_expires);
        if (r->edge_cookie_s > 0)
            textbuf_put(&b,
                        "Set-Cookie: " EDGE_COOKIE "=1; Max-Age=%d; "
                        "Path=/products; HttpOnly; SameSite=Strict\r\n",
                        r->edge_cookie_s);
    }
    if (r->body != NULL)
        textbuf_put(&b, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                    r->content_type ? r->content_type : "application/json",
                    r->body_len);
    /* A product answer may be kept by a cache only when told so: nginx's
     * edge cache honours X-Accel-Expires over this, browsers and proxies
     * revalidate (the data changes with every write). Errors, writes and
     * the service endpoints are never stored. Last, after any header a
     * cache reads first. */
    textbuf_put(&b,
                "X-Content-Type-Options: nosniff\r\n"
                "Cache-Control: %s\r\n\r\n",
                r->status == 200 && r->x_cache != NULL ? "no-cache"
                                                       : "no-store");
    return b.failed ? 0 : b.len;
}

/* Writes all of iov; -1 when the peer is gone. */
static int write_all(int fd, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

int framing_send(FCGX_Request *fr, const struct reply *r, bool head_only)
{
    /* Record headers: one per STDOUT record, then the empty STDOUT record
     * and END_REQUEST (header + 8-byte body). Pieces: a header and a body
     * part per STDOUT record, plus the header block in the first one (3
     * pieces: found by the fuzz target, a call with 16 records used 36),
     * then the three pieces of the end. */
    unsigned char headers[RECORDS_PER_CALL + 2][FCGI_HEADER_LEN];
    unsigned char end_body[8] = {0}; /* appStatus 0, REQUEST_COMPLETE */
    struct iovec iov[2 * RECORDS_PER_CALL + 1 + 3];
    char head[HEAD_MAX];
    size_t head_len = framing_head(r, head, sizeof(head));
    const char *body = head_only || r->body == NULL ? "" : r->body;
    size_t body_len = head_only || r->body == NULL ? 0 : r->body_len;
    size_t head_left = head_len;

    if (head_len == 0)
        return -1;
    /* The output stream is ours from here on (see the file comment). */
    fr->out->wasFCloseCalled = 1;
    fr->out->isClosed = 1;
    for (;;) {
        int records = 0, cnt = 0;
        bool last;

        while (records < RECORDS_PER_CALL && head_left + body_len > 0) {
            size_t room = FCGI_RECORD_MAX, take_head, take_body;

            take_head = head_left < room ? head_left : room;
            room -= take_head;
            take_body = body_len < room ? body_len : room;
            record_header(headers[records], FCGI_STDOUT, fr->requestId,
                          take_head + take_body);
            iov[cnt++] = (struct iovec){headers[records], FCGI_HEADER_LEN};
            if (take_head > 0)
                iov[cnt++] = (struct iovec){head + head_len - head_left,
                                            take_head};
            if (take_body > 0)
                iov[cnt++] = (struct iovec){(void *)(uintptr_t)body,
                                            take_body};
            head_left -= take_head;
            body += take_body;
            body_len -= take_body;
            records++;
        }
        last = head_left + body_len == 0;
        if (last) {
            record_header(headers[records], FCGI_STDOUT, fr->requestId, 0);
            iov[cnt++] = (struct iovec){headers[records], FCGI_HEADER_LEN};
            record_header(headers[records + 1], FCGI_END_REQUEST,
                          fr->requestId, sizeof(end_body));
            iov[cnt++] = (struct iovec){headers[records + 1], FCGI_HEADER_LEN};
            iov[cnt++] = (struct iovec){end_body, sizeof(end_body)};
        }
        if (write_all(fr->ipcFd, iov, cnt) != 0) {
            fr->keepConnection = 0; /* nginx went away: close it */
            return -1;
        }
        if (last)
            return 0;
    }
}
