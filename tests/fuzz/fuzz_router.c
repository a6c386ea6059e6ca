/*
 * libFuzzer target: a whole request through router_dispatch (router.c and
 * every handler behind it: reads.c, writes.c, health.c, metrics.c),
 * with the unit tests' fakes of Redis and MySQL (tests/unit/fakes), then
 * the CGI header block framing.c would send. Input layout:
 *   byte 0: knobs; bit 0: send the right bearer token (else the text of
 *           field 4), bit 1: no query string (NULL), bit 2: Content-Type
 *           application/json (else text/plain), bits 3-4: what the fake
 *           store answers, bit 5: Redis down, bit 6: no body;
 *   then "method\npath\nquery\nauthorization\nbody" (missing fields are
 *   empty; the body may hold anything).
 * Beyond "no crash, no leak, no UB":
 * - the status is one framing.c knows; 204 has no body, every other
 *   answer a JSON body, and an error an {"error": string} that is not the
 *   out-of-memory fallback;
 * - Allow is set exactly on a 405;
 * - only the route table's paths get past the 404: /products, /healthz,
 *   /readyz, /admin/stats, and /products/ plus one segment without '/';
 *   a 2xx for /products/{id} means the segment is a valid id, and
 *   /products/{id} with a query string is a 400;
 * - no write (POST, PUT, DELETE) answers 2xx without the exact token;
 * - the header block fits, is printable ASCII in CRLF-terminated lines
 *   (no header injection) and ends with an empty line; a Location is
 *   /products/<id>.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "fakes/fakes.h"
#include "fuzz.h"
#include "request.h"
#include "framing.h"
#include "router.h"

static struct config cfg;
static struct app app;

/* Cuts the next '\n'-terminated field off *p (the last takes the rest). */
static char *next_field(char **p, bool last)
{
    char *start = *p, *nl;

    if (last || (nl = strchr(start, '\n')) == NULL) {
        *p = start + strlen(start);
        return start;
    }
    *nl = '\0';
    *p = nl + 1;
    return start;
}

static bool known_path(const char *path, const char **id)
{
    static const char prefix[] = "/products/";
    const char *seg = path + sizeof(prefix) - 1;

    *id = NULL;
    if (strcmp(path, "/products") == 0 || strcmp(path, "/healthz") == 0 ||
        strcmp(path, "/readyz") == 0 || strcmp(path, "/admin/stats") == 0)
        return true;
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || seg[0] == '\0' ||
        strchr(seg, '/') != NULL)
        return false;
    *id = seg;
    return true;
}

static void check_body(const struct reply *r)
{
    json_t *root, *error;

    if (r->status == 204) {
        fuzz_require(r->body == NULL, "204 has no body");
        return;
    }
    fuzz_require(r->body != NULL && strlen(r->body) == r->body_len,
                 "a body of body_len bytes");
    root = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    fuzz_require(root != NULL, "body is JSON");
    if (r->status >= 400) {
        error = json_object_get(root, "error");
        fuzz_require(json_is_string(error), "error body has an error string");
        fuzz_require(strcmp(json_string_value(error), "out of memory") != 0,
                     "error message not lost to the OOM fallback");
    }
    json_decref(root);
}

static void check_head(const struct reply *r)
{
    char head[1024];
    size_t len = framing_head(r, head, sizeof(head));

    fuzz_require(len > 0, "header block fits");
    fuzz_require(len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0,
                 "header block ends with an empty line");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)head[i];
        if (c == '\r')
            fuzz_require(i + 1 < len && head[i + 1] == '\n', "CR only in CRLF");
        else if (c == '\n')
            fuzz_require(i > 0 && head[i - 1] == '\r', "LF only in CRLF");
        else
            fuzz_require(c >= 0x20 && c < 0x7f, "header bytes printable");
    }
    if (r->location[0] != '\0') {
        uint32_t id;
        char err[REQUEST_ERR_MAX];
        fuzz_require(strncmp(r->location, "/products/", 10) == 0 &&
                         request_parse_id(r->location + 10, &id, err,
                                          sizeof(err)) == 0,
                     "Location is /products/<id>");
    }
}

static bool is_write(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "DELETE") == 0;
}

static bool right_token(const char *auth)
{
    return auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 &&
           strcmp(auth + 7, FAKES_TOKEN) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum store_result results[] = {STORE_OK, STORE_NOT_FOUND,
                                                STORE_DOWN, STORE_UNCERTAIN};
    static bool ready;
    struct http_request req;
    struct reply r;
    char *text, *p, *auth;
    const char *id;
    uint8_t knobs;
    bool found;

    if (size == 0)
        return 0;
    if (!ready) {
        fakes_app_init(&app, &cfg);
        strcpy(cfg.admin_token, FAKES_TOKEN);
        ready = true;
    }
    knobs = data[0];
    text = fuzz_strndup(data + 1, size - 1);
    if (text == NULL)
        return 0;
    memset(&req, 0, sizeof(req));
    p = text;
    req.method = next_field(&p, false);
    fakes_reset();
    fake_store.result = results[(knobs >> 3) & 3];
    /* Reads never answer STORE_UNCERTAIN (store.c): only writes can. */
    if (fake_store.result == STORE_UNCERTAIN && !is_write(req.method))
        fake_store.result = STORE_DOWN;
    fake_cache.down = (knobs & 32) != 0;
    req.path = next_field(&p, false);
    req.query = next_field(&p, false);
    auth = next_field(&p, false);
    req.write.body = next_field(&p, true);
    if (knobs & 1)
        req.write.authorization = "Bearer " FAKES_TOKEN;
    else
        req.write.authorization = auth[0] ? auth : NULL;
    if (knobs & 2)
        req.query = NULL;
    req.write.content_type = knobs & 4 ? "application/json" : "text/plain";
    req.write.body_len = strlen(req.write.body);
    req.write.content_length = (long long)req.write.body_len;
    if (knobs & 64) {
        req.write.body = NULL;
        req.write.body_len = 0;
        req.write.content_length = -1;
    }

    reply_init(&r);
    router_dispatch(&app, &req, &r);

    fuzz_require(strcmp(reply_status_text(r.status), "Unknown") != 0,
                 "status known to framing.c");
    check_body(&r);
    fuzz_require((r.status == 405) == (r.allow != NULL), "Allow exactly on 405");
    found = known_path(req.path, &id);
    fuzz_require(found || r.status == 404, "unknown paths answer 404");
    if (id != NULL && req.query != NULL && req.query[0] != '\0')
        fuzz_require(r.status == 400, "/products/{id} refuses a query");
    if (id != NULL && r.status >= 200 && r.status < 300) {
        uint32_t n;
        char err[REQUEST_ERR_MAX];
        fuzz_require(request_parse_id(id, &n, err, sizeof(err)) == 0,
                     "2xx for /products/{id} only with a valid id");
    }
    if (is_write(req.method) && r.status >= 200 && r.status < 300)
        fuzz_require(right_token(req.write.authorization),
                     "no write succeeds without the token");
    check_head(&r);
    reply_free(&r);
    free(text);
    return 0;
}
