/* Negotiation models (server side decides; the client accepts or refuses).
 *
 * Version: RFC 8446 4.2.1 (supported_versions, highest common) for TLS 1.3-capable
 * pairs; otherwise RFC 5246 E.1: the server answers with the highest version it
 * supports that is not above the client's legacy_version.
 * Suite: the first suite in the preferred side's list that the other side offers and
 * that is usable at the chosen version with a server certificate (RFC 5246 7.4.2),
 * a common group (RFC 8422 5.1) and an acceptable signature scheme (RFC 5246
 * 7.4.1.4.1, RFC 8446 4.2.3). Schannel follows its own order and resets the connection
 * when nothing matches (windows_notes.md 1). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "registry/codes_internal.h"
#include "tlsdiag/explain_codes.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */
#include "windows/winreg_internal.h"

static const char *const fail_names[][2] = {
    {"ok", "handshake succeeds"},
    {"no-common-version", "no common protocol version"},
    {"no-common-suite", "no common cipher suite"},
    {"certificate-type", "no common suite fits the server certificate"},
    {"no-common-group", "no common key exchange group"},
    {"signature-scheme", "no signature scheme the client accepts for the server certificate"},
    {"client-refuses", "the client refuses the server's choice"},
    {"renegotiation-info", "the server requires secure renegotiation signalling (RFC 5746)"},
    {"bad-hello", "the server rejects the ClientHello as malformed"},
};

const char *tlsd_fail_class_name(enum tlsd_fail_class c)
{
    return (size_t)c < sizeof fail_names / sizeof fail_names[0] ? fail_names[c][0] : "?";
}

const char *tlsd_fail_class_text(enum tlsd_fail_class c)
{
    return (size_t)c < sizeof fail_names / sizeof fail_names[0] ? fail_names[c][1] : "?";
}

enum tlsd_conn_outcome tlsd_outcome_ending(const struct tlsd_outcome *o)
{
    if (o->ok)
        return TLSD_OUTCOME_SUCCESS;
    if (o->reset)
        return TLSD_OUTCOME_RESET_AFTER_HELLO;
    return o->alert_from_client ? TLSD_OUTCOME_CLIENT_ALERT : TLSD_OUTCOME_SERVER_ALERT;
}

/* ---- versions ---------------------------------------------------------------- */

static uint16_t server_choice_legacy(const struct tlsd_profile *c, const struct tlsd_profile *s)
{
    uint16_t cmax = tlsd_versions_max(c->versions & ~TLSD_V_TLS13);
    for (uint16_t v = cmax; v >= TLSD_VERSION_SSL3; v--)
        if (s->versions & tlsd_version_bit(v))
            return v;
    if ((c->versions & TLSD_V_SSL2) && (s->versions & TLSD_V_SSL2))
        return TLSD_VERSION_SSL2;
    return 0;
}

/* OpenSSL 1.1.1 and 3 read a client's supported_versions whatever versions the server
 * has enabled (ssl/statem/statem_lib.c ssl_choose_server_version): a server that stops
 * at TLS 1.1 still answers from that list, and when nothing on it is enabled it sends
 * protocol_version itself, before any ServerHello. */
static bool reads_supported_versions(const struct tlsd_profile *s)
{
    return (s->versions & TLSD_V_TLS13) || s->impl == TLSD_IMPL_OPENSSL;
}

/* 0 when the server finds no version it can answer with. */
static uint16_t choose_version(const struct tlsd_profile *c, const struct tlsd_profile *s)
{
    if (c->supported_versions_ext && reads_supported_versions(s))
        return tlsd_versions_max(c->versions & s->versions);
    return server_choice_legacy(c, s);
}

/* ---- certificates, groups, signature schemes --------------------------------- */

static bool is_ec_group(uint16_t g)
{
    const struct tlsd_group *r = tlsd_group_by_code(g);
    return r && (r->kind == TLSD_GROUP_KIND_EC || r->kind == TLSD_GROUP_KIND_ECX);
}

/* RFC 8446 4.2.7: the groups TLS 1.3 allows (the registry's tls13 column). */
static bool is_tls13_group(uint16_t g)
{
    const struct tlsd_group *r = tlsd_group_by_code(g);
    return r && r->tls13;
}

/* The ECDHE group for TLS <= 1.2: RFC 8422 5.1 — without a supported_groups
 * extension the server may pick any curve (its first). */
/* OpenSSL 1.1.0 and later find no shared curve when the client sent no supported_groups
 * (ssl/t1_lib.c tls1_shared_group reads only the client's list), so they skip every
 * ECDHE suite for such a hello; RFC 8422 5.1 would let them pick any curve. */
static bool needs_client_groups(const struct tlsd_profile *s)
{
    return s->impl == TLSD_IMPL_OPENSSL;
}

/* The groups the server's registry list gave suite `code` before Windows 10
 * (tlsd_windows_listed_groups); none: any of its groups. */
struct listed {
    uint16_t g[TLSD_WINDOWS_MAX_SUFFIXES];
    size_t n;
};

static struct listed listed_curves(const struct tlsd_profile *s, uint32_t code)
{
    struct listed l = {.n = 0};
    for (size_t i = 0; s->impl == TLSD_IMPL_SCHANNEL && i < s->n_suites; i++)
        if (s->suites[i] == code) {
            if (s->suite_curves[i]) /* only then is the release looked up */
                l.n = tlsd_windows_listed_groups(s, i, l.g);
            break;
        }
    return l;
}

static bool curve_listed(const struct listed *l, uint16_t g)
{
    return !l->n || tlsd_has_u16(l->g, l->n, g);
}

static uint16_t choose_ec_group(const struct tlsd_profile *c, const struct tlsd_profile *s,
                                bool server_order, const struct listed *curves)
{
    if (!(c->flags & TLSD_PF_SENDS_GROUPS) && needs_client_groups(s))
        return 0;
    if (!(c->flags & TLSD_PF_SENDS_GROUPS)) {
        for (size_t i = 0; i < s->n_groups; i++)
            if (is_ec_group(s->groups[i]) && curve_listed(curves, s->groups[i]))
                return s->groups[i];
        return 0;
    }
    const struct tlsd_profile *a = server_order ? s : c, *b = server_order ? c : s;
    for (size_t i = 0; i < a->n_groups; i++)
        if (is_ec_group(a->groups[i]) && tlsd_has_u16(b->groups, b->n_groups, a->groups[i]) &&
            curve_listed(curves, a->groups[i]))
            return a->groups[i];
    return 0;
}

/* A certificate key of this type signs with the scheme's algorithm (RSASSA-PSS keys,
 * rsa_pss_pss_*, are not configured on our servers). */
static bool key_signs_with(const struct tlsd_cert_key *k, const struct tlsd_sigscheme *sc)
{
    switch (sc->signature) {
    case TLSD_SIG_ALG_RSA_PKCS1:
    case TLSD_SIG_ALG_RSA_PSS_RSAE:
        return k->type == TLSD_KEY_RSA;
    case TLSD_SIG_ALG_ECDSA:
        return k->type == TLSD_KEY_ECDSA;
    case TLSD_SIG_ALG_DSA:
        return k->type == TLSD_KEY_DSA;
    case TLSD_SIG_ALG_ED25519:
        return k->type == TLSD_KEY_ED25519;
    case TLSD_SIG_ALG_ED448:
        return k->type == TLSD_KEY_ED448;
    default:
        return false;
    }
}

static bool sig_for_key_12(const struct tlsd_profile *c, const struct tlsd_cert_key *k)
{
    /* RFC 5246 7.4.1.4.1: no signature_algorithms = {sha1,rsa}/{sha1,ecdsa} assumed. */
    if (!(c->flags & TLSD_PF_SENDS_SIGALGS) || c->n_sigalgs == 0)
        return true;
    for (size_t i = 0; i < c->n_sigalgs; i++) {
        const struct tlsd_sigscheme *sc = tlsd_sigscheme_by_code(c->sigalgs[i]);
        if (sc && key_signs_with(k, sc))
            return true;
    }
    return false;
}

/* RFC 8446 4.2.3: the scheme a TLS 1.3 server s signs with for key k, 0 when none: the
 * client's first that fits the key and that s signs with (when s's list is known). */
static uint16_t sig_for_key_13(const struct tlsd_profile *c, const struct tlsd_profile *s,
                               const struct tlsd_cert_key *k)
{
    for (size_t i = 0; i < c->n_sigalgs; i++) {
        uint16_t a = c->sigalgs[i];
        const struct tlsd_sigscheme *sc = tlsd_sigscheme_by_code(a);
        if (!sc || !sc->tls13 || !tlsd_profile_signs13(s, a) || !key_signs_with(k, sc) ||
            sc->signature == TLSD_SIG_ALG_RSA_PKCS1) /* RFC 8446 4.2.3: PKCS#1 not in 1.3 */
            continue;
        /* an ECDSA scheme names the curve its key is on (RFC 8446 4.2.3) */
        if (sc->signature != TLSD_SIG_ALG_ECDSA ||
            (k->curve == TLSD_GROUP_SECP256R1 && a == TLSD_SIGSCHEME_ECDSA_SECP256R1_SHA256) ||
            (k->curve == TLSD_GROUP_SECP384R1 && a == TLSD_SIGSCHEME_ECDSA_SECP384R1_SHA384) ||
            (k->curve == TLSD_GROUP_SECP521R1 && a == TLSD_SIGSCHEME_ECDSA_SECP521R1_SHA512))
            return a;
    }
    return 0;
}

/* The client can use the ECDSA certificate k's curve (RFC 8422 5.1: one its
 * supported_groups names; no extension: any). True for other keys. */
static bool cert_curve_named(const struct tlsd_profile *c, const struct tlsd_cert_key *k)
{
    return k->type != TLSD_KEY_ECDSA || !(c->flags & TLSD_PF_SENDS_GROUPS) ||
           tlsd_has_u16(c->groups, c->n_groups, k->curve);
}

static bool cert_fits_suite(const struct tlsd_cert_key *k, const struct tlsd_suite *s)
{
    /* anon, PSK, SRP, static DH/ECDH, GOST: not configured on our servers */
    enum tlsd_key_type need = tlsd_key_type_of_cert_kind(s->cert);
    return need != TLSD_KEY_NONE && k->type == need;
}

/* Why suite s cannot be used (TLSD_FAIL_NONE when it can); fills cert/group. */
static enum tlsd_fail_class suite_check(const struct tlsd_profile *c, const struct tlsd_profile *s,
                                        const struct tlsd_suite *st, uint16_t v, bool server_order,
                                        int *cert, uint16_t *group)
{
    *cert = -1;
    *group = 0;
    if (!tlsd_suite_usable_at(st, v) || st->status == TLSD_STATUS_SCSV)
        return TLSD_FAIL_SUITE;
    enum tlsd_fail_class why = TLSD_FAIL_CERT;
    bool ecdhe = st->kx == TLSD_KX_ECDHE;
    for (size_t i = 0; i < s->n_certs; i++) {
        const struct tlsd_cert_key *k = &s->certs[i];
        if (!cert_fits_suite(k, st))
            continue;
        bool signs = st->kx != TLSD_KX_RSA;
        if (signs && v >= TLSD_VERSION_TLS1_2 && !sig_for_key_12(c, k)) {
            why = TLSD_FAIL_SIGSCHEME;
            continue;
        }
        /* RFC 8422 5.1: an ECDSA certificate's curve must be one the client named
         * (GnuTLS does not check: the client is left to refuse, client_refuses). */
        if (!cert_curve_named(c, k) && s->impl != TLSD_IMPL_GNUTLS) {
            why = TLSD_FAIL_GROUP;
            continue;
        }
        if (ecdhe) {
            struct listed curves = listed_curves(s, st->code);
            *group = choose_ec_group(c, s, server_order, &curves);
            if (!*group) {
                why = TLSD_FAIL_GROUP;
                continue;
            }
        }
        *cert = (int)i;
        return TLSD_FAIL_NONE;
    }
    return why;
}

/* ---- suite choice ------------------------------------------------------------- */

/* The client's most preferred suite that is valid at version v (OpenSSL skips the
 * others before looking for ChaCha20, ssl/s3_lib.c ssl3_choose_cipher). */
static uint32_t first_suite_at(const struct tlsd_profile *c, uint16_t v)
{
    for (size_t i = 0; i < c->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(c->suites[i]);
        if (s && s->status != TLSD_STATUS_SCSV && tlsd_suite_usable_at(s, v))
            return c->suites[i];
    }
    return 0;
}

static bool chacha_first(const struct tlsd_profile *c, const struct tlsd_profile *s, uint16_t v)
{
    return tlsd_profile_pref(s) == TLSD_PREF_SERVER && (s->flags & TLSD_PF_PRIORITIZE_CHACHA) &&
           tlsd_suite_cipher_is(first_suite_at(c, v), TLSD_CIPHERF_CHACHA20);
}

struct pick {
    uint32_t suite;
    int cert;
    uint16_t group;
    enum tlsd_fail_class best_why; /* most specific reason a common suite failed */
    bool overlap;                  /* some suite is on both lists */
};

static void consider(const struct tlsd_profile *c, const struct tlsd_profile *s, uint32_t code,
                     uint16_t v, bool server_order, bool chacha_only, struct pick *pk)
{
    if (pk->suite || (chacha_only && !tlsd_suite_cipher_is(code, TLSD_CIPHERF_CHACHA20)))
        return;
    const struct tlsd_suite *st = tlsd_suite_by_code(code);
    if (!st)
        return;
    int cert;
    uint16_t group;
    enum tlsd_fail_class why = suite_check(c, s, st, v, server_order, &cert, &group);
    if (why == TLSD_FAIL_NONE) {
        pk->suite = code;
        pk->cert = cert;
        pk->group = group;
        return;
    }
    if (why != TLSD_FAIL_SUITE) {
        pk->overlap = true;
        if (pk->best_why == TLSD_FAIL_NONE || why > pk->best_why)
            pk->best_why = why;
    }
}

static void pick_pass(const struct tlsd_profile *c, const struct tlsd_profile *s, uint16_t v,
                      bool server_order, bool chacha_only, struct pick *pk)
{
    const struct tlsd_profile *a = server_order ? s : c, *b = server_order ? c : s;
    for (size_t i = 0; i < a->n_suites && !pk->suite; i++)
        if (tlsd_profile_has_suite(b, a->suites[i]))
            consider(c, s, a->suites[i], v, server_order, chacha_only, pk);
}

/* TLS <= 1.2 suite choice. OpenSSL SSL_OP_PRIORITIZE_CHACHA: with server preference,
 * ChaCha20 suites go first when the client lists one first (ssl/s3_lib.c ssl3_choose_cipher). */
static struct pick pick_suite_12(const struct tlsd_profile *c, const struct tlsd_profile *s,
                                 uint16_t v)
{
    struct pick pk = {0};
    bool server_order = tlsd_profile_pref(s) == TLSD_PREF_SERVER;
    if (chacha_first(c, s, v))
        pick_pass(c, s, v, true, true, &pk);
    pick_pass(c, s, v, server_order, false, &pk);
    return pk;
}

/* ---- outcome ------------------------------------------------------------------ */

static void add_event(struct tlsd_outcome *o, int id, int alert)
{
    if (o->n_events < TLSD_MAX_EVENTS) {
        o->events[o->n_events] = id;
        o->event_alert[o->n_events++] = alert;
    }
}

static void set_fail(struct tlsd_outcome *o, const struct tlsd_profile *s, enum tlsd_fail_class why,
                     int alert)
{
    o->ok = false;
    o->fail = why;
    o->alert = alert;
    if (s->impl != TLSD_IMPL_SCHANNEL)
        return;
    /* windows_notes.md 1 and 7: no common suite -> no ServerHello, the connection is
     * closed (client: WSAECONNRESET 10054); the server logs 36874 and often 36888/40. */
    if (why == TLSD_FAIL_VERSION) {
        add_event(o, TLSD_EVENT_FATAL_ALERT_GENERATED, TLSD_ALERT_PROTOCOL_VERSION);
        return;
    }
    if (s->flags & TLSD_PF_RESET_ON_NO_MATCH) {
        o->reset = true;
        o->alert = -1;
    }
    add_event(o, TLSD_EVENT_NO_COMMON_CIPHER, -1);
    add_event(o, TLSD_EVENT_FATAL_ALERT_GENERATED, TLSD_ALERT_HANDSHAKE_FAILURE);
}

/* set_fail with a formatted detail. */
static void fail_with(struct tlsd_outcome *o, const struct tlsd_profile *s,
                      enum tlsd_fail_class why, int alert, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 5, 6)));
static void fail_with(struct tlsd_outcome *o, const struct tlsd_profile *s,
                      enum tlsd_fail_class why, int alert, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
    set_fail(o, s, why, alert);
}

/* TLS 1.3 suite: preferred side's order; PRIORITIZE_CHACHA as in TLS 1.2. */
static uint32_t pick_suite_13(const struct tlsd_profile *c, const struct tlsd_profile *s)
{
    bool server_order = tlsd_profile_pref(s) == TLSD_PREF_SERVER;
    const struct tlsd_profile *a = server_order ? s : c, *b = server_order ? c : s;
    for (int pass = chacha_first(c, s, TLSD_VERSION_TLS1_3) ? 0 : 1; pass < 2; pass++)
        for (size_t i = 0; i < a->n_suites; i++) {
            const struct tlsd_suite *st = tlsd_suite_by_code(a->suites[i]);
            if (st && st->min_version == TLSD_VERSION_TLS1_3 &&
                tlsd_profile_has_suite(b, a->suites[i]) &&
                (pass == 1 || tlsd_suite_cipher_is(a->suites[i], TLSD_CIPHERF_CHACHA20)))
                return a->suites[i];
        }
    return 0;
}

/* TLS 1.3 group (RFC 8446 4.2.8, 4.1.4): OpenSSL uses the first client key share the
 * server supports, else asks for a common group by HelloRetryRequest. GnuTLS with
 * %SERVER_PRECEDENCE picks the group in its own order first and asks for it when the
 * client sent no share for it (lib/ext/key_share.c). */
static uint16_t pick_group_13(const struct tlsd_profile *c, const struct tlsd_profile *s, bool *hrr)
{
    bool server_order = tlsd_profile_pref(s) == TLSD_PREF_SERVER;
    const struct tlsd_profile *a = server_order ? s : c, *b = server_order ? c : s;
    *hrr = false;
    if (s->impl == TLSD_IMPL_GNUTLS && server_order)
        for (size_t i = 0; i < s->n_groups; i++)
            if (is_tls13_group(s->groups[i]) &&
                tlsd_has_u16(c->groups, c->n_groups, s->groups[i])) {
                *hrr = !tlsd_has_u16(c->key_shares, c->n_key_shares, s->groups[i]);
                return s->groups[i];
            }
    for (size_t i = 0; i < c->n_key_shares; i++)
        if (is_tls13_group(c->key_shares[i]) &&
            tlsd_has_u16(s->groups, s->n_groups, c->key_shares[i]) &&
            tlsd_has_u16(c->groups, c->n_groups, c->key_shares[i]))
            return c->key_shares[i];
    *hrr = true;
    for (size_t i = 0; i < a->n_groups; i++)
        if (is_tls13_group(a->groups[i]) && tlsd_has_u16(b->groups, b->n_groups, a->groups[i]))
            return a->groups[i];
    *hrr = false;
    return 0;
}

static void negotiate_13(const struct tlsd_profile *c, const struct tlsd_profile *s,
                         struct tlsd_outcome *o)
{
    o->suite = pick_suite_13(c, s);
    if (!o->suite) {
        fail_with(o, s, TLSD_FAIL_SUITE, TLSD_ALERT_HANDSHAKE_FAILURE,
                  "no TLS 1.3 cipher suite in common");
        return;
    }
    o->group = pick_group_13(c, s, &o->hrr);
    if (!o->group) {
        fail_with(o, s, TLSD_FAIL_GROUP, TLSD_ALERT_HANDSHAKE_FAILURE,
                  "no key exchange group in common for TLS 1.3");
        return;
    }
    for (size_t i = 0; i < s->n_certs && !o->sigscheme; i++) {
        o->sigscheme = sig_for_key_13(c, s, &s->certs[i]);
        o->cert_index = o->sigscheme ? (int)i : -1;
    }
    if (!o->sigscheme) {
        fail_with(o, s, TLSD_FAIL_SIGSCHEME, TLSD_ALERT_HANDSHAKE_FAILURE,
                  s->n_sigalgs13
                      ? "the client lists no TLS 1.3 signature scheme the server signs with"
                      : "the client lists no TLS 1.3 signature scheme for the server's key");
        return;
    }
    o->ok = true;
}

static void negotiate_12(const struct tlsd_profile *c, const struct tlsd_profile *s,
                         struct tlsd_outcome *o)
{
    if ((s->flags & TLSD_PF_REQUIRE_RENEG_INFO) && !(c->flags & TLSD_PF_SENDS_RENEG_INFO)) {
        fail_with(o, s, TLSD_FAIL_RENEGOTIATION, TLSD_ALERT_HANDSHAKE_FAILURE,
                  "the client sends neither the renegotiation SCSV nor the extension");
        return;
    }
    struct pick pk = pick_suite_12(c, s, o->version);
    if (!pk.suite) {
        char vb[16];
        enum tlsd_fail_class why = pk.overlap ? pk.best_why : TLSD_FAIL_SUITE;
        fail_with(o, s, why, TLSD_ALERT_HANDSHAKE_FAILURE, "%s at %s", tlsd_fail_class_text(why),
                  tlsd_version_str(o->version, vb));
        return;
    }
    /* OpenSSL 3 signs TLS 1.0/1.1 handshakes with MD5-SHA1, which security level 1 and up
     * forbid: having chosen a suite with a certificate it finds no signature algorithm
     * (ssl/t1_lib.c tls_choose_sigalg, "no suitable signature algorithm") and sends
     * internal_error before any ServerHello. */
    if (o->version < TLSD_VERSION_TLS1_2 && s->impl == TLSD_IMPL_OPENSSL &&
        s->security_level >= 1 && pk.cert >= 0) {
        fail_with(o, s, TLSD_FAIL_VERSION, TLSD_ALERT_INTERNAL_ERROR,
                  "OpenSSL 3 at security level %d signs no TLS 1.0/1.1 handshake (MD5-SHA1); "
                  "TLS 1.2 is needed, or @SECLEVEL=0 on the server",
                  s->security_level);
        return;
    }
    o->suite = pk.suite;
    o->cert_index = pk.cert;
    o->group = pk.group;
    o->ok = true;
}

/* The security bits OpenSSL 3 gives a certificate key (EVP_PKEY_get_security_bits: the NIST
 * SP 800-57 estimate for RSA and DSA, half the order for elliptic curves). */
static int key_security_bits(const struct tlsd_cert_key *k)
{
    if (k->type == TLSD_KEY_RSA || k->type == TLSD_KEY_DSA)
        return k->bits >= 15360  ? 256
               : k->bits >= 7680 ? 192
               : k->bits >= 4096 ? 152
               : k->bits >= 3072 ? 128
               : k->bits >= 2048 ? 112
               : k->bits >= 1024 ? 80
                                 : 0;
    const struct tlsd_group *g = tlsd_group_by_code(k->curve);
    return k->type == TLSD_KEY_ED25519 ? 128
           : k->type == TLSD_KEY_ED448 ? 224
           : g                         ? g->bits / 2
                                       : 0;
}

/* The DHE prime the server sends at TLS <= 1.2: what a scan measured (dh_bits); else, for
 * OpenSSL, whose servers (s_server, nginx and Apache without their own parameters) leave it
 * on automatic, the size OpenSSL 3 derives from the certificate key (ssl_get_auto_dh: 192
 * security bits and up 8192, 152 4096, 128 3072, 112 2048, else 1024; checked against
 * s_server with RSA 1024 to 4096 keys). 0: unknown. *derived says which. */
static int server_dh_bits(const struct tlsd_profile *s, int cert_index, bool *derived)
{
    *derived = false;
    if (s->dh_bits || s->impl != TLSD_IMPL_OPENSSL || cert_index < 0 ||
        (size_t)cert_index >= s->n_certs)
        return s->dh_bits;
    int sec = key_security_bits(&s->certs[cert_index]);
    if (!sec)
        return 0;
    static const int level_bits[] = {0, 80, 112, 128, 192, 256}; /* security levels 0-5 */
    if (s->security_level > 0 && s->security_level <= TLSD_SECLEVEL_MAX &&
        sec < level_bits[s->security_level])
        sec = level_bits[s->security_level];
    *derived = true;
    return sec >= 192 ? 8192 : sec >= 152 ? 4096 : sec >= 128 ? 3072 : sec >= 112 ? 2048 : 1024;
}

/* The server has answered: whether the client refuses what it got (fills o's detail and
 * alert): a version it does not accept; a DHE prime outside the sizes it takes (Java 6
 * and 7 fail on more than 1024 bits with internal_error; NSS and old Chrome refuse a
 * small one with insufficient_security); an ECDSA certificate on a curve it did not
 * name (OpenSSL: "wrong curve", illegal_parameter). */
static bool client_refuses(const struct tlsd_profile *c, const struct tlsd_profile *s,
                           struct tlsd_outcome *o)
{
    char vb[16];
    const struct tlsd_suite *st = tlsd_suite_by_code(o->suite);
    bool dhe = o->version < TLSD_VERSION_TLS1_3 && st && st->kx == TLSD_KX_DHE;
    bool derived = false;
    int dh_bits =
        dhe && (c->dh_bits_max || c->dh_bits_min) ? server_dh_bits(s, o->cert_index, &derived) : 0;
    const char *how = derived ? " (OpenSSL's automatic size for its certificate key)" : "";
    if (!(c->versions & tlsd_version_bit(o->version))) {
        snprintf(o->detail, sizeof o->detail,
                 "the server answers %s, which the client does not accept",
                 tlsd_version_str(o->version, vb));
        o->alert = TLSD_ALERT_PROTOCOL_VERSION;
    } else if (dh_bits && c->dh_bits_max && dh_bits > c->dh_bits_max) {
        snprintf(o->detail, sizeof o->detail,
                 "the server's DHE prime has %d bits%s; the client takes at most %d", dh_bits, how,
                 c->dh_bits_max);
        o->alert = TLSD_ALERT_INTERNAL_ERROR;
    } else if (dh_bits && c->dh_bits_min && dh_bits < c->dh_bits_min) {
        snprintf(o->detail, sizeof o->detail,
                 "the server's DHE prime has %d bits%s; the client wants at least %d", dh_bits, how,
                 c->dh_bits_min);
        o->alert = TLSD_ALERT_INSUFFICIENT_SECURITY;
    } else if (o->version < TLSD_VERSION_TLS1_3 && o->cert_index >= 0 &&
               !cert_curve_named(c, &s->certs[o->cert_index])) {
        snprintf(o->detail, sizeof o->detail,
                 "the server's ECDSA certificate is on a curve the client does not list");
        o->alert = TLSD_ALERT_ILLEGAL_PARAMETER;
    } else {
        return false;
    }
    o->ok = false;
    o->fail = TLSD_FAIL_CLIENT_REFUSES;
    o->alert_from_client = true;
    return true;
}

void tlsd_negotiate(const struct tlsd_profile *c, const struct tlsd_profile *s,
                    struct tlsd_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->alert = -1;
    o->cert_index = -1;
    /* GnuTLS checks the server_name host_name (RFC 6066 3: a DNS hostname) and answers a
     * malformed one with illegal_parameter (lib/ext/server_name.c). */
    if (s->impl == TLSD_IMPL_GNUTLS && (c->flags & TLSD_PF_SNI_INVALID)) {
        fail_with(o, s, TLSD_FAIL_BAD_HELLO, TLSD_ALERT_ILLEGAL_PARAMETER,
                  "the client's server_name is not a valid host name; GnuTLS rejects the hello");
        return;
    }
    o->version = choose_version(c, s);
    if (!o->version) {
        /* RFC 5246 E.1: protocol_version. OpenSSL built without SSLv3 (1.1.0+ default)
         * answers an SSLv3 hello with handshake_failure instead (seen with 3.0 in
         * tests/integration/test_match_real.sh). */
        bool ssl3_only = tlsd_versions_max(c->versions) < TLSD_VERSION_TLS1_0;
        int alert = s->impl == TLSD_IMPL_OPENSSL && ssl3_only ? TLSD_ALERT_HANDSHAKE_FAILURE
                                                              : TLSD_ALERT_PROTOCOL_VERSION;
        if (tlsd_versions_max(c->versions) == TLSD_VERSION_SSL3 &&
            s->ssl3_alert != TLSD_ALERT_UNKNOWN)
            alert = s->ssl3_alert; /* what a scan saw it send */
        fail_with(o, s, TLSD_FAIL_VERSION, alert,
                  "the server accepts no version the client offers");
        return;
    }
    if (o->version == TLSD_VERSION_TLS1_3)
        negotiate_13(c, s, o);
    else
        negotiate_12(c, s, o);
    if (o->ok)
        client_refuses(c, s, o);
}
