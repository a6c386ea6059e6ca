/* health: GET /healthz (liveness) and GET /readyz (dependencies). */
#ifndef HEALTH_H
#define HEALTH_H

#include "app.h"
#include "reply.h"

/* 200 {"status":"ok"}; touches nothing else. */
void health_live(struct reply *r);

/* 200 when what the mode needs answers (MySQL; Redis in cached mode),
 * else 503 naming what is down. With app->ready_cache, the answer is the
 * process's last check while it is younger than HEALTH_CACHE_MS: one check
 * a second, whatever the rate of /readyz, and the connections' reconnect
 * back-off is kept (a probe never forces a connect). */
void health_ready(struct app *app, struct reply *r);

#define HEALTH_CACHE_MS 1000

/* The last readiness check of a process, shared by its threads. NULL when
 * out of memory. */
struct health_cache *health_cache_open(void);
void health_cache_close(struct health_cache *hc);

#endif
