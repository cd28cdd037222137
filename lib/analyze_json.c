/* JSON rendering of analysed connections and of the summaries (docs/analyze-json.md). */
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"
#include "tlsdiag/registry.h"

static json_t *hex16(uint32_t v)
{
    char b[12];
    snprintf(b, sizeof b, v > 0xffff ? "0x%06x" : "0x%04x", v);
    return json_string(b);
}

static json_t *version_json(uint16_t v)
{
    char b[24];
    return json_string(tlsd_version_label(v, b));
}

static json_t *suite_json(uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    json_t *o = json_object();
    json_object_set_new(o, "code", hex16(code));
    json_object_set_new(o, "name",
                        json_string(s                      ? s->iana_name
                                    : tlsd_is_grease(code) ? "GREASE"
                                                           : "unknown"));
    if (s)
        json_object_set_new(o, "class", json_string(tlsd_class_name(s->cls)));
    return o;
}

static json_t *group_name(uint16_t g)
{
    const struct tlsd_group *x = tlsd_group_by_code(g);
    if (x)
        return json_string(x->name);
    return tlsd_is_grease(g) ? json_string("GREASE") : hex16(g);
}

static json_t *u16_names(const uint16_t *v, size_t n, int kind)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        if (kind == 0) {
            json_array_append_new(a, group_name(v[i]));
            continue;
        }
        if (kind == 1) {
            const struct tlsd_sigscheme *s = tlsd_sigscheme_by_code(v[i]);
            name = s ? s->name : NULL;
        } else {
            char b[24];
            json_array_append_new(a, tlsd_is_grease(v[i]) ? json_string("GREASE")
                                                          : version_json(v[i]));
            (void)b;
            continue;
        }
        json_array_append_new(a, name ? json_string(name) : hex16(v[i]));
    }
    return a;
}

static json_t *ext_names(const struct tlsd_ext *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_extension *x = tlsd_extension_by_code(e[i].type);
        json_array_append_new(a, x                           ? json_string(x->name)
                                 : tlsd_is_grease(e[i].type) ? json_string("GREASE")
                                                             : hex16(e[i].type));
    }
    return a;
}

static json_t *client_hello_json(const struct tlsd_conn *c)
{
    const struct tlsd_client_hello *ch = &c->ch;
    json_t *o = json_object();
    json_object_set_new(o, "frame", json_integer((json_int_t)c->ch_frame));
    json_object_set_new(o, "sslv2_format", json_boolean(ch->format == TLSD_HELLO_SSL2));
    json_object_set_new(o, "legacy_version", version_json(ch->legacy_version));
    json_t *vers = json_array();
    if (ch->has_versions)
        json_decref(vers), vers = u16_names(ch->versions, ch->n_versions, 2);
    else
        for (uint16_t v = c->offered_low; v && v <= c->offered_high; v = v == 2 ? 0x300 : v + 1)
            json_array_append_new(vers, version_json(v));
    json_object_set_new(o, "versions", vers);
    json_t *suites = json_array();
    for (size_t i = 0; i < ch->n_suites; i++)
        json_array_append_new(suites, suite_json(ch->suites[i]));
    json_object_set_new(o, "suites", suites);
    json_object_set_new(o, "groups", u16_names(ch->groups, ch->n_groups, 0));
    json_object_set_new(o, "signature_schemes", u16_names(ch->sigalgs, ch->n_sigalgs, 1));
    json_object_set_new(o, "extensions", ext_names(ch->exts, ch->n_exts));
    json_t *alpn = json_array();
    for (size_t i = 0; i < ch->n_alpn; i++)
        json_array_append_new(alpn, json_stringn((const char *)ch->alpn[i].p, ch->alpn[i].len));
    json_object_set_new(o, "alpn", alpn);
    json_object_set_new(o, "ja3", json_string(c->ja3.hash));
    json_object_set_new(o, "ja3_string", json_string(c->ja3.full ? c->ja3.full : ""));
    json_object_set_new(o, "ja4", json_string(c->ja4));
    return o;
}

static json_t *server_hello_json(const struct tlsd_conn *c)
{
    const struct tlsd_server_hello *sh = &c->sh;
    json_t *o = json_object();
    json_object_set_new(o, "frame", json_integer((json_int_t)c->sh_frame));
    json_object_set_new(o, "version", version_json(sh->version));
    json_object_set_new(o, "suite", suite_json(sh->suite));
    json_object_set_new(o, "group",
                        sh->has_key_share ? group_name(sh->key_share_group) : json_null());
    json_object_set_new(o, "extensions", ext_names(sh->exts, sh->n_exts));
    json_object_set_new(o, "alpn", sh->alpn[0] ? json_string(sh->alpn) : json_null());
    json_object_set_new(o, "ja3s", json_string(c->ja3s.hash));
    json_object_set_new(o, "ja4s", json_string(c->ja4s));
    return o;
}

static json_t *cert_json(const struct tlsd_cert_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "decoded", json_boolean(s->decoded));
    if (!s->decoded)
        return o;
    json_object_set_new(o, "subject", json_string(s->subject));
    json_object_set_new(o, "issuer", json_string(s->issuer));
    json_object_set_new(o, "key_type", json_string(s->key_type));
    json_object_set_new(o, "key_bits", json_integer(s->key_bits));
    if (s->curve[0])
        json_object_set_new(o, "curve", json_string(s->curve));
    json_object_set_new(o, "signature", json_string(s->sig_alg));
    json_object_set_new(o, "not_before", json_integer((json_int_t)s->not_before));
    json_object_set_new(o, "not_after", json_integer((json_int_t)s->not_after));
    json_object_set_new(o, "self_signed", json_boolean(s->self_signed));
    json_t *sans = json_array();
    for (size_t i = 0; i < s->n_sans; i++)
        json_array_append_new(sans, json_string(s->sans[i]));
    json_object_set_new(o, "sans", sans);
    return o;
}

static json_t *alerts_json(const struct tlsd_conn *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->n_alerts; i++) {
        const struct tlsd_conn_alert *al = &c->alerts[i];
        const struct tlsd_alert *r =
            al->description >= 0 ? tlsd_alert_by_code(al->description) : NULL;
        json_t *o = json_object();
        json_object_set_new(o, "side", json_string(tlsd_side_name(al->side)));
        json_object_set_new(o, "frame", json_integer((json_int_t)al->frame));
        json_object_set_new(o, "encrypted", json_boolean(al->encrypted));
        json_object_set_new(o, "level",
                            al->level == 2   ? json_string("fatal")
                            : al->level == 1 ? json_string("warning")
                                             : json_null());
        json_object_set_new(o, "code",
                            al->description >= 0 ? json_integer(al->description) : json_null());
        json_object_set_new(o, "name", r ? json_string(r->name) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *frame_or_null(uint64_t f)
{
    return f ? json_integer((json_int_t)f) : json_null();
}

static json_t *tcp_json(const struct tlsd_conn *c)
{
    json_t *o = json_object();
    for (int s = 0; s < 2; s++) {
        json_t *side = json_object();
        json_object_set_new(side, "fin_frame", frame_or_null(c->fin_frame[s]));
        json_object_set_new(side, "rst_frame", frame_or_null(c->rst_frame[s]));
        json_object_set_new(side, "bytes", json_integer((json_int_t)c->bytes[s]));
        json_object_set_new(side, "not_tls", json_boolean(c->not_tls[s]));
        json_object_set_new(o, tlsd_side_name((enum tlsd_side)s), side);
    }
    json_object_set_new(o, "gap_bytes", json_integer((json_int_t)c->gaps));
    return o;
}

static json_t *diag_json(const struct tlsd_diagnosis *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "text", d->text ? json_string(d->text) : json_null());
    json_t *causes = json_array();
    for (size_t i = 0; i < d->n_causes; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "id", json_string(d->causes[i]->id));
        json_object_set_new(x, "title", json_string(d->causes[i]->title));
        json_array_append_new(causes, x);
    }
    json_object_set_new(o, "causes", causes);
    json_t *ev = json_array();
    for (size_t i = 0; i < d->n_events; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "id", json_integer(d->events[i].id));
        json_object_set_new(x, "logged_on", json_string(tlsd_side_name(d->events[i].logged_on)));
        json_object_set_new(
            x, "alert", d->events[i].alert >= 0 ? json_integer(d->events[i].alert) : json_null());
        json_object_set_new(x, "meaning", json_string(d->events[i].meaning));
        json_array_append_new(ev, x);
    }
    json_object_set_new(o, "schannel_events", ev);
    json_t *br = json_array();
    for (size_t i = 0; i < d->n_bridges; i++)
        json_array_append_new(br, suite_json(d->bridges[i]));
    json_object_set_new(o, "bridging_suites", br);
    return o;
}

static json_t *endpoint_json(const char *addr, uint16_t port)
{
    json_t *o = json_object();
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "port", json_integer(port));
    return o;
}

json_t *tlsd_conn_to_json(const struct tlsd_conn *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "source", json_string(c->source ? c->source : ""));
    json_object_set_new(o, "stream", json_integer((json_int_t)c->id));
    json_object_set_new(o, "first_frame", json_integer((json_int_t)c->first_frame));
    json_object_set_new(o, "last_frame", json_integer((json_int_t)c->last_frame));
    json_object_set_new(o, "start", json_real((double)c->first_ts / 1e6));
    json_object_set_new(o, "client", endpoint_json(c->client, c->client_port));
    json_object_set_new(o, "server", endpoint_json(c->server, c->server_port));
    json_object_set_new(
        o, "sni", c->has_ch && c->ch.server_name ? json_string(c->ch.server_name) : json_null());
    json_object_set_new(o, "outcome", json_string(tlsd_outcome_name(c->outcome)));
    json_object_set_new(o, "outcome_text", json_string(tlsd_outcome_text(c->outcome)));
    json_object_set_new(o, "diagnosis", diag_json(&c->diag));
    json_object_set_new(o, "client_hello", c->has_ch ? client_hello_json(c) : json_null());
    json_t *hrr = json_null();
    if (c->has_hrr) {
        hrr = json_object();
        json_object_set_new(hrr, "group", group_name(c->hrr_group));
    }
    json_object_set_new(o, "hello_retry_request", hrr);
    json_object_set_new(o, "server_hello", c->has_sh ? server_hello_json(c) : json_null());
    json_object_set_new(o, "sslv2_server_hello", json_boolean(c->ssl2_server_hello));
    json_t *certs = json_array();
    for (size_t i = 0; c->has_cert && i < c->cert.n_certs; i++)
        json_array_append_new(certs, cert_json(&c->cert.certs[i]));
    json_object_set_new(o, "certificates", certs);
    json_object_set_new(o, "alerts", alerts_json(c));
    json_object_set_new(o, "tcp", tcp_json(c));
    json_t *counts = json_object();
    json_object_set_new(counts, "client_hellos", json_integer(c->n_client_hellos));
    json_object_set_new(counts, "server_hellos", json_integer(c->n_server_hellos));
    json_object_set_new(counts, "alerts", json_integer(c->n_alerts_total));
    json_object_set_new(o, "counts", counts);
    json_object_set_new(o, "parse_error",
                        c->parse_error[0] ? json_string(c->parse_error) : json_null());
    return o;
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
            json_array_append_new(suites, suite_json(s->suites[j]));
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
