/*
 * metrics: maps the shared segment (metrics_seg.h), claims this process's
 * slot and counts into it. The exposition is metrics_text.c's.
 *
 * Hot path cost: a request adds two clock reads and five relaxed atomic
 * operations on this process's own slot (busy up and down, its request
 * counter, its bucket and the duration sum); no lock, no system call, and no
 * cache line another process writes.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics_seg.h"

static struct metrics_segment *seg;
static struct metrics_slot *mine; /* NULL: count nothing */
static const char *mode_name = "unknown";

const struct metrics_segment *metrics_segment(void) { return seg; }

const char *metrics_mode(void) { return mode_name; }

bool metrics_slot_alive(const struct metrics_slot *s)
{
    pid_t pid = (pid_t)atomic_load_explicit(&s->pid, memory_order_relaxed);

    if (pid <= 0)
        return false;
    return pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH;
}

/* Maps path (created and sized if new), or private memory without one. */
static struct metrics_segment *map_segment(const char *path, char *err,
                                           size_t errlen)
{
    size_t size = sizeof(struct metrics_segment);
    struct stat st;
    void *p;
    int fd;

    if (path == NULL || path[0] == '\0') {
        p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            snprintf(err, errlen, "METRICS: mmap: %s", strerror(errno));
            return NULL;
        }
        return p;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "METRICS_FILE %s: %s", path, strerror(errno));
        return NULL;
    }
    /* Every responder sizes it the same way: growing a new (empty) file
     * fills it with zeros, which is the initial state of every counter. */
    if (fstat(fd, &st) != 0 ||
        ((size_t)st.st_size < size && ftruncate(fd, (off_t)size) != 0)) {
        snprintf(err, errlen, "METRICS_FILE %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size > size) {
        snprintf(err, errlen,
                 "METRICS_FILE %s has another layout (%lld bytes, expected "
                 "%zu): remove it, or restart the pool with start-pool",
                 path, (long long)st.st_size, size);
        close(fd);
        return NULL;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "METRICS_FILE %s: mmap: %s", path,
                 strerror(errno));
        return NULL;
    }
    return p;
}

/* The first slot nobody owns, or whose owner is dead (a restarted
 * responder continues its predecessor's numbers); slot 0 when all 512 are
 * taken by live processes. */
static struct metrics_slot *claim_slot(struct metrics_segment *s,
                                       unsigned threads)
{
    int32_t me = (int32_t)getpid();
    struct metrics_slot *got = &s->slot[0];

    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        struct metrics_slot *slot = &s->slot[i];
        int32_t owner = atomic_load(&slot->pid);

        if (owner != 0 && metrics_slot_alive(slot))
            continue;
        if (atomic_compare_exchange_strong(&slot->pid, &owner, me)) {
            got = slot;
            /* The dead owner's requests in flight will never end. */
            atomic_store(&got->busy, 0);
            break;
        }
    }
    atomic_store(&got->threads, (int32_t)threads);
    return got;
}

int metrics_open(const struct metrics_options *opt, char *err, size_t errlen)
{
    uint64_t magic = 0;

    mode_name = opt->mode != NULL ? opt->mode : "unknown";
    seg = map_segment(opt->path, err, errlen);
    if (seg == NULL)
        return -1;
    if (!atomic_compare_exchange_strong(&seg->magic, &magic, METRICS_MAGIC) &&
        magic != METRICS_MAGIC) {
        snprintf(err, errlen,
                 "METRICS_FILE %s has another layout: remove it, or restart "
                 "the pool with start-pool",
                 opt->path);
        metrics_close();
        return -1;
    }
    atomic_fetch_add(&seg->starts, 1);
    if (opt->enabled)
        mine = claim_slot(seg, opt->threads);
    return 0;
}

void metrics_close(void)
{
    if (seg != NULL)
        munmap(seg, sizeof(*seg));
    seg = NULL;
    mine = NULL;
}

static void add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void metrics_count(enum metric m)
{
    if (mine != NULL)
        add(&mine->count[m], 1);
}

void metrics_add(enum metric m, unsigned long long n)
{
    if (mine != NULL)
        add(&mine->count[m], n);
}

long long metrics_clock(void)
{
    struct timespec ts;

    if (mine == NULL)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void hist_add(struct metrics_hist *h, long long start)
{
    long long now = metrics_clock();
    uint64_t ns = now > start ? (uint64_t)(now - start) : 0;
    size_t b = 0;

    while (b < METRICS_BUCKETS - 1 && ns > metrics_bucket_ns[b])
        b++;
    add(&h->bucket[b], 1);
    add(&h->sum_ns, ns);
}

void metrics_observe(enum metric_timer t, long long start)
{
    if (mine != NULL)
        hist_add(&mine->timer[t], start);
}

long long metrics_request_begin(void)
{
    if (mine == NULL)
        return 0;
    atomic_fetch_add_explicit(&mine->busy, 1, memory_order_relaxed);
    return metrics_clock();
}

static enum metric_outcome outcome_of(const struct reply *r)
{
    if (r->x_cache_layer != NULL)
        return MOUT_L1;
    if (r->x_cache == NULL)
        return MOUT_NONE;
    switch (r->x_cache[0]) {
    case 'H':
        return MOUT_HIT;
    case 'M':
        return MOUT_MISS;
    case 'S':
        return MOUT_STALE;
    case 'B':
        return MOUT_BYPASS;
    default:
        return MOUT_NONE;
    }
}

void metrics_request_end(long long start, enum metric_route route,
                         const struct reply *r)
{
    enum metric_outcome out;
    int cls;

    if (mine == NULL)
        return;
    out = outcome_of(r);
    cls = r->status / 100 - 1;
    if (cls < 0 || cls >= METRICS_CLASSES)
        cls = METRICS_CLASSES - 1; /* cannot happen: reply.c's statuses */
    add(&mine->requests[route][cls][out], 1);
    hist_add(&mine->request[out], start);
    atomic_fetch_sub_explicit(&mine->busy, 1, memory_order_relaxed);
}
