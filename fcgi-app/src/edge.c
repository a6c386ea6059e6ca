/* edge: X-Accel-Expires, stale permission and the writer's bypass cookie
 * for the nginx micro-cache (see edge.h). Pure: no I/O, no clock. */
#include "edge.h"

#include <stdio.h>
#include <string.h>

static bool is_write(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "DELETE") == 0;
}

static long long bound_ms(long long life_ms)
{
    return life_ms > EDGE_MIN_BOUND_MS ? life_ms : EDGE_MIN_BOUND_MS;
}

long long edge_fresh_until_s(long long started_ms, long long life_ms)
{
    long long now_s = started_ms / 1000;
    /* Stale ends where second until+2 begins: at or before the bound. */
    long long until = (started_ms + bound_ms(life_ms)) / 1000 - 2;

    return until > now_s ? until : now_s;
}

int edge_cookie_seconds(long long edge_cache_ms)
{
    return (int)((bound_ms(edge_cache_ms) + 999) / 1000 + 1);
}

/* How long the answer of a product read may be kept: EDGE_CACHE_MS,
 * capped by the Redis freshness it has left. 0 for statuses never kept. */
static long long read_life_ms(const struct config *cfg, const struct reply *r)
{
    long long life = cfg->edge_cache_ms;

    if (r->status == 404 || r->status == 503)
        return life < EDGE_NEGATIVE_MS ? life : EDGE_NEGATIVE_MS;
    if (r->status != 200)
        return 0;
    if (r->fresh_ms >= 0 && r->fresh_ms < life)
        life = r->fresh_ms;
    return life;
}

void edge_mark(const struct config *cfg, const char *method,
               long long started_ms, struct reply *r)
{
    long long life;

    r->edge_expires[0] = '\0';
    r->edge_stale_ok = false;
    r->edge_cookie_s = 0;
    if (cfg->edge_cache_ms <= 0)
        return;
    snprintf(r->edge_expires, sizeof(r->edge_expires), "0");
    if (is_write(method)) {
        /* A 4xx changed nothing; a 2xx did, and a 5xx may have. */
        if (r->status < 400 || r->status >= 500)
            r->edge_cookie_s = edge_cookie_seconds(cfg->edge_cache_ms);
        return;
    }
    if (!r->edge_read)
        return;
    life = read_life_ms(cfg, r);
    if (r->status == 200) {
        /* Even with no Redis freshness left (a STALE answer, which is of
         * the current generation and so holds every acknowledged write)
         * the copy is kept for the shortest bound nginx can express. */
        snprintf(r->edge_expires, sizeof(r->edge_expires), "@%lld",
                 edge_fresh_until_s(started_ms, life));
        r->edge_stale_ok = true;
    } else if (life > 0) {
        /* The rest of the current second, and no stale copy of an error. */
        snprintf(r->edge_expires, sizeof(r->edge_expires), "@%lld",
                 started_ms / 1000);
    }
}
