/* A time limit on network I/O in a libuv job (a probe, a served client, a scanned target),
 * judged after the loop has read what already came.
 *
 * libuv runs an iteration's timers before its I/O. When the loop was held (a busy scan of
 * many targets, a slow writer of the output, a loaded machine), a limit that passed during
 * the hold fires before the sockets are polled, and an answer that came in time and is
 * already in a socket would be taken for none: a false "no answer", "silent client" or
 * "time limit reached". So the expiry re-arms the timer once for 1 ms: the next iteration
 * polls the sockets first, and only then is the limit judged (the owner's callback).
 *
 * The timer is a plain uv_timer_t: its data is the owner's, and the owner stops and
 * closes it (uv_timer_stop, uv_close) as any timer; only the start goes through here. */
#ifndef TLSDIAG_DEADLINE_INTERNAL_H
#define TLSDIAG_DEADLINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct tlsd_deadline {
    uv_timer_t timer; /* first: the expiry finds the deadline from its timer */
    uv_timer_cb on_limit;
    bool reached; /* the limit came; it is judged after one more poll */
};

/* The timer on loop; its data is left as the owner set it. */
void tlsd_deadline_init(uv_loop_t *loop, struct tlsd_deadline *d);
/* Calls on_limit(&d->timer) once ms have passed and the loop has polled its sockets since;
 * a start before that replaces the limit (a new phase's). */
void tlsd_deadline_start(struct tlsd_deadline *d, uv_timer_cb on_limit, uint64_t ms);

/* Blocking I/O on a thread of its own (connect, scan's full handshakes) has the same race
 * with the scheduler: an answer can be in the socket when the thread wakes up past its
 * limit. There, past the limit, this many more socket calls are made, none waiting for
 * what has not come (one look, then the reads and writes it needs: a server's whole flight
 * takes a few dozen), and only then is the limit judged. Counted, not timed: a thread held
 * again during its look (a loaded machine) still reads what came; bounded, so a peer that
 * floods cannot stretch it. */
#define TLSD_DEADLINE_LOOK_CALLS 256

/* Past the limit, before each socket call: true once the look's calls are spent (*looks
 * counts them; zero it with each new limit). */
static inline bool tlsd_deadline_look_spent(unsigned *looks)
{
    return (*looks)++ >= TLSD_DEADLINE_LOOK_CALLS;
}

#endif
