#ifndef TLSDIAG_STOP_INTERNAL_H
#define TLSDIAG_STOP_INTERNAL_H

/* SIGINT/SIGTERM in the libuv jobs (scan, serve): the first asks the job to finish what
 * it has; the same signal delivered twice at once (TLSD_SIGNAL_REPEAT_MS) is that one
 * request; a later one ends the process. The clock is read when each signal is handled,
 * and the first one's time is taken after its stop work is done, so a loop slowed down
 * by that work or by a loaded machine does not turn a repeat into a second request. */

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "tlsdiag/signals.h"

struct tlsd_stop_request {
    bool requested;
    uint64_t done_ns; /* uv_hrtime when the first request's stop work was done */
};

enum tlsd_stop_kind { TLSD_STOP_FIRST, TLSD_STOP_REPEAT, TLSD_STOP_SECOND };

static inline enum tlsd_stop_kind tlsd_stop_classify(const struct tlsd_stop_request *r)
{
    if (!r->requested)
        return TLSD_STOP_FIRST;
    uint64_t ms = (uv_hrtime() - r->done_ns) / 1000000u;
    return ms < TLSD_SIGNAL_REPEAT_MS ? TLSD_STOP_REPEAT : TLSD_STOP_SECOND;
}

/* After the first request's stop work. */
static inline void tlsd_stop_done(struct tlsd_stop_request *r)
{
    r->requested = true;
    r->done_ns = uv_hrtime();
}

#endif
