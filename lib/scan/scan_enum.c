/* The scan's enumerations by elimination: every suite of a version, group and signature
 * scheme a server accepts, and the server's order (checked, then found by speculative
 * rounds); what they feed (ChaCha20 priority, TLS 1.3 signature schemes). Moved
 * from scan.c as is. */
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

/* The kinds of task of the enumerations. A part, an order check or a speculative probe
 * of a stopped target ends with its enumeration's count of live tasks (elim_task_end);
 * the ChaCha20 and TLS 1.3 signature scheme probes wait behind every other one. */
static void elim_task_end(struct task *k);
static void elim_result(struct task *k, struct probe_res *res);
static void order_result(struct task *k, struct probe_res *res);
static void spec_result(struct task *k, struct probe_res *res);
static void chacha_result(struct task *k, struct probe_res *res);
static void sig13_result(struct task *k, struct probe_res *res);
static const struct scan_task_kind elim_kind = {elim_result, elim_task_end, false};
static const struct scan_task_kind order_kind = {order_result, elim_task_end, false};
static const struct scan_task_kind spec_kind = {spec_result, elim_task_end, false};
static const struct scan_task_kind chacha_kind = {chacha_result, NULL, true};
static const struct scan_task_kind sig13_kind = {sig13_result, NULL, true};

/* ---- enumerations by elimination ------------------------------------------- */

/* An enumeration finds every element of a candidate list (suites of one
 * version, groups, signature schemes) that the server accepts: a probe offers
 * a set, the server picks one, the next probe offers the set without it, until
 * the server refuses. The first probe offers everything (its pick is the
 * server's preferred element). After it, the rest is split into CHUNKS
 * interleaved parts eliminated in parallel (CHUNKS_FAST smaller ones where a
 * target takes more probes at once), which cuts the round trips on a slow
 * link at the cost of one refused probe per part. As soon as two
 * elements are known, two probes offering them in both orders tell whether the
 * server keeps its own order; if it does, the parts stop and one sequential
 * elimination gives that whole order (RFC 5246 7.4.1.2 leaves the choice to
 * the server). */
#define CHUNKS   8
#define PART_MIN 8 /* candidates a part has at least: a part costs one refused probe */
/* Through latency, with more probes at once (scan_target_fast) */
#define CHUNKS_FAST   16
#define PART_MIN_FAST 4

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
    bool root_undecided;                   /* the first probe's answer could not be decided */
    struct tlsd_scan_refusal root_refusal; /* the first hello, refused */
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
        uint32_t *guess;   /* the order guessed for what is not placed yet */
        size_t m;          /* guesses; position m offers what is left after all of them */
        unsigned inflight; /* the round's probes not answered yet */
        size_t placed0;    /* elements placed when the round started */
        unsigned gen;      /* of the round: the probes of older ones are not needed */
        size_t depth;      /* guesses the next round may make */
    } spec;
    /* Every decided answer of the speculative rounds, by what it offered (one byte per
     * candidate): the step that needs an offer takes the answer of any probe that offered
     * the same accepted elements, whichever round sent it. */
    struct spec_seen {
        uint8_t *offered;
        uint32_t pick; /* 0: refused */
    } * seen;
    size_t n_seen;
    void (*on_root)(struct tscan *t, bool accepted); /* the first probe answered */
    void (*on_done)(struct elim *e);
};

bool scan_is_ecdhe(uint32_t code)
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
uint32_t *scan_suites_where(struct scan *sc, uint16_t v, bool (*keep)(uint32_t), size_t *n)
{
    size_t k = 0;
    uint32_t *all = scan_suites_for(sc, v, &k), *out = all;
    size_t w = 0;
    for (size_t i = 0; all && i < k; i++)
        if (!keep || keep(all[i]))
            out[w++] = all[i];
    *n = w;
    return out;
}

/* The hello of an enumeration of kind at version vi offering set (pinned, key: see struct
 * elim). */
static int elim_hello(struct tscan *t, enum ekind kind, int vi, uint32_t pinned, int key,
                      const uint32_t *set, size_t n, uint8_t **rec, size_t *len)
{
    uint16_t v = tlsd_proto_codes[vi];
    struct hello_opts h = {.version = v};
    uint16_t *list16 = NULL;
    uint32_t *suites = NULL;
    size_t ns = 0;
    if (kind == E_SUITES) {
        h.suites = set;
        h.n_suites = n;
    } else {
        list16 = malloc((n + 1) * sizeof *list16);
        if (!list16)
            return -1;
        for (size_t i = 0; i < n; i++)
            list16[i] = (uint16_t)set[i];
        if (kind == E_GROUPS && pinned && !tlsd_has_u32(set, n, pinned))
            list16[n++] = (uint16_t)pinned; /* last: picked only when nothing else fits */
        if (kind == E_GROUPS) {
            suites =
                scan_suites_where(t->s, v, v >= TLSD_VERSION_TLS1_3 ? NULL : scan_is_ecdhe, &ns);
            h.groups = list16;
            h.n_groups = n;
            h.no_key_shares = true; /* TLS 1.3: the server names its group in an HRR */
        } else {
            suites = scan_suites_where(t->s, v, signs_ske, &ns);
            size_t w = 0; /* only suites that select this key type's certificate */
            for (size_t i = 0; suites && i < ns; i++)
                if (tlsd_suite_by_code(suites[i])->auth == tlsd_scan_key_auth[key])
                    suites[w++] = suites[i];
            ns = w;
            h.sigalgs = list16;
            h.n_sigalgs = n;
        }
        h.suites = suites;
        h.n_suites = ns;
    }
    int rc = scan_build_hello(t, &h, rec, len);
    free(list16);
    free(suites);
    return rc;
}

static int elim_probe(struct task *k, const uint32_t *set, size_t n)
{
    struct elim *e = k->e;
    uint8_t *rec;
    size_t len;
    if (elim_hello(e->t, e->kind, e->vi, e->pinned, e->key, set, n, &rec, &len) < 0)
        return -1;
    /* A server order takes the speculative rounds after the parts: the longest path. Until
     * the order is known, any enumeration may be on it; one in the client's order is not. */
    k->urgent = e->order != 0;
    scan_submit(k, rec, len);
    return 0;
}

/* The element the server picked from what this task offered, or 0. */
static uint32_t picked(const struct task *k, const struct probe_res *res)
{
    const struct elim *e = k->e;
    uint16_t v = tlsd_proto_codes[e->vi];
    if (e->kind == E_SUITES && e->vi == TLSD_PROTO_SSL2)
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

/* Records an accepted element. */
static void record_found(struct elim *e, uint32_t c)
{
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
}

/* Records an accepted element and what its probe showed. */
static void record(struct elim *e, uint32_t c, const struct probe_res *res)
{
    struct tscan *t = e->t;
    record_found(e, c);
    if (e->kind == E_SUITES) {
        add_suite(&t->r->versions[e->vi], res);
        scan_note_fingerprints(t, res);
        scan_note_features(t, res);
    }
    if (res->sh.is_hrr)
        t->r->hrr = TLSD_YES;
    scan_note_cert(t, res, res->sh.suite);
}

/* A task of e offering set (copied); fn takes its answers. */
static struct task *elim_task_fn(struct elim *e, const uint32_t *set, size_t n,
                                 const struct scan_task_kind *kind, size_t guess, unsigned gen)
{
    struct task *k = scan_new_task(e->t, kind);
    if (!k)
        return NULL;
    k->e = e;
    k->gen = gen;
    k->guess = guess;
    k->remaining = malloc((n ? n : 1) * sizeof *k->remaining);
    if (!k->remaining) {
        scan_end_task(k);
        return NULL;
    }
    memcpy(k->remaining, set, n * sizeof *set);
    k->n_remaining = n;
    e->open++;
    if (elim_probe(k, k->remaining, n) < 0) {
        e->open--;
        scan_end_task(k);
        return NULL;
    }
    return k;
}

static struct task *elim_task(struct elim *e, const uint32_t *set, size_t n)
{
    return elim_task_fn(e, set, n, &elim_kind, 0, e->gen);
}

static void elim_finish(struct elim *e);

static void spec_round(struct elim *e);
static void spec_advance(struct elim *e);

static void elim_task_end(struct task *k)
{
    struct elim *e = k->e;
    e->open--;
    scan_end_task(k);
    if (e->open == 0 && e->spec_wanted) {
        e->spec_wanted = false;
        /* Held open across the round: a scan being stopped drops each task the round
         * submits at once, and that task's end must not finish (free) e under it. */
        e->open++;
        spec_round(e);
        e->open--;
    }
    if (e->open == 0)
        elim_finish(e);
}

/* Splits what the root left into interleaved parts, one task each. */
static void elim_fan_out(struct elim *e, const uint32_t *rest, size_t n)
{
    /* Where probes are many at once (scan_target_fast), twice the parts of half the size
     * for the enumerations on a scan's longest path: a version's suites (a server accepts
     * dozens) and the TLS 1.3 groups (whose order, the server's own in most
     * implementations, takes the speculative rounds after the parts). A part's round trips
     * are its accepted elements and one refusal; the others run beside them. */
    bool fast = scan_target_fast(e->t) &&
                (e->kind == E_SUITES || (e->kind == E_GROUPS && e->vi == TLSD_PROTO_TLS13));
    size_t per = fast ? PART_MIN_FAST : PART_MIN, most = fast ? CHUNKS_FAST : CHUNKS;
    size_t parts = n / per < most ? n / per : most;
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
        struct task *k = scan_new_task(e->t, &order_kind);
        if (!k)
            continue;
        k->e = e;
        k->order = i;
        k->remaining = malloc(2 * sizeof *k->remaining);
        if (!k->remaining) {
            scan_end_task(k);
            continue;
        }
        memcpy(k->remaining, pair[i], sizeof pair[i]);
        k->n_remaining = 2;
        e->open++;
        if (elim_probe(k, k->remaining, 2) < 0) {
            e->open--;
            scan_end_task(k);
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

/* How many of the m guesses a round makes: up to the one past depth that the answers so
 * far leave open. A guess known to beat every guess after it is no risk (it is wrong only
 * if one before it was) and is not counted. */
static size_t guesses_within(const struct elim *e, const uint32_t *guess, size_t m, size_t depth)
{
    size_t open = 0;
    for (size_t i = 0; i < m; i++) {
        bool sure = true;
        for (size_t j = i + 1; j < m && sure; j++)
            sure = beaten(e, guess[j], guess[i]);
        if (!sure && ++open > depth)
            return i;
    }
    return m;
}

/* Open guesses in a round (guesses_within: those the answers so far do not make sure):
 * the first round makes this many at most; after a wrong guess as many as the last round
 * got right before it (none: the next round is the one probe of the sequential
 * elimination, after any sure guesses), after a round all right one more. A wrong guess
 * costs the probes after it: with open guesses that are always wrong, the probes are at
 * most 1.5 times the sequential elimination's. A wrong answer's round is taken up once
 * all of its answers are in (they were sent together), so the next guess has what they
 * tell. */
#define SPEC_DEPTH_FIRST 16u

static void spec_free(struct spec *sp)
{
    unsigned gen = sp->gen;
    size_t depth = sp->depth;
    free(sp->guess);
    memset(sp, 0, sizeof *sp);
    sp->gen = gen + 1; /* the probes in flight are not needed */
    sp->depth = depth;
}

static void seen_free(struct elim *e)
{
    for (size_t i = 0; i < e->n_seen; i++)
        free(e->seen[i].offered);
    free(e->seen);
    e->seen = NULL;
    e->n_seen = 0;
}

/* Keeps the answer pick to the offer set. */
static void seen_add(struct elim *e, const uint32_t *set, size_t n, uint32_t pick)
{
    struct spec_seen *v = realloc(e->seen, (e->n_seen + 1) * sizeof *v);
    uint8_t *in = v ? calloc(e->n_cands ? e->n_cands : 1, 1) : NULL;
    if (v)
        e->seen = v;
    if (!in)
        return;
    for (size_t i = 0; i < e->n_cands; i++)
        in[i] = tlsd_has_u32(set, n, e->cands[i]);
    v[e->n_seen++] = (struct spec_seen){in, pick};
}

/* Whether offering the candidates that out leaves (out_n of them, placed ones
 * besides) was answered: an answer counts when its offer held the same accepted elements
 * (the rest changes nothing: the server picks among what it accepts). The accepted
 * elements and whether each is wanted are listed once, then each answer is compared on
 * those alone (a server's own order of a hundred suites asks this thousands of times). */
static bool seen_answer(const struct elim *e, const uint32_t *out, size_t out_n, uint32_t *pick)
{
    if (!e->n_seen)
        return false;
    struct accepted {
        size_t at; /* its index in cands (and in each answer's offered) */
        bool want; /* offered by the step that asks */
    } *acc = malloc((e->n_found ? e->n_found : 1) * sizeof *acc);
    size_t n = 0;
    bool hit = false;
    for (size_t i = 0; acc && i < e->n_cands && n < e->n_found; i++) {
        uint32_t c = e->cands[i];
        if (tlsd_has_u32(e->found, e->n_found, c))
            acc[n++] = (struct accepted){i, !tlsd_has_u32(e->placed, e->n_placed, c) &&
                                                !tlsd_has_u32(out, out_n, c)};
    }
    for (size_t s = 0; acc && s < e->n_seen && !hit; s++) {
        bool same = true;
        for (size_t j = 0; j < n && same; j++)
            same = (e->seen[s].offered[acc[j].at] != 0) == acc[j].want;
        if (same) {
            *pick = e->seen[s].pick;
            hit = true;
        }
    }
    free(acc);
    return hit;
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
    seen_free(e);
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

/* Sends the offer of everything not placed and not in out (n of them), unless an answer
 * to the same accepted elements is in. false: it could not be sent. */
static bool spec_ask(struct elim *e, const uint32_t *out, size_t n, size_t pos, uint32_t *set)
{
    struct spec *sp = &e->spec;
    uint32_t pick;
    if (seen_answer(e, out, n, &pick))
        return true;
    size_t m = 0;
    for (size_t c = 0; c < e->n_cands; c++)
        if (!tlsd_has_u32(e->placed, e->n_placed, e->cands[c]) &&
            !tlsd_has_u32(out, n, e->cands[c]))
            set[m++] = e->cands[c];
    if (m == 0)
        return true; /* nothing left to offer: as refused (spec_advance) */
    if (!elim_task_fn(e, set, m, &spec_kind, pos, sp->gen))
        return false;
    sp->inflight++;
    return true;
}

/* A round: position i offers what is left when the first i guesses are placed; where the
 * answers so far do not tell that guess i-1 beats guess i, a hedge offers what is left if
 * the two come the other way round (so that a swap of the two costs no round more). Hedges
 * only through latency (scan_target_fast), where a round costs more than the probes: on a
 * quick link, or to a server serving one connection at a time, they would only add
 * connections. */
static void spec_round(struct elim *e)
{
    struct spec *sp = &e->spec;
    spec_free(sp);
    sp->placed0 = e->n_placed;
    sp->guess = spec_guess(e, &sp->m);
    sp->m = guesses_within(e, sp->guess, sp->m, sp->depth);
    uint32_t *set = malloc((e->n_cands ? e->n_cands : 1) * sizeof *set);
    uint32_t *out = malloc((sp->m + 1) * sizeof *out);
    bool ok = sp->guess && set && out, hedge = scan_target_fast(e->t);
    sp->inflight++; /* held: an answer within the round cannot end it */
    for (size_t i = 0; ok && i <= sp->m; i++) {
        ok = spec_ask(e, sp->guess, i, i, set);
        if (ok && hedge && i >= 1 && i < sp->m && !beaten(e, sp->guess[i], sp->guess[i - 1])) {
            memcpy(out, sp->guess, (i - 1) * sizeof *out);
            out[i - 1] = sp->guess[i];
            ok = spec_ask(e, out, i, i, set);
        }
    }
    sp->inflight--;
    free(set);
    free(out);
    if (!ok) {
        spec_fall_back(e);
        return;
    }
    spec_advance(e);
}

/* Places what the answers in tell, in order; a new round when the round's answers are
 * all in and the next step is still open. */
static void spec_advance(struct elim *e)
{
    struct spec *sp = &e->spec;
    for (;;) {
        uint32_t a = 0;
        bool left = false;
        for (size_t i = 0; i < e->n_cands && !left; i++)
            left = !tlsd_has_u32(e->placed, e->n_placed, e->cands[i]);
        if (left && !seen_answer(e, NULL, 0, &a)) {
            if (sp->inflight)
                return; /* the next guess waits for what the round's answers tell */
            size_t right = e->n_placed - sp->placed0;
            sp->depth = right > sp->m ? sp->m + 1 : right;
            spec_round(e);
            return;
        }
        if (!a) { /* refused (or nothing left): the end, as in the sequential elimination */
            spec_done(e);
            return;
        }
        place(e, a);
    }
}

static void spec_result(struct task *k, struct probe_res *res)
{
    struct elim *e = k->e;
    struct spec *sp = &e->spec;
    bool decided = res->detail != TLSD_DETAIL_UNDECIDED && !res->confirmed_reset;
    uint32_t c = decided ? picked(k, res) : 0;
    /* Every answer tells what beats what, whether or not its round still needs it: the
     * pick beat all it was offered with (the next guesses start from that). */
    if (decided)
        note_beats(e, c, k->remaining, k->n_remaining);
    if (k->gen != sp->gen || !sp->guess) {
        /* an older round's: its answer still counts where an offer needs it */
        if (decided && sp->guess && (!c || tlsd_has_u32(e->found, e->n_found, c))) {
            seen_add(e, k->remaining, k->n_remaining, c);
            spec_advance(e);
        }
        elim_task_end(k);
        return;
    }
    sp->inflight--;
    if (!decided) {
        spec_fall_back(e);
        elim_task_end(k);
        return;
    }
    /* The parts found every element with what its answer showed. One they did not is
     * recorded from the answer to the offer its step needs (so what is recorded does not
     * depend on which answer came first), and from no other: that offer is then asked. */
    bool needed = true;
    for (size_t i = 0; i < e->n_cands && needed; i++) {
        uint32_t x = e->cands[i];
        needed = tlsd_has_u32(e->placed, e->n_placed, x) !=
                 tlsd_has_u32(k->remaining, k->n_remaining, x);
    }
    if (c && !tlsd_has_u32(e->found, e->n_found, c) && needed)
        record(e, c, res);
    if (!c || tlsd_has_u32(e->found, e->n_found, c))
        seen_add(e, k->remaining, k->n_remaining, c);
    spec_advance(e);
    elim_task_end(k);
}

static bool of_elim(const struct task *k, const void *e)
{
    return k->e == e;
}

static void order_result(struct task *k, struct probe_res *res)
{
    struct elim *e = k->e;
    uint32_t c = picked(k, res);
    e->order_picks[k->order] = c;
    if (++e->order_answers == 2 && e->order_picks[0] && e->order_picks[1] &&
        e->order_picks[0] != e->order_picks[1] &&
        (tlsd_suite_cipher_is(k->remaining[0], TLSD_CIPHERF_CHACHA20) ||
         tlsd_suite_cipher_is(k->remaining[1], TLSD_CIPHERF_CHACHA20))) {
        /* Client order, or ChaCha20 priority: ask again with two other suites. */
        e->chacha_ambiguous = true;
        e->order_asked = false;
        e->order_answers = 0;
        elim_ask_order(e); /* now, when two others are known: the parts may be over */
    } else if (e->order_answers == 2 && e->order_picks[0] && e->order_picks[1]) {
        e->order = e->order_picks[0] == e->order_picks[1];
        if (e->order == 1) {
            /* Server order: once the parts have found what is accepted, the order from
             * the server's first choice on, by speculation (spec_round). */
            e->n_placed = 0;
            place(e, e->first_pick);
            e->spec.depth = SPEC_DEPTH_FIRST;
            e->spec_wanted = true; /* once the parts have ended (elim_task_end) */
            scan_make_urgent(e->t->s, of_elim, e);
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
    const char *v = tlsd_version_str(tlsd_proto_codes[e->vi], vb);
    if (res->confirmed_reset) {
        if (root && e->kind == E_SUITES) {
            scan_add_doubt(e->t, e->vi, "%s: whether it is accepted", v);
            return;
        }
    } else if (root) {
        e->root_undecided = true;
        scan_refusal_of(k, res, &e->root_refusal);
        if (e->kind == E_SUITES)
            return; /* scan_suites_done marks the version */
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
        scan_add_doubt(e->t, -1, "%s %s not decided: %s", v, ekind_what[e->kind], names);
    else
        scan_add_undecided(e->t->r, "%s %s not decided (%s): %s", v, ekind_what[e->kind],
                           res->error, names);
    free(names);
}

static void elim_next(struct elim *e, struct task *k, uint32_t c, bool root);

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
            e->on_root(e->t, false);
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
            scan_refusal_of(k, res, &e->root_refusal);
            if (probe_server_hello(res) && res->have_sh &&
                res->sh.version != tlsd_proto_codes[e->vi]) {
                e->root_refusal.kind = TLSD_REFUSAL_OTHER_VERSION;
                e->root_refusal.hrr = res->sh.is_hrr;
                if (e->vi == TLSD_PROTO_TLS13 && res->sh.version == TLSD_VERSION_TLS1_2)
                    t->r->tls13_hello_answered_12 = TLSD_YES;
            }
        }
    }
    if (c)
        record(e, c, res);
    if (root && e->on_root)
        e->on_root(e->t, c != 0);
    elim_next(e, k, c, root);
}

/* k's probe was answered by picking c (0: refused): the next probe, or the parts. */
static void elim_next(struct elim *e, struct task *k, uint32_t c, bool root)
{
    if (!c) {
        elim_ask_order(e); /* not asked yet (two others than ChaCha20 were not known) */
        elim_task_end(k);
        return;
    }
    scan_remove_code(k->remaining, &k->n_remaining, c);
    if (root && e->order != 1 && k->n_remaining > CHUNKS) {
        elim_fan_out(e, k->remaining, k->n_remaining);
        elim_task_end(k);
        return;
    }
    elim_ask_order(e);
    if (k->n_remaining == 0 || elim_probe(k, k->remaining, k->n_remaining) < 0)
        elim_task_end(k);
}

/* An enumeration over cands (taken), none of its probes sent yet. */
static struct elim *elim_new(struct tscan *t, enum ekind kind, int vi, uint32_t *cands, size_t n,
                             uint32_t pinned, int key, void (*on_root)(struct tscan *, bool),
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
    return e;
}

struct elim *scan_elim_start(struct tscan *t, enum ekind kind, int vi, uint32_t *cands, size_t n,
                             uint32_t pinned, int key, void (*on_root)(struct tscan *, bool),
                             void (*on_done)(struct elim *))
{
    struct elim *e = elim_new(t, kind, vi, cands, n, pinned, key, on_root, on_done);
    if (!e)
        return NULL;
    if (!elim_task(e, e->cands, n)) {
        if (on_root)
            on_root(t, false);
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
    seen_free(e);
    free(e);
    t->tasks_open--;
    scan_maybe_finish_target(t);
}

/* ---- what the enumerations feed ------------------------------------------- */

static int cmp_suite(const void *a, const void *b)
{
    const struct tlsd_scan_suite *x = a, *y = b;
    return (x->code > y->code) - (x->code < y->code);
}

static void chacha_result(struct task *k, struct probe_res *res)
{
    struct tlsd_scan_version *sv = &k->t->r->versions[k->vi];
    bool answered = probe_server_hello(res) && res->have_sh && !res->sh.is_hrr &&
                    res->sh.version == sv->version;
    sv->chacha_priority =
        answered ? scan_tri_of(tlsd_suite_cipher_is(res->sh.suite, TLSD_CIPHERF_CHACHA20))
                 : TLSD_UNKNOWN;
    scan_end_task(k);
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
    struct task *k =
        scan_build_hello(t, &h, &rec, &len) == 0 ? scan_new_task(t, &chacha_kind) : NULL;
    if (!k)
        return;
    k->vi = vi;
    scan_submit(k, rec, len);
}

void scan_suites_done(struct elim *e)
{
    struct tlsd_scan_version *sv = &e->t->r->versions[e->vi];
    sv->accepted = sv->n_suites > 0;
    if (!sv->accepted) {
        sv->refusal = e->root_refusal;
    }
    if (!sv->accepted && e->root_undecided) {
        char vb[16];
        sv->undecided = true;
        scan_add_undecided(e->t->r, "%s: whether it is accepted (%.140s)",
                           tlsd_version_str(sv->version, vb), e->root_refusal.error);
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
    uint16_t **list = e->vi == TLSD_PROTO_TLS13 ? &r->groups : &r->groups12;
    size_t *count = e->vi == TLSD_PROTO_TLS13 ? &r->n_groups : &r->n_groups12;
    if (e->vi == TLSD_PROTO_TLS13 && r->hrr == TLSD_UNKNOWN && e->root_answered)
        r->hrr = e->n_found ? TLSD_YES : TLSD_NO;
    *(e->vi == TLSD_PROTO_TLS13 ? &r->groups_order : &r->groups12_order) = e->order == 1 ? TLSD_YES
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
    if (e->vi < TLSD_PROTO_TLS13)
        r->groups12_version = tlsd_proto_codes[e->vi];
}

static void sigalgs_done(struct elim *e)
{
    struct tlsd_scan_result *r = e->t->r;
    r->sigschemes_by_key[e->key] = found_in_offer_order(e, 0, &r->n_sigschemes_by_key[e->key]);
}

/* The TLS 1.2 schemes of every key type, RSA's first, each once. */
void scan_merge_sigschemes(struct tlsd_scan_result *r)
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
        scan_elim_start(t, kind, vi, c, n, pinned, key, NULL, done);
}

/* The group of an EC certificate's curve ("prime256v1", "secp384r1", ...), or 0. */
static uint16_t cert_curve_group(const struct tlsd_cert_summary *c)
{
    if (c->key_kind != TLSD_CERT_ECDSA || !c->curve[0])
        return 0;
    const struct tlsd_group *g = tlsd_group_by_name(c->curve);
    const char *nist = g ? NULL : EC_curve_nid2nist(OBJ_sn2nid(c->curve));
    if (nist)
        g = tlsd_group_by_name(nist);
    return g ? g->code : 0;
}

/* TLS <= 1.2 and a server whose first answers chose ECDSA certificates: its curve must
 * stay in every offer, or the server cannot use that certificate and refuses the hello
 * before the other curves are known (RFC 8422 5.1: supported_groups also limits the
 * certificate's curve). 0 when a version's first answer chose another kind. Judged from the
 * versions' first answers alone (the first suite each found), which every scan gets alike:
 * the certificates that other answers brought by then depend on which came first. */
static uint16_t group_to_pin(const struct tlsd_scan_result *r)
{
    bool ecdsa = false;
    for (int vi = TLSD_PROTO_SSL3; vi < TLSD_PROTO_TLS13; vi++) {
        const struct tlsd_scan_version *v = &r->versions[vi];
        if (!v->n_suites)
            continue;
        const struct tlsd_suite *s = tlsd_suite_by_code(v->suites[0].code);
        if (!s || s->auth != TLSD_AUTH_ECDSA)
            return 0;
        ecdsa = true;
    }
    for (size_t i = 0; ecdsa && i < r->n_certs; i++) {
        uint16_t g = cert_curve_group(&r->certs[i].chain.certs[0]);
        if (g)
            return g;
    }
    return 0;
}

void scan_start_groups(struct tscan *t, int vi)
{
    size_t n;
    uint16_t *g = scan_all_groups(tlsd_proto_codes[vi], &n);
    start_elim16(t, E_GROUPS, vi, g, n, vi < TLSD_PROTO_TLS13 ? group_to_pin(t->r) : 0, 0,
                 groups_done);
}

/* ---- the TLS 1.3 groups' first question, asked with the versions' ------------------
 *
 * The groups' first hello (every TLS 1.3 group, no key share: the server names its group
 * in a HelloRetryRequest) depends on no other answer, but the enumeration is wanted only
 * when TLS 1.3 is accepted, so it waited for the versions' first answers: through latency a
 * round trip on the longest path (the TLS 1.3 groups of a server with its own order). The
 * question goes out with the versions' now; when the enumeration starts, its answer stands
 * in for the first probe's, and when TLS 1.3 is not accepted it is left unused. Only an HRR
 * naming an offered group is used: for anything else the enumeration asks as before. */

static uint32_t *groups13_cands(size_t *n)
{
    uint16_t *g = scan_all_groups(TLSD_VERSION_TLS1_3, n);
    uint32_t *c = g ? malloc((*n ? *n : 1) * sizeof *c) : NULL;
    for (size_t i = 0; c && i < *n; i++)
        c[i] = g[i];
    free(g);
    return c;
}

/* The enumeration, its first probe answered by c (an HRR naming it). */
static void start_groups13_answered(struct tscan *t, uint32_t c)
{
    size_t n;
    uint32_t *cands = groups13_cands(&n);
    struct elim *e =
        cands ? elim_new(t, E_GROUPS, TLSD_PROTO_TLS13, cands, n, 0, 0, NULL, groups_done) : NULL;
    struct task *k = e ? scan_new_task(t, &elim_kind) : NULL;
    uint32_t *rest = k ? malloc(n * sizeof *rest) : NULL;
    if (!rest) {
        if (k)
            scan_end_task(k);
        if (e)
            elim_finish(e);
        scan_start_groups(t, TLSD_PROTO_TLS13);
        return;
    }
    memcpy(rest, e->cands, n * sizeof *rest);
    k->e = e;
    k->gen = e->gen;
    k->remaining = rest;
    k->n_remaining = n;
    e->open++;
    /* as elim_result takes a first answer */
    note_beats(e, c, k->remaining, k->n_remaining);
    e->root_answered = true;
    e->first_pick = c;
    record_found(e, c);
    t->r->hrr = TLSD_YES;
    elim_next(e, k, c, true);
}

static void early13_result(struct task *k, struct probe_res *res)
{
    struct tscan *t = k->t;
    uint32_t c = 0;
    if (res->detail != TLSD_DETAIL_UNDECIDED && !res->confirmed_reset && probe_server_hello(res) &&
        res->have_sh && res->sh.version == TLSD_VERSION_TLS1_3 && res->sh.is_hrr &&
        res->sh.has_key_share &&
        tlsd_has_u32(k->remaining, k->n_remaining, res->sh.key_share_group))
        c = res->sh.key_share_group;
    t->early13.asked = false;
    t->early13.pick = c;
    /* The work after the versions' first answers first: ending this task may otherwise end
     * the target. */
    if (t->early13.on_answer)
        t->early13.on_answer(t);
    scan_end_task(k);
}

static const struct scan_task_kind early13_kind = {early13_result, NULL, false};

bool scan_ask_groups13_early(struct tscan *t, void (*on_answer)(struct tscan *t))
{
    size_t n;
    uint32_t *cands = groups13_cands(&n);
    struct task *k = cands && n ? scan_new_task(t, &early13_kind) : NULL;
    uint8_t *rec;
    size_t len;
    if (!k || elim_hello(t, E_GROUPS, TLSD_PROTO_TLS13, 0, 0, cands, n, &rec, &len) < 0) {
        free(cands);
        if (k)
            scan_end_task(k);
        return false;
    }
    k->remaining = cands;
    k->n_remaining = n;
    k->urgent = true;
    t->early13.asked = true;
    t->early13.on_answer = on_answer;
    scan_submit(k, rec, len);
    return true;
}

void scan_start_groups13(struct tscan *t)
{
    if (t->early13.pick)
        start_groups13_answered(t, t->early13.pick);
    else
        scan_start_groups(t, TLSD_PROTO_TLS13);
}

/* One enumeration per certificate key type, each offering only the suites that select
 * that type: a server with RSA and ECDSA certificates signs with the one its chosen
 * suite needs, so one enumeration over every suite sees one key's schemes only. A key
 * type the server has no certificate for costs one refused probe. */
void scan_start_sigalgs(struct tscan *t)
{
    for (int key = 0; key < TLSD_SCAN_NKEYS; key++) {
        size_t n;
        uint16_t *v = scan_all_sigalgs(&n);
        start_elim16(t, E_SIGALGS, TLSD_PROTO_TLS12, v, n, 0, key, sigalgs_done);
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

static int sig13_hello(struct tscan *t, const uint32_t *idx, size_t n, uint16_t share,
                       uint8_t **rec, size_t *len)
{
    size_t ns;
    uint16_t *schemes = malloc((n ? n : 1) * sizeof *schemes);
    uint32_t *suites = schemes ? scan_suites_for(t->s, TLSD_VERSION_TLS1_3, &ns) : NULL;
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
    int rc = scan_build_hello(t, &h, rec, len);
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

/* Offers the schemes idx (registry indexes); split: what an answer leads to. */
static void sig13_offer(struct tscan *t, const uint32_t *idx, size_t n, enum sig13_split split)
{
    uint8_t *rec;
    size_t len;
    if (n == 0 || sig13_hello(t, idx, n, 0, &rec, &len) != 0)
        return;
    struct task *k = scan_new_task(t, &sig13_kind);
    if (k && !(k->remaining = malloc(n * sizeof *k->remaining))) {
        scan_end_task(k);
        k = NULL;
    }
    if (!k) {
        free(rec);
        return;
    }
    memcpy(k->remaining, idx, n * sizeof *idx);
    k->n_remaining = n;
    k->split = split;
    t->sig13_left++;
    scan_submit(k, rec, len);
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
    if (answered && res->sh.is_hrr && !k->retried && res->sh.key_share_group) {
        uint8_t *rec;
        size_t len;
        k->retried = true; /* once */
        if (sig13_hello(t, k->remaining, k->n_remaining, res->sh.key_share_group, &rec, &len) ==
            0) {
            scan_submit(k, rec, len);
            return;
        }
    }
    bool ok = answered && !res->sh.is_hrr && tlsd_version_is_tls13(res->sh.version);
    t->sig13_left++; /* held while the parts are queued */
    if (k->n_remaining > 1 && (ok || res->detail == TLSD_DETAIL_UNDECIDED)) {
        /* Which of them: an undecided offer is asked again scheme by scheme, so that each
         * scheme that stays undecided is said so on its own. */
        sig13_split(t, k->remaining, k->n_remaining,
                    k->split == SIG13_BY_EACH || res->detail == TLSD_DETAIL_UNDECIDED);
    } else if (ok) {
        t->sig13_ok[k->remaining[0]] = true;
    } else if (res->detail == TLSD_DETAIL_UNDECIDED) {
        scan_add_undecided(t->r, "TLSv1.3 signature scheme %s not decided (%s)",
                           tlsd_sigscheme_at(k->remaining[0])->name, res->error);
    }
    for (size_t i = 0; res->confirmed_reset && !ok && i < k->n_remaining; i++)
        scan_add_doubt(t, -1, "TLSv1.3 signature scheme %s not decided",
                       tlsd_sigscheme_at(k->remaining[i])->name);
    t->sig13_left--;
    if (--t->sig13_left == 0)
        sig13_finish(t);
    scan_end_task(k);
}

/* The signature algorithm a certificate's key signs TLS 1.3 handshakes with (RFC 8446
 * 4.2.3: an RSA key with RSASSA-PSS rsae, an EC key with ECDSA on its curve...), or -1. */
/* Whether a certificate seen so far has a key that signs with algorithm alg. */
static bool sig13_likely(const struct tlsd_scan_result *r, enum tlsd_sig_alg alg)
{
    for (size_t i = 0; i < r->n_certs; i++)
        if (r->certs[i].chain.certs[0].key_sig_alg == (int)alg)
            return true;
    return false;
}

void scan_start_sigalgs13(struct tscan *t)
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
