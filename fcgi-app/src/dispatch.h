/*
 * dispatch: one FastCGI request, from libfcgi's parameters to the router and
 * back out as a response. Called by workers.c's threads, concurrently, each
 * with its own struct app.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

struct app;
struct FCGX_Request;

/* Answers the request libfcgi has just read into fr, and reads its stdin to
 * the end, so the connection is ready for nginx's next request. */
void dispatch_request(struct app *app, struct FCGX_Request *fr);

#endif
