/*
 * response: the CGI response format nginx expects from a FastCGI
 * responder: "Status:" plus headers, a blank line, then the body. Headers
 * are formatted with snprintf (libfcgi's own printf lacks %zu) and sent
 * with the body in as few stream writes as possible.
 */
#include "response.h"

#include <stdio.h>

#include <fcgiapp.h>

int response_send(struct FCGX_Stream *out, const struct reply *r,
                  bool head_only)
{
    char head[512];
    int n;

    n = snprintf(head, sizeof(head),
                 "Status: %d %s\r\n%s%s%s%s%s%s%s%s%s%s%s%s%s", r->status,
                 reply_status_text(r->status),
                 r->auth_challenge ? "WWW-Authenticate: Bearer\r\n" : "",
                 r->x_cache ? "X-Cache: " : "", r->x_cache ? r->x_cache : "",
                 r->x_cache ? "\r\n" : "",
                 r->x_cache_layer ? "X-Cache-Layer: " : "",
                 r->x_cache_layer ? r->x_cache_layer : "",
                 r->x_cache_layer ? "\r\n" : "", r->allow ? "Allow: " : "",
                 r->allow ? r->allow : "", r->allow ? "\r\n" : "",
                 r->location[0] ? "Location: " : "", r->location,
                 r->location[0] ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof(head))
        return -1;
    if (r->body != NULL) {
        int m = snprintf(head + n, sizeof(head) - (size_t)n,
                         "Content-Type: application/json\r\n"
                         "Content-Length: %zu\r\n",
                         r->body_len);
        if (m < 0 || (size_t)m >= sizeof(head) - (size_t)n)
            return -1;
        n += m;
    }
    if ((size_t)n + 2 >= sizeof(head))
        return -1;
    head[n++] = '\r';
    head[n++] = '\n';
    if (FCGX_PutStr(head, n, out) < 0)
        return -1;
    /* Cached bodies go out byte for byte as Redis returned them. */
    if (r->body != NULL && !head_only &&
        FCGX_PutStr(r->body, (int)r->body_len, out) < 0)
        return -1;
    return 0;
}
