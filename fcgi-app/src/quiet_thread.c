/*
 * quiet_thread: see quiet_thread.h.
 */
#include "quiet_thread.h"

#include <signal.h>

int start_thread_quietly(pthread_t *thread, void *(*run)(void *), void *arg)
{
    sigset_t all, old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(thread, NULL, run, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
