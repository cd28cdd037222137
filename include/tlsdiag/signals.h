#ifndef TLSDIAG_SIGNALS_H
#define TLSDIAG_SIGNALS_H

/* The first SIGINT or SIGTERM asks a long job (scan, analyze, serve) to finish what it
 * has and stop; a second one ends the process at once. A repeat that comes sooner than
 * this after the first is the same request delivered twice, not a second one: timeout(1)
 * and shells send a signal to the process and to its process group, so a job often gets
 * it twice within microseconds, and must still finish its output. */
#define TLSD_SIGNAL_REPEAT_MS 1000

#include <stdbool.h>
#include <time.h>

/* True when a stop signal now is a second request, not a repeat of the first one, which
 * came at first (CLOCK_MONOTONIC). Async-signal-safe: only clock_gettime. */
static inline bool tlsd_signal_second_request(const struct timespec *first)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms =
        (long long)(now.tv_sec - first->tv_sec) * 1000 + (now.tv_nsec - first->tv_nsec) / 1000000;
    return ms >= TLSD_SIGNAL_REPEAT_MS;
}

#endif
