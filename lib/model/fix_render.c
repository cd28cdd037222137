/* The exact commands and settings for a fix, per implementation: PowerShell, the
 * SCHANNEL registry and the GPO string for Windows (windows_notes.md 4, 5); the
 * OpenSSL, nginx and Apache lines; GnuTLS priority strings; Java security properties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/dotnet.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/suite_render.h"
#include "tlsdiag/suitelist.h"
#include "windows/winreg_internal.h"

#define SCHANNEL_KEY "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL"

static int add_step(struct tlsd_fix_steps *s, const char *what, char *text)
{
    if (!text)
        return -1;
    struct tlsd_fix_step *v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (!v) {
        free(text);
        return -1;
    }
    s->v = v;
    snprintf(v[s->n].what, sizeof v[s->n].what, "%s", what);
    v[s->n++].text = text;
    return 0;
}

static void note(struct tlsd_fix_steps *s, const char *text)
{
    if (s->n_notes < sizeof s->notes / sizeof s->notes[0])
        snprintf(s->notes[s->n_notes++], sizeof s->notes[0], "%s", text);
}

/* The suites of p (TLS 1.3 ones or the others) rendered in one format. */
static char *render_codes(const struct tlsd_profile *p, bool tls13, enum tlsd_suite_format fmt)
{
    struct tlsd_suite_list l;
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        if (st && (st->min_version == TLSD_VERSION_TLS1_3) == tls13 &&
            st->status != TLSD_STATUS_SCSV && tlsd_suite_list_add(&l, p->suites[i]) < 0) {
            tlsd_suite_list_free(&l);
            return NULL;
        }
    }
    char *out = tlsd_render_suite_list(&l, fmt, &l);
    tlsd_suite_list_free(&l);
    if (out) {
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '\n')
            out[--n] = '\0';
    }
    return out;
}

/* "ecdsa P-256", "rsa 2048-bit". */
static void cert_name(const struct tlsd_cert_key *k, struct tlsd_strbuf *b)
{
    const struct tlsd_group *g = k->curve ? tlsd_group_by_code(k->curve) : NULL;
    const char *type = tlsd_key_type_name(k->type);
    if (g && g->openssl_name)
        tlsd_sb_printf(b, "%s %.*s", type, (int)strcspn(g->openssl_name, ","), g->openssl_name);
    else if (k->bits)
        tlsd_sb_printf(b, "%s %d-bit", type, k->bits);
    else
        tlsd_sb_puts(b, type);
}

static const char *win_version(unsigned bit)
{
    const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
    return v && v->windows_name ? v->windows_name : "?";
}

/* The GPO list of a release that picks curves by suffix (before Windows 10): each ECDHE
 * suite once per curve it goes with, under the names the release lists
 * ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256"); an unsuffixed ECDHE name would not be
 * recognised there, and pasting it would leave ECDHE off. A suite read from the registry's
 * list keeps the curves it was listed with (suite_curves), plus a curve the fix adds; one
 * from a default list or added by the fix goes with every group of the side. */
static char *gpo_by_suffix(const struct tlsd_profile *p, const struct tlsd_windows_support *ws,
                           uint16_t added_group)
{
    struct tlsd_strbuf sb = {0};
    char name[128];
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        if (!st || !st->windows_name || st->status == TLSD_STATUS_SCSV)
            continue;
        if (st->kx != TLSD_KX_ECDHE) {
            tlsd_sb_printf(&sb, "%s%s", sb.len ? "," : "", st->windows_name);
            continue;
        }
        for (size_t g = 0; g < p->n_groups; g++)
            for (size_t k = 0; k < ws->n_curve_suffixes; k++) {
                const struct tlsd_windows_curve_suffix *cs = &ws->curve_suffixes[k];
                bool with = !p->suite_curves[i] || ((p->suite_curves[i] >> k) & 1) ||
                            cs->group == added_group;
                int n = snprintf(name, sizeof name, "%s_%s", st->windows_name, cs->suffix);
                if (with && cs->group == p->groups[g] && n > 0 && (size_t)n < sizeof name &&
                    tlsd_windows_support_has_name(ws, name, (size_t)n))
                    tlsd_sb_printf(&sb, "%s%s", sb.len ? "," : "", name);
            }
    }
    return tlsd_sb_take(&sb);
}

/* The GPO list of the side after the fix, TLS 1.3 suites first. */
static char *gpo_order(const struct tlsd_profile *after, const struct tlsd_windows_support *ws,
                       uint16_t added_group)
{
    if (ws && ws->n_curve_suffixes)
        return gpo_by_suffix(after, ws, added_group);
    char *gpo = render_codes(after, true, TLSD_FMT_GPO),
         *gpo12 = render_codes(after, false, TLSD_FMT_GPO);
    struct tlsd_strbuf sb = {0};
    if (gpo && gpo12)
        tlsd_sb_printf(&sb, "%s%s%s", gpo, gpo[0] && gpo12[0] ? "," : "", gpo12);
    free(gpo);
    free(gpo12);
    return tlsd_sb_take(&sb);
}

static int schannel_steps(const struct tlsd_fix *f, const struct tlsd_profile *before,
                          const struct tlsd_profile *after, struct tlsd_fix_steps *s)
{
    const char *role = f->side == TLSD_SIDE_SERVER ? "Server" : "Client";
    const struct tlsd_windows_support *ws = tlsd_windows_support_of_side(before);
    bool cmdlets = !ws || ws->tls_cmdlets, by_suffix = ws && ws->n_curve_suffixes;
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13; b <<= 1) {
        if (!(f->add_versions & b))
            continue;
        struct tlsd_strbuf sb = {0};
        tlsd_sb_printf(
            &sb,
            "reg add \"%s\\Protocols\\%s\\%s\" /v Enabled /t REG_DWORD /d 1 /f\n"
            "reg add \"%s\\Protocols\\%s\\%s\" /v DisabledByDefault /t REG_DWORD /d 0 /f",
            SCHANNEL_KEY, win_version(b), role, SCHANNEL_KEY, win_version(b), role);
        if (add_step(s, "registry", tlsd_sb_take(&sb)) < 0)
            return -1;
    }
    bool by_policy = before->flags & TLSD_PF_POLICY_SUITE_ORDER;
    for (size_t i = 0; cmdlets && !by_policy && i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        struct tlsd_strbuf sb = {0};
        size_t pos = 0;
        while (pos < after->n_suites && after->suites[pos] != f->add_suites[i])
            pos++;
        tlsd_sb_printf(&sb, "Enable-TlsCipherSuite -Name %s -Position %zu",
                       st && st->windows_name ? st->windows_name : "?", pos);
        if (add_step(s, "PowerShell", tlsd_sb_take(&sb)) < 0)
            return -1;
    }
    if (f->n_add_suites > 0 || (f->add_group && by_suffix)) {
        char *gpo = gpo_order(after, ws, f->add_group);
        if (gpo && strlen(gpo) > TLSD_GPO_MAX_CHARS)
            note(s, "the GPO string exceeds the 1023-character limit: drop unused suites first");
        if (add_step(s, "GPO SSL Cipher Suite Order", gpo) < 0)
            return -1;
    }
    if (f->add_group && !by_suffix && cmdlets) {
        const struct tlsd_group *g = tlsd_group_by_code(f->add_group);
        struct tlsd_strbuf sb = {0};
        tlsd_sb_printf(&sb, "Enable-TlsEccCurve -Name %s",
                       g && g->windows_name ? g->windows_name
                       : g                  ? g->name
                                            : "?");
        if (add_step(s, "PowerShell", tlsd_sb_take(&sb)) < 0)
            return -1;
    }
    if (by_suffix && (f->add_group || f->n_add_suites > 0))
        note(s, "before Windows 10 the curve is part of the suite's name (_P256, _P384, _P521): "
                "the list names each ECDHE suite once per curve");
    if (!cmdlets && (f->add_group || f->n_add_suites > 0))
        note(s, "no TLS cmdlets before Windows 10: set the list in the GPO (gpedit.msc: Computer "
                "Configuration > Administrative Templates > Network > SSL Configuration "
                "Settings)");
    if (by_policy && f->n_add_suites > 0)
        note(s, "the registry export shows a Group Policy \"SSL Cipher Suite Order\": put the new "
                "list into that GPO (gpresult /h names it); Enable-TlsCipherSuite has no effect "
                "while it is set");
    else
        note(s, "a domain GPO \"SSL Cipher Suite Order\" overrides local settings (cmdlets, "
                "registry): change the GPO where one is set (gpresult /h)");
    note(s, "restart the computer for Schannel to use the change");
    return 0;
}

/* OpenSSL's name of a version (the registry's: "TLSv1", "TLSv1.2"). */
static const char *openssl_version_name(uint16_t v)
{
    const struct tlsd_version *r = tlsd_version_by_code(v);
    return r && r->openssl_name ? r->openssl_name : "?";
}

/* The versions OpenSSL can still be set to: SSL 2.0 is gone from it. */
static unsigned openssl_settable(unsigned set)
{
    return set & ~(unsigned)TLSD_V_SSL2;
}

static void openssl_versions(unsigned set, struct tlsd_strbuf *nginx, struct tlsd_strbuf *apache)
{
    tlsd_sb_puts(nginx, "ssl_protocols");
    tlsd_sb_puts(apache, "SSLProtocol -all");
    for (unsigned b = TLSD_V_SSL3; b <= TLSD_V_TLS13; b <<= 1)
        if (set & b) {
            const char *name = openssl_version_name(tlsd_version_of_bit(b));
            tlsd_sb_printf(nginx, " %s", name);
            tlsd_sb_printf(apache, " +%s", name);
        }
    tlsd_sb_puts(nginx, ";");
}

/* "-groups X25519:P-256" from the profile's groups (OpenSSL's first spelling). */
static void openssl_groups(const struct tlsd_profile *p, struct tlsd_strbuf *b)
{
    const char *sep = " -groups ";
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct tlsd_group *g = tlsd_group_by_code(p->groups[i]);
        if (!g || !g->openssl_name)
            continue;
        size_t n = strcspn(g->openssl_name, ",");
        tlsd_sb_printf(b, "%s%.*s", sep, (int)n, g->openssl_name);
        sep = ":";
    }
}

/* Whether the local libssl, given string c, enables every TLS <= 1.2 suite the fix adds.
 * An administrator's string can delete suites for good ("!" in it, or in DEFAULT itself:
 * "DEFAULT:DHE-RSA-CAMELLIA256-SHA" selects no Camellia suite), so an added name is checked,
 * not assumed. */
static bool enables_added(const struct tlsd_fix *f, const char *c)
{
    uint32_t *codes = NULL;
    char err[160];
    int n = tlsd_openssl_expand(c, &codes, err, sizeof err);
    bool all = n >= 0;
    for (size_t i = 0; all && i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        if (!st || st->min_version == TLSD_VERSION_TLS1_3 || !st->openssl_name ||
            !tlsd_openssl_knows(st->code))
            continue; /* not a cipher-string suite, or one this libssl cannot check */
        bool found = false;
        for (int k = 0; k < n && !found; k++)
            found = codes[k] == st->code;
        all = found;
    }
    free(codes);
    return all;
}

/* The TLS <= 1.2 cipher string after the fix: the administrator's own string with the
 * added suites in front (secure: preferred) or behind (weak), when libssl confirms that
 * string enables them (a server in client order may have the weak ones in front, where a
 * deletion later in the string cannot reach them); else (or when the profile does not carry
 * a string) the whole list;
 * ":@SECLEVEL=0" when the connection needs it. */
static char *openssl_cipher_string(const struct tlsd_fix *f, const struct tlsd_profile *before,
                                   const struct tlsd_profile *after, bool lvl0)
{
    struct tlsd_strbuf b = {0};
    if (before->cipher_string[0]) {
        struct tlsd_strbuf top = {0}, bottom = {0};
        for (size_t i = 0; i < f->n_add_suites; i++) {
            const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
            if (!st || st->min_version == TLSD_VERSION_TLS1_3 || !st->openssl_name)
                continue;
            struct tlsd_strbuf *to = st->cls >= TLSD_CLASS_SECURE ? &top : &bottom;
            tlsd_sb_printf(to, to == &top ? "%s:" : ":%s", st->openssl_name);
        }
        tlsd_sb_printf(&b, "%s%s%s", top.s ? top.s : "", before->cipher_string,
                       bottom.s ? bottom.s : "");
        if (b.s && !enables_added(f, b.s))
            tlsd_sb_free(&b);
        /* A server that follows the client's order picks the same suite wherever the weak
         * ones stand: in front, they come before the string's deletions. */
        if (!b.s && bottom.s && tlsd_profile_pref(before) == TLSD_PREF_CLIENT) {
            tlsd_sb_printf(&b, "%s%s%s", top.s ? top.s : "", bottom.s + 1, ":");
            tlsd_sb_puts(&b, before->cipher_string);
            if (b.s && !enables_added(f, b.s))
                tlsd_sb_free(&b);
        }
        tlsd_sb_free(&top);
        tlsd_sb_free(&bottom);
    }
    if (!b.s) {
        char *c12 = render_codes(after, false, TLSD_FMT_OPENSSL);
        if (!c12)
            return NULL;
        tlsd_sb_puts(&b, c12);
        free(c12);
    }
    if (lvl0 && !strstr(b.s ? b.s : "", "@SECLEVEL"))
        tlsd_sb_puts(&b, ":@SECLEVEL=0");
    return tlsd_sb_take(&b);
}

/* One nginx and one Apache step (both texts taken). */
static int web_steps(struct tlsd_fix_steps *s, struct tlsd_strbuf *nginx,
                     struct tlsd_strbuf *apache)
{
    int rc = add_step(s, "nginx", tlsd_sb_take(nginx));
    if (rc == 0)
        rc = add_step(s, "Apache", tlsd_sb_take(apache));
    else
        tlsd_sb_free(apache);
    return rc;
}

/* What the fix changes, as s_server options and nginx and Apache directives; what it
 * leaves alone is not written (the administrator's configuration stays as it is). */
static int openssl_steps(const struct tlsd_fix *f, const struct tlsd_profile *before,
                         const struct tlsd_profile *after, struct tlsd_fix_steps *s)
{
    bool add12 = false, add13 = false;
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        if (st && st->min_version == TLSD_VERSION_TLS1_3)
            add13 = true;
        else if (st)
            add12 = true;
    }
    /* OpenSSL 3 security level 1 forbids the SHA-1 signatures of TLS < 1.2 and
     * several legacy suites: a fix whose connection needs them needs level 0. */
    bool lvl0 =
        f->seclevel0 || f->after.version < TLSD_VERSION_TLS1_2 || f->cls < TLSD_CLASS_SECURE;
    bool ciphers = add12 || (lvl0 && !strstr(before->cipher_string, "@SECLEVEL"));
    char *c12 = ciphers ? openssl_cipher_string(f, before, after, lvl0) : NULL;
    char *c13 = add13 ? render_codes(after, true, TLSD_FMT_OPENSSL) : NULL;
    if ((ciphers && !c12) || (add13 && !c13)) {
        free(c12);
        free(c13);
        return -1;
    }
    struct tlsd_strbuf a = {0}, sn = {0}, sa = {0};
    tlsd_sb_puts(&a, "openssl s_server ...");
    if (c12)
        tlsd_sb_printf(&a, " -cipher '%s'", c12);
    if (c13)
        tlsd_sb_printf(&a, " -ciphersuites '%s'", c13);
    if (f->add_versions)
        tlsd_sb_printf(&a, " -min_protocol %s -max_protocol %s",
                       openssl_version_name(tlsd_versions_min(openssl_settable(after->versions))),
                       openssl_version_name(tlsd_versions_max(openssl_settable(after->versions))));
    if (f->add_group)
        openssl_groups(after, &a);
    if (f->add_sigalg && after->n_sigalgs13) { /* the server's TLS 1.3 list, grown */
        const char *sep = " -sigalgs ";
        tlsd_sb_puts(&sn, "ssl_conf_command SignatureAlgorithms ");
        tlsd_sb_puts(&sa, "SSLOpenSSLConfCmd SignatureAlgorithms ");
        for (size_t i = 0; i < after->n_sigalgs13; i++) {
            const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(after->sigalgs13[i]);
            const char *name = x ? x->name : "?"; /* OpenSSL reads the TLS 1.3 names */
            tlsd_sb_printf(&a, "%s%s", sep, name);
            tlsd_sb_printf(&sn, "%s%s", i ? ":" : "", name);
            tlsd_sb_printf(&sa, "%s%s", i ? ":" : "", name);
            sep = ":";
        }
        tlsd_sb_puts(&sn, ";");
    }
    int rc = add_step(s, "OpenSSL", tlsd_sb_take(&a));
    if (rc == 0 && f->add_versions) {
        struct tlsd_strbuf nv = {0}, apv = {0};
        openssl_versions(after->versions, &nv, &apv);
        rc = web_steps(s, &nv, &apv);
    }
    if (rc == 0 && c12) {
        struct tlsd_strbuf n = {0}, ap = {0};
        tlsd_sb_printf(&n, "ssl_ciphers '%s';", c12);
        tlsd_sb_printf(&ap, "SSLCipherSuite %s", c12);
        rc = web_steps(s, &n, &ap);
    }
    if (rc == 0 && c13) {
        struct tlsd_strbuf n = {0}, ap = {0};
        tlsd_sb_printf(&n, "ssl_conf_command Ciphersuites %s;", c13);
        tlsd_sb_printf(&ap, "SSLCipherSuite TLSv1.3 %s", c13);
        rc = web_steps(s, &n, &ap);
    }
    if (rc == 0 && f->add_group) {
        struct tlsd_strbuf g = {0}, n = {0}, ap = {0};
        openssl_groups(after, &g);
        const char *list = g.s ? g.s + strlen(" -groups ") : "";
        tlsd_sb_printf(&n, "ssl_ecdh_curve %s;", list);
        tlsd_sb_printf(&ap, "SSLOpenSSLConfCmd Curves %s", list);
        tlsd_sb_free(&g);
        rc = web_steps(s, &n, &ap);
    }
    if (rc == 0 && sn.len)
        rc = add_step(s, "nginx", tlsd_sb_take(&sn));
    if (rc == 0 && sa.len)
        rc = add_step(s, "Apache", tlsd_sb_take(&sa));
    tlsd_sb_free(&sn);
    tlsd_sb_free(&sa);
    free(c12);
    free(c13);
    if (lvl0)
        note(s, "OpenSSL 3 needs @SECLEVEL=0 for TLS 1.0/1.1 and legacy suites");
    note(s, "reload the server (nginx -s reload, apachectl graceful) after the change");
    return rc;
}

/* GnuTLS priority keywords for a suite: key exchange, cipher, MAC (gnutls_priority_init(3)). */
static void gnutls_suite_items(const struct tlsd_suite *st, struct tlsd_strbuf *b)
{
    if (st->kx == TLSD_KX_RSA)
        tlsd_sb_puts(b, ":+RSA");
    else
        tlsd_sb_printf(b, ":+%s-%s", tlsd_kx_name(st->kx), tlsd_auth_name(st->auth));
    char cipher[48];
    snprintf(cipher, sizeof cipher, "%s",
             st->cipher == TLSD_CIPHER_3DES_EDE_CBC ? "3DES_CBC" : tlsd_cipher_name(st->cipher));
    for (char *c = cipher; *c; c++)
        if (*c == '_')
            *c = '-';
    tlsd_sb_printf(b, ":+%s:+%s", cipher, tlsd_mac_name(st->mac));
}

/* What to append to the server's GnuTLS priority string (e.g. NORMAL). */
static int gnutls_steps(const struct tlsd_fix *f, struct tlsd_fix_steps *s)
{
    struct tlsd_strbuf b = {0};
    for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
        if (f->add_versions & bit) {
            const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
            tlsd_sb_printf(&b, ":+%s", v && v->gnutls_name ? v->gnutls_name : "?");
        }
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        if (st)
            gnutls_suite_items(st, &b);
    }
    if (f->add_group) {
        const struct tlsd_group *g = tlsd_group_by_code(f->add_group);
        tlsd_sb_printf(&b, ":+%s", g && g->gnutls_name ? g->gnutls_name : "?");
    }
    if (f->add_sigalg) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(f->add_sigalg);
        tlsd_sb_printf(&b, ":+%s", x && x->gnutls_name ? x->gnutls_name : "?");
    }
    note(s, "append to the server's priority string, e.g. gnutls-serv --priority 'NORMAL...'");
    return add_step(s, "GnuTLS priority (append)", tlsd_sb_take(&b));
}

static int java_steps(const struct tlsd_fix *f, const struct tlsd_profile *after,
                      struct tlsd_fix_steps *s)
{
    int rc = 0;
    if (f->add_versions)
        rc = add_step(s, "java.security",
                      strdup("remove the version from jdk.tls.disabledAlgorithms"));
    if (rc == 0 && f->n_add_suites) {
        char *l = render_codes(after, false, TLSD_FMT_IANA);
        struct tlsd_strbuf b = {0};
        for (char *c = l; c && *c; c++)
            if (*c == '\n')
                *c = ',';
        tlsd_sb_printf(&b, "-Djdk.tls.%s.cipherSuites=%s",
                       f->side == TLSD_SIDE_SERVER ? "server" : "client", l ? l : "");
        free(l);
        rc = add_step(s, "Java system property", tlsd_sb_take(&b));
    }
    if (rc == 0 && f->add_sigalg) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(f->add_sigalg);
        struct tlsd_strbuf b = {0};
        tlsd_sb_printf(&b,
                       "add %s to -Djdk.tls.%s.SignatureSchemes (or remove it from "
                       "jdk.tls.disabledAlgorithms)",
                       x ? x->name : "?", f->side == TLSD_SIDE_SERVER ? "server" : "client");
        rc = add_step(s, "Java system property", tlsd_sb_take(&b));
    }
    return rc;
}

/* A client we cannot configure by command (a printer, an embedded stack): name what to
 * turn on in every spelling the device's menu may use. */
static int device_steps(const struct tlsd_fix *f, struct tlsd_fix_steps *s)
{
    struct tlsd_strbuf b = {0};
    for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
        if (f->add_versions & bit) {
            const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
            tlsd_sb_printf(&b, "turn on %s%s; ", v ? v->iana_name : "?",
                           bit == TLSD_V_TLS12   ? " (with the signature_algorithms extension)"
                           : bit == TLSD_V_TLS13 ? " (with supported_groups and a key share)"
                                                 : "");
        }
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        if (st)
            tlsd_sb_printf(&b, "turn on %s (OpenSSL %s); ", st->iana_name,
                           st->openssl_name ? st->openssl_name : "-");
    }
    if (f->add_group) {
        const struct tlsd_group *g = tlsd_group_by_code(f->add_group);
        tlsd_sb_printf(&b, "turn on curve %s; ", g ? g->name : "?");
    }
    if (f->add_sigalg) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(f->add_sigalg);
        tlsd_sb_printf(&b, "turn on signature scheme %s; ", x ? x->name : "?");
    }
    tlsd_sb_puts(&b, "or update the firmware/software to a version that has it");
    note(s, "for OpenSSL-based clients: openssl s_client -cipher/-ciphersuites/-min_protocol");
    return add_step(s, "device settings", tlsd_sb_take(&b));
}

const char *tlsd_dotnet_fix_name(enum tlsd_dotnet_fix k)
{
    static const char *const names[] = {"", "registry", "appcontext", "retarget"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "";
}

/* The settings' values of the framework's registry folder, the 64-bit view and the 32-bit
 * (WOW6432Node) one, as data/schannel_registry.tsv names them. */
static char *dotnet_reg_lines(unsigned settings, enum tlsd_dotnet_target t)
{
    struct tlsd_strbuf b = {0};
    char folder[16];
    snprintf(folder, sizeof folder, "\\%s", tlsd_dotnet_registry_version(t));
    for (size_t i = 0; i < tlsd_schannel_settings_n_; i++) {
        const struct tlsd_schannel_setting *r = &tlsd_schannel_settings_[i];
        size_t kl = strlen(r->key), fl = strlen(folder);
        if (r->kind != TLSD_SET_DOTNET || kl < fl || strcmp(r->key + kl - fl, folder) != 0 ||
            !(settings & tlsd_dotnet_setting_from_name(r->value)))
            continue;
        tlsd_sb_printf(&b, "%sreg add \"HKLM\\%s\" /v %s /t REG_DWORD /d 1 /f", b.len ? "\n" : "",
                       r->key, r->value);
    }
    return tlsd_sb_take(&b);
}

static char *dotnet_appcontext_lines(unsigned settings)
{
    struct tlsd_strbuf b = {0};
    tlsd_sb_puts(&b, "<configuration>\n  <runtime>\n    <AppContextSwitchOverrides value=\"");
    const char *sep = "";
    for (unsigned bit = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO; bit <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS;
         bit <<= 1)
        if (settings & bit) {
            tlsd_sb_printf(&b, "%s%s=false", sep, tlsd_dotnet_switch_name(bit));
            sep = ";";
        }
    tlsd_sb_puts(&b, "\" />\n  </runtime>\n</configuration>");
    return tlsd_sb_take(&b);
}

/* What a .NET application needs changed: registry values, its .config, or a rebuild;
 * each takes effect when the application starts again. */
static int dotnet_steps(const struct tlsd_fix *f, const struct tlsd_profile *p,
                        struct tlsd_fix_steps *s)
{
    enum tlsd_dotnet_target t = p->dotnet.target;
    int rc = 0;
    if (f->dotnet == TLSD_DOTNET_FIX_REGISTRY) {
        rc = add_step(s, "registry (.NET)", dotnet_reg_lines(f->dotnet_settings, t));
        if (t == TLSD_DOTNET_FX35)
            note(s,
                 ".NET 3.5 needs KB3154518 (7/2008 R2), KB3154519 (2012) or KB3154520 (8.1/2012 "
                 "R2) for SystemDefaultTlsVersions (Windows 10: the May 2016 cumulative update)");
        note(s, "the values apply to every .NET application on the computer; one that sets "
                "ServicePointManager.SecurityProtocol or SslProtocols in code ignores them");
    } else if (f->dotnet == TLSD_DOTNET_FIX_APPCONTEXT) {
        rc = add_step(s, "app.config (APP.exe.config, web.config)",
                      dotnet_appcontext_lines(f->dotnet_settings));
        note(s, "AppContext switches need the .NET Framework 4.6 or later runtime; merge the "
                "value into an existing AppContextSwitchOverrides");
    } else if (f->dotnet == TLSD_DOTNET_FIX_RETARGET) {
        rc = add_step(s, "retarget",
                      strdup("rebuild for .NET Framework 4.8: <TargetFrameworkVersion>v4.8"
                             "</TargetFrameworkVersion> in the project (ASP.NET: <httpRuntime "
                             "targetFramework=\"4.8\" /> in web.config), and remove any "
                             "ServicePointManager.SecurityProtocol assignment"));
    }
    note(s, "restart the application: its service (Restart-Service NAME), IIS application pool "
            "(Restart-WebAppPool NAME) or process; .NET reads these settings at start-up");
    return rc;
}

int tlsd_fix_render(const struct tlsd_fix *f, const struct tlsd_profile *p,
                    struct tlsd_fix_steps *out)
{
    memset(out, 0, sizeof *out);
    struct tlsd_profile after = *p;
    tlsd_fix_apply(f, &after);
    if (f->add_cert.type != TLSD_KEY_NONE) {
        bool replaces = false;
        for (size_t i = 0; i < p->n_certs; i++)
            replaces |= p->certs[i].type == f->add_cert.type;
        struct tlsd_strbuf t = {0};
        tlsd_sb_puts(&t, "install a certificate with an ");
        cert_name(&f->add_cert, &t);
        tlsd_sb_puts(&t, replaces ? " key in place of the current one of that type (one "
                                    "certificate per key type)"
                                  : " key next to the current one");
        if (add_step(out, "certificate", tlsd_sb_take(&t)) < 0)
            return -1;
        if (!f->add_versions && !f->n_add_suites && !f->add_group && !f->seclevel0)
            return 0;
    }
    if (f->dotnet) {
        if (dotnet_steps(f, p, out) < 0)
            return -1;
        if (!f->add_versions && !f->n_add_suites && !f->add_group)
            return 0;
    }
    if (f->side == TLSD_SIDE_CLIENT && p->impl != TLSD_IMPL_SCHANNEL && p->impl != TLSD_IMPL_JAVA)
        return device_steps(f, out);
    switch (p->impl) {
    case TLSD_IMPL_SCHANNEL:
        return schannel_steps(f, p, &after, out);
    case TLSD_IMPL_GNUTLS:
        return gnutls_steps(f, out);
    case TLSD_IMPL_JAVA:
        return java_steps(f, &after, out);
    default:
        return openssl_steps(f, p, &after, out);
    }
}

void tlsd_fix_steps_free(struct tlsd_fix_steps *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].text);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* The side's versions after a fix that enables several at once (a range). */
static bool enables_range(const struct tlsd_fix *f)
{
    return f->versions_added && f->versions_added != f->add_versions;
}

void tlsd_fix_summary(const struct tlsd_fix *f, char *buf, size_t len)
{
    struct tlsd_strbuf b = {0};
    const char *sep = "";
    if (enables_range(f) && !f->dotnet) {
        /* A range-configured side: the end of the range that moves, and what comes on
         * with it (not the other end, which a hello may only imply). */
        unsigned before = f->versions_after & ~f->versions_added;
        uint16_t lo = tlsd_versions_min(f->versions_added),
                 hi = tlsd_versions_max(f->versions_added);
        const struct tlsd_version *top = tlsd_version_by_code(hi),
                                  *bottom = tlsd_version_by_code(lo);
        if (before && lo > tlsd_versions_max(before))
            tlsd_sb_printf(&b, "raise the maximum version to %s (adds", top ? top->name : "?");
        else if (before && hi < tlsd_versions_min(before))
            tlsd_sb_printf(&b, "lower the minimum version to %s (adds",
                           bottom ? bottom->name : "?");
        else
            tlsd_sb_puts(&b, "enable versions (adds");
        for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
            if (f->versions_added & bit) {
                const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
                tlsd_sb_printf(&b, " %s", v ? v->name : "?");
            }
        tlsd_sb_puts(&b, ")");
        sep = " + ";
    } else {
        for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
            if (f->add_versions & bit) {
                const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
                tlsd_sb_printf(&b, "%senable %s", sep, v ? v->name : "?");
                sep = " + ";
            }
    }
    for (size_t i = 0; i < f->n_add_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(f->add_suites[i]);
        tlsd_sb_printf(&b, "%senable %s", sep, st ? st->iana_name : "?");
        sep = " + ";
    }
    if (f->add_group) {
        const struct tlsd_group *g = tlsd_group_by_code(f->add_group);
        tlsd_sb_printf(&b, "%senable group %s", sep, g ? g->name : "?");
        sep = " + ";
    }
    if (f->add_sigalg) {
        const struct tlsd_sigscheme *x = tlsd_sigscheme_by_code(f->add_sigalg);
        tlsd_sb_printf(&b, "%sallow signature scheme %s", sep, x ? x->name : "?");
        sep = " + ";
    }
    if (f->dotnet == TLSD_DOTNET_FIX_RETARGET) {
        tlsd_sb_printf(&b, "%sretarget the application to .NET Framework 4.8", sep);
        sep = " + ";
    } else if (f->dotnet) {
        tlsd_sb_printf(&b, "%sset", sep);
        const char *and = " ";
        for (unsigned bit = TLSD_DOTNET_SCH_USE_STRONG_CRYPTO;
             bit <= TLSD_DOTNET_SYSTEM_DEFAULT_TLS; bit <<= 1)
            if (f->dotnet_settings & bit) {
                if (f->dotnet == TLSD_DOTNET_FIX_REGISTRY)
                    tlsd_sb_printf(&b, "%s%s=1", and, tlsd_dotnet_setting_name(bit));
                else
                    tlsd_sb_printf(&b, "%s%s=false", and, tlsd_dotnet_switch_name(bit));
                and = " and ";
            }
        tlsd_sb_puts(&b, f->dotnet == TLSD_DOTNET_FIX_REGISTRY ? " (.NET registry)"
                                                               : " (AppContext, app.config)");
        sep = " + ";
    }
    if (f->dotnet) {
        tlsd_sb_puts(&b, "; the application offers");
        for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
            if (f->versions_after & bit) {
                const struct tlsd_version *v = tlsd_version_by_code(tlsd_version_of_bit(bit));
                tlsd_sb_printf(&b, " %s", v ? v->name : "?");
            }
    }
    if (f->add_cert.type != TLSD_KEY_NONE) {
        tlsd_sb_printf(&b, "%sadd an ", sep);
        cert_name(&f->add_cert, &b);
        tlsd_sb_puts(&b, " certificate");
        sep = " + ";
    }
    if (f->seclevel0)
        tlsd_sb_printf(&b, "%slower the OpenSSL security level to 0 (@SECLEVEL=0)", sep);
    snprintf(buf, len, "%s", b.s ? b.s : "");
    tlsd_sb_free(&b);
}

void tlsd_fix_risk(const struct tlsd_fix *f, char *buf, size_t len)
{
    struct tlsd_strbuf b = {0};
    const struct tlsd_version *v = tlsd_version_by_code(f->after.version);
    const struct tlsd_suite *st = tlsd_suite_by_code(f->after.suite);
    if (f->stopgap && v && v->cls < TLSD_CLASS_SECURE) {
        const char *why = strchr(v->reference, ';');
        tlsd_sb_printf(&b, "%s%s", v->iana_name, why ? why + 1 : " is not secure");
    }
    if (f->stopgap && st && st->cls < TLSD_CLASS_SECURE)
        tlsd_sb_printf(&b, "%s%s", b.len ? "; " : "", st->class_reason);
    if (f->seclevel0)
        tlsd_sb_printf(&b,
                       "%ssecurity level 0 also accepts MD5-SHA1 and SHA-1 signatures and "
                       "keys under 80 bits of strength",
                       b.len ? "; " : "");
    snprintf(buf, len, "%s", b.s ? b.s : "");
    tlsd_sb_free(&b);
}
