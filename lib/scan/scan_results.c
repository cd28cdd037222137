/* Recording a probe's answer in a target's result (refusals, certificates,
 * fingerprints, features of the ServerHello): below the enumerations and the scan steps
 * that both record what they see. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/codes_internal.h"
#include "scan/scan_engine.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/scan.h"

/* ---- result helpers ------------------------------------------------------ */

enum tlsd_tristate scan_tri_of(bool b)
{
    return b ? TLSD_YES : TLSD_NO;
}

void scan_remove_code(uint32_t *v, size_t *n, uint32_t code)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == code) {
            memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
            (*n)--;
            return;
        }
}

/* A probe's answer as a version's refusal: undecided, a ServerHello that picked nothing
 * offered, or how the probe ended. */
static enum tlsd_scan_refusal_kind refusal_kind(const struct probe_res *res)
{
    if (res->detail == TLSD_DETAIL_UNDECIDED)
        return TLSD_REFUSAL_UNDECIDED;
    return probe_server_hello(res) ? TLSD_REFUSAL_NOTHING_PICKED : TLSD_REFUSAL_ENDED;
}

/* k: the task answered (its probes' endings when undecided), NULL: not known. */
void scan_refusal_of(const struct task *k, const struct probe_res *res, struct tlsd_scan_refusal *f)
{
    memset(f, 0, sizeof *f);
    f->kind = refusal_kind(res);
    if (res->ending == TLSD_OUTCOME_SERVER_ALERT && res->have_alert) {
        f->kind = TLSD_REFUSAL_ALERT;
        f->alert_level = res->alert.level;
        f->alert = res->alert.description;
    }
    f->version = res->sh.version;
    f->ending = res->ending;
    f->detail = res->detail;
    f->no_syn_answer = res->detail == TLSD_DETAIL_TIMEOUT && !res->connected;
    if (f->kind == TLSD_REFUSAL_UNDECIDED)
        f->detail = k ? k->met : TLSD_DETAIL_NONE;
    snprintf(f->error, sizeof f->error, "%s", res->error);
}

/* Keeps a certificate chain (DER, leaf first), one entry per distinct leaf,
 * with the suites it served; the entry, or NULL. */
struct tlsd_scan_cert *scan_cert_with_leaf(const struct tlsd_scan_result *r, const uint8_t *der,
                                           size_t len)
{
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_cert_summary *leaf = &r->certs[i].chain.certs[0];
        if (leaf->der_len == len && memcmp(leaf->der, der, len) == 0)
            return &r->certs[i];
    }
    return NULL;
}

/* The certificate known already: the suite added to those it served. */
static struct tlsd_scan_cert *known_cert(struct tscan *t, const uint8_t *der, size_t len,
                                         uint32_t suite)
{
    struct tlsd_scan_cert *c = scan_cert_with_leaf(t->r, der, len);
    if (c && suite && !tlsd_has_u32(c->suites, c->n_suites, suite)) {
        uint32_t *v = realloc(c->suites, (c->n_suites + 1) * sizeof *v);
        if (v) {
            c->suites = v;
            c->suites[c->n_suites++] = suite;
        }
    }
    return c;
}

struct tlsd_scan_cert *scan_add_chain(struct tscan *t, const uint8_t *const *der, const size_t *len,
                                      size_t n, uint32_t suite)
{
    struct tlsd_scan_result *r = t->r;
    if (n == 0)
        return NULL;
    struct tlsd_scan_cert *known = known_cert(t, der[0], len[0], suite);
    if (known)
        return known;
    struct tlsd_scan_cert *nc = realloc(r->certs, (r->n_certs + 1) * sizeof *nc);
    if (!nc)
        return NULL;
    r->certs = nc;
    struct tlsd_scan_cert *c = &nc[r->n_certs];
    memset(c, 0, sizeof *c);
    /* Summarise private copies: the messages the DER came from go away. */
    for (size_t i = 0; i < n; i++)
        if (!tlsd_cert_chain_add(&c->chain, der[i], len[i]))
            break;
    if (c->chain.n == 0) {
        tlsd_cert_chain_free(&c->chain);
        return NULL;
    }
    const struct tlsd_cert_summary *l = &c->chain.certs[0];
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

void scan_note_cert(struct tscan *t, const struct probe_res *res, uint32_t suite)
{
    if (!res->have_cert || res->cert.n_certs == 0 ||
        known_cert(t, res->cert.certs[0].der, res->cert.certs[0].der_len, suite))
        return; /* the usual case: no copy of the chain to make */
    size_t n = res->cert.n_certs;
    const uint8_t **der = malloc(n * sizeof *der);
    size_t *len = malloc(n * sizeof *len);
    if (der && len) {
        for (size_t i = 0; i < n; i++) {
            der[i] = res->cert.certs[i].der;
            len[i] = res->cert.certs[i].der_len;
        }
        scan_add_chain(t, der, len, n, suite);
    }
    free(der);
    free(len);
}

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

void scan_note_fingerprints(struct tscan *t, const struct probe_res *res)
{
    if (!res->have_sh || res->sh.is_hrr || !from_best_answer(&t->fp_version, res->sh.version))
        return;
    struct tlsd_ja3 j;
    if (tlsd_ja3s(NULL, &res->sh, &j) == 0) {
        memcpy(t->r->ja3s, j.hash, sizeof t->r->ja3s);
        tlsd_ja3_free(&j);
    }
    tlsd_ja4s(NULL, &res->sh, TLSD_JA_TCP, t->r->ja4s);
}

/* Features of a TLS <= 1.2 ServerHello to our full hello. Encrypt-then-MAC is
 * decided by the answers with a CBC suite only (TLS 1.0 included: RFC 7366 covers
 * it): yes when any of them carries it. */
void scan_note_features(struct tscan *t, const struct probe_res *res)
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
