/* fuzz: the checks the targets share (see fuzz.h). */
#include "fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void fuzz_require(bool ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz: property broken: %s\n", what);
    abort();
}

void fuzz_check_message(const char *msg, size_t cap)
{
    size_t len = 0, body_len = 0;
    char *body;
    json_t *root, *error;

    fuzz_require(memchr(msg, '\0', cap) != NULL, "message NUL-terminated");
    len = strlen(msg);
    fuzz_require(len > 0, "message not empty");
    body = json_render_error(msg, &body_len);
    root = json_loadb(body, body_len, 0, NULL);
    fuzz_require(root != NULL, "error body is JSON");
    error = json_object_get(root, "error");
    fuzz_require(json_is_string(error) && json_string_length(error) == len &&
                     memcmp(json_string_value(error), msg, len) == 0,
                 "error body carries the message (valid UTF-8)");
    json_decref(root);
    json_free_error(body);
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
