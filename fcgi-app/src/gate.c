/*
 * gate: a mutex and a condition variable on the monotonic clock. Holders and
 * waiters are counted under the mutex; a thread that finds the queue full
 * turns away without sleeping.
 */
#include "gate.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct gate {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    size_t slots, waiters_max;
    size_t held, waiting;
};

struct gate *gate_open(size_t slots, size_t waiters)
{
    struct gate *g = calloc(1, sizeof(*g));
    pthread_condattr_t attr;

    if (g == NULL)
        return NULL;
    g->slots = slots > 0 ? slots : 1;
    g->waiters_max = waiters;
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g->freed, &attr);
    pthread_condattr_destroy(&attr);
    return g;
}

void gate_close(struct gate *g)
{
    if (g == NULL)
        return;
    pthread_cond_destroy(&g->freed);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static bool enter(struct gate *g, long long wait_ms, bool queue_bounded)
{
    struct timespec deadline;
    bool in = false;

    if (g == NULL)
        return true;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g->lock);
    if (g->held < g->slots) {
        in = true;
    } else if ((!queue_bounded || g->waiting < g->waiters_max) &&
               wait_ms > 0) {
        g->waiting++;
        while (g->held >= g->slots)
            if (pthread_cond_timedwait(&g->freed, &g->lock, &deadline) != 0)
                break;
        g->waiting--;
        in = g->held < g->slots;
    }
    if (in)
        g->held++;
    pthread_mutex_unlock(&g->lock);
    return in;
}

bool gate_enter(struct gate *g, long long wait_ms)
{
    return enter(g, wait_ms, true);
}

bool gate_enter_refresh(struct gate *g, long long wait_ms)
{
    return enter(g, wait_ms, false);
}

void gate_leave(struct gate *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&g->lock);
    if (g->held > 0)
        g->held--;
    pthread_cond_signal(&g->freed);
    pthread_mutex_unlock(&g->lock);
}
