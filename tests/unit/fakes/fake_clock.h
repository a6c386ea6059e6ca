/* fake_clock.c's knob: how far the app host's wall clock is off. */
#ifndef FAKE_CLOCK_H
#define FAKE_CLOCK_H

extern long long fake_clock_skew_ms;

#endif
