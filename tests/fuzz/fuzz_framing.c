/*
 * libFuzzer target: the FastCGI records framing.c frames by hand (nginx
 * reads them). Incoming records and FastCGI params are parsed by libfcgi,
 * not by this project, so they are not fuzzed here. Input layout:
 *   bytes 0-1: request id; byte 2: flags (bit 0 HEAD, bit 1 no body, bit 2
 *   X-Cache, bit 3 Allow, bit 4 Location, bit 5 WWW-Authenticate);
 *   byte 3: status (an index into the known ones); bytes 4-6: body length
 *   (modulo 1.2 MB: past the 16 records of 64 KB that one writev carries);
 *   the rest: the body's bytes, repeated to that length.
 * The output goes to a temporary file and is read back record by record:
 * - each record is version 1, carries the request id, and fits in the
 *   file; STDOUT records are non-empty until one empty STDOUT record,
 *   then END_REQUEST (8 bytes, request complete, status 0) ends the output;
 * - the STDOUT bytes, joined, are exactly framing_head() followed by the
 *   body (nothing for HEAD or no body).
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "framing.h"

#define BODY_MOD (1200 * 1024)

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404,
                               405, 413, 415, 500, 503, 299};

/* Reads the records in out[0, len) and checks them; the STDOUT content
 * goes to content (*content_len bytes). */
static void parse_records(const unsigned char *out, size_t len, int request_id,
                          unsigned char *content, size_t *content_len)
{
    size_t at = 0;
    bool closed = false, ended = false;

    *content_len = 0;
    while (at < len) {
        const unsigned char *h = out + at;
        size_t clen, plen;

        fuzz_require(!ended, "nothing after END_REQUEST");
        fuzz_require(at + 8 <= len, "whole record header");
        fuzz_require(h[0] == 1, "version 1");
        fuzz_require(((h[2] << 8) | h[3]) == request_id, "request id");
        clen = ((size_t)h[4] << 8) | h[5];
        plen = h[6];
        fuzz_require(at + 8 + clen + plen <= len, "whole record");
        if (h[1] == 6) {
            fuzz_require(!closed, "no STDOUT after the empty one");
            if (clen == 0)
                closed = true;
            memcpy(content + *content_len, h + 8, clen);
            *content_len += clen;
        } else {
            fuzz_require(h[1] == 3 && clen == 8, "END_REQUEST of 8 bytes");
            fuzz_require(closed, "STDOUT closed before END_REQUEST");
            fuzz_require(memcmp(h + 8, "\0\0\0\0\0", 5) == 0,
                         "app status 0, request complete");
            ended = true;
        }
        at += 8 + clen + plen;
    }
    fuzz_require(ended, "END_REQUEST came");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reply r;
    FCGX_Stream stream;
    FCGX_Request fr;
    char head[1024];
    unsigned char *out = NULL, *content = NULL;
    size_t body_len, head_len, expect_len, content_len;
    bool head_only, has_body;
    FILE *f;
    long end;

    if (size < 7)
        return 0;
    reply_init(&r);
    r.status = statuses[data[3] % (sizeof(statuses) / sizeof(statuses[0]))];
    head_only = data[2] & 1;
    has_body = !(data[2] & 2);
    r.x_cache = data[2] & 4 ? "HIT" : NULL;
    r.allow = data[2] & 8 ? "GET, HEAD, PUT, DELETE" : NULL;
    if (data[2] & 16)
        snprintf(r.location, sizeof(r.location), "/products/%u", 4294967295u);
    r.auth_challenge = data[2] & 32;
    body_len = ((size_t)data[4] << 16 | (size_t)data[5] << 8 | data[6]) %
               BODY_MOD;
    if (has_body) {
        r.body = malloc(body_len + 1);
        if (r.body == NULL)
            return 0;
        for (size_t i = 0; i < body_len; i++)
            r.body[i] = size > 7 ? (char)data[7 + i % (size - 7)] : 'x';
        r.body[body_len] = '\0';
        r.body_len = body_len;
    }
    head_len = framing_head(&r, head, sizeof(head));
    fuzz_require(head_len > 0, "header block fits");

    f = tmpfile();
    fuzz_require(f != NULL, "tmpfile");
    memset(&stream, 0, sizeof(stream));
    memset(&fr, 0, sizeof(fr));
    fr.requestId = data[0] << 8 | data[1];
    fr.ipcFd = fileno(f);
    fr.out = &stream;
    fr.keepConnection = 1;
    fuzz_require(framing_send(&fr, &r, head_only) == 0, "response sent");
    fuzz_require(stream.isClosed && stream.wasFCloseCalled,
                 "libfcgi left nothing to write");

    end = lseek(fr.ipcFd, 0, SEEK_END);
    fuzz_require(end > 0, "something written");
    out = malloc((size_t)end);
    content = malloc((size_t)end);
    fuzz_require(out != NULL && content != NULL, "memory");
    fuzz_require(pread(fr.ipcFd, out, (size_t)end, 0) == end, "read back");
    parse_records(out, (size_t)end, fr.requestId, content, &content_len);
    expect_len = head_len + (head_only || !has_body ? 0 : body_len);
    fuzz_require(content_len == expect_len &&
                     memcmp(content, head, head_len) == 0 &&
                     memcmp(content + head_len, r.body ? r.body : "",
                            expect_len - head_len) == 0,
                 "STDOUT is the header block and then the body");
    free(out);
    free(content);
    fclose(f);
    free(r.body);
    return 0;
}
