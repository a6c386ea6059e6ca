/* clock: monotonic and wall-clock milliseconds, and a millisecond sleep. */
#ifndef CLOCK_H
#define CLOCK_H

/* Wall clock, ms since the epoch. */
long long clock_now_ms(void);
/* Monotonic clock, ms; for measuring intervals. */
long long clock_mono_ms(void);
void clock_sleep_ms(long long ms);

#endif
