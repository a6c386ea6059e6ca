/*
 * ceiling: the FastCGI "ceiling" reference of `make bench SCENARIO=ceiling`.
 * A trivial libfcgi responder that answers every request with bytes read
 * from files at start-up: the exact CGI output (Status, X-Cache,
 * Content-Type, Content-Length, ... headers and body) that the project's
 * responders gave for the same query string, captured by bench/ceiling.
 * It does no parsing, no I/O and no allocation per request, so what it
 * measures is the cost of nginx + FastCGI + libfcgi alone: the floor under
 * any hit path.
 *
 *   ceiling DIR      DIR/index has one line per answer: "FILE QUERY", where
 *                    FILE is a name inside DIR and QUERY the rest of the
 *                    line (the request's QUERY_STRING, possibly empty).
 *
 * spawn-fcgi hands us the listening socket as fd 0 and multiwatch runs N of
 * us on it. libfcgi honours FCGI_KEEP_CONN, so behind nginx's upstream
 * keepalive one connection carries many requests. An unknown query string
 * gets a JSON 404. Signals are left at their defaults: the reference has
 * nothing to finish, so TERM simply ends it.
 *
 * Deliberately left out: routing, methods, metrics, logging per request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

/* The scenario captures a handful of answers; a fixed table keeps the
 * lookup a short loop of strcmp. */
#define CEILING_ANSWERS_MAX 16
/* Largest answer file accepted: well above a 1,000-row page (~47 KB). */
#define CEILING_FILE_MAX (8u * 1024u * 1024u)
#define CEILING_LINE_MAX 1024

struct answer {
    char *query;
    char *bytes;
    size_t len;
};

static const char not_found[] =
    "Status: 404 Not Found\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"error\":\"ceiling: no captured answer for this query string\"}\n";

/* Reads the whole of PATH into a new buffer (*out, *len; caller frees).
 * Returns 0, or -1 with the reason printed to stderr. */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL) {
        fprintf(stderr, "ceiling: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "ceiling: %s: cannot size it\n", path);
        goto close_file;
    }
    if (size == 0 || (unsigned long)size > CEILING_FILE_MAX) {
        fprintf(stderr, "ceiling: %s: %ld bytes (want 1..%u)\n", path, size,
                CEILING_FILE_MAX);
        goto close_file;
    }
    buf = malloc((size_t)size);
    if (buf == NULL) {
        fprintf(stderr, "ceiling: out of memory for %s\n", path);
        goto close_file;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "ceiling: %s: short read\n", path);
        goto free_buf;
    }
    fclose(f);
    *out = buf;
    *len = (size_t)size;
    return 0;

free_buf:
    free(buf);
close_file:
    fclose(f);
    return -1;
}

/* Loads DIR/index and every file it names into answers[]. Returns the
 * number loaded (>= 1), or -1 with the reason printed to stderr. Answers
 * live until the process ends. */
static int load_answers(const char *dir, struct answer *answers)
{
    char path[4096], file[4096], line[CEILING_LINE_MAX];
    int n = 0;
    FILE *index;

    snprintf(path, sizeof(path), "%s/index", dir);
    index = fopen(path, "r");
    if (index == NULL) {
        fprintf(stderr, "ceiling: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), index) != NULL) {
        char *sp, *end = line + strcspn(line, "\r\n");

        *end = '\0';
        if (line[0] == '\0')
            continue;
        sp = strchr(line, ' ');
        if (sp == NULL || sp == line || strchr(line, '/') != NULL ||
            n == CEILING_ANSWERS_MAX) {
            fprintf(stderr, "ceiling: %s: bad line or too many: '%s'\n", path,
                    line);
            goto fail;
        }
        *sp = '\0';
        snprintf(file, sizeof(file), "%s/%s", dir, line);
        answers[n].query = strdup(sp + 1);
        if (answers[n].query == NULL ||
            read_file(file, &answers[n].bytes, &answers[n].len) != 0)
            goto fail;
        n++;
    }
    fclose(index);
    if (n == 0) {
        fprintf(stderr, "ceiling: %s/index names no answer\n", dir);
        return -1;
    }
    return n;

fail:
    fclose(index);
    return -1;
}

int main(int argc, char **argv)
{
    struct answer answers[CEILING_ANSWERS_MAX];
    FCGX_Request req;
    int n;

    if (argc != 2) {
        fprintf(stderr, "usage: ceiling DIR (DIR/index: FILE QUERY lines)\n");
        return 2;
    }
    n = load_answers(argv[1], answers);
    if (n < 0)
        return 1;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
        fprintf(stderr, "ceiling: libfcgi initialisation failed\n");
        return 1;
    }
    while (FCGX_Accept_r(&req) >= 0) {
        const char *q = FCGX_GetParam("QUERY_STRING", req.envp);
        const char *bytes = not_found;
        size_t len = sizeof(not_found) - 1;

        if (q == NULL)
            q = "";
        for (int i = 0; i < n; i++) {
            if (strcmp(answers[i].query, q) == 0) {
                bytes = answers[i].bytes;
                len = answers[i].len;
                break;
            }
        }
        /* One write of the stored bytes, verbatim: the answer is already a
         * complete CGI response, so nothing is formatted per request. */
        FCGX_PutStr(bytes, (int)len, req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
