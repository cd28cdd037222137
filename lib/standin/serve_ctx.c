/* The libssl server context of a profile: versions (SSL_CTX_set_min/max_proto_version,
 * SSL_OP_NO_* for gaps), suites in the profile's order (cipher list + TLS 1.3
 * ciphersuites), server preference, groups, signature schemes, and a certificate of each
 * of the profile's key types, generated with libcrypto and self-signed. What the local
 * libssl cannot do is listed in the setup so the user is told at start-up. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tlsdiag/registry.h"
#include "tlsdiag/serve.h"
#include "tlsdiag/suitelist.h"

struct strb {
    char buf[8192];
    size_t len;
};

static void strb_add(struct strb *b, const char *name)
{
    int n = snprintf(b->buf + b->len, sizeof b->buf - b->len, "%s%s", b->len ? ":" : "", name);
    if (n > 0 && (size_t)n < sizeof b->buf - b->len)
        b->len += (size_t)n;
}

static void note(struct tlsd_serve_setup *s, const char *text)
{
    if (s->n_notes < TLSD_SERVE_MAX_NOTES)
        snprintf(s->notes[s->n_notes++], sizeof s->notes[0], "%s", text);
}

/* Cipher list (TLS <= 1.2) and ciphersuites (TLS 1.3), in the profile's order. */
static int set_suites(SSL_CTX *ctx, const struct tlsd_profile *p, struct tlsd_serve_setup *s,
                      char *err, size_t errlen)
{
    struct strb legacy = {0}, t13 = {0};
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        if (tlsd_suite_code_is_scsv(p->suites[i]))
            continue;
        if (!st || !st->openssl_name || !tlsd_openssl_knows(p->suites[i])) {
            s->unservable[s->n_unservable++] = p->suites[i];
            continue;
        }
        strb_add(st->min_version == TLSD_VERSION_TLS1_3 ? &t13 : &legacy, st->openssl_name);
    }
    if (legacy.len == 0) {
        if (p->versions & (TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12))
            note(s, "no TLS <= 1.2 suite the local libssl can serve: only TLS 1.3 is served");
        SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                                     SSL_OP_NO_TLSv1_2);
    }
    strb_add(&legacy, "@SECLEVEL=0");
    if (SSL_CTX_set_cipher_list(ctx, legacy.len > 11 ? legacy.buf : "aNULL:@SECLEVEL=0") != 1 ||
        SSL_CTX_set_ciphersuites(ctx, t13.buf) != 1) {
        snprintf(err, errlen, "libssl refused the suite list");
        return -1;
    }
    return 0;
}

static const int proto_of_bit[][2] = {
    {TLSD_V_SSL3, SSL3_VERSION},    {TLSD_V_TLS10, TLS1_VERSION},   {TLSD_V_TLS11, TLS1_1_VERSION},
    {TLSD_V_TLS12, TLS1_2_VERSION}, {TLSD_V_TLS13, TLS1_3_VERSION},
};

/* min..max of what libssl can do, with the gaps switched off (SSL_OP_NO_*). */
static int set_versions(SSL_CTX *ctx, const struct tlsd_profile *p, struct tlsd_serve_setup *s,
                        char *err, size_t errlen)
{
    static const uint64_t no_op[] = {SSL_OP_NO_SSLv3, SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1,
                                     SSL_OP_NO_TLSv1_2, SSL_OP_NO_TLSv1_3};
    int lo = 0, hi = 0;
    s->unservable_versions = p->versions & TLSD_V_SSL2;
    for (size_t i = 0; i < sizeof proto_of_bit / sizeof proto_of_bit[0]; i++) {
        if (!(p->versions & (unsigned)proto_of_bit[i][0]))
            continue;
        /* Debian's libssl is built without SSLv3 (no-ssl3-method). */
        if (proto_of_bit[i][0] == TLSD_V_SSL3 ||
            SSL_CTX_set_min_proto_version(ctx, proto_of_bit[i][1]) != 1) {
            s->unservable_versions |= (unsigned)proto_of_bit[i][0];
            continue;
        }
        lo = lo ? lo : proto_of_bit[i][1];
        hi = proto_of_bit[i][1];
    }
    if (!lo) {
        snprintf(err, errlen, "the local libssl can serve none of the profile's versions");
        return -1;
    }
    if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1)
        return snprintf(err, errlen, "libssl refused the version range"), -1;
    for (size_t i = 0; i < sizeof proto_of_bit / sizeof proto_of_bit[0]; i++)
        if (proto_of_bit[i][1] > lo && proto_of_bit[i][1] < hi &&
            !(p->versions & (unsigned)proto_of_bit[i][0]))
            SSL_CTX_set_options(ctx, no_op[i]);
    return 0;
}

/* The first OpenSSL spelling of a comma list ("P-256,prime256v1" -> "P-256"). */
static void first_name(const char *list, char *out, size_t len)
{
    snprintf(out, len, "%s", list);
    out[strcspn(out, ",")] = '\0';
}

static void set_groups(SSL_CTX *ctx, const struct tlsd_profile *p, struct tlsd_serve_setup *s)
{
    struct strb b = {0};
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *g = tlsd_group_by_code(p->groups[i]);
        char name[64];
        if (g && g->openssl_name) {
            first_name(g->openssl_name, name, sizeof name);
            if (SSL_CTX_set1_groups_list(ctx, name) == 1) {
                strb_add(&b, name);
                continue;
            }
        }
        s->unservable_groups[s->n_unservable_groups++] = p->groups[i];
    }
    ERR_clear_error();
    if (b.len == 0 || SSL_CTX_set1_groups_list(ctx, b.buf) != 1)
        note(s, "none of the profile's groups is known to libssl: its default groups are used");
    SSL_CTX_set_dh_auto(ctx, 1);
}

static void set_sigalgs(SSL_CTX *ctx, const struct tlsd_profile *p, struct tlsd_serve_setup *s)
{
    struct strb b = {0};
    for (size_t i = 0; i < p->n_sigalgs; i++) {
        const struct tlsd_sigscheme *sg = tlsd_sigscheme_by_code(p->sigalgs[i]);
        if (sg && sg->openssl_name && SSL_CTX_set1_sigalgs_list(ctx, sg->openssl_name) == 1)
            strb_add(&b, sg->openssl_name);
    }
    ERR_clear_error();
    if (b.len == 0 || SSL_CTX_set1_sigalgs_list(ctx, b.buf) != 1)
        note(s, "the profile's signature schemes are unknown to libssl: its defaults are used");
}

static EVP_PKEY *gen_key(const struct tlsd_cert_key *k)
{
    if (k->type == TLSD_KEY_RSA)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
                                 (size_t)(k->bits >= 1024 ? k->bits : TLSD_CERT_BITS_DEFAULT));
    if (k->type == TLSD_KEY_ECDSA) {
        const struct tlsd_group *g = tlsd_group_by_code(k->curve);
        char name[64] = "P-256";
        if (g && g->openssl_name)
            first_name(g->openssl_name, name, sizeof name);
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
    }
    if (k->type == TLSD_KEY_ED25519)
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return NULL;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* A self-signed certificate for localhost / 127.0.0.1 / ::1, valid for 30 days. */
static X509 *self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    if (!x || RAND_bytes(serial, sizeof serial) != 1 || !name)
        goto fail;
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || X509_set_version(x, 2) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) || X509_set_pubkey(x, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"tlsdiag serve",
                                   -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1 ||
        add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") < 0 ||
        add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0)
        goto fail;
    bool edwards = EVP_PKEY_is_a(key, "ED25519");
    if (X509_sign(x, key, edwards ? NULL : EVP_sha256()) <= 0)
        goto fail;
    BN_free(bn);
    return x;
fail:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static int use_generated(SSL_CTX *ctx, const struct tlsd_cert_key *k, struct tlsd_serve_setup *s)
{
    EVP_PKEY *key = gen_key(k);
    X509 *x = key ? self_signed(key) : NULL;
    int rc =
        x && SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 ? 0 : -1;
    if (rc == 0 && s->n_certs < TLSD_PROFILE_MAX_CERTS) {
        snprintf(s->certs[s->n_certs++], sizeof s->certs[0], "%s %d (generated)",
                 tlsd_key_type_label(k->type), EVP_PKEY_get_bits(key));
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int set_certs(SSL_CTX *ctx, const struct tlsd_profile *p, const char *cert_file,
                     const char *key_file, struct tlsd_serve_setup *s, char *err, size_t errlen)
{
    if (cert_file) {
        if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key_file ? key_file : cert_file, SSL_FILETYPE_PEM) !=
                1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            snprintf(err, errlen, "cannot use certificate %s / key %s: %s", cert_file,
                     key_file ? key_file : cert_file, ERR_reason_error_string(ERR_peek_error()));
            return -1;
        }
        snprintf(s->certs[s->n_certs++], sizeof s->certs[0], "from %s", cert_file);
        return 0;
    }
    for (size_t i = 0; i < p->n_certs; i++)
        if (use_generated(ctx, &p->certs[i], s) < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "no %s certificate: libcrypto cannot generate that key type",
                     tlsd_key_type_name(p->certs[i].type));
            note(s, msg);
        }
    if (s->n_certs == 0) {
        struct tlsd_cert_key rsa = {.type = TLSD_KEY_RSA, .bits = TLSD_CERT_BITS_DEFAULT};
        note(s, "the profile lists no key type libcrypto can generate: RSA 2048 is used");
        if (use_generated(ctx, &rsa, s) < 0)
            return snprintf(err, errlen, "cannot generate a certificate"), -1;
    }
    return 0;
}

void *tlsd_serve_ctx_new(const struct tlsd_profile *p, const char *cert_file, const char *key_file,
                         struct tlsd_serve_setup *setup, char *err, size_t errlen)
{
    memset(setup, 0, sizeof *setup);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "libssl: cannot create a context");
        return NULL;
    }
    /* Security level 0: old versions, SHA-1 and small keys are what the profile decides. */
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    if (tlsd_profile_pref(p) == TLSD_PREF_SERVER)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (p->flags & TLSD_PF_PRIORITIZE_CHACHA)
        SSL_CTX_set_options(ctx, SSL_OP_PRIORITIZE_CHACHA);
    if (p->flags & TLSD_PF_REQUIRE_RENEG_INFO)
        note(setup, "libssl cannot require RFC 5746 signalling: hellos without it are served");
    if (set_versions(ctx, p, setup, err, errlen) < 0 ||
        set_suites(ctx, p, setup, err, errlen) < 0 ||
        set_certs(ctx, p, cert_file, key_file, setup, err, errlen) < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    set_groups(ctx, p, setup);
    set_sigalgs(ctx, p, setup);
    ERR_clear_error();
    return ctx;
}

void tlsd_serve_ctx_free(void *ctx)
{
    SSL_CTX_free(ctx);
}
