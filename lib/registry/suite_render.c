/* Cipher suite lists written in each naming scheme, and as JSON. */
#include "tlsdiag/suite_render.h"
#include "tlsdiag/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

static const char *const format_names[] = {
    [TLSD_FMT_TABLE] = "table",     [TLSD_FMT_IANA] = "iana",
    [TLSD_FMT_OPENSSL] = "openssl", [TLSD_FMT_GNUTLS] = "gnutls",
    [TLSD_FMT_WINDOWS] = "windows", [TLSD_FMT_HEX] = "hex",
    [TLSD_FMT_GPO] = "gpo",         [TLSD_FMT_POWERSHELL] = "powershell",
    [TLSD_FMT_JSON] = "json",
};

int tlsd_suite_format_from_name(const char *name, enum tlsd_suite_format *f)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcasecmp(name, format_names[i]) == 0) {
            *f = (enum tlsd_suite_format)i;
            return 0;
        }
    return -1;
}

/* The spelling of one item in fmt, or NULL when the scheme has none. */
static const char *spelling(const struct tlsd_list_item *it, enum tlsd_suite_format fmt)
{
    const struct tlsd_suite *s = it->suite;
    if (!s)
        return NULL;
    switch (fmt) {
    case TLSD_FMT_IANA:
        return s->iana_name;
    case TLSD_FMT_OPENSSL:
        return s->openssl_name;
    case TLSD_FMT_GNUTLS:
        return s->gnutls_name;
    case TLSD_FMT_WINDOWS:
    case TLSD_FMT_GPO:
    case TLSD_FMT_POWERSHELL:
        return s->windows_name;
    default:
        return NULL;
    }
}

static const char *scheme_label(enum tlsd_suite_format fmt)
{
    switch (fmt) {
    case TLSD_FMT_OPENSSL:
        return "no OpenSSL name";
    case TLSD_FMT_GNUTLS:
        return "GnuTLS does not implement it";
    case TLSD_FMT_WINDOWS:
    case TLSD_FMT_GPO:
    case TLSD_FMT_POWERSHELL:
        return "no Windows version implements it";
    default:
        return "no name";
    }
}

static bool in_names(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Disable-TlsCipherSuite for every suite not kept: said at the top of the script and in a
 * note (the caller prints it on stderr). The TLS 1.3 suites stay unless the list is to
 * replace them too: without them TLS 1.3 cannot be negotiated at all. */
static void render_powershell(struct tlsd_strbuf *b, const char **names, size_t n, bool keep_tls13,
                              struct tlsd_suite_list *problems)
{
    const char *extra[8];
    size_t n_extra = 0;
    for (size_t i = 0; keep_tls13 && i < tlsd_suite_count() && n_extra < 8; i++) {
        const struct tlsd_suite *s = tlsd_suite_at(i);
        if (s->min_version == TLSD_VERSION_TLS1_3 && s->windows_name &&
            s->status == TLSD_STATUS_IANA && !in_names(names, n, s->windows_name))
            extra[n_extra++] = s->windows_name;
    }
    char warn[300];
    snprintf(warn, sizeof warn,
             "the PowerShell script disables every cipher suite not in the list (%zu kept%s)",
             n + n_extra,
             n_extra      ? ", the TLS 1.3 suites among them"
             : keep_tls13 ? ""
                          : "; TLS 1.3 suites not in the list are disabled too");
    if (tlsd_suite_list_note(problems, "powershell", warn) < 0)
        b->failed = true;
    tlsd_sb_printf(
        b,
        "# WARNING: this script DISABLES every cipher suite that is not listed in $keep\n"
        "# (%zu suites kept). A client or server that needs another suite will fail.\n",
        n + n_extra);
    if (n_extra)
        tlsd_sb_puts(b, "# The TLS 1.3 suites are kept although the list does not name them.\n");
    tlsd_sb_puts(
        b, "# Run in an elevated PowerShell (Windows 10 / Server 2016 or later).\n"
           "# A domain Group Policy \"SSL Cipher Suite Order\" overrides this list: check\n"
           "#   HKLM:\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002\n"
           "# Restart the computer (or at least the TLS services) for running\n"
           "# processes to use the new order.\n");
    tlsd_sb_puts(b, "$keep = @(");
    for (size_t i = 0; i < n + n_extra; i++)
        tlsd_sb_printf(b, "%s'%s'", i ? ", " : "", i < n ? names[i] : extra[i - n]);
    tlsd_sb_puts(b, ")\n");
    tlsd_sb_puts(b, "Get-TlsCipherSuite | Where-Object { $keep -notcontains $_.Name } | "
                    "ForEach-Object { Disable-TlsCipherSuite -Name $_.Name }\n");
    /* Position 0 is the highest priority (Enable-TlsCipherSuite docs); the TLS 1.3
     * suites kept go after the list. */
    for (size_t i = 0; i < n + n_extra; i++)
        tlsd_sb_printf(b, "Enable-TlsCipherSuite -Name '%s' -Position %zu\n",
                       i < n ? names[i] : extra[i - n], i);
}

/* OpenSSL takes TLS 1.3 suites apart from the cipher string (-ciphersuites,
 * SSL_CTX_set_ciphersuites): the string for TLS 1.2 and older on the first
 * line, the TLS 1.3 list on a second line when there is one. */
static void render_openssl(struct tlsd_strbuf *b, const char **names, size_t n,
                           struct tlsd_suite_list *problems)
{
    for (int pass = 0; pass < 2; pass++) {
        int k = 0;
        for (size_t i = 0; i < n; i++) {
            const struct tlsd_suite *s = tlsd_suite_by_name(names[i]);
            bool tls13 = s && s->min_version == TLSD_VERSION_TLS1_3;
            if (tls13 == (pass == 1))
                tlsd_sb_printf(b, "%s%s", k++ ? ":" : "", names[i]);
        }
        if (k > 0)
            tlsd_sb_puts(b, "\n");
        if (k > 0 && pass == 1 &&
            tlsd_suite_list_note(problems, "TLSv1.3",
                                 "OpenSSL sets TLS 1.3 suites apart (-ciphersuites, "
                                 "SSL_CTX_set_ciphersuites, nginx ssl_conf_command "
                                 "Ciphersuites): they are on the last line") < 0)
            b->failed = true;
    }
}

static char *render_list(const struct tlsd_suite_list *l, enum tlsd_suite_format fmt,
                         bool keep_tls13, struct tlsd_suite_list *problems)
{
    struct tlsd_strbuf b = {0};
    const char **names = calloc(l->n_items + 1, sizeof *names);
    if (!names)
        return NULL;
    size_t n = 0;
    char code[16];
    for (size_t i = 0; i < l->n_items; i++) {
        const struct tlsd_list_item *it = &l->items[i];
        if (fmt == TLSD_FMT_HEX) {
            tlsd_suite_code_str(it->code, code);
            tlsd_sb_printf(&b, "%s\n", code);
            continue;
        }
        const char *name = spelling(it, fmt);
        if (!name) {
            tlsd_suite_code_str(it->code, code);
            char msg[200];
            if (it->suite)
                snprintf(msg, sizeof msg, "%s: %s: left out", it->suite->iana_name,
                         scheme_label(fmt));
            else
                snprintf(msg, sizeof msg, "%s: no name in any scheme: left out",
                         tlsd_is_grease(it->code) ? "a GREASE value" : "not an assigned suite");
            if (tlsd_suite_list_error(problems, code, msg) < 0)
                b.failed = true;
            continue;
        }
        names[n++] = name;
    }
    switch (fmt) {
    case TLSD_FMT_GPO: {
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            tlsd_sb_printf(&b, "%s%s", i ? "," : "", names[i]);
            total += strlen(names[i]) + (i ? 1 : 0);
        }
        tlsd_sb_puts(&b, "\n");
        if (total > TLSD_GPO_MAX_CHARS) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "the policy string is %zu characters; Windows reads at most %d and drops "
                     "the suites past that",
                     total, TLSD_GPO_MAX_CHARS);
            if (tlsd_suite_list_error(problems, "gpo", msg) < 0)
                b.failed = true;
        }
        break;
    }
    case TLSD_FMT_POWERSHELL:
        render_powershell(&b, names, n, keep_tls13, problems);
        break;
    case TLSD_FMT_OPENSSL:
        render_openssl(&b, names, n, problems);
        break;
    case TLSD_FMT_HEX:
        break;
    default:
        for (size_t i = 0; i < n; i++)
            tlsd_sb_printf(&b, "%s\n", names[i]);
        break;
    }
    free(names);
    return tlsd_sb_take(&b);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Comma list -> JSON array (empty when NULL). */
static json_t *list_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, len));
        p = comma ? comma + 1 : NULL;
    }
    return a;
}

json_t *tlsd_suite_to_json(const struct tlsd_suite *s)
{
    char code[16], ver[16];
    tlsd_suite_code_str(s->code, code);
    return json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:s, "
                     "s:s, s:s, s:s, s:s, s:b}",
                     "code", code, "value", (json_int_t)s->code, "iana", s->iana_name, "openssl",
                     str_or_null(s->openssl_name), "openssl_aliases", list_json(s->openssl_aliases),
                     "gnutls", str_or_null(s->gnutls_name), "windows", str_or_null(s->windows_name),
                     "windows_spellings", list_json(s->windows_names), "kx", tlsd_kx_name(s->kx),
                     "auth", tlsd_auth_name(s->auth), "cert", tlsd_cert_kind_name(s->cert),
                     "cipher", tlsd_cipher_name(s->cipher), "bits", s->bits, "mac",
                     tlsd_mac_name(s->mac), "min_version", tlsd_version_str(s->min_version, ver),
                     "class", tlsd_class_name(s->cls), "class_reason", s->class_reason, "status",
                     tlsd_suite_status_name(s->status), "reference", s->reference, "local_openssl",
                     tlsd_openssl_knows(s->code));
}

static json_t *msgs_json(const struct tlsd_list_msg *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a,
                              json_pack("{s:s, s:s}", "input", m[i].token, "message", m[i].text));
    return a;
}

json_t *tlsd_suite_list_to_json(const struct tlsd_suite_list *l)
{
    json_t *items = json_array();
    for (size_t i = 0; i < l->n_items; i++) {
        const struct tlsd_list_item *it = &l->items[i];
        if (it->suite) {
            json_array_append_new(items, tlsd_suite_to_json(it->suite));
        } else {
            char code[16];
            tlsd_suite_code_str(it->code, code);
            json_array_append_new(items, json_pack("{s:s, s:I, s:b}", "code", code, "value",
                                                   (json_int_t)it->code, "grease",
                                                   tlsd_is_grease(it->code)));
        }
    }
    return json_pack("{s:s, s:o, s:o, s:o}", "input_form", tlsd_list_form_name(l->form), "suites",
                     items, "errors", msgs_json(l->errors, l->n_errors), "notes",
                     msgs_json(l->notes, l->n_notes));
}

char *tlsd_render_suite_list(const struct tlsd_suite_list *l, enum tlsd_suite_format fmt,
                             struct tlsd_suite_list *problems)
{
    return render_list(l, fmt, true, problems);
}

char *tlsd_render_powershell(const struct tlsd_suite_list *l, bool keep_tls13,
                             struct tlsd_suite_list *problems)
{
    return render_list(l, TLSD_FMT_POWERSHELL, keep_tls13, problems);
}

/* ---- for a reader: one suite in full, or a table ---------------------------------- */

static const char *cert_phrase(enum tlsd_cert_kind cert)
{
    switch (cert) {
    case TLSD_CERT_RSA:
        return "an RSA certificate";
    case TLSD_CERT_ECDSA:
        return "an ECDSA certificate";
    case TLSD_CERT_DSA:
        return "a DSA certificate";
    case TLSD_CERT_DH:
        return "a static DH certificate";
    case TLSD_CERT_ECDH:
        return "a static ECDH certificate";
    case TLSD_CERT_GOST:
        return "a GOST certificate";
    case TLSD_CERT_ANY:
        return "any certificate type (TLS 1.3 signs with the signature scheme)";
    default:
        return "no certificate";
    }
}

void tlsd_suite_card_text(const struct tlsd_suite *s, bool color, struct tlsd_strbuf *b)
{
    char v1[16];
    tlsd_sb_printf(b, "0x%04X  %s\n", (unsigned)s->code, s->iana_name);
    tlsd_sb_printf(b, "  OpenSSL       %s%s%s%s\n", s->openssl_name ? s->openssl_name : "-",
                   s->openssl_aliases ? " (also " : "",
                   s->openssl_aliases ? s->openssl_aliases : "", s->openssl_aliases ? ")" : "");
    tlsd_sb_printf(b, "  GnuTLS        %s\n", s->gnutls_name ? s->gnutls_name : "-");
    tlsd_sb_printf(b, "  Windows       %s\n",
                   s->windows_names ? s->windows_names : "- (no Windows version)");
    tlsd_sb_printf(b, "  Key exchange  %s, authentication %s: needs %s\n", tlsd_kx_name(s->kx),
                   tlsd_auth_name(s->auth), cert_phrase(s->cert));
    tlsd_sb_printf(b, "  Cipher        %s (%d bits), MAC %s\n", tlsd_cipher_name(s->cipher),
                   s->bits, tlsd_mac_name(s->mac));
    if (tlsd_suite_is_sslv2(s))
        tlsd_sb_printf(b, "  Protocols     SSLv2 only\n");
    else if (s->min_version == TLSD_VERSION_TLS1_3)
        tlsd_sb_printf(b, "  Protocols     TLSv1.3 only\n");
    else if (s->min_version == TLSD_VERSION_TLS1_2)
        tlsd_sb_printf(b, "  Protocols     TLSv1.2 only\n");
    else
        tlsd_sb_printf(b, "  Protocols     %s to TLSv1.2\n", tlsd_version_str(s->min_version, v1));
    tlsd_sb_printf(b, "  Class         %s%s%s: %s\n", tlsd_class_style(s->cls, color),
                   tlsd_class_name(s->cls), tlsd_style(TLSD_SGR_RESET, color), s->class_reason);
    tlsd_sb_printf(b, "  Defined in    %s (%s)\n", s->reference, tlsd_suite_status_name(s->status));
    tlsd_sb_printf(b, "  Local OpenSSL %s\n",
                   tlsd_openssl_knows(s->code) ? "can negotiate it" : "cannot negotiate it");
}

/* The table's columns, and the order they are kept in on a narrow terminal: the IANA name
 * first, the OpenSSL name second (issue 17). */
enum {
    COL_CODE,
    COL_IANA,
    COL_OPENSSL,
    COL_MIN,
    COL_KX,
    COL_AUTH,
    COL_CERT,
    COL_CIPHER,
    COL_BITS,
    COL_MAC,
    COL_CLASS,
    N_COLS
};

void tlsd_suite_table_text(const struct tlsd_suite_list *l, bool color, size_t width,
                           struct tlsd_strbuf *b)
{
    static const char *const heads[N_COLS] = {"CODE", "IANA NAME", "OPENSSL NAME", "MIN",
                                              "KX",   "AUTH",      "CERT",         "CIPHER",
                                              "BITS", "MAC",       "CLASS"};
    static const size_t keep[N_COLS] = {COL_IANA, COL_OPENSSL, COL_CLASS, COL_CODE,
                                        COL_MIN,  COL_BITS,    COL_KX,    COL_CIPHER,
                                        COL_AUTH, COL_MAC,     COL_CERT};
    struct tlsd_table t = {.n_cols = N_COLS, .heads = heads, .keep = keep};
    for (size_t i = 0; i < l->n_items; i++) {
        const struct tlsd_suite *s = l->items[i].suite;
        char code[12], ver[16], bits[12], cls[64];
        const char *row[N_COLS] = {code};
        if (!s) {
            snprintf(code, sizeof code, "0x%04X", (unsigned)l->items[i].code);
            row[COL_IANA] = tlsd_is_grease(l->items[i].code) ? "(GREASE)" : "(unassigned)";
            tlsd_table_row(&t, row);
            continue;
        }
        tlsd_suite_code_str(s->code, code);
        snprintf(bits, sizeof bits, "%d", s->bits);
        snprintf(cls, sizeof cls, "%s%s%s", tlsd_class_style(s->cls, color),
                 tlsd_class_name(s->cls), tlsd_style(TLSD_SGR_RESET, color));
        row[COL_IANA] = s->iana_name;
        row[COL_OPENSSL] = s->openssl_name ? s->openssl_name : "-";
        row[COL_MIN] = tlsd_version_str(s->min_version, ver);
        row[COL_KX] = tlsd_kx_name(s->kx);
        row[COL_AUTH] = tlsd_auth_name(s->auth);
        row[COL_CERT] = tlsd_cert_kind_name(s->cert);
        row[COL_CIPHER] = tlsd_cipher_name(s->cipher);
        row[COL_BITS] = bits;
        row[COL_MAC] = tlsd_mac_name(s->mac);
        row[COL_CLASS] = cls;
        tlsd_table_row(&t, row);
    }
    tlsd_table_render(&t, width, b);
}
