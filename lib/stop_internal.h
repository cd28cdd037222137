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
    uint64_t done_ns; /* uv_hrtime when the first request's stop work was done */
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
    if ((uv_hrtime() - r->done_ns) / 1000000u >= TLSD_SIGNAL_REPEAT_MS) {
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
    r->done_ns = uv_hrtime();
}

#endif
