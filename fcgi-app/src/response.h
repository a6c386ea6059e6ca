/*
 * response: writes a struct reply onto the FastCGI output stream as CGI
 * headers plus body. One of the two files that see fcgiapp.h.
 */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stdbool.h>

#include "reply.h"

struct FCGX_Stream;

/* Writes status, Content-Type, X-Cache/Allow/Location when set, and the body
 * (omitted when head_only). Returns 0, or -1 when the client went away. */
int response_send(struct FCGX_Stream *out, const struct reply *r,
                  bool head_only);

#endif
