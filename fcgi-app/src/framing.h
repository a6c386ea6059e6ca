/*
 * framing: writes a struct reply to nginx as one FastCGI response: CGI
 * headers plus body in FCGI_STDOUT records, then the end of the request.
 * One of the four files that see fcgiapp.h (with main.c, dispatch.c
 * and workers.c).
 */
#ifndef FRAMING_H
#define FRAMING_H

#include <stdbool.h>
#include <stddef.h>

#include "reply.h"

struct FCGX_Request;

/* Writes status, Content-Type, X-Cache/Allow/Location and the edge headers
 * (Cache-Control, X-Accel-Expires, Set-Cookie; edge.c) when set, and the body
 * (omitted when head_only), and ends the request, in one writev(2) for any
 * body up to a few MB. Returns 0, or -1 when nginx went away (the
 * connection is then not kept). */
int framing_send(struct FCGX_Request *fr, const struct reply *r,
                  bool head_only);

/* The CGI header block of r ("Status: ...\r\n...\r\n\r\n") into out.
 * Returns its length, or 0 when out is too small. */
size_t framing_head(const struct reply *r, char *out, size_t outlen);

#endif
