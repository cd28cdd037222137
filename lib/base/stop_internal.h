#ifndef TLSDIAG_STOP_INTERNAL_H
#define TLSDIAG_STOP_INTERNAL_H

/* SIGINT/SIGTERM in the libuv jobs (scan, serve): the first asks the job to finish what
 * it has; the same signal delivered twice at once (TLSD_SIGNAL_REPEAT_MS) is that one
 * request; a later one ends the process. The clock is read when each signal is handled,
 * and the first one's time is taken after its stop work is done, so a loop slowed down
 * by that work or by a loaded machine does not turn a repeat into a second request. */

#include "tlsdiag/signals.h"
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct tlsd_stop_request {
    bool requested;
    struct timespec done; /* CLOCK_MONOTONIC when the first request's stop work was done */
};

/* Called from the job's uv_signal callback for SIGINT (sigint) or SIGTERM (sigterm): true
 * for the first request, which the caller then carries out and ends with tlsd_stop_done;
 * a repeat is ignored; a second request ends the process with the signal's default
 * action. */
static inline bool tlsd_stop_first(const struct tlsd_stop_request *r, uv_signal_t *sigint,
                                   uv_signal_t *sigterm, int signum)
{
    if (!r->requested)
        return true;
    if (tlsd_signal_second_request(&r->done)) {
        uv_signal_stop(sigint);
        uv_signal_stop(sigterm);
        raise(signum);
    }
    return false;
}

/* After the first request's stop work. */
static inline void tlsd_stop_done(struct tlsd_stop_request *r)
{
    r->requested = true;
    clock_gettime(CLOCK_MONOTONIC, &r->done);
}

/* After the loop's signal watchers are closed (libuv then puts back SIG_DFL): when a stop was
 * requested, a repeat of it that comes late (its sender was descheduled between the two
 * kill()s, or the loop ended faster than the repeat arrived) must still not end the process
 * while it writes what it finished; a second request (TLSD_SIGNAL_REPEAT_MS after the
 * first) still does. Call right after uv_close of the watchers. */
#ifndef _WIN32
static struct timespec tlsd_stop_guard_since;

static void tlsd_stop_guard(int sig) /* async-signal-safe: clock_gettime, signal, raise */
{
    if (tlsd_signal_second_request(&tlsd_stop_guard_since)) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}
#endif

static inline void tlsd_stop_after_loop(const struct tlsd_stop_request *r)
{
#ifndef _WIN32
    if (!r->requested)
        return;
    tlsd_stop_guard_since = r->done;
    signal(SIGINT, tlsd_stop_guard);
    signal(SIGTERM, tlsd_stop_guard);
#else
    (void)r;
#endif
}

#endif
