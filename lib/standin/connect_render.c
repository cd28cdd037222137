/* A connect result as `tlsdiag connect` shows it: the answer (or how the handshake
 * failed, with explain's meaning and likely causes), the chain and its verification, as
 * text and as JSON (docs/serve-json.md); and whether the model's prediction agrees with
 * it. Renderers only: the caller prints. */
#include <stdio.h>
#include <string.h>

#include <openssl/opensslv.h>

#include "platform.h"
#include "tlsdiag/connect.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

/* ---- the explanation of a failure ---------------------------------------------------- */

/* The client refused the server's answer (an alert it sent, or would send); an illegal
 * answer is the server's doing. */
static bool client_refused(const struct tlsd_connect_result *r)
{
    return r->ending == TLSD_OUTCOME_CLIENT_ALERT && r->detail != TLSD_DETAIL_ILLEGAL_ANSWER;
}

/* The explain query for a failure: the alert, or the reset as Windows reports it. */
static const char *explain_query(const struct tlsd_connect_result *r, char *buf, size_t len)
{
    if (r->ending == TLSD_OUTCOME_SERVER_ALERT || client_refused(r))
        snprintf(buf, len, "alert %d", r->alert);
    else if (r->detail == TLSD_DETAIL_RESET)
        snprintf(buf, len, "WSAECONNRESET");
    else if (r->ending_known && r->ending == TLSD_OUTCOME_TCP_REFUSED)
        snprintf(buf, len, "WSAECONNREFUSED");
    else
        return NULL;
    return buf;
}

static const struct tlsd_explain_match *explain_top(const struct tlsd_connect_result *r,
                                                    struct tlsd_explain_result *er)
{
    char q[64];
    memset(er, 0, sizeof *er);
    if (!explain_query(r, q, sizeof q) || tlsd_explain_query(q, strlen(q), er) < 0 || er->n == 0)
        return NULL;
    return &er->matches[0];
}

/* How the connection ended, told from the socket as analyze tells it from a capture. */
static const char *ending_text(const struct tlsd_connect_result *r)
{
    if (!r->ending_known)
        return NULL;
    switch (r->ending) {
    case TLSD_OUTCOME_TCP_REFUSED:
        return "the TCP connection was refused (a reset answered the SYN): nothing listens on "
               "that port, or a firewall rejects it";
    case TLSD_OUTCOME_TCP_NO_ANSWER:
        return "the SYN was never answered (TCP connect timed out): a firewall drops it, a "
               "wrong address, the server is down, or its listen queue is full";
    case TLSD_OUTCOME_NO_ANSWER:
        return "connected, but the server never answered the ClientHello in time";
    case TLSD_OUTCOME_RESET_AFTER_HELLO:
        return "the server reset the connection right after the ClientHello, without an alert";
    case TLSD_OUTCOME_CLOSE_AFTER_HELLO:
        return "the server closed the connection right after the ClientHello, without an "
               "answer";
    case TLSD_OUTCOME_ABORTED:
        return "the connection ended after the ServerHello without an alert";
    default:
        return NULL;
    }
}

/* What the detail adds where the ending has no sentence of its own. */
static const char *detail_text(const struct tlsd_connect_result *r)
{
    switch (r->detail) {
    case TLSD_DETAIL_RESET:
        return "the server reset the connection without an alert";
    case TLSD_DETAIL_CLOSED:
        return "the server closed the connection without an answer";
    case TLSD_DETAIL_TIMEOUT: /* ending not known: bytes came, the time ran out after them */
        return r->ending_known ? "no answer in time" : "the time limit ran out";
    case TLSD_DETAIL_NO_CONNECTION:
        return "no TCP connection";
    case TLSD_DETAIL_STARTTLS_FAILED:
        return "the server refused STARTTLS";
    case TLSD_DETAIL_ILLEGAL_ANSWER:
        return "the server answered illegally";
    default:
        return NULL;
    }
}

static const char *failure_text(const struct tlsd_connect_result *r)
{
    const char *e = ending_text(r);
    if (!e)
        e = detail_text(r);
    if (e)
        return e;
    switch (r->ending) {
    case TLSD_OUTCOME_SERVER_ALERT:
        return "the server sent a fatal alert";
    case TLSD_OUTCOME_NOT_TLS:
        return "the answer is not TLS, or libssl rejected it";
    case TLSD_OUTCOME_CLIENT_ALERT:
        return "the client refuses the server's answer";
    default:
        return "ok";
    }
}

/* ---- text ----------------------------------------------------------------------------- */

/* The chain (certchain_render.c), then libssl mode's verification of it. */
static void chain_text(const struct tlsd_cert_chain *c, struct tlsd_strbuf *b)
{
    if (c->n == 0)
        return;
    tlsd_sb_printf(b, "Certificate chain (%zu):\n", c->n);
    tlsd_cert_chain_text(c, "  ", b);
    if (!c->checked)
        return;
    tlsd_sb_printf(b, "Verification: %s", c->trusted ? "trusted" : "NOT trusted: ");
    tlsd_cert_chain_failure_text(c, b);
    tlsd_sb_printf(b, "\nHost name: %s %s\n", c->checked_name,
                   c->name_matches ? "matches the certificate" : "does NOT match the certificate");
}

void tlsd_connect_result_text(const struct tlsd_connect_result *r, struct tlsd_strbuf *b)
{
    if (tlsd_connect_succeeded(r)) {
        tlsd_sb_printf(
            b, "Result: %s: %s, %s (0x%04X)", r->hrr ? "HelloRetryRequest" : "handshake succeeds",
            tlsd_version_code_name(r->version), tlsd_suite_code_name(r->suite), (unsigned)r->suite);
        if (r->group)
            tlsd_sb_printf(b, ", group %s", tlsd_group_code_name(r->group));
        if (r->dh_bits)
            tlsd_sb_printf(b, ", DHE prime %d bits", r->dh_bits);
        if (r->alpn[0])
            tlsd_sb_printf(b, ", ALPN %s", r->alpn);
        tlsd_sb_puts(b, "\n");
        chain_text(&r->chain, b);
        return;
    }
    tlsd_sb_printf(b, "Result: handshake fails: %s", r->note[0] ? r->note : failure_text(r));
    if (r->alert >= 0 && !r->note[0])
        tlsd_sb_printf(b, ": alert %d (%s)", r->alert, tlsd_alert_code_name(r->alert));
    if (r->ending_known)
        tlsd_sb_printf(b, " [%s]", tlsd_conn_outcome_name(r->ending));
    bool again = strcmp(r->note, r->error) == 0; /* the note says it already */
    tlsd_sb_printf(b, "%s%s\n", r->error[0] && !again ? "\n  " : "", again ? "" : r->error);
    const char *port = strrchr(r->address, ':');
    if (r->ending_known && tlsd_conn_outcome_before_tls(r->ending) && port)
        tlsd_sb_printf(
            b,
            "Check: on the server, netstat -ano | findstr %s (Windows) or ss -ltnp "
            "'sport = %s' (Linux) shows what listens; then the firewalls between the two "
            "hosts\n",
            port, port);
    struct tlsd_explain_result er;
    const struct tlsd_explain_match *m = explain_top(r, &er);
    if (m) {
        tlsd_sb_printf(b, "Meaning: %s\n", m->entry->meaning);
        for (size_t i = 0; i < m->n_causes && i < 3; i++)
            tlsd_sb_printf(b, "  likely cause %zu: %s\n", i + 1, m->causes[i]->title);
    }
    tlsd_explain_result_free(&er);
}

/* The model's prediction agrees with the server's answer: both succeed with the same
 * version and suite, or both fail. */
bool tlsd_connect_agrees(const struct tlsd_outcome *p, const struct tlsd_connect_result *r)
{
    enum tlsd_conn_outcome want = tlsd_outcome_ending(p);
    if (tlsd_connect_succeeded(r))
        return want == TLSD_OUTCOME_SUCCESS && p->version == r->version && p->suite == r->suite &&
               p->hrr == r->hrr;
    if (client_refused(r)) /* the server answered; the client ends it */
        return want == TLSD_OUTCOME_CLIENT_ALERT && p->version == r->version &&
               p->suite == r->suite;
    /* the server refused: by an alert, a reset or a close, as the model's alert or reset */
    return (want == TLSD_OUTCOME_SERVER_ALERT || want == TLSD_OUTCOME_RESET_AFTER_HELLO) &&
           (r->ending == TLSD_OUTCOME_SERVER_ALERT || r->detail == TLSD_DETAIL_RESET ||
            r->detail == TLSD_DETAIL_CLOSED);
}

/* ---- JSON (docs/serve-json.md) ---------------------------------------------------------- */

json_t *tlsd_connect_result_to_json(const struct tlsd_connect_result *r)
{
    json_t *j = json_pack(
        "{s:s, s:b, s:o, s:o}", "address", r->address, "ok", tlsd_connect_succeeded(r), "ending",
        r->ending_known ? json_string(tlsd_conn_outcome_name(r->ending)) : json_null(),
        "ending_detail", r->detail ? json_string(tlsd_ending_detail_name(r->detail)) : json_null());
    if (client_refused(r) && r->version) /* what the server chose */
        tlsd_json_add_choice(j, r->version, r->suite, r->group);
    if (r->dh_bits)
        json_object_set_new(j, "dh_bits", json_integer(r->dh_bits));
    if (tlsd_connect_succeeded(r)) {
        tlsd_json_add_choice(j, r->version, r->suite, r->group);
        json_object_set_new(j, "hello_retry_request", json_boolean(r->hrr));
        json_object_set_new(j, "alpn", json_string(r->alpn));
        json_object_set_new(j, "chain", tlsd_cert_chain_to_json(&r->chain));
    }
    if (r->chain.checked)
        tlsd_cert_chain_verify_json(j, &r->chain);
    if (r->alert >= 0)
        json_object_set_new(j, "alert", tlsd_alert_to_json(r->alert, client_refused(r)));
    if (r->note[0])
        json_object_set_new(j, "note", json_string(r->note));
    if (!tlsd_connect_succeeded(r)) {
        json_object_set_new(j, "error", json_string(r->error));
        struct tlsd_explain_result er;
        const struct tlsd_explain_match *m = explain_top(r, &er);
        if (m) {
            json_t *causes = json_array();
            for (size_t i = 0; i < m->n_causes && i < 3; i++)
                json_array_append_new(causes, json_string(m->causes[i]->id));
            json_object_set_new(j, "explain",
                                json_pack("{s:s, s:s, s:o}", "key", m->entry->key, "meaning",
                                          m->entry->meaning, "causes", causes));
        }
        tlsd_explain_result_free(&er);
    }
    return j;
}

int tlsd_connect_report_text(const struct tlsd_connect_report *rep,
                             const struct tlsd_connect_result *r, struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "Server: %s (%s)\n", rep->target,
                   r->address[0] ? r->address : "not resolved");
    if (rep->client)
        tlsd_sb_printf(b, "Client: %s, %s ClientHello of %zu bytes\n", rep->client->name,
                       rep->captured ? "its captured" : "a built", rep->hello_len);
    else
        tlsd_sb_printf(b, "Client: the local %s\n", OPENSSL_VERSION_TEXT);
    tlsd_connect_result_text(r, b);
    if (!rep->server || !rep->client)
        return 0;
    struct tlsd_outcome p;
    tlsd_negotiate(rep->client, rep->server, &p);
    tlsd_sb_printf(b, "Model (%s): ", rep->server->name);
    tlsd_outcome_text(&p, b);
    bool same = tlsd_connect_agrees(&p, r);
    tlsd_sb_printf(
        b, "%sThe model and the server's answer %s%s\n",
        tlsd_class_style(same ? TLSD_CLASS_RECOMMENDED : TLSD_CLASS_INSECURE, rep->color),
        same ? "agree" : "DISAGREE", tlsd_style(TLSD_SGR_RESET, rep->color));
    if (!p.ok && rep->n_fixes > 0 &&
        (tlsd_fixes_text(rep->client, rep->server, TLSD_SIDE_SERVER, rep->n_fixes, b) < 0 ||
         tlsd_fixes_text(rep->client, rep->server, TLSD_SIDE_CLIENT, rep->n_fixes, b) < 0))
        return -1;
    return 0;
}
