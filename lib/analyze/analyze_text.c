/* Text rendering of analysed connections and of the summaries, for a terminal or a file
 * (colour only when asked for). */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze_internal.h"
#include "base/utf8_internal.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/textout.h"

/* Two strings, one after the other: the report's lines are mostly labels and names, which
 * a format pass per piece (vsnprintf's setup) made a fifth of a text run. */
static void puts2(struct tlsd_strbuf *b, const char *a, const char *z)
{
    tlsd_sb_puts(b, a);
    tlsd_sb_puts(b, z);
}

/* "TLS 1.0 to TLS 1.3", "TLS 1.2", or "up to TLS 1.2" when the lowest is not stated
 * (low 0); nothing when high is 0. */
static void versions_range(struct tlsd_strbuf *b, uint16_t low, uint16_t high)
{
    char v1[24], v2[24];
    if (!high)
        return;
    if (!low) {
        puts2(b, "up to ", tlsd_version_label(high, v2));
    } else if (low == high) {
        tlsd_sb_puts(b, tlsd_version_label(low, v1));
    } else {
        puts2(b, tlsd_version_label(low, v1), " to ");
        tlsd_sb_puts(b, tlsd_version_label(high, v2));
    }
}

/* Text from a peer (server name, certificate names, a diagnosis quoting them) for a
 * terminal: control characters (ESC included, C1 too) and bytes that are not UTF-8 are
 * written as \xNN, never raw. */
static void put_text(struct tlsd_strbuf *b, const char *s)
{
    tlsd_text_put(b, s, strlen(s), TLSD_TEXT_TERMINAL);
}

static void offer_line(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    tlsd_sb_puts(b, "  offered  ");
    versions_range(b, tlsd_hello_states_lowest(ch) ? c->offered_low : 0, c->offered_high);
    tlsd_sb_printf(b, ", %zu suites:", ch->n_suites);
    size_t shown = 0;
    for (size_t i = 0; i < ch->n_suites && shown < 6; i++) {
        const struct tlsd_suite *s = tlsd_suite_by_code(ch->suites[i]);
        if (!s || tlsd_is_grease(ch->suites[i]))
            continue;
        puts2(b, shown ? ", " : " ", s->iana_name);
        shown++;
    }
    if (ch->n_suites > shown)
        tlsd_sb_puts(b, ", ...");
    tlsd_sb_puts(b, "\n");
    if (ch->n_groups) {
        tlsd_sb_puts(b, "           groups");
        for (size_t i = 0; i < ch->n_groups && i < 8; i++) {
            const struct tlsd_group *g = tlsd_group_by_code(ch->groups[i]);
            if (g)
                puts2(b, " ", g->name);
        }
        tlsd_sb_puts(b, "\n");
    }
    puts2(b, "           JA3 ", c->ja3.hash);
    puts2(b, "  JA4 ", c->ja4);
    tlsd_sb_puts(b, "\n");
}

static void answer_line(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    char v[24];
    if (c->has_hrr) {
        const struct tlsd_group *g = tlsd_group_by_code(c->hrr_group);
        tlsd_sb_printf(b, "  retry    HelloRetryRequest for %s%s\n", g ? g->name : "?",
                       c->hrr_inferred ? " (inferred: not in the capture, but the client sent "
                                         "its ClientHello again with the same random)"
                                       : "");
    }
    if (c->has_sh) {
        const struct tlsd_suite *s = tlsd_suite_by_code(c->sh.suite);
        puts2(b, "  answer   ", tlsd_version_label(c->sh.version, v));
        puts2(b, ", ", s ? s->iana_name : "unknown suite");
        if (c->sh.has_key_share) {
            const struct tlsd_group *g = tlsd_group_by_code(c->sh.key_share_group);
            puts2(b, ", ", g ? g->name : "?");
        }
        puts2(b, "  JA4S ", c->ja4s);
        tlsd_sb_puts(b, "\n");
    }
    if (c->has_cert && c->cert->n_certs && c->cert->certs[0].decoded) {
        const struct tlsd_cert_summary *l = &c->cert->certs[0];
        tlsd_sb_puts(b, "  cert     ");
        put_text(b, l->subject);
        tlsd_sb_printf(b, " (%s %d) issued by ", l->key_type, l->key_bits);
        put_text(b, l->issuer);
        tlsd_sb_printf(b, "%s, chain of %zu\n", l->self_signed ? " (self-signed)" : "",
                       c->cert->n_certs);
    }
    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct tlsd_conn_alert *a = &c->alerts[i];
        if (a->encrypted && a->description < 0) {
            tlsd_sb_printf(b, "  alert    from the %s, encrypted (frame %llu)\n",
                           tlsd_peer_name(a->side), (unsigned long long)a->frame);
            continue;
        }
        const struct tlsd_alert *r = tlsd_alert_by_code(a->description);
        const char *level = tlsd_alert_level_name(a->level);
        tlsd_sb_printf(b, "  alert    from the %s: %s %s (%d)%s, frame %llu\n",
                       tlsd_peer_name(a->side), level ? level : "(unknown level)",
                       r ? r->name : "?", a->description,
                       a->encrypted ? ", encrypted (read with the key log)" : "",
                       (unsigned long long)a->frame);
    }
}

static void tcp_line(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    const char *what[2] = {"RST", "FIN"};
    if (c->syns) {
        tlsd_sb_printf(b, "  tcp      %u SYN%s", c->syns, c->syns == 1 ? "" : "s");
        if (c->syns > 1)
            tlsd_sb_printf(b, " over %.1f s",
                           (double)tlsd_usec_between(c->syn_ts, c->last_syn_ts) / 1e6);
        if (c->answer_ts)
            tlsd_sb_printf(b, ", %s after %.1f ms\n", c->syn_acked ? "SYN-ACK" : "RST",
                           (double)tlsd_usec_between(c->syn_ts, c->answer_ts) / 1e3);
        else
            tlsd_sb_puts(b, ", no answer\n");
    }
    for (int s = 0; s < 2; s++) {
        uint64_t f[2] = {c->rst_frame[s], c->fin_frame[s]};
        for (int k = 0; k < 2; k++)
            if (f[k] && tlsd_conn_outcome_before_tls(c->outcome) && c->answer_ts &&
                c->end_ts[s] >= c->answer_ts)
                tlsd_sb_printf(b,
                               "  tcp      %s from the %s, frame %llu, %.1f s after connecting\n",
                               what[k], tlsd_peer_name((enum tlsd_peer)s), (unsigned long long)f[k],
                               (double)tlsd_usec_between(c->answer_ts, c->end_ts[s]) / 1e6);
            else if (f[k])
                tlsd_sb_printf(b, "  tcp      %s from the %s, frame %llu\n", what[k],
                               tlsd_peer_name((enum tlsd_peer)s), (unsigned long long)f[k]);
    }
}

static void diag_lines(struct tlsd_strbuf *b, const struct tlsd_conn *c, bool color)
{
    const struct tlsd_diagnosis *d = &c->diag;
    if (d->text) {
        tlsd_sb_puts(b, "  why      ");
        put_text(b, d->text);
        tlsd_sb_puts(b, "\n");
    }
    for (size_t i = 0; i < d->n_causes; i++) {
        puts2(b, "  cause    ", d->causes[i]->title);
        puts2(b, " [", d->causes[i]->id);
        tlsd_sb_puts(b, "]\n");
    }
    for (size_t i = 0; i < d->n_events; i++) {
        const struct tlsd_schannel_event *e = &d->events[i];
        tlsd_sb_printf(b, "  windows  %sSchannel %u%s", tlsd_style(TLSD_SGR_BOLD, color), e->id,
                       tlsd_style(TLSD_SGR_RESET, color));
        if (e->alert >= 0)
            tlsd_sb_printf(b, " with alert %d", e->alert);
        puts2(b, " in the System log of the ", tlsd_peer_name(e->logged_on));
        tlsd_sb_puts(b, ", if it runs Windows\n");
    }
}

/* A cap as the option that sets it: "--max-flow-buffer". */
static void option_name(struct tlsd_strbuf *b, enum tlsd_tcp_limit l)
{
    tlsd_sb_puts(b, "--");
    for (const char *p = tlsd_tcp_limit_name(l); *p; p++)
        tlsd_sb_printf(b, "%c", *p == '_' ? '-' : *p);
}

void tlsd_conn_render_text(struct tlsd_strbuf *b, const struct tlsd_conn *c, bool color)
{
    bool failed = tlsd_conn_outcome_failed(c->outcome);
    bool v6 = c->ip_version == 6;
    tlsd_sb_printf(b, "%s%s%s%s:%u -> %s%s%s:%u", tlsd_style(TLSD_SGR_BOLD, color), v6 ? "[" : "",
                   c->client, v6 ? "]" : "", c->client_port, v6 ? "[" : "", c->server,
                   v6 ? "]" : "", c->server_port);
    if (c->has_ch && c->ch.server_name) {
        tlsd_sb_puts(b, " (");
        put_text(b, c->ch.server_name);
        tlsd_sb_puts(b, ")");
    }
    char when[TLSD_TIME_LEN];
    tlsd_sb_printf(b, "%s  %s  %s, frames %llu-%llu\n", tlsd_style(TLSD_SGR_RESET, color),
                   tlsd_time_local(c->first_ts, when, sizeof when) ? when : "time unknown",
                   c->source, (unsigned long long)c->first_frame,
                   (unsigned long long)c->last_frame);
    if (c->limit != TLSD_TCP_LIMIT_NONE && c->outcome == TLSD_OUTCOME_TRUNCATED) {
        /* Not a failure of the peers: the analyser gave it up. */
        tlsd_sb_printf(b, "  outcome  %sCUT SHORT%s: not analysed to the end (",
                       tlsd_style(TLSD_SGR_BOLD, color), tlsd_style(TLSD_SGR_RESET, color));
        option_name(b, c->limit);
        tlsd_sb_puts(b, ")\n");
    } else {
        puts2(b, "  outcome  ", tlsd_style(failed ? TLSD_SGR_BOLD_RED : TLSD_SGR_GREEN, color));
        puts2(b, failed ? "FAILED" : "OK", tlsd_style(TLSD_SGR_RESET, color));
        puts2(b, ": ", tlsd_conn_outcome_text(c->outcome));
        tlsd_sb_puts(b, "\n");
    }
    if (c->has_ch)
        offer_line(b, c);
    answer_line(b, c);
    if (failed)
        tcp_line(b, c);
    diag_lines(b, c, color);
    if (c->parse_error[0]) {
        tlsd_sb_puts(b, "  note     ");
        put_text(b, c->parse_error);
        tlsd_sb_puts(b, "\n");
    }
    if (c->limit != TLSD_TCP_LIMIT_NONE && c->outcome != TLSD_OUTCOME_TRUNCATED) {
        tlsd_sb_puts(b, "  limit    cut short at ");
        option_name(b, c->limit);
        tlsd_sb_puts(b, "; the outcome is what was seen before\n");
    }
    tlsd_sb_puts(b, "\n");
}

static void outcomes_text(struct tlsd_strbuf *b, const uint64_t *v)
{
    bool first = true;
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (v[i]) {
            tlsd_sb_printf(b, "%s%s %llu", first ? "" : ", ",
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)i),
                           (unsigned long long)v[i]);
            first = false;
        }
}

/* The connections that failed before TLS, by server port. */
#define PORTS_SHOWN 16
static void before_tls_text(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    const struct tlsd_analyze_stats *st = &a->stats;
    if (!st->connections_before_tls)
        return;
    struct tlsd_port_sum ports[PORTS_SHOWN];
    size_t all = tlsd_analyzer_before_tls_ports(a, ports, PORTS_SHOWN);
    tlsd_sb_printf(b, "\n  before TLS: %llu connection%s failed, by server port:",
                   (unsigned long long)st->connections_before_tls,
                   st->connections_before_tls == 1 ? "" : "s");
    for (size_t i = 0; i < all && i < PORTS_SHOWN; i++) {
        tlsd_sb_printf(b, "\n    %-6u ", ports[i].port);
        outcomes_text(b, ports[i].outcomes);
    }
    if (all > PORTS_SHOWN)
        tlsd_sb_printf(b, "\n    and %zu more ports", all - PORTS_SHOWN);
}

/* Each distinct diagnosis of the failures, most frequent first, with its clients: a
 * capture of thousands of handshakes reads in one screen. */
static void diags_text(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    uint64_t other;
    size_t n = tlsd_analyzer_diag_count(a, &other);
    if (!n && !other)
        return;
    tlsd_sb_puts(b, "  by diagnosis:\n");
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_diag_sum *d = tlsd_analyzer_diag_at(a, i);
        tlsd_sb_printf(b, "    %llu connection%s: ", (unsigned long long)d->connections,
                       d->connections == 1 ? "" : "s");
        put_text(b, d->text);
        tlsd_sb_printf(b, "\n      client%s", d->n_clients == 1 && !d->more_clients ? "" : "s");
        for (size_t k = 0; k < d->n_clients; k++)
            tlsd_sb_printf(b, "%s%s", k ? ", " : " ", d->clients[k]);
        tlsd_sb_puts(b, d->more_clients ? " and others\n" : "\n");
    }
    if (other)
        tlsd_sb_printf(b, "    %llu more failed connection%s with other diagnoses\n",
                       (unsigned long long)other, other == 1 ? "" : "s");
}

/* The caps that cut something short (only when one did). */
static void limits_text(struct tlsd_strbuf *b, const struct tlsd_analyzer *a)
{
    const struct tlsd_analyze_stats *st = &a->stats;
    for (int l = 1; l < TLSD_TCP_LIMIT_COUNT; l++) {
        uint64_t n = st->limit_connections[l], f = st->limit_flows[l];
        if (!n && !f)
            continue;
        tlsd_sb_printf(b, "  cut short: %llu connection%s and %llu flow%s without TLS yet at ",
                       (unsigned long long)n, n == 1 ? "" : "s", (unsigned long long)f,
                       f == 1 ? "" : "s");
        option_name(b, (enum tlsd_tcp_limit)l);
        tlsd_sb_printf(b, " %llu (raise it to analyse them)\n",
                       (unsigned long long)tlsd_limit_value(a, (enum tlsd_tcp_limit)l));
    }
}

void tlsd_analyze_summary_render_text(struct tlsd_strbuf *b, const struct tlsd_analyzer *a,
                                      bool color)
{
    const struct tlsd_analyze_stats *st = &a->stats;
    uint64_t tls_conns = st->connections - st->connections_before_tls;
    char v1[24];
    tlsd_sb_printf(b,
                   "%sSummary%s: %llu connection%s with TLS (%llu TCP flow%s without TLS), "
                   "%llu frame%s in %llu file%s\n",
                   tlsd_style(TLSD_SGR_BOLD, color), tlsd_style(TLSD_SGR_RESET, color),
                   (unsigned long long)tls_conns, tls_conns == 1 ? "" : "s",
                   (unsigned long long)st->flows_not_tls, st->flows_not_tls == 1 ? "" : "s",
                   (unsigned long long)st->frames, st->frames == 1 ? "" : "s",
                   (unsigned long long)st->files, st->files == 1 ? "" : "s");
    tlsd_sb_puts(b, "  by outcome: ");
    outcomes_text(b, st->outcomes);
    before_tls_text(b, a);
    tlsd_sb_printf(b, "\n  handshake messages: %llu ClientHello, %llu ServerHello, %llu alerts\n",
                   (unsigned long long)st->client_hellos, (unsigned long long)st->server_hellos,
                   (unsigned long long)st->alerts);
    diags_text(b, a);
    limits_text(b, a);
    tlsd_sb_puts(b, "  by client:\n");
    for (size_t i = 0; i < tlsd_analyzer_client_count(a); i++) {
        const struct tlsd_client_sum *s = tlsd_analyzer_client_at(a, i);
        tlsd_sb_printf(b, "    %-40s %llu handshake%s, %llu failed; offers %s", s->addr,
                       (unsigned long long)s->handshakes, s->handshakes == 1 ? "" : "s",
                       (unsigned long long)s->failures, s->offered_high ? "" : "-");
        versions_range(b, s->offered_low, s->offered_high);
        tlsd_sb_printf(b, ", %zu suites, groups", s->n_suites);
        for (size_t k = 0; k < s->n_groups; k++) {
            const struct tlsd_group *g = tlsd_group_by_code(s->groups[k]);
            tlsd_sb_printf(b, "%s%s", k ? "," : " ", g ? g->name : "?");
        }
        tlsd_sb_printf(b, "%s, JA4 %s\n", s->n_groups ? "" : " none", s->ja4[0] ? s->ja4 : "-");
    }
    tlsd_sb_puts(b, "  by server:\n");
    for (size_t i = 0; i < tlsd_analyzer_server_count(a); i++) {
        const struct tlsd_server_sum *s = tlsd_analyzer_server_at(a, i);
        char ep[64];
        snprintf(ep, sizeof ep, "%s:%u", s->addr, s->port);
        tlsd_sb_printf(b, "    %-40s %llu handshake%s, %llu failed; best %s; certificate %s\n", ep,
                       (unsigned long long)s->handshakes, s->handshakes == 1 ? "" : "s",
                       (unsigned long long)s->failures,
                       s->best_version ? tlsd_version_label(s->best_version, v1) : "-",
                       s->cert_key_type[0] ? s->cert_key_type : "not seen");
    }
    uint64_t skipped = 0;
    for (int i = 1; i < TLSD_PKT_SKIP_COUNT; i++)
        skipped += st->skipped[i];
    if (skipped || st->read_errors || st->record_errors || st->parse_errors)
        tlsd_sb_printf(b,
                       "  skipped: %llu frames not decoded, %llu damaged files, %llu record "
                       "errors, %llu parse errors\n",
                       (unsigned long long)skipped, (unsigned long long)st->read_errors,
                       (unsigned long long)st->record_errors, (unsigned long long)st->parse_errors);
}
