/*
 * A clock.h whose wall clock is off by fake_clock_skew_ms: the app host's
 * clock disagreeing with Redis' (test_epoch). The monotonic clock and
 * sleeps are real.
 */
#include <errno.h>
#include <time.h>

#include "clock.h"
#include "fake_clock.h"

long long fake_clock_skew_ms;

static long long read_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long clock_now_ms(void)
{
    return read_ms(CLOCK_REALTIME) + fake_clock_skew_ms;
}

long long clock_mono_ms(void)
{
    return read_ms(CLOCK_MONOTONIC);
}

void clock_sleep_ms(long long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
