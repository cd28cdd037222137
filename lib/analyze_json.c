/* JSON rendering of analysed connections and of the summaries (docs/analyze-json.md). */
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"
#include "json_writer.h"
#include "tlsdiag/registry.h"

static void hex16(struct tlsd_jw *w, const char *key, uint32_t v)
{
    char b[12];
    snprintf(b, sizeof b, v > 0xffff ? "0x%06x" : "0x%04x", v);
    tlsd_jw_string(w, key, b);
}

static void version_json(struct tlsd_jw *w, const char *key, uint16_t v)
{
    char b[24];
    tlsd_jw_string(w, key, tlsd_is_grease(v) ? "GREASE" : tlsd_version_label(v, b));
}

static void suite_json(struct tlsd_jw *w, const char *key, uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    tlsd_jw_begin_object(w, key);
    hex16(w, "code", code);
    tlsd_jw_string(w, "name", s ? s->iana_name : tlsd_is_grease(code) ? "GREASE" : "unknown");
    if (s)
        tlsd_jw_string(w, "class", tlsd_class_name(s->cls));
    tlsd_jw_end_object(w);
}

static void group_name(struct tlsd_jw *w, const char *key, uint16_t g)
{
    const struct tlsd_group *x = tlsd_group_by_code(g);
    if (x || tlsd_is_grease(g))
        tlsd_jw_string(w, key, x ? x->name : "GREASE");
    else
        hex16(w, key, g);
}

static void sigscheme_name(struct tlsd_jw *w, uint16_t v)
{
    const struct tlsd_sigscheme *s = tlsd_sigscheme_by_code(v);
    if (s || tlsd_is_grease(v))
        tlsd_jw_string(w, NULL, s ? s->name : "GREASE");
    else
        hex16(w, NULL, v);
}

static void ext_names(struct tlsd_jw *w, const char *key, const struct tlsd_ext *e, size_t n)
{
    tlsd_jw_begin_array(w, key);
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_extension *x = tlsd_extension_by_code(e[i].type);
        if (x || tlsd_is_grease(e[i].type))
            tlsd_jw_string(w, NULL, x ? x->name : "GREASE");
        else
            hex16(w, NULL, e[i].type);
    }
    tlsd_jw_end_array(w);
}

static void offered_versions(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    tlsd_jw_begin_array(w, "versions");
    if (ch->has_versions)
        for (size_t i = 0; i < ch->n_versions; i++)
            version_json(w, NULL, ch->versions[i]);
    else /* RFC 5246 E.1: every version up to client_version */
        for (uint16_t v = c->offered_low; v && v <= c->offered_high; v = v == 2 ? 0x300 : v + 1)
            version_json(w, NULL, v);
    tlsd_jw_end_array(w);
}

static void client_hello_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    tlsd_jw_begin_object(w, "client_hello");
    tlsd_jw_int(w, "frame", (int64_t)c->ch_frame);
    tlsd_jw_bool(w, "sslv2_format", ch->format == TLSD_HELLO_SSL2);
    version_json(w, "legacy_version", ch->legacy_version);
    offered_versions(w, c);
    tlsd_jw_begin_array(w, "suites");
    for (size_t i = 0; i < ch->n_suites; i++)
        suite_json(w, NULL, ch->suites[i]);
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "groups");
    for (size_t i = 0; i < ch->n_groups; i++)
        group_name(w, NULL, ch->groups[i]);
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "signature_schemes");
    for (size_t i = 0; i < ch->n_sigalgs; i++)
        sigscheme_name(w, ch->sigalgs[i]);
    tlsd_jw_end_array(w);
    ext_names(w, "extensions", ch->exts, ch->n_exts);
    tlsd_jw_begin_array(w, "alpn");
    for (size_t i = 0; i < ch->n_alpn; i++)
        tlsd_jw_stringn(w, NULL, (const char *)ch->alpn[i].p, ch->alpn[i].len);
    tlsd_jw_end_array(w);
    tlsd_jw_string(w, "ja3", c->ja3.hash);
    tlsd_jw_string(w, "ja3_string", c->ja3.full ? c->ja3.full : "");
    tlsd_jw_string(w, "ja4", c->ja4);
    tlsd_jw_end_object(w);
}

static void server_hello_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    const struct tlsd_server_hello *sh = &c->sh;
    tlsd_jw_begin_object(w, "server_hello");
    tlsd_jw_int(w, "frame", (int64_t)c->sh_frame);
    version_json(w, "version", sh->version);
    suite_json(w, "suite", sh->suite);
    if (sh->has_key_share)
        group_name(w, "group", sh->key_share_group);
    else
        tlsd_jw_null(w, "group");
    ext_names(w, "extensions", sh->exts, sh->n_exts);
    tlsd_jw_string(w, "alpn", sh->alpn[0] ? sh->alpn : NULL);
    tlsd_jw_string(w, "ja3s", c->ja3s.hash);
    tlsd_jw_string(w, "ja4s", c->ja4s);
    tlsd_jw_end_object(w);
}

static void cert_json(struct tlsd_jw *w, const struct tlsd_cert_summary *s)
{
    tlsd_jw_begin_object(w, NULL);
    tlsd_jw_bool(w, "decoded", s->decoded);
    if (s->decoded) {
        tlsd_jw_string(w, "subject", s->subject);
        tlsd_jw_string(w, "issuer", s->issuer);
        tlsd_jw_string(w, "key_type", s->key_type);
        tlsd_jw_int(w, "key_bits", s->key_bits);
        tlsd_jw_string(w, "curve", s->curve[0] ? s->curve : NULL);
        tlsd_jw_string(w, "signature", s->sig_alg);
        tlsd_jw_int(w, "not_before", (int64_t)s->not_before);
        tlsd_jw_int(w, "not_after", (int64_t)s->not_after);
        tlsd_jw_bool(w, "self_signed", s->self_signed);
        tlsd_jw_begin_array(w, "sans");
        for (size_t i = 0; i < s->n_sans; i++)
            tlsd_jw_string(w, NULL, s->sans[i]);
        tlsd_jw_end_array(w);
    }
    tlsd_jw_end_object(w);
}

static void alerts_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    tlsd_jw_begin_array(w, "alerts");
    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct tlsd_conn_alert *al = &c->alerts[i];
        const struct tlsd_alert *r =
            al->description >= 0 ? tlsd_alert_by_code(al->description) : NULL;
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "side", tlsd_side_name(al->side));
        tlsd_jw_int(w, "frame", (int64_t)al->frame);
        tlsd_jw_bool(w, "encrypted", al->encrypted);
        tlsd_jw_string(w, "level", al->level == 2 ? "fatal" : al->level == 1 ? "warning" : NULL);
        if (al->description >= 0)
            tlsd_jw_int(w, "code", al->description);
        else
            tlsd_jw_null(w, "code");
        tlsd_jw_string(w, "name", r ? r->name : NULL);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
}

static void tcp_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    tlsd_jw_begin_object(w, "tcp");
    for (int s = 0; s < 2; s++) {
        tlsd_jw_begin_object(w, tlsd_side_name((enum tlsd_side)s));
        tlsd_jw_uint_or_null(w, "fin_frame", c->fin_frame[s]);
        tlsd_jw_uint_or_null(w, "rst_frame", c->rst_frame[s]);
        tlsd_jw_int(w, "bytes", (int64_t)c->bytes[s]);
        tlsd_jw_bool(w, "not_tls", c->not_tls[s]);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_int(w, "gap_bytes", (int64_t)c->gaps);
    tlsd_jw_end_object(w);
}

static void diag_json(struct tlsd_jw *w, const struct tlsd_diagnosis *d)
{
    tlsd_jw_begin_object(w, "diagnosis");
    tlsd_jw_string(w, "text", d->text);
    tlsd_jw_begin_array(w, "causes");
    for (size_t i = 0; i < d->n_causes; i++) {
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_string(w, "id", d->causes[i]->id);
        tlsd_jw_string(w, "title", d->causes[i]->title);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "schannel_events");
    for (size_t i = 0; i < d->n_events; i++) {
        const struct tlsd_schannel_event *e = &d->events[i];
        tlsd_jw_begin_object(w, NULL);
        tlsd_jw_int(w, "id", e->id);
        tlsd_jw_string(w, "logged_on", tlsd_side_name(e->logged_on));
        if (e->alert >= 0)
            tlsd_jw_int(w, "alert", e->alert);
        else
            tlsd_jw_null(w, "alert");
        tlsd_jw_string(w, "meaning", e->meaning);
        tlsd_jw_end_object(w);
    }
    tlsd_jw_end_array(w);
    tlsd_jw_begin_array(w, "bridging_suites");
    for (size_t i = 0; i < d->n_bridges; i++)
        suite_json(w, NULL, d->bridges[i]);
    tlsd_jw_end_array(w);
    tlsd_jw_end_object(w);
}

static void endpoint_json(struct tlsd_jw *w, const char *key, const char *addr, uint16_t port)
{
    tlsd_jw_begin_object(w, key);
    tlsd_jw_string(w, "address", addr);
    tlsd_jw_int(w, "port", port);
    tlsd_jw_end_object(w);
}

static void answer_json(struct tlsd_jw *w, const struct tlsd_conn *c)
{
    if (c->has_hrr) {
        tlsd_jw_begin_object(w, "hello_retry_request");
        group_name(w, "group", c->hrr_group);
        tlsd_jw_end_object(w);
    } else {
        tlsd_jw_null(w, "hello_retry_request");
    }
    if (c->has_sh)
        server_hello_json(w, c);
    else
        tlsd_jw_null(w, "server_hello");
    tlsd_jw_bool(w, "sslv2_server_hello", c->ssl2_server_hello);
    tlsd_jw_begin_array(w, "certificates");
    for (size_t i = 0; c->has_cert && i < c->cert->n_certs; i++)
        cert_json(w, &c->cert->certs[i]);
    tlsd_jw_end_array(w);
    alerts_json(w, c);
}

void tlsd_conn_render_json(struct tlsd_strbuf *b, const struct tlsd_conn *c)
{
    struct tlsd_jw w = {.b = b};
    tlsd_jw_begin_object(&w, NULL);
    tlsd_jw_string(&w, "source", c->source ? c->source : "");
    tlsd_jw_int(&w, "stream", (int64_t)c->id);
    tlsd_jw_int(&w, "first_frame", (int64_t)c->first_frame);
    tlsd_jw_int(&w, "last_frame", (int64_t)c->last_frame);
    tlsd_jw_real(&w, "start", (double)c->first_ts / 1e6);
    endpoint_json(&w, "client", c->client, c->client_port);
    endpoint_json(&w, "server", c->server, c->server_port);
    tlsd_jw_string(&w, "sni", c->has_ch ? c->ch.server_name : NULL);
    tlsd_jw_string(&w, "outcome", tlsd_outcome_name(c->outcome));
    tlsd_jw_string(&w, "outcome_text", tlsd_outcome_text(c->outcome));
    diag_json(&w, &c->diag);
    if (c->has_ch)
        client_hello_json(&w, c);
    else
        tlsd_jw_null(&w, "client_hello");
    answer_json(&w, c);
    tcp_json(&w, c);
    tlsd_jw_begin_object(&w, "counts");
    tlsd_jw_int(&w, "client_hellos", c->n_client_hellos);
    tlsd_jw_int(&w, "server_hellos", c->n_server_hellos);
    tlsd_jw_int(&w, "alerts", c->n_alerts_total);
    tlsd_jw_end_object(&w);
    tlsd_jw_string(&w, "parse_error", c->parse_error[0] ? c->parse_error : NULL);
    tlsd_jw_end_object(&w);
}

json_t *tlsd_conn_to_json(const struct tlsd_conn *c)
{
    struct tlsd_strbuf b = {0};
    tlsd_conn_render_json(&b, c);
    json_t *j = b.failed || !b.s ? NULL : json_loadb(b.s, b.len, 0, NULL);
    tlsd_sb_free(&b);
    return j;
}

/* ---- summaries (once per run: jansson objects) ---- */

static json_t *suite_name_json(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    return json_string(s ? s->iana_name : "unknown");
}

static json_t *outcomes_json(const uint64_t *v)
{
    json_t *o = json_object();
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (v[i])
            json_object_set_new(o, tlsd_outcome_name((enum tlsd_outcome)i),
                                json_integer((json_int_t)v[i]));
    return o;
}

static json_t *clients_json(const struct tlsd_analyzer *a)
{
    json_t *arr = json_array();
    char b1[24], b2[24];
    for (size_t i = 0; i < tlsd_analyzer_client_count(a); i++) {
        const struct tlsd_client_sum *s = tlsd_analyzer_client_at(a, i);
        json_t *o = json_object();
        json_object_set_new(o, "address", json_string(s->addr));
        json_object_set_new(o, "handshakes", json_integer((json_int_t)s->handshakes));
        json_object_set_new(o, "failures", json_integer((json_int_t)s->failures));
        json_object_set_new(o, "lowest_version",
                            s->offered_low ? json_string(tlsd_version_label(s->offered_low, b1))
                                           : json_null());
        json_object_set_new(o, "highest_version",
                            s->offered_high ? json_string(tlsd_version_label(s->offered_high, b2))
                                            : json_null());
        json_object_set_new(o, "suites_offered", json_integer((json_int_t)s->n_suites));
        json_object_set_new(o, "ja4", json_string(s->ja4));
        json_object_set_new(o, "outcomes", outcomes_json(s->outcomes));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *servers_json(const struct tlsd_analyzer *a)
{
    json_t *arr = json_array();
    char b[24];
    for (size_t i = 0; i < tlsd_analyzer_server_count(a); i++) {
        const struct tlsd_server_sum *s = tlsd_analyzer_server_at(a, i);
        json_t *o = json_object();
        json_object_set_new(o, "address", json_string(s->addr));
        json_object_set_new(o, "port", json_integer(s->port));
        json_object_set_new(o, "handshakes", json_integer((json_int_t)s->handshakes));
        json_object_set_new(o, "failures", json_integer((json_int_t)s->failures));
        json_object_set_new(o, "best_version",
                            s->best_version ? json_string(tlsd_version_label(s->best_version, b))
                                            : json_null());
        json_t *suites = json_array();
        for (size_t j = 0; j < s->n_suites; j++)
            json_array_append_new(suites, suite_name_json(s->suites[j]));
        json_object_set_new(o, "suites_chosen", suites);
        json_object_set_new(o, "certificate_key",
                            s->cert_key_type[0] ? json_string(s->cert_key_type) : json_null());
        json_object_set_new(o, "outcomes", outcomes_json(s->outcomes));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *stats_json(const struct tlsd_analyze_stats *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "files", json_integer((json_int_t)st->files));
    json_object_set_new(o, "files_failed", json_integer((json_int_t)st->files_failed));
    json_object_set_new(o, "frames", json_integer((json_int_t)st->frames));
    json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
    json_object_set_new(o, "tcp_segments", json_integer((json_int_t)st->tcp_segments));
    json_object_set_new(o, "udp_datagrams", json_integer((json_int_t)st->udp_datagrams));
    json_t *sk = json_object();
    for (int i = 1; i < TLSD_PKT_SKIP_COUNT; i++)
        if (st->skipped[i])
            json_object_set_new(sk, tlsd_pkt_skip_name((enum tlsd_pkt_skip)i),
                                json_integer((json_int_t)st->skipped[i]));
    json_object_set_new(o, "frames_skipped", sk);
    json_object_set_new(o, "read_errors", json_integer((json_int_t)st->read_errors));
    json_object_set_new(o, "tcp_flows", json_integer((json_int_t)st->flows));
    json_object_set_new(o, "flows_without_tls", json_integer((json_int_t)st->flows_not_tls));
    json_object_set_new(o, "connections", json_integer((json_int_t)st->connections));
    json_object_set_new(o, "client_hellos", json_integer((json_int_t)st->client_hellos));
    json_object_set_new(o, "server_hellos", json_integer((json_int_t)st->server_hellos));
    json_object_set_new(o, "alerts", json_integer((json_int_t)st->alerts));
    json_object_set_new(o, "record_errors", json_integer((json_int_t)st->record_errors));
    json_object_set_new(o, "parse_errors", json_integer((json_int_t)st->parse_errors));
    json_object_set_new(o, "out_of_memory", json_integer((json_int_t)st->nomem));
    json_object_set_new(o, "summary_entries_dropped",
                        json_integer((json_int_t)st->summary_dropped));
    return o;
}

json_t *tlsd_analyze_summary_to_json(const struct tlsd_analyzer *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "totals", stats_json(&a->stats));
    json_object_set_new(o, "by_outcome", outcomes_json(a->stats.outcomes));
    json_object_set_new(o, "by_client", clients_json(a));
    json_object_set_new(o, "by_server", servers_json(a));
    return o;
}
