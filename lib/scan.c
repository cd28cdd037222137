/* The scan strategy: per target, tasks that issue probes and react to their
 * answers — suite elimination per version, server-order check, groups,
 * signature schemes, features — all on one libuv loop, with limits on
 * probes in flight (overall and per target), a connection rate and time
 * limits. Results are typed records; rendering lives elsewhere. */
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes_internal.h"
#include "scan_internal.h"
#include "stop_internal.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/hello.h"

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "platform.h"

const uint16_t tlsd_scan_version_codes[TLSD_SCAN_NVERSIONS] = {
    TLSD_VERSION_SSL2,   TLSD_VERSION_SSL3,   TLSD_VERSION_TLS1_0,
    TLSD_VERSION_TLS1_1, TLSD_VERSION_TLS1_2, TLSD_VERSION_TLS1_3};

const enum tlsd_auth tlsd_scan_key_auth[TLSD_SCAN_NKEYS] = {TLSD_AUTH_RSA, TLSD_AUTH_ECDSA,
                                                            TLSD_AUTH_DSS};

void tlsd_scan_opts_default(struct tlsd_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_inflight = 64;
    o->max_per_target = 16;
    o->timeout_ms = 5000;
    o->retries = 1;
    o->target_timeout_ms = 120000;
}

struct scan;
struct tscan;

/* A task issues probes one at a time and decides the next from each answer. */
struct task {
    struct tscan *t;
    void (*on_result)(struct task *k, struct probe_res *res);
    unsigned tries;
    uint8_t *pending_hello; /* for a retry */
    size_t pending_len;
    /* state for the different task kinds */
    uint32_t *remaining; /* codes still offered */
    size_t n_remaining;
    int kind;       /* feature probes: which one; order probes: 0 or 1 */
    struct elim *e; /* the enumeration this task belongs to */
    unsigned gen;
    struct task *next_queued; /* scheduler queue */
    bool background;          /* waits behind every other queued probe */
    /* Faults (see probe_done): a reset or refused probe is retried after a back-off, and a
     * reset that persists is confirmed as a refusal by a hello the server accepted before
     * (the control) or, failing that, answered as undecided. */
    struct task *next_delayed; /* waiting for its back-off */
    uint64_t due_ms;
    struct task *next_parked; /* waiting for a known-good hello to confirm with */
    bool control;             /* the probe in flight is the control */
    unsigned local_tries;     /* requeued because this process ran out of descriptors */
    struct {
        bool set;
        enum tlsd_conn_outcome ending;
        bool ending_known;
        enum tlsd_ending_detail detail;
        int uv_err;
        char error[200];
    } held; /* the last ambiguous answer (reset, closed) */
};

struct tscan {
    struct scan *s;
    const struct tlsd_target *target;
    struct tlsd_scan_result *r;
    struct sockaddr_storage addr;
    const char *sni;
    unsigned inflight;
    unsigned tasks_open;
    bool resolved, failed, finished;
    uint64_t started_ms;
    uv_getaddrinfo_t gai;
    uv_timer_t deadline;
    bool deadline_running;
    /* what later tasks need from the version tasks */
    int roots_left;                        /* versions whose first probe has not answered */
    size_t sig13_left;                     /* TLS 1.3 signature scheme probes not done */
    bool *sig13_ok;                        /* per registry scheme: accepted in TLS 1.3 */
    uint16_t fp_version, features_version; /* the answers JA3S and features come from */
    uint8_t *no_sni_leaf;                  /* the certificate a hello without SNI got (DER) */
    size_t no_sni_len;
    /* faults */
    unsigned limit;      /* probes in flight for this target (lowered when it limits) */
    unsigned live_tasks; /* tasks not ended */
    bool ever_connected; /* a probe got through connect() */
    /* How its probes ended (bits of enum tlsd_conn_outcome, probe_res.ending), and whether
     * one ended in a way that cannot be told: the target's ending when it failed. */
    uint32_t endings;
    bool ending_unknown;
    bool flaky;          /* a reset or refused hello was answered when tried again */
    uint8_t *good_hello; /* a hello the server answered with a ServerHello (a copy) */
    size_t good_len;
    struct task *parked; /* tasks waiting for good_hello */
    unsigned n_parked;
    /* What was decided from confirmed resets: undecided after all if the server turns
     * out to reset at random (doubt_versions: TLSD_SCAN_* bits whose acceptance). */
    char **doubts;
    size_t n_doubts;
    unsigned doubt_versions;
    unsigned flight_noted; /* TLSD_SCAN_* bits: an unfinished first flight was reported */
    bool flight_stalls;    /* a first flight ran into the time limit: later probes end at
                              the ServerHello instead of waiting for it each time */
    bool tls13_answered;   /* a TLS 1.3 ServerHello that is no HelloRetryRequest came */
    bool hrr_loop;         /* a libssl handshake met a second HelloRetryRequest */
    /* Probes where implementations differ: -1 not sent, 0 refused, 1 answered. */
    int no_groups_answer, curve_answer;
    uint16_t no_groups_version, curve_version;
    struct share_answer {
        int answered;          /* -1 not sent, 0 refused, 1 answered */
        bool hrr;              /* by a HelloRetryRequest */
        uint16_t share, group; /* the key share sent, the group answered */
    } shares[2];
};

struct scan {
    uv_loop_t loop;
    const struct tlsd_scan_opts *o;
    struct tscan *targets;
    size_t n_targets, targets_done;
    /* Targets are admitted a few at a time (SCAN_ACTIVE_TARGETS): each one's time limit,
     * state and queued probes start when it does, so a fleet of thousands neither times
     * out waiting behind the others nor holds every target's state at once. */
    size_t targets_started, targets_active, max_active;
    unsigned inflight;
    unsigned probes_done;
    struct task *queue_head, *queue_tail; /* tasks waiting for a global slot */
    struct task *queue_fg_tail;           /* the last one that is not background */
    uv_timer_t rate_timer;
    unsigned rate_tokens;
    tlsd_scan_done_cb done;
    tlsd_scan_progress_cb progress;
    void *ctx;
    uint32_t *suites[TLSD_SCAN_NVERSIONS]; /* suites_for's lists, made once per scan */
    size_t n_suites[TLSD_SCAN_NVERSIONS];
    unsigned max_now;     /* probes in flight overall: max_inflight, lowered on EMFILE */
    struct task *delayed; /* retries waiting for their back-off, earliest first */
    uv_timer_t retry_timer;
    struct probe_set probes; /* in flight */
    uv_signal_t sigint, sigterm;
    bool interrupted;
    struct tlsd_stop_request stop; /* SIGINT/SIGTERM */
    atomic_bool stop_fullhs;       /* set on a signal: libssl handshakes on the thread pool end */
};

static uint64_t now_ms(struct scan *s)
{
    return uv_now(&s->loop);
}

/* ---- hellos -------------------------------------------------------------- */

struct hello_opts {
    uint16_t version; /* the version to ask for */
    const uint32_t *suites;
    size_t n_suites;
    const uint16_t *groups; /* NULL: every group fit for the version */
    size_t n_groups;
    const uint16_t *sigalgs; /* NULL: every scheme */
    size_t n_sigalgs;
    bool no_key_shares;   /* TLS 1.3: empty key_share (forces an HRR) */
    uint16_t share_group; /* TLS 1.3: the one key share to send (0: x25519 and P-256) */
    bool no_reneg_scsv;   /* leave out the renegotiation SCSV / extension */
    bool fallback_scsv;
    bool compression; /* offer DEFLATE */
    bool heartbeat;   /* the heartbeat extension, peer_allowed_to_send (RFC 6520 2) */
    bool no_sni;
    bool no_groups;  /* no supported_groups extension */
    const char *sni; /* override */
    size_t pad_to;   /* pad the handshake message to this size */
};

/* Every group fit for the version, the common modern ones first (so that a
 * server honouring the client's order uses what real clients get). */
static uint16_t *all_groups(uint16_t version, size_t *n)
{
    static const uint16_t first[] = {0x001D, 0x0017, 0x001E, 0x0018, 0x0019};
    uint16_t *g = malloc(tlsd_group_count() * sizeof *g);
    size_t k = 0;
    for (size_t i = 0; g && i < sizeof first / sizeof first[0]; i++)
        g[k++] = first[i];
    for (size_t i = 0; g && i < tlsd_group_count(); i++) {
        const struct tlsd_group *x = tlsd_group_at(i);
        bool ok = x->kind != TLSD_GROUP_KIND_EXPLICIT;
        if (version >= TLSD_VERSION_TLS1_3) /* RFC 8446 4.2.7 (the registry's tls13 column) */
            ok = ok && x->tls13;
        for (size_t j = 0; j < sizeof first / sizeof first[0]; j++)
            ok = ok && x->code != first[j];
        if (ok)
            g[k++] = x->code;
    }
    *n = k;
    return g;
}

static uint16_t *all_sigalgs(size_t *n)
{
    uint16_t *v = malloc(tlsd_sigscheme_count() * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < tlsd_sigscheme_count(); i++)
        v[k++] = tlsd_sigscheme_at(i)->code;
    *n = k;
    return v;
}

/* Builds the records of a ClientHello for a probe. */
static int build_hello(struct tscan *t, const struct hello_opts *h, uint8_t **rec, size_t *len)
{
    static const uint16_t v13[] = {TLSD_VERSION_TLS1_3};
    static const uint8_t pf[] = {0, 1, 2};
    static const uint8_t psk_modes[] = {1};
    static const uint8_t comp_deflate[] = {1, 0};
    static const struct tlsd_key_share_spec shares[] = {{.group = 0x001D}, {.group = 0x0017}};
    static const char *const alpn[] = {"h2", "http/1.1"};
    struct tlsd_hello_spec sp = {0};
    struct tlsd_key_share_spec one = {.group = h->share_group}; /* lives until the build */
    size_t ng = 0, ns = 0;
    uint16_t *groups = NULL, *sig = NULL;
    if (!h->groups)
        groups = all_groups(h->version, &ng);
    if (!h->sigalgs)
        sig = all_sigalgs(&ns);
    sp.random_mode = TLSD_RANDOM_AUTO;
    sp.suites = h->suites;
    sp.n_suites = h->n_suites;
    if (h->compression) {
        sp.compression.v = comp_deflate;
        sp.compression.n = 2;
        sp.compression.present = true;
    }
    if (h->version == TLSD_VERSION_SSL2) {
        sp.format = TLSD_HELLO_SSL2;
        sp.legacy_version = TLSD_VERSION_SSL2;
    } else {
        sp.format = TLSD_HELLO_TLS;
        sp.legacy_version = h->version >= TLSD_VERSION_TLS1_3 ? TLSD_VERSION_TLS1_2 : h->version;
        sp.record_version = h->version >= TLSD_VERSION_TLS1_0 ? TLSD_VERSION_TLS1_0 : h->version;
        sp.session_id_len =
            h->version >= TLSD_VERSION_TLS1_3 ? 32 : 0; /* middlebox compatibility */
        for (size_t i = 0; i < sp.session_id_len; i++)
            sp.session_id[i] = (uint8_t)(i * 7 + 1);
        if (h->version >= TLSD_VERSION_TLS1_0) {
            const char *sni = h->no_sni ? NULL : h->sni ? h->sni : t->sni;
            sp.server_name = sni;
            if (!h->no_groups) {
                sp.groups.v = h->groups ? h->groups : groups;
                sp.groups.n = h->groups ? h->n_groups : ng;
                sp.groups.present = true;
            }
            sp.ec_point_formats.v = pf;
            sp.ec_point_formats.n = 3;
            sp.ec_point_formats.present = true;
            sp.scsv = !h->no_reneg_scsv && h->version < TLSD_VERSION_TLS1_3;
            sp.fallback_scsv = h->fallback_scsv;
            sp.extended_master_secret = true;
            sp.session_ticket = true;
            sp.status_request = true;
            sp.alpn = alpn;
            sp.n_alpn = 2;
        }
        if (h->version >= TLSD_VERSION_TLS1_2) {
            sp.sigalgs.v = h->sigalgs ? h->sigalgs : sig;
            sp.sigalgs.n = h->sigalgs ? h->n_sigalgs : ns;
            sp.sigalgs.present = true;
        }
        if (h->version >= TLSD_VERSION_TLS1_0 &&
            h->version < TLSD_VERSION_TLS1_3) /* RFC 7366: TLS 1.0 too */
            sp.encrypt_then_mac = true;
        if (h->version >= TLSD_VERSION_TLS1_3) {
            sp.versions.v = v13;
            sp.versions.n = 1;
            sp.versions.present = true;
            sp.key_shares = h->no_key_shares ? NULL : h->share_group ? &one : shares;
            sp.n_key_shares = h->no_key_shares ? 0 : h->share_group ? 1 : 2;
            sp.key_share_present = true;
            sp.psk_modes.v = psk_modes;
            sp.psk_modes.n = 1;
            sp.psk_modes.present = true;
        }
        if (h->pad_to) {
            sp.padding = TLSD_PAD_TO_SIZE;
            sp.pad_target = h->pad_to;
        }
    }
    static const uint8_t hb_allowed[] = {1};
    static const struct tlsd_raw_ext hb = {TLSD_EXT_HEARTBEAT, hb_allowed, sizeof hb_allowed};
    if (h->heartbeat && h->version >= TLSD_VERSION_TLS1_0 && h->version < TLSD_VERSION_TLS1_3) {
        sp.extra = &hb;
        sp.n_extra = 1;
    }
    enum tlsd_cerr e = tlsd_hello_build(&sp, NULL, NULL, rec, len);
    free(groups);
    free(sig);
    return e == TLSD_CERR_OK ? 0 : -1;
}

/* Suites of the registry that can be negotiated at version v (SCSVs aside), as a copy
 * the caller frees; the list is made once per scan and version (probes ask for it). */
static uint32_t *suites_for(struct scan *sc, uint16_t v, size_t *n)
{
    int vi = 0;
    while (vi < TLSD_SCAN_NVERSIONS - 1 && tlsd_scan_version_codes[vi] != v)
        vi++;
    if (!sc->suites[vi]) {
        uint32_t *all = malloc(tlsd_suite_count() * sizeof *all);
        size_t k = 0;
        for (size_t i = 0; all && i < tlsd_suite_count(); i++) {
            const struct tlsd_suite *s = tlsd_suite_at(i);
            if (s->status == TLSD_STATUS_SCSV || !tlsd_suite_usable_at(s, v))
                continue;
            all[k++] = s->code;
        }
        sc->suites[vi] = all;
        sc->n_suites[vi] = k;
    }
    *n = 0;
    uint32_t *out = sc->suites[vi] ? malloc((sc->n_suites[vi] + 1) * sizeof *out) : NULL;
    if (out) {
        memcpy(out, sc->suites[vi], sc->n_suites[vi] * sizeof *out);
        *n = sc->n_suites[vi];
    }
    return out;
}

/* ---- scheduling ---------------------------------------------------------- */

static void probe_done(void *ctx, struct probe_res *res);
static void maybe_finish_target(struct tscan *t);
static void admit_targets(struct scan *s);
static void start_target(struct tscan *t);
static void pump(struct scan *s);
static void end_task(struct task *k);
static void drop_task(struct task *k);

/* Background probes (features, TLS 1.3 signature schemes) queue behind the others:
 * the enumerations' next rounds, which each wait for a probe, go first. */
static void enqueue(struct scan *s, struct task *k)
{
    struct task **at = &s->queue_head; /* background: at the end */
    if (!k->background)
        at = s->queue_fg_tail ? &s->queue_fg_tail->next_queued : &s->queue_head;
    else if (s->queue_tail)
        at = &s->queue_tail->next_queued;
    k->next_queued = *at;
    *at = k;
    if (!k->next_queued)
        s->queue_tail = k;
    if (!k->background)
        s->queue_fg_tail = k;
}

/* Takes k (preceded by prev, NULL at the head) out of the queue; *pp points at k. */
static void unqueue(struct scan *s, struct task **pp, struct task *k, struct task *prev)
{
    *pp = k->next_queued;
    if (s->queue_tail == k)
        s->queue_tail = prev;
    if (s->queue_fg_tail == k)
        s->queue_fg_tail = prev; /* foreground tasks come first: prev is one or NULL */
}

/* Queues a probe for task k with the given hello (taking ownership). */
static void submit(struct task *k, uint8_t *hello, size_t len)
{
    free(k->pending_hello);
    k->pending_hello = hello;
    k->pending_len = len;
    enqueue(k->t->s, k);
    pump(k->t->s);
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
    t->inflight++;
    s->inflight++;
    t->r->connections++;
    probe_start(&s->loop, &req);
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
        if (k->t->inflight >= k->t->limit) {
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

static struct task *new_task(struct tscan *t, void (*fn)(struct task *, struct probe_res *))
{
    struct task *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->t = t;
    k->on_result = fn;
    t->tasks_open++;
    t->live_tasks++;
    return k;
}

static void end_task(struct task *k)
{
    struct tscan *t = k->t;
    free(k->pending_hello);
    free(k->remaining);
    free(k);
    t->live_tasks--;
    t->tasks_open--;
    maybe_finish_target(t);
}

static void elim_task_end(struct task *k);

/* Ends a task of a stopped target, and its enumeration with its last task. */
static void drop_task(struct task *k)
{
    if (k->e)
        elim_task_end(k);
    else
        end_task(k);
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

#define BACKOFF_MS        50u   /* first retry; doubled each time */
#define BACKOFF_MAX_MS    2000u /* at most */
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

static void add_undecided(struct tlsd_scan_result *r, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));
static void add_undecided(struct tlsd_scan_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&r->undecided, &r->n_undecided, fmt, ap);
    va_end(ap);
}

/* A decision taken from a confirmed reset (vi >= 0: whether that version is accepted). */
static void add_doubt(struct tscan *t, int vi, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 3, 4)));
static void add_doubt(struct tscan *t, int vi, const char *fmt, ...)
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
        add_undecided(r,
                      "%s (a reset taken as a refusal before the server was seen to reset "
                      "at random)",
                      t->doubts[i]);
    for (int vi = 0; vi < TLSD_SCAN_NVERSIONS; vi++)
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
    uint64_t now = now_ms(s);
    uv_timer_start(&s->retry_timer, on_retry_timer,
                   s->delayed->due_ms > now ? s->delayed->due_ms - now : 0, 0);
}

static void schedule_retry(struct task *k)
{
    struct scan *s = k->t->s;
    unsigned shift = k->tries < 6 ? k->tries : 6;
    unsigned delay = BACKOFF_MS << shift;
    k->due_ms = now_ms(s) + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
    k->tries++;
    k->t->r->probes_retried++;
    struct task **pp = &s->delayed;
    while (*pp && (*pp)->due_ms <= k->due_ms)
        pp = &(*pp)->next_delayed;
    k->next_delayed = *pp;
    *pp = k;
    arm_retry_timer(s);
}

static void on_retry_timer(uv_timer_t *tm)
{
    struct scan *s = tm->data;
    uint64_t now = now_ms(s);
    while (s->delayed && s->delayed->due_ms <= now) {
        struct task *k = s->delayed;
        s->delayed = k->next_delayed;
        k->next_delayed = NULL;
        enqueue(s, k);
    }
    arm_retry_timer(s);
    pump(s);
}

/* Answers the task "undecided" with why. */
static void deliver_undecided(struct task *k, const char *why)
{
    struct probe_res res;
    memset(&res, 0, sizeof res);
    res.detail = TLSD_DETAIL_UNDECIDED;
    res.fd = -1;
    snprintf(res.error, sizeof res.error, "%s", why);
    k->tries = 0;
    k->held.set = false;
    k->on_result(k, &res);
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
        deliver_undecided(k, "out of memory");
        return;
    }
    memcpy(copy, t->good_hello, t->good_len);
    k->control = true;
    submit(k, copy, t->good_len);
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
        deliver_undecided(p, why);
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
        k->on_result(k, &held);
        return;
    }
    char why[240], buf[160];
    undecided_why(k, buf, sizeof buf);
    snprintf(why, sizeof why, "%s, and a hello it accepted before then got %s", buf,
             probe_what(res));
    deliver_undecided(k, why);
}

/* A ServerHello whose flight never ended (an endless or cut Certificate message): the
 * suite is accepted, but what the rest would have shown is not known from it. */
static void note_flight_incomplete(struct tscan *t, const struct probe_res *res)
{
    char vb[16];
    if (res->timed_out)
        t->flight_stalls = true;
    for (int vi = 0; vi < TLSD_SCAN_NVERSIONS; vi++) {
        if (tlsd_scan_version_codes[vi] != res->sh.version || (t->flight_noted & (1u << vi)))
            continue;
        t->flight_noted |= 1u << vi;
        add_undecided(t->r,
                      "%s: the server's flight after its ServerHello did not end (%s): the "
                      "certificate and key exchange of such answers are not known",
                      tlsd_version_str(res->sh.version, vb), res->error);
    }
}

static void probe_done(void *ctx, struct probe_res *res)
{
    struct task *k = ctx;
    struct tscan *t = k->t;
    struct scan *s = t->s;
    t->inflight--;
    s->inflight--;
    s->probes_done++;
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
        /* This process's limit, not the server's answer: fewer probes at once. */
        if (s->inflight > 0 && k->local_tries++ < LOCAL_TRIES_MAX) {
            s->max_now = s->inflight;
            enqueue(s, k);
        } else {
            snprintf(why, sizeof why,
                     "out of file descriptors (%s): raise the limit (ulimit -n) or lower "
                     "--concurrency",
                     uv_err_name(res->uv_err));
            deliver_undecided(k, why);
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
            k->on_result(k, res);
        } else if (!ambiguous(res)) {
            snprintf(why, sizeof why, "%s after %u tries: %.150s", probe_what(res), k->tries + 1,
                     res->error);
            deliver_undecided(k, why);
        } else if (t->flaky) {
            undecided_why(k, why, sizeof why);
            strncat(why, " (the server resets at random)", sizeof why - strlen(why) - 1);
            deliver_undecided(k, why);
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
        k->on_result(k, res);
    }
    pump(s);
    release_parked(t, false);
    if (s->progress && s->probes_done % 16 == 0)
        s->progress(s->ctx, s->targets_done, s->n_targets, s->probes_done);
}

/* ---- result helpers ------------------------------------------------------ */

static enum tlsd_tristate tri_of(bool b)
{
    return b ? TLSD_YES : TLSD_NO;
}

static void remove_code(uint32_t *v, size_t *n, uint32_t code)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == code) {
            memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
            (*n)--;
            return;
        }
}

static const char *outcome_text(const struct probe_res *res, char *buf, size_t len)
{
    if (res->ending == TLSD_OUTCOME_SERVER_ALERT && res->have_alert) {
        char a[120];
        tlsd_alert_describe(res->alert.level, res->alert.description, a, sizeof a);
        snprintf(buf, len, "alert %s", a);
    } else if (probe_server_hello(res)) {
        char v[16];
        snprintf(buf, len, "accepted (%s)", tlsd_version_str(res->sh.version, v));
    } else {
        snprintf(buf, len, "%s%s%.140s", probe_what(res), res->error[0] ? ": " : "", res->error);
    }
    return buf;
}

/* Keeps a certificate chain (DER, leaf first), one entry per distinct leaf,
 * with the suites it served; the entry, or NULL. */
static struct tlsd_scan_cert *add_chain(struct tscan *t, const uint8_t *const *der,
                                        const size_t *len, size_t n, uint32_t suite)
{
    struct tlsd_scan_result *r = t->r;
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < r->n_certs; i++) {
        struct tlsd_scan_cert *c = &r->certs[i];
        if (c->chain[0].der_len == len[0] && memcmp(c->chain[0].der, der[0], len[0]) == 0) {
            if (suite && !tlsd_has_u32(c->suites, c->n_suites, suite)) {
                uint32_t *v = realloc(c->suites, (c->n_suites + 1) * sizeof *v);
                if (v) {
                    c->suites = v;
                    c->suites[c->n_suites++] = suite;
                }
            }
            return c;
        }
    }
    struct tlsd_scan_cert *nc = realloc(r->certs, (r->n_certs + 1) * sizeof *nc);
    if (!nc)
        return NULL;
    r->certs = nc;
    struct tlsd_scan_cert *c = &nc[r->n_certs];
    memset(c, 0, sizeof *c);
    c->chain = calloc(n, sizeof *c->chain);
    if (!c->chain)
        return NULL;
    /* Summarise private copies: the messages the DER came from go away. */
    for (size_t i = 0; i < n; i++) {
        uint8_t *copy = malloc(len[i] ? len[i] : 1);
        if (!copy)
            break;
        memcpy(copy, der[i], len[i]);
        if (tlsd_cert_summarize(copy, len[i], &c->chain[c->n_chain]) != TLSD_CERR_OK ||
            !c->chain[c->n_chain].decoded) {
            tlsd_cert_summary_free(&c->chain[c->n_chain]);
            free(copy);
            break;
        }
        c->chain[c->n_chain].der = copy;
        c->n_chain++;
    }
    if (c->n_chain == 0) {
        free(c->chain);
        return NULL;
    }
    const struct tlsd_cert_summary *l = &c->chain[0];
    if (l->curve[0])
        snprintf(c->label, sizeof c->label, "%.31s %d (%.40s)", l->key_type, l->key_bits, l->curve);
    else
        snprintf(c->label, sizeof c->label, "%.31s %d", l->key_type, l->key_bits);
    if (suite) {
        c->suites = malloc(sizeof *c->suites);
        if (c->suites) {
            c->suites[0] = suite;
            c->n_suites = 1;
        }
    }
    r->n_certs++;
    return c;
}

static void note_cert(struct tscan *t, const struct probe_res *res, uint32_t suite)
{
    if (!res->have_cert || res->cert.n_certs == 0)
        return;
    size_t n = res->cert.n_certs;
    const uint8_t **der = malloc(n * sizeof *der);
    size_t *len = malloc(n * sizeof *len);
    if (der && len) {
        for (size_t i = 0; i < n; i++) {
            der[i] = res->cert.certs[i].der;
            len[i] = res->cert.certs[i].der_len;
        }
        add_chain(t, der, len, n, suite);
    }
    free(der);
    free(len);
}

/* A block cipher in CBC mode: the suites RFC 7366 encrypt-then-MAC applies to (a
 * server never sends it with an AEAD or stream cipher, RFC 7366 section 2). */
/* JA3S/JA4S and the features below come from the answer at the highest version to
 * tlsdiag's full hello; at one version, the first answer is the root probe's (every
 * other probe of that version waits for it), so the same server always gives the
 * same report. */
static bool from_best_answer(uint16_t *best, uint16_t version)
{
    if (version <= *best)
        return false;
    *best = version;
    return true;
}

static void note_fingerprints(struct tscan *t, const struct probe_res *res)
{
    if (!res->have_sh || res->sh.is_hrr || !from_best_answer(&t->fp_version, res->sh.version))
        return;
    struct tlsd_ja3 j;
    if (tlsd_ja3s(&res->sh, &j) == 0) {
        memcpy(t->r->ja3s, j.hash, sizeof t->r->ja3s);
        tlsd_ja3_free(&j);
    }
    tlsd_ja4s(&res->sh, TLSD_JA_TCP, t->r->ja4s);
}

/* Features of a TLS <= 1.2 ServerHello to our full hello. Encrypt-then-MAC is
 * decided by the answers with a CBC suite only (TLS 1.0 included: RFC 7366 covers
 * it): yes when any of them carries it. */
static void note_features(struct tscan *t, const struct probe_res *res)
{
    struct tlsd_scan_result *r = t->r;
    if (!res->have_sh || res->sh.version >= TLSD_VERSION_TLS1_3 ||
        res->sh.version < TLSD_VERSION_TLS1_0)
        return;
    if (tlsd_suite_cipher_is(res->sh.suite, TLSD_CIPHERF_CBC) && r->etm != TLSD_YES)
        r->etm = res->sh.encrypt_then_mac ? TLSD_YES : TLSD_NO;
    if (!from_best_answer(&t->features_version, res->sh.version))
        return;
    r->secure_renegotiation = res->sh.renegotiation_info ? TLSD_YES : TLSD_NO;
    r->ems = res->sh.extended_master_secret ? TLSD_YES : TLSD_NO;
    r->session_ticket = res->sh.session_ticket ? TLSD_YES : TLSD_NO;
    r->ocsp_stapling = res->sh.status_request && res->cert_status ? TLSD_YES : TLSD_NO;
    probe_alpn(res, r->alpn, sizeof r->alpn);
}

/* ---- enumerations by elimination ------------------------------------------- */

/* An enumeration finds every element of a candidate list (suites of one
 * version, groups, signature schemes) that the server accepts: a probe offers
 * a set, the server picks one, the next probe offers the set without it, until
 * the server refuses. The first probe offers everything (its pick is the
 * server's preferred element). After it, the rest is split into CHUNKS
 * interleaved parts eliminated in parallel, which cuts the round trips on a
 * slow link at the cost of one refused probe per part. As soon as two
 * elements are known, two probes offering them in both orders tell whether the
 * server keeps its own order; if it does, the parts stop and one sequential
 * elimination gives that whole order (RFC 5246 7.4.1.2 leaves the choice to
 * the server). */
#define CHUNKS 8

enum ekind { E_SUITES, E_GROUPS, E_SIGALGS };

struct elim {
    struct tscan *t;
    enum ekind kind;
    int vi;          /* version index (suites, groups) */
    uint32_t *cands; /* the full candidate list, in offering order */
    size_t n_cands;
    uint32_t *found; /* accepted, in discovery (or server) order */
    size_t n_found;
    uint32_t first_pick; /* the answer to the whole list */
    unsigned open;       /* live tasks of this enumeration */
    unsigned gen;        /* tasks of an older generation are abandoned */
    int order;           /* -1 unknown, 0 client order, 1 server order */
    bool order_asked;
    bool chacha_ambiguous; /* a pair with ChaCha20 looked like client order */
    uint32_t order_picks[2];
    int order_answers;
    bool root_answered;
    bool root_undecided; /* the first probe's answer could not be decided */
    char root_note[160];
    int root_alert;  /* the alert the first hello got, -1 none */
    uint32_t pinned; /* groups: kept in every offer (the ECDSA certificate's curve) */
    int key;         /* signature schemes: TLSD_SCAN_KEY_*, the suites' certificate type */
    /* Server order (see spec_round): every element any answer showed accepted, which
     * beat which (beats[w * n_cands + x]: w was picked from an offer holding x), the
     * server's order so far (placed), and the round of probes in flight for the rest. */
    uint32_t *known;
    size_t n_known;
    uint8_t *beats;
    uint32_t *placed;
    size_t n_placed;
    bool spec_wanted; /* the order is the server's: speculate once the parts have ended */
    struct spec {
        uint32_t *guess; /* the order guessed for what is not placed yet */
        size_t m;        /* guesses; position m offers what is left after all of them */
        uint32_t *ans;   /* per position: the pick (0 refused) */
        bool *have;      /* per position: answered */
        bool *noted;     /* per position: recorded when it came */
        size_t next;     /* the first position not confirmed */
        unsigned gen;    /* of the round: the probes of older ones are not needed */
        size_t depth;    /* guesses the next round may make */
    } spec;
    void (*on_root)(struct elim *e, bool accepted);
    void (*on_done)(struct elim *e);
};

static bool is_ecdhe(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s && s->kx == TLSD_KX_ECDHE && s->auth != TLSD_AUTH_ANON;
}

static bool signs_ske(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s && (s->kx == TLSD_KX_ECDHE || s->kx == TLSD_KX_DHE) && s->auth != TLSD_AUTH_ANON;
}

/* Registry suites usable at v that pass keep (NULL: all). */
static uint32_t *suites_where(struct scan *sc, uint16_t v, bool (*keep)(uint32_t), size_t *n)
{
    size_t k = 0;
    uint32_t *all = suites_for(sc, v, &k), *out = all;
    size_t w = 0;
    for (size_t i = 0; all && i < k; i++)
        if (!keep || keep(all[i]))
            out[w++] = all[i];
    *n = w;
    return out;
}

static int elim_probe(struct task *k, const uint32_t *set, size_t n)
{
    struct elim *e = k->e;
    struct tscan *t = e->t;
    uint16_t v = tlsd_scan_version_codes[e->vi];
    struct hello_opts h = {.version = v};
    uint16_t *list16 = NULL;
    uint32_t *suites = NULL;
    size_t ns = 0;
    if (e->kind == E_SUITES) {
        h.suites = set;
        h.n_suites = n;
    } else {
        list16 = malloc((n + 1) * sizeof *list16);
        if (!list16)
            return -1;
        for (size_t i = 0; i < n; i++)
            list16[i] = (uint16_t)set[i];
        if (e->kind == E_GROUPS && e->pinned && !tlsd_has_u32(set, n, e->pinned))
            list16[n++] = (uint16_t)e->pinned; /* last: picked only when nothing else fits */
        if (e->kind == E_GROUPS) {
            suites = suites_where(e->t->s, v, v >= TLSD_VERSION_TLS1_3 ? NULL : is_ecdhe, &ns);
            h.groups = list16;
            h.n_groups = n;
            h.no_key_shares = true; /* TLS 1.3: the server names its group in an HRR */
        } else {
            suites = suites_where(e->t->s, v, signs_ske, &ns);
            size_t w = 0; /* only suites that select this key type's certificate */
            for (size_t i = 0; suites && i < ns; i++)
                if (tlsd_suite_by_code(suites[i])->auth == tlsd_scan_key_auth[e->key])
                    suites[w++] = suites[i];
            ns = w;
            h.sigalgs = list16;
            h.n_sigalgs = n;
        }
        h.suites = suites;
        h.n_suites = ns;
    }
    uint8_t *rec;
    size_t len;
    int rc = build_hello(t, &h, &rec, &len);
    free(list16);
    free(suites);
    if (rc < 0)
        return -1;
    submit(k, rec, len);
    return 0;
}

/* The element the server picked from what this task offered, or 0. */
static uint32_t picked(const struct task *k, const struct probe_res *res)
{
    const struct elim *e = k->e;
    uint16_t v = tlsd_scan_version_codes[e->vi];
    if (e->kind == E_SUITES && e->vi == TLSD_SCAN_SSL2)
        return 0;
    if (!probe_server_hello(res) || !res->have_sh || res->sh.version != v)
        return 0;
    uint32_t c = 0;
    if (e->kind == E_SUITES)
        c = res->sh.suite;
    else if (e->kind == E_GROUPS && v >= TLSD_VERSION_TLS1_3 && res->sh.has_key_share)
        c = res->sh.key_share_group;
    else if (e->kind == E_GROUPS && res->have_ske && res->ske.kind == TLSD_SKE_ECDH)
        c = res->ske.named_curve;
    else if (e->kind == E_SIGALGS && res->have_ske && res->ske.has_sig_scheme)
        c = res->ske.sig_scheme;
    return tlsd_has_u32(k->remaining, k->n_remaining, c) ? c : 0;
}

static void add_suite(struct tlsd_scan_version *sv, const struct probe_res *res)
{
    for (size_t i = 0; i < sv->n_suites; i++)
        if (sv->suites[i].code == res->sh.suite)
            return;
    struct tlsd_scan_suite *n = realloc(sv->suites, (sv->n_suites + 1) * sizeof *n);
    if (!n)
        return;
    sv->suites = n;
    struct tlsd_scan_suite *x = &n[sv->n_suites++];
    memset(x, 0, sizeof *x);
    x->code = res->sh.suite;
    if (res->sh.has_key_share)
        x->group = res->sh.key_share_group;
    if (res->have_ske) {
        if (res->ske.kind == TLSD_SKE_ECDH)
            x->group = res->ske.named_curve;
        else if (res->ske.kind == TLSD_SKE_DH)
            x->dh_bits = res->ske.dh_p_bits;
    }
    if (res->have_cert && res->cert.n_certs > 0)
        x->rsa_kx_bits = res->cert.certs[0].key_bits;
}

/* Records an accepted element and what its probe showed. */
static void record(struct elim *e, uint32_t c, const struct probe_res *res)
{
    struct tscan *t = e->t;
    if (!tlsd_has_u32(e->found, e->n_found, c)) {
        uint32_t *f = realloc(e->found, (e->n_found + 1) * sizeof *f);
        if (!f)
            return;
        e->found = f;
        f[e->n_found++] = c;
    }
    if (!tlsd_has_u32(e->known, e->n_known, c)) {
        uint32_t *v = realloc(e->known, (e->n_known + 1) * sizeof *v);
        if (v) {
            e->known = v;
            v[e->n_known++] = c;
        }
    }
    if (e->kind == E_SUITES) {
        add_suite(&t->r->versions[e->vi], res);
        note_fingerprints(t, res);
        note_features(t, res);
    }
    if (res->sh.is_hrr)
        t->r->hrr = TLSD_YES;
    note_cert(t, res, res->sh.suite);
}

static void elim_result(struct task *k, struct probe_res *res);

/* A task of e offering set (copied); fn takes its answers. */
static struct task *elim_task_fn(struct elim *e, const uint32_t *set, size_t n,
                                 void (*fn)(struct task *, struct probe_res *), int kind,
                                 unsigned gen)
{
    struct task *k = new_task(e->t, fn);
    if (!k)
        return NULL;
    k->e = e;
    k->gen = gen;
    k->kind = kind;
    k->remaining = malloc((n ? n : 1) * sizeof *k->remaining);
    if (!k->remaining) {
        end_task(k);
        return NULL;
    }
    memcpy(k->remaining, set, n * sizeof *set);
    k->n_remaining = n;
    e->open++;
    if (elim_probe(k, k->remaining, n) < 0) {
        e->open--;
        end_task(k);
        return NULL;
    }
    return k;
}

static struct task *elim_task(struct elim *e, const uint32_t *set, size_t n)
{
    return elim_task_fn(e, set, n, elim_result, 0, e->gen);
}

static void elim_finish(struct elim *e);

static void spec_round(struct elim *e);

static void elim_task_end(struct task *k)
{
    struct elim *e = k->e;
    e->open--;
    end_task(k);
    if (e->open == 0 && e->spec_wanted) {
        e->spec_wanted = false;
        spec_round(e);
    }
    if (e->open == 0)
        elim_finish(e);
}

/* Splits what the root left into interleaved parts, one task each. */
static void elim_fan_out(struct elim *e, const uint32_t *rest, size_t n)
{
    /* About eight candidates a part at least: a part costs one refused probe. */
    size_t parts = n / 8 < CHUNKS ? n / 8 : CHUNKS;
    if (parts < 1)
        parts = 1;
    for (size_t p = 0; p < parts; p++) {
        uint32_t *set = malloc((n / parts + 1) * sizeof *set);
        size_t m = 0;
        for (size_t i = p; set && i < n; i += parts)
            set[m++] = rest[i];
        if (set && m)
            elim_task(e, set, m);
        free(set);
    }
}

static void order_result(struct task *k, struct probe_res *res);

/* Offers two known elements in both orders. */
static void elim_ask_order(struct elim *e)
{
    /* Suites, and groups (OpenSSL with server preference, GnuTLS in TLS 1.3 pick their
     * own group order); not with a pinned curve, which is in every offer. */
    if (e->order_asked || e->n_found < 2 || e->kind == E_SIGALGS || e->pinned)
        return;
    /* Two suites other than ChaCha20 when there are: a server that puts ChaCha20 first
     * for clients that prefer it answers a pair with it like a client-order server. */
    size_t pick[2], m = 0;
    for (size_t i = 0; i < e->n_found && m < 2; i++)
        if (!tlsd_suite_cipher_is(e->found[i], TLSD_CIPHERF_CHACHA20))
            pick[m++] = i;
    if (m < 2) {
        if (e->chacha_ambiguous)
            return;
        pick[0] = 0;
        pick[1] = 1;
    }
    e->order_asked = true;
    uint32_t a = e->found[pick[0]], b = e->found[pick[1]];
    uint32_t pair[2][2] = {{a, b}, {b, a}};
    for (int i = 0; i < 2; i++) {
        struct task *k = new_task(e->t, order_result);
        if (!k)
            continue;
        k->e = e;
        k->kind = i;
        k->remaining = malloc(2 * sizeof *k->remaining);
        if (!k->remaining) {
            end_task(k);
            continue;
        }
        memcpy(k->remaining, pair[i], sizeof pair[i]);
        k->n_remaining = 2;
        e->open++;
        if (elim_probe(k, k->remaining, 2) < 0) {
            e->open--;
            end_task(k);
        }
    }
}

/* ---- the server's order, by speculation ---------------------------------------------
 *
 * A server that keeps its own order answers each offer with the best element of it, so
 * the order is what a sequential elimination finds: offer everything, then everything
 * but the picks so far, until the server refuses (one round trip per element). The
 * same probes are sent at once instead, each for a guess of the picks before it: the
 * guess orders the elements already seen accepted by what beat what in the answers so
 * far (and the offering order where nothing tells). Each probe is the very hello the
 * sequential elimination would send if the guesses before it hold; the answers are
 * taken in that order, and at the first one that differs from its guess a new round
 * starts from there with what it showed. A right guess costs one round trip for the
 * whole order, a wrong one a round trip more from where it went wrong. */

static size_t cand_index(const struct elim *e, uint32_t c)
{
    size_t i = 0;
    while (i < e->n_cands && e->cands[i] != c)
        i++;
    return i;
}

/* w was picked from the n elements of offered: it beats each of them. */
static void note_beats(struct elim *e, uint32_t w, const uint32_t *offered, size_t n)
{
    size_t wi = cand_index(e, w);
    if (!w || wi == e->n_cands || e->order != 1) /* only a server's own order needs them */
        return;
    if (!e->beats && !(e->beats = calloc(e->n_cands * e->n_cands, 1)))
        return;
    for (size_t i = 0; i < n; i++) {
        size_t xi = cand_index(e, offered[i]);
        if (xi < e->n_cands && xi != wi)
            e->beats[wi * e->n_cands + xi] = 1;
    }
}

static bool beaten(const struct elim *e, uint32_t x, uint32_t by)
{
    size_t xi = cand_index(e, x), bi = cand_index(e, by);
    return e->beats && xi < e->n_cands && bi < e->n_cands && e->beats[bi * e->n_cands + xi];
}

/* The known elements not placed yet, in the order guessed: repeatedly the first (in
 * offering order) that nothing left is known to beat. */
static uint32_t *spec_guess(const struct elim *e, size_t *m)
{
    uint32_t *left = malloc((e->n_known ? e->n_known : 1) * sizeof *left);
    uint32_t *out = malloc((e->n_known ? e->n_known : 1) * sizeof *out);
    size_t n = 0;
    *m = 0;
    if (!left || !out) {
        free(left);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < e->n_cands; i++) /* offering order */
        if (tlsd_has_u32(e->known, e->n_known, e->cands[i]) &&
            !tlsd_has_u32(e->placed, e->n_placed, e->cands[i]))
            left[n++] = e->cands[i];
    while (n > 0) {
        size_t pick = 0; /* the first, when every one is beaten (answers that disagree) */
        for (size_t i = 0; i < n; i++) {
            bool free_of = true;
            for (size_t j = 0; j < n && free_of; j++)
                free_of = j == i || !beaten(e, left[i], left[j]);
            if (free_of) {
                pick = i;
                break;
            }
        }
        out[(*m)++] = left[pick];
        memmove(&left[pick], &left[pick + 1], (n - pick - 1) * sizeof *left);
        n--;
    }
    free(left);
    return out;
}

/* Guesses in a round: the first round guesses this many at most; after a wrong guess
 * as many as the last round got right before it (none: the next round is the one probe
 * of the sequential elimination), after a round all right one more. A wrong guess costs
 * the probes after it: with guesses that are always wrong, the probes are at most 1.5
 * times the sequential elimination's. */
#define SPEC_DEPTH_FIRST 16u

static void spec_free(struct spec *sp)
{
    unsigned gen = sp->gen;
    size_t depth = sp->depth;
    free(sp->guess);
    free(sp->ans);
    free(sp->have);
    free(sp->noted);
    memset(sp, 0, sizeof *sp);
    sp->gen = gen + 1; /* the probes in flight are not needed */
    sp->depth = depth;
}

static void place(struct elim *e, uint32_t c)
{
    uint32_t *v = realloc(e->placed, (e->n_placed + 1) * sizeof *v);
    if (v) {
        e->placed = v;
        v[e->n_placed++] = c;
    }
}

/* The order is known: found (and the version's suites) become the placed elements, in
 * their order. */
static void spec_done(struct elim *e)
{
    spec_free(&e->spec);
    free(e->found);
    e->found = e->placed;
    e->n_found = e->n_placed;
    e->placed = NULL;
    e->n_placed = 0;
    if (e->kind != E_SUITES)
        return;
    struct tlsd_scan_version *sv = &e->t->r->versions[e->vi];
    struct tlsd_scan_suite *v = malloc((e->n_found ? e->n_found : 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; v && i < e->n_found; i++)
        for (size_t j = 0; j < sv->n_suites; j++)
            if (sv->suites[j].code == e->found[i]) {
                v[n++] = sv->suites[j];
                break;
            }
    if (v) {
        free(sv->suites);
        sv->suites = v;
        sv->n_suites = n;
    }
}

static void spec_result(struct task *k, struct probe_res *res);

/* The sequential elimination from the placed elements on (an answer that cannot be
 * decided, or a reset taken as a refusal, is handled as there). */
static void spec_fall_back(struct elim *e)
{
    uint32_t *rest = malloc((e->n_cands ? e->n_cands : 1) * sizeof *rest);
    size_t m = 0;
    spec_done(e); /* found: the placed ones; elim_result adds the rest in order */
    for (size_t i = 0; rest && i < e->n_cands; i++)
        if (!tlsd_has_u32(e->found, e->n_found, e->cands[i]))
            rest[m++] = e->cands[i];
    if (rest && m)
        elim_task(e, rest, m);
    free(rest);
}

/* A round: position i offers what is left when the first i guesses are placed. */
static void spec_round(struct elim *e)
{
    struct spec *sp = &e->spec;
    spec_free(sp);
    sp->guess = spec_guess(e, &sp->m);
    if (sp->m > sp->depth)
        sp->m = sp->depth;
    sp->ans = calloc(sp->m + 1, sizeof *sp->ans);
    sp->have = calloc(sp->m + 1, sizeof *sp->have);
    sp->noted = calloc(sp->m + 1, sizeof *sp->noted);
    uint32_t *set = malloc((e->n_cands ? e->n_cands : 1) * sizeof *set);
    if (!sp->guess || !sp->ans || !sp->have || !sp->noted || !set) {
        free(set);
        spec_fall_back(e);
        return;
    }
    for (size_t i = 0; i <= sp->m; i++) {
        size_t n = 0;
        for (size_t c = 0; c < e->n_cands; c++)
            if (!tlsd_has_u32(e->placed, e->n_placed, e->cands[c]) &&
                !tlsd_has_u32(sp->guess, i, e->cands[c]))
                set[n++] = e->cands[c];
        if (n == 0 || !elim_task_fn(e, set, n, spec_result, (int)i, sp->gen)) {
            sp->have[i] = true; /* nothing left to offer: as refused */
            if (n != 0) {       /* could not send it */
                free(set);
                spec_fall_back(e);
                return;
            }
        }
    }
    free(set);
}

/* Takes the answers in position order as far as they are in. */
static void spec_advance(struct elim *e)
{
    struct spec *sp = &e->spec;
    while (sp->guess && sp->next <= sp->m && sp->have[sp->next]) {
        uint32_t a = sp->ans[sp->next];
        if (sp->next < sp->m && a && a == sp->guess[sp->next]) {
            place(e, a);
            sp->next++;
            continue;
        }
        if (!a) { /* refused: the end, as in the sequential elimination */
            spec_done(e);
            return;
        }
        /* Another pick than guessed: it beat all that was offered there (taken in
         * position order, so the next guess does not depend on which answer came
         * first); placed when an answer recorded it, else asked again first. */
        uint32_t *offered = malloc((e->n_cands ? e->n_cands : 1) * sizeof *offered);
        size_t n = 0;
        for (size_t c = 0; offered && c < e->n_cands; c++)
            if (!tlsd_has_u32(e->placed, e->n_placed, e->cands[c]))
                offered[n++] = e->cands[c];
        note_beats(e, a, offered, n);
        free(offered);
        if (!tlsd_has_u32(e->known, e->n_known, a)) {
            uint32_t *v = realloc(e->known, (e->n_known + 1) * sizeof *v);
            if (v) {
                e->known = v;
                v[e->n_known++] = a;
            }
        }
        if (sp->noted[sp->next])
            place(e, a);
        sp->depth = sp->next >= sp->m ? sp->m + 1 : sp->next;
        spec_round(e);
        return;
    }
}

static void spec_result(struct task *k, struct probe_res *res)
{
    struct elim *e = k->e;
    struct spec *sp = &e->spec;
    size_t i = (size_t)k->kind;
    if (k->gen != sp->gen || !sp->guess) {
        elim_task_end(k);
        return;
    }
    if (res->detail == TLSD_DETAIL_UNDECIDED || res->confirmed_reset) {
        spec_fall_back(e);
        elim_task_end(k);
        return;
    }
    uint32_t c = picked(k, res);
    /* The parts found every element with what its answer showed; one they did not is
     * recorded from this answer (then taken in order, see spec_advance). */
    if (c && !tlsd_has_u32(e->found, e->n_found, c) && i == sp->next) {
        record(e, c, res);
        sp->noted[i] = true;
    }
    sp->noted[i] = sp->noted[i] || tlsd_has_u32(e->found, e->n_found, c);
    sp->ans[i] = c;
    sp->have[i] = true;
    spec_advance(e);
    elim_task_end(k);
}

static void order_result(struct task *k, struct probe_res *res)
{
    struct elim *e = k->e;
    uint32_t c = picked(k, res);
    e->order_picks[k->kind] = c;
    if (++e->order_answers == 2 && e->order_picks[0] && e->order_picks[1] &&
        e->order_picks[0] != e->order_picks[1] &&
        (tlsd_suite_cipher_is(k->remaining[0], TLSD_CIPHERF_CHACHA20) ||
         tlsd_suite_cipher_is(k->remaining[1], TLSD_CIPHERF_CHACHA20))) {
        /* Client order, or ChaCha20 priority: ask again with two other suites. */
        e->chacha_ambiguous = true;
        e->order_asked = false;
        e->order_answers = 0;
    } else if (e->order_answers == 2 && e->order_picks[0] && e->order_picks[1]) {
        e->order = e->order_picks[0] == e->order_picks[1];
        if (e->order == 1) {
            /* Server order: once the parts have found what is accepted, the order from
             * the server's first choice on, by speculation (spec_round). */
            e->n_placed = 0;
            place(e, e->first_pick);
            e->spec.depth = SPEC_DEPTH_FIRST;
            e->spec_wanted = true; /* once the parts have ended (elim_task_end) */
        }
    }
    elim_task_end(k);
}

static const char *const ekind_what[] = {
    [E_SUITES] = "cipher suites",
    [E_GROUPS] = "groups",
    [E_SIGALGS] = "signature schemes",
};

static const char *element_name(enum ekind kind, uint32_t c, char *buf, size_t len)
{
    const char *n = NULL;
    if (kind == E_SUITES) {
        const struct tlsd_suite *x = tlsd_suite_by_code(c);
        n = x ? x->iana_name : NULL;
    } else if (kind == E_GROUPS) {
        const struct tlsd_group *x = tlsd_group_by_code((uint16_t)c);
        n = x ? x->name : NULL;
    } else {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code((uint16_t)c);
        n = x ? x->name : NULL;
    }
    if (n)
        return n;
    snprintf(buf, len, "0x%04X", (unsigned)c);
    return buf;
}

/* What the task still offered stays open: neither accepted nor refused (UNDECIDED), or
 * was refused by a confirmed reset (a doubt, should the server turn out to reset at
 * random). */
static void elim_undecided(struct elim *e, const struct task *k, const struct probe_res *res,
                           bool root)
{
    char vb[16], nb[16];
    const char *v = tlsd_version_str(tlsd_scan_version_codes[e->vi], vb);
    if (res->confirmed_reset) {
        if (root && e->kind == E_SUITES) {
            add_doubt(e->t, e->vi, "%s: whether it is accepted", v);
            return;
        }
    } else if (root) {
        e->root_undecided = true;
        snprintf(e->root_note, sizeof e->root_note, "unknown: %.140s", res->error);
        if (e->kind == E_SUITES)
            return; /* suites_done marks the version */
    }
    size_t len = 0;
    for (size_t i = 0; i < k->n_remaining; i++)
        len += strlen(element_name(e->kind, k->remaining[i], nb, sizeof nb)) + 2;
    char *names = malloc(len + 1);
    if (!names)
        return;
    names[0] = '\0';
    for (size_t i = 0, at = 0; i < k->n_remaining; i++)
        at += (size_t)sprintf(names + at, "%s%s", i ? ", " : "",
                              element_name(e->kind, k->remaining[i], nb, sizeof nb));
    if (res->confirmed_reset)
        add_doubt(e->t, -1, "%s %s not decided: %s", v, ekind_what[e->kind], names);
    else
        add_undecided(e->t->r, "%s %s not decided (%s): %s", v, ekind_what[e->kind], res->error,
                      names);
    free(names);
}

static void elim_result(struct task *k, struct probe_res *res)
{
    struct elim *e = k->e;
    struct tscan *t = e->t;
    bool root = !e->root_answered;
    if (k->gen != e->gen) { /* abandoned when the server order was found */
        elim_task_end(k);
        return;
    }
    if (res->detail == TLSD_DETAIL_UNDECIDED) {
        elim_undecided(e, k, res, root);
        if (root)
            e->root_answered = true;
        if (root && e->on_root)
            e->on_root(e, false);
        elim_task_end(k);
        return;
    }
    uint32_t c = picked(k, res);
    note_beats(e, c, k->remaining, k->n_remaining);
    if (res->confirmed_reset)
        elim_undecided(e, k, res, root);
    if (root) {
        e->root_answered = true;
        e->first_pick = c;
        if (!c) {
            char buf[160];
            const char *txt = outcome_text(res, buf, sizeof buf);
            if (probe_server_hello(res) && res->have_sh &&
                res->sh.version != tlsd_scan_version_codes[e->vi]) {
                char vb[16];
                snprintf(buf, sizeof buf, "answered with %s%s",
                         res->sh.is_hrr ? "a HelloRetryRequest for " : "",
                         tlsd_version_str(res->sh.version, vb));
                if (e->vi == TLSD_SCAN_TLS13 && res->sh.version == TLSD_VERSION_TLS1_2)
                    t->r->tls13_hello_answered_12 = TLSD_YES;
            }
            snprintf(e->root_note, sizeof e->root_note, "%s", txt);
            e->root_alert = res->ending == TLSD_OUTCOME_SERVER_ALERT ? res->alert.description : -1;
        }
    }
    if (c)
        record(e, c, res);
    if (root && e->on_root)
        e->on_root(e, c != 0);
    if (!c) {
        elim_task_end(k);
        return;
    }
    remove_code(k->remaining, &k->n_remaining, c);
    if (root && e->order != 1 && k->n_remaining > CHUNKS) {
        elim_fan_out(e, k->remaining, k->n_remaining);
        elim_task_end(k);
        return;
    }
    elim_ask_order(e);
    if (k->n_remaining == 0 || elim_probe(k, k->remaining, k->n_remaining) < 0)
        elim_task_end(k);
}

static struct elim *elim_start(struct tscan *t, enum ekind kind, int vi, uint32_t *cands, size_t n,
                               uint32_t pinned, int key, void (*on_root)(struct elim *, bool),
                               void (*on_done)(struct elim *))
{
    struct elim *e = calloc(1, sizeof *e);
    if (!e || n == 0) {
        free(e);
        free(cands);
        return NULL;
    }
    e->t = t;
    e->kind = kind;
    e->vi = vi;
    e->cands = cands;
    e->n_cands = n;
    e->order = kind == E_SIGALGS || pinned ? 0 : -1;
    e->pinned = pinned;
    e->key = key;
    e->on_root = on_root;
    e->on_done = on_done;
    t->tasks_open++; /* the enumeration itself, until elim_finish */
    if (!elim_task(e, cands, n)) {
        if (on_root)
            on_root(e, false);
        elim_finish(e);
        return NULL;
    }
    return e;
}

static void elim_finish(struct elim *e)
{
    struct tscan *t = e->t;
    if (e->on_done)
        e->on_done(e);
    free(e->cands);
    free(e->found);
    free(e->known);
    free(e->beats);
    free(e->placed);
    spec_free(&e->spec);
    free(e);
    t->tasks_open--;
    maybe_finish_target(t);
}

/* ---- what the enumerations feed ------------------------------------------- */

static int cmp_suite(const void *a, const void *b)
{
    const struct tlsd_scan_suite *x = a, *y = b;
    return (x->code > y->code) - (x->code < y->code);
}

static void start_after_roots(struct tscan *t);

static void suites_root(struct elim *e, bool accepted)
{
    struct tscan *t = e->t;
    (void)accepted;
    if (--t->roots_left == 0)
        start_after_roots(t);
}

static void chacha_result(struct task *k, struct probe_res *res)
{
    struct tlsd_scan_version *sv = &k->t->r->versions[k->kind];
    bool answered = probe_server_hello(res) && res->have_sh && !res->sh.is_hrr &&
                    res->sh.version == sv->version;
    sv->chacha_priority = answered
                              ? tri_of(tlsd_suite_cipher_is(res->sh.suite, TLSD_CIPHERF_CHACHA20))
                              : TLSD_UNKNOWN;
    end_task(k);
}

/* A server keeping its own order that ranks another suite above an accepted ChaCha20
 * suite: offer the ChaCha20 suites first and its first choice last. Its first choice
 * wins unless it puts ChaCha20 first for clients that prefer it. */
static void start_chacha_probe(struct tscan *t, int vi)
{
    struct tlsd_scan_version *sv = &t->r->versions[vi];
    uint32_t offer[8];
    size_t n = 0;
    if (sv->server_order != TLSD_YES || sv->n_suites < 2 ||
        tlsd_suite_cipher_is(sv->suites[0].code, TLSD_CIPHERF_CHACHA20))
        return;
    for (size_t i = 0; i < sv->n_suites && n < sizeof offer / sizeof offer[0] - 1; i++)
        if (tlsd_suite_cipher_is(sv->suites[i].code, TLSD_CIPHERF_CHACHA20))
            offer[n++] = sv->suites[i].code;
    if (n == 0)
        return;
    offer[n++] = sv->suites[0].code;
    struct hello_opts h = {.version = sv->version, .suites = offer, .n_suites = n};
    uint8_t *rec;
    size_t len;
    struct task *k = build_hello(t, &h, &rec, &len) == 0 ? new_task(t, chacha_result) : NULL;
    if (!k)
        return;
    k->kind = vi;
    k->background = true;
    submit(k, rec, len);
}

static void suites_done(struct elim *e)
{
    struct tlsd_scan_version *sv = &e->t->r->versions[e->vi];
    sv->accepted = sv->n_suites > 0;
    if (!sv->accepted) {
        snprintf(sv->note, sizeof sv->note, "%s", e->root_note);
        sv->refusal_alert = e->root_answered ? e->root_alert : -1;
    }
    if (!sv->accepted && e->root_undecided) {
        char vb[16];
        sv->undecided = true;
        add_undecided(e->t->r, "%s: whether it is accepted (%s)", tlsd_version_str(sv->version, vb),
                      e->root_note + strlen("unknown: "));
    }
    sv->server_order = e->order == 1 ? TLSD_YES : e->order == 0 ? TLSD_NO : TLSD_UNKNOWN;
    if (sv->server_order != TLSD_YES && sv->n_suites > 1)
        tlsd_qsort(sv->suites, sv->n_suites, sizeof *sv->suites, cmp_suite);
    if (!e->t->s->o->skip_features)
        start_chacha_probe(e->t, e->vi);
}

/* What an enumeration found, as 16-bit codes in an order that does not depend on
 * which parallel part answered first: the answer to the whole offer (the server's
 * pick) first, then the offer's order. pinned (0: none) goes last: it stayed in
 * every offer, so its rank among the others is unknown. */
static uint16_t *found_in_offer_order(const struct elim *e, uint32_t pinned, size_t *n)
{
    uint16_t *v = malloc((e->n_found ? e->n_found : 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    if (e->first_pick && e->first_pick != pinned &&
        tlsd_has_u32(e->found, e->n_found, e->first_pick))
        v[(*n)++] = (uint16_t)e->first_pick;
    for (size_t i = 0; i < e->n_cands; i++) {
        uint32_t c = e->cands[i];
        if (c != e->first_pick && c != pinned && tlsd_has_u32(e->found, e->n_found, c))
            v[(*n)++] = (uint16_t)c;
    }
    if (pinned && tlsd_has_u32(e->found, e->n_found, pinned))
        v[(*n)++] = (uint16_t)pinned;
    return v;
}

static void groups_done(struct elim *e)
{
    struct tlsd_scan_result *r = e->t->r;
    uint16_t **list = e->vi == TLSD_SCAN_TLS13 ? &r->groups : &r->groups12;
    size_t *count = e->vi == TLSD_SCAN_TLS13 ? &r->n_groups : &r->n_groups12;
    if (e->vi == TLSD_SCAN_TLS13 && r->hrr == TLSD_UNKNOWN && e->root_answered)
        r->hrr = e->n_found ? TLSD_YES : TLSD_NO;
    *(e->vi == TLSD_SCAN_TLS13 ? &r->groups_order : &r->groups12_order) = e->order == 1 ? TLSD_YES
                                                                          : e->order == 0
                                                                              ? TLSD_NO
                                                                              : TLSD_UNKNOWN;
    if (e->order == 1) { /* found in sequence: the server's order */
        *list = malloc((e->n_found ? e->n_found : 1) * sizeof **list);
        for (size_t i = 0; *list && i < e->n_found; i++)
            (*list)[(*count)++] = (uint16_t)e->found[i];
    } else {
        *list = found_in_offer_order(e, e->pinned, count);
    }
    if (e->vi < TLSD_SCAN_TLS13)
        r->groups12_version = tlsd_scan_version_codes[e->vi];
}

static void sigalgs_done(struct elim *e)
{
    struct tlsd_scan_result *r = e->t->r;
    r->sigschemes_by_key[e->key] = found_in_offer_order(e, 0, &r->n_sigschemes_by_key[e->key]);
}

/* The TLS 1.2 schemes of every key type, RSA's first, each once. */
static void merge_sigschemes(struct tlsd_scan_result *r)
{
    size_t n = 0;
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++)
        n += r->n_sigschemes_by_key[k];
    if (n == 0 || !(r->sigschemes = malloc(n * sizeof *r->sigschemes)))
        return;
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++)
        for (size_t i = 0; i < r->n_sigschemes_by_key[k]; i++) {
            uint16_t c = r->sigschemes_by_key[k][i];
            bool seen = false;
            for (size_t j = 0; j < r->n_sigschemes && !seen; j++)
                seen = r->sigschemes[j] == c;
            if (!seen)
                r->sigschemes[r->n_sigschemes++] = c;
        }
}

/* An enumeration over 16-bit codes (taking v, freed here); the candidates are 32-bit.
 * pinned and key: see struct elim. */
static void start_elim16(struct tscan *t, enum ekind kind, int vi, uint16_t *v, size_t n,
                         uint32_t pinned, int key, void (*done)(struct elim *))
{
    uint32_t *c = v ? malloc((n ? n : 1) * sizeof *c) : NULL;
    for (size_t i = 0; c && i < n; i++)
        c[i] = v[i];
    free(v);
    if (c)
        elim_start(t, kind, vi, c, n, pinned, key, NULL, done);
}

/* The group of an EC certificate's curve ("prime256v1", "secp384r1", ...), or 0. */
static uint16_t cert_curve_group(const struct tlsd_cert_summary *c)
{
    if (strcmp(c->key_type, "EC") != 0 || !c->curve[0])
        return 0;
    const struct tlsd_group *g = tlsd_group_by_name(c->curve);
    const char *nist = g ? NULL : EC_curve_nid2nist(OBJ_sn2nid(c->curve));
    if (nist)
        g = tlsd_group_by_name(nist);
    return g ? g->code : 0;
}

/* TLS <= 1.2 and a server seen only with an ECDSA certificate: its curve must stay in
 * every offer, or the server cannot use that certificate and refuses the hello
 * before the other curves are known (RFC 8422 5.1: supported_groups also limits the
 * certificate's curve). 0 when any other certificate was seen. */
static uint16_t group_to_pin(const struct tlsd_scan_result *r)
{
    uint16_t pin = 0;
    for (size_t i = 0; i < r->n_certs; i++) {
        uint16_t g = cert_curve_group(&r->certs[i].chain[0]);
        if (!g)
            return 0;
        pin = pin ? pin : g;
    }
    return pin;
}

static void start_groups(struct tscan *t, int vi)
{
    size_t n;
    uint16_t *g = all_groups(tlsd_scan_version_codes[vi], &n);
    start_elim16(t, E_GROUPS, vi, g, n, vi < TLSD_SCAN_TLS13 ? group_to_pin(t->r) : 0, 0,
                 groups_done);
}

/* One enumeration per certificate key type, each offering only the suites that select
 * that type: a server with RSA and ECDSA certificates signs with the one its chosen
 * suite needs, so one enumeration over every suite sees one key's schemes only. A key
 * type the server has no certificate for costs one refused probe. */
static void start_sigalgs(struct tscan *t)
{
    for (int key = 0; key < TLSD_SCAN_NKEYS; key++) {
        size_t n;
        uint16_t *v = all_sigalgs(&n);
        start_elim16(t, E_SIGALGS, TLSD_SCAN_TLS12, v, n, 0, key, sigalgs_done);
    }
}

/* TLS 1.3 signature schemes: the server picks its scheme for CertificateVerify, which is
 * encrypted, so an answer tells only that the server can sign with one of the schemes
 * offered. A server with no certificate it can sign for with any of them refuses the hello
 * (handshake_failure) instead of answering it (RFC 8446 4.2.3, 4.4.2.2). So the schemes are
 * found by group tests: a refused offer rules out all of its schemes, an answered one is
 * split (by signature algorithm, then one scheme each) until each answer names one scheme.
 * The first offers follow the certificate the TLS <= 1.2 answers showed: one probe per
 * scheme of its key type and one for all the others, so a server with one certificate
 * costs a round and a few probes instead of one probe per scheme of the registry. An HRR
 * names a group: the probe is sent again with a key share for it. */
enum sig13_split {
    SIG13_BY_ALG,  /* an answered offer is split by signature algorithm */
    SIG13_BY_EACH, /* into one scheme each */
};

static int sig13_hello(struct tscan *t, const uint32_t *idx, size_t n, uint16_t share,
                       uint8_t **rec, size_t *len)
{
    size_t ns;
    uint16_t *schemes = malloc((n ? n : 1) * sizeof *schemes);
    uint32_t *suites = schemes ? suites_for(t->s, TLSD_VERSION_TLS1_3, &ns) : NULL;
    if (!suites) {
        free(schemes);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        schemes[i] = tlsd_sigscheme_at(idx[i])->code;
    struct hello_opts h = {.version = TLSD_VERSION_TLS1_3,
                           .suites = suites,
                           .n_suites = ns,
                           .sigalgs = schemes,
                           .n_sigalgs = n,
                           .share_group = share};
    int rc = build_hello(t, &h, rec, len);
    free(suites);
    free(schemes);
    return rc;
}

static void sig13_finish(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    size_t n = 0;
    for (size_t i = 0; i < tlsd_sigscheme_count(); i++)
        n += t->sig13_ok[i];
    r->sigschemes13 = malloc((n ? n : 1) * sizeof *r->sigschemes13);
    for (size_t i = 0; r->sigschemes13 && i < tlsd_sigscheme_count(); i++)
        if (t->sig13_ok[i])
            r->sigschemes13[r->n_sigschemes13++] = tlsd_sigscheme_at(i)->code;
    free(t->sig13_ok);
    t->sig13_ok = NULL;
}

static void sig13_result(struct task *k, struct probe_res *res);

/* Offers the schemes idx (registry indexes); split: what an answer leads to. */
static void sig13_offer(struct tscan *t, const uint32_t *idx, size_t n, enum sig13_split split)
{
    uint8_t *rec;
    size_t len;
    if (n == 0 || sig13_hello(t, idx, n, 0, &rec, &len) != 0)
        return;
    struct task *k = new_task(t, sig13_result);
    if (k && !(k->remaining = malloc(n * sizeof *k->remaining))) {
        end_task(k);
        k = NULL;
    }
    if (!k) {
        free(rec);
        return;
    }
    memcpy(k->remaining, idx, n * sizeof *idx);
    k->n_remaining = n;
    k->kind = split;
    k->background = true;
    t->sig13_left++;
    submit(k, rec, len);
}

/* Offers idx one scheme each (each), or one offer per signature algorithm. */
static void sig13_split(struct tscan *t, const uint32_t *idx, size_t n, bool each)
{
    uint32_t *part = malloc((n ? n : 1) * sizeof *part);
    bool *done = calloc(n ? n : 1, sizeof *done);
    for (size_t i = 0; part && done && i < n; i++) {
        if (done[i])
            continue;
        size_t m = 0;
        enum tlsd_sig_alg alg = tlsd_sigscheme_at(idx[i])->signature;
        for (size_t j = i; j < n && !(each && m); j++)
            if (!done[j] && tlsd_sigscheme_at(idx[j])->signature == alg) {
                done[j] = true;
                part[m++] = idx[j];
            }
        sig13_offer(t, part, m, SIG13_BY_EACH);
    }
    free(part);
    free(done);
}

static void sig13_result(struct task *k, struct probe_res *res)
{
    struct tscan *t = k->t;
    bool answered = probe_server_hello(res) && res->have_sh;
    if (answered && res->sh.is_hrr && !k->gen && res->sh.key_share_group) {
        uint8_t *rec;
        size_t len;
        k->gen = 1; /* once */
        if (sig13_hello(t, k->remaining, k->n_remaining, res->sh.key_share_group, &rec, &len) ==
            0) {
            submit(k, rec, len);
            return;
        }
    }
    bool ok = answered && !res->sh.is_hrr && tlsd_version_is_tls13(res->sh.version);
    t->sig13_left++; /* held while the parts are queued */
    if (k->n_remaining > 1 && (ok || res->detail == TLSD_DETAIL_UNDECIDED)) {
        /* Which of them: an undecided offer is asked again scheme by scheme, so that each
         * scheme that stays undecided is said so on its own. */
        sig13_split(t, k->remaining, k->n_remaining,
                    k->kind == SIG13_BY_EACH || res->detail == TLSD_DETAIL_UNDECIDED);
    } else if (ok) {
        t->sig13_ok[k->remaining[0]] = true;
    } else if (res->detail == TLSD_DETAIL_UNDECIDED) {
        add_undecided(t->r, "TLSv1.3 signature scheme %s not decided (%s)",
                      tlsd_sigscheme_at(k->remaining[0])->name, res->error);
    }
    for (size_t i = 0; res->confirmed_reset && !ok && i < k->n_remaining; i++)
        add_doubt(t, -1, "TLSv1.3 signature scheme %s not decided",
                  tlsd_sigscheme_at(k->remaining[i])->name);
    t->sig13_left--;
    if (--t->sig13_left == 0)
        sig13_finish(t);
    end_task(k);
}

/* The signature algorithm a certificate's key signs TLS 1.3 handshakes with (RFC 8446
 * 4.2.3: an RSA key with RSASSA-PSS rsae, an EC key with ECDSA on its curve...), or -1. */
static int sig13_alg_of_key(const char *key_type)
{
    static const struct {
        const char *key;
        enum tlsd_sig_alg alg;
    } keys[] = {
        {"RSA", TLSD_SIG_ALG_RSA_PSS_RSAE}, {"RSA-PSS", TLSD_SIG_ALG_RSA_PSS_PSS},
        {"EC", TLSD_SIG_ALG_ECDSA},         {"ED25519", TLSD_SIG_ALG_ED25519},
        {"ED448", TLSD_SIG_ALG_ED448},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key_type, keys[i].key) == 0)
            return (int)keys[i].alg;
    return -1;
}

/* Whether a certificate seen so far has a key that signs with algorithm alg. */
static bool sig13_likely(const struct tlsd_scan_result *r, enum tlsd_sig_alg alg)
{
    for (size_t i = 0; i < r->n_certs; i++)
        if (sig13_alg_of_key(r->certs[i].chain[0].key_type) == (int)alg)
            return true;
    return false;
}

static void start_sigalgs13(struct tscan *t)
{
    size_t n = tlsd_sigscheme_count(), n_likely = 0, n_rest = 0;
    uint32_t *likely = calloc(n ? n : 1, sizeof *likely), *rest = calloc(n ? n : 1, sizeof *rest);
    if (!likely || !rest || !(t->sig13_ok = calloc(n, sizeof *t->sig13_ok))) {
        free(likely);
        free(rest);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_at(i);
        if (!x->tls13)
            continue;
        if (sig13_likely(t->r, x->signature))
            likely[n_likely++] = (uint32_t)i;
        else
            rest[n_rest++] = (uint32_t)i;
    }
    t->sig13_left = 1; /* held while the probes are queued */
    sig13_split(t, likely, n_likely, true);
    if (n_likely)
        sig13_offer(t, rest, n_rest, SIG13_BY_ALG);
    else /* no certificate seen (TLS 1.3 only): one offer per signature algorithm */
        sig13_split(t, rest, n_rest, false);
    free(likely);
    free(rest);
    if (--t->sig13_left == 0)
        sig13_finish(t);
}

/* SSLv2: one CLIENT-HELLO with every kind; the SERVER-HELLO lists the
 * server's kinds at once (SSLv2 spec, 2.6). */
static void ssl2_result(struct task *k, struct probe_res *res)
{
    struct tscan *t = k->t;
    struct tlsd_scan_version *sv = &t->r->versions[TLSD_SCAN_SSL2];
    char buf[160];
    if (probe_ssl2_hello(res) && res->ssl2.n_kinds > 0) {
        sv->suites = calloc(res->ssl2.n_kinds, sizeof *sv->suites);
        for (size_t i = 0; sv->suites && i < res->ssl2.n_kinds; i++)
            sv->suites[sv->n_suites++].code = res->ssl2.kinds[i];
        sv->accepted = sv->n_suites > 0;
    } else if (probe_server_hello(res) && res->have_sh) {
        char vb[16]; /* a TLS answer to the SSLv2 hello: no SSLv2 here */
        snprintf(sv->note, sizeof sv->note, "answered with a TLS %s (%s)",
                 res->sh.is_hrr ? "HelloRetryRequest" : "ServerHello",
                 tlsd_version_str(res->sh.version, vb));
    } else {
        snprintf(sv->note, sizeof sv->note, "%s", outcome_text(res, buf, sizeof buf));
        if (res->detail == TLSD_DETAIL_UNDECIDED) {
            sv->undecided = true;
            add_undecided(t->r, "SSLv2: whether it is accepted (%s)", res->error);
        } else if (res->confirmed_reset) {
            add_doubt(t, TLSD_SCAN_SSL2, "SSLv2: whether it is accepted");
        }
    }
    /* The work after the roots first: ending this task may otherwise end the target. */
    if (--t->roots_left == 0)
        start_after_roots(t);
    end_task(k);
}

/* ---- features --------------------------------------------------------------- */

enum feature {
    F_FALLBACK,
    F_COMPRESSION,
    F_NO_SNI,
    F_WRONG_SNI,
    F_LARGE,
    F_NO_RENEG_SIGNAL,
    F_DHE_NO_FFDHE,
    /* Where implementations differ (scan_impl.c tells which one from them). */
    F_SNI_NOT_HOST, /* server_name "tlsdiag_not_a_host": GnuTLS refuses it (illegal_parameter) */
    F_NO_GROUPS,    /* ECDHE suites, no supported_groups: OpenSSL finds no shared curve */
    F_CERT_CURVE,   /* ECDHE_ECDSA suites with only x25519/x448: OpenSSL needs the cert's curve */
    F_SHARE_X25519, /* TLS 1.3, every group, one key share: GnuTLS (server precedence) */
    F_SHARE_P256,   /* asks for its own first group by HRR; OpenSSL takes the share */
};
#define F_COUNT (F_SHARE_P256 + 1)

/* The names F_SNI_NOT_HOST sends and F_CERT_CURVE offers. */
#define SNI_NOT_HOST "tlsdiag_not_a_host"
static const uint16_t non_nist_curves[] = {0x001D, 0x001E}; /* x25519, x448 */

static int highest_accepted(const struct tlsd_scan_result *r, bool below13)
{
    for (int i = below13 ? TLSD_SCAN_TLS12 : TLSD_SCAN_TLS13; i >= TLSD_SCAN_SSL3; i--)
        if (r->versions[i].n_suites > 0)
            return i;
    return -1;
}

static void keep_no_sni_leaf(struct tscan *t, const uint8_t *der, size_t len)
{
    free(t->no_sni_leaf);
    t->no_sni_leaf = malloc(len ? len : 1);
    t->no_sni_len = t->no_sni_leaf ? len : 0;
    if (t->no_sni_leaf)
        memcpy(t->no_sni_leaf, der, len);
}

/* Whether the certificate a hello without SNI got is one the scan saw with SNI: if
 * not, clients without SNI (old printers, Java 6, Windows XP) get another one. */
static void judge_no_sni_cert(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    if (!t->no_sni_leaf || r->n_certs == 0)
        return;
    r->sni_selects_cert = TLSD_YES;
    for (size_t i = 0; i < r->n_certs; i++)
        if (r->certs[i].chain[0].der_len == t->no_sni_len &&
            memcmp(r->certs[i].chain[0].der, t->no_sni_leaf, t->no_sni_len) == 0)
            r->sni_selects_cert = TLSD_NO;
    struct tlsd_cert_summary sum;
    if (r->sni_selects_cert == TLSD_YES &&
        tlsd_cert_summarize(t->no_sni_leaf, t->no_sni_len, &sum) == TLSD_CERR_OK) {
        snprintf(r->no_sni_cert, sizeof r->no_sni_cert, "%.100s (%.20s %d)", sum.subject,
                 sum.key_type, sum.key_bits);
        tlsd_cert_summary_free(&sum);
    }
}

static bool sh_has_ext(const struct tlsd_server_hello *sh, uint16_t type)
{
    for (size_t i = 0; i < sh->n_exts; i++)
        if (sh->exts[i].type == type)
            return true;
    return false;
}

static void feature_result(struct task *k, struct probe_res *res)
{
    struct tlsd_scan_result *r = k->t->r;
    char buf[96];
    bool accepted = probe_server_hello(res) && res->have_sh;
    static const char *const what[F_COUNT] = {
        [F_FALLBACK] = "TLS_FALLBACK_SCSV",
        [F_COMPRESSION] = "compression and heartbeat",
        [F_NO_SNI] = "a hello without server_name",
        [F_WRONG_SNI] = "a hello with another server_name",
        [F_LARGE] = "a large hello",
        [F_NO_RENEG_SIGNAL] = "a hello without the renegotiation signal",
        [F_DHE_NO_FFDHE] = "DHE without the RFC 7919 groups",
        [F_SNI_NOT_HOST] = "server_name not a host name",
        [F_NO_GROUPS] = "ECDHE without supported_groups",
        [F_CERT_CURVE] = "ECDSA certificate without its curve listed",
        [F_SHARE_X25519] = "TLS 1.3 with an x25519 key share",
        [F_SHARE_P256] = "TLS 1.3 with a secp256r1 key share",
    };
    if (res->detail == TLSD_DETAIL_UNDECIDED) { /* the feature stays unknown */
        add_undecided(r, "%s: not decided (%s)", what[k->kind], res->error);
        end_task(k);
        return;
    }
    if (res->confirmed_reset)
        add_doubt(k->t, -1, "%s: not decided", what[k->kind]);
    switch (k->kind) {
    case F_FALLBACK:
        /* RFC 7507: inappropriate_fallback (86) to a lower version with the SCSV. */
        r->fallback_scsv = res->ending == TLSD_OUTCOME_SERVER_ALERT &&
                                   res->alert.description == TLSD_ALERT_INAPPROPRIATE_FALLBACK
                               ? TLSD_YES
                           : accepted ? TLSD_NO
                                      : TLSD_UNKNOWN;
        break;
    case F_COMPRESSION: /* and heartbeat: one probe */
        r->compression = accepted ? (res->sh.compression != 0 ? TLSD_YES : TLSD_NO) : TLSD_UNKNOWN;
        r->heartbeat = accepted ? tri_of(sh_has_ext(&res->sh, TLSD_EXT_HEARTBEAT)) : TLSD_UNKNOWN;
        break;
    case F_NO_SNI:
        snprintf(r->no_sni_answer, sizeof r->no_sni_answer, "%s",
                 outcome_text(res, buf, sizeof buf));
        r->needs_sni = accepted ? TLSD_NO : TLSD_YES;
        if (accepted && res->have_cert && res->cert.n_certs > 0)
            keep_no_sni_leaf(k->t, res->cert.certs[0].der, res->cert.certs[0].der_len);
        break;
    case F_WRONG_SNI:
        snprintf(r->wrong_sni_answer, sizeof r->wrong_sni_answer, "%s",
                 outcome_text(res, buf, sizeof buf));
        break;
    case F_LARGE:
        r->large_hello_intolerant = accepted ? TLSD_NO : TLSD_YES;
        break;
    case F_NO_RENEG_SIGNAL:
        r->needs_reneg_signal = accepted ? TLSD_NO : TLSD_YES;
        break;
    case F_DHE_NO_FFDHE:
        if (accepted && res->have_ske && res->ske.kind == TLSD_SKE_DH)
            r->dh_bits_no_ffdhe = res->ske.dh_p_bits;
        break;
    case F_SNI_NOT_HOST:
        if (accepted || res->ending == TLSD_OUTCOME_SERVER_ALERT) {
            r->refuses_sni_not_host = tri_of(!accepted);
            r->sni_not_host_alert = accepted ? -1 : res->alert.description;
        }
        break;
    case F_NO_GROUPS:
        k->t->no_groups_answer = accepted;
        break;
    case F_CERT_CURVE:
        k->t->curve_answer = accepted;
        break;
    case F_SHARE_X25519:
    case F_SHARE_P256: {
        struct share_answer *a = &k->t->shares[k->kind - F_SHARE_X25519];
        a->answered = accepted;
        a->hrr = accepted && res->sh.is_hrr;
        a->group = accepted ? res->sh.key_share_group : 0;
        break;
    }
    }
    end_task(k);
}

static bool is_dhe(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s && s->kx == TLSD_KX_DHE && s->auth != TLSD_AUTH_ANON;
}

/* Every group fit for v but the RFC 7919 ones (a client that leaves them out gets the
 * server's own DH parameters, RFC 7919 4). */
static uint16_t *groups_without_ffdhe(uint16_t v, size_t *n)
{
    uint16_t *g = all_groups(v, n);
    size_t w = 0;
    for (size_t i = 0; g && i < *n; i++) {
        const struct tlsd_group *x = tlsd_group_by_code(g[i]);
        if (!x || x->kind != TLSD_GROUP_KIND_FFDHE)
            g[w++] = g[i];
    }
    *n = w;
    return g;
}

static bool is_ecdhe_ecdsa(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return is_ecdhe(code) && s && s->auth == TLSD_AUTH_ECDSA;
}

/* The suites a feature probe offers: those it is about, else all. */
static bool (*feature_suites(enum feature f))(uint32_t)
{
    return f == F_DHE_NO_FFDHE ? is_dhe
           : f == F_NO_GROUPS  ? is_ecdhe
           : f == F_CERT_CURVE ? is_ecdhe_ecdsa
                               : NULL;
}

static void feature_probe(struct tscan *t, enum feature f, int vi)
{
    size_t n, ng = 0;
    uint16_t *groups = NULL;
    uint32_t *suites = suites_where(t->s, tlsd_scan_version_codes[vi], feature_suites(f), &n);
    if (!suites)
        return;
    struct hello_opts h = {.version = tlsd_scan_version_codes[vi], .suites = suites, .n_suites = n};
    switch (f) {
    case F_FALLBACK:
        h.fallback_scsv = true;
        break;
    case F_COMPRESSION:
        h.compression = h.heartbeat = true;
        break;
    case F_NO_SNI:
        h.no_sni = true;
        break;
    case F_WRONG_SNI:
        h.sni = "tlsdiag-wrong-name.invalid";
        break;
    case F_LARGE:
        h.pad_to = 4000; /* well past the sizes old stacks choke on */
        break;
    case F_NO_RENEG_SIGNAL:
        h.no_reneg_scsv = true;
        break;
    case F_DHE_NO_FFDHE:
        h.groups = groups = groups_without_ffdhe(h.version, &ng);
        h.n_groups = ng;
        break;
    case F_SNI_NOT_HOST:
        h.sni = SNI_NOT_HOST;
        break;
    case F_NO_GROUPS:
        h.no_groups = true;
        t->no_groups_version = h.version;
        break;
    case F_CERT_CURVE:
        h.groups = non_nist_curves;
        h.n_groups = sizeof non_nist_curves / sizeof non_nist_curves[0];
        t->curve_version = h.version;
        break;
    case F_SHARE_X25519:
    case F_SHARE_P256:
        h.share_group = f == F_SHARE_X25519 ? 0x001D : 0x0017;
        t->shares[f - F_SHARE_X25519].share = h.share_group;
        break;
    }
    uint8_t *rec;
    size_t len;
    int rc = n && (f != F_DHE_NO_FFDHE || groups) ? build_hello(t, &h, &rec, &len) : -1;
    free(suites);
    free(groups);
    if (rc < 0)
        return;
    struct task *k = new_task(t, feature_result);
    if (!k) {
        free(rec);
        return;
    }
    k->kind = f;
    k->background = true;
    submit(k, rec, len);
}

static void start_features(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    int top = highest_accepted(r, false), top12 = highest_accepted(r, true);
    if (top < 0)
        return;
    /* A lower version than the best, with TLS_FALLBACK_SCSV. */
    int lower = -1;
    for (int i = top - 1; i >= TLSD_SCAN_SSL3 && lower < 0; i--)
        if (r->versions[i].n_suites > 0)
            lower = i;
    if (lower >= 0)
        feature_probe(t, F_FALLBACK, lower);
    if (top12 >= 0) {
        feature_probe(t, F_COMPRESSION, top12);
        if (top12 >= TLSD_SCAN_TLS10)
            feature_probe(t, F_DHE_NO_FFDHE, top12);
        if (top12 == TLSD_SCAN_TLS12)
            feature_probe(t, F_NO_RENEG_SIGNAL, top12);
        if (top12 >= TLSD_SCAN_TLS10) {
            feature_probe(t, F_NO_GROUPS, top12);
            feature_probe(t, F_CERT_CURVE, top12);
        }
    }
    if (top >= TLSD_SCAN_TLS10)
        feature_probe(t, F_SNI_NOT_HOST, top);
    if (top == TLSD_SCAN_TLS13) {
        feature_probe(t, F_SHARE_X25519, top);
        feature_probe(t, F_SHARE_P256, top);
    }
    if (t->sni) {
        feature_probe(t, F_NO_SNI, top);
        feature_probe(t, F_WRONG_SNI, top);
    }
    feature_probe(t, F_LARGE, top);
}

static void fullhs_work(uv_work_t *w)
{
    scan_full_handshake(w->data);
}

/* What a libssl handshake is for. */
enum fullhs_role {
    FH_CERTS13,   /* a TLS 1.3 certificate (and client authentication) */
    FH_MAIN,      /* client authentication; its session is resumed (FH_RESUME) */
    FH_ID12,      /* TLS <= 1.2 without tickets, renegotiates; resumed (FH_RESUME_ID) */
    FH_TICKET12,  /* TLS <= 1.2 with tickets, when FH_MAIN is TLS 1.3; resumed (FH_RESUME) */
    FH_RESUME,    /* resumes FH_MAIN's session: TLS 1.3 or TLS 1.2 ticket (or ID) */
    FH_RESUME_ID, /* resumes FH_ID12's session: session ID */
    FH_NO_SNI,    /* TLS 1.3 without SNI: which certificate such a client gets */
};

static struct fullhs *new_fullhs(struct tscan *t, uint16_t version, const char *sigalgs, int role);
static void queue_fullhs(struct tscan *t, struct fullhs *h);

/* Resumption and renegotiation from what each handshake showed; the next handshake of
 * the chain (the resumption of a session) is started here. */
static void note_session(struct tscan *t, struct fullhs *h)
{
    struct tlsd_scan_result *r = t->r;
    if (h->role == FH_ID12 && h->reneg >= 0)
        r->client_reneg = h->reneg ? TLSD_YES : TLSD_NO;
    if (h->role != FH_CERTS13 && h->role != FH_RESUME && h->role != FH_RESUME_ID && h->session) {
        struct fullhs *n =
            new_fullhs(t, h->got_version, NULL, h->role == FH_ID12 ? FH_RESUME_ID : FH_RESUME);
        if (n) { /* the session moves to the resumption */
            n->resume = h->session;
            n->no_ticket = h->role == FH_ID12;
            n->has_ticket = h->has_ticket;
            h->session = NULL;
            queue_fullhs(t, n);
        }
    }
    if (h->role == FH_RESUME && h->got_version >= TLS1_3_VERSION)
        r->resume_ticket13 = h->has_ticket ? tri_of(h->reused) : TLSD_NO;
    else if (h->role == FH_RESUME && h->has_ticket)
        r->resume_ticket12 = tri_of(h->reused);
    else if (h->role == FH_RESUME_ID)
        r->resume_session_id = tri_of(h->reused);
}

/* What a handshake without a client certificate met; a request seen by any wins. */
static void note_client_auth(struct tlsd_scan_result *r, const struct fullhs *h)
{
    if (h->role != FH_MAIN && h->role != FH_CERTS13) /* at the highest version only */
        return;
    if (h->cert_requested && r->client_cert_requested != TLSD_YES) {
        r->client_cert_requested = TLSD_YES;
        r->client_cert_required = h->cert_required < 0 ? TLSD_UNKNOWN
                                  : h->cert_required   ? TLSD_YES
                                                       : TLSD_NO;
        r->client_cert_alert = h->refusal_alert;
        r->client_cert_version = h->got_version;
        snprintf(r->client_cas, sizeof r->client_cas, "%s", h->ca_names);
    } else if (!h->cert_requested && h->ok && r->client_cert_requested == TLSD_UNKNOWN) {
        r->client_cert_requested = r->client_cert_required = TLSD_NO;
        r->client_cert_version = h->got_version;
    }
}

/* What a libssl handshake of each role would have told, for the report when it never
 * connected. */
static const char *fullhs_question(int role)
{
    switch (role) {
    case FH_CERTS13:
        return "a TLS 1.3 certificate and the client-certificate request";
    case FH_MAIN:
        return "the client-certificate request and session resumption";
    case FH_ID12:
        return "renegotiation and session ID resumption";
    case FH_TICKET12:
        return "TLS 1.2 session ticket resumption";
    case FH_RESUME:
        return "session resumption";
    case FH_RESUME_ID:
        return "session ID resumption";
    default:
        return "the certificate a client without SNI gets";
    }
}

static void fullhs_retry_closed(uv_handle_t *hd)
{
    struct fullhs *h = hd->data;
    struct tscan *t = h->ctx;
    if (t->failed) { /* stopped meanwhile: not run again */
        scan_fullhs_free(h);
        free(h);
        t->tasks_open--;
        maybe_finish_target(t);
        return;
    }
    t->tasks_open--; /* queue_fullhs counts it again */
    queue_fullhs(t, h);
}

static void on_fullhs_retry(uv_timer_t *tm)
{
    uv_close((uv_handle_t *)tm, fullhs_retry_closed);
}

/* A handshake that found no TCP connection (EMFILE, a refused or timed-out connect) is
 * run again after the probes' back-off, as often as a probe is retried; if it never
 * connects, what it was for is reported as not decided (the result is incomplete). Returns
 * true when it was taken for a retry. */
static bool fullhs_again(struct tscan *t, struct fullhs *h)
{
    if (!h->no_connection)
        return false;
    if (h->attempts <= t->s->o->retries && !t->failed) {
        unsigned delay = BACKOFF_MS << (h->attempts - 1 < 5 ? h->attempts - 1 : 5);
        uv_timer_init(&t->s->loop, &h->retry);
        h->retry.data = h;
        uv_timer_start(&h->retry, on_fullhs_retry, delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS,
                       0);
        t->r->probes_retried++;
        return true;
    }
    if (!t->failed)
        add_undecided(t->r, "%s not decided (the libssl handshake could not connect: %s)",
                      fullhs_question(h->role), h->error);
    return false;
}

static void fullhs_after(uv_work_t *w, int status)
{
    struct fullhs *h = w->data;
    struct tscan *t = h->ctx;
    (void)status;
    struct tlsd_scan_result *r = t->r;
    r->connections++;
    if (fullhs_again(t, h))
        return; /* tasks_open stays counted until the retry ends */
    r->handshakes += h->connected;
    if (!h->connected && h->hrrs >= 2)
        t->hrr_loop = true;
    if (h->role == FH_NO_SNI) {
        if (h->ok)
            keep_no_sni_leaf(t, h->der[0], h->der_len[0]);
    } else if (h->ok) {
        struct tlsd_scan_cert *c =
            add_chain(t, (const uint8_t *const *)h->der, h->der_len, h->n_der, h->suite);
        if (c)
            c->tls13 = true;
        if (t->features_version == 0 && h->version >= TLS1_3_VERSION) {
            /* no TLS <= 1.2 answer showed them */
            if (!r->alpn[0])
                snprintf(r->alpn, sizeof r->alpn, "%s", h->alpn);
            if (r->ocsp_stapling != TLSD_YES)
                r->ocsp_stapling = h->stapled ? TLSD_YES : TLSD_NO;
        }
    }
    note_client_auth(r, h);
    note_session(t, h);
    scan_fullhs_free(h);
    free(h);
    t->tasks_open--;
    maybe_finish_target(t);
}

/* A libssl handshake to run (queue_fullhs), or NULL. */
static struct fullhs *new_fullhs(struct tscan *t, uint16_t version, const char *sigalgs, int role)
{
    struct fullhs *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->addr = t->addr;
    snprintf(h->sni, sizeof h->sni, "%s", t->sni ? t->sni : "");
    h->version = version;
    h->sigalgs = sigalgs;
    h->role = role;
    h->timeout_ms = t->s->o->timeout_ms;
    uint64_t budget = (uint64_t)h->timeout_ms * FULLHS_TIMEOUTS;
    if (t->s->o->target_timeout_ms) { /* and never past the target's time limit */
        uint64_t used = now_ms(t->s) - t->started_ms;
        uint64_t left = used < t->s->o->target_timeout_ms ? t->s->o->target_timeout_ms - used : 0;
        budget = left < budget ? left : budget;
    }
    h->deadline_ms = uv_hrtime() / 1000000 + (budget ? budget : 1);
    h->stop = &t->s->stop_fullhs;
    h->ctx = t;
    h->work.data = h;
    return h;
}

/* Runs h on the thread pool (blocking); fullhs_after takes the result. */
static void queue_fullhs(struct tscan *t, struct fullhs *h)
{
    t->tasks_open++;
    h->attempts++;
    if (uv_queue_work(&t->s->loop, &h->work, fullhs_work, fullhs_after) < 0) {
        t->tasks_open--;
        scan_fullhs_free(h);
        free(h);
    }
}

/* TLS 1.3 encrypts the certificate, the ALPN pick, the OCSP staple and a
 * CertificateRequest: fetch them with full libssl handshakes when no TLS <= 1.2
 * handshake showed a certificate, one offering RSA schemes and one offering ECDSA and
 * EdDSA schemes, so a server with both kinds of certificate shows both (RFC 8446
 * 4.4.2.2: signature_algorithms picks the certificate). Each sends no client
 * certificate when asked, which shows client authentication. */
static void start_full_handshakes(struct tscan *t)
{
    static const char *const sigalgs[] = {
        "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pss_pss_sha256:"
        "rsa_pss_pss_sha384:rsa_pss_pss_sha512",
        "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:ed448"};
    const struct tlsd_scan_result *r = t->r;
    struct fullhs *h = NULL;
    if (t->target->starttls != TLSD_STARTTLS_NONE)
        return;
    int top = -1, top12 = -1; /* what libssl speaks: TLS 1.0 and up */
    for (int vi = TLSD_SCAN_TLS13; vi >= TLSD_SCAN_TLS10; vi--)
        if (r->versions[vi].n_suites) {
            top = top < 0 ? vi : top;
            top12 = top12 < 0 && vi < TLSD_SCAN_TLS13 ? vi : top12;
        }
    if (top < 0)
        return;
    if (top == TLSD_SCAN_TLS13 && r->n_certs == 0) {
        for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
            if ((h = new_fullhs(t, TLS1_3_VERSION, sigalgs[i], i ? FH_CERTS13 : FH_MAIN))) {
                h->want_session = i == 0;
                queue_fullhs(t, h);
            }
    } else if ((h = new_fullhs(t, tlsd_scan_version_codes[top], NULL, FH_MAIN))) {
        h->want_session = true;
        queue_fullhs(t, h);
    }
    /* The certificate a client without SNI gets: in TLS 1.3 only libssl can see it (the
     * feature probe without SNI shows it at TLS <= 1.2). */
    if (t->sni && top == TLSD_SCAN_TLS13 && !t->s->o->skip_features &&
        (h = new_fullhs(t, TLS1_3_VERSION, NULL, FH_NO_SNI))) {
        h->sni[0] = '\0';
        queue_fullhs(t, h);
    }
    /* TLS <= 1.2 tickets, when the server sends them and FH_MAIN is TLS 1.3. */
    if (top12 >= 0 && top != top12 && r->session_ticket == TLSD_YES &&
        (h = new_fullhs(t, tlsd_scan_version_codes[top12], NULL, FH_TICKET12))) {
        h->want_session = true;
        queue_fullhs(t, h);
    }
    /* TLS <= 1.2: resumption by session ID alone, and a renegotiation on the way. */
    if (top12 >= 0 && (h = new_fullhs(t, tlsd_scan_version_codes[top12], NULL, FH_ID12))) {
        h->want_session = h->no_ticket = h->try_reneg = true;
        queue_fullhs(t, h);
    }
}

/* The DHE prime a client offering every group (RFC 7919 ones included) got at the
 * highest TLS <= 1.2 version that has a DHE suite. */
static void note_dh_ffdhe(struct tlsd_scan_result *r)
{
    for (int i = TLSD_SCAN_TLS12; i >= TLSD_SCAN_SSL3 && !r->dh_bits_ffdhe; i--)
        for (size_t k = 0; k < r->versions[i].n_suites && !r->dh_bits_ffdhe; k++)
            r->dh_bits_ffdhe = r->versions[i].suites[k].dh_bits;
}

/* An accepted suite at version v that keep holds for. */
static bool accepts_where(const struct tlsd_scan_result *r, uint16_t v, bool (*keep)(uint32_t))
{
    for (int i = 0; i < TLSD_SCAN_NVERSIONS; i++)
        for (size_t k = 0; r->versions[i].version == v && k < r->versions[i].n_suites; k++)
            if (keep(r->versions[i].suites[k].code))
                return true;
    return false;
}

/* The probes where implementations differ, read against what the enumeration found: a
 * refusal tells only when the server accepts the same suites otherwise (ECDHE at that
 * version; ECDHE_ECDSA with x25519 or x448 beside its certificate's curve); a key
 * share answered by an HRR only when the share's group is one the server accepts. */
static void judge_differences(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    if (t->no_groups_answer == 1)
        r->ecdhe_needs_groups = TLSD_NO;
    else if (t->no_groups_answer == 0 && accepts_where(r, t->no_groups_version, is_ecdhe))
        r->ecdhe_needs_groups = TLSD_YES;
    bool other_curve = false;
    for (size_t i = 0; i < sizeof non_nist_curves / sizeof non_nist_curves[0]; i++)
        other_curve |= tlsd_has_u16(r->groups12, r->n_groups12, non_nist_curves[i]);
    if (t->curve_answer == 1)
        r->needs_cert_curve = TLSD_NO;
    else if (t->curve_answer == 0 && other_curve &&
             accepts_where(r, t->curve_version, is_ecdhe_ecdsa))
        r->needs_cert_curve = TLSD_YES;
    for (size_t i = 0; i < 2; i++) {
        const struct share_answer *a = &t->shares[i];
        if (a->answered == 1 && a->hrr && a->group != a->share &&
            tlsd_has_u16(r->groups, r->n_groups, a->share))
            r->hrr_despite_share = TLSD_YES;
        else if (a->answered == 1 && !a->hrr && a->group == a->share &&
                 r->hrr_despite_share == TLSD_UNKNOWN)
            r->hrr_despite_share = TLSD_NO;
    }
}

/* A certificate served in TLS 1.3 serves every accepted TLS 1.3 suite: there the
 * suite does not depend on the certificate (RFC 8446 4.4.2.2). */
static void add_tls13_suites(struct tlsd_scan_result *r)
{
    const struct tlsd_scan_version *v = &r->versions[TLSD_SCAN_TLS13];
    for (size_t i = 0; i < r->n_certs; i++) {
        struct tlsd_scan_cert *c = &r->certs[i];
        uint32_t *s =
            c->tls13 ? realloc(c->suites, (c->n_suites + v->n_suites + 1) * sizeof *s) : NULL;
        if (!s)
            continue;
        c->suites = s;
        for (size_t k = 0; k < v->n_suites; k++)
            if (!tlsd_has_u32(c->suites, c->n_suites, v->suites[k].code))
                c->suites[c->n_suites++] = v->suites[k].code;
    }
}

/* Every version's first answer is in: start what depends on which versions
 * the server speaks. */
static void start_after_roots(struct tscan *t)
{
    const struct tlsd_scan_opts *o = t->s->o;
    const struct tlsd_scan_result *r = t->r;
    start_full_handshakes(t);
    if (!o->skip_groups) {
        if (r->versions[TLSD_SCAN_TLS13].n_suites)
            start_groups(t, TLSD_SCAN_TLS13);
        int v12 = highest_accepted(r, true);
        if (v12 >= TLSD_SCAN_TLS10)
            start_groups(t, v12);
    }
    if (!o->skip_sigalgs && r->versions[TLSD_SCAN_TLS12].n_suites)
        start_sigalgs(t);
    if (!o->skip_sigalgs && r->versions[TLSD_SCAN_TLS13].n_suites)
        start_sigalgs13(t);
    if (!o->skip_features)
        start_features(t);
}

/* ---- targets ------------------------------------------------------------------ */

static void start_versions(struct tscan *t)
{
    t->roots_left = TLSD_SCAN_NVERSIONS;
    t->tasks_open++; /* held until every enumeration is started */
    for (int vi = 0; vi < TLSD_SCAN_NVERSIONS; vi++) {
        struct tlsd_scan_version *sv = &t->r->versions[vi];
        sv->version = tlsd_scan_version_codes[vi];
        sv->server_order = sv->chacha_priority = TLSD_UNKNOWN;
        sv->refusal_alert = -1;
        if (vi == TLSD_SCAN_SSL2) {
            size_t n = 0;
            uint32_t *kinds = malloc(tlsd_suite_count() * sizeof *kinds);
            for (size_t i = 0; kinds && i < tlsd_suite_count(); i++)
                if (tlsd_suite_is_sslv2(tlsd_suite_at(i)))
                    kinds[n++] = tlsd_suite_at(i)->code;
            struct hello_opts h = {.version = TLSD_VERSION_SSL2, .suites = kinds, .n_suites = n};
            uint8_t *rec;
            size_t len;
            struct task *k =
                kinds && build_hello(t, &h, &rec, &len) == 0 ? new_task(t, ssl2_result) : NULL;
            free(kinds);
            if (k)
                submit(k, rec, len);
            else
                t->roots_left--;
            continue;
        }
        size_t n;
        uint32_t *cands = suites_for(t->s, sv->version, &n);
        if (!cands || n == 0) {
            free(cands);
            t->roots_left--;
            continue;
        }
        elim_start(t, E_SUITES, vi, cands, n, 0, 0, suites_root, suites_done);
    }
    t->tasks_open--;
    if (t->roots_left == 0)
        start_after_roots(t);
    maybe_finish_target(t);
}

/* When no version answered, one clear error for the target from what every
 * version probe met, if they all met the same thing. */
static void summarize_failure(struct tlsd_scan_result *r)
{
    /* contains: the probes' own words that tell this kind from the plain one after it, when
     * any version's probe met it (bytes came: "never answers" would not be true); the
     * error then quotes them from there on (to ", and", where the retries' story starts). */
    static const struct {
        const char *prefix, *text, *contains;
    } kinds[] = {
        {"no_connection", "cannot connect: ", NULL},
        {"timeout",
         "the server answers every ClientHello, but never with a whole ServerHello in time: ",
         "no ServerHello within"},
        {"reset", "the server cuts every answer short: ", "reset after "},
        {"closed", "the server cuts every answer short: ", "closed after "},
        {"timeout: no answer to the SYN",
         "cannot connect: no answer to the SYN (a firewall drops it, a wrong address, the "
         "server is down, or its listen queue is full)",
         NULL},
        {"timeout",
         "no answer: the server accepts the connection but never answers a "
         "ClientHello in time",
         NULL},
        {"not_tls", "the server does not speak TLS: ", NULL},
        {"starttls_failed", "STARTTLS failed: ", NULL},
        {"reset",
         "the server resets every connection right after the ClientHello (no TLS "
         "here, or no version and suite in common; Windows schannel answers so)",
         NULL},
        {"closed",
         "the server closes every connection right after the ClientHello without an "
         "answer",
         NULL},
    };
    for (int i = 0; i < TLSD_SCAN_NVERSIONS; i++)
        if (r->versions[i].accepted)
            return;
    /* An undecided version's note is "unknown: " and what its probes met. */
    static const char unknown[] = "unknown: ";
    const char *first = r->versions[TLSD_SCAN_SSL3].note;
    if (strncmp(first, unknown, strlen(unknown)) == 0)
        first += strlen(unknown);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t pl = strlen(kinds[k].prefix);
        bool all = true;
        const char *from = NULL;
        for (int i = TLSD_SCAN_SSL3; i < TLSD_SCAN_NVERSIONS && all; i++) {
            const char *n = r->versions[i].note;
            if (r->versions[i].undecided && strncmp(n, unknown, strlen(unknown)) == 0)
                n += strlen(unknown);
            all = strncmp(n, kinds[k].prefix, pl) == 0;
            if (all && kinds[k].contains && !from)
                from = strstr(n, kinds[k].contains);
        }
        if (!all || (kinds[k].contains && !from))
            continue;
        if (from) {
            const char *to = strstr(from, ", and ");
            snprintf(r->error, sizeof r->error, "%s%.*s", kinds[k].text,
                     (int)(to ? (size_t)(to - from) : strlen(from)), from);
            return;
        }
        const char *detail = strchr(first, ':');
        bool with_detail = kinds[k].text[strlen(kinds[k].text) - 1] == ' ';
        snprintf(r->error, sizeof r->error, "%s%s", kinds[k].text,
                 with_detail && detail ? detail + 2 : "");
        return;
    }
    /* Mixed answers, none of them TLS (no alert): not a TLS server. */
    bool alert = false;
    const char *not_tls = NULL;
    for (int i = TLSD_SCAN_SSL3; i < TLSD_SCAN_NVERSIONS; i++) {
        alert = alert || strncmp(r->versions[i].note, "alert", 5) == 0 ||
                strncmp(r->versions[i].note, "answered", 8) == 0;
        if (!not_tls && strncmp(r->versions[i].note, "not_tls", 7) == 0)
            not_tls = r->versions[i].note;
    }
    if (not_tls && !alert)
        snprintf(r->error, sizeof r->error, "the server does not speak TLS: %s", not_tls + 9);
}

/* TLS 1.3 counted as accepted from HelloRetryRequests alone (each names the suite the
 * server would pick), while a real handshake met a second one (RFC 8446 4.1.4: the client
 * aborts): whether a TLS 1.3 handshake can ever complete is not known. */
static void judge_hrr_loop(struct tscan *t)
{
    struct tlsd_scan_version *sv = &t->r->versions[TLSD_SCAN_TLS13];
    if (!t->hrr_loop || t->tls13_answered || !sv->accepted)
        return;
    sv->accepted = false;
    sv->undecided = true;
    free(sv->suites);
    sv->suites = NULL;
    sv->n_suites = 0;
    snprintf(sv->note, sizeof sv->note,
             "unknown: the server answers every ClientHello with a HelloRetryRequest, the "
             "retried one too");
    add_undecided(t->r,
                  "TLSv1.3: whether it is accepted (only HelloRetryRequests came, and a client's "
                  "retried ClientHello got a second one: RFC 8446 4.1.4, the client aborts)");
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_cert(const void *a, const void *b)
{
    const struct tlsd_scan_cert *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    if (c)
        return c;
    if (x->chain[0].der_len != y->chain[0].der_len)
        return x->chain[0].der_len < y->chain[0].der_len ? -1 : 1;
    return memcmp(x->chain[0].der, y->chain[0].der, x->chain[0].der_len);
}

/* Certificates arrive in whichever order their probes answered: sort them (by key,
 * then DER) and their suites (by code), so a server gives the same report each time. */
static void sort_certs(struct tlsd_scan_result *r)
{
    if (r->n_certs > 1)
        tlsd_qsort(r->certs, r->n_certs, sizeof *r->certs, cmp_cert);
    for (size_t i = 0; i < r->n_certs; i++)
        if (r->certs[i].n_suites > 1)
            tlsd_qsort(r->certs[i].suites, r->certs[i].n_suites, sizeof *r->certs[i].suites,
                       cmp_u32);
}

static void maybe_finish_target(struct tscan *t)
{
    if (t->finished || t->tasks_open > 0 || !t->resolved)
        return;
    t->finished = true;
    struct scan *s = t->s;
    if (t->deadline_running) {
        t->deadline_running = false;
        uv_close((uv_handle_t *)&t->deadline, NULL);
    }
    t->r->seconds = (double)(now_ms(s) - t->started_ms) / 1000.0;
    if (!t->failed)
        judge_hrr_loop(t);
    if (!t->failed)
        summarize_failure(t->r);
    /* One way every connection ended (a power of two): the failed target's ending. */
    if (t->r->error[0] && !t->failed && !t->ending_unknown && t->endings &&
        !(t->endings & (t->endings - 1))) {
        t->r->ending_known = true;
        t->r->ending = (enum tlsd_conn_outcome)__builtin_ctz(t->endings);
    }
    if (!t->failed) {
        add_tls13_suites(t->r);
        note_dh_ffdhe(t->r);
        judge_no_sni_cert(t);
        judge_differences(t);
        scan_judge_implementation(t->r);
        if (t->r->session_ticket == TLSD_NO) /* no ticket, nothing to resume with */
            t->r->resume_ticket12 = TLSD_NO;
        sort_certs(t->r);
        merge_sigschemes(t->r);
        scan_verify_certs(t->r, s->o->cafile, t->sni ? t->sni : t->target->host);
        scan_findings(t->r);
    }
    s->targets_done++;
    s->targets_active--;
    if (s->done)
        s->done(s->ctx, t->r);
    if (s->progress)
        s->progress(s->ctx, s->targets_done, s->n_targets, s->probes_done);
    admit_targets(s);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct tscan *t = req->data;
    t->resolved = true;
    if (t->failed) { /* stopped (signal, time limit) while the name was being resolved */
        if (res)
            uv_freeaddrinfo(res);
        maybe_finish_target(t);
        return;
    }
    if (status < 0 || !res) {
        snprintf(t->r->error, sizeof t->r->error, "cannot resolve %s: %s", t->target->host,
                 uv_strerror(status));
        t->failed = true;
        if (res)
            uv_freeaddrinfo(res);
        maybe_finish_target(t);
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
    start_versions(t);
}

/* Ends a target early (time limit, signal) with why as its error. */
static void stop_target(struct tscan *t, const char *why)
{
    if (t->finished || t->failed)
        return;
    snprintf(t->r->error, sizeof t->r->error, "%s", why);
    t->failed = true;
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
    maybe_finish_target(t);
}

static void on_deadline(uv_timer_t *tm)
{
    struct tscan *t = tm->data;
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
    t->started_ms = now_ms(t->s);
    if (t->s->o->target_timeout_ms) {
        uv_timer_init(&t->s->loop, &t->deadline);
        t->deadline.data = t;
        uv_timer_start(&t->deadline, on_deadline, t->s->o->target_timeout_ms, 0);
        t->deadline_running = true;
    }
    t->gai.data = t;
    int rc = uv_getaddrinfo(&t->s->loop, &t->gai, on_resolved, t->target->host, NULL, &hints);
    if (rc < 0) {
        t->resolved = true;
        t->failed = true;
        snprintf(t->r->error, sizeof t->r->error, "cannot resolve %s: %s", t->target->host,
                 uv_strerror(rc));
        maybe_finish_target(t);
    }
}

int tlsd_scan_run(const struct tlsd_target_list *targets, const struct tlsd_scan_opts *opts,
                  struct tlsd_scan_result *results, tlsd_scan_done_cb done,
                  tlsd_scan_progress_cb progress, void *ctx)
{
    struct scan s = {.o = opts, .done = done, .progress = progress, .ctx = ctx};
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
    tlsd_stop_after_loop(&s.stop);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    for (size_t i = 0; i < s.n_targets; i++) {
        free(s.targets[i].sig13_ok); /* a target stopped before its probes ended */
        free(s.targets[i].no_sni_leaf);
        free(s.targets[i].good_hello);
        free_doubts(&s.targets[i]);
    }
    free(s.targets);
    for (int vi = 0; vi < TLSD_SCAN_NVERSIONS; vi++)
        free(s.suites[vi]);
    return s.interrupted ? TLSD_SCAN_INTERRUPTED : 0;
}
