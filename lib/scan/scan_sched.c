/* The scan's scheduling: the libuv loop, the limits on probes in flight (overall, per
 * target, the connection rate), the admission of targets, and the faults (retries with
 * back-off, confirmation of resets by a known-good hello). The bottom layer of the engine:
 * a task's kind (struct scan_task_kind) and a target's start and judgements (struct
 * scan_hooks) are given to it by the files above, which it never names. */
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/stop_internal.h"
#include "scan/scan_engine.h"
#include "scan/scan_internal.h"

#include "platform.h"

uint64_t scan_now_ms(struct scan *s)
{
    return uv_now(&s->loop);
}

/* ---- scheduling ---------------------------------------------------------- */

static void probe_done(void *ctx, struct probe_res *res);
static void start_target(struct tscan *t);
static void admit_targets(struct scan *s);
static void pump(struct scan *s);
static void drop_task(struct task *k);

/* Whether t waits for a slot with nothing in flight (its time limit stands still then). */
static void note_waiting(struct tscan *t)
{
    bool w = t->inflight == 0 && t->queued > 0 && !t->finished;
    if (w == t->waiting)
        return;
    uint64_t now = scan_now_ms(t->s);
    if (w)
        t->wait_since_ms = now;
    else
        t->waited_ms += now - t->wait_since_ms;
    t->waiting = w;
}

uint64_t scan_target_used_ms(const struct tscan *t)
{
    uint64_t now = scan_now_ms(t->s);
    uint64_t waited = t->waited_ms + (t->waiting ? now - t->wait_since_ms : 0);
    uint64_t elapsed = now - t->started_ms;
    return elapsed > waited ? elapsed - waited : 0;
}

/* The queue: the foreground tasks of every target, then the background ones (features,
 * TLS 1.3 signature schemes: the enumerations' next rounds, which each wait for a probe, go
 * first), each in the order queued. An urgent task (a round on its target's critical path)
 * goes before its own target's other foreground tasks, never before another target's: a
 * target's turn does not move because another one is in a hurry. */
static void enqueue(struct scan *s, struct task *k)
{
    bool background = k->kind->background;
    struct task **at = background && s->queue_tail ? &s->queue_tail->next_queued
                       : s->queue_fg_tail          ? &s->queue_fg_tail->next_queued
                                                   : &s->queue_head;
    if (k->urgent && !background)
        for (struct task **pp = &s->queue_head; *pp && !(*pp)->kind->background;
             pp = &(*pp)->next_queued)
            if ((*pp)->t == k->t && !(*pp)->urgent) {
                at = pp;
                break;
            }
    k->next_queued = *at;
    *at = k;
    if (!k->next_queued)
        s->queue_tail = k;
    if (!background && (!k->next_queued || k->next_queued->kind->background))
        s->queue_fg_tail = k;
    k->t->queued++;
    note_waiting(k->t);
}

/* Takes k (preceded by prev, NULL at the head) out of the queue; *pp points at k. */
static void unqueue(struct scan *s, struct task **pp, struct task *k, struct task *prev)
{
    *pp = k->next_queued;
    if (s->queue_tail == k)
        s->queue_tail = prev;
    if (s->queue_fg_tail == k)
        s->queue_fg_tail = prev; /* foreground tasks come first: prev is one or NULL */
    k->t->queued--;
}

void scan_make_urgent(struct scan *s, bool (*pick)(const struct task *k, const void *arg),
                      const void *arg)
{
    struct task *moved = NULL, **last = &moved;
    for (struct task **pp = &s->queue_head, *prev = NULL; *pp;) {
        struct task *k = *pp;
        if (k->urgent || k->kind->background || !pick(k, arg)) {
            prev = k;
            pp = &k->next_queued;
            continue;
        }
        unqueue(s, pp, k, prev);
        k->next_queued = NULL;
        *last = k;
        last = &k->next_queued;
    }
    while (moved) { /* in the order they were queued */
        struct task *k = moved;
        moved = k->next_queued;
        k->urgent = true;
        enqueue(s, k);
    }
}

/* Queues a probe for task k with the given hello (taking ownership). */
void scan_submit(struct task *k, uint8_t *hello, size_t len)
{
    free(k->pending_hello);
    k->pending_hello = hello;
    k->pending_len = len;
    enqueue(k->t->s, k);
    pump(k->t->s);
}

/* ---- connections opened ahead of need ------------------------------------------- */

static bool warm_wanted(const struct tscan *t)
{
    const struct scan *s = t->s;
    /* Not where a connection is scarce: a server serving one at a time (an idle connection
     * holds it), one that limits them (limit lowered), resets at random, a rate; nor for a
     * STARTTLS dialogue, which is a conversation of its own. */
    return t->warm_on && !t->warm_off && !t->serial && !t->flaky && !t->failed && !t->finished &&
           t->limit >= s->o->max_per_target &&
           s->o->max_per_target >= TLSD_SCAN_PER_TARGET_DEFAULT && !s->o->rate &&
           t->target->starttls == TLSD_STARTTLS_NONE;
}

/* Held "since": or the last of them closed or taken a grace ago at most (warm_grace): the
 * server may count it a while yet. */
bool scan_warm_held_since(const struct tscan *t, uint64_t since_ms)
{
    return t->n_warm > 0 || since_ms < t->warm_grace_ms;
}

/* A connection opened ahead was closed or taken. */
static void warm_grace(struct tscan *t)
{
    uint64_t grace = 2 * t->quickest_ms > WARM_GRACE_MS ? 2 * t->quickest_ms : WARM_GRACE_MS;
    t->warm_grace_ms = scan_now_ms(t->s) + grace;
}

static void warm_lost(void *ctx, struct probe *p)
{
    struct tscan *t = ctx;
    warm_grace(t);
    for (unsigned i = 0; i < t->n_warm; i++)
        if (t->warm[i] == p) {
            memmove(&t->warm[i], &t->warm[i + 1], (t->n_warm - i - 1) * sizeof *t->warm);
            t->n_warm--;
            t->s->n_warm--;
            return;
        }
}

/* One connection opened ahead per probe in flight: the next probe of a round takes it.
 * A server may drop an idle connection (a limit per address, a short wait for the hello),
 * and one that refuses by a reset would make that look like a refusal: an answer without
 * bytes on such a connection is never taken (warm_missed). */
static void open_warm(struct tscan *t)
{
    struct scan *s = t->s;
    while (warm_wanted(t) && t->n_warm < t->inflight - t->n_fullhs && t->n_warm < WARM_MAX &&
           s->inflight + s->n_warm < s->max_now) {
        struct probe *p = probe_warm_open(&s->loop, &t->addr, WARM_IDLE_MS, warm_lost, t);
        if (!p) { /* out of descriptors, say: the probes need them more */
            t->warm_off = true;
            return;
        }
        t->warm[t->n_warm++] = p;
        s->n_warm++;
        t->r->connections++;
    }
}

static void close_warm(struct tscan *t)
{
    if (t->n_warm)
        warm_grace(t);
    for (unsigned i = 0; i < t->n_warm; i++)
        probe_warm_close(t->warm[i]);
    t->s->n_warm -= t->n_warm;
    t->n_warm = 0;
}

bool scan_fullhs_started(struct tscan *t)
{
    if (t->limit >= TLSD_SCAN_PER_TARGET_DEFAULT)
        return false;
    t->n_fullhs++;
    t->inflight++;
    note_waiting(t);
    return true;
}

void scan_fullhs_ended(struct tscan *t, bool holds_slot)
{
    if (!holds_slot)
        return;
    t->n_fullhs--;
    t->inflight--;
    note_waiting(t);
    pump(t->s);
}

void scan_warm_stop(struct tscan *t)
{
    t->warm_off = true;
    close_warm(t);
}

/* Probes in flight for t at most: more once its answers take long enough that
 * connections are opened ahead for it (warm_wanted: through latency, and no sign of a
 * server that limits connections), where each costs a round trip that more at once share. */
static unsigned target_limit(const struct tscan *t)
{
    unsigned fast = t->s->o->max_per_target_fast;
    return fast > t->limit && warm_wanted(t) ? fast : t->limit;
}

unsigned scan_target_room(const struct tscan *t)
{
    return t->limit < t->s->max_now ? t->limit : t->s->max_now;
}

bool scan_target_fast(const struct tscan *t)
{
    return target_limit(t) > t->limit;
}

/* The oldest connection opened ahead, or NULL. */
static struct probe *take_warm(struct tscan *t)
{
    if (t->n_warm == 0)
        return NULL;
    warm_grace(t);
    struct probe *p = t->warm[0];
    memmove(&t->warm[0], &t->warm[1], (t->n_warm - 1) * sizeof *t->warm);
    t->n_warm--;
    t->s->n_warm--;
    return p;
}

static void launch(struct task *k)
{
    struct tscan *t = k->t;
    struct scan *s = t->s;
    struct probe_req req = {0};
    req.addr = t->addr;
    req.starttls = t->target->starttls;
    /* The probe frees the hello; keep a copy for a retry. */
    req.hello = malloc(k->pending_len);
    if (req.hello)
        memcpy(req.hello, k->pending_hello, k->pending_len);
    req.hello_len = req.hello ? k->pending_len : 0;
    req.timeout_ms = s->o->timeout_ms;
    req.cb = probe_done;
    req.ctx = k;
    req.set = &s->probes;
    req.hello_enough = t->flight_stalls;
    req.half_close = t->serial && !t->half_close_off && !k->whole && !k->control;
    k->launched_ms = scan_now_ms(s);
    t->inflight++;
    s->inflight++;
    note_waiting(t);
    /* A retry, a control and a probe asked again after warm_missed go on a new connection. */
    if (!warm_wanted(t))
        close_warm(t); /* no longer wanted (see warm_wanted): none are kept either */
    struct probe *warm = req.half_close || k->tries || k->control || k->fresh ? NULL : take_warm(t);
    k->on_warm = warm != NULL;
    if (warm) {
        probe_warm_take(warm, &req);
        open_warm(t);
    } else {
        t->r->connections++;
        probe_start(&s->loop, &req);
        open_warm(t);
    }
}

static void pump(struct scan *s)
{
    struct task **pp = &s->queue_head, *prev = NULL;
    while (*pp && s->inflight < s->max_now) {
        struct task *k = *pp;
        if (k->t->failed) { /* its target was stopped: drop the task */
            unqueue(s, pp, k, prev);
            drop_task(k);
            continue;
        }
        if (k->t->inflight >= target_limit(k->t)) {
            prev = k;
            pp = &k->next_queued;
            continue;
        }
        if (s->o->rate) {
            if (s->rate_tokens == 0)
                break;
            s->rate_tokens--;
        }
        unqueue(s, pp, k, prev);
        launch(k);
    }
}

static void on_rate_tick(uv_timer_t *tm)
{
    struct scan *s = tm->data;
    /* Tokens every 10 ms, up to one second's worth of burst. */
    unsigned add = s->o->rate / 100 ? s->o->rate / 100 : 1;
    s->rate_tokens = s->rate_tokens + add > s->o->rate ? s->o->rate : s->rate_tokens + add;
    pump(s);
    if (s->targets_done == s->n_targets)
        uv_timer_stop(tm);
}

struct task *scan_new_task(struct tscan *t, const struct scan_task_kind *kind)
{
    struct task *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->t = t;
    k->kind = kind;
    t->tasks_open++;
    t->live_tasks++;
    return k;
}

void scan_end_task(struct task *k)
{
    struct tscan *t = k->t;
    free(k->pending_hello);
    free(k->remaining);
    free(k);
    t->live_tasks--;
    t->tasks_open--;
    scan_maybe_finish_target(t);
}

/* Ends a task of a stopped target, and its enumeration with its last task. */
static void drop_task(struct task *k)
{
    if (k->kind->on_drop)
        k->kind->on_drop(k);
    else
        scan_end_task(k);
}

/* ---- faults: retries, back-off, confirmation ------------------------------------
 *
 * A reset (or a close without an alert) right after the ClientHello is how some servers
 * refuse (Windows schannel, many devices), but it is also what a fault looks like: a
 * server or middlebox that resets at random, one that starts resetting after N
 * connections, one that stops listening. Such an answer is never taken as "not accepted"
 * on its own: the probe is tried again after a back-off, and a reset that persists is
 * taken as a refusal only when a hello the server answered before is answered again right
 * after it (the control). Otherwise the question is undecided: the report says so, the
 * target's result is incomplete, and nothing is inferred from it. */

#define FLAKY_EXTRA_TRIES 2u    /* more tries once the server is seen to reset at random */
#define LOCAL_TRIES_MAX   1000u /* requeues after EMFILE before giving up */

_Static_assert(TLSD_OUTCOME_COUNT <= 32, "struct tscan.endings has a bit for every ending");

static bool ambiguous(const struct probe_res *res)
{
    return res->detail == TLSD_DETAIL_RESET || res->detail == TLSD_DETAIL_CLOSED;
}

static bool out_of_fds(const struct probe_res *res)
{
    return res->detail == TLSD_DETAIL_NO_CONNECTION &&
           (res->uv_err == UV_EMFILE || res->uv_err == UV_ENFILE);
}

/* Worth trying again: a timeout, a connect that failed other than by refusal, or a
 * refusal from a server that accepted connections before (it stopped listening, or
 * its queue is full). */
static bool transient(const struct tscan *t, const struct probe_res *res)
{
    return res->detail == TLSD_DETAIL_TIMEOUT ||
           (res->detail == TLSD_DETAIL_NO_CONNECTION &&
            (res->uv_err != UV_ECONNREFUSED || t->ever_connected));
}

static bool answered(const struct probe_res *res)
{
    return (probe_server_hello(res) && res->have_sh) || probe_ssl2_hello(res);
}

/* Appends a formatted line to a list of lines. */
static void add_line(char ***lines, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(TLSD_PRINTF_FORMAT, 3, 0)));
static void add_line(char ***lines, size_t *n, const char *fmt, va_list ap)
{
    char **v = realloc(*lines, (*n + 1) * sizeof *v);
    if (!v)
        return;
    *lines = v;
    if (vasprintf(&v[*n], fmt, ap) >= 0)
        (*n)++;
}

void scan_add_undecided(struct tlsd_scan_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&r->undecided, &r->n_undecided, fmt, ap);
    va_end(ap);
}

/* A decision taken from a confirmed reset (vi >= 0: whether that version is accepted). */
void scan_add_doubt(struct tscan *t, int vi, const char *fmt, ...)
{
    if (vi >= 0)
        t->doubt_versions |= 1u << vi;
    va_list ap;
    va_start(ap, fmt);
    add_line(&t->doubts, &t->n_doubts, fmt, ap);
    va_end(ap);
}

/* The server resets at random: what confirmed resets decided is undecided after all. */
static void doubts_to_undecided(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    for (size_t i = 0; i < t->n_doubts; i++)
        scan_add_undecided(r,
                           "%s (a reset taken as a refusal before the server was seen to reset "
                           "at random)",
                           t->doubts[i]);
    for (int vi = 0; vi < TLSD_PROTO_COUNT; vi++)
        if (t->doubt_versions & (1u << vi))
            r->versions[vi].undecided = true;
}

static void free_doubts(struct tscan *t)
{
    for (size_t i = 0; i < t->n_doubts; i++)
        free(t->doubts[i]);
    free(t->doubts);
    t->doubts = NULL;
    t->n_doubts = 0;
}

static void on_retry_timer(uv_timer_t *tm);

static void arm_retry_timer(struct scan *s)
{
    if (!s->delayed) {
        uv_timer_stop(&s->retry_timer);
        return;
    }
    uint64_t now = scan_now_ms(s);
    uv_timer_start(&s->retry_timer, on_retry_timer,
                   s->delayed->due_ms > now ? s->delayed->due_ms - now : 0, 0);
}

/* Queues k again at due_ms (scan_now_ms). */
static void delay_task(struct task *k, uint64_t due_ms)
{
    struct scan *s = k->t->s;
    k->due_ms = due_ms;
    struct task **pp = &s->delayed;
    while (*pp && (*pp)->due_ms <= k->due_ms)
        pp = &(*pp)->next_delayed;
    k->next_delayed = *pp;
    *pp = k;
    arm_retry_timer(s);
}

static void schedule_retry(struct task *k)
{
    struct scan *s = k->t->s;
    unsigned shift = k->tries < 6 ? k->tries : 6;
    unsigned delay = BACKOFF_MS << shift;
    k->tries++;
    k->t->r->probes_retried++;
    delay_task(k, scan_now_ms(s) + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS));
}

static void on_retry_timer(uv_timer_t *tm)
{
    struct scan *s = tm->data;
    uint64_t now = scan_now_ms(s);
    while (s->delayed && s->delayed->due_ms <= now) {
        struct task *k = s->delayed;
        s->delayed = k->next_delayed;
        k->next_delayed = NULL;
        enqueue(s, k);
    }
    arm_retry_timer(s);
    pump(s);
}

/* Answers the task "undecided" with why; met: how its probes ended (none: not at all). */
static void deliver_undecided(struct task *k, enum tlsd_ending_detail met, const char *why)
{
    k->met = met;
    struct probe_res res;
    memset(&res, 0, sizeof res);
    res.detail = TLSD_DETAIL_UNDECIDED;
    res.fd = -1;
    snprintf(res.error, sizeof res.error, "%s", why);
    k->tries = 0;
    k->held.set = false;
    k->kind->on_result(k, &res);
}

/* The ending undecided_why names. */
static enum tlsd_ending_detail held_met(const struct task *k)
{
    return k->held.set ? k->held.detail : TLSD_DETAIL_NONE;
}

static void undecided_why(const struct task *k, char *buf, size_t len)
{
    const char *what = k->held.set ? tlsd_ending_detail_name(k->held.detail) : "no answer";
    snprintf(buf, len, "%s %u times%s%.100s", what, k->tries + 1, k->held.error[0] ? ": " : "",
             k->held.error);
}

/* Sends the known-good hello in place of k's own; its answer decides k's. */
static void start_control(struct task *k)
{
    struct tscan *t = k->t;
    uint8_t *copy = malloc(t->good_len);
    if (!copy) {
        deliver_undecided(k, -1, "out of memory");
        return;
    }
    memcpy(copy, t->good_hello, t->good_len);
    k->control = true;
    scan_submit(k, copy, t->good_len);
}

static void keep_good_hello(struct tscan *t, const struct task *k)
{
    if (t->good_hello || !k->pending_hello)
        return;
    if (!(t->good_hello = malloc(k->pending_len)))
        return;
    memcpy(t->good_hello, k->pending_hello, k->pending_len);
    t->good_len = k->pending_len;
    while (t->parked) { /* their controls can run now */
        struct task *p = t->parked;
        t->parked = p->next_parked;
        t->n_parked--;
        start_control(p);
    }
}

/* Nothing else of the target can bring a good hello: the parked questions stay open. */
static void release_parked(struct tscan *t, bool stopped)
{
    if (!t->parked || (!stopped && t->live_tasks != t->n_parked))
        return;
    while (t->parked) {
        struct task *p = t->parked;
        t->parked = p->next_parked;
        t->n_parked--;
        if (stopped) {
            drop_task(p);
            continue;
        }
        char why[240], buf[160];
        undecided_why(p, buf, sizeof buf);
        snprintf(why, sizeof why, "%s, and the server answered no hello to confirm it with", buf);
        deliver_undecided(p, held_met(p), why);
    }
}

/* The control's answer: a ServerHello means the server is up and answering, so the
 * reset it gave k's own hello was its answer to that hello. */
static void control_done(struct task *k, const struct probe_res *res)
{
    struct tscan *t = k->t;
    k->control = false;
    if (answered(res) && !t->flaky) {
        struct probe_res held;
        memset(&held, 0, sizeof held);
        held.ending = k->held.ending;
        held.ending_known = k->held.ending_known;
        held.detail = k->held.detail;
        held.uv_err = k->held.uv_err;
        held.fd = -1;
        held.confirmed_reset = true;
        snprintf(held.error, sizeof held.error, "%s", k->held.error);
        t->r->resets_confirmed++;
        k->tries = 0;
        k->held.set = false;
        k->kind->on_result(k, &held);
        return;
    }
    char why[240], buf[160];
    undecided_why(k, buf, sizeof buf);
    snprintf(why, sizeof why, "%s, and a hello it accepted before then got %s", buf,
             probe_what(res));
    deliver_undecided(k, held_met(k), why);
}

/* A ServerHello whose flight never ended (an endless or cut Certificate message): the
 * suite is accepted, but what the rest would have shown is not known from it. */
static void note_flight_incomplete(struct tscan *t, const struct probe_res *res)
{
    char vb[16];
    if (res->timed_out)
        t->flight_stalls = true;
    int vi = tlsd_proto_of_code(res->sh.version);
    if (vi < 0 || (t->flight_noted & (1u << vi)))
        return;
    t->flight_noted |= 1u << vi;
    scan_add_undecided(t->r,
                       "%s: the server's flight after its ServerHello did not end (%s): the "
                       "certificate and key exchange of such answers are not known",
                       tlsd_version_str(res->sh.version, vb), res->error);
}

/* ---- servers that serve one connection at a time --------------------------------
 *
 * Such a server (openssl s_server, many devices) answers one probe, then waits for the
 * client's next move or its close, which reaches it a round trip later; the other probes
 * wait in its listen queue meanwhile, so each accepted probe costs a round trip of the
 * scan. It shows as answers much later than the quickest one. From then on, each probe
 * shuts its sending side down after the hello: the server reads the hello, answers, meets
 * the end and takes the next connection at once. A half-closed probe that got no clean
 * answer is never taken as the server's answer: the server may have taken the FIN for the
 * client's leaving, so it is asked again with the connection kept open. */

#define SERIAL_LATE       2u /* answers this late make a server one-at-a-time */
#define SERIAL_SLACK_MS   100u
#define HALF_CLOSE_MISSES 8u /* then the server is asked without half-closes */

static bool of_target(void *ctx, void *arg)
{
    const struct task *k = ctx;
    return k->t == arg && !k->control && !k->whole;
}

static void serial_check(struct tscan *t, const struct task *k, const struct probe_res *res)
{
    if (t->serial || res->bytes_in == 0)
        return;
    uint64_t took = scan_now_ms(t->s) - k->launched_ms;
    /* A probe on a connection opened ahead is quicker by a TCP handshake: each kind is
     * judged against its own quickest. */
    uint64_t *quickest = k->on_warm ? &t->quickest_warm_ms : &t->quickest_ms;
    if (!*quickest || took < *quickest)
        *quickest = took ? took : 1;
    if (!k->on_warm && took >= WARM_MIN_MS)
        t->warm_on = true;
    if (took <= *quickest * 3 / 2 + SERIAL_SLACK_MS || ++t->late_answers < SERIAL_LATE)
        return;
    t->serial = true;
    close_warm(t);
    /* The probes already waiting in its queue are half-closed too. */
    if (!t->half_close_off)
        probe_half_close_some(&t->s->probes, of_target, t);
}

/* Alerts a server may send for the end of the connection rather than for the hello
 * (RFC 8446 6: close_notify, unexpected_message, decode_error, internal_error; OpenSSL
 * sends decode_error on an end before a message is whole). */
static bool eof_alert(const struct probe_res *res)
{
    if (res->ending != TLSD_OUTCOME_SERVER_ALERT || !res->have_alert)
        return false;
    uint8_t d = res->alert.description;
    return d == 0 || d == 10 || d == 50 || d == 80;
}

/* A close, a reset, a cut flight, no answer or such an alert after our FIN: asked again,
 * whole. */
static bool half_close_missed(const struct probe_res *res)
{
    return res->half_closed && (ambiguous(res) || res->flight_incomplete ||
                                res->detail == TLSD_DETAIL_TIMEOUT || eof_alert(res));
}

/* An ending on a connection opened ahead that the server may have chosen before our hello
 * reached it: a reset or close with no answer, or no answer at all. */
static bool warm_missed(const struct probe_res *res)
{
    return res->bytes_in == 0 && (ambiguous(res) || res->detail == TLSD_DETAIL_TIMEOUT);
}

static void probe_done(void *ctx, struct probe_res *res)
{
    struct task *k = ctx;
    struct tscan *t = k->t;
    struct scan *s = t->s;
    t->inflight--;
    s->inflight--;
    note_waiting(t);
    s->probes_done++;
    if (half_close_missed(res) && !t->failed) {
        k->whole = true;
        if (++t->half_close_misses >= HALF_CLOSE_MISSES)
            t->half_close_off = true;
        enqueue(s, k);
        pump(s);
        return;
    }
    /* Connections held ahead while it was in flight: opened before it, or since. */
    if (scan_warm_held_since(t, k->launched_ms) && warm_missed(res) && !t->failed &&
        k->warm_asks++ < WARM_ASKS) {
        /* Perhaps dropped by the server before the hello came: asked again on a new
         * connection, not counted as a try; after WARM_MISSES none are opened ahead. A
         * new connection dropped so while others were held open may be the server's limit
         * on connections per address (idle ones count): none are opened ahead at once. */
        k->fresh = true;
        if (!k->on_warm || ++t->warm_misses >= WARM_MISSES)
            scan_warm_stop(t);
        /* Asked again once the server should have let go of the closed ones. */
        uint64_t now = scan_now_ms(s);
        delay_task(k, t->warm_grace_ms > now + BACKOFF_MS ? t->warm_grace_ms : now + BACKOFF_MS);
        pump(s);
        return;
    }
    k->fresh = false;
    if (!ambiguous(res))
        k->whole = false;
    serial_check(t, k, res);
    if (res->have_sh || res->have_ssl2)
        t->r->handshakes++;
    if (res->have_sh && !res->sh.is_hrr && tlsd_version_is_tls13(res->sh.version))
        t->tls13_answered = true;
    if (res->detail != TLSD_DETAIL_NO_CONNECTION)
        t->ever_connected = true;
    if (res->ending_known)
        t->endings |= 1u << res->ending;
    else
        t->ending_unknown = true;
    if (t->failed) {
        drop_task(k);
        pump(s);
        return;
    }
    if (answered(res))
        keep_good_hello(t, k);
    if (res->flight_incomplete)
        note_flight_incomplete(t, res);
    unsigned tries_max = s->o->retries + (t->flaky ? FLAKY_EXTRA_TRIES : 0);
    char why[200];
    if (out_of_fds(res)) {
        /* This process's limit, not the server's answer: fewer probes at once, and no
         * connections opened ahead. */
        t->warm_off = true;
        close_warm(t);
        if (s->inflight > 0 && k->local_tries++ < LOCAL_TRIES_MAX) {
            s->max_now = s->inflight;
            enqueue(s, k);
        } else {
            snprintf(why, sizeof why,
                     "out of file descriptors (%s): raise the limit (ulimit -n) or lower "
                     "--concurrency",
                     uv_err_name(res->uv_err));
            deliver_undecided(k, -1, why);
        }
    } else if (k->control) {
        control_done(k, res);
    } else if (transient(t, res) || ambiguous(res)) {
        if (res->detail == TLSD_DETAIL_NO_CONNECTION && res->uv_err == UV_ECONNREFUSED &&
            t->limit > 1)
            t->limit /= 2; /* a full listen queue: fewer at once */
        if (ambiguous(res)) {
            k->held.set = true;
            k->held.ending = res->ending;
            k->held.ending_known = res->ending_known;
            k->held.detail = res->detail;
            k->held.uv_err = res->uv_err;
            snprintf(k->held.error, sizeof k->held.error, "%s", res->error);
        }
        if (k->tries < tries_max) {
            schedule_retry(k);
        } else if (!ambiguous(res) && res->detail != TLSD_DETAIL_NO_CONNECTION) {
            k->tries = 0; /* a timeout: the answer as it is (as before) */
            k->held.set = false;
            k->kind->on_result(k, res);
        } else if (!ambiguous(res)) {
            snprintf(why, sizeof why, "%s after %u tries: %.150s", probe_what(res), k->tries + 1,
                     res->error);
            deliver_undecided(k, res->detail, why);
        } else if (t->flaky) {
            undecided_why(k, why, sizeof why);
            strncat(why, " (the server resets at random)", sizeof why - strlen(why) - 1);
            deliver_undecided(k, held_met(k), why);
        } else if (t->good_hello) {
            start_control(k);
        } else {
            k->next_parked = t->parked;
            t->parked = k;
            t->n_parked++;
        }
    } else {
        if (k->held.set && !t->flaky) {
            /* The same hello was reset before and is answered now: resets here are
             * faults. Refusals taken from resets before this are in doubt. */
            t->flaky = true;
            if (t->limit > 1)
                t->limit /= 2;
            doubts_to_undecided(t);
            free_doubts(t);
        }
        k->tries = 0;
        k->held.set = false;
        k->kind->on_result(k, res);
    }
    pump(s);
    release_parked(t, false);
    if (s->progress && s->probes_done % 16 == 0)
        s->progress(s->ctx, s->targets_done, s->n_targets, s->probes_done);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct tscan *t = req->data;
    t->resolved = true;
    if (t->failed) { /* stopped (signal, time limit) while the name was being resolved */
        if (res)
            uv_freeaddrinfo(res);
        scan_maybe_finish_target(t);
        return;
    }
    if (status < 0 || !res) {
        snprintf(t->r->error, sizeof t->r->error, "cannot resolve %s: %s", t->target->host,
                 uv_strerror(status));
        t->failed = true;
        if (res)
            uv_freeaddrinfo(res);
        scan_maybe_finish_target(t);
        return;
    }
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    uv_freeaddrinfo(res);
    if (t->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)&t->addr)->sin_port = htons(t->target->port);
    else
        ((struct sockaddr_in6 *)&t->addr)->sin6_port = htons(t->target->port);
    char ip[INET6_ADDRSTRLEN] = "";
    uv_ip_name((struct sockaddr *)&t->addr, ip, sizeof ip);
    snprintf(t->r->address, sizeof t->r->address,
             t->addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, t->target->port);
    t->s->hooks->start(t);
}

/* Ends a target early (time limit, signal) with why as its error. */
static void stop_target(struct tscan *t, const char *why)
{
    if (t->finished || t->failed)
        return;
    snprintf(t->r->error, sizeof t->r->error, "%s", why);
    t->failed = true;
    close_warm(t);
    /* Drops this target's retries waiting for their back-off, its parked tasks, and (pump)
     * its queued ones. */
    for (struct task **pp = &t->s->delayed; *pp;) {
        struct task *k = *pp;
        if (k->t != t) {
            pp = &k->next_delayed;
            continue;
        }
        *pp = k->next_delayed;
        drop_task(k);
    }
    arm_retry_timer(t->s);
    release_parked(t, true);
    pump(t->s);
    scan_maybe_finish_target(t);
}

static void on_deadline(uv_timer_t *tm)
{
    struct tscan *t = tm->data;
    uint64_t limit = t->s->o->target_timeout_ms, used = scan_target_used_ms(t);
    if (used < limit) { /* it waited for slots: the rest of its time is still its own */
        tlsd_deadline_start(&t->deadline, on_deadline, limit - used);
        return;
    }
    char why[96];
    snprintf(why, sizeof why, "time limit of %u s reached; the results so far are incomplete",
             t->s->o->target_timeout_ms / 1000);
    stop_target(t, why);
}

/* SIGINT/SIGTERM: every target not finished ends now; the probes in flight are stopped
 * (libssl handshakes on the thread pool end within their time limit). */
static void on_scan_signal(uv_signal_t *h, int signum)
{
    struct scan *s = h->data;
    if (!tlsd_stop_first(&s->stop, &s->sigint, &s->sigterm, signum))
        return;
    s->interrupted = true;
    atomic_store(&s->stop_fullhs, true);
    for (size_t i = 0; i < s->targets_started; i++)
        stop_target(&s->targets[i], "interrupted before the scan of this target was finished");
    for (size_t i = s->targets_started; i < s->n_targets; i++) { /* never admitted */
        struct tscan *t = &s->targets[i];
        snprintf(t->r->error, sizeof t->r->error,
                 "interrupted before the scan of this target began");
        t->failed = t->resolved = t->finished = true;
        s->targets_done++;
        if (s->done)
            s->done(s->ctx, t->r);
    }
    s->targets_started = s->n_targets;
    probe_stop_all(&s->probes, "interrupted");
    tlsd_stop_done(&s->stop);
}

/* Ends t once its last task has ended: what scan.c judges (hooks->finish), the time it
 * took, the caller told, the next target admitted. */
void scan_maybe_finish_target(struct tscan *t)
{
    if (t->finished || t->tasks_open > 0 || !t->resolved)
        return;
    close_warm(t);
    t->finished = true;
    struct scan *s = t->s;
    if (t->deadline_running) {
        t->deadline_running = false;
        uv_close((uv_handle_t *)&t->deadline.timer, NULL);
    }
    t->r->seconds = (double)(scan_now_ms(s) - t->started_ms) / 1000.0;
    s->hooks->finish(t);
    if (t->flaky && t->r->n_undecided && !t->failed) {
        /* Half the limit it was lowered to (and still failed at). */
        unsigned fewer = t->limit > 1 ? t->limit / 2 : 1;
        if (fewer < s->o->max_per_target)
            t->r->suggest_per_target = fewer;
    }
    s->targets_done++;
    s->targets_active--;
    if (s->done)
        s->done(s->ctx, t->r);
    if (s->progress)
        s->progress(s->ctx, s->targets_done, s->n_targets, s->probes_done);
    admit_targets(s);
}

/* Starts targets while fewer than max_active are under way (none after a signal: the
 * rest are told they were not scanned). */
static void admit_targets(struct scan *s)
{
    while (s->targets_started < s->n_targets && s->targets_active < s->max_active &&
           !s->interrupted) {
        struct tscan *t = &s->targets[s->targets_started++];
        s->targets_active++;
        start_target(t);
    }
}

static void start_target(struct tscan *t)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
    t->started_ms = scan_now_ms(t->s);
    if (t->s->o->target_timeout_ms) {
        tlsd_deadline_init(&t->s->loop, &t->deadline);
        t->deadline.timer.data = t;
        tlsd_deadline_start(&t->deadline, on_deadline, t->s->o->target_timeout_ms);
        t->deadline_running = true;
    }
    t->gai.data = t;
    int rc = uv_getaddrinfo(&t->s->loop, &t->gai, on_resolved, t->target->host, NULL, &hints);
    if (rc < 0) {
        t->resolved = true;
        t->failed = true;
        snprintf(t->r->error, sizeof t->r->error, "cannot resolve %s: %s", t->target->host,
                 uv_strerror(rc));
        scan_maybe_finish_target(t);
    }
}

int scan_run(const struct scan_hooks *hooks, const struct tlsd_target_list *targets,
             const struct tlsd_scan_opts *opts, struct tlsd_scan_result *results,
             tlsd_scan_done_cb done, tlsd_scan_progress_cb progress, void *ctx)
{
    struct scan s = {.hooks = hooks, .o = opts, .done = done, .progress = progress, .ctx = ctx};
    s.max_now = opts->max_inflight ? opts->max_inflight : 1;
    if (uv_loop_init(&s.loop) < 0)
        return -1;
    uv_timer_init(&s.loop, &s.retry_timer);
    s.retry_timer.data = &s;
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    if (opts->stop_on_signal) {
        uv_signal_start(&s.sigint, on_scan_signal, SIGINT);
        uv_signal_start(&s.sigterm, on_scan_signal, SIGTERM);
        uv_unref((uv_handle_t *)&s.sigint); /* the scan ends when its targets do */
        uv_unref((uv_handle_t *)&s.sigterm);
    }
    s.n_targets = targets->n;
    s.targets = calloc(targets->n ? targets->n : 1, sizeof *s.targets);
    if (!s.targets) {
        uv_loop_close(&s.loop);
        return -1;
    }
    uv_mutex_init(&s.released_mu);
    uv_async_init(&s.loop, &s.released_async, hooks->released);
    s.released_async.data = &s;
    uv_unref((uv_handle_t *)&s.released_async);
    if (opts->rate) {
        uv_timer_init(&s.loop, &s.rate_timer);
        s.rate_timer.data = &s;
        s.rate_tokens = opts->rate / 100 ? opts->rate / 100 : 1;
        uv_timer_start(&s.rate_timer, on_rate_tick, 10, 10);
    }
    for (size_t i = 0; i < targets->n; i++) {
        struct tscan *t = &s.targets[i];
        struct tlsd_scan_result *r = &results[i];
        memset(r, 0, sizeof *r);
        r->target = &targets->v[i];
        r->hrr = r->secure_renegotiation = r->fallback_scsv = r->compression = r->ems = r->etm =
            r->session_ticket = r->ocsp_stapling = r->needs_sni = r->large_hello_intolerant =
                r->needs_reneg_signal = r->tls13_hello_answered_12 = r->client_cert_requested =
                    r->client_cert_required = r->resume_session_id = r->resume_ticket12 =
                        r->resume_ticket13 = r->client_reneg = r->heartbeat = r->sni_selects_cert =
                            r->refuses_sni_not_host = r->ecdhe_needs_groups = r->needs_cert_curve =
                                r->hrr_despite_share = TLSD_UNKNOWN;
        r->client_cert_alert = r->sni_not_host_alert = -1;
        t->s = &s;
        t->target = &targets->v[i];
        t->r = r;
        t->limit = opts->max_per_target ? opts->max_per_target : 1;
        t->no_groups_answer = t->curve_answer = t->shares[0].answered = t->shares[1].answered = -1;
        t->sni = opts->no_sni ? NULL : opts->sni ? opts->sni : targets->v[i].sni;
    }
    /* As many targets as probes may be in flight: each can then have one probe out. */
    s.max_active = s.max_now;
    admit_targets(&s);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    if (opts->rate)
        uv_close((uv_handle_t *)&s.rate_timer, NULL);
    uv_close((uv_handle_t *)&s.retry_timer, NULL);
    uv_close((uv_handle_t *)&s.sigint, NULL);
    uv_close((uv_handle_t *)&s.sigterm, NULL);
    uv_close((uv_handle_t *)&s.released_async, NULL);
    tlsd_stop_after_loop(&s.stop);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_mutex_destroy(&s.released_mu);
    uv_loop_close(&s.loop);
    for (size_t i = 0; i < s.n_targets; i++) {
        free(s.targets[i].sig13_ok); /* a target stopped before its probes ended */
        free(s.targets[i].no_sni_leaf);
        free(s.targets[i].good_hello);
        free_doubts(&s.targets[i]);
    }
    free(s.targets);
    for (int vi = 0; vi < TLSD_PROTO_COUNT; vi++)
        free(s.suites[vi]);
    return s.interrupted ? TLSD_SCAN_INTERRUPTED : 0;
}
