/* The input forms other than the profile file format: what an administrator has at
 * hand (OpenSSL cipher strings, nginx/Apache lines, Get-TlsCipherSuite output, GPO
 * strings, plain lists) and ClientHello hex. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "model/profile_internal.h"
#include "tlsdiag/suitelist.h"

/* OpenSSL's default TLS 1.3 suites (ssl/ssl_ciph.c TLS_DEFAULT_CIPHERSUITES), which
 * SSL_CTX_set_cipher_list leaves untouched. */
static const uint32_t openssl_tls13_default[] = {TLSD_SUITE_TLS_AES_256_GCM_SHA384,
                                                 TLSD_SUITE_TLS_CHACHA20_POLY1305_SHA256,
                                                 TLSD_SUITE_TLS_AES_128_GCM_SHA256};

const char *tlsd_profile_form_name(enum tlsd_profile_form f)
{
    static const char *const names[] = {"auto",
                                        "profile file",
                                        "ClientHello hex",
                                        "OpenSSL cipher string",
                                        "nginx/Apache configuration",
                                        "Get-TlsCipherSuite output",
                                        "GPO cipher suite order",
                                        "suite list",
                                        "scan JSON",
                                        "capture"};
    return (size_t)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

static bool has_word(const char *text, size_t len, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= len; i++)
        if (strncasecmp(text + i, word, wl) == 0 && (i == 0 || isspace((unsigned char)text[i - 1])))
            return true;
    return false;
}

/* Get-TlsCipherSuite output: a "Name  : TLS_..." property line (list form) or a table
 * header line with both "Name" and "Exchange" (case as PowerShell prints them). */
static bool looks_powershell(const char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        const char *l = text + i;
        size_t n = e - i, k = 0;
        while (k < n && (l[k] == ' ' || l[k] == '\t'))
            k++;
        if (n - k > 4 && strncmp(l + k, "Name", 4) == 0) {
            size_t j = k + 4;
            while (j < n && l[j] == ' ')
                j++;
            if (j < n && l[j] == ':')
                return true;
            if (tlsd_memmem(l, n, "Exchange", 8))
                return true;
        }
        i = e + 1;
    }
    return false;
}

static bool all_hex(const char *text, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (isxdigit((unsigned char)text[i]))
            digits++;
        else if (!isspace((unsigned char)text[i]))
            return false;
    }
    /* A record header and a minimal ClientHello are far longer than a suite code. */
    return digits >= 80;
}

enum tlsd_profile_form tlsd_profile_detect(const char *text, size_t len)
{
    while (len > 0 && isspace((unsigned char)*text))
        text++, len--;
    if (len == 0)
        return TLSD_PROFILE_LIST;
    if (text[0] == '{')
        return TLSD_PROFILE_SCAN_JSON;
    if (all_hex(text, len))
        return TLSD_PROFILE_HEX;
    if (has_word(text, len, "ssl_ciphers") || has_word(text, len, "ssl_protocols") ||
        has_word(text, len, "SSLCipherSuite") || has_word(text, len, "SSLProtocol"))
        return TLSD_PROFILE_WEBSERVER;
    if (looks_powershell(text, len))
        return TLSD_PROFILE_POWERSHELL;
    /* "key = value" lines with a known key. */
    static const char *const keys[] = {"name",     "side",           "suites",
                                       "versions", "implementation", "client_hello"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t kl = strlen(keys[i]);
        for (size_t j = 0; j + kl < len; j++)
            if ((j == 0 || text[j - 1] == '\n') && strncasecmp(text + j, keys[i], kl) == 0) {
                size_t k = j + kl;
                while (k < len && (text[k] == ' ' || text[k] == '\t'))
                    k++;
                if (k < len && text[k] == '=')
                    return TLSD_PROFILE_FILEFORMAT;
            }
    }
    return TLSD_PROFILE_LIST;
}

static int add_code_list(struct tlsd_profile *p, const uint32_t *codes, size_t n,
                         struct tlsd_profile_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (tlsd_profile_add_suite(p, codes[i]) < 0)
            return tlsd_profile_fail(err, "more than %d suites", TLSD_PROFILE_MAX_SUITES);
    return 0;
}

/* cipherstr (TLS 1.2 and below) and tls13 (NULL: OpenSSL's default). */
static int openssl_suites(struct tlsd_profile *p, const char *cipherstr, const char *tls13,
                          struct tlsd_profile_err *err)
{
    p->n_suites = 0;
    if (tls13) {
        struct tlsd_suite_list l;
        if (tlsd_suite_list_parse(tls13, strlen(tls13), &l) < 0)
            return tlsd_profile_fail(err, "out of memory");
        int rc = l.n_errors ? tlsd_profile_fail(err, "TLS 1.3 suite '%s': %s", l.errors[0].token,
                                                l.errors[0].text)
                            : 0;
        for (size_t i = 0; rc == 0 && i < l.n_items; i++)
            rc = add_code_list(p, &l.items[i].code, 1, err);
        tlsd_suite_list_free(&l);
        if (rc < 0)
            return rc;
    } else if (add_code_list(p, openssl_tls13_default, 3, err) < 0) {
        return -1;
    }
    uint32_t *codes = NULL;
    char msg[200];
    int n = tlsd_openssl_expand(cipherstr, &codes, msg, sizeof msg);
    if (n < 0)
        return tlsd_profile_fail(err, "OpenSSL cipher string '%s': %s", cipherstr, msg);
    if (strlen(cipherstr) < sizeof p->cipher_string) /* kept for the fixes to add to */
        tlsd_profile_set_cipher_string(p, cipherstr);
    int rc = add_code_list(p, codes, (size_t)n, err);
    free(codes);
    return rc;
}

static void set_openssl(struct tlsd_profile *p)
{
    p->impl = TLSD_IMPL_OPENSSL;
    p->versions = TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12 | TLSD_V_TLS13;
}

/* Copies the value of a directive up to ';' or end of line, quotes removed. */
static void directive_value(const char *p, char *out, size_t outlen)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = 0;
    for (; *p && *p != ';' && *p != '\n' && *p != '#' && n + 1 < outlen; p++)
        if (*p != '\'' && *p != '"')
            out[n++] = *p;
    while (n > 0 && isspace((unsigned char)out[n - 1]))
        n--;
    out[n] = '\0';
}

/* A version by any of its registry spellings (Apache and OpenSSL write TLSv1, TLSv1.2);
 * its bit, 0 for a name that is no version a profile holds (DTLS, unknown). */
static unsigned version_bit_of_name(const char *name)
{
    const struct tlsd_version *v = tlsd_version_by_name(name);
    return v ? tlsd_version_bit(v->code) : 0;
}

/* "TLSv1.2 TLSv1.3" (nginx) or "all -SSLv3 +TLSv1.2" (Apache mod_ssl). */
static int web_protocols(const char *val, struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    char buf[256];
    size_t len = strlen(val);
    if (len >= sizeof buf)
        return tlsd_profile_fail(err, "protocol line longer than %zu characters", sizeof buf - 1);
    memcpy(buf, val, len + 1);
    unsigned set = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        char sign = (*t == '+' || *t == '-') ? *t++ : 0;
        unsigned bits;
        if (strcasecmp(t, "all") == 0)
            bits = TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12 | TLSD_V_TLS13;
        else if (!(bits = version_bit_of_name(t)))
            return tlsd_profile_fail(err, "unknown protocol '%s' in protocol line", t);
        if (sign == '-')
            set &= ~bits;
        else
            set |= bits;
    }
    p->versions = set;
    return 0;
}

static int parse_webserver(const char *text, size_t len, struct tlsd_profile *p,
                           struct tlsd_profile_err *err)
{
    set_openssl(p);
    char cipherstr[4096] = "HIGH:!aNULL:!MD5"; /* nginx's default ssl_ciphers */
    char tls13[4096] = "", val[4096];
    char *copy = tlsd_strndup(text, len);
    if (!copy)
        return tlsd_profile_fail(err, "out of memory");
    int rc = 0;
    for (char *save = NULL, *line = strtok_r(copy, "\n;", &save); line && rc == 0;
         line = strtok_r(NULL, "\n;", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        static const char *const keys[] = {"ssl_ciphers",
                                           "SSLCipherSuite",
                                           "ssl_protocols",
                                           "SSLProtocol",
                                           "ssl_prefer_server_ciphers",
                                           "SSLHonorCipherOrder",
                                           "ssl_ecdh_curve",
                                           "SSLOpenSSLConfCmd Curves",
                                           "ssl_conf_command Ciphersuites"};
        size_t k = 0, n = sizeof keys / sizeof keys[0];
        while (k < n && strncasecmp(line, keys[k], strlen(keys[k])) != 0)
            k++;
        if (k == n)
            continue;
        directive_value(line + strlen(keys[k]), val, sizeof val);
        if (k == 0 || k == 1) {
            /* Apache: "SSLCipherSuite TLSv1.3 TLS_AES_..." sets the TLS 1.3 list. */
            if (strncasecmp(val, "TLSv1.3 ", 8) == 0)
                snprintf(tls13, sizeof tls13, "%s", val + 8);
            else if (strncasecmp(val, "SSL ", 4) == 0)
                snprintf(cipherstr, sizeof cipherstr, "%s", val + 4);
            else
                snprintf(cipherstr, sizeof cipherstr, "%s", val);
        } else if (k == 2 || k == 3) {
            rc = web_protocols(val, p, err);
        } else if (k == 4 || k == 5) {
            p->pref = strcasecmp(val, "on") == 0 ? TLSD_PREF_SERVER : TLSD_PREF_CLIENT;
        } else if (k == 6 || k == 7) {
            char prof[4200];
            snprintf(prof, sizeof prof, "groups = %s", val);
            struct tlsd_profile tmp;
            if (tlsd_profile_parse_text(prof, strlen(prof), TLSD_SIDE_ANY, &tmp, err) < 0)
                rc = -1;
            else {
                memcpy(p->groups, tmp.groups, sizeof p->groups);
                p->n_groups = tmp.n_groups;
            }
        } else {
            snprintf(tls13, sizeof tls13, "%s", val);
        }
    }
    free(copy);
    if (rc < 0)
        return rc;
    if (p->pref == TLSD_PREF_DEFAULT)
        p->pref = TLSD_PREF_CLIENT; /* nginx and Apache both default to the client's order */
    return openssl_suites(p, cipherstr, tls13[0] ? tls13 : NULL, err);
}

static int parse_suites_only(const char *text, size_t len, struct tlsd_profile *p,
                             struct tlsd_profile_err *err);

/* A "versions = ..." line in a suite list or Get-TlsCipherSuite output: its value
 * (copied to out) and the text without it; false when there is none. */
static bool versions_line(const char *text, size_t len, char *out, size_t outlen, char **rest)
{
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t k = i;
        while (k < e && (text[k] == ' ' || text[k] == '\t'))
            k++;
        if (e - k > 8 && strncasecmp(text + k, "versions", 8) == 0) {
            size_t v = k + 8;
            while (v < e && (text[v] == ' ' || text[v] == '\t'))
                v++;
            if (v < e && text[v] == '=') {
                snprintf(out, outlen, "%.*s", (int)(e - v - 1), text + v + 1);
                *rest = malloc(len + 1);
                if (*rest) {
                    memcpy(*rest, text, i);
                    memcpy(*rest + i, text + e, len - e);
                    (*rest)[i + len - e] = '\0';
                }
                return true;
            }
        }
        i = e + 1;
    }
    return false;
}

static int parse_suite_list(const char *text, size_t len, struct tlsd_profile *p,
                            struct tlsd_profile_err *err)
{
    char versions[256];
    char *rest = NULL;
    bool have_versions = versions_line(text, len, versions, sizeof versions, &rest);
    if (have_versions && !rest)
        return tlsd_profile_fail(err, "out of memory");
    if (rest) {
        text = rest;
        len = strlen(rest);
    }
    int rc = parse_suites_only(text, len, p, err);
    free(rest);
    if (rc < 0)
        return rc;
    tlsd_profile_versions_from_suites(p);
    p->versions_assumed = true;
    return have_versions ? tlsd_profile_set_versions(p, versions, err) : 0;
}

static int parse_suites_only(const char *text, size_t len, struct tlsd_profile *p,
                             struct tlsd_profile_err *err)
{
    struct tlsd_suite_list l;
    if (tlsd_suite_list_parse(text, len, &l) < 0)
        return tlsd_profile_fail(err, "out of memory");
    int rc = 0;
    if (l.n_errors > 0)
        rc = tlsd_profile_fail(err, "suite '%s': %s", l.errors[0].token, l.errors[0].text);
    else if (l.n_items == 0)
        rc = tlsd_profile_fail(err, "no cipher suites in the input");
    for (size_t i = 0; rc == 0 && i < l.n_items; i++)
        rc = add_code_list(p, &l.items[i].code, 1, err);
    tlsd_suite_list_free(&l);
    return rc;
}

static void set_schannel(struct tlsd_profile *p)
{
    p->impl = TLSD_IMPL_SCHANNEL;
    tlsd_profile_impl_defaults(p);
}

int tlsd_profile_parse_form(enum tlsd_profile_form form, const char *text, size_t len,
                            enum tlsd_side side, struct tlsd_profile *p,
                            struct tlsd_profile_err *err)
{
    if (form == TLSD_PROFILE_AUTO)
        form = tlsd_profile_detect(text, len);
    if (form == TLSD_PROFILE_FILEFORMAT)
        return tlsd_profile_parse_text(text, len, side, p, err);
    tlsd_profile_init(p, side);
    snprintf(p->name, sizeof p->name, "(%s)", tlsd_profile_form_name(form));
    char *s = NULL;
    int rc;
    switch (form) {
    case TLSD_PROFILE_HEX:
        rc = tlsd_profile_hello_hex(text, len, p, err);
        break;
    case TLSD_PROFILE_OPENSSL:
        set_openssl(p);
        s = tlsd_strndup(text, len);
        rc = s ? openssl_suites(p, s, NULL, err) : tlsd_profile_fail(err, "out of memory");
        break;
    case TLSD_PROFILE_WEBSERVER:
        rc = parse_webserver(text, len, p, err);
        break;
    case TLSD_PROFILE_POWERSHELL:
    case TLSD_PROFILE_GPO:
        set_schannel(p);
        rc = parse_suite_list(text, len, p, err);
        break;
    case TLSD_PROFILE_LIST:
        rc = parse_suite_list(text, len, p, err);
        break;
    case TLSD_PROFILE_SCAN_JSON:
        rc = tlsd_profile_from_scan_json(text, len, p, err);
        break;
    case TLSD_PROFILE_CAPTURE: /* a file, not text: tlsd_profile_load reads it */
    default:
        rc = tlsd_profile_fail(err, "%s input cannot be given as text",
                               tlsd_profile_form_name(form));
        break;
    }
    free(s);
    return rc;
}
