/* health: GET /healthz (liveness) and GET /readyz (dependencies). */
#ifndef HEALTH_H
#define HEALTH_H

#include "app.h"
#include "reply.h"

/* 200 {"status":"ok"}; touches nothing else. */
void health_live(struct reply *r);

/* 200 when what the mode needs answers (MySQL; Redis in cached mode),
 * else 503 naming what is down. */
void health_ready(struct app *app, struct reply *r);

#endif
