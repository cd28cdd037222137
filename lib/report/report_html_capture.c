/* A capture as HTML: a timeline of every handshake by outcome (a stacked chart and the
 * same counts as a table), the connections one row each (coloured and labelled by
 * outcome, filterable by client, server and outcome), each opening to what was offered
 * and answered, the diagnosis and a ladder diagram of the connection; then the
 * summaries. Connections arrive one at a time and are freed after the callback, so each
 * listed row is rendered as it comes and kept as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform.h"

#include "analyze/analyze_internal.h"
#include "report/report_html_internal.h"
#include "tlsdiag/report_html.h"

/* Timeline points kept (ts and outcome, 16 bytes each); past it connections count in
 * the summaries only. */
#define POINTS_MAX ((size_t)1 << 24)
/* Bars of the timeline chart, and rows of the client and server tables. */
#define TIMELINE_BUCKETS 60
#define SUMMARY_ROWS     200
/* The ladder diagram's geometry (pixels). */
#define LADDER_W      660
#define LADDER_ROW    30
#define LADDER_TOP    34
#define LADDER_CLIENT 210
#define LADDER_SERVER 620
#define LADDER_EVENTS 24

struct point {
    int64_t ts;
    enum tlsd_conn_outcome outcome;
};

/* A listed connection: its text in rows, the summary line split where the time mark
 * goes (its position is known only when the capture's span is). */
struct row {
    int64_t ts;
    size_t off, split, end;
};

struct tlsd_html_capture {
    struct point *points;
    size_t n_points, cap_points;
    uint64_t points_dropped;
    struct row *rows;
    size_t n_rows, cap_rows;
    struct tlsd_strbuf text; /* the rows' HTML */
    uint64_t listed_total;   /* connections the user asked to see */
    uint64_t not_listed[TLSD_OUTCOME_COUNT];
    struct tlsd_strbuf files;
    bool nomem;
};

struct tlsd_html_capture *tlsd_html_capture_new(void)
{
    return calloc(1, sizeof(struct tlsd_html_capture));
}

void tlsd_html_capture_free(struct tlsd_html_capture *h)
{
    if (!h)
        return;
    free(h->points);
    free(h->rows);
    tlsd_sb_free(&h->text);
    tlsd_sb_free(&h->files);
    free(h);
}

void tlsd_html_capture_file(struct tlsd_html_capture *h, const char *path, const char *error)
{
    tlsd_sb_puts(&h->files, "<li><code>");
    tlsd_html_text(&h->files, path);
    tlsd_sb_puts(&h->files, "</code>");
    if (error && error[0]) {
        tlsd_sb_puts(&h->files, ": <span class=\"lbl k1\">not read to the end</span> ");
        tlsd_html_text(&h->files, error);
    }
    tlsd_sb_puts(&h->files, "</li>\n");
}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 1024;
    void *nv = realloc(*v, nc * size);
    if (!nv)
        return false;
    *v = nv;
    *cap = nc;
    return true;
}

/* ---- pieces of a row ---------------------------------------------------------- */

static void time_utc(struct tlsd_strbuf *b, int64_t us, bool date)
{
    if (us < 0) /* before 1970: a broken clock; shown as the epoch */
        us = 0;
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char buf[40];
    tlsd_gmtime(&t, &tm);
    strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    tlsd_sb_printf(b, "%s.%03d", buf, (int)(us % 1000000 / 1000));
}

static void endpoint(struct tlsd_strbuf *b, const char *addr, uint16_t port, bool v6)
{
    tlsd_sb_printf(b, v6 ? "[%s]:%u" : "%s:%u", addr, port);
}

static const char *outcome_word(enum tlsd_conn_outcome o)
{
    return tlsd_conn_outcome_failed(o) ? "FAIL" : "OK";
}

/* "TLS 1.0 to TLS 1.3", or "up to TLS 1.2" when the hello does not state its lowest. */
static const char *offered_versions(const struct tlsd_conn *c, char *buf, size_t len)
{
    char v1[24], v2[24];
    if (tlsd_hello_states_lowest(&c->ch))
        snprintf(buf, len, "%s to %s", tlsd_version_label(c->offered_low, v1),
                 tlsd_version_label(c->offered_high, v2));
    else
        snprintf(buf, len, "up to %s", tlsd_version_label(c->offered_high, v2));
    return buf;
}

static void offered(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    char vs[64];
    tlsd_sb_printf(b, "<tr><th>offered</th><td>%s", offered_versions(c, vs, sizeof vs));
    if (ch->server_name) {
        tlsd_sb_puts(b, ", SNI <b>");
        tlsd_html_text(b, ch->server_name);
        tlsd_sb_puts(b, "</b>");
    }
    tlsd_sb_printf(b, "<br>%zu suites:", ch->n_suites);
    for (size_t i = 0; i < ch->n_suites; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(ch->suites[i]);
        if (s)
            tlsd_sb_printf(b, "%s %s", i ? "," : "", s->iana_name);
        else
            tlsd_sb_printf(b, "%s 0x%04X", i ? "," : "", (unsigned)ch->suites[i]);
    }
    if (ch->n_groups) {
        tlsd_sb_puts(b, "<br>groups:");
        for (size_t i = 0; i < ch->n_groups; i++) {
            const struct tlsd_group *g = tlsd_group_by_code(ch->groups[i]);
            if (g)
                tlsd_sb_printf(b, " %s", g->name);
            else
                tlsd_sb_printf(b, " 0x%04X", ch->groups[i]);
        }
    }
    tlsd_sb_printf(b, "<br>JA3 <code>%s</code> JA4 <code>%s</code></td></tr>\n", c->ja3.hash,
                   c->ja4);
}

static void answered(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    char v[24];
    tlsd_sb_puts(b, "<tr><th>answered</th><td>");
    if (c->has_hrr) {
        const struct tlsd_group *g = tlsd_group_by_code(c->hrr_group);
        tlsd_sb_printf(b, "HelloRetryRequest for %s%s<br>", g ? g->name : "?",
                       c->hrr_inferred ? " (inferred)" : "");
    }
    if (c->has_sh) {
        const struct tlsd_suite *s = tlsd_suite_by_code(c->sh.suite);
        tlsd_sb_printf(b, "ServerHello: %s, ", tlsd_version_label(c->sh.version, v));
        if (s)
            tlsd_html_suite_chip(b, c->sh.suite);
        else
            tlsd_sb_printf(b, "unknown suite 0x%04X", c->sh.suite);
        tlsd_sb_printf(b, "<br>JA4S <code>%s</code>", c->ja4s);
    } else if (!c->has_hrr) {
        tlsd_sb_puts(b, "no ServerHello");
    }
    if (c->has_cert && c->cert->n_certs && c->cert->certs[0].decoded) {
        const struct tlsd_cert_summary *l = &c->cert->certs[0];
        tlsd_sb_puts(b, "<br>certificate ");
        tlsd_html_text(b, l->subject);
        tlsd_sb_puts(b, " (");
        tlsd_html_text(b, l->key_type);
        tlsd_sb_printf(b, " %d), issued by ", l->key_bits);
        tlsd_html_text(b, l->issuer);
        tlsd_sb_printf(b, ", chain of %zu", c->cert->n_certs);
    }
    tlsd_sb_puts(b, "</td></tr>\n");
}

static void diagnosis(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    const struct tlsd_diagnosis *d = &c->diag;
    if (!d->text && !d->n_causes && !c->parse_error[0])
        return;
    tlsd_sb_puts(b, "<tr><th>diagnosis</th><td class=\"diag\">");
    if (d->text)
        tlsd_html_text(b, d->text);
    for (size_t i = 0; i < d->n_causes; i++) {
        const struct tlsd_explain_cause *x = d->causes[i];
        tlsd_sb_puts(b, "<br><b>cause:</b> ");
        tlsd_html_text(b, x->title);
        if (i == 0 && x->n_fix_windows) {
            tlsd_sb_puts(b, "<br><b>fix (Windows):</b> ");
            tlsd_html_text(b, x->fix_windows[0]);
        }
        if (i == 0 && x->n_fix_other) {
            tlsd_sb_puts(b, "<br><b>fix (elsewhere):</b> ");
            tlsd_html_text(b, x->fix_other[0]);
        }
    }
    for (size_t i = 0; i < d->n_events; i++) {
        tlsd_sb_printf(b, "<br>Schannel event %u", d->events[i].id);
        if (d->events[i].alert >= 0)
            tlsd_sb_printf(b, " with alert %d", d->events[i].alert);
        tlsd_sb_printf(b, " in the System log of the %s, if it runs Windows",
                       tlsd_peer_name(d->events[i].logged_on));
    }
    if (d->n_bridges) {
        tlsd_sb_puts(b, "<br>suites both would accept:");
        for (size_t i = 0; i < d->n_bridges; i++)
            tlsd_html_suite_chip(b, d->bridges[i]);
    }
    if (c->parse_error[0]) {
        tlsd_sb_puts(b, "<br>note: ");
        tlsd_html_text(b, c->parse_error);
    }
    tlsd_sb_puts(b, "</td></tr>\n");
}

/* ---- the ladder ----------------------------------------------------------------- */

enum dir { TO_SERVER, TO_CLIENT, NOTE };

struct event {
    uint64_t frame; /* 0: not known */
    int64_t ts;     /* 0: not known */
    enum dir dir;
    bool bad; /* an alert, a reset: drawn red (and named in words) */
    char label[160];
};

struct ladder {
    struct event v[LADDER_EVENTS];
    size_t n;
};

static struct event *ladder_add(struct ladder *l, uint64_t frame, int64_t ts, enum dir dir,
                                bool bad)
{
    if (l->n == LADDER_EVENTS)
        return NULL;
    struct event *e = &l->v[l->n++];
    *e = (struct event){.frame = frame, .ts = ts, .dir = dir, .bad = bad};
    return e;
}

static void add_hellos(struct ladder *l, const struct tlsd_conn *c)
{
    char v1[24], vs[64];
    struct event *e;
    if (c->has_ch && (e = ladder_add(l, c->ch_frame, c->ch_ts, TO_SERVER, false)))
        snprintf(e->label, sizeof e->label, "ClientHello (%s, %zu suites)",
                 offered_versions(c, vs, sizeof vs), c->ch.n_suites);
    if (c->has_hrr && (e = ladder_add(l, 0, 0, TO_CLIENT, false))) {
        const struct tlsd_group *g = tlsd_group_by_code(c->hrr_group);
        snprintf(e->label, sizeof e->label, "HelloRetryRequest (%s)", g ? g->name : "?");
    }
    if (c->has_sh && (e = ladder_add(l, c->sh_frame, 0, TO_CLIENT, false))) {
        const struct tlsd_suite *s = tlsd_suite_by_code(c->sh.suite);
        snprintf(e->label, sizeof e->label, "ServerHello (%s, %s)",
                 tlsd_version_label(c->sh.version, v1), s ? s->iana_name : "unknown suite");
    }
    if (c->ssl2_server_hello && (e = ladder_add(l, 0, 0, TO_CLIENT, false)))
        snprintf(e->label, sizeof e->label, "SSLv2 SERVER-HELLO");
    if (c->handshake_done && (e = ladder_add(l, 0, 0, NOTE, false)))
        snprintf(e->label, sizeof e->label, "handshake completed");
}

static void add_alerts(struct ladder *l, const struct tlsd_conn *c)
{
    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct tlsd_conn_alert *a = &c->alerts[i];
        struct event *e =
            ladder_add(l, a->frame, 0, a->side == TLSD_PEER_CLIENT ? TO_SERVER : TO_CLIENT, true);
        if (!e)
            return;
        const struct tlsd_alert *r =
            a->description >= 0 ? tlsd_alert_by_code(a->description) : NULL;
        if (a->description < 0)
            snprintf(e->label, sizeof e->label, "Alert (encrypted)");
        else {
            const char *level = tlsd_alert_level_name(a->level);
            snprintf(e->label, sizeof e->label, "Alert %s %s (%d)",
                     level ? level : "(unknown level)", r ? r->name : "?", a->description);
        }
    }
}

/* FIN and RST per side; the first of them carries the side's end time. */
static void add_tcp(struct ladder *l, const struct tlsd_conn *c)
{
    for (int s = 0; s < 2; s++) {
        uint64_t f[2] = {c->rst_frame[s], c->fin_frame[s]};
        uint64_t first = f[0] && (!f[1] || f[0] < f[1]) ? f[0] : f[1];
        for (int k = 0; k < 2; k++) {
            if (!f[k])
                continue;
            struct event *e = ladder_add(l, f[k], f[k] == first ? c->end_ts[s] : 0,
                                         s == TLSD_PEER_CLIENT ? TO_SERVER : TO_CLIENT, k == 0);
            if (e)
                snprintf(e->label, sizeof e->label, "TCP %s", k == 0 ? "RST (reset)" : "FIN");
        }
    }
}

/* Events in frame order; one without a frame stays after the one it followed. */
static void ladder_sort(struct ladder *l)
{
    uint64_t key[LADDER_EVENTS], last = 0;
    for (size_t i = 0; i < l->n; i++)
        key[i] = l->v[i].frame ? (last = l->v[i].frame) : last;
    for (size_t i = 1; i < l->n; i++)
        for (size_t k = i; k > 0 && key[k - 1] > key[k]; k--) {
            struct event t = l->v[k];
            l->v[k] = l->v[k - 1];
            l->v[k - 1] = t;
            uint64_t tk = key[k];
            key[k] = key[k - 1];
            key[k - 1] = tk;
        }
}

static void ladder_event(struct tlsd_strbuf *b, const struct event *e, int y, int64_t t0)
{
    const char *colour = e->bad ? "#b00000" : "#000";
    tlsd_sb_printf(b, "<text x=\"0\" y=\"%d\">", y + 4);
    if (e->frame)
        tlsd_sb_printf(b, "frame %llu", (unsigned long long)e->frame);
    if (e->ts && t0)
        tlsd_sb_printf(b, "%s+%.3f s", e->frame ? ", " : "", (double)(e->ts - t0) / 1e6);
    tlsd_sb_puts(b, "</text>");
    int mid = (LADDER_CLIENT + LADDER_SERVER) / 2;
    if (e->dir == NOTE) {
        tlsd_sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-style=\"italic\">",
                       mid, y + 4);
    } else {
        int from = e->dir == TO_SERVER ? LADDER_CLIENT : LADDER_SERVER;
        int to = e->dir == TO_SERVER ? LADDER_SERVER : LADDER_CLIENT;
        int back = e->dir == TO_SERVER ? -9 : 9;
        tlsd_sb_printf(b,
                       "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                       "stroke-width=\"%d\"/><polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>",
                       from, y, to, y, colour, e->bad ? 2 : 1, to, y, to + back, y - 4, to + back,
                       y + 4, colour);
        tlsd_sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">", mid, y - 5,
                       colour);
    }
    tlsd_html_text(b, e->label);
    tlsd_sb_puts(b, "</text>");
}

static void ladder(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    struct ladder l = {.n = 0};
    add_hellos(&l, c);
    add_alerts(&l, c);
    add_tcp(&l, c);
    ladder_sort(&l);
    int h = LADDER_TOP + (int)l.n * LADDER_ROW + 10;
    tlsd_sb_printf(b,
                   "<svg class=\"ladder\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "role=\"img\" aria-label=\"ladder diagram of the connection\">"
                   "<text x=\"%d\" y=\"14\" text-anchor=\"middle\" font-weight=\"bold\">client"
                   "</text><text x=\"%d\" y=\"14\" text-anchor=\"middle\" font-weight=\"bold\">"
                   "server</text><line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>"
                   "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>",
                   LADDER_W, h, LADDER_W, h, LADDER_CLIENT, LADDER_SERVER, LADDER_CLIENT,
                   LADDER_CLIENT, h, LADDER_SERVER, LADDER_SERVER, h);
    for (size_t i = 0; i < l.n; i++)
        ladder_event(b, &l.v[i], LADDER_TOP + (int)i * LADDER_ROW + 12, c->first_ts);
    tlsd_sb_puts(b, "</svg>\n");
}

/* ---- one row -------------------------------------------------------------------- */

static void row_head(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    bool v6 = c->ip_version == 6;
    const char *o = tlsd_conn_outcome_name(c->outcome);
    tlsd_sb_puts(b, "<details class=\"conn\" data-c=\"");
    tlsd_html_text(b, c->client);
    tlsd_sb_puts(b, "\" data-s=\"");
    endpoint(b, c->server, c->server_port, v6);
    tlsd_sb_printf(b, "\" data-o=\"%s\"><summary><span class=\"t\">", o);
    time_utc(b, c->first_ts, false);
    tlsd_sb_puts(b, "</span> <span class=\"ep\">");
    endpoint(b, c->client, c->client_port, v6);
    tlsd_sb_puts(b, " &rarr; ");
    endpoint(b, c->server, c->server_port, v6);
    if (c->has_ch && c->ch.server_name) {
        tlsd_sb_puts(b, " (");
        tlsd_html_text(b, c->ch.server_name);
        tlsd_sb_puts(b, ")");
    }
    tlsd_sb_printf(b, "</span> <span class=\"lbl o-%s\">%s %s</span> ", o, outcome_word(c->outcome),
                   o);
}

static void row_body(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    tlsd_sb_puts(b, "</summary><div><table class=\"conninfo\">");
    tlsd_sb_printf(b, "<tr><th>outcome</th><td><span class=\"lbl o-%s\">%s</span> %s</td></tr>",
                   tlsd_conn_outcome_name(c->outcome), outcome_word(c->outcome),
                   tlsd_conn_outcome_text(c->outcome));
    tlsd_sb_puts(b, "<tr><th>when</th><td>");
    time_utc(b, c->first_ts, true);
    tlsd_sb_puts(b, " UTC; ");
    tlsd_html_text(b, c->source);
    tlsd_sb_printf(b, ", TCP stream %llu, frames %llu to %llu</td></tr>\n",
                   (unsigned long long)c->id, (unsigned long long)c->first_frame,
                   (unsigned long long)c->last_frame);
    if (c->has_ch)
        offered(b, c);
    answered(b, c);
    diagnosis(b, c);
    tlsd_sb_puts(b, "</table>\n");
    ladder(b, c);
    tlsd_sb_puts(b, "</div></details>\n");
}

void tlsd_html_capture_add(struct tlsd_html_capture *h, const struct tlsd_conn *c, bool listed)
{
    if (h->n_points < POINTS_MAX &&
        grow((void **)&h->points, &h->cap_points, h->n_points, sizeof *h->points))
        h->points[h->n_points++] = (struct point){c->first_ts, c->outcome};
    else
        h->points_dropped++;
    if (!listed)
        return;
    h->listed_total++;
    if (h->n_rows >= TLSD_HTML_MAX_ROWS || h->text.len >= TLSD_HTML_BUDGET ||
        !grow((void **)&h->rows, &h->cap_rows, h->n_rows, sizeof *h->rows)) {
        h->not_listed[c->outcome]++;
        return;
    }
    struct row *r = &h->rows[h->n_rows];
    r->ts = c->first_ts;
    r->off = h->text.len;
    row_head(&h->text, c);
    r->split = h->text.len;
    row_body(&h->text, c);
    r->end = h->text.len;
    if (h->text.failed) {
        h->nomem = true;
        h->text.failed = false;
        tlsd_html_cut(&h->text, r->off);
        h->not_listed[c->outcome]++;
        return;
    }
    h->n_rows++;
}

/* ---- the page --------------------------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->off < y->off ? -1 : x->off > y->off;
}

static void span_of(const struct tlsd_html_capture *h, int64_t *lo, int64_t *hi)
{
    *lo = *hi = 0;
    for (size_t i = 0; i < h->n_points; i++) {
        int64_t t = h->points[i].ts;
        if (i == 0 || t < *lo)
            *lo = t;
        if (i == 0 || t > *hi)
            *hi = t;
    }
}

static void legend(struct tlsd_strbuf *b)
{
    tlsd_sb_puts(b, "<p>Outcomes: ");
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
        tlsd_sb_printf(b, "<span class=\"lbl o-%s\">%s</span> %s%s",
                       tlsd_conn_outcome_name((enum tlsd_conn_outcome)o),
                       tlsd_conn_outcome_name((enum tlsd_conn_outcome)o),
                       tlsd_conn_outcome_text((enum tlsd_conn_outcome)o),
                       o + 1 < TLSD_OUTCOME_COUNT ? "; " : ".</p>\n");
}

/* The chart: one stacked bar per time bucket, and the same counts as a table. */
static void timeline(struct tlsd_strbuf *b, const struct tlsd_html_capture *h)
{
    uint64_t count[TIMELINE_BUCKETS][TLSD_OUTCOME_COUNT] = {{0}};
    int64_t lo, hi;
    span_of(h, &lo, &hi);
    int64_t width = hi - lo + 1;
    uint64_t top = 1;
    for (size_t i = 0; i < h->n_points; i++) {
        size_t k = (size_t)((double)(h->points[i].ts - lo) / (double)width * TIMELINE_BUCKETS);
        count[k < TIMELINE_BUCKETS ? k : TIMELINE_BUCKETS - 1][h->points[i].outcome]++;
    }
    for (size_t k = 0; k < TIMELINE_BUCKETS; k++) {
        uint64_t sum = 0;
        for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
            sum += count[k][o];
        top = sum > top ? sum : top;
    }
    tlsd_sb_puts(b, "<h2>Timeline</h2>\n");
    if (!h->n_points) {
        tlsd_sb_puts(b, "<p>No TLS connection in the capture.</p>\n");
        return;
    }
    tlsd_sb_puts(b, "<p>From ");
    time_utc(b, lo, true);
    tlsd_sb_puts(b, " to ");
    time_utc(b, hi, true);
    tlsd_sb_printf(b, " UTC, %zu handshakes in %d bars (the tallest %llu).</p>\n", h->n_points,
                   TIMELINE_BUCKETS, (unsigned long long)top);
    legend(b);
    const int bw = 14, ch = 140;
    tlsd_sb_printf(b,
                   "<svg id=\"timeline\" width=\"%d\" height=\"%d\" role=\"img\" "
                   "aria-label=\"handshakes over time by outcome; the table below has the "
                   "numbers\">",
                   TIMELINE_BUCKETS * bw, ch + 2);
    for (size_t k = 0; k < TIMELINE_BUCKETS; k++) {
        double y = ch;
        for (int o = 0; o < TLSD_OUTCOME_COUNT; o++) {
            if (!count[k][o])
                continue;
            double hgt = (double)count[k][o] * ch / (double)top;
            y -= hgt;
            tlsd_sb_printf(b,
                           "<rect class=\"o-%s\" x=\"%zu\" y=\"%.1f\" width=\"%d\" "
                           "height=\"%.1f\"><title>%llu %s</title></rect>",
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)o), k * (size_t)bw, y,
                           bw - 2, hgt, (unsigned long long)count[k][o],
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)o));
        }
    }
    tlsd_sb_puts(b, "</svg>\n<details><summary>The timeline as a table</summary>"
                    "<table><thead><tr><th>from (UTC)</th>");
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
        tlsd_sb_printf(b, "<th>%s</th>", tlsd_conn_outcome_name((enum tlsd_conn_outcome)o));
    tlsd_sb_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < TIMELINE_BUCKETS; k++) {
        uint64_t sum = 0;
        for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
            sum += count[k][o];
        if (!sum)
            continue;
        tlsd_sb_puts(b, "<tr><td>");
        time_utc(b, lo + (int64_t)((double)width * (double)k / TIMELINE_BUCKETS), true);
        tlsd_sb_puts(b, "</td>");
        for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
            tlsd_sb_printf(b, "<td>%llu</td>", (unsigned long long)count[k][o]);
        tlsd_sb_puts(b, "</tr>\n");
    }
    tlsd_sb_puts(b, "</tbody></table></details>\n");
}

static void outcome_counts(struct tlsd_strbuf *b, const uint64_t *v)
{
    bool first = true;
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
        if (v[o]) {
            tlsd_sb_printf(b, "%s<span class=\"lbl o-%s\">%s %llu</span>", first ? "" : " ",
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)o),
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)o),
                           (unsigned long long)v[o]);
            first = false;
        }
}

static void rows(struct tlsd_strbuf *b, const struct tlsd_html_capture *h)
{
    int64_t lo, hi;
    span_of(h, &lo, &hi);
    uint64_t not_listed = 0;
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
        not_listed += h->not_listed[o];
    tlsd_sb_printf(b,
                   "<h2>Connections</h2>\n<p id=\"listed\">%zu connection%s listed, in time "
                   "order; each opens to what was offered and answered, the diagnosis and a "
                   "ladder diagram. The mark in the bar is when it started within the "
                   "capture.</p>\n",
                   h->n_rows, h->n_rows == 1 ? "" : "s");
    if (not_listed) {
        tlsd_sb_printf(b,
                       "<p class=\"note\" id=\"limit\">Only the first %zu of %llu connections "
                       "(in the order they ended) are listed one by one, to keep the page "
                       "under %zu MB; the other %llu are counted in the timeline and the "
                       "summaries below: ",
                       h->n_rows, (unsigned long long)h->listed_total,
                       TLSD_HTML_MAX_BYTES / 1000000, (unsigned long long)not_listed);
        outcome_counts(b, h->not_listed);
        tlsd_sb_puts(b, ". Use <code>--client</code>, <code>--server</code> or "
                        "<code>--failed</code> to list others.</p>\n");
    }
    tlsd_sb_puts(b, "<div id=\"filters\" hidden>Show only client <select id=\"fc\"><option "
                    "value=\"\">any</option></select> server <select id=\"fs\"><option "
                    "value=\"\">any</option></select> outcome <select id=\"fo\"><option "
                    "value=\"\">any</option></select> <span id=\"fn\"></span></div>\n");
    struct row *sorted = malloc((h->n_rows ? h->n_rows : 1) * sizeof *sorted);
    if (!sorted) {
        b->failed = true;
        return;
    }
    memcpy(sorted, h->rows, h->n_rows * sizeof *sorted);
    tlsd_qsort(sorted, h->n_rows, sizeof *sorted, cmp_row);
    double span = (double)(hi - lo);
    for (size_t i = 0; i < h->n_rows; i++) {
        const struct row *r = &sorted[i];
        double pos = span > 0 ? (double)(r->ts - lo) * 100.0 / span : 0;
        tlsd_sb_putn(b, h->text.s + r->off, r->split - r->off);
        tlsd_sb_printf(b,
                       "<span class=\"track\" aria-hidden=\"true\"><b style=\"left:%.1f%%\">"
                       "&#9679;</b></span>",
                       pos > 99 ? 99 : pos);
        tlsd_sb_putn(b, h->text.s + r->split, r->end - r->split);
    }
    free(sorted);
}

/* Ends a summary table of n entries (SUMMARY_ROWS of them shown). */
static void table_end(struct tlsd_strbuf *b, size_t n, const char *what)
{
    tlsd_sb_puts(b, "</tbody></table>\n");
    if (n > SUMMARY_ROWS)
        tlsd_sb_printf(b,
                       "<p class=\"note\">%zu more %s are not listed (size limit); the JSON "
                       "output has them all.</p>\n",
                       n - SUMMARY_ROWS, what);
}

static void client_table(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    size_t n = tlsd_analyzer_client_count(a);
    tlsd_sb_printf(b, "<h3>By client</h3>\n<table id=\"clients\"><thead><tr><th>client</th>"
                      "<th>handshakes</th><th>failed</th><th>outcomes</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < n && i < SUMMARY_ROWS; i++) {
        const struct tlsd_client_sum *s = tlsd_analyzer_client_at(a, i);
        tlsd_sb_puts(b, "<tr><td>");
        tlsd_html_text(b, s->addr);
        tlsd_sb_printf(b, "</td><td>%llu</td><td>%llu</td><td>", (unsigned long long)s->handshakes,
                       (unsigned long long)s->failures);
        outcome_counts(b, s->outcomes);
        tlsd_sb_puts(b, "</td></tr>\n");
    }
    table_end(b, n, "clients");
}

static void server_table(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    size_t n = tlsd_analyzer_server_count(a);
    char v[24];
    tlsd_sb_printf(b, "<h3>By server</h3>\n<table id=\"servers\"><thead><tr><th>server</th>"
                      "<th>handshakes</th><th>failed</th><th>best version</th><th>outcomes</th>"
                      "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n && i < SUMMARY_ROWS; i++) {
        const struct tlsd_server_sum *s = tlsd_analyzer_server_at(a, i);
        tlsd_sb_puts(b, "<tr><td>");
        endpoint(b, s->addr, s->port, strchr(s->addr, ':') != NULL);
        tlsd_sb_printf(b, "</td><td>%llu</td><td>%llu</td><td>%s</td><td>",
                       (unsigned long long)s->handshakes, (unsigned long long)s->failures,
                       s->best_version ? tlsd_version_label(s->best_version, v) : "-");
        outcome_counts(b, s->outcomes);
        tlsd_sb_puts(b, "</td></tr>\n");
    }
    table_end(b, n, "servers");
}

static void summaries(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    const struct tlsd_analyze_stats *st = tlsd_analyzer_stats(a);
    tlsd_sb_printf(b,
                   "<h2>Summary</h2>\n<p>%llu connections with TLS, %llu TCP flows without, "
                   "%llu frames.</p>\n<h3>By outcome</h3>\n<table id=\"outcomes\"><thead><tr>"
                   "<th>outcome</th><th>meaning</th><th>connections</th></tr></thead><tbody>\n",
                   (unsigned long long)st->connections, (unsigned long long)st->flows_not_tls,
                   (unsigned long long)st->frames);
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++) {
        if (!st->outcomes[o])
            continue;
        const char *name = tlsd_conn_outcome_name((enum tlsd_conn_outcome)o);
        tlsd_sb_printf(b,
                       "<tr><td><span class=\"lbl o-%s\">%s %s</span></td><td>%s</td>"
                       "<td>%llu</td></tr>\n",
                       name, outcome_word((enum tlsd_conn_outcome)o), name,
                       tlsd_conn_outcome_text((enum tlsd_conn_outcome)o),
                       (unsigned long long)st->outcomes[o]);
    }
    tlsd_sb_puts(b, "</tbody></table>\n");
    client_table(b, a);
    server_table(b, a);
}

int tlsd_html_capture_render(struct tlsd_strbuf *b, const struct tlsd_html_capture *h,
                             const struct tlsd_analyzer *a)
{
    tlsd_html_begin(b, TLSD_HTML_PAGE_CAPTURE, "TLS handshakes in a capture");
    if (h->files.s) {
        tlsd_sb_puts(b, "<ul id=\"files\">\n");
        tlsd_sb_putn(b, h->files.s, h->files.len);
        tlsd_sb_puts(b, "</ul>\n");
    }
    timeline(b, h);
    if (h->points_dropped)
        tlsd_sb_printf(b,
                       "<p class=\"note\">%llu connections past the first %zu are not in the "
                       "timeline (they are in the summaries).</p>\n",
                       (unsigned long long)h->points_dropped, POINTS_MAX);
    rows(b, h);
    summaries(b, a);
    tlsd_html_end(b, TLSD_HTML_PAGE_CAPTURE);
    return b->failed || h->nomem || h->files.failed ? -1 : 0;
}
