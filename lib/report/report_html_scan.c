/* A scan as HTML: an overview row per target, then a card per server — versions, the
 * suites grouped by the certificate that serves them in the server's order, each
 * coloured and labelled by its class, groups and signature schemes, certificate chains,
 * features and findings. Cards stop at TLSD_HTML_BUDGET; the overview lists every
 * target. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include "report/report_html_internal.h"
#include "tlsdiag/analyze.h"
#include "tlsdiag/report_html.h"

static enum tlsd_class version_class(uint16_t v)
{
    const struct tlsd_version *ver = tlsd_version_by_code(v);
    return ver ? ver->cls : TLSD_CLASS_UNKNOWN;
}

/* The worst class among the findings (UNKNOWN when there are none). */
static enum tlsd_class worst_finding(const struct tlsd_scan_result *r)
{
    enum tlsd_class w = TLSD_CLASS_UNKNOWN;
    for (size_t i = 0; i < r->n_findings; i++)
        if (w == TLSD_CLASS_UNKNOWN || r->findings[i].cls < w)
            w = r->findings[i].cls;
    return w;
}

static void target_name(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    tlsd_html_text(b, r->target->input);
}

static void versions_chips(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    char vb[24];
    tlsd_sb_puts(b, "<div class=\"chips\">");
    for (int i = TLSD_PROTO_COUNT - 1; i >= 0; i--) {
        const struct tlsd_scan_version *v = &r->versions[i];
        if (v->accepted)
            tlsd_sb_printf(b, "<span class=\"chip %s\">%s <i>yes, %s</i></span>",
                           tlsd_html_class_css(version_class(v->version)),
                           tlsd_version_label(v->version, vb),
                           tlsd_class_name(version_class(v->version)));
        else if (v->undecided)
            tlsd_sb_printf(b, "<span class=\"chip k0\">%s <i>unknown (not decided)</i></span>",
                           tlsd_version_label(v->version, vb));
        else
            tlsd_sb_printf(b, "<span class=\"chip\">%s <i>no</i></span>",
                           tlsd_version_label(v->version, vb));
    }
    tlsd_sb_puts(b, "</div>\n");
}

static void overview(struct tlsd_strbuf *b, const struct tlsd_scan_result *r, size_t n,
                     size_t carded)
{
    char vb[24];
    tlsd_sb_puts(b, "<h2>Targets</h2>\n<table id=\"overview\"><thead><tr><th>target</th>"
                    "<th>address</th><th>versions</th><th>suites</th><th>worst finding</th>"
                    "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        tlsd_sb_puts(b, "<tr><td>");
        if (i < carded)
            tlsd_sb_printf(b, "<a href=\"#t%zu\">", i);
        target_name(b, &r[i]);
        tlsd_sb_puts(b, i < carded ? "</a></td><td>" : "</td><td>");
        tlsd_html_text(b, r[i].address);
        tlsd_sb_puts(b, "</td><td>");
        if (r[i].error[0]) {
            tlsd_sb_puts(b, "<span class=\"lbl k1\">not scanned</span> ");
            tlsd_html_text(b, r[i].error);
            tlsd_sb_puts(b, "</td><td></td><td></td></tr>\n");
            continue;
        }
        size_t suites = 0;
        for (int k = TLSD_PROTO_COUNT - 1; k >= 0; k--) {
            const struct tlsd_scan_version *v = &r[i].versions[k];
            suites += v->accepted ? v->n_suites : 0;
            if (v->accepted)
                tlsd_sb_printf(b, "<span class=\"lbl %s\">%s</span>",
                               tlsd_html_class_css(version_class(v->version)),
                               tlsd_version_label(v->version, vb));
        }
        if (r[i].n_undecided)
            tlsd_sb_puts(b, " <span class=\"lbl k0\">incomplete</span>");
        tlsd_sb_printf(b, "</td><td>%zu</td><td>", suites);
        enum tlsd_class w = worst_finding(&r[i]);
        if (r[i].n_findings)
            tlsd_html_class_label(b, w);
        else
            tlsd_sb_puts(b, "none");
        tlsd_sb_puts(b, "</td></tr>\n");
    }
    tlsd_sb_puts(b, "</tbody></table>\n");
}

/* The certificate that serves suite code at version ver: TLS 1.3 the one from a TLS 1.3
 * handshake, else the first whose list holds the suite. -1: none (anonymous, PSK). */
static int cert_for(const struct tlsd_scan_result *r, uint16_t ver, uint32_t code)
{
    bool tls13 = tlsd_version_is_tls13(ver);
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_scan_cert *c = &r->certs[i];
        if (tls13 && c->tls13)
            return (int)i;
        for (size_t k = 0; !tls13 && k < c->n_suites; k++)
            if (c->suites[k] == code)
                return (int)i;
    }
    return -1;
}

static void suite_row(struct tlsd_strbuf *b, const struct tlsd_scan_suite *x, size_t pos)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(x->code);
    enum tlsd_class cls = s ? s->cls : TLSD_CLASS_UNKNOWN;
    char code[12];
    tlsd_sb_printf(b,
                   "<tr class=\"%s\"><td>%zu</td><td class=\"mono\">%s</td><td>%s</td>"
                   "<td class=\"mono\">%s</td><td>",
                   tlsd_html_class_css(cls), pos, tlsd_suite_code_str(x->code, code),
                   s ? s->iana_name : "unknown", s && s->openssl_name ? s->openssl_name : "-");
    if (x->group) {
        const struct tlsd_group *g = tlsd_group_by_code(x->group);
        tlsd_sb_puts(b, g ? g->name : "?");
    } else if (x->dh_bits) {
        tlsd_sb_printf(b, "DH %d", x->dh_bits);
    }
    tlsd_sb_printf(b, "</td><td>%s</td></tr>\n", tlsd_class_name(cls));
}

/* The suites of one certificate (cert -1: those no certificate serves), per version,
 * in the order the server prefers them. */
static void suites_of(struct tlsd_strbuf *b, const struct tlsd_scan_result *r, int cert)
{
    char vb[24];
    for (int i = TLSD_PROTO_COUNT - 1; i >= 0; i--) {
        const struct tlsd_scan_version *v = &r->versions[i];
        size_t shown = 0;
        for (size_t k = 0; v->accepted && k < v->n_suites; k++) {
            if (cert_for(r, v->version, v->suites[k].code) != cert)
                continue;
            if (!shown++)
                tlsd_sb_printf(b,
                               "<h4>%s, %s</h4><table class=\"suites\"><thead><tr><th>#</th>"
                               "<th>code</th><th>IANA name</th><th>OpenSSL name</th>"
                               "<th>key exchange</th><th>class</th></tr></thead><tbody>\n",
                               tlsd_version_label(v->version, vb),
                               v->chacha_priority == TLSD_YES
                                   ? "server order, ChaCha20 first for clients that prefer it"
                               : v->server_order == TLSD_YES ? "server order"
                               : v->server_order == TLSD_NO  ? "client order (as the client "
                                                               "lists them)"
                                                             : "order not tested");
            suite_row(b, &v->suites[k], shown);
        }
        if (shown)
            tlsd_sb_puts(b, "</tbody></table>\n");
    }
}

static void date_text(struct tlsd_strbuf *b, time_t t)
{
    char buf[32];
    struct tm tm;
    tlsd_gmtime(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    tlsd_sb_puts(b, buf);
}

static void chain(struct tlsd_strbuf *b, const struct tlsd_cert_chain *c)
{
    time_t now = time(NULL);
    tlsd_sb_puts(b, "<ol class=\"chain\">");
    for (size_t k = 0; k < c->n; k++) {
        const struct tlsd_cert_summary *x = &c->certs[k];
        tlsd_sb_puts(b, "<li><b>");
        tlsd_html_text(b, x->subject);
        tlsd_sb_puts(b, "</b><br>issuer ");
        tlsd_html_text(b, x->issuer);
        tlsd_sb_puts(b, "<br>key ");
        tlsd_html_text(b, x->key_type);
        tlsd_sb_printf(b, " %d", x->key_bits);
        if (x->curve[0]) {
            tlsd_sb_puts(b, " (");
            tlsd_html_text(b, x->curve);
            tlsd_sb_puts(b, ")");
        }
        tlsd_sb_puts(b, ", signed with ");
        tlsd_html_text(b, x->sig_alg);
        tlsd_sb_puts(b, "<br>valid ");
        date_text(b, x->not_before);
        tlsd_sb_puts(b, " to ");
        date_text(b, x->not_after);
        if (x->not_after < now)
            tlsd_sb_puts(b, " <span class=\"lbl k1\">EXPIRED</span>");
        else if (x->not_before > now)
            tlsd_sb_puts(b, " <span class=\"lbl k1\">NOT YET VALID</span>");
        if (k == 0 && x->n_sans) {
            tlsd_sb_puts(b, "<br>names");
            for (size_t i = 0; i < x->n_sans; i++) {
                tlsd_sb_puts(b, " ");
                tlsd_html_text(b, x->sans[i]);
            }
        }
        tlsd_sb_puts(b, "</li>");
    }
    tlsd_sb_puts(b, "</ol>\n");
}

static void certificates(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    for (size_t i = 0; i < r->n_certs; i++) {
        const struct tlsd_cert_chain *c = &r->certs[i].chain;
        tlsd_sb_puts(b, "<h3>Certificate ");
        tlsd_html_text(b, r->certs[i].label);
        tlsd_sb_printf(b, "</h3>\n<p>%s; host name %s; chain of %zu",
                       c->trusted ? "<span class=\"lbl k4\">trusted</span>"
                                  : "<span class=\"lbl k1\">NOT trusted</span>",
                       c->name_matches ? "matches" : "<b>does NOT match</b>", c->n);
        if (!c->trusted) {
            tlsd_sb_puts(b, " (");
            tlsd_html_text(b, c->verify_error);
            if (c->verify_subject[0]) {
                tlsd_sb_puts(b, " at ");
                tlsd_html_text(b, c->verify_subject);
            }
            tlsd_sb_puts(b, ")");
        }
        tlsd_sb_puts(b, "</p>\n");
        chain(b, c);
        suites_of(b, r, (int)i);
    }
    size_t before = b->len;
    tlsd_sb_puts(b, "<h3>Suites without a certificate</h3>\n");
    size_t mark = b->len;
    suites_of(b, r, -1);
    if (b->len == mark) /* none: take the heading back */
        tlsd_html_cut(b, before);
}

/* A group's or signature scheme's name, 0xHHHH when the registry lacks it. */
static void code16(struct tlsd_strbuf *b, uint16_t v, bool group)
{
    const struct tlsd_group *g = group ? tlsd_group_by_code(v) : NULL;
    const struct tlsd_sigscheme *s = group ? NULL : tlsd_sigscheme_by_code(v);
    if (g || s)
        tlsd_sb_puts(b, g ? g->name : s->name);
    else
        tlsd_sb_printf(b, "0x%04X", v);
}

static void list16(struct tlsd_strbuf *b, const char *title, const uint16_t *v, size_t n,
                   bool groups)
{
    if (!n)
        return;
    tlsd_sb_printf(b, "<li>%s:", title);
    for (size_t i = 0; i < n; i++) {
        tlsd_sb_puts(b, i ? ", " : " ");
        code16(b, v[i], groups);
    }
    tlsd_sb_puts(b, "</li>\n");
}

static void key_exchange(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    char title[80], vb[16];
    size_t before = b->len;
    tlsd_sb_puts(b, "<h3>Key exchange and signatures</h3>\n<ul>\n");
    size_t mark = b->len;
    list16(b, r->groups_order == TLSD_YES ? "Groups (TLS 1.3, server order)" : "Groups (TLS 1.3)",
           r->groups, r->n_groups, true);
    snprintf(title, sizeof title, "Groups (%s ECDHE%s)",
             r->groups12_version ? tlsd_version_str(r->groups12_version, vb) : "TLS 1.2",
             r->groups12_order == TLSD_YES ? ", server order" : "");
    list16(b, title, r->groups12, r->n_groups12, true);
    if (r->dh_bits_ffdhe || r->dh_bits_no_ffdhe)
        tlsd_sb_printf(b, "<li>DHE: %d bits with the RFC 7919 groups offered, %d without</li>\n",
                       r->dh_bits_ffdhe, r->dh_bits_no_ffdhe);
    for (int k = 0; k < TLSD_SCAN_NKEYS; k++) {
        snprintf(title, sizeof title, "Signature schemes (TLS 1.2, %s certificate)",
                 tlsd_auth_name(tlsd_scan_key_auth[k]));
        list16(b, title, r->sigschemes_by_key[k], r->n_sigschemes_by_key[k], false);
    }
    list16(b, "Signature schemes (TLS 1.3)", r->sigschemes13, r->n_sigschemes13, false);
    if (b->len == mark) /* nothing measured (--no-groups --no-sigalgs): no empty list */
        tlsd_html_cut(b, before);
    else
        tlsd_sb_puts(b, "</ul>\n");
}

static void features(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    const struct {
        const char *name;
        enum tlsd_tristate v;
    } f[] = {
        {"secure renegotiation", r->secure_renegotiation},
        {"TLS_FALLBACK_SCSV", r->fallback_scsv},
        {"compression", r->compression},
        {"extended master secret", r->ems},
        {"encrypt-then-MAC", r->etm},
        {"session tickets", r->session_ticket},
        {"OCSP stapling", r->ocsp_stapling},
        {"resumption by session ID", r->resume_session_id},
        {"resumption by TLS 1.2 ticket", r->resume_ticket12},
        {"resumption by TLS 1.3 ticket", r->resume_ticket13},
        {"client-initiated renegotiation", r->client_reneg},
        {"heartbeat", r->heartbeat},
        {"client certificate requested", r->client_cert_requested},
        {"client certificate required", r->client_cert_required},
        {"needs SNI", r->needs_sni},
    };
    tlsd_sb_puts(b, "<h3>Features</h3>\n<div class=\"chips\">");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        tlsd_sb_printf(b, "<span class=\"chip\">%s: <b>%s</b></span>", f[i].name,
                       tlsd_tristate_name(f[i].v));
    tlsd_sb_puts(b, "<span class=\"chip\">ALPN from h2,http/1.1: <b>");
    tlsd_html_text(b, r->alpn[0] ? r->alpn : "none");
    tlsd_sb_puts(b, "</b></span></div>\n");
}

static void findings(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    tlsd_sb_puts(b, "<h3>Findings</h3>\n");
    if (!r->n_findings) {
        tlsd_sb_puts(b, "<p>none</p>\n");
        return;
    }
    tlsd_sb_puts(b, "<ul class=\"findings\">\n");
    for (size_t i = 0; i < r->n_findings; i++) {
        tlsd_sb_puts(b, "<li>");
        tlsd_html_class_label(b, r->findings[i].cls);
        tlsd_sb_puts(b, " ");
        tlsd_html_text(b, r->findings[i].text);
        tlsd_sb_puts(b, "</li>\n");
    }
    tlsd_sb_puts(b, "</ul>\n");
}

/* What the scan could not decide: the report is incomplete (a version or suites unknown,
 * not refused). */
static void undecided(struct tlsd_strbuf *b, const struct tlsd_scan_result *r)
{
    if (!r->n_undecided)
        return;
    tlsd_sb_puts(b, "<h3>Incomplete</h3>\n<p class=\"note\"><span class=\"lbl k0\">incomplete"
                    "</span> The server reset or dropped these probes although it answered "
                    "others; what they would show is unknown, not refused.</p>\n<ul>\n");
    for (size_t i = 0; i < r->n_undecided; i++) {
        tlsd_sb_puts(b, "<li>");
        tlsd_html_text(b, r->undecided[i]);
        tlsd_sb_puts(b, "</li>\n");
    }
    tlsd_sb_puts(b, "</ul>\n");
}

static void card(struct tlsd_strbuf *b, const struct tlsd_scan_result *r, size_t i)
{
    tlsd_sb_printf(b, "<section class=\"card\" id=\"t%zu\">\n<h2>", i);
    target_name(b, r);
    tlsd_sb_puts(b, "</h2>\n<p>");
    if (r->address[0]) {
        tlsd_sb_puts(b, "address ");
        tlsd_html_text(b, r->address);
    }
    if (r->target->sni) {
        tlsd_sb_puts(b, ", SNI ");
        tlsd_html_text(b, r->target->sni);
    }
    if (r->target->starttls)
        tlsd_sb_printf(b, ", STARTTLS %s", tlsd_starttls_name(r->target->starttls));
    tlsd_sb_puts(b, "</p>\n");
    if (r->error[0]) {
        tlsd_sb_puts(b, "<p><span class=\"lbl k1\">not scanned</span> ");
        tlsd_html_text(b, r->error);
        tlsd_sb_puts(b, "</p>\n");
        undecided(b, r);
        tlsd_sb_puts(b, "</section>\n");
        return;
    }
    tlsd_sb_puts(b, "<h3>Versions</h3>\n");
    versions_chips(b, r);
    undecided(b, r);
    findings(b, r);
    tlsd_sb_puts(b, "<h3>Suites by certificate</h3>\n");
    certificates(b, r);
    key_exchange(b, r);
    features(b, r);
    tlsd_sb_printf(b, "<p>%u connections, %u handshakes, %.2f s</p>\n</section>\n", r->connections,
                   r->handshakes, r->seconds);
}

int tlsd_html_scan(struct tlsd_strbuf *b, const struct tlsd_scan_result *results, size_t n)
{
    char title[300];
    snprintf(title, sizeof title, "TLS scan of %s%s", n ? results[0].target->input : "nothing",
             n > 1 ? " and more" : "");
    tlsd_html_begin(b, TLSD_HTML_PAGE_SCAN, title);
    tlsd_sb_printf(b,
                   "<p>%zu target%s. Suites, versions and findings are coloured and "
                   "labelled by security class: ",
                   n, n == 1 ? "" : "s");
    for (int c = TLSD_CLASS_RECOMMENDED; c >= TLSD_CLASS_UNKNOWN; c--)
        tlsd_html_class_label(b, (enum tlsd_class)c);
    tlsd_sb_puts(b, ".</p>\n");
    /* The cards go to a buffer of their own first: the overview, written before them,
     * links only to the cards that fitted. */
    struct tlsd_strbuf cards = {0};
    size_t carded = 0;
    for (; carded < n && cards.len < TLSD_HTML_BUDGET; carded++)
        card(&cards, &results[carded], carded);
    if (carded < n)
        tlsd_sb_printf(b,
                       "<p class=\"note\" id=\"limit\">Cards for the first %zu of %zu targets; "
                       "the other %zu are in the overview only (the page would pass %zu KB). "
                       "Scan them apart, or see the JSON output, for the details.</p>\n",
                       carded, n, n - carded, TLSD_HTML_BUDGET >> 10);
    overview(b, results, n, carded);
    if (cards.s)
        tlsd_sb_putn(b, cards.s, cards.len);
    bool failed = cards.failed;
    tlsd_sb_free(&cards);
    tlsd_html_end(b, TLSD_HTML_PAGE_SCAN);
    return b->failed || failed ? -1 : 0;
}
