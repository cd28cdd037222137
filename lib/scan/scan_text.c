/* Text rendering of a scan result, for a terminal or a file (colour only when asked for);
 * the JSON is scan_report.c's. */
#include "tlsdiag/scan.h"

#include <stdio.h>
#include <string.h>

#include "tlsdiag/certchain.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

#include "platform.h"

const char *tlsd_tristate_name(enum tlsd_tristate t)
{
    return t == TLSD_YES ? "yes" : t == TLSD_NO ? "no" : "unknown";
}

static void print_versions(struct tlsd_strbuf *b, const struct tlsd_scan_result *r, bool color)
{
    char vb[16];
    tlsd_sb_printf(b, "  Protocols\n");
    for (int i = 0; i < TLSD_PROTO_COUNT; i++) {
        const struct tlsd_scan_version *v = &r->versions[i];
        const struct tlsd_version *ver = tlsd_version_by_code(v->version);
        enum tlsd_class c = ver ? ver->cls : TLSD_CLASS_UNKNOWN;
        bool more = v->accepted || v->refusal.kind != TLSD_REFUSAL_NONE; /* padded for it */
        tlsd_sb_printf(b, "    %-8s %s%-*s%s", tlsd_version_str(v->version, vb),
                       v->accepted ? tlsd_class_style(c, color) : "", more ? 3 : 0,
                       v->accepted    ? "yes"
                       : v->undecided ? "unknown"
                                      : "no",
                       tlsd_style(TLSD_SGR_RESET, color && v->accepted));
        if (v->accepted)
            tlsd_sb_printf(b, "  %zu suites, %s%s", v->n_suites,
                           v->server_order == TLSD_YES  ? "server order"
                           : v->server_order == TLSD_NO ? "client order"
                                                        : "order not tested",
                           v->chacha_priority == TLSD_YES
                               ? " (ChaCha20 first for clients that prefer it)"
                               : "");
        char note[160];
        if (v->refusal.kind != TLSD_REFUSAL_NONE)
            tlsd_sb_printf(b, "  (%s)", tlsd_scan_refusal_text(&v->refusal, note, sizeof note));
        tlsd_sb_puts(b, "\n");
    }
}

static void print_suites(struct tlsd_strbuf *b, const struct tlsd_scan_result *r, bool color,
                         size_t width)
{
    char vb[16];
    for (int i = TLSD_PROTO_COUNT - 1; i >= 0; i--) {
        const struct tlsd_scan_version *v = &r->versions[i];
        if (!v->accepted)
            continue;
        tlsd_sb_printf(b, "  %s cipher suites%s\n", tlsd_version_str(v->version, vb),
                       v->chacha_priority == TLSD_YES
                           ? " (server order, ChaCha20 first for clients "
                             "that prefer it)"
                       : v->server_order == TLSD_YES ? " (server order)"
                                                     : "");
        /* Fitted to the width: the IANA name kept, then the OpenSSL name (issue 17). */
        enum { C_CODE, C_IANA, C_OPENSSL, C_KX, C_CLASS, N_C };
        static const size_t keep[N_C] = {C_IANA, C_OPENSSL, C_CLASS, C_KX, C_CODE};
        struct tlsd_table t = {.n_cols = N_C, .keep = keep, .indent = 4};
        for (size_t k = 0; k < v->n_suites; k++) {
            const struct tlsd_scan_suite *x = &v->suites[k];
            const struct tlsd_suite *s = tlsd_suite_by_code(x->code);
            char kx[48] = "", code[12], cls[64];
            if (x->group) {
                const struct tlsd_group *g = tlsd_group_by_code(x->group);
                snprintf(kx, sizeof kx, "%s", g ? g->name : "?");
            } else if (x->dh_bits) {
                snprintf(kx, sizeof kx, "DH %d", x->dh_bits);
            }
            tlsd_suite_code_str(x->code, code);
            snprintf(cls, sizeof cls, "%s%s%s",
                     tlsd_class_style(s ? s->cls : TLSD_CLASS_UNKNOWN, color),
                     s ? tlsd_class_name(s->cls) : "", tlsd_style(TLSD_SGR_RESET, color));
            const char *row[N_C] = {code, s ? s->iana_name : "?",
                                    s && s->openssl_name ? s->openssl_name : "-", kx, cls};
            tlsd_table_row(&t, row);
        }
        tlsd_table_render(&t, width, b);
    }
}

/* Trusted or why not (where, when not at the leaf), the host name, the chain's length. */
static void print_trust(struct tlsd_strbuf *b, const struct tlsd_cert_chain *c)
{
    tlsd_sb_printf(b, "\n    trusted   %s%s", c->trusted ? "yes" : "no", c->trusted ? "" : ": ");
    tlsd_cert_chain_failure_text(c, b);
    tlsd_sb_printf(b, "; host name %s; chain of %zu\n",
                   c->name_matches ? "matches" : "does NOT match", c->n);
}

/* Every certificate the server sent, leaf first, so an expired or wrong intermediate
 * shows where it is. */
static void print_chain(struct tlsd_strbuf *b, const struct tlsd_cert_chain *c)
{
    tlsd_cert_chain_text(c, "    ", b);
}

static void print_certs(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_scan_cert *c = &r->certs[i];
        const struct tlsd_cert_summary *l = &c->chain.certs[0];
        tlsd_sb_printf(b, "  Certificate %s, serves %zu accepted suite%s\n", c->label, c->n_suites,
                       c->n_suites == 1 ? "" : "s");
        tlsd_sb_printf(b, "    subject   %s\n    issuer    %s\n    signature %s\n", l->subject,
                       l->issuer, l->sig_alg);
        tlsd_sb_printf(b, "    names    ");
        for (size_t k = 0; k < l->n_sans; k++)
            tlsd_sb_printf(b, " %s", l->sans[k]);
        if (!l->n_sans)
            tlsd_sb_printf(b, " none (no subjectAltName)");
        print_trust(b, &c->chain);
        if (r->sni_selects_cert == TLSD_YES)
            tlsd_sb_printf(b, "    SNI required to get this certificate (without SNI: %s)\n",
                           r->no_sni_cert);
        print_chain(b, &c->chain);
    }
}

static void print_list16(struct tlsd_strbuf *b, const char *title, const uint16_t *v, size_t n,
                         bool groups)
{
    if (n == 0)
        return;
    tlsd_sb_printf(b, "  %s:", title);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        if (groups) {
            const struct tlsd_group *g = tlsd_group_by_code(v[i]);
            name = g ? g->name : NULL;
        } else {
            const struct tlsd_sigscheme *g = tlsd_sigscheme_by_code(v[i]);
            name = g ? g->name : NULL;
        }
        if (name)
            tlsd_sb_printf(b, "%s %s", i ? "," : "", name);
        else
            tlsd_sb_printf(b, "%s 0x%04X", i ? "," : "", v[i]);
    }
    tlsd_sb_puts(b, "\n");
}

/* Groups, the DHE sizes, HRR and signature schemes. */
static void print_kx(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    char title[64], vb[16];
    print_list16(
        b, r->groups_order == TLSD_YES ? "Groups (TLS 1.3, server order)" : "Groups (TLS 1.3)",
        r->groups, r->n_groups, true);
    snprintf(title, sizeof title, "Groups (%s ECDHE%s)",
             r->groups12_version ? tlsd_version_str(r->groups12_version, vb) : "TLS 1.2",
             r->groups12_order == TLSD_YES ? ", server order" : "");
    print_list16(b, title, r->groups12, r->n_groups12, true);
    if (r->dh_bits_ffdhe || r->dh_bits_no_ffdhe) {
        tlsd_sb_printf(b, "  DHE group: ");
        if (r->dh_bits_ffdhe)
            tlsd_sb_printf(b, "%d bits for clients offering the RFC 7919 groups", r->dh_bits_ffdhe);
        if (r->dh_bits_no_ffdhe)
            tlsd_sb_printf(b, "%s%d bits for clients that do not", r->dh_bits_ffdhe ? ", " : "",
                           r->dh_bits_no_ffdhe);
        tlsd_sb_puts(b, "\n");
    }
    if (r->hrr != TLSD_UNKNOWN)
        tlsd_sb_printf(b, "  HelloRetryRequest when no key share fits: %s\n",
                       tlsd_tristate_name(r->hrr));
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++) {
        snprintf(title, sizeof title, "Signature schemes (TLS 1.2, %s certificate)",
                 tlsd_auth_name(tlsd_scan_key_auth[k]));
        print_list16(b, title, r->sigschemes_by_key[k], r->n_sigschemes_by_key[k], false);
    }
    print_list16(b, "Signature schemes (TLS 1.3)", r->sigschemes13, r->n_sigschemes13, false);
}

/* Client certificates: requested, required, how a handshake without one ends. */
static void print_client_auth(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    char vb[16];
    tlsd_sb_printf(b, "    client certificate %s",
                   r->client_cert_requested == TLSD_NO        ? "not requested"
                   : r->client_cert_requested == TLSD_UNKNOWN ? "unknown"
                   : r->client_cert_required == TLSD_YES      ? "REQUIRED"
                   : r->client_cert_required == TLSD_NO       ? "requested (optional)"
                                                              : "requested");
    if (r->client_cert_required == TLSD_YES) {
        const struct tlsd_alert *a =
            r->client_cert_alert >= 0 ? tlsd_alert_by_code((uint8_t)r->client_cert_alert) : NULL;
        tlsd_sb_printf(b, ": %s without one ends in ",
                       tlsd_version_str(r->client_cert_version, vb));
        if (r->client_cert_alert >= 0)
            tlsd_sb_printf(b, "alert %s (%d)", a ? a->name : "unknown", r->client_cert_alert);
        else
            tlsd_sb_printf(b, "a closed connection");
    }
    if (r->client_cert_requested == TLSD_YES)
        tlsd_sb_printf(b, "; acceptable CAs: %s",
                       r->client_cas[0] ? r->client_cas : "any (none listed)");
    tlsd_sb_puts(b, "\n");
}

#define UNDECIDED_TEXT_MAX 160 /* characters of one "not decided" line in the text report */

void tlsd_scan_result_render_text(struct tlsd_strbuf *b, const struct tlsd_scan_result *r,
                                  bool color, size_t width)
{
    tlsd_sb_printf(b, "%s%s%s", tlsd_style(TLSD_SGR_BOLD, color), r->target->input,
                   tlsd_style(TLSD_SGR_RESET, color));
    if (r->address[0])
        tlsd_sb_printf(b, "  (%s)", r->address);
    if (r->target->sni)
        tlsd_sb_printf(b, "  SNI %s", r->target->sni);
    if (r->target->starttls)
        tlsd_sb_printf(b, "  STARTTLS %s", tlsd_starttls_name(r->target->starttls));
    tlsd_sb_puts(b, "\n");
    if (r->error[0] && r->ending_known)
        tlsd_sb_printf(b, "  error: %s [%s]\n", r->error, tlsd_conn_outcome_name(r->ending));
    else if (r->error[0])
        tlsd_sb_printf(b, "  error: %s\n", r->error);
    if (r->n_undecided) {
        tlsd_sb_printf(b,
                       "  Incomplete: not decided (resets or refusals that did not prove to be the "
                       "server's answer)\n");
        if (r->suggest_per_target)
            tlsd_sb_printf(b,
                           "    The server reset hellos it had answered before: it resets at "
                           "random or limits the connections one address may hold. Scan "
                           "again with fewer at once: --per-target %u\n",
                           r->suggest_per_target);
        for (size_t i = 0; i < r->n_undecided; i++) {
            /* A long list of names is cut at a name; --json has every one. */
            const char *u = r->undecided[i];
            size_t n = strlen(u), cut = n;
            while (cut > UNDECIDED_TEXT_MAX) {
                const char *sep = tlsd_memrchr(u, ',', cut - 1);
                cut = sep ? (size_t)(sep - u) : UNDECIDED_TEXT_MAX;
            }
            tlsd_sb_printf(b, "    %.*s%s\n", (int)cut, u,
                           cut < n ? ", ... (--json lists them all)" : "");
        }
    }
    if (r->error[0]) {
        tlsd_sb_puts(b, "\n");
        return;
    }
    print_versions(b, r, color);
    print_suites(b, r, color, width);
    print_kx(b, r);
    print_certs(b, r);
    /* Each line at most 80 columns with every answer "unknown": a line is never wrapped
     * in the middle of a question. */
    tlsd_sb_printf(b, "  Features\n");
    tlsd_sb_printf(b, "    secure renegotiation %s, TLS_FALLBACK_SCSV %s, compression %s\n",
                   tlsd_tristate_name(r->secure_renegotiation),
                   tlsd_tristate_name(r->fallback_scsv), tlsd_tristate_name(r->compression));
    tlsd_sb_printf(b, "    extended master secret %s, encrypt-then-MAC %s\n",
                   tlsd_tristate_name(r->ems), tlsd_tristate_name(r->etm));
    tlsd_sb_printf(b, "    session tickets %s, OCSP stapling %s\n",
                   tlsd_tristate_name(r->session_ticket), tlsd_tristate_name(r->ocsp_stapling));
    tlsd_sb_printf(b, "    ALPN from h2,http/1.1: %s\n", r->alpn[0] ? r->alpn : "none");
    tlsd_sb_printf(b, "    session resumption by ID %s; by ticket: TLS 1.2 %s, TLS 1.3 %s\n",
                   tlsd_tristate_name(r->resume_session_id), tlsd_tristate_name(r->resume_ticket12),
                   tlsd_tristate_name(r->resume_ticket13));
    tlsd_sb_printf(b, "    client-initiated renegotiation %s; heartbeat %s\n",
                   r->client_reneg == TLSD_YES  ? "allowed"
                   : r->client_reneg == TLSD_NO ? "refused"
                                                : "unknown",
                   tlsd_tristate_name(r->heartbeat));
    print_client_auth(b, r);
    if (r->no_sni_answer[0])
        tlsd_sb_printf(b, "    without SNI: %s%s%s; wrong SNI: %s\n", r->no_sni_answer,
                       r->sni_selects_cert == TLSD_YES ? ", certificate " : "", r->no_sni_cert,
                       r->wrong_sni_answer);
    tlsd_sb_printf(
        b, "    large hello refused %s; TLS 1.2 without renegotiation signal refused %s\n",
        tlsd_tristate_name(r->large_hello_intolerant), tlsd_tristate_name(r->needs_reneg_signal));
    tlsd_sb_printf(b, "    server_name not a host name refused %s\n",
                   tlsd_tristate_name(r->refuses_sni_not_host));
    tlsd_sb_printf(b, "    ECDHE without supported_groups refused %s\n",
                   tlsd_tristate_name(r->ecdhe_needs_groups));
    tlsd_sb_printf(b, "    ECDSA certificate only with its curve listed %s\n",
                   tlsd_tristate_name(r->needs_cert_curve));
    tlsd_sb_printf(b, "    TLS 1.3 HelloRetryRequest despite a usable key share %s\n",
                   tlsd_tristate_name(r->hrr_despite_share));
    tlsd_sb_printf(b, "  Implementation: %s\n",
                   r->implementation == TLSD_IMPL_GENERIC ? "not told"
                                                          : tlsd_impl_name(r->implementation));
    if (r->ja3s[0])
        tlsd_sb_printf(b, "  JA3S %s  JA4S %s\n", r->ja3s, r->ja4s);
    if (r->n_findings)
        tlsd_sb_printf(b, "  Findings\n");
    for (size_t i = 0; i < r->n_findings; i++)
        tlsd_sb_printf(b, "    %s%-11s%s %s\n", tlsd_class_style(r->findings[i].cls, color),
                       tlsd_class_name(r->findings[i].cls), tlsd_style(TLSD_SGR_RESET, color),
                       r->findings[i].text);
    tlsd_sb_printf(b, "  %u connections, %u handshakes, %.2f s", r->connections, r->handshakes,
                   r->seconds);
    if (r->probes_retried || r->resets_confirmed)
        tlsd_sb_printf(b, "; %u probes retried, %u resets confirmed as refusals", r->probes_retried,
                       r->resets_confirmed);
    tlsd_sb_printf(b, "\n\n");
}
