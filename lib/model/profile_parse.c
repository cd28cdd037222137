/* Profiles from text: the key = value file format (docs/profile-format.md) and the
 * forms administrators paste (OpenSSL cipher strings, nginx/Apache lines,
 * Get-TlsCipherSuite output, GPO strings, plain lists, ClientHello hex). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/profile_internal.h"
#include "tlsdiag/dotnet.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/suitelist.h"
#include "windows/winreg_internal.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Version spellings: registry names (TLSv1.2, TLS 1.2, VERS-TLS1.2, TLSv1) and the
 * short forms people type (1.2, tls1.2, tls1_2, ssl3). */
static uint16_t version_code(const char *tok)
{
    const struct tlsd_version *v = tlsd_version_by_name(tok);
    if (v)
        return v->code;
    static const struct {
        const char *name;
        uint16_t code;
    } shorts[] = {{"1.0", TLSD_VERSION_TLS1_0},     {"1.1", TLSD_VERSION_TLS1_1},
                  {"1.2", TLSD_VERSION_TLS1_2},     {"1.3", TLSD_VERSION_TLS1_3},
                  {"tls1.0", TLSD_VERSION_TLS1_0},  {"tls1", TLSD_VERSION_TLS1_0},
                  {"tls1.1", TLSD_VERSION_TLS1_1},  {"tls1.2", TLSD_VERSION_TLS1_2},
                  {"tls1.3", TLSD_VERSION_TLS1_3},  {"tls1_1", TLSD_VERSION_TLS1_1},
                  {"tls1_2", TLSD_VERSION_TLS1_2},  {"tls1_3", TLSD_VERSION_TLS1_3},
                  {"ssl3", TLSD_VERSION_SSL3},      {"sslv3", TLSD_VERSION_SSL3},
                  {"ssl2", TLSD_VERSION_SSL2},      {"sslv2", TLSD_VERSION_SSL2},
                  {"TLSv1.0", TLSD_VERSION_TLS1_0}, {"TLS10", TLSD_VERSION_TLS1_0},
                  {"TLS11", TLSD_VERSION_TLS1_1},   {"TLS12", TLSD_VERSION_TLS1_2},
                  {"TLS13", TLSD_VERSION_TLS1_3}};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++)
        if (strcasecmp(tok, shorts[i].name) == 0)
            return shorts[i].code;
    return 0;
}

static bool is_sep(char c)
{
    return c == ',' || c == ':' || c == ' ' || c == '\t' || c == ';';
}

/* Calls fn on each token of a list separated by , : ; or blanks. */
static int each_token(const char *val, int (*fn)(const char *tok, void *ctx), void *ctx)
{
    char tok[128];
    const char *p = val;
    while (*p) {
        while (*p && is_sep(*p))
            p++;
        size_t n = 0;
        while (p[n] && !is_sep(p[n]))
            n++;
        if (n == 0)
            break;
        if (n >= sizeof tok)
            return -1;
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (fn(tok, ctx) < 0)
            return -1;
        p += n;
    }
    return 0;
}

struct tokctx {
    struct tlsd_profile *p;
    struct tlsd_profile_err *err;
    unsigned *bits; /* the set a list of named bits goes into */
};

static int add_version(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    uint16_t v = version_code(tok);
    if (!tlsd_version_bit(v))
        return tlsd_profile_fail(c->err, "unknown protocol version '%s'", tok);
    c->p->versions |= tlsd_version_bit(v);
    return 0;
}

static int parse_u16_name(const char *tok, uint16_t *out, bool group)
{
    if (group) {
        const struct tlsd_group *g = tlsd_group_by_name(tok);
        if (g) {
            *out = g->code;
            return 0;
        }
    } else {
        const struct tlsd_sigscheme *s = tlsd_sigscheme_by_name(tok);
        if (s) {
            *out = s->code;
            return 0;
        }
    }
    char *end;
    unsigned long v = strtoul(tok, &end, 16);
    if ((strncasecmp(tok, "0x", 2) == 0) && *end == '\0' && v <= 0xFFFF) {
        *out = (uint16_t)v;
        return 0;
    }
    return -1;
}

static int add_u16(uint16_t *arr, size_t *n, size_t max, uint16_t v)
{
    for (size_t i = 0; i < *n; i++)
        if (arr[i] == v)
            return 0;
    if (*n >= max)
        return -1;
    arr[(*n)++] = v;
    return 0;
}

static int add_group(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    uint16_t g;
    if (parse_u16_name(tok, &g, true) < 0)
        return tlsd_profile_fail(c->err, "unknown group '%s'", tok);
    if (add_u16(c->p->groups, &c->p->n_groups, TLSD_PROFILE_MAX_GROUPS, g) < 0)
        return tlsd_profile_fail(c->err, "too many groups");
    return 0;
}

static int add_key_share(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    uint16_t g;
    if (parse_u16_name(tok, &g, true) < 0)
        return tlsd_profile_fail(c->err, "unknown group '%s'", tok);
    if (add_u16(c->p->key_shares, &c->p->n_key_shares, TLSD_PROFILE_MAX_GROUPS, g) < 0)
        return tlsd_profile_fail(c->err, "too many key shares");
    return 0;
}

/* A signature scheme into v (sigalgs or, tls13_only, the server's TLS 1.3 list). */
static int add_scheme(struct tokctx *c, const char *tok, bool tls13_only, uint16_t *v, size_t *n)
{
    uint16_t s;
    const struct tlsd_sigscheme *x = NULL;
    if (parse_u16_name(tok, &s, false) < 0 ||
        (tls13_only && (!(x = tlsd_sigscheme_by_code(s)) || !x->tls13)))
        return tlsd_profile_fail(c->err,
                                 tls13_only ? "'%s' is not a TLS 1.3 signature scheme"
                                            : "unknown signature scheme '%s'",
                                 tok);
    if (add_u16(v, n, TLSD_PROFILE_MAX_SIGALGS, s) < 0)
        return tlsd_profile_fail(c->err, "too many signature schemes");
    return 0;
}

static int add_sigalg(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    return add_scheme(c, tok, false, c->p->sigalgs, &c->p->n_sigalgs);
}

static int add_sigalg13(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    return add_scheme(c, tok, true, c->p->sigalgs13, &c->p->n_sigalgs13);
}

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {
    {"reset-on-no-match", TLSD_PF_RESET_ON_NO_MATCH},
    {"prioritize-chacha", TLSD_PF_PRIORITIZE_CHACHA},
    {"requires-renegotiation-info", TLSD_PF_REQUIRE_RENEG_INFO},
    {"sends-renegotiation-info", TLSD_PF_SENDS_RENEG_INFO},
    {"sends-groups", TLSD_PF_SENDS_GROUPS},
    {"sends-sigalgs", TLSD_PF_SENDS_SIGALGS},
    {"invalid-server-name", TLSD_PF_SNI_INVALID},
    {"suite-order-by-policy", TLSD_PF_POLICY_SUITE_ORDER},
};

static int add_flag(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    bool off = tok[0] == '-' || tok[0] == '!';
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (strcasecmp(tok + off, flag_names[i].name) == 0) {
            if (off)
                c->p->flags &= ~flag_names[i].flag;
            else
                c->p->flags |= flag_names[i].flag;
            return 0;
        }
    return tlsd_profile_fail(c->err, "unknown flag '%s'", tok);
}

/* "rsa 2048, ecdsa P-256, ed25519" (commas separate certificates). */
static int parse_certs(char *val, struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    p->n_certs = 0;
    for (char *save = NULL, *it = strtok_r(val, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        char type[16] = "", arg[32] = "";
        if (sscanf(it, " %15s %31s", type, arg) < 1)
            continue;
        if (p->n_certs >= TLSD_PROFILE_MAX_CERTS)
            return tlsd_profile_fail(err, "too many certificates (at most %d)",
                                     TLSD_PROFILE_MAX_CERTS);
        struct tlsd_cert_key *k = &p->certs[p->n_certs];
        memset(k, 0, sizeof *k);
        k->type = tlsd_key_type_from_name(type);
        if (k->type == TLSD_KEY_NONE)
            return tlsd_profile_fail(
                err, "unknown certificate key type '%s' (rsa, ecdsa, dsa, ed25519, ed448)", type);
        if (k->type == TLSD_KEY_ECDSA) {
            uint16_t g = TLSD_GROUP_SECP256R1;
            if (arg[0] && parse_u16_name(arg, &g, true) < 0)
                return tlsd_profile_fail(err, "unknown curve '%s'", arg);
            k->curve = g;
        } else if (arg[0]) {
            char *end;
            long bits = strtol(arg, &end, 10);
            if (*end || bits < TLSD_CERT_BITS_MIN || bits > TLSD_CERT_BITS_MAX)
                return tlsd_profile_fail(err, "%s key size '%s': a number of bits from %d to %d",
                                         tlsd_key_type_name(k->type), arg, TLSD_CERT_BITS_MIN,
                                         TLSD_CERT_BITS_MAX);
            k->bits = (int)bits;
        } else if (k->type == TLSD_KEY_RSA || k->type == TLSD_KEY_DSA) {
            k->bits = TLSD_CERT_BITS_DEFAULT;
        }
        p->n_certs++;
    }
    return 0;
}

static int add_suites(const char *val, struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    struct tlsd_suite_list l;
    if (tlsd_suite_list_parse(val, strlen(val), &l) < 0)
        return tlsd_profile_fail(err, "out of memory");
    int rc = 0;
    if (l.n_errors > 0)
        rc = tlsd_profile_fail(err, "suite '%s': %s", l.errors[0].token, l.errors[0].text);
    for (size_t i = 0; rc == 0 && i < l.n_items; i++)
        if (tlsd_profile_add_suite(p, l.items[i].code) < 0)
            rc = tlsd_profile_fail(err, "more than %d suites", TLSD_PROFILE_MAX_SUITES);
    tlsd_suite_list_free(&l);
    return rc;
}

int tlsd_profile_hex_decode(const char *text, size_t len, uint8_t **out, size_t *outlen)
{
    uint8_t *buf = malloc(len / 2 + 1);
    if (!buf)
        return -1;
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '0' && i + 1 < len && (text[i + 1] == 'x' || text[i + 1] == 'X') && hi < 0) {
            i++;
            continue;
        }
        if (isspace((unsigned char)c) || c == ':' || c == ',')
            continue;
        if (!isxdigit((unsigned char)c)) {
            free(buf);
            return -1;
        }
        int v = isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0 || n == 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

int tlsd_profile_hello_hex(const char *val, size_t len, struct tlsd_profile *p,
                           struct tlsd_profile_err *err)
{
    uint8_t *bytes;
    size_t n;
    if (tlsd_profile_hex_decode(val, len, &bytes, &n) < 0)
        return tlsd_profile_fail(err, "ClientHello: not a hex string");
    enum tlsd_side side = p->side;
    int rc = tlsd_profile_from_hello(bytes, n, p, err);
    p->side = side == TLSD_SIDE_ANY ? TLSD_SIDE_CLIENT : side;
    free(bytes);
    return rc;
}

static int add_dotnet_setting(const char *tok, void *vctx)
{
    struct tokctx *c = vctx;
    unsigned bit = tlsd_dotnet_setting_from_name(tok);
    if (!bit && strcasecmp(tok, "none") != 0)
        return tlsd_profile_fail(c->err,
                                 "unknown .NET setting '%s' (SchUseStrongCrypto, "
                                 "SystemDefaultTlsVersions, none)",
                                 tok);
    *c->bits |= bit;
    return 0;
}

/* The dotnet_* keys (docs/profile-format.md); 1 when key is none of them. */
static int apply_dotnet_key(const char *key, const char *val, struct tlsd_profile *p,
                            struct tlsd_profile_err *err)
{
    struct tokctx c = {p, err, NULL};
    if (strcasecmp(key, "dotnet") == 0) {
        if (tlsd_dotnet_target_from_name(val, &p->dotnet.target) < 0)
            return tlsd_profile_fail(
                err, "unknown .NET version '%s' (3.5, 4.0 .. 4.8.1, 5 .. 9, core)", val);
    } else if (strcasecmp(key, "dotnet_registry") == 0) {
        p->dotnet.registry = 0;
        c.bits = &p->dotnet.registry;
        return each_token(val, add_dotnet_setting, &c);
    } else if (strcasecmp(key, "dotnet_appcontext") == 0) {
        p->dotnet.appcontext = 0;
        c.bits = &p->dotnet.appcontext;
        return each_token(val, add_dotnet_setting, &c);
    } else if (strcasecmp(key, "dotnet_windows") == 0) {
        if (tlsd_dotnet_set_windows(&p->dotnet, val) < 0)
            return tlsd_profile_fail(err, "'%s' is not a built-in Windows profile", val);
    } else {
        return 1;
    }
    return 0;
}

/* A whole decimal number from lo to hi (a key's value) into *out. */
static int parse_int_in(const char *key, const char *val, int lo, int hi, int *out,
                        struct tlsd_profile_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < lo || v > hi)
        return tlsd_profile_fail(err, "%s must be a number from %d to %d, not '%s'", key, lo, hi,
                                 val);
    *out = (int)v;
    return 0;
}

/* "ssl3_alert = 40" or "= handshake_failure". */
static int parse_alert(const char *val, int *out, struct tlsd_profile_err *err)
{
    const struct tlsd_alert *a = tlsd_alert_by_name(val);
    if (a) {
        *out = a->code;
        return 0;
    }
    if (parse_int_in("ssl3_alert", val, 0, 255, out, err) < 0 || !tlsd_alert_by_code(*out))
        return tlsd_profile_fail(err, "ssl3_alert: '%s' is no alert (a code or a name)", val);
    return 0;
}

/* One "key = value" line; the value is modifiable. */
static int apply_key(const char *key, char *val, struct tlsd_profile *p,
                     struct tlsd_profile_err *err, bool *versions_set)
{
    struct tokctx c = {p, err, NULL};
    int dn = apply_dotnet_key(key, val, p, err);
    if (dn <= 0)
        return dn;
    if (strcasecmp(key, "name") == 0)
        snprintf(p->name, sizeof p->name, "%s", val);
    else if (strcasecmp(key, "description") == 0)
        snprintf(p->description, sizeof p->description, "%s", val);
    else if (strcasecmp(key, "source") == 0)
        snprintf(p->source, sizeof p->source, "%s", val);
    else if (strcasecmp(key, "aliases") == 0)
        return 0;
    else if (strcasecmp(key, "side") == 0) {
        if (strcasecmp(val, "client") == 0)
            p->side = TLSD_SIDE_CLIENT;
        else if (strcasecmp(val, "server") == 0)
            p->side = TLSD_SIDE_SERVER;
        else if (strcasecmp(val, "any") != 0)
            return tlsd_profile_fail(err, "side must be client, server or any");
    } else if (strcasecmp(key, "implementation") == 0) {
        if (tlsd_impl_from_name(val, &p->impl) < 0)
            return tlsd_profile_fail(
                err, "unknown implementation '%s' (generic, openssl, gnutls, schannel, java)", val);
        tlsd_profile_impl_defaults(p);
    } else if (strcasecmp(key, "versions") == 0) {
        p->versions = 0;
        *versions_set = true;
        return each_token(val, add_version, &c) < 0 ? -1 : 0;
    } else if (strcasecmp(key, "suites") == 0) {
        return add_suites(val, p, err);
    } else if (strcasecmp(key, "cipher_string") == 0) {
        if (strlen(val) >= sizeof p->cipher_string)
            return tlsd_profile_fail(err, "cipher_string longer than %zu characters",
                                     sizeof p->cipher_string - 1);
        uint32_t *codes = NULL;
        char msg[200];
        int n = tlsd_openssl_expand(val, &codes, msg, sizeof msg);
        free(codes);
        if (n < 0)
            return tlsd_profile_fail(err, "cipher_string '%s': %s", val, msg);
        tlsd_profile_set_cipher_string(p, val);
    } else if (strcasecmp(key, "groups") == 0) {
        p->n_groups = 0;
        return each_token(val, add_group, &c);
    } else if (strcasecmp(key, "key_shares") == 0) {
        p->n_key_shares = 0;
        return each_token(val, add_key_share, &c);
    } else if (strcasecmp(key, "sigalgs") == 0 || strcasecmp(key, "signature_schemes") == 0) {
        p->n_sigalgs = 0;
        return each_token(val, add_sigalg, &c);
    } else if (strcasecmp(key, "sigalgs_tls13") == 0 ||
               strcasecmp(key, "signature_schemes_tls13") == 0) {
        p->n_sigalgs13 = 0;
        return each_token(val, add_sigalg13, &c);
    } else if (strcasecmp(key, "certificates") == 0) {
        return parse_certs(val, p, err);
    } else if (strcasecmp(key, "preference") == 0) {
        if (strcasecmp(val, "server") == 0)
            p->pref = TLSD_PREF_SERVER;
        else if (strcasecmp(val, "client") == 0)
            p->pref = TLSD_PREF_CLIENT;
        else if (strcasecmp(val, "default") == 0)
            p->pref = TLSD_PREF_DEFAULT;
        else
            return tlsd_profile_fail(err, "preference must be server, client or default");
    } else if (strcasecmp(key, "flags") == 0) {
        return each_token(val, add_flag, &c);
    } else if (strcasecmp(key, "supported_versions_ext") == 0) {
        p->supported_versions_ext = strcasecmp(val, "yes") == 0 || strcmp(val, "1") == 0;
    } else if (strcasecmp(key, "dh_bits") == 0) {
        return parse_int_in(key, val, 0, TLSD_PROFILE_MAX_DH_BITS, &p->dh_bits, err);
    } else if (strcasecmp(key, "dh_bits_min") == 0) {
        return parse_int_in(key, val, 0, TLSD_PROFILE_MAX_DH_BITS, &p->dh_bits_min, err);
    } else if (strcasecmp(key, "dh_bits_max") == 0) {
        return parse_int_in(key, val, 0, TLSD_PROFILE_MAX_DH_BITS, &p->dh_bits_max, err);
    } else if (strcasecmp(key, "security_level") == 0) {
        return parse_int_in(key, val, 0, TLSD_SECLEVEL_MAX, &p->security_level, err);
    } else if (strcasecmp(key, "ssl3_alert") == 0) {
        return parse_alert(val, &p->ssl3_alert, err);
    } else if (strcasecmp(key, "client_hello") == 0) {
        *versions_set = true;
        return tlsd_profile_hello_hex(val, strlen(val), p, err);
    } else {
        return tlsd_profile_fail(err, "unknown key '%s'", key);
    }
    return 0;
}

/* Keys that describe a profile without changing what it negotiates. */
static bool is_meta_key(const char *key)
{
    static const char *const meta[] = {"name", "aliases", "description", "source", "side"};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
        if (strcasecmp(key, meta[i]) == 0)
            return true;
    return false;
}

/* Built-in profiles a base chain may pass through (each starts from the next). */
#define MAX_BASE_DEPTH 4

static int parse_text(const char *text, size_t len, enum tlsd_side side, struct tlsd_profile *p,
                      struct tlsd_profile_err *err, int depth);

/* "base = BUILTIN": the profile starts as that built-in (its suites, groups and versions);
 * a Windows one is also the system a .NET application runs on. */
static int apply_base(const char *val, struct tlsd_profile *p, struct tlsd_profile_err *err,
                      int depth)
{
    const struct tlsd_builtin_profile *b = tlsd_builtin_profile_find(val);
    if (!b)
        return tlsd_profile_fail(err, "no built-in profile '%s' to start from", val);
    if (depth >= MAX_BASE_DEPTH)
        return tlsd_profile_fail(err, "more than %d bases in a row", MAX_BASE_DEPTH);
    struct tlsd_profile own = *p; /* name, description, source, side set before base */
    if (parse_text(b->text, strlen(b->text), TLSD_SIDE_ANY, p, err, depth + 1) < 0)
        return -1;
    memcpy(p->name, own.name, sizeof p->name);
    memcpy(p->description, own.description, sizeof p->description);
    memcpy(p->source, own.source, sizeof p->source);
    p->side = own.side;
    if (tlsd_dotnet_set_windows(&p->dotnet, b->name) < 0)
        memset(p->dotnet.windows, 0, sizeof p->dotnet.windows);
    return 0;
}

/* A .NET profile's versions and suites follow from its settings (lib/model/dotnet.c). */
static int finish_dotnet(struct tlsd_profile *p, bool versions_given, struct tlsd_profile_err *err)
{
    if (p->dotnet.target == TLSD_DOTNET_NONE)
        return 0;
    if (!p->dotnet.windows[0])
        return tlsd_profile_fail(err, "a .NET profile needs the Windows it runs on "
                                      "(base = windows-2019 or dotnet_windows = ...)");
    if (versions_given)
        return tlsd_profile_fail(err, "a .NET profile's versions follow from dotnet, "
                                      "dotnet_registry and the Windows version; do not set them");
    tlsd_dotnet_apply(p);
    return 0;
}

int tlsd_profile_parse_text(const char *text, size_t len, enum tlsd_side side,
                            struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    return parse_text(text, len, side, p, err, 0);
}

static int parse_text(const char *text, size_t len, enum tlsd_side side, struct tlsd_profile *p,
                      struct tlsd_profile_err *err, int depth)
{
    tlsd_profile_init(p, side);
    char *buf = malloc(len + 1);
    if (!buf)
        return tlsd_profile_fail(err, "out of memory");
    memcpy(buf, text, len);
    buf[len] = '\0';
    bool versions_set = false, versions_given = false;
    int rc = 0, lineno = 0, n_keys = 0;
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *l = trim(line);
        if (!*l || *l == '[')
            continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            rc = tlsd_profile_fail(err, "line %d: expected 'key = value'", lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(l), *val = trim(eq + 1);
        bool is_base = strcasecmp(key, "base") == 0;
        if (is_base && n_keys > 0)
            rc = tlsd_profile_fail(err, "base must come before every key but name, aliases, "
                                        "description, source and side");
        else if (is_base)
            versions_set = true, rc = apply_base(val, p, err, depth);
        else
            rc = apply_key(key, val, p, err, &versions_set);
        versions_given |= !is_base && strcasecmp(key, "versions") == 0;
        n_keys += !is_meta_key(key);
        if (rc < 0) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            snprintf(err->msg, sizeof err->msg, "line %d: %.32s: %.200s", lineno, key, msg);
        }
    }
    free(buf);
    if (rc == 0 && depth == 0)
        rc = finish_dotnet(p, versions_given, err);
    if (rc == 0 && !versions_set && p->n_suites > 0 && p->impl != TLSD_IMPL_OPENSSL) {
        tlsd_profile_versions_from_suites(p);
        p->versions_assumed = true;
    }
    if (rc == 0 && side != TLSD_SIDE_ANY && p->side != TLSD_SIDE_ANY && p->side != side)
        rc = tlsd_profile_fail(err, "profile '%s' describes a %s, not a %s", p->name,
                               tlsd_side_name(p->side), tlsd_side_name(side));
    if (rc == 0 && side != TLSD_SIDE_ANY)
        p->side = side;
    return rc;
}

int tlsd_profile_set_versions(struct tlsd_profile *p, const char *spec,
                              struct tlsd_profile_err *err)
{
    const struct tlsd_builtin_profile *b = tlsd_builtin_profile_find(spec);
    if (b) {
        struct tlsd_profile from;
        if (tlsd_profile_builtin(spec, TLSD_SIDE_ANY, &from, err) < 0)
            return -1;
        p->versions = from.versions;
        p->versions_assumed = false;
        return 0;
    }
    struct tlsd_profile tmp = *p;
    struct tokctx c = {&tmp, err, NULL};
    tmp.versions = 0;
    if (each_token(spec, add_version, &c) < 0 || !tmp.versions)
        return tmp.versions ? -1
                            : tlsd_profile_fail(err,
                                                "'%s' names no version (TLSv1.2, TLSv1.3, ...) "
                                                "and no built-in profile (windows-2019, ...)",
                                                spec);
    p->versions = tmp.versions;
    p->versions_assumed = false;
    return 0;
}

static void format_codes16(struct tlsd_strbuf *b, const char *key, const uint16_t *v, size_t n)
{
    tlsd_sb_printf(b, "%s =", key); /* an empty list says "none" (not the default) */
    for (size_t i = 0; i < n; i++)
        tlsd_sb_printf(b, "%s 0x%04X", i ? "," : "", (unsigned)v[i]);
    tlsd_sb_puts(b, "\n");
}

static void format_settings(struct tlsd_strbuf *b, const char *key, unsigned bits)
{
    tlsd_sb_printf(b, "%s =", key);
    const char *sep = " ";
    for (unsigned bit = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; bit <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         bit <<= 1)
        if (bits & bit) {
            tlsd_sb_printf(b, "%s%s", sep, tlsd_dotnet_setting_name(bit));
            sep = ", ";
        }
    tlsd_sb_puts(b, bits ? "\n" : " none\n");
}

static void format_dotnet(struct tlsd_strbuf *b, const struct tlsd_dotnet *d)
{
    tlsd_sb_printf(b, "dotnet = %s\ndotnet_windows = %s\n", tlsd_dotnet_target_name(d->target),
                   d->windows);
    format_settings(b, "dotnet_registry", d->registry);
    format_settings(b, "dotnet_appcontext", d->appcontext);
}

char *tlsd_profile_format(const struct tlsd_profile *p)
{
    struct tlsd_strbuf b = {0};
    tlsd_sb_printf(&b, "name = %s\nside = %s\nimplementation = %s\n", p->name,
                   tlsd_side_name(p->side), tlsd_impl_name(p->impl));
    tlsd_sb_printf(&b, "preference = %s\n",
                   p->pref == TLSD_PREF_SERVER   ? "server"
                   : p->pref == TLSD_PREF_CLIENT ? "client"
                                                 : "default");
    if (p->dotnet.target != TLSD_DOTNET_NONE)
        format_dotnet(&b, &p->dotnet);
    /* a .NET profile's versions follow from the keys above: a comment */
    tlsd_sb_puts(&b, p->dotnet.target != TLSD_DOTNET_NONE ? "# versions =" : "versions =");
    const char *sep = " ";
    for (unsigned bit = TLSD_V_SSL2; bit <= TLSD_V_TLS13; bit <<= 1)
        if (p->versions & bit) {
            const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
            tlsd_sb_printf(&b, "%s%s", sep, v ? v->name : "?");
            sep = ", ";
        }
    tlsd_sb_printf(&b, "\nsupported_versions_ext = %s\n", p->supported_versions_ext ? "yes" : "no");
    if (p->n_suites) {
        tlsd_sb_puts(&b, "suites =");
        char code[12];
        for (size_t i = 0; i < p->n_suites; i++)
            tlsd_sb_printf(&b, "%s %s", i ? "," : "", tlsd_suite_code_str(p->suites[i], code));
        tlsd_sb_puts(&b, "\n");
    }
    if (p->cipher_string[0])
        tlsd_sb_printf(&b, "cipher_string = %s\n", p->cipher_string);
    format_codes16(&b, "groups", p->groups, p->n_groups);
    format_codes16(&b, "key_shares", p->key_shares, p->n_key_shares);
    format_codes16(&b, "sigalgs", p->sigalgs, p->n_sigalgs);
    format_codes16(&b, "sigalgs_tls13", p->sigalgs13, p->n_sigalgs13);
    if (p->n_certs) {
        tlsd_sb_puts(&b, "certificates =");
        for (size_t i = 0; i < p->n_certs; i++) {
            const struct tlsd_cert_key *k = &p->certs[i];
            tlsd_sb_printf(&b, "%s %s", i ? "," : "", tlsd_key_type_name(k->type));
            if (k->curve)
                tlsd_sb_printf(&b, " 0x%04X", (unsigned)k->curve);
            else if (k->bits)
                tlsd_sb_printf(&b, " %d", k->bits);
        }
        tlsd_sb_puts(&b, "\n");
    }
    if (p->dh_bits)
        tlsd_sb_printf(&b, "dh_bits = %d\n", p->dh_bits);
    if (p->dh_bits_min)
        tlsd_sb_printf(&b, "dh_bits_min = %d\n", p->dh_bits_min);
    if (p->dh_bits_max)
        tlsd_sb_printf(&b, "dh_bits_max = %d\n", p->dh_bits_max);
    if (p->ssl3_alert != TLSD_ALERT_UNKNOWN)
        tlsd_sb_printf(&b, "ssl3_alert = %d\n", p->ssl3_alert);
    if (p->security_level != TLSD_SECLEVEL_UNKNOWN)
        tlsd_sb_printf(&b, "security_level = %d\n", p->security_level);
    tlsd_sb_puts(&b, "flags =");
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        tlsd_sb_printf(&b, "%s %s%s", i ? "," : "", p->flags & flag_names[i].flag ? "" : "-",
                       flag_names[i].name);
    tlsd_sb_puts(&b, "\n");
    return tlsd_sb_take(&b);
}

/* Each built-in parsed once, indexed by its table row: a fix search, a match matrix and the
 * registry reader ask for the same ones again and again (parsing was half of reading a
 * registry export). Kept until exit. */
static struct tlsd_profile **parsed_builtins;
static pthread_mutex_t parsed_lock = PTHREAD_MUTEX_INITIALIZER;

static int builtin_parsed(const struct tlsd_builtin_profile *b, struct tlsd_profile *p,
                          struct tlsd_profile_err *err)
{
    size_t i = (size_t)(b - tlsd_builtin_profile_at(0)), n = tlsd_builtin_profile_count();
    pthread_mutex_lock(&parsed_lock);
    if (!parsed_builtins)
        parsed_builtins = calloc(n, sizeof *parsed_builtins);
    const struct tlsd_profile *have = parsed_builtins && i < n ? parsed_builtins[i] : NULL;
    if (have)
        *p = *have;
    pthread_mutex_unlock(&parsed_lock);
    if (have)
        return 0;
    if (tlsd_profile_parse_text(b->text, strlen(b->text), TLSD_SIDE_ANY, p, err) < 0)
        return -1;
    struct tlsd_profile *keep = parsed_builtins && i < n ? malloc(sizeof *keep) : NULL;
    if (!keep)
        return 0; /* parsed, only not kept */
    *keep = *p;
    pthread_mutex_lock(&parsed_lock);
    if (!parsed_builtins[i]) {
        parsed_builtins[i] = keep;
        keep = NULL;
    }
    pthread_mutex_unlock(&parsed_lock);
    free(keep);
    return 0;
}

int tlsd_profile_builtin(const char *name, enum tlsd_side side, struct tlsd_profile *p,
                         struct tlsd_profile_err *err)
{
    const struct tlsd_builtin_profile *b = tlsd_builtin_profile_find(name);
    if (!b)
        return tlsd_profile_fail(err, "no built-in profile '%s' (see 'tlsdiag profiles')", name);
    /* Built-in profiles of either side may be used as either: a Windows default
     * list describes the client and the server of that version. */
    if (builtin_parsed(b, p, err) < 0)
        return -1;
    if (side != TLSD_SIDE_ANY)
        p->side = side;
    const struct tlsd_windows_support *ws = tlsd_windows_support_of(b->name);
    if (ws && p->impl == TLSD_IMPL_SCHANNEL)
        snprintf(p->windows, sizeof p->windows, "%s", ws->profile);
    return 0;
}
