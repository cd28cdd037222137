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

#include "base/stop_internal.h"
#include "registry/codes_internal.h"
#include "scan/scan_engine.h"
#include "scan/scan_internal.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/hello.h"

#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "platform.h"

void tlsd_scan_opts_default(struct tlsd_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_inflight = 64;
    o->max_per_target = TLSD_SCAN_PER_TARGET_DEFAULT;
    o->max_per_target_fast = TLSD_SCAN_PER_TARGET_FAST;
    o->timeout_ms = 5000;
    o->retries = 1;
    o->target_timeout_ms = 120000;
}

static const char *outcome_text(const struct probe_res *res, char *buf, size_t len)
{
    struct tlsd_scan_refusal f;
    scan_refusal_of(NULL, res, &f);
    return tlsd_scan_refusal_text(&f, buf, len);
}

/* ---- features --------------------------------------------------------------- */

/* The names F_SNI_NOT_HOST sends and F_CERT_CURVE offers. */
#define SNI_NOT_HOST "tlsdiag_not_a_host"
static const uint16_t non_nist_curves[] = {TLSD_GROUP_X25519, TLSD_GROUP_X448};

static int highest_accepted(const struct tlsd_scan_result *r, bool below13)
{
    for (int i = below13 ? TLSD_PROTO_TLS12 : TLSD_PROTO_TLS13; i >= TLSD_PROTO_SSL3; i--)
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
    if (scan_cert_with_leaf(r, t->no_sni_leaf, t->no_sni_len))
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
        scan_add_undecided(r, "%s: not decided (%s)", what[k->feature], res->error);
        scan_end_task(k);
        return;
    }
    if (res->confirmed_reset)
        scan_add_doubt(k->t, -1, "%s: not decided", what[k->feature]);
    switch (k->feature) {
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
        r->heartbeat =
            accepted ? scan_tri_of(sh_has_ext(&res->sh, TLSD_EXT_HEARTBEAT)) : TLSD_UNKNOWN;
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
            r->refuses_sni_not_host = scan_tri_of(!accepted);
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
        struct share_answer *a = &k->t->shares[k->feature - F_SHARE_X25519];
        a->answered = accepted;
        a->hrr = accepted && res->sh.is_hrr;
        a->group = accepted ? res->sh.key_share_group : 0;
        break;
    }
    }
    scan_end_task(k);
}

static const struct scan_task_kind feature_kind = {feature_result, NULL, true};

static bool is_dhe(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return s && s->kx == TLSD_KX_DHE && s->auth != TLSD_AUTH_ANON;
}

/* Every group fit for v but the RFC 7919 ones (a client that leaves them out gets the
 * server's own DH parameters, RFC 7919 4). */
static uint16_t *groups_without_ffdhe(uint16_t v, size_t *n)
{
    uint16_t *g = scan_all_groups(v, n);
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
    return scan_is_ecdhe(code) && s && s->auth == TLSD_AUTH_ECDSA;
}

/* The suites a feature probe offers: those it is about, else all. */
static bool (*feature_suites(enum feature f))(uint32_t)
{
    return f == F_DHE_NO_FFDHE ? is_dhe
           : f == F_NO_GROUPS  ? scan_is_ecdhe
           : f == F_CERT_CURVE ? is_ecdhe_ecdsa
                               : NULL;
}

static void feature_probe(struct tscan *t, enum feature f, int vi)
{
    size_t n, ng = 0;
    uint16_t *groups = NULL;
    uint32_t *suites = scan_suites_where(t->s, tlsd_proto_codes[vi], feature_suites(f), &n);
    if (!suites)
        return;
    struct hello_opts h = {.version = tlsd_proto_codes[vi], .suites = suites, .n_suites = n};
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
        h.share_group = f == F_SHARE_X25519 ? TLSD_GROUP_X25519 : TLSD_GROUP_SECP256R1;
        t->shares[f - F_SHARE_X25519].share = h.share_group;
        break;
    }
    uint8_t *rec;
    size_t len;
    int rc = n && (f != F_DHE_NO_FFDHE || groups) ? scan_build_hello(t, &h, &rec, &len) : -1;
    free(suites);
    free(groups);
    if (rc < 0)
        return;
    struct task *k = scan_new_task(t, &feature_kind);
    if (!k) {
        free(rec);
        return;
    }
    k->feature = f;
    scan_submit(k, rec, len);
}

static void start_features(struct tscan *t)
{
    struct tlsd_scan_result *r = t->r;
    int top = highest_accepted(r, false), top12 = highest_accepted(r, true);
    if (top < 0)
        return;
    /* A lower version than the best, with TLS_FALLBACK_SCSV. */
    int lower = -1;
    for (int i = top - 1; i >= TLSD_PROTO_SSL3 && lower < 0; i--)
        if (r->versions[i].n_suites > 0)
            lower = i;
    if (lower >= 0)
        feature_probe(t, F_FALLBACK, lower);
    if (top12 >= 0) {
        feature_probe(t, F_COMPRESSION, top12);
        if (top12 >= TLSD_PROTO_TLS10)
            feature_probe(t, F_DHE_NO_FFDHE, top12);
        if (top12 == TLSD_PROTO_TLS12)
            feature_probe(t, F_NO_RENEG_SIGNAL, top12);
        if (top12 >= TLSD_PROTO_TLS10) {
            feature_probe(t, F_NO_GROUPS, top12);
            feature_probe(t, F_CERT_CURVE, top12);
        }
    }
    if (top >= TLSD_PROTO_TLS10)
        feature_probe(t, F_SNI_NOT_HOST, top);
    if (top == TLSD_PROTO_TLS13) {
        feature_probe(t, F_SHARE_X25519, top);
        feature_probe(t, F_SHARE_P256, top);
    }
    if (t->sni) {
        feature_probe(t, F_NO_SNI, top);
        feature_probe(t, F_WRONG_SNI, top);
    }
    feature_probe(t, F_LARGE, top);
}

/* On a libuv pool thread, which lives until the process ends: the thread's libcrypto
 * state (error queue, random generators) is freed here, after each handshake. Left to the
 * thread's end it is never freed, since OPENSSL_cleanup at exit drops the thread-local keys
 * of threads still alive; valgrind saw it as lost whenever no stale stack word still
 * pointed at it. */
static void fullhs_work(uv_work_t *w)
{
    tlsd_thread_sigpipe_block(true); /* libssl writing to a server that reset: EPIPE */
    scan_full_handshake(w->data);
    tlsd_thread_sigpipe_block(false);
    OPENSSL_thread_stop();
}

/* What a libssl handshake is for. */
enum fullhs_role {
    FH_CERTS13,   /* a TLS 1.3 certificate (and client authentication) */
    FH_MAIN,      /* client authentication; its session is resumed (FH_RESUME) */
    FH_ID12,      /* TLS <= 1.2 without tickets; resumed (FH_RESUME_ID) */
    FH_RENEG12,   /* TLS <= 1.2 without tickets, renegotiates (a connection of its own: a
                     refused renegotiation may end the session FH_ID12's resumption needs) */
    FH_TICKET12,  /* TLS <= 1.2 with tickets, when FH_MAIN is TLS 1.3; resumed (FH_RESUME) */
    FH_RESUME,    /* resumes FH_MAIN's session: TLS 1.3 or TLS 1.2 ticket (or ID) */
    FH_RESUME_ID, /* resumes FH_ID12's session: session ID */
    FH_NO_SNI,    /* TLS 1.3 without SNI: which certificate such a client gets */
};

static struct fullhs *new_fullhs(struct tscan *t, uint16_t version, const char *sigalgs, int role);
static void queue_fullhs(struct tscan *t, struct fullhs *h);
static void queue_reneg(struct tscan *t, uint16_t version);
static void next_fullhs(struct tscan *t);

/* Frees a handshake; a resumption waiting for its parent's close is taken off the parent. */
static void discard_fullhs(struct fullhs *h)
{
    if (h->parent)
        h->parent->child = NULL;
    scan_fullhs_free(h);
    free(h);
}

/* The resumption of h's session (which moves to it), not yet queued; NULL when h's role
 * has none or its session is not to be offered (tickets not seen: resuming without one
 * would say "no"). */
static struct fullhs *resumption_of(struct tscan *t, struct fullhs *h)
{
    if (h->role == FH_CERTS13 || h->role == FH_RESUME || h->role == FH_RESUME_ID || !h->session ||
        h->tickets13 < 0)
        return NULL;
    struct fullhs *n =
        new_fullhs(t, h->got_version, NULL, h->role == FH_ID12 ? FH_RESUME_ID : FH_RESUME);
    if (!n)
        return NULL;
    n->resume = h->session;
    n->no_ticket = h->role == FH_ID12;
    n->try_reneg = h->reneg_in_resumption;
    n->has_ticket = h->has_ticket;
    h->session = NULL;
    return n;
}

/* On the worker thread: all that is left of h is the answer to its close_notify
 * (scan_fullhs.c). The loop takes it at once (scan_fullhs_released). */
static void fullhs_release(struct fullhs *h)
{
    struct scan *s = ((struct tscan *)h->ctx)->s;
    uv_mutex_lock(&s->released_mu);
    h->next_released = s->released;
    s->released = h;
    uv_mutex_unlock(&s->released_mu);
    uv_async_send(&s->released_async);
}

/* A released handshake lets the next one run, and the resumption of its session start;
 * how its close ended is given to the resumption when it is known (note_session), and a
 * refused resumption is judged only then. That saves the close's round trip on the chain.
 * Not for a server serving one connection at a time: until the close is answered it is
 * held, and one that never answers would keep the next hello waiting past its limit (the
 * next one would then run short of time where it ran in full before). */
static void take_release(struct fullhs *h)
{
    struct tscan *t = h->ctx;
    if (t->serial || t->failed)
        return; /* taken as before, when it ends (fullhs_after) */
    h->released = true;
    t->fullhs_running--;
    struct fullhs *n = resumption_of(t, h);
    if (n) {
        n->parent = h;
        h->child = n;
        queue_fullhs(t, n);
    }
    next_fullhs(t);
}

/* The handshakes released since the last look, in the order of their releases. */
static void drain_released(struct scan *s)
{
    uv_mutex_lock(&s->released_mu);
    struct fullhs *list = s->released, *order = NULL;
    s->released = NULL;
    uv_mutex_unlock(&s->released_mu);
    while (list) {
        struct fullhs *next = list->next_released;
        list->next_released = order;
        order = list;
        list = next;
    }
    while (order) {
        struct fullhs *next = order->next_released;
        take_release(order);
        order = next;
    }
}

static void scan_fullhs_released(uv_async_t *a)
{
    drain_released(a->data);
}

/* Resumption and renegotiation from what each handshake showed; the next handshake of
 * the chain (the resumption of a session) is started here. */
static void note_session(struct tscan *t, struct fullhs *h)
{
    struct tlsd_scan_result *r = t->r;
    if (h->try_reneg && h->reneg >= 0)
        r->client_reneg = h->reneg ? TLSD_YES : TLSD_NO;
    struct fullhs *n = h->child ? h->child : resumption_of(t, h);
    if (n) { /* how the connection that made the session ended */
        n->offered_clean = h->closed_clean != 0;
        if (!n->offered_clean)
            snprintf(n->offered_end, sizeof n->offered_end, "%s", h->after_error);
        if (!h->child)
            queue_fullhs(t, n);
    } else if (h->reneg_in_resumption && !t->failed) {
        queue_reneg(t, h->version); /* no resumption to renegotiate on */
    }
    /* A resumption that did not finish tells nothing (fullhs_after notes it undecided). */
    if (!h->connected)
        return;
    if (h->role == FH_RESUME && h->got_version >= TLS1_3_VERSION)
        r->resume_ticket13 = h->has_ticket ? scan_tri_of(h->reused) : TLSD_NO;
    else if (h->role == FH_RESUME && h->has_ticket)
        r->resume_ticket12 = scan_tri_of(h->reused);
    else if (h->role == FH_RESUME_ID && (h->reused || h->offered_clean))
        r->resume_session_id = scan_tri_of(h->reused);
    else if (h->role == FH_RESUME_ID && !t->failed) /* the server may have dropped it */
        scan_add_undecided(r,
                           "session ID resumption not decided (the connection that made the "
                           "session ended without the server's answer: %s)",
                           h->offered_end);
}

/* What a handshake without a client certificate met; a request seen by any wins. A
 * verdict not seen after the handshake (a stall, a reset) is undecided. */
static void note_client_auth(struct tscan *t, const struct fullhs *h)
{
    struct tlsd_scan_result *r = t->r;
    if (h->role != FH_MAIN && h->role != FH_CERTS13) /* at the highest version only */
        return;
    if (h->cert_requested && r->client_cert_requested != TLSD_YES) {
        r->client_cert_requested = TLSD_YES;
        r->client_cert_required = h->cert_required < 0 ? TLSD_UNKNOWN
                                  : h->cert_required   ? TLSD_YES
                                                       : TLSD_NO;
        if (h->cert_required < 0 && h->connected && h->after_error[0] && !t->failed)
            scan_add_undecided(r, "whether a client certificate is required not decided (%s)",
                               h->after_error);
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
        return "session ID resumption";
    case FH_RENEG12:
        return "client-initiated renegotiation";
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
        discard_fullhs(h);
        t->tasks_open--;
        scan_maybe_finish_target(t);
        return;
    }
    t->tasks_open--; /* queue_fullhs counts it again */
    queue_fullhs(t, h);
}

static void on_fullhs_retry(uv_timer_t *tm)
{
    uv_close((uv_handle_t *)tm, fullhs_retry_closed);
}

/* A handshake that found no TCP connection (EMFILE, a refused or timed-out connect) or
 * was dropped before the server's first byte is run again after the probes' back-off, as
 * often as a probe is retried; if it never gets through, what it was for is reported as
 * not decided (the result is incomplete). Returns true when it was taken for a retry. */
static bool fullhs_again(struct tscan *t, struct fullhs *h)
{
    if (!h->no_connection && !h->dropped)
        return false;
    if (h->dropped && !t->failed && h->warm_asks < WARM_ASKS &&
        scan_warm_held_since(t, h->queued_ms)) {
        /* Perhaps the server's limit on connections, reached with idle ones held ahead
         * (as a probe's, scan_sched.c): not counted, and none are held from now on. */
        h->warm_asks++;
        h->attempts--;
        scan_warm_stop(t);
    }
    if (h->attempts <= t->s->o->retries && !t->failed) {
        unsigned tried = h->attempts ? h->attempts - 1 : 0;
        unsigned delay = BACKOFF_MS << (tried < 5 ? tried : 5);
        uint64_t now = scan_now_ms(t->s);
        if (h->warm_asks && t->warm_grace_ms > now + delay) /* see scan_warm_held_since */
            delay = (unsigned)(t->warm_grace_ms - now);
        uv_timer_init(&t->s->loop, &h->retry);
        h->retry.data = h;
        uv_timer_start(&h->retry, on_fullhs_retry, delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS,
                       0);
        t->r->probes_retried++;
        return true;
    }
    if (!t->failed)
        scan_add_undecided(
            t->r, "%s not decided (the libssl handshake %s: %s)", fullhs_question(h->role),
            h->no_connection ? "could not connect" : "was dropped before the server's first byte",
            h->error);
    return false;
}

static void fullhs_after(uv_work_t *w, int status)
{
    struct fullhs *h = w->data;
    struct tscan *t = h->ctx;
    (void)status;
    struct tlsd_scan_result *r = t->r;
    drain_released(t->s); /* its own release first, if it is still on the list */
    if (h->parent) {      /* a resumption ended before the close of its session's connection */
        h->after_pending = true;
        return;
    }
    struct fullhs *child = h->child;
    r->connections++;
    if (!h->released)
        t->fullhs_running--;
    scan_fullhs_ended(t, h->holds_slot);
    if (fullhs_again(t, h)) {
        next_fullhs(t);
        return; /* tasks_open stays counted until the retry ends */
    }
    r->handshakes += h->connected;
    if (h->role == FH_RESUME_ID && h->try_reneg && !h->connected && !t->failed)
        queue_reneg(t, h->version); /* the resumption's connection failed: not asked there */
    if (!h->connected && h->hrrs >= 2)
        t->hrr_loop = true;
    if (h->role == FH_NO_SNI) {
        if (h->ok)
            keep_no_sni_leaf(t, h->der[0], h->der_len[0]);
    } else if (h->ok) {
        struct tlsd_scan_cert *c =
            scan_add_chain(t, (const uint8_t *const *)h->der, h->der_len, h->n_der, h->suite);
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
    note_client_auth(t, h);
    note_session(t, h);
    /* Out of time before the handshake ended: what it was for stays unknown, and the result
     * says so rather than leaving a silent null. After it, tickets or the renegotiation
     * not seen (a time limit, a stall, a reset) are unknown too, never a "no". */
    if (h->timed_out && !t->failed && !h->connected)
        scan_add_undecided(r, "%s not decided (the libssl handshake: %s)", fullhs_question(h->role),
                           h->error);
    else if (h->after_error[0] && !t->failed && (h->tickets13 < 0 || h->try_reneg))
        scan_add_undecided(r, "%s not decided (%s)",
                           h->tickets13 < 0 ? "TLS 1.3 session tickets and resumption with them"
                                            : "client-initiated renegotiation",
                           h->after_error);
    if (child) /* it knows how the session's connection ended now (note_session) */
        child->parent = NULL;
    discard_fullhs(h);
    next_fullhs(t);
    t->tasks_open--;
    scan_maybe_finish_target(t);
    if (child && child->after_pending)
        fullhs_after(&child->work, 0);
}

/* The time a handshake has (FULLHS_TIMEOUTS probe time limits), never past the target's
 * time limit: from its start (one that waited for another's turn starts with its own). */
static void set_deadline(struct tscan *t, struct fullhs *h)
{
    uint64_t budget = (uint64_t)h->timeout_ms * FULLHS_TIMEOUTS;
    if (t->s->o->target_timeout_ms) {
        uint64_t used = scan_target_used_ms(t);
        uint64_t left = used < t->s->o->target_timeout_ms ? t->s->o->target_timeout_ms - used : 0;
        budget = left < budget ? left : budget;
    }
    h->deadline_ms = uv_hrtime() / 1000000 + (budget ? budget : 1);
    h->looks = 0; /* the look past it is the new deadline's */
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
    h->timeout_ms = t->s->o->timeout_ms; /* its deadline is set when it runs (run_fullhs) */
    h->on_release = fullhs_release;
    h->stop = &t->s->stop_fullhs;
    h->ctx = t;
    h->work.data = h;
    return h;
}

/* Client-initiated renegotiation on a TLS <= 1.2 connection of its own (FH_RENEG12). */
static void queue_reneg(struct tscan *t, uint16_t version)
{
    struct fullhs *h = new_fullhs(t, version, NULL, FH_RENEG12);
    if (h) {
        h->no_ticket = h->try_reneg = true;
        queue_fullhs(t, h);
    }
}

static void run_fullhs(struct tscan *t, struct fullhs *h)
{
    set_deadline(t, h);
    h->queued_ms = scan_now_ms(t->s);
    h->holds_slot = scan_fullhs_started(t);
    t->fullhs_running++;
    if (uv_queue_work(&t->s->loop, &h->work, fullhs_work, fullhs_after) < 0) {
        t->fullhs_running--;
        scan_fullhs_ended(t, h->holds_slot);
        t->tasks_open--;
        discard_fullhs(h);
    }
}

/* Runs h on the thread pool (blocking); fullhs_after takes the result. A server that
 * serves one connection at a time (scan_sched.c) gets them one after another: each holds
 * it for two or three round trips, the client's Finished and close, and the probes queued
 * behind them at the server would wait for all of them together; one at a time, a
 * round's probes are answered between two. */
static void queue_fullhs(struct tscan *t, struct fullhs *h)
{
    t->tasks_open++;
    h->attempts++;
    if (t->serial && t->fullhs_running > 0) {
        struct fullhs **pp = &t->fullhs_waiting;
        while (*pp)
            pp = &(*pp)->next_waiting;
        h->next_waiting = NULL;
        *pp = h;
        return;
    }
    run_fullhs(t, h);
}

/* One has ended: the next waiting one runs (none of a stopped target: dropped). */
static void next_fullhs(struct tscan *t)
{
    while (t->fullhs_waiting && (t->failed || t->fullhs_running == 0)) {
        struct fullhs *h = t->fullhs_waiting;
        t->fullhs_waiting = h->next_waiting;
        if (t->failed) {
            discard_fullhs(h);
            t->tasks_open--;
        } else {
            run_fullhs(t, h);
        }
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
    for (int vi = TLSD_PROTO_TLS13; vi >= TLSD_PROTO_TLS10; vi--)
        if (r->versions[vi].n_suites) {
            top = top < 0 ? vi : top;
            top12 = top12 < 0 && vi < TLSD_PROTO_TLS13 ? vi : top12;
        }
    if (top < 0)
        return;
    if (top == TLSD_PROTO_TLS13 && r->n_certs == 0) {
        for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
            if ((h = new_fullhs(t, TLS1_3_VERSION, sigalgs[i], i ? FH_CERTS13 : FH_MAIN))) {
                h->want_session = i == 0;
                queue_fullhs(t, h);
            }
    } else if ((h = new_fullhs(t, tlsd_proto_codes[top], NULL, FH_MAIN))) {
        h->want_session = true;
        queue_fullhs(t, h);
    }
    /* The certificate a client without SNI gets: in TLS 1.3 only libssl can see it (the
     * feature probe without SNI shows it at TLS <= 1.2). */
    if (t->sni && top == TLSD_PROTO_TLS13 && !t->s->o->skip_features &&
        (h = new_fullhs(t, TLS1_3_VERSION, NULL, FH_NO_SNI))) {
        h->sni[0] = '\0';
        queue_fullhs(t, h);
    }
    /* TLS <= 1.2 tickets, when the server sends them and FH_MAIN is TLS 1.3. */
    if (top12 >= 0 && top != top12 && r->session_ticket == TLSD_YES &&
        (h = new_fullhs(t, tlsd_proto_codes[top12], NULL, FH_TICKET12))) {
        h->want_session = true;
        queue_fullhs(t, h);
    }
    /* TLS <= 1.2: resumption by session ID alone; a renegotiation beside it, or, for a
     * server serving one connection at a time, on the resumption's connection once it is
     * resumed (what the resumption tells is known by then; such a server would give the
     * renegotiation's own handshake two or three round trips of the whole scan). */
    bool reneg_folded = false;
    if (top12 >= 0 && (h = new_fullhs(t, tlsd_proto_codes[top12], NULL, FH_ID12))) {
        h->want_session = h->no_ticket = h->await_close = true;
        h->reneg_in_resumption = reneg_folded = t->serial;
        queue_fullhs(t, h);
    }
    if (top12 >= 0 && !reneg_folded)
        queue_reneg(t, tlsd_proto_codes[top12]);
}

/* The DHE prime a client offering every group (RFC 7919 ones included) got at the
 * highest TLS <= 1.2 version that has a DHE suite. */
static void note_dh_ffdhe(struct tlsd_scan_result *r)
{
    for (int i = TLSD_PROTO_TLS12; i >= TLSD_PROTO_SSL3 && !r->dh_bits_ffdhe; i--)
        for (size_t k = 0; k < r->versions[i].n_suites && !r->dh_bits_ffdhe; k++)
            r->dh_bits_ffdhe = r->versions[i].suites[k].dh_bits;
}

/* An accepted suite at version v that keep holds for. */
static bool accepts_where(const struct tlsd_scan_result *r, uint16_t v, bool (*keep)(uint32_t))
{
    for (int i = 0; i < TLSD_PROTO_COUNT; i++)
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
    else if (t->no_groups_answer == 0 && accepts_where(r, t->no_groups_version, scan_is_ecdhe))
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
    const struct tlsd_scan_version *v = &r->versions[TLSD_PROTO_TLS13];
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
    /* The TLS 1.3 groups first: with a server's own order, the longest path of a scan. */
    if (!o->skip_groups && r->versions[TLSD_PROTO_TLS13].n_suites)
        scan_start_groups13(t);
    start_full_handshakes(t);
    if (!o->skip_groups) {
        int v12 = highest_accepted(r, true);
        if (v12 >= TLSD_PROTO_TLS10)
            scan_start_groups(t, v12);
    }
    if (!o->skip_sigalgs && r->versions[TLSD_PROTO_TLS12].n_suites)
        scan_start_sigalgs(t);
    if (!o->skip_sigalgs && r->versions[TLSD_PROTO_TLS13].n_suites)
        scan_start_sigalgs13(t);
    if (!o->skip_features)
        start_features(t);
}

/* One of the first answers (a version's, SSLv2's, the TLS 1.3 groups' first question)
 * is in: the last of them starts what depends on them. */
static void root_answered(struct tscan *t)
{
    if (--t->roots_left == 0)
        start_after_roots(t);
}

/* A version's first answer is in (accepted or not). */
static void suites_root(struct tscan *t, bool accepted)
{
    (void)accepted;
    root_answered(t);
}

/* SSLv2: one CLIENT-HELLO with every kind; the SERVER-HELLO lists the
 * server's kinds at once (SSLv2 spec, 2.6). */
static void ssl2_result(struct task *k, struct probe_res *res)
{
    struct tscan *t = k->t;
    struct tlsd_scan_version *sv = &t->r->versions[TLSD_PROTO_SSL2];
    if (probe_ssl2_hello(res) && res->ssl2.n_kinds > 0) {
        sv->suites = calloc(res->ssl2.n_kinds, sizeof *sv->suites);
        for (size_t i = 0; sv->suites && i < res->ssl2.n_kinds; i++)
            sv->suites[sv->n_suites++].code = res->ssl2.kinds[i];
        sv->accepted = sv->n_suites > 0;
    } else if (probe_server_hello(res) && res->have_sh) {
        /* a TLS answer to the SSLv2 hello: no SSLv2 here */
        sv->refusal.kind = TLSD_REFUSAL_TLS_TO_SSL2;
        sv->refusal.version = res->sh.version;
        sv->refusal.hrr = res->sh.is_hrr;
    } else {
        scan_refusal_of(k, res, &sv->refusal);
        if (res->detail == TLSD_DETAIL_UNDECIDED) {
            sv->undecided = true;
            scan_add_undecided(t->r, "SSLv2: whether it is accepted (%s)", res->error);
        } else if (res->confirmed_reset) {
            scan_add_doubt(t, TLSD_PROTO_SSL2, "SSLv2: whether it is accepted");
        }
    }
    /* The work after the roots first: ending this task may otherwise end the target. */
    root_answered(t);
    scan_end_task(k);
}

static const struct scan_task_kind ssl2_kind = {ssl2_result, NULL, false};

/* ---- targets ------------------------------------------------------------------ */

static void start_versions(struct tscan *t)
{
    t->roots_left = TLSD_PROTO_COUNT;
    t->tasks_open++; /* held until every enumeration is started */
    for (int vi = 0; vi < TLSD_PROTO_COUNT; vi++) {
        struct tlsd_scan_version *sv = &t->r->versions[vi];
        sv->version = tlsd_proto_codes[vi];
        sv->server_order = sv->chacha_priority = TLSD_UNKNOWN;
        if (vi == TLSD_PROTO_SSL2) {
            size_t n = 0;
            uint32_t *kinds = malloc(tlsd_suite_count() * sizeof *kinds);
            for (size_t i = 0; kinds && i < tlsd_suite_count(); i++)
                if (tlsd_suite_is_sslv2(tlsd_suite_at(i)))
                    kinds[n++] = tlsd_suite_at(i)->code;
            struct hello_opts h = {.version = TLSD_VERSION_SSL2, .suites = kinds, .n_suites = n};
            uint8_t *rec;
            size_t len;
            struct task *k = kinds && scan_build_hello(t, &h, &rec, &len) == 0
                                 ? scan_new_task(t, &ssl2_kind)
                                 : NULL;
            free(kinds);
            if (k)
                scan_submit(k, rec, len);
            else
                t->roots_left--;
            continue;
        }
        size_t n;
        uint32_t *cands = scan_suites_for(t->s, sv->version, &n);
        if (!cands || n == 0) {
            free(cands);
            t->roots_left--;
            continue;
        }
        scan_elim_start(t, E_SUITES, vi, cands, n, 0, 0, suites_root, scan_suites_done);
        /* asked with the versions, waited for as one of them (scan_ask_groups13_early),
         * where it need not wait for a slot behind them */
        if (vi == TLSD_PROTO_TLS13 && !t->s->o->skip_groups &&
            scan_target_room(t) > TLSD_PROTO_COUNT && scan_ask_groups13_early(t, root_answered))
            t->roots_left++;
    }
    t->tasks_open--;
    if (t->roots_left == 0)
        start_after_roots(t);
    scan_maybe_finish_target(t);
}

/* Whether a version's first hello ended as an entry of summarize_failure says: its
 * detail, else its ending (an undecided version's by the detail its probes met). */
static bool ended_as(const struct tlsd_scan_version *v, enum tlsd_conn_outcome ending,
                     enum tlsd_ending_detail detail)
{
    const struct tlsd_scan_refusal *f = &v->refusal;
    if (f->kind == TLSD_REFUSAL_UNDECIDED && v->undecided)
        return detail != TLSD_DETAIL_NONE && f->detail == detail;
    if (f->kind != TLSD_REFUSAL_ENDED)
        return false;
    return detail != TLSD_DETAIL_NONE ? f->detail == detail
                                      : f->detail == TLSD_DETAIL_NONE && f->ending == ending;
}

/* The probe's words of a refusal as its note quotes them (at most 140 characters); an
 * undecided one's after the count of tries ("reset 3 times: ..."). */
static void refusal_words(const struct tlsd_scan_version *v, char *out, size_t len)
{
    snprintf(out, len, "%.140s", v->refusal.error);
    if (v->refusal.kind != TLSD_REFUSAL_UNDECIDED)
        return;
    const char *colon = strchr(out, ':');
    memmove(out, colon ? colon + 2 : "", strlen(colon ? colon + 2 : "") + 1);
}

/* When no version answered, one clear error for the target from what every
 * version probe met, if they all met the same thing. */
static void summarize_failure(struct tlsd_scan_result *r)
{
    /* contains: the probes' own words that tell this kind from the plain one after it, when
     * any version's probe met it (bytes came: "never answers" would not be true); the
     * error then quotes them from there on (to ", and", where the retries' story starts).
     * no_syn: a TCP connect never answered. */
    static const struct {
        enum tlsd_conn_outcome ending; /* when detail is none */
        enum tlsd_ending_detail detail;
        bool no_syn;
        const char *text, *contains;
    } kinds[] = {
        {0, TLSD_DETAIL_NO_CONNECTION, false, "cannot connect: ", NULL},
        {0, TLSD_DETAIL_TIMEOUT, false,
         "the server answers every ClientHello, but never with a whole ServerHello in time: ",
         "no ServerHello within"},
        {0, TLSD_DETAIL_RESET, false, "the server cuts every answer short: ", "reset after "},
        {0, TLSD_DETAIL_CLOSED, false, "the server cuts every answer short: ", "closed after "},
        {0, TLSD_DETAIL_TIMEOUT, true,
         "cannot connect: no answer to the SYN (a firewall drops it, a wrong address, the "
         "server is down, or its listen queue is full)",
         NULL},
        {0, TLSD_DETAIL_TIMEOUT, false,
         "no answer: the server accepts the connection but never answers a "
         "ClientHello in time",
         NULL},
        {TLSD_OUTCOME_NOT_TLS, TLSD_DETAIL_NONE, false, "the server does not speak TLS: ", NULL},
        {0, TLSD_DETAIL_STARTTLS_FAILED, false, "STARTTLS failed: ", NULL},
        {0, TLSD_DETAIL_RESET, false,
         "the server resets every connection right after the ClientHello (no TLS "
         "here, or no version and suite in common; Windows schannel answers so)",
         NULL},
        {0, TLSD_DETAIL_CLOSED, false,
         "the server closes every connection right after the ClientHello without an "
         "answer",
         NULL},
    };
    for (int i = 0; i < TLSD_PROTO_COUNT; i++)
        if (r->versions[i].accepted)
            return;
    char words[TLSD_PROTO_COUNT][160];
    for (int i = TLSD_PROTO_SSL3; i < TLSD_PROTO_COUNT; i++)
        refusal_words(&r->versions[i], words[i], sizeof words[i]);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        bool all = true;
        const char *from = NULL;
        for (int i = TLSD_PROTO_SSL3; i < TLSD_PROTO_COUNT && all; i++) {
            const struct tlsd_scan_version *v = &r->versions[i];
            all = ended_as(v, kinds[k].ending, kinds[k].detail) &&
                  (!kinds[k].no_syn ||
                   (v->refusal.kind == TLSD_REFUSAL_ENDED && v->refusal.no_syn_answer));
            if (all && kinds[k].contains && !from)
                from = strstr(words[i], kinds[k].contains);
        }
        if (!all || (kinds[k].contains && !from))
            continue;
        if (from) {
            const char *to = strstr(from, ", and ");
            snprintf(r->error, sizeof r->error, "%s%.*s", kinds[k].text,
                     (int)(to ? (size_t)(to - from) : strlen(from)), from);
            return;
        }
        bool with_detail = kinds[k].text[strlen(kinds[k].text) - 1] == ' ';
        snprintf(r->error, sizeof r->error, "%s%s", kinds[k].text,
                 with_detail ? words[TLSD_PROTO_SSL3] : "");
        return;
    }
    /* Mixed answers, none of them TLS (no alert): not a TLS server. */
    bool alert = false;
    const char *not_tls = NULL;
    for (int i = TLSD_PROTO_SSL3; i < TLSD_PROTO_COUNT; i++) {
        const struct tlsd_scan_refusal *f = &r->versions[i].refusal;
        bool ended = f->kind == TLSD_REFUSAL_ENDED;
        alert = alert || f->kind == TLSD_REFUSAL_ALERT || f->kind == TLSD_REFUSAL_OTHER_VERSION ||
                (ended && f->ending == TLSD_OUTCOME_SERVER_ALERT);
        if (!not_tls && ended && f->ending == TLSD_OUTCOME_NOT_TLS && f->detail == TLSD_DETAIL_NONE)
            not_tls = words[i];
    }
    if (not_tls && !alert)
        snprintf(r->error, sizeof r->error, "the server does not speak TLS: %s", not_tls);
}

/* TLS 1.3 counted as accepted from HelloRetryRequests alone (each names the suite the
 * server would pick), while a real handshake met a second one (RFC 8446 4.1.4: the client
 * aborts): whether a TLS 1.3 handshake can ever complete is not known. */
static void judge_hrr_loop(struct tscan *t)
{
    struct tlsd_scan_version *sv = &t->r->versions[TLSD_PROTO_TLS13];
    if (!t->hrr_loop || t->tls13_answered || !sv->accepted)
        return;
    sv->accepted = false;
    sv->undecided = true;
    free(sv->suites);
    sv->suites = NULL;
    sv->n_suites = 0;
    memset(&sv->refusal, 0, sizeof sv->refusal);
    sv->refusal.kind = TLSD_REFUSAL_HRR_LOOP;
    scan_add_undecided(
        t->r, "TLSv1.3: whether it is accepted (only HelloRetryRequests came, and a client's "
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
    if (x->chain.certs[0].der_len != y->chain.certs[0].der_len)
        return x->chain.certs[0].der_len < y->chain.certs[0].der_len ? -1 : 1;
    return memcmp(x->chain.certs[0].der, y->chain.certs[0].der, x->chain.certs[0].der_len);
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

/* Judges what a target's probes found, once its last task has ended (the hooks'
 * finish: the scheduler reports the target next). */
static void finish_target(struct tscan *t)
{
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
        scan_merge_sigschemes(t->r);
        scan_verify_certs(t->r, t->s->o->cafile, t->sni ? t->sni : t->target->host);
        scan_findings(t->r);
    }
}

int tlsd_scan_run(const struct tlsd_target_list *targets, const struct tlsd_scan_opts *opts,
                  struct tlsd_scan_result *results, tlsd_scan_done_cb done,
                  tlsd_scan_progress_cb progress, void *ctx)
{
    static const struct scan_hooks hooks = {
        .start = start_versions, .finish = finish_target, .released = scan_fullhs_released};
    /* The libssl handshakes (up to 8 a target, some waiting for others' sessions) and the
     * name look-ups run on libuv's thread pool, 4 threads unless UV_THREADPOOL_SIZE says
     * otherwise when it is first used: through latency, handshakes queued behind others
     * were the end of a scan. */
    tlsd_env_default("UV_THREADPOOL_SIZE", TLSD_SCAN_THREADS);
    return scan_run(&hooks, targets, opts, results, done, progress, ctx);
}
