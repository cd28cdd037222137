/* The time limit of deadline_internal.h: judged one poll after it passed. */
#include "base/deadline_internal.h"

/* The grace: long enough that the next iteration polls before its timers run again. */
#define DEADLINE_GRACE_MS 1

static void on_expiry(uv_timer_t *t)
{
    struct tlsd_deadline *d = (struct tlsd_deadline *)t;
    if (!d->reached) {
        d->reached = true;
        uv_timer_start(t, on_expiry, DEADLINE_GRACE_MS, 0);
        return;
    }
    d->on_limit(t);
}

void tlsd_deadline_init(uv_loop_t *loop, struct tlsd_deadline *d)
{
    uv_timer_init(loop, &d->timer);
    d->on_limit = NULL;
    d->reached = false;
}

void tlsd_deadline_start(struct tlsd_deadline *d, uv_timer_cb on_limit, uint64_t ms)
{
    d->on_limit = on_limit;
    d->reached = false;
    uv_timer_start(&d->timer, on_expiry, ms, 0);
}
