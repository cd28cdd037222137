/* Profiles: defaults, small list operations and the built-in table. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model/profile_internal.h"
#include "tlsdiag/registry.h"

unsigned tlsd_version_bit(uint16_t code)
{
    int p = tlsd_proto_of_code(code);
    return p < 0 ? 0 : 1u << p;
}

uint16_t tlsd_version_of_bit(unsigned bit)
{
    for (size_t i = 0; i < TLSD_PROTO_COUNT; i++)
        if (bit == 1u << i)
            return tlsd_proto_codes[i];
    return 0;
}

uint16_t tlsd_versions_max(unsigned set)
{
    for (size_t i = TLSD_PROTO_COUNT; i-- > 0;)
        if (set & (1u << i))
            return tlsd_proto_codes[i];
    return 0;
}

uint16_t tlsd_versions_min(unsigned set)
{
    for (size_t i = 0; i < TLSD_PROTO_COUNT; i++)
        if (set & (1u << i))
            return tlsd_proto_codes[i];
    return 0;
}

const char *tlsd_side_name(enum tlsd_side s)
{
    return s == TLSD_SIDE_CLIENT ? "client" : s == TLSD_SIDE_SERVER ? "server" : "any";
}

static const char *const key_type_names[TLSD_KEY_TYPE_COUNT] = {
    [TLSD_KEY_NONE] = "",   [TLSD_KEY_RSA] = "rsa",         [TLSD_KEY_ECDSA] = "ecdsa",
    [TLSD_KEY_DSA] = "dsa", [TLSD_KEY_ED25519] = "ed25519", [TLSD_KEY_ED448] = "ed448"};

const char *tlsd_key_type_name(enum tlsd_key_type t)
{
    return (size_t)t < TLSD_KEY_TYPE_COUNT ? key_type_names[t] : "";
}

const char *tlsd_key_type_label(enum tlsd_key_type t)
{
    static const char *const labels[TLSD_KEY_TYPE_COUNT] = {
        [TLSD_KEY_NONE] = "",   [TLSD_KEY_RSA] = "RSA",         [TLSD_KEY_ECDSA] = "ECDSA",
        [TLSD_KEY_DSA] = "DSA", [TLSD_KEY_ED25519] = "ED25519", [TLSD_KEY_ED448] = "ED448"};
    return (size_t)t < TLSD_KEY_TYPE_COUNT ? labels[t] : "";
}

enum tlsd_key_type tlsd_key_type_from_name(const char *name)
{
    if (strcasecmp(name, "ec") == 0)
        return TLSD_KEY_ECDSA;
    for (size_t i = 1; i < TLSD_KEY_TYPE_COUNT; i++)
        if (strcasecmp(name, key_type_names[i]) == 0)
            return (enum tlsd_key_type)i;
    return TLSD_KEY_NONE;
}

enum tlsd_key_type tlsd_key_type_of_cert_kind(enum tlsd_cert_kind c)
{
    switch (c) {
    case TLSD_CERT_RSA:
        return TLSD_KEY_RSA;
    case TLSD_CERT_ECDSA:
        return TLSD_KEY_ECDSA;
    case TLSD_CERT_DSA:
        return TLSD_KEY_DSA;
    default:
        return TLSD_KEY_NONE;
    }
}

static const char *const impl_names[] = {"generic", "openssl", "gnutls", "schannel", "java"};

const char *tlsd_impl_name(enum tlsd_impl i)
{
    return (size_t)i < sizeof impl_names / sizeof impl_names[0] ? impl_names[i] : "generic";
}

int tlsd_impl_from_name(const char *name, enum tlsd_impl *out)
{
    for (size_t i = 0; i < sizeof impl_names / sizeof impl_names[0]; i++)
        if (strcasecmp(name, impl_names[i]) == 0) {
            *out = (enum tlsd_impl)i;
            return 0;
        }
    return -1;
}

enum tlsd_pref tlsd_profile_pref(const struct tlsd_profile *p)
{
    if (p->pref != TLSD_PREF_DEFAULT)
        return p->pref;
    /* Schannel and SunJSSE honour their own order by default
     * (jdk.tls.server.cipherSuites / honorCipherSuiteOrder defaults to true since JDK 8). */
    if (p->impl == TLSD_IMPL_SCHANNEL || p->impl == TLSD_IMPL_JAVA)
        return TLSD_PREF_SERVER;
    return TLSD_PREF_CLIENT;
}

/* Signature schemes a current stack offers (OpenSSL 3 default order, trimmed). */
static const uint16_t default_sigalgs[] = {TLSD_SIGSCHEME_ECDSA_SECP256R1_SHA256,
                                           TLSD_SIGSCHEME_ECDSA_SECP384R1_SHA384,
                                           TLSD_SIGSCHEME_ECDSA_SECP521R1_SHA512,
                                           TLSD_SIGSCHEME_ED25519,
                                           TLSD_SIGSCHEME_ED448,
                                           TLSD_SIGSCHEME_RSA_PSS_RSAE_SHA256,
                                           TLSD_SIGSCHEME_RSA_PSS_RSAE_SHA384,
                                           TLSD_SIGSCHEME_RSA_PSS_RSAE_SHA512,
                                           TLSD_SIGSCHEME_RSA_PKCS1_SHA256,
                                           TLSD_SIGSCHEME_RSA_PKCS1_SHA384,
                                           TLSD_SIGSCHEME_RSA_PKCS1_SHA512,
                                           TLSD_SIGSCHEME_ECDSA_SHA1,
                                           TLSD_SIGSCHEME_RSA_PKCS1_SHA1};
static const uint16_t default_groups[] = {TLSD_GROUP_X25519, TLSD_GROUP_SECP256R1,
                                          TLSD_GROUP_SECP384R1};

void tlsd_profile_init(struct tlsd_profile *p, enum tlsd_side side)
{
    memset(p, 0, sizeof *p);
    p->side = side;
    p->versions = TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12 | TLSD_V_TLS13;
    p->supported_versions_ext = true;
    memcpy(p->groups, default_groups, sizeof default_groups);
    p->n_groups = sizeof default_groups / sizeof default_groups[0];
    p->key_shares[0] = TLSD_GROUP_X25519;
    p->n_key_shares = 1;
    memcpy(p->sigalgs, default_sigalgs, sizeof default_sigalgs);
    p->n_sigalgs = sizeof default_sigalgs / sizeof default_sigalgs[0];
    p->certs[0].type = TLSD_KEY_RSA;
    p->certs[0].bits = 2048;
    p->n_certs = 1;
    p->flags = TLSD_PF_SENDS_RENEG_INFO | TLSD_PF_SENDS_GROUPS | TLSD_PF_SENDS_SIGALGS;
    p->ssl3_alert = TLSD_ALERT_UNKNOWN;
    p->security_level = TLSD_SECLEVEL_UNKNOWN;
}

void tlsd_profile_set_cipher_string(struct tlsd_profile *p, const char *s)
{
    snprintf(p->cipher_string, sizeof p->cipher_string, "%s", s);
    const char *lv = strstr(s, "@SECLEVEL=");
    if (lv && lv[10] >= '0' && lv[10] <= '0' + TLSD_SECLEVEL_MAX)
        p->security_level = lv[10] - '0';
}

bool tlsd_profile_has_suite(const struct tlsd_profile *p, uint32_t code)
{
    for (size_t i = 0; i < p->n_suites; i++)
        if (p->suites[i] == code)
            return true;
    return false;
}

bool tlsd_profile_has_group(const struct tlsd_profile *p, uint16_t group)
{
    for (size_t i = 0; i < p->n_groups; i++)
        if (p->groups[i] == group)
            return true;
    return false;
}

bool tlsd_profile_has_sigalg(const struct tlsd_profile *p, uint16_t sigalg)
{
    for (size_t i = 0; i < p->n_sigalgs; i++)
        if (p->sigalgs[i] == sigalg)
            return true;
    return false;
}

bool tlsd_profile_signs13(const struct tlsd_profile *p, uint16_t sigalg)
{
    for (size_t i = 0; i < p->n_sigalgs13; i++)
        if (p->sigalgs13[i] == sigalg)
            return true;
    return p->n_sigalgs13 == 0;
}

int tlsd_profile_insert_suite(struct tlsd_profile *p, size_t pos, uint32_t code)
{
    if (tlsd_profile_has_suite(p, code))
        return 0;
    if (p->n_suites >= TLSD_PROFILE_MAX_SUITES)
        return -1;
    if (pos > p->n_suites)
        pos = p->n_suites;
    memmove(p->suites + pos + 1, p->suites + pos, (p->n_suites - pos) * sizeof p->suites[0]);
    memmove(p->suite_curves + pos + 1, p->suite_curves + pos, p->n_suites - pos);
    p->suites[pos] = code;
    p->suite_curves[pos] = 0;
    p->n_suites++;
    return 0;
}

int tlsd_profile_add_suite(struct tlsd_profile *p, uint32_t code)
{
    return tlsd_profile_insert_suite(p, p->n_suites, code);
}

void tlsd_profile_versions_from_suites(struct tlsd_profile *p)
{
    unsigned v = 0;
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(p->suites[i]);
        if (!s || tlsd_suite_is_sslv2(s))
            continue;
        for (uint16_t c = TLSD_VERSION_TLS1_0; c <= TLSD_VERSION_TLS1_3; c++)
            if (tlsd_suite_usable_at(s, c))
                v |= tlsd_version_bit(c);
    }
    if (v)
        p->versions = v;
}

/* Windows 10 1607+/Server 2016+ default ECC curve order (windows_notes.md 1). */
static const uint16_t schannel_curves[] = {TLSD_GROUP_X25519, TLSD_GROUP_SECP256R1,
                                           TLSD_GROUP_SECP384R1};

void tlsd_profile_impl_defaults(struct tlsd_profile *p)
{
    if (p->impl == TLSD_IMPL_SCHANNEL) {
        p->flags |= TLSD_PF_RESET_ON_NO_MATCH;
        memcpy(p->groups, schannel_curves, sizeof schannel_curves);
        p->n_groups = sizeof schannel_curves / sizeof schannel_curves[0];
    }
}

size_t tlsd_builtin_profile_count(void)
{
    return tlsd_builtin_profiles_n_;
}

const struct tlsd_builtin_profile *tlsd_builtin_profile_at(size_t i)
{
    return i < tlsd_builtin_profiles_n_ ? &tlsd_builtin_profiles_[i] : NULL;
}

const struct tlsd_builtin_profile *tlsd_builtin_profile_find(const char *name)
{
    for (size_t i = 0; i < tlsd_builtin_profiles_n_; i++) {
        const struct tlsd_builtin_profile *b = &tlsd_builtin_profiles_[i];
        if (strcasecmp(b->name, name) == 0 || (b->aliases && tlsd_name_in_list(b->aliases, name)))
            return b;
    }
    return NULL;
}

/* The letters and digits of s, lower-cased ("Windows-2022" -> "windows2022"). */
static size_t fold(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
    return n;
}

/* Levenshtein distance of a[0..na) and b[0..nb) (both shorter than NEAREST_MAX). */
#define NEAREST_MAX 64
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[NEAREST_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* How far name is from what the user typed (folded): 0 when the typed letters appear in
 * order in the name with the same digits ("win2022" in "windows2022"), else the edit
 * distance plus one; SIZE_MAX when not close at all. */
static size_t name_distance(const char *typed, size_t nt, const char *name)
{
    char f[NEAREST_MAX];
    size_t nf = fold(name, f, sizeof f);
    size_t i = 0;
    for (size_t j = 0; j < nf && i < nt; j++)
        i += f[j] == typed[i];
    char d1[NEAREST_MAX] = "", d2[NEAREST_MAX] = "";
    size_t k1 = 0, k2 = 0;
    for (size_t j = 0; j < nt; j++)
        if (isdigit((unsigned char)typed[j]))
            d1[k1++] = typed[j];
    for (size_t j = 0; j < nf; j++)
        if (isdigit((unsigned char)f[j]))
            d2[k2++] = f[j];
    d1[k1] = d2[k2] = '\0';
    if (i == nt && nt >= 3 && strcmp(d1, d2) == 0)
        return 0;
    size_t d = edit_distance(typed, nt, f, nf);
    return d <= nt / 3 + 1 ? d + 1 : SIZE_MAX;
}

const char *tlsd_builtin_profile_nearest(const char *typed)
{
    char t[NEAREST_MAX];
    if (strlen(typed) >= NEAREST_MAX)
        return NULL;
    size_t nt = fold(typed, t, sizeof t), best = SIZE_MAX;
    const char *hit = NULL;
    for (size_t i = 0; nt > 0 && i < tlsd_builtin_profiles_n_; i++) {
        const char *name = tlsd_builtin_profiles_[i].name;
        size_t d = name_distance(t, nt, name);
        /* Ties: the shorter name (windows-2022 before windows-2022-23h2). */
        if (d < best || (d == best && hit && d != SIZE_MAX && strlen(name) < strlen(hit))) {
            best = d;
            hit = name;
        }
    }
    return best == SIZE_MAX ? NULL : hit;
}

int tlsd_profile_fail(struct tlsd_profile_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
