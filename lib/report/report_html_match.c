/* The match matrix as HTML: clients x servers as a heat map (a working pair coloured by
 * the class of what it negotiates, a failing one red), each cell naming its outcome in
 * words and opening (a <details>, no script needed) to the reason and the first fix on
 * each side. */
#include <stdio.h>
#include <stdlib.h>

#include "report/report_html_internal.h"
#include "tlsdiag/analyze.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/report_html.h"

/* The class of a working connection: the worse of its version's and its suite's. */
static enum tlsd_class outcome_class(const struct tlsd_outcome *o)
{
    const struct tlsd_version *v = tlsd_version_by_code(o->version);
    const struct tlsd_suite *s = tlsd_suite_by_code(o->suite);
    enum tlsd_class cv = v ? v->cls : TLSD_CLASS_UNKNOWN, cs = s ? s->cls : TLSD_CLASS_UNKNOWN;
    return cv < cs ? cv : cs;
}

static void alert_text(struct tlsd_strbuf *b, const struct tlsd_outcome *o)
{
    if (o->reset) {
        tlsd_sb_puts(b, "<p>The server closes the connection without an alert (the client "
                        "sees a reset, WSAECONNRESET 10054).</p>");
    } else if (o->alert >= 0) {
        const struct tlsd_alert *a = tlsd_alert_by_code(o->alert);
        tlsd_sb_printf(b, "<p>The %s sends alert %d (%s).</p>",
                       o->alert_from_client ? "client" : "server", o->alert, a ? a->name : "?");
    }
    for (size_t i = 0; i < o->n_events; i++) {
        tlsd_sb_printf(b, "<p>Schannel event %d on the server", o->events[i]);
        if (o->event_alert[i] >= 0)
            tlsd_sb_printf(b, " (alert %d)", o->event_alert[i]);
        tlsd_sb_puts(b, "</p>");
    }
}

/* The first fix on one side: what to change, what it gives, the first command. */
static int first_fix(struct tlsd_strbuf *b, const struct tlsd_profile *c,
                     const struct tlsd_profile *s, enum tlsd_side side)
{
    struct tlsd_fix_list l;
    if (tlsd_find_fixes(c, s, side, 1, &l) < 0)
        return -1;
    tlsd_sb_printf(b, "<p><b>First fix on the %s</b> (", tlsd_side_name(side));
    tlsd_html_text(b, side == TLSD_SIDE_SERVER ? s->name : c->name);
    tlsd_sb_puts(b, "): ");
    int rc = 0;
    if (l.n == 0) {
        tlsd_sb_printf(b, "none found within %d changes.</p>", TLSD_FIX_MAX_CHANGES);
    } else {
        char sum[300], risk[300];
        char v[24];
        const struct tlsd_fix *f = &l.fixes[0];
        const struct tlsd_suite *su = tlsd_suite_by_code(f->after.suite);
        tlsd_fix_summary(f, sum, sizeof sum);
        tlsd_fix_risk(f, risk, sizeof risk);
        tlsd_sb_puts(b, f->stopgap ? "stopgap (weaker): " : "");
        tlsd_html_text(b, sum);
        tlsd_sb_printf(b, " &rarr; %s %s ", tlsd_version_label(f->after.version, v),
                       su ? su->iana_name : "?");
        tlsd_html_class_label(b, f->cls);
        if (risk[0]) {
            tlsd_sb_puts(b, "<br>risk: ");
            tlsd_html_text(b, risk);
        }
        struct tlsd_fix_steps st;
        rc = tlsd_fix_render(f, side == TLSD_SIDE_SERVER ? s : c, &st);
        if (rc == 0 && st.n) {
            tlsd_sb_puts(b, "<br>");
            tlsd_html_text(b, st.v[0].what);
            tlsd_sb_puts(b, ": <code>");
            tlsd_html_text(b, st.v[0].text);
            tlsd_sb_puts(b, "</code>");
        }
        if (rc == 0)
            tlsd_fix_steps_free(&st);
        tlsd_sb_puts(b, "</p>");
    }
    tlsd_fix_list_free(&l);
    return rc;
}

/* How much a cell holds: all (the reason and the first fixes), the reason only (past
 * TLSD_HTML_BUDGET), or its outcome only (past BARE_AFTER: a huge matrix). */
enum cell_detail { CELL_FULL, CELL_REASON, CELL_BARE };
#define BARE_AFTER (TLSD_HTML_MAX_BYTES - TLSD_HTML_MAX_BYTES / 4)
/* The most a bare cell takes, and room kept for the end of the page: a row is written
 * only when all of it fits. */
#define BARE_CELL_MAX 200
#define PAGE_TAIL     ((size_t)8 << 10)
/* Failing pairs listed above the matrix (the matrix shows the others). */
#define FAIL_LIST_MAX 300

static void ok_cell(struct tlsd_strbuf *b, const struct tlsd_outcome *o, enum cell_detail d)
{
    char v[24];
    const struct tlsd_suite *su = tlsd_suite_by_code(o->suite);
    const struct tlsd_group *g = o->group ? tlsd_group_by_code(o->group) : NULL;
    enum tlsd_class cls = outcome_class(o);
    const char *name = su && su->openssl_name ? su->openssl_name : su ? su->iana_name : "?";
    tlsd_sb_printf(b,
                   "<td class=\"%s\" data-outcome=\"ok\">%s%sOK %s<br><span class=\"mono\">"
                   "%s</span> <i>%s</i>",
                   tlsd_html_class_css(cls), d == CELL_BARE ? "" : "<details>",
                   d == CELL_BARE ? "" : "<summary>", tlsd_version_label(o->version, v), name,
                   tlsd_class_name(cls));
    if (d == CELL_BARE) {
        tlsd_sb_puts(b, "</td>");
        return;
    }
    tlsd_sb_printf(b, "</summary><div><p>The handshake succeeds: %s, %s (0x%04X)",
                   tlsd_version_label(o->version, v), su ? su->iana_name : "?", (unsigned)o->suite);
    if (g)
        tlsd_sb_printf(b, ", group %s%s", g->name, o->hrr ? " after HelloRetryRequest" : "");
    tlsd_sb_puts(b, ".</p></div></details></td>");
}

static int cell(struct tlsd_strbuf *b, const struct tlsd_profile *c, const struct tlsd_profile *s,
                const struct tlsd_outcome *o, size_t id, enum cell_detail d)
{
    if (o->ok) {
        ok_cell(b, o, d);
        return 0;
    }
    tlsd_sb_printf(b, "<td class=\"fail\" id=\"p%zu\" data-outcome=\"fail\" data-failure=\"%s\">",
                   id, tlsd_fail_class_name(o->fail));
    if (d == CELL_BARE) {
        tlsd_sb_printf(b, "FAIL<br>%s</td>", tlsd_fail_class_text(o->fail));
        return 0;
    }
    tlsd_sb_printf(b,
                   "<details><summary>FAIL<br>%s</summary><div class=\"reason\"><p><b>Why:</b> "
                   "%s: ",
                   tlsd_fail_class_text(o->fail), tlsd_fail_class_text(o->fail));
    tlsd_html_text(b, o->detail);
    tlsd_sb_puts(b, "</p>");
    alert_text(b, o);
    int rc = 0;
    if (d == CELL_FULL)
        rc = first_fix(b, c, s, TLSD_SIDE_SERVER) < 0 || first_fix(b, c, s, TLSD_SIDE_CLIENT) < 0
                 ? -1
                 : 0;
    else
        tlsd_sb_puts(b, "<p>Fixes left out (size limit): run <code>tlsdiag match</code> on "
                        "this pair.</p>");
    tlsd_sb_puts(b, "</div></details></td>");
    return rc;
}

static void legend(struct tlsd_strbuf *b)
{
    tlsd_sb_puts(b, "<p>Each cell: <b>OK</b> with the version and suite the pair would "
                    "negotiate, coloured and labelled by its security class (");
    for (int c = TLSD_CLASS_RECOMMENDED; c >= TLSD_CLASS_UNKNOWN; c--)
        tlsd_html_class_label(b, (enum tlsd_class)c);
    tlsd_sb_puts(b, "), or <span class=\"lbl fail\">FAIL</span> with the reason. Open a cell "
                    "for the details, the reason and the first fix on each side.</p>\n");
}

/* The failing pairs in one list (static, printed), each linked to its cell. */
static void fail_list(struct tlsd_strbuf *b, const struct tlsd_profile *clients, size_t nc,
                      const struct tlsd_profile *servers, size_t ns, const struct tlsd_outcome *out)
{
    bool any = false;
    size_t listed = 0, fails = 0;
    for (size_t i = 0; i < nc * ns; i++) {
        if (out[i].ok || fails++ >= FAIL_LIST_MAX)
            continue;
        listed++;
        tlsd_sb_puts(b, any ? "" : "<h2>Failing pairs</h2>\n<ul id=\"failures\">\n");
        any = true;
        tlsd_sb_printf(b, "<li><a href=\"#p%zu\">", i);
        tlsd_html_text(b, clients[i / ns].name);
        tlsd_sb_puts(b, " &rarr; ");
        tlsd_html_text(b, servers[i % ns].name);
        tlsd_sb_printf(b, "</a>: <span class=\"lbl fail\">FAIL</span> %s</li>\n",
                       tlsd_fail_class_text(out[i].fail));
    }
    if (fails > listed)
        tlsd_sb_printf(b, "<li>and %zu more: see the matrix</li>\n", fails - listed);
    tlsd_sb_puts(b, any ? "</ul>\n<h2>Matrix</h2>\n" : "");
}

int tlsd_html_match(struct tlsd_strbuf *b, const struct tlsd_profile *clients, size_t nc,
                    const struct tlsd_profile *servers, size_t ns, const struct tlsd_outcome *out)
{
    size_t fails = 0, no_fixes = 0, bare = 0;
    for (size_t i = 0; i < nc * ns; i++)
        fails += !out[i].ok;
    tlsd_html_begin(b, TLSD_HTML_PAGE_MATCH, "TLS compatibility: clients x servers");
    tlsd_sb_printf(b,
                   "<p id=\"verdict\"><b>%zu of %zu pairs fail</b> (%zu client%s, %zu "
                   "server%s; predicted by the tlsdiag model).</p>\n",
                   fails, nc * ns, nc, nc == 1 ? "" : "s", ns, ns == 1 ? "" : "s");
    legend(b);
    fail_list(b, clients, nc, servers, ns, out);
    tlsd_sb_puts(b, "<table class=\"matrix\"><thead><tr><th scope=\"col\">client \\ server</th>");
    for (size_t k = 0; k < ns; k++) {
        tlsd_sb_puts(b, "<th scope=\"col\">");
        tlsd_html_text(b, servers[k].name);
        tlsd_sb_puts(b, "</th>");
    }
    tlsd_sb_puts(b, "</tr></thead>\n<tbody>\n");
    size_t rows = 0;
    for (size_t i = 0; i < nc && b->len + ns * BARE_CELL_MAX + PAGE_TAIL < TLSD_HTML_MAX_BYTES;
         i++, rows++) {
        tlsd_sb_puts(b, "<tr><th scope=\"row\">");
        tlsd_html_text(b, clients[i].name);
        tlsd_sb_puts(b, "</th>");
        for (size_t k = 0; k < ns; k++) {
            const struct tlsd_outcome *o = &out[i * ns + k];
            enum cell_detail d = b->len < TLSD_HTML_BUDGET ? CELL_FULL
                                 : b->len < BARE_AFTER     ? CELL_REASON
                                                           : CELL_BARE;
            no_fixes += !o->ok && d != CELL_FULL;
            bare += d == CELL_BARE;
            if (cell(b, &clients[i], &servers[k], o, i * ns + k, d) < 0)
                return -1;
        }
        tlsd_sb_puts(b, "</tr>\n");
    }
    tlsd_sb_puts(b, "</tbody></table>\n");
    if (no_fixes || bare || rows < nc)
        tlsd_sb_printf(b,
                       "<p class=\"note\" id=\"limit\">To keep the page under %zu MB, %zu "
                       "failing cells carry no fixes, %zu cells only their outcome, and the "
                       "last %zu of %zu clients are left out; run <code>tlsdiag match</code> on "
                       "a pair (or <code>--json</code>) for the rest.</p>\n",
                       TLSD_HTML_MAX_BYTES / 1000000, no_fixes, bare, nc - rows, nc);
    tlsd_html_end(b, TLSD_HTML_PAGE_MATCH);
    return b->failed ? -1 : 0;
}
