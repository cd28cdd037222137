/* The diagnosis of one analysed connection: plain words computed from the two hellos,
 * the alert and how TCP ended; the likely causes and the Schannel events come from the
 * explain knowledge base (tlsdiag/explain.h), the suite properties from the registry. */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze_internal.h"
#include "base/hash_internal.h"
#include "registry/codes_internal.h"
#include "tlsdiag/explain_codes.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/target.h"

#define USEC_PER_SEC 1e6

const char *tlsd_version_label(uint16_t v, char buf[24])
{
    if (v == TLSD_VERSION_SSL2)
        return "SSL 2.0";
    if (v == TLSD_VERSION_SSL3)
        return "SSL 3.0";
    if (v >= TLSD_VERSION_TLS1_0 && v <= TLSD_VERSION_TLS1_3) {
        /* Per connection, several times: without a format pass. */
        memcpy(buf, "TLS 1.", 6);
        buf[6] = (char)('0' + (v - TLSD_VERSION_TLS1_0));
        buf[7] = '\0';
        return buf;
    }
    if (tlsd_version_is_draft13(v)) {
        snprintf(buf, 24, "TLS 1.3 (draft %u)", v & 0xffu);
        return buf;
    }
    snprintf(buf, 24, "0x%04x", v);
    return buf;
}

void tlsd_diagnosis_free(struct tlsd_diagnosis *d)
{
    free(d->text);
    memset(d, 0, sizeof *d);
}

/* ---- causes and events from the knowledge base ---- */

/* Knowledge-base look-ups are by name, over a few hundred entries; a capture asks for the
 * same few thousands of times, so the answers are kept in the analyser's memos (by the
 * address of the literal naming a cause, by alert code, by event ID). A NULL answer (no
 * entry) is remembered too. */
static const struct tlsd_explain_cause *cause_by_id(struct tlsd_analyze_memo *memo, const char *id)
{
    uint64_t h = tlsd_hash_ptr(id);
    const struct tlsd_explain_cause **known =
        memo ? tlsd_memo_get(&memo->kb_causes, h, &id, sizeof id, NULL) : NULL;
    if (known)
        return *known;
    const struct tlsd_explain_cause *c = NULL;
    for (size_t i = 0; !c && i < tlsd_explain_cause_count(); i++)
        if (strcmp(tlsd_explain_cause_at(i)->id, id) == 0)
            c = tlsd_explain_cause_at(i);
    const struct tlsd_explain_cause **m =
        memo ? tlsd_memo_put(&memo->kb_causes, h, &id, sizeof id, sizeof c) : NULL;
    if (m)
        *m = c;
    return c;
}

/* The knowledge base's entry "kind:n", through memo (key n). */
static const struct tlsd_explain_entry *kb_entry(struct tlsd_memo *memo, const char *kind,
                                                 uint32_t n)
{
    const struct tlsd_explain_entry **known = tlsd_memo_get(memo, n, &n, sizeof n, NULL);
    if (known)
        return *known;
    char key[32];
    snprintf(key, sizeof key, "%s:%" PRIu32, kind, n);
    const struct tlsd_explain_entry *e = tlsd_explain_by_key(key);
    const struct tlsd_explain_entry **m = tlsd_memo_put(memo, n, &n, sizeof n, sizeof e);
    if (m)
        *m = e;
    return e;
}

static const struct tlsd_explain_entry *alert_entry(struct tlsd_analyze_memo *memo, int alert)
{
    if (alert < 0 || alert > 255) /* encrypted (-1): the knowledge base has codes 0-255 */
        return NULL;
    return kb_entry(memo ? &memo->kb_alerts : NULL, "alert", (uint32_t)alert);
}

static const struct tlsd_explain_entry *event_entry(struct tlsd_analyze_memo *memo, uint32_t id)
{
    return kb_entry(memo ? &memo->kb_events : NULL, "event", id);
}

static void add_cause(struct tlsd_analyze_memo *memo, struct tlsd_diagnosis *d, const char *id)
{
    if (d->n_causes >= TLSD_DIAG_MAX_CAUSES)
        return;
    for (size_t i = 0; i < d->n_causes; i++)
        if (strcmp(d->causes[i]->id, id) == 0)
            return;
    const struct tlsd_explain_cause *c = cause_by_id(memo, id);
    if (c)
        d->causes[d->n_causes++] = c;
}

/* The causes the knowledge base ranks for an alert code. */
static void add_alert_causes(struct tlsd_analyze_memo *memo, struct tlsd_diagnosis *d, int alert)
{
    const struct tlsd_explain_entry *e = alert_entry(memo, alert);
    for (size_t i = 0; e && i < e->n_causes; i++)
        add_cause(memo, d, e->causes[i]->id);
}

static void add_event(struct tlsd_analyze_memo *memo, struct tlsd_diagnosis *d, uint32_t id,
                      int alert, enum tlsd_peer on)
{
    if (d->n_events >= TLSD_DIAG_MAX_EVENTS)
        return;
    const struct tlsd_explain_entry *e = event_entry(memo, id);
    d->events[d->n_events++] = (struct tlsd_schannel_event){
        .id = id, .alert = alert, .logged_on = on, .meaning = e ? e->meaning : ""};
}

/* A fatal alert: the sender logs 36888 (generated), the receiver 36887 (received). */
static void alert_events(struct tlsd_analyze_memo *memo, struct tlsd_diagnosis *d,
                         enum tlsd_peer sender, int alert)
{
    if (alert < 0)
        return;
    add_event(memo, d, TLSD_EVENT_FATAL_ALERT_GENERATED, alert, sender);
    add_event(memo, d, TLSD_EVENT_FATAL_ALERT_RECEIVED, alert,
              sender == TLSD_PEER_SERVER ? TLSD_PEER_CLIENT : TLSD_PEER_SERVER);
}

/* ---- what the client offers ---- */

static bool real_suite(uint32_t code)
{
    return !tlsd_is_grease(code) && !tlsd_suite_code_is_scsv(code);
}

static const char *cipher_family(enum tlsd_cipher c)
{
    switch (c) {
    case TLSD_CIPHER_AES_128_GCM:
    case TLSD_CIPHER_AES_256_GCM:
        return "AES-GCM";
    case TLSD_CIPHER_AES_128_CCM:
    case TLSD_CIPHER_AES_256_CCM:
    case TLSD_CIPHER_AES_128_CCM_8:
    case TLSD_CIPHER_AES_256_CCM_8:
        return "AES-CCM";
    case TLSD_CIPHER_AES_128_CBC:
    case TLSD_CIPHER_AES_256_CBC:
        return "AES-CBC";
    case TLSD_CIPHER_3DES_EDE_CBC:
        return "3DES";
    case TLSD_CIPHER_DES_CBC:
    case TLSD_CIPHER_DES40_CBC:
    case TLSD_CIPHER_DES_CFB64:
        return "DES";
    case TLSD_CIPHER_RC4_40:
    case TLSD_CIPHER_RC4_56:
    case TLSD_CIPHER_RC4_64:
    case TLSD_CIPHER_RC4_128:
        return "RC4";
    case TLSD_CIPHER_CHACHA20_POLY1305:
        return "ChaCha20";
    case TLSD_CIPHER_CAMELLIA_128_CBC:
    case TLSD_CIPHER_CAMELLIA_256_CBC:
    case TLSD_CIPHER_CAMELLIA_128_GCM:
    case TLSD_CIPHER_CAMELLIA_256_GCM:
        return "Camellia";
    case TLSD_CIPHER_NULL:
        return "no encryption";
    default:
        return tlsd_cipher_name(c);
    }
}

/* True when s is one of the items of a list made by list_add ("A, B or C"): whole
 * items, so that ECDHE does not hide ECDH, nor ECDHE DHE. */
static bool list_has(const char *buf, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = buf; *p;) {
        size_t item = strcspn(p, ",");
        const char * or = strstr(p, " or ");
        if (or &&(size_t)(or -p) < item)
            item = (size_t)(or -p);
        if (item == n && strncmp(p, s, n) == 0)
            return true;
        p += item;
        p += *p == ',' ? 2 : *p ? 4 : 0; /* ", " or " or " */
    }
    return false;
}

/* Appends s to the list in buf, "A", "A or B", "A, B or C", unless it is there already. */
static void list_add(char *buf, size_t len, const char *s)
{
    if (list_has(buf, s))
        return;
    size_t n = strlen(buf);
    if (!n) {
        snprintf(buf, len, "%s", s);
        return;
    }
    char * or = strstr(buf, " or ");
    if (or &&n + strlen(s) + 3 < len) { /* the former last item is no longer last */
        memmove(or +2, or +4, strlen(or +4) + 1);
        or [0] = ',';
        or [1] = ' ';
        n -= 2;
    }
    snprintf(buf + n, len - n, " or %s", s);
}

struct offer {
    char kx[96], ciphers[128];
    size_t n_suites, n_tls13, n_ecdsa_only, n_rsa_cert;
    bool all_legacy; /* nothing better than weak */
};

static void describe_offer_now(const struct tlsd_client_hello *ch, struct offer *o);

/* The description of recent suite lists, in the analyser's memo: clients repeat their
 * offers. */
#define OFFER_MAX_SUITES 128

void tlsd_diag_memo_init(struct tlsd_analyze_memo *m)
{
    /* Causes by literal, events by ID: a few dozen are used; alerts: every code its own slot. */
    (void)tlsd_memo_init(&m->kb_causes, 32, sizeof(const char *), sizeof(void *));
    (void)tlsd_memo_init(&m->kb_alerts, 256, sizeof(uint32_t), sizeof(void *));
    (void)tlsd_memo_init(&m->kb_events, 32, sizeof(uint32_t), sizeof(void *));
    (void)tlsd_memo_init(&m->offers, 16, OFFER_MAX_SUITES * sizeof(uint32_t), sizeof(struct offer));
}

static void describe_offer(struct tlsd_analyze_memo *memo, const struct tlsd_client_hello *ch,
                           struct offer *o)
{
    size_t bytes = ch->n_suites * sizeof ch->suites[0];
    if (!memo || ch->n_suites == 0 || ch->n_suites > OFFER_MAX_SUITES) {
        describe_offer_now(ch, o);
        return;
    }
    uint64_t h = tlsd_hash_bytes(ch->suites, bytes);
    struct offer *known = tlsd_memo_get(&memo->offers, h, ch->suites, bytes, NULL);
    if (known) {
        *o = *known;
        return;
    }
    describe_offer_now(ch, o);
    struct offer *m = tlsd_memo_put(&memo->offers, h, ch->suites, bytes, sizeof *m);
    if (m)
        *m = *o;
}

static void describe_offer_now(const struct tlsd_client_hello *ch, struct offer *o)
{
    memset(o, 0, sizeof *o);
    o->all_legacy = true;
    for (size_t i = 0; i < ch->n_suites; i++) {
        if (!real_suite(ch->suites[i]))
            continue;
        const struct tlsd_suite *s = tlsd_suite_by_code(ch->suites[i]);
        o->n_suites++;
        if (!s)
            continue;
        if (s->kx == TLSD_KX_ANY) {
            o->n_tls13++;
        } else {
            list_add(o->kx, sizeof o->kx, tlsd_kx_name(s->kx));
        }
        list_add(o->ciphers, sizeof o->ciphers, cipher_family(s->cipher));
        o->n_ecdsa_only += s->cert == TLSD_CERT_ECDSA;
        o->n_rsa_cert += s->cert == TLSD_CERT_RSA;
        if (s->cls >= TLSD_CLASS_SECURE)
            o->all_legacy = false;
    }
}

static void versions_text(const struct tlsd_conn *c, char *buf, size_t len)
{
    char a[24], b[24];
    /* Without supported_versions a hello names only its highest version (RFC 5246 E.1);
     * SSL 3.0 below it is off everywhere, so the highest is what counts. */
    if (c->offered_low == c->offered_high || !tlsd_hello_states_lowest(&c->ch)) {
        const char *v = tlsd_version_label(c->offered_high, a);
        size_t n = strnlen(v, len - 1);
        memcpy(buf, v, n);
        buf[n] = '\0';
    } else
        snprintf(buf, len, "%s to %s", tlsd_version_label(c->offered_low, a),
                 tlsd_version_label(c->offered_high, b));
}

/* The best suites the client offers, best class first then in its order: enabling one
 * of them on the server makes the two meet. */
static void pick_bridges(const struct tlsd_client_hello *ch, struct tlsd_diagnosis *d)
{
    for (int cls = TLSD_CLASS_RECOMMENDED; cls >= TLSD_CLASS_INSECURE; cls--)
        for (size_t i = 0; i < ch->n_suites && d->n_bridges < TLSD_DIAG_MAX_BRIDGES; i++) {
            const struct tlsd_suite *s =
                real_suite(ch->suites[i]) ? tlsd_suite_by_code(ch->suites[i]) : NULL;
            if (s && (int)s->cls == cls && s->kx != TLSD_KX_ANY)
                d->bridges[d->n_bridges++] = s->code;
        }
}

static void bridges_text(struct tlsd_strbuf *b, const struct tlsd_diagnosis *d)
{
    for (size_t i = 0; i < d->n_bridges; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(d->bridges[i]);
        tlsd_sb_printf(b, "%s%s (%s)", i ? ", " : "", s->iana_name, tlsd_class_name(s->cls));
    }
}

/* ---- the rules ---- */

static const char *alert_name(int code)
{
    const struct tlsd_alert *a = tlsd_alert_by_code(code);
    return a ? a->name : "unknown alert";
}

static const struct tlsd_conn_alert *fatal_alert(const struct tlsd_conn *c)
{
    return c->fatal >= 0 ? &c->alerts[c->fatal] : NULL;
}

/* The lowest version the client offers above v (its highest without a list). */
static uint16_t lowest_above(const struct tlsd_conn *c, uint16_t v)
{
    uint16_t best = c->offered_high;
    for (size_t i = 0; c->ch.has_versions && i < c->ch.n_versions; i++) {
        uint16_t x = c->ch.versions[i];
        if (!tlsd_is_grease(x) && x > v && x < best)
            best = x;
    }
    return best;
}

/* The highest version this hello offers at which the server completed handshakes with
 * other clients of the same capture (0 when none): then the version is not why it
 * refused. */
static uint16_t proven_version(const struct tlsd_conn *c, const struct tlsd_server_sum *known)
{
    uint16_t found = 0;
    for (unsigned v = TLSD_SUM_VERSION_BASE; known && v <= c->offered_high; v++) {
        unsigned bit = v - TLSD_SUM_VERSION_BASE;
        bool offered = !tlsd_hello_states_lowest(&c->ch) || v >= c->offered_low;
        if (offered && bit < TLSD_SUM_VERSION_BITS && (known->versions_done >> bit & 1))
            found = (uint16_t)v;
    }
    return found;
}

/* No common protocol version, either direction; true when it applies. */
static bool diag_version(const struct tlsd_conn *c, struct tlsd_diagnosis *d, struct tlsd_strbuf *b,
                         const char *refusal, uint16_t proven)
{
    char vt[64], v1[24], v2[24];
    const struct tlsd_conn_alert *fa = fatal_alert(c);
    versions_text(c, vt, sizeof vt);
    if (fa && fa->side == TLSD_PEER_CLIENT && fa->description == TLSD_ALERT_PROTOCOL_VERSION &&
        c->has_sh) {
        /* The server needs a version the client offers above the one it chose: the
         * lowest of them when the hello lists its versions, else its highest (all the
         * hello says about itself). */
        tlsd_sb_printf(b,
                       "the server chose %s but the client accepts only %s and answered "
                       "protocol_version (70): enable %s on the server or %s on the client",
                       tlsd_version_label(c->sh.version, v1), vt,
                       tlsd_version_label(lowest_above(c, c->sh.version), v2),
                       tlsd_version_label(c->sh.version, v1));
    } else if (fa && fa->side == TLSD_PEER_SERVER &&
               fa->description == TLSD_ALERT_PROTOCOL_VERSION &&
               c->offered_low >= TLSD_VERSION_TLS1_2) {
        /* A current client and an old server: the server needs the client's lowest
         * version, or the client the version below it. */
        bool only13 =
            c->offered_low >= TLSD_VERSION_TLS1_3 && c->offered_low < TLSD_VERSION_DRAFT13_BASE;
        tlsd_sb_printf(b,
                       "the client offers only %s; the server answered protocol_version (70): it "
                       "accepts none of them (an old server): enable %s on the server or %s on "
                       "the client%s",
                       vt, tlsd_version_label(c->offered_low, v1), only13 ? "TLS 1.2" : "TLS 1.0",
                       only13 ? "" : " (TLS 1.0 is deprecated: better update the server)");
    } else if (fa && fa->side == TLSD_PEER_SERVER &&
               fa->description == TLSD_ALERT_PROTOCOL_VERSION &&
               c->offered_high < TLSD_VERSION_TLS1_2) {
        tlsd_sb_printf(b,
                       "the client offers only %s; the server answered protocol_version (70): "
                       "enable TLS 1.2 on the client or %s on the server",
                       vt, tlsd_version_label(c->offered_high, v2));
    } else if (fa && fa->side == TLSD_PEER_SERVER &&
               fa->description == TLSD_ALERT_PROTOCOL_VERSION) {
        /* The range reaches TLS 1.2 and the server takes none of it: it speaks only
         * newer versions (a TLS 1.3-only server, or final TLS 1.3 to a draft client). */
        tlsd_sb_printf(b,
                       "the client offers %s%s; the server answered protocol_version (70): it "
                       "accepts none of them, so it speaks only newer versions (or a middlebox "
                       "answered for it): enable TLS 1.2 on the server or TLS 1.3 (RFC 8446) "
                       "on the client",
                       c->ch.has_versions ? "" : "up to ", vt);
    } else if (c->has_ch && !c->has_sh && c->offered_high < TLSD_VERSION_TLS1_2 && !proven) {
        tlsd_sb_printf(b,
                       "the client offers only %s and the server %s; servers with %s disabled "
                       "refuse it this way: enable TLS 1.2 on the client or %s on the server",
                       vt, refusal, tlsd_version_label(c->offered_high, v1),
                       tlsd_version_label(c->offered_high, v2));
    } else {
        return false;
    }
    add_cause(c->memo, d, "no-common-version");
    add_cause(c->memo, d, "old-client-defaults");
    return true;
}

/* The certificate type: the server's key type (seen in another connection) or an offer
 * that needs one key type only. */
static bool diag_cert_type(const struct tlsd_conn *c, const struct offer *o,
                           const struct tlsd_server_sum *known, struct tlsd_diagnosis *d,
                           struct tlsd_strbuf *b)
{
    if (o->n_tls13 || !o->n_suites)
        return false;
    bool only_ecdsa = o->n_ecdsa_only == o->n_suites, only_rsa = o->n_rsa_cert == o->n_suites;
    if (!only_ecdsa && !only_rsa)
        return false;
    const char *need = only_ecdsa ? "ECDSA" : "RSA", *other = only_ecdsa ? "RSA" : "ECDSA";
    const char *have = known && known->cert_key_type[0] ? known->cert_key_type : NULL;
    if (have && strcmp(have, "EC") == 0)
        have = "ECDSA";
    if (have && strcmp(have, need) == 0)
        return false; /* the certificate fits: something else */
    if (!have && !only_ecdsa)
        return false; /* RSA-only offers usually meet RSA certificates: suites, then */
    if (have)
        tlsd_sb_printf(b,
                       "the server's certificate is %s (seen in another connection) but the "
                       "client offers only suites for %s certificates (%s): ",
                       have, need, only_ecdsa ? "ECDHE_ECDSA" : o->kx);
    else
        tlsd_sb_printf(b,
                       "the client offers only suites for %s certificates (%s); a server whose "
                       "certificate is %s can use none of them: ",
                       need, only_ecdsa ? "ECDHE_ECDSA" : o->kx, other);
    tlsd_sb_printf(b,
                   "give the server a%s %s certificate as well, or enable %s suites on the "
                   "client",
                   only_ecdsa ? "n" : "n", need, only_ecdsa ? "ECDHE_RSA" : "ECDHE_ECDSA");
    (void)c;
    add_cause(c->memo, d, "cert-key-type");
    add_cause(c->memo, d, "no-common-cipher");
    return true;
}

static void diag_suites(const struct tlsd_conn *c, const struct offer *o, struct tlsd_diagnosis *d,
                        struct tlsd_strbuf *b, const char *refusal)
{
    tlsd_sb_printf(b,
                   "no suite in common (the server %s): the client offers only %s key exchange "
                   "with %s",
                   refusal, o->kx[0] ? o->kx : "TLS 1.3", o->ciphers[0] ? o->ciphers : "nothing");
    pick_bridges(&c->ch, d);
    if (d->n_bridges) {
        tlsd_sb_puts(b, "; these suites would bridge them, enabled on the server: ");
        bridges_text(b, d);
        if (o->all_legacy)
            tlsd_sb_puts(b, " (better: update the client so that it offers ECDHE with AES-GCM)");
    }
    add_cause(c->memo, d, "no-common-cipher");
    add_cause(c->memo, d, "cert-key-type");
}

/* A TLS 1.3 suite the client offers that the server chose with other clients. */
static const struct tlsd_suite *shared_tls13_suite(const struct tlsd_conn *c,
                                                   const struct tlsd_server_sum *known)
{
    for (size_t i = 0; known && i < known->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(known->suites[i]);
        for (size_t j = 0; s && s->kx == TLSD_KX_ANY && j < c->ch.n_suites; j++)
            if (c->ch.suites[j] == s->code)
                return s;
    }
    return NULL;
}

static void names16(struct tlsd_strbuf *b, const uint16_t *list, size_t n, bool groups)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (tlsd_is_grease(list[i]))
            continue;
        const char *name = NULL;
        if (groups) {
            const struct tlsd_group *g = tlsd_group_by_code(list[i]);
            name = g ? g->name : NULL;
        } else {
            const struct tlsd_sigscheme *sg = tlsd_sigscheme_by_code(list[i]);
            name = sg ? sg->name : NULL;
        }
        if (name)
            tlsd_sb_printf(b, "%s%s", shown++ ? ", " : "", name);
        else
            tlsd_sb_printf(b, "%s0x%04x", shown++ ? ", " : "", list[i]);
    }
    if (!shown)
        tlsd_sb_puts(b, "none");
}

/* TLS 1.3 (RFC 8446 4.1.1): with a suite in common the server still needs a group of the
 * client's supported_groups ("no suitable key share") and a signature scheme for its
 * certificate among the client's signature_algorithms. Told apart by what the server
 * chose with other clients of the capture. */
static bool diag_tls13_params(const struct tlsd_conn *c, const struct tlsd_server_sum *known,
                              struct tlsd_diagnosis *d, struct tlsd_strbuf *b, const char *refusal)
{
    const struct tlsd_suite *s = shared_tls13_suite(c, known);
    if (!s || !known->n_groups)
        return false;
    uint16_t shared_group = 0;
    for (size_t i = 0; i < known->n_groups && !shared_group; i++)
        if (tlsd_has_u16(c->ch.groups, c->ch.n_groups, known->groups[i]))
            shared_group = known->groups[i];
    tlsd_sb_printf(b,
                   "the suites are not the problem: the client offers %s, which the server "
                   "chose with other clients in this capture; ",
                   s->iana_name);
    if (!shared_group) {
        tlsd_sb_printf(b, "but no suitable key share: the server (which %s) uses ", refusal);
        names16(b, known->groups, known->n_groups, true);
        tlsd_sb_puts(b, " and the client offers only ");
        names16(b, c->ch.groups, c->ch.n_groups, true);
        tlsd_sb_puts(b, " in supported_groups: enable one of the server's groups on the client, "
                        "or one of the client's on the server");
    } else {
        const struct tlsd_group *g = tlsd_group_by_code(shared_group);
        tlsd_sb_printf(b,
                       "nor the group: it offers %s, which the server chose too; so the server "
                       "(which %s) most likely has no signature scheme for its certificate "
                       "among the client's signature_algorithms: ",
                       g ? g->name : "a group", refusal);
        names16(b, c->ch.sigalgs, c->ch.n_sigalgs, false);
        tlsd_sb_puts(b, ": enable the schemes of the server's certificate type on the client "
                        "(rsa_pss_rsae_* for RSA, ecdsa_* for ECDSA), or give the server a "
                        "certificate of a type the client can verify");
    }
    add_cause(c->memo, d, "no-common-group-sigalg");
    return true;
}

/* The server refused the ClientHello itself (alert before its hello, reset, close). */
static void diag_refused_hello(const struct tlsd_conn *c, const struct tlsd_server_sum *known,
                               struct tlsd_diagnosis *d, struct tlsd_strbuf *b, const char *refusal)
{
    struct offer o;
    describe_offer(c->memo, &c->ch, &o);
    uint16_t proven = proven_version(c, known);
    if (diag_version(c, d, b, refusal, proven))
        return;
    if (proven) {
        char v[24];
        tlsd_sb_printf(b,
                       "the server completed %s handshakes with other clients in this capture, "
                       "so the version is not why it refused: ",
                       tlsd_version_label(proven, v));
    }
    if (diag_tls13_params(c, known, d, b, refusal))
        return;
    if (diag_cert_type(c, &o, known, d, b))
        return;
    diag_suites(c, &o, d, b, refusal);
}

static void diag_sni(const struct tlsd_conn *c, struct tlsd_diagnosis *d, struct tlsd_strbuf *b)
{
    if (c->has_ch && c->ch.server_name)
        tlsd_sb_printf(b,
                       "the server has no site for the name '%s' the client asked for (SNI) and "
                       "refused with unrecognized_name (112): connect with a name the server is "
                       "configured for, or add a site and certificate for '%s' on the server",
                       c->ch.server_name, c->ch.server_name);
    else
        tlsd_sb_puts(b, "the client sent no server name (SNI) and the server refused with "
                        "unrecognized_name (112): the server requires a name; configure the "
                        "client with the host name, not an address");
    add_cause(c->memo, d, "sni-unknown");
}

static void cert_text(const struct tlsd_conn *c, struct tlsd_strbuf *b)
{
    if (!c->has_cert || !c->cert->n_certs || !c->cert->certs[0].decoded)
        return;
    const struct tlsd_cert_summary *leaf = &c->cert->certs[0];
    tlsd_sb_printf(b, "; the server sent %zu certificate%s, leaf '%s' issued by '%s'%s",
                   c->cert->n_certs, c->cert->n_certs == 1 ? "" : "s", leaf->subject, leaf->issuer,
                   leaf->self_signed ? " (self-signed)" : "");
}

/* RFC 6125 6.4: a DNS name against a certificate's name, a wildcard standing for the
 * whole left-most label only. */
static bool name_matches(const char *name, const char *pattern)
{
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = strchr(name, '.');
        return dot && dot != name && strcasecmp(dot + 1, pattern + 2) == 0;
    }
    return strcasecmp(name, pattern) == 0;
}

/* True when the leaf names host: a DNS subjectAltName, or without any, the CN. */
static bool cert_names(const struct tlsd_cert_summary *leaf, const char *host)
{
    static const char dns[] = "DNS:";
    bool any_dns = false;
    for (size_t i = 0; i < leaf->n_sans; i++)
        if (strncmp(leaf->sans[i], dns, sizeof dns - 1) == 0) {
            any_dns = true;
            if (name_matches(host, leaf->sans[i] + sizeof dns - 1))
                return true;
        }
    const char *cn = strstr(leaf->subject, "CN=");
    if (any_dns || !cn)
        return false;
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)strcspn(cn + 3, ",/+"), cn + 3);
    return name_matches(host, buf);
}

/* A certificate alert from a client that asked for a name (SNI) the certificate does not
 * hold: the names on both sides. True when it applies. */
static bool diag_name_mismatch(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                               struct tlsd_strbuf *b)
{
    const char *host = c->has_ch ? c->ch.server_name : NULL;
    if (!host || !c->has_cert || !c->cert->n_certs || !c->cert->certs[0].decoded)
        return false;
    const struct tlsd_cert_summary *leaf = &c->cert->certs[0];
    if (cert_names(leaf, host))
        return false;
    tlsd_sb_printf(b,
                   ": host name mismatch: the client asked for '%s' (SNI) but the server's "
                   "certificate '%s' names ",
                   host, leaf->subject);
    size_t shown = 0;
    for (size_t i = 0; i < leaf->n_sans; i++)
        tlsd_sb_printf(b, "%s%s", shown++ ? ", " : "", leaf->sans[i]);
    if (!shown)
        tlsd_sb_puts(b, "no subjectAltName");
    tlsd_sb_printf(b,
                   ": give the server a certificate for '%s' (or configure the site for that "
                   "name), or connect with a name the certificate holds",
                   host);
    add_cause(c->memo, d, "name-mismatch");
    add_cause(c->memo, d, "sni-unknown");
    return true;
}

static void diag_client_alert(const struct tlsd_conn *c, const struct tlsd_conn_alert *fa,
                              struct tlsd_diagnosis *d, struct tlsd_strbuf *b)
{
    if (fa->description < 0) {
        tlsd_sb_puts(b, "the client ended the TLS 1.3 handshake with an encrypted alert right "
                        "after the server's certificate: most often it does not trust the "
                        "certificate (unknown CA, wrong name, expired)");
        add_cause(c->memo, d, "untrusted-ca");
        add_cause(c->memo, d, "name-mismatch");
        add_cause(c->memo, d, "cert-expired");
        return;
    }
    int code = fa->description;
    tlsd_sb_printf(b, "the client refused with %s (%d)", alert_name(code), code);
    bool cert_alert = code >= TLSD_ALERT_BAD_CERTIFICATE && code <= TLSD_ALERT_ACCESS_DENIED &&
                      code != TLSD_ALERT_ILLEGAL_PARAMETER;
    if (cert_alert && diag_name_mismatch(c, d, b))
        return;
    if (cert_alert)
        tlsd_sb_puts(b, ": it does not accept the server's certificate");
    cert_text(c, b);
    if (code == TLSD_ALERT_UNKNOWN_CA)
        tlsd_sb_puts(b, ": install the issuing CA in the client's trust store, or give the "
                        "server a certificate from a CA the client trusts (with its "
                        "intermediates)");
    add_alert_causes(c->memo, d, code);
}

/* "a (1), b (2) or c (3)" from the registry's names. */
static void alerts_text(struct tlsd_strbuf *b, const int *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tlsd_sb_printf(b, "%s%s (%d)",
                       i == 0       ? ""
                       : i + 1 == n ? " or "
                                    : ", ",
                       alert_name(codes[i]), codes[i]);
}

/* TLS 1.3: the server answered the client's Finished with one alert-sized encrypted
 * record and closed. Its code is encrypted; the client's flight (RFC 8446 4.4.2: an
 * empty Certificate answers a CertificateRequest when the client has none) tells which
 * refusal it most likely is. */
static void diag_refused_finished(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                                  struct tlsd_strbuf *b)
{
    static const int none[] = {TLSD_ALERT_CERTIFICATE_REQUIRED};
    static const int sent[] = {TLSD_ALERT_UNKNOWN_CA, TLSD_ALERT_BAD_CERTIFICATE,
                               TLSD_ALERT_CERTIFICATE_EXPIRED};
    static const int any[] = {TLSD_ALERT_CERTIFICATE_REQUIRED, TLSD_ALERT_BAD_CERTIFICATE,
                              TLSD_ALERT_UNKNOWN_CA};
    tlsd_sb_puts(b, "the server refused the client's Finished: it answered with one short "
                    "encrypted record, the size of an alert, and closed, without a session "
                    "ticket or data; most likely ");
    if (c->client_cert == 0) {
        alerts_text(b, none, sizeof none / sizeof none[0]);
        tlsd_sb_puts(b, ": the server sent a CertificateRequest (the client's empty Certificate "
                        "answers one) and the client had no certificate: configure the client "
                        "with a certificate the server accepts, or stop requiring one");
    } else if (c->client_cert == 1) {
        alerts_text(b, sent, sizeof sent / sizeof sent[0]);
        tlsd_sb_puts(b, ": the server sent a CertificateRequest, the client sent a certificate "
                        "and the server did not accept it: make the server trust the issuer of "
                        "the client's certificate, or give the client one from a CA it trusts");
        add_cause(c->memo, d, "untrusted-ca");
    } else {
        alerts_text(b, any, sizeof any / sizeof any[0]);
        tlsd_sb_puts(b, ": a client certificate the server requires and did not get, or does "
                        "not trust");
    }
    add_cause(c->memo, d, "client-cert");
}

/* The client sent its ClientHello again after the server's hello (RFC 8446 4.1.2 allows a
 * second one only after a HelloRetryRequest); the server refused it, in TLS 1.3 with an
 * alert encrypted under its handshake keys. */
static void diag_dup_hello(const struct tlsd_conn *c, int code, struct tlsd_diagnosis *d,
                           struct tlsd_strbuf *b)
{
    static const int likely[] = {TLSD_ALERT_UNEXPECTED_MESSAGE};
    tlsd_sb_printf(b,
                   "the client sent its ClientHello again (frame %" PRIu64 ") after the "
                   "server's hello, where it should have gone on with the handshake; the "
                   "server refused it ",
                   c->dup_hello_frame);
    if (code < 0) {
        tlsd_sb_puts(b, "with one short encrypted record, the size of an alert, and closed; most "
                        "likely ");
        alerts_text(b, likely, sizeof likely / sizeof likely[0]);
    } else {
        tlsd_sb_printf(b, "with %s (%d)", alert_name(code), code);
        if (c->decrypted)
            tlsd_sb_puts(b, " (read with the key log)");
    }
    if (c->has_sh && tlsd_version_is_tls13(c->sh.version))
        tlsd_sb_puts(b, ": the client's TLS 1.3 is faulty, or something between the two "
                        "replayed its hello; update the client, or have it offer TLS 1.2 at most");
    else
        tlsd_sb_puts(b, ": the client's TLS stack is faulty, or something between the two "
                        "replayed its hello; update the client");
    add_cause(c->memo, d, "implementation-bug");
}

static void diag_server_alert(const struct tlsd_conn *c, const struct tlsd_conn_alert *fa,
                              const struct tlsd_server_sum *known, struct tlsd_diagnosis *d,
                              struct tlsd_strbuf *b)
{
    int code = fa->description;
    char refusal[64];
    snprintf(refusal, sizeof refusal, "answered %s (%d)", alert_name(code), code);
    if (code == TLSD_ALERT_UNRECOGNIZED_NAME) {
        diag_sni(c, d, b);
    } else if (c->has_ch && !c->has_sh &&
               (code == TLSD_ALERT_HANDSHAKE_FAILURE || code == TLSD_ALERT_PROTOCOL_VERSION ||
                code == TLSD_ALERT_INSUFFICIENT_SECURITY)) {
        diag_refused_hello(c, known, d, b, refusal);
    } else if (c->dup_hello_frame && (code < 0 || code == TLSD_ALERT_UNEXPECTED_MESSAGE)) {
        diag_dup_hello(c, code, d, b);
        return;
    } else if (code < 0 && c->alert_after_finished) {
        diag_refused_finished(c, d, b);
    } else if (code < 0) {
        tlsd_sb_puts(b, "the server ended the handshake with an encrypted alert");
        add_cause(c->memo, d, "client-cert");
    } else {
        /* The registry's description, a sentence of its own, follows in lower case
         * without its final full stop. */
        const struct tlsd_alert *a = tlsd_alert_by_code(code);
        const char *desc = a && a->description ? a->description : "";
        size_t n = strlen(desc);
        n -= n && desc[n - 1] == '.';
        tlsd_sb_printf(b, "the server refused with %s (%d)", alert_name(code), code);
        if (n)
            tlsd_sb_printf(b, ": %c%.*s", tolower((unsigned char)desc[0]), (int)n - 1, desc + 1);
        if (c->has_sh && code == TLSD_ALERT_HANDSHAKE_FAILURE)
            tlsd_sb_puts(b, " (after its own hello: often a client certificate it required "
                            "and did not get)");
        if (c->cert_requested)
            tlsd_sb_printf(b, "; it had sent a CertificateRequest and the client answered %s",
                           c->client_cert == 1   ? "with a certificate"
                           : c->client_cert == 0 ? "without one"
                                                 : "(not seen)");
        if (c->decrypted)
            tlsd_sb_puts(b, " (read with the key log)");
    }
    add_alert_causes(c->memo, d, code);
}

/* The side's first line, printable ASCII only ('.' for other bytes); line ends before any
 * other byte are shown as \r and \n. */
static void printable_head(const struct tlsd_conn *c, enum tlsd_peer side, char *out, size_t len)
{
    size_t n = 0;
    const uint8_t *h = c->head[side];
    bool text = false;
    for (size_t i = 0; i < c->head_len[side] && n + 3 < len; i++) {
        bool eol = h[i] == '\r' || h[i] == '\n';
        if (eol && text)
            break;
        if (eol) {
            out[n++] = '\\';
            out[n++] = h[i] == '\r' ? 'r' : 'n';
            continue;
        }
        text = true;
        out[n++] = h[i] >= 0x20 && h[i] < 0x7f ? (char)h[i] : '.';
    }
    out[n] = '\0';
}

int tlsd_conn_ended_first(const struct tlsd_conn *c)
{
    uint64_t end[2];
    for (int s = 0; s < 2; s++) {
        uint64_t f = c->fin_frame[s], r = c->rst_frame[s];
        end[s] = f && r ? (f < r ? f : r) : f ? f : r;
    }
    if (!end[TLSD_PEER_CLIENT] && !end[TLSD_PEER_SERVER])
        return -1;
    if (!end[TLSD_PEER_CLIENT])
        return TLSD_PEER_SERVER;
    if (!end[TLSD_PEER_SERVER])
        return TLSD_PEER_CLIENT;
    return end[TLSD_PEER_CLIENT] < end[TLSD_PEER_SERVER] ? TLSD_PEER_CLIENT : TLSD_PEER_SERVER;
}

bool tlsd_plain_text_port(uint16_t port)
{
    static const uint16_t ports[] = {21, 23, 25, 80, 110, 143, 389, 3306, 5432, 8000, 8080};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/* ---- failures before TLS, told from TCP ---- */

/* The diagnosis texts name no count or time of their own connection (the tcp line and
 * JSON give them), so that the same failure groups under one diagnosis in the summary. */

static void diag_tcp_refused(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                             struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b,
                   "the server %s reset the TCP connection to port %u in answer to the SYN: "
                   "nothing listens on that port, or a firewall rejects the connection; on the "
                   "server check what listens (Windows: netstat -ano | findstr :%u; Linux: ss "
                   "-ltnp) and its firewall rules",
                   c->server, c->server_port, c->server_port);
    add_cause(c->memo, d, "port-closed");
}

static void diag_tcp_no_answer(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                               struct tlsd_strbuf *b)
{
    if (c->syns > 1)
        tlsd_sb_printf(b, "the client's SYN to %s port %u and its retransmissions went unanswered",
                       c->server, c->server_port);
    else
        tlsd_sb_printf(b,
                       "the client's SYN to %s port %u was not answered, nor retransmitted in "
                       "the capture (the client gave up at once, or the capture ends too soon "
                       "to tell)",
                       c->server, c->server_port);
    tlsd_sb_printf(b,
                   ": the connection is filtered (a firewall drops it), the address is wrong, or "
                   "the server is down; from the client check: Test-NetConnection %s -Port %u "
                   "(Windows) or tlsdiag connect %s:%u, then the firewalls between the two hosts",
                   c->server, c->server_port, c->server, c->server_port);
    add_cause(c->memo, d, "port-closed");
    add_cause(c->memo, d, "middlebox");
}

static void diag_no_client_hello(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                                 struct tlsd_strbuf *b)
{
    char head[64];
    if (c->head_len[TLSD_PEER_CLIENT]) {
        printable_head(c, TLSD_PEER_CLIENT, head, sizeof head);
        tlsd_sb_printf(b,
                       "the client spoke another protocol on port %u, not TLS ('%s'): it is set "
                       "up for plain text (or STARTTLS) on a TLS port; enable TLS (SSL) in the "
                       "client, or point it at the plain-text port",
                       c->server_port, head);
        add_cause(c->memo, d, "not-tls");
        return;
    }
    int ended = tlsd_conn_ended_first(c);
    tlsd_sb_puts(b, "the TCP connection was made");
    if (ended >= 0 && c->end_ts[ended] && c->answer_ts && c->end_ts[ended] >= c->answer_ts)
        tlsd_sb_printf(b, " but the client sent nothing: the %s %s the connection",
                       tlsd_peer_name(ended), c->rst_frame[ended] ? "reset" : "closed");
    else
        tlsd_sb_puts(b, " but the client sent nothing in the capture");
    tlsd_sb_puts(b, "; the client never sent a ClientHello: a TCP health check or port probe, "
                    "a browser's unused preconnection, a client waiting for the server to speak "
                    "first, or one set up for STARTTLS or plain text; check the client's TLS "
                    "(SSL) setting and port");
    add_cause(c->memo, d, "client-silent");
}

/* The STARTTLS protocol a server's greeting names, or NULL: SMTP and FTP greet with 220
 * (RFC 5321 4.2, RFC 959 5.4) and say which in the text by custom, POP3 with "+OK" (RFC
 * 1939 4), IMAP with "* OK" (RFC 9051 7.1). */
static const char *greeting_protocol(const uint8_t *head, size_t len)
{
    char text[49];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, head, n);
    text[n] = '\0';
    if (strncmp(text, "+OK", 3) == 0)
        return tlsd_starttls_name(TLSD_STARTTLS_POP3);
    if (strncmp(text, "* OK", 4) == 0)
        return tlsd_starttls_name(TLSD_STARTTLS_IMAP);
    if (strncmp(text, "220", 3) != 0)
        return NULL;
    if (strstr(text, "SMTP") || strstr(text, "smtp"))
        return tlsd_starttls_name(TLSD_STARTTLS_SMTP);
    if (strstr(text, "FTP") || strstr(text, "ftp"))
        return tlsd_starttls_name(TLSD_STARTTLS_FTP);
    return NULL;
}

static void diag_server_spoke_first(const struct tlsd_conn *c, struct tlsd_diagnosis *d,
                                    struct tlsd_strbuf *b)
{
    char head[64];
    printable_head(c, TLSD_PEER_SERVER, head, sizeof head);
    const char *proto = greeting_protocol(c->head[TLSD_PEER_SERVER], c->head_len[TLSD_PEER_SERVER]);
    tlsd_sb_printf(b,
                   "the server spoke first on port %u ('%s') before any ClientHello: a "
                   "plain-text service (SMTP, FTP, POP3, IMAP and the like: STARTTLS first) or "
                   "not the service the client wants; point the client at the TLS port, or use "
                   "STARTTLS (tlsdiag connect %s:%u --starttls %s)",
                   c->server_port, head, c->server, c->server_port, proto ? proto : "PROTO");
    add_cause(c->memo, d, "not-tls");
}

/* A connection one of the analyser's caps cut short (docs/limits.md): what is missing was
 * given up to bound memory, not lost on the wire, so nothing is said about the peers. */
static void diag_limit(const struct tlsd_conn *c, struct tlsd_strbuf *b)
{
    tlsd_sb_puts(b, "not analysed to the end: ");
    switch (c->limit) {
    case TLSD_TCP_LIMIT_FLOWS:
        tlsd_sb_puts(b, "more TCP connections were open at once than tlsdiag tracks, and this "
                        "one, the least recently active, was given up; raise --max-flows to see "
                        "how it ended");
        break;
    case TLSD_TCP_LIMIT_BUFFER:
        tlsd_sb_puts(b, "the memory kept for connections not yet decided reached its cap, and "
                        "this one, the least recently active of them, was given up; raise "
                        "--max-buffer to see how it ended");
        break;
    default:
        tlsd_sb_puts(b, "more bytes came out of order in one direction than tlsdiag keeps while "
                        "it waits for the missing ones, and those were given up; raise "
                        "--max-flow-buffer to see how it ended");
        break;
    }
}

static void diag_failure(const struct tlsd_conn *c, const struct tlsd_server_sum *known,
                         struct tlsd_diagnosis *d, struct tlsd_strbuf *b)
{
    const struct tlsd_conn_alert *fa = fatal_alert(c);
    char head[64];
    switch (c->outcome) {
    case TLSD_OUTCOME_SERVER_ALERT:
        diag_server_alert(c, fa, known, d, b);
        alert_events(c->memo, d, TLSD_PEER_SERVER, fa->description);
        break;
    case TLSD_OUTCOME_CLIENT_ALERT:
        if (fa->description == TLSD_ALERT_PROTOCOL_VERSION && diag_version(c, d, b, "", 0))
            ;
        else
            diag_client_alert(c, fa, d, b);
        alert_events(c->memo, d, TLSD_PEER_CLIENT, fa->description);
        break;
    case TLSD_OUTCOME_RESET_AFTER_HELLO:
    case TLSD_OUTCOME_CLOSE_AFTER_HELLO: {
        bool rst = c->outcome == TLSD_OUTCOME_RESET_AFTER_HELLO;
        tlsd_sb_printf(b,
                       "the server %s the connection right after the ClientHello, without an "
                       "alert: Windows (Schannel) does this when nothing in the hello matches; ",
                       rst ? "reset" : "closed");
        diag_refused_hello(c, known, d, b, rst ? "reset the connection" : "closed the connection");
        if (tlsd_plain_text_port(c->server_port)) {
            tlsd_sb_printf(b,
                           "; or port %u is a plain-text service (TLS usually lives on "
                           "another port): check the port the client uses",
                           c->server_port);
            add_cause(c->memo, d, "not-tls");
        }
        add_event(c->memo, d, TLSD_EVENT_NO_COMMON_CIPHER, -1, TLSD_PEER_SERVER);
        add_event(c->memo, d, TLSD_EVENT_FATAL_ALERT_GENERATED, TLSD_ALERT_HANDSHAKE_FAILURE,
                  TLSD_PEER_SERVER);
        add_cause(c->memo, d, "connection-dropped");
        break;
    }
    case TLSD_OUTCOME_NOT_TLS:
        printable_head(c, TLSD_PEER_SERVER, head, sizeof head);
        tlsd_sb_printf(b,
                       "the server does not speak TLS on port %u: it answered in plain text "
                       "('%s'): connect to the service's TLS port, or enable TLS on this one",
                       c->server_port, head);
        add_cause(c->memo, d, "not-tls");
        break;
    case TLSD_OUTCOME_NO_ANSWER:
        tlsd_sb_puts(b, "the server never answered the ClientHello (");
        if (c->end_ts[TLSD_PEER_CLIENT] && c->ch_ts && c->end_ts[TLSD_PEER_CLIENT] >= c->ch_ts)
            tlsd_sb_printf(b, "the client gave up after %.1f s",
                           (double)(c->end_ts[TLSD_PEER_CLIENT] - c->ch_ts) / USEC_PER_SEC);
        else
            tlsd_sb_puts(b, c->fin_frame[TLSD_PEER_CLIENT] || c->rst_frame[TLSD_PEER_CLIENT]
                                ? "the client gave up"
                                : "silence until the capture ends");
        tlsd_sb_puts(b, "): a firewall or proxy dropping it, or a server that waits for "
                        "something else");
        add_cause(c->memo, d, "middlebox");
        add_cause(c->memo, d, "handshake-cancelled");
        break;
    case TLSD_OUTCOME_TCP_REFUSED:
        diag_tcp_refused(c, d, b);
        break;
    case TLSD_OUTCOME_TCP_NO_ANSWER:
        diag_tcp_no_answer(c, d, b);
        break;
    case TLSD_OUTCOME_NO_CLIENT_HELLO:
        diag_no_client_hello(c, d, b);
        break;
    case TLSD_OUTCOME_SERVER_SPOKE_FIRST:
        diag_server_spoke_first(c, d, b);
        break;
    case TLSD_OUTCOME_ABORTED: {
        int ended = tlsd_conn_ended_first(c);
        enum tlsd_peer first = ended < 0 ? TLSD_PEER_SERVER : (enum tlsd_peer)ended;
        tlsd_sb_printf(b, "the %s %s the connection during the handshake without a TLS alert",
                       tlsd_peer_name(first), c->rst_frame[first] ? "reset" : "closed");
        add_cause(c->memo, d, "connection-dropped");
        add_cause(c->memo, d, "middlebox");
        break;
    }
    default:
        if (c->limit != TLSD_TCP_LIMIT_NONE)
            diag_limit(c, b);
        else
            tlsd_sb_puts(b, "the capture does not hold the whole handshake (it started late, "
                            "lost packets or ended early)");
        break;
    }
}

static void diag_success(const struct tlsd_conn *c, struct tlsd_strbuf *b)
{
    char buf[24];
    if (!c->has_sh) {
        if (c->ssl2_server_hello) /* RFC 6176: SSL 2.0 must never be negotiated */
            tlsd_sb_puts(b, "negotiated SSL 2.0 (insecure, prohibited by RFC 6176): it works, but "
                            "turn SSL 2.0 off on both sides and use TLS 1.2 or later");
        return;
    }
    const struct tlsd_suite *s = tlsd_suite_by_code(c->sh.suite);
    const struct tlsd_version *ver = tlsd_version_by_code(c->sh.version);
    const char *v = tlsd_version_label(c->sh.version, buf);
    tlsd_sb_printf(b, "negotiated %s with %s (%s)", v, s ? s->iana_name : "an unknown suite",
                   s ? tlsd_class_name(s->cls) : "unknown");
    bool weak_suite = s && s->cls < TLSD_CLASS_SECURE;
    bool draft = c->sh.version >= TLSD_VERSION_DRAFT13_BASE;
    bool weak_version = !draft && ver && ver->cls < TLSD_CLASS_SECURE;
    if (draft)
        tlsd_sb_printf(b,
                       ": it works, but %s is a pre-standard draft; update both sides to "
                       "TLS 1.3 (RFC 8446)",
                       v);
    else if (weak_suite && weak_version)
        tlsd_sb_printf(b,
                       ": it works, but the suite is %s and %s is %s; enable TLS 1.2 and a "
                       "better suite on both sides",
                       tlsd_class_name(s->cls), v, tlsd_class_name(ver->cls));
    else if (weak_suite)
        tlsd_sb_printf(b, ": it works, but the suite is %s; enable a better one on both sides",
                       tlsd_class_name(s->cls));
    else if (weak_version)
        tlsd_sb_printf(b, ": it works, but %s is %s; enable TLS 1.2 or later on both sides", v,
                       tlsd_class_name(ver->cls));
}

/* Diagnosis texts run to a few hundred bytes: room for them from the start, instead of
 * three reallocations and a second formatting pass of each piece that did not fit. */
#define DIAG_TEXT_ROOM 1024

void tlsd_diagnose(struct tlsd_conn *c, const struct tlsd_server_sum *known)
{
    struct tlsd_diagnosis *d = &c->diag;
    tlsd_diagnosis_free(d);
    struct tlsd_strbuf b = {0};
    if ((b.s = malloc(DIAG_TEXT_ROOM)) != NULL) {
        b.cap = DIAG_TEXT_ROOM;
        b.s[0] = '\0';
    }
    if (c->outcome == TLSD_OUTCOME_SUCCESS)
        diag_success(c, &b);
    else
        diag_failure(c, known, d, &b);
    d->text = tlsd_sb_take(&b);
}
