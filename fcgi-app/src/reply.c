/* reply: building and releasing handler answers. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

void reply_init(struct reply *r)
{
    memset(r, 0, sizeof(*r));
    r->status = 200;
    r->fresh_ms = -1;
}

static void free_plain(char *body)
{
    free(body);
}

void reply_json(struct reply *r, int status, char *body, size_t len)
{
    reply_free(r);
    if (body == NULL) {
        reply_error(r, 500, "out of memory");
        return;
    }
    r->status = status;
    r->body = body;
    r->body_len = len;
    r->body_free = free_plain;
}

void reply_error(struct reply *r, int status, const char *msg)
{
    reply_free(r);
    r->status = status;
    r->body = json_render_error(msg, &r->body_len);
    r->body_free = json_free_error;
}

void reply_free(struct reply *r)
{
    if (r->body != NULL && r->body_free != NULL)
        r->body_free(r->body);
    r->body = NULL;
    r->body_len = 0;
    r->body_free = NULL;
}

const char *reply_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}
