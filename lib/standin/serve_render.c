/* serve's report of a client, as text and JSON (docs/serve-json.md), and the summary of a
 * run: whether the model and the real handshake agree, and why not. */
#include "tlsdiag/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tlsdiag/fingerprint.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

/* ---- what the client offered -------------------------------------------------------- */

static void versions_text(const struct tlsd_profile *p, char *buf, size_t len)
{
    buf[0] = '\0';
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (p->versions & bit) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? " " : "",
                     tlsd_version_code_name(tlsd_version_of_bit(bit)));
        }
}

static void offer_text(struct tlsd_strbuf *b, const struct tlsd_serve_client *c)
{
    char v[96];
    versions_text(c->client, v, sizeof v);
    tlsd_sb_printf(b, "  offered: %s; %zu suites:", v, c->client->n_suites);
    for (size_t i = 0; i < c->client->n_suites && i < 8; i++)
        tlsd_sb_printf(b, " %s", tlsd_suite_code_name(c->client->suites[i]));
    tlsd_sb_printf(b, "%s\n", c->client->n_suites > 8 ? " ..." : "");
    tlsd_sb_printf(b, "           groups:");
    for (size_t i = 0; i < c->client->n_groups; i++)
        tlsd_sb_printf(b, " %s", tlsd_group_code_name(c->client->groups[i]));
    char sni[4 * 256];
    const char *name = c->hello->server_name;
    tlsd_sb_printf(b, "%s; server name: %s\n", c->client->n_groups ? "" : " none",
                   name ? tlsd_text_escape(name, strlen(name), sni, sizeof sni) : "none");
}

/* How a client's connection ended, in a word: the detail where it says more than the
 * ending (a time limit, a cap, --record-only), else the ending. */
static bool word_is_detail(const struct tlsd_serve_client *c)
{
    return c->detail != TLSD_DETAIL_NONE && c->detail != TLSD_DETAIL_RESET &&
           c->detail != TLSD_DETAIL_CLOSED;
}

static const char *end_word(const struct tlsd_serve_client *c)
{
    return word_is_detail(c) ? tlsd_ending_detail_name(c->detail)
                             : tlsd_conn_outcome_name(c->ending);
}

static void real_text(struct tlsd_strbuf *b, const struct tlsd_serve_client *c)
{
    tlsd_sb_printf(b, "  real:    ");
    switch (c->ending) {
    case TLSD_OUTCOME_SUCCESS:
        tlsd_sb_printf(b, "handshake completed: %s, %s (0x%04X)",
                       tlsd_version_code_name(c->version), tlsd_suite_code_name(c->suite),
                       (unsigned)c->suite);
        if (c->group)
            tlsd_sb_printf(b, ", group %s", tlsd_group_code_name(c->group));
        tlsd_sb_printf(b, "\n");
        return;
    case TLSD_OUTCOME_SERVER_ALERT:
    case TLSD_OUTCOME_CLIENT_ALERT:
        tlsd_sb_printf(b, "%s alert %d (%s)",
                       c->ending == TLSD_OUTCOME_CLIENT_ALERT ? "the client sent" : "sent",
                       c->alert, tlsd_alert_code_name(c->alert));
        break;
    case TLSD_OUTCOME_RESET_AFTER_HELLO:
        tlsd_sb_printf(b, "refused: TCP reset without an alert, as Schannel does");
        break;
    default:
        tlsd_sb_printf(b, "%s", end_word(c));
    }
    if (c->ending != TLSD_OUTCOME_SUCCESS && c->suite)
        tlsd_sb_printf(b, " after the server chose %s, %s", tlsd_version_code_name(c->version),
                       tlsd_suite_code_name(c->suite));
    tlsd_sb_printf(b, "%s%s%s\n", c->ssl_error[0] ? " (OpenSSL: " : "", c->ssl_error,
                   c->ssl_error[0] ? ")" : "");
}

/* The model and libssl agree: both succeed with the same version and suite (a client
 * that went away after the server's choice counts as success), or both refuse (alert or
 * reset alike, as the prediction says). Not asked of a --record-only client. */
bool tlsd_serve_client_agrees(const struct tlsd_serve_client *c)
{
    const struct tlsd_outcome *p = &c->predicted;
    enum tlsd_conn_outcome want = tlsd_outcome_ending(p);
    bool client_went = c->ending == TLSD_OUTCOME_ABORTED &&
                       (c->detail == TLSD_DETAIL_RESET || c->detail == TLSD_DETAIL_CLOSED);
    if (c->ending == TLSD_OUTCOME_SUCCESS || (client_went && c->suite != 0))
        return p->ok && p->version == c->version && p->suite == c->suite;
    if (c->ending == TLSD_OUTCOME_RESET_AFTER_HELLO)
        return want == TLSD_OUTCOME_RESET_AFTER_HELLO;
    if (c->ending == TLSD_OUTCOME_SERVER_ALERT || c->ending == TLSD_OUTCOME_CLIENT_ALERT)
        return want == TLSD_OUTCOME_SERVER_ALERT || want == TLSD_OUTCOME_CLIENT_ALERT;
    return false;
}

static bool has_suite(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static bool has_group(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* Why the real handshake (the local OpenSSL standing in for the server) and the model
 * disagree, as far as the setup tells. */
static void disagree_reason(const struct tlsd_serve_setup *s, const struct tlsd_serve_client *c,
                            char *buf, size_t len)
{
    const struct tlsd_outcome *p = &c->predicted;
    bool real_ok = c->ending == TLSD_OUTCOME_SUCCESS || c->suite != 0;
    if (p->ok && has_suite(s->unservable, s->n_unservable, p->suite))
        snprintf(buf, len, "the local OpenSSL cannot serve %s, which the real server would choose",
                 tlsd_suite_code_name(p->suite));
    else if (p->ok && (s->unservable_versions & tlsd_version_bit(p->version)))
        snprintf(buf, len, "the local OpenSSL cannot serve %s, which the real server would use",
                 tlsd_version_code_name(p->version));
    else if (p->ok && p->group && has_group(s->unservable_groups, s->n_unservable_groups, p->group))
        snprintf(buf, len,
                 "the local OpenSSL does not know group %s, which the real server "
                 "would use",
                 tlsd_group_code_name(p->group));
    else if (p->ok && !real_ok)
        snprintf(buf, len, "the local OpenSSL refused what the model accepts%s%s",
                 c->ssl_error[0] ? ": " : "", c->ssl_error);
    else if (p->ok)
        snprintf(buf, len,
                 "the local OpenSSL chose %s %s where the model chose %s %s (its "
                 "order or limits differ from the real server's)",
                 tlsd_version_code_name(c->version), tlsd_suite_code_name(c->suite),
                 tlsd_version_code_name(p->version), tlsd_suite_code_name(p->suite));
    else if (real_ok)
        snprintf(buf, len, "the local OpenSSL accepted what the real server refuses (%s)",
                 tlsd_fail_class_text(p->fail));
    else
        snprintf(buf, len, "both refuse, but the model expects %s",
                 p->reset ? "a TCP reset (as Schannel does)" : "an alert");
}

int tlsd_serve_client_text(const struct tlsd_serve_client *c, const struct tlsd_serve_render *how,
                           struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "client %u %s: %s\n", c->id, c->peer, end_word(c));
    if (c->note[0])
        tlsd_sb_printf(b, "  %s\n", c->note);
    if (!c->have_hello) {
        if (c->hello_error[0])
            tlsd_sb_printf(b, "  %s: %s\n",
                           c->ending == TLSD_OUTCOME_NOT_TLS ? "not a ClientHello" : "no hello",
                           c->hello_error);
        tlsd_sb_puts(b, "\n");
        return 0;
    }
    offer_text(b, c);
    tlsd_sb_puts(b, "  model:   ");
    tlsd_outcome_text(&c->predicted, b);
    real_text(b, c);
    if (c->detail != TLSD_DETAIL_RECORDED) {
        bool a = tlsd_serve_client_agrees(c);
        char why[400] = "";
        if (!a)
            disagree_reason(how->setup, c, why, sizeof why);
        tlsd_sb_printf(
            b, "  %s%s%s%s%s\n",
            tlsd_class_style(a ? TLSD_CLASS_RECOMMENDED : TLSD_CLASS_INSECURE, how->color),
            a ? "the model and the real handshake agree"
              : "the model and the real handshake DISAGREE",
            tlsd_style(TLSD_SGR_RESET, how->color), why[0] ? ": " : "", why);
    }
    int rc = 0;
    if (!c->predicted.ok && how->n_fixes > 0 &&
        (tlsd_fixes_text(c->client, how->server, TLSD_SIDE_SERVER, how->n_fixes, b) < 0 ||
         tlsd_fixes_text(c->client, how->server, TLSD_SIDE_CLIENT, how->n_fixes, b) < 0))
        rc = -1;
    tlsd_sb_puts(b, "\n");
    return rc;
}

/* ---- JSON (docs/serve-json.md) ------------------------------------------------------ */

static json_t *codes16(const uint16_t *v, size_t n, const char *(*name)(uint16_t))
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(name(v[i])));
    return a;
}

static json_t *offer_json(const struct tlsd_serve_client *c)
{
    json_t *suites = json_array(), *vers = json_array();
    for (size_t i = 0; i < c->client->n_suites; i++) {
        char hex[12];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)c->client->suites[i]);
        json_array_append_new(suites, json_pack("{s:s, s:s}", "code", hex, "name",
                                                tlsd_suite_code_name(c->client->suites[i])));
    }
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (c->client->versions & bit)
            json_array_append_new(vers,
                                  json_string(tlsd_version_code_name(tlsd_version_of_bit(bit))));
    json_t *j = json_pack(
        "{s:o, s:o, s:o, s:o}", "versions", vers, "suites", suites, "groups",
        codes16(c->client->groups, c->client->n_groups, tlsd_group_code_name), "key_shares",
        codes16(c->client->key_shares, c->client->n_key_shares, tlsd_group_code_name));
    char *hex = malloc(c->hello_raw_len * 2 + 1);
    for (size_t i = 0; hex && i < c->hello_raw_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", c->hello_raw[i]);
    if (hex) {
        hex[c->hello_raw_len * 2] = '\0';
        json_object_set_new(j, "hello_hex", json_string(hex));
        free(hex);
    }
    /* The name as the client sent it, made valid UTF-8 (docs/serve-json.md). */
    char *sni = c->hello->server_name
                    ? tlsd_text_utf8(c->hello->server_name, strlen(c->hello->server_name))
                    : NULL;
    json_object_set_new(j, "server_name", sni ? json_string(sni) : json_null());
    free(sni);
    return j;
}

static json_t *detail_json(const struct tlsd_serve_client *c)
{
    return c->detail ? json_string(tlsd_ending_detail_name(c->detail)) : json_null();
}

static json_t *real_json(const struct tlsd_serve_client *c)
{
    json_t *j = json_pack("{s:b, s:s, s:o}", "ok", c->ending == TLSD_OUTCOME_SUCCESS, "ending",
                          tlsd_conn_outcome_name(c->ending), "ending_detail", detail_json(c));
    if (c->suite)
        tlsd_json_add_choice(j, c->version, c->suite, c->group);
    json_object_set_new(j, "reset", json_boolean(c->ending == TLSD_OUTCOME_RESET_AFTER_HELLO));
    if (c->alert >= 0)
        json_object_set_new(j, "alert",
                            tlsd_alert_to_json(c->alert, c->ending == TLSD_OUTCOME_CLIENT_ALERT));
    if (c->ssl_error[0])
        json_object_set_new(j, "openssl_error", json_string(c->ssl_error));
    return j;
}

json_t *tlsd_serve_client_json(const struct tlsd_serve_client *c,
                               const struct tlsd_serve_render *how)
{
    json_t *j = json_pack("{s:i, s:s, s:s, s:o, s:I, s:I, s:f}", "id", (int)c->id, "peer", c->peer,
                          "ending", tlsd_conn_outcome_name(c->ending), "ending_detail",
                          detail_json(c), "bytes_in", (json_int_t)c->bytes_in, "bytes_out",
                          (json_int_t)c->bytes_out, "seconds", c->seconds);
    if (c->note[0])
        json_object_set_new(j, "note", json_string(c->note));
    if (!c->have_hello) {
        if (c->hello_error[0])
            json_object_set_new(j, "hello_error", json_string(c->hello_error));
        return j;
    }
    json_object_set_new(j, "offered", offer_json(c));
    json_object_set_new(j, "predicted", tlsd_outcome_to_json(&c->predicted));
    json_object_set_new(j, "real", real_json(c));
    if (c->detail != TLSD_DETAIL_RECORDED)
        json_object_set_new(j, "agree", json_boolean(tlsd_serve_client_agrees(c)));
    if (!c->predicted.ok && how->n_fixes > 0) {
        json_t *sf = tlsd_fixes_to_json(c->client, how->server, TLSD_SIDE_SERVER, how->n_fixes);
        json_t *cf = tlsd_fixes_to_json(c->client, how->server, TLSD_SIDE_CLIENT, how->n_fixes);
        json_object_set_new(j, "server_fixes", sf ? sf : json_null());
        json_object_set_new(j, "client_fixes", cf ? cf : json_null());
    }
    return j;
}

/* Counts a client for the summary. */
void tlsd_serve_summary_add(struct tlsd_serve_summary *s, const struct tlsd_serve_client *c)
{
    s->clients++;
    if (word_is_detail(c))
        s->details[c->detail]++;
    else
        s->endings[c->ending]++;
    if (!c->have_hello)
        return;
    if (c->detail != TLSD_DETAIL_RECORDED) {
        bool a = tlsd_serve_client_agrees(c);
        s->agree += a;
        s->disagree += !a;
    }
    char ja4[TLSD_JA4_LEN + 1];
    tlsd_ja4(NULL, c->hello, TLSD_JA_TCP, ja4);
    for (size_t i = 0; i < s->n_hellos; i++)
        if (strcmp(s->hellos[i], ja4) == 0) {
            s->hello_count[i]++;
            return;
        }
    if (s->n_hellos == TLSD_SERVE_SUM_HELLOS) {
        s->other_hellos++;
        return;
    }
    memcpy(s->hellos[s->n_hellos], ja4, sizeof ja4);
    snprintf(s->hello_peer[s->n_hellos], sizeof s->hello_peer[0], "%s", c->peer);
    s->hello_count[s->n_hellos++] = 1;
}

void tlsd_serve_summary_text(const struct tlsd_serve_summary *s, struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "Summary: %u client%s\n", s->clients, s->clients == 1 ? "" : "s");
    if (!s->clients)
        return;
    tlsd_sb_printf(b, "  outcomes:");
    bool first = true;
    for (int i = 0; i < TLSD_OUTCOME_COUNT; i++)
        if (s->endings[i]) {
            tlsd_sb_printf(b, "%s %s %u", first ? "" : ",",
                           tlsd_conn_outcome_name((enum tlsd_conn_outcome)i), s->endings[i]);
            first = false;
        }
    for (int i = 0; i < TLSD_DETAIL_COUNT; i++)
        if (s->details[i]) {
            tlsd_sb_printf(b, "%s %s %u", first ? "" : ",",
                           tlsd_ending_detail_name((enum tlsd_ending_detail)i), s->details[i]);
            first = false;
        }
    tlsd_sb_printf(b, "\n  the model and the real handshake: %u agree, %u disagree\n", s->agree,
                   s->disagree);
    tlsd_sb_printf(b, "  distinct hellos: %zu%s\n", s->n_hellos,
                   s->other_hellos ? " and more" : "");
    for (size_t i = 0; i < s->n_hellos; i++)
        tlsd_sb_printf(b, "    JA4 %s  %u client%s, first %s\n", s->hellos[i], s->hello_count[i],
                       s->hello_count[i] == 1 ? "" : "s", s->hello_peer[i]);
    if (s->other_hellos)
        tlsd_sb_printf(b, "    %u more client%s with other hellos\n", s->other_hellos,
                       s->other_hellos == 1 ? "" : "s");
}
