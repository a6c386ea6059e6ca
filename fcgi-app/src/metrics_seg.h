/*
 * metrics_seg: the layout of the shared metrics segment, for metrics.c
 * (which maps it and counts into it) and metrics_text.c (which adds the
 * slots up for a scrape). Nothing else includes it.
 *
 * The layout is fixed; METRICS_MAGIC carries its version, so a responder of
 * another build refuses a file of an older layout instead of misreading it
 * (fcgi-app/start-pool starts every pool on a fresh file).
 */
#ifndef METRICS_SEG_H
#define METRICS_SEG_H

#include <stdatomic.h>
#include <stdint.h>

#include "metrics.h"

/* "prodmet" and the layout version. */
#define METRICS_MAGIC 0x70726f646d657403ULL

/* One slot per responder process; POOL_SIZE is at most 512 (start-pool). A
 * process that finds none free counts into slot 0 with its owner: still
 * exact, only slower. */
#define METRICS_SLOTS 512

/* Cache outcome of a request: the X-Cache header, L1 for a hit answered
 * from process memory (X-Cache-Layer: L1), NONE when there is no header. */
enum metric_outcome {
    MOUT_L1,
    MOUT_HIT,
    MOUT_MISS,
    MOUT_STALE,
    MOUT_BYPASS,
    MOUT_NONE,
    MOUT_COUNT
};

/* Status classes 1xx..5xx (index = status / 100 - 1). */
#define METRICS_CLASSES 5

/* Upper bounds of the histogram buckets, in nanoseconds: 0.5 ms to 5 s, and
 * a last one for everything above (+Inf). */
#define METRICS_BUCKETS 14
static const uint64_t metrics_bucket_ns[METRICS_BUCKETS - 1] = {
    500000,    1000000,   2500000,    5000000,    10000000,
    25000000,  50000000,  100000000,  250000000,  500000000,
    1000000000, 2500000000, 5000000000,
};

/* Per-bucket (not cumulative) counts; the exposition adds them up. */
struct metrics_hist {
    _Atomic uint64_t bucket[METRICS_BUCKETS];
    _Atomic uint64_t sum_ns;
};

struct metrics_slot {
    _Atomic int32_t pid;     /* owner; 0: never used */
    _Atomic int32_t busy;    /* threads working on a request now */
    _Atomic int32_t threads; /* the owner's RESPONDER_THREADS */
    _Atomic uint64_t requests[MROUTE_COUNT][METRICS_CLASSES][MOUT_COUNT];
    struct metrics_hist request[MOUT_COUNT];
    struct metrics_hist timer[MTIMER_COUNT];
    _Atomic uint64_t count[METRIC_COUNT];
} __attribute__((aligned(64))); /* slots never share a cache line */

struct metrics_segment {
    _Atomic uint64_t magic;
    _Atomic uint64_t starts; /* responder processes started on it */
    struct metrics_slot slot[METRICS_SLOTS];
};

/* The mapped segment (NULL before metrics_open()) and the mode label. */
const struct metrics_segment *metrics_segment(void);
const char *metrics_mode(void);

/* Whether the slot's owner is alive (it may be this process). */
bool metrics_slot_alive(const struct metrics_slot *s);

#endif
