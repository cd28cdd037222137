/* tlsdiag connect: one real handshake with a server, by the local OpenSSL or with
 * another client's ClientHello (--as), explained. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/opensslv.h>

#include "platform.h"

#include "tlsdiag/connect.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/textout.h"
#include "tool.h"

#define CONNECT_TIMEOUT_DEFAULT_MS 8000u          /* --timeout */
#define CONNECT_TIMEOUT_MAX_MS     (3600u * 1000) /* an hour */

static const char help_text[] =
    "Usage: tlsdiag connect HOST[:PORT] [options]\n"
    "\n"
    "One real handshake with a server, made by the local OpenSSL (like openssl\n"
    "s_client, or Invoke-WebRequest to an address with the real host name): version,\n"
    "suite, group, ALPN, the certificate chain with its verification and the host-name\n"
    "check; on failure the cause (alert received, reset, no answer) explained.\n"
    "\n"
    "With --as PROFILE it sends another client's ClientHello instead: the captured\n"
    "hello of a built-in client (the 162 testssl clients) or of a profile given as\n"
    "hex, else one built from the profile (versions, suites, groups, signature schemes,\n"
    "real key shares), and reports what the server answered: ServerHello version,\n"
    "suite and group, or the alert or reset, and why. With --server PROFILE (what you\n"
    "believe the server runs) it shows the model's prediction next to the answer.\n"
    "\n"
    "Options:\n"
    "      --sni NAME         server_name to send and check the certificate against\n"
    "                         (default: HOST unless it is an address)\n"
    "      --as PROFILE       send this client's hello (built-in name, file, hex:...;\n"
    "                         builtin:NAME or ./NAME when a file has a built-in's name)\n"
    "      --server PROFILE   the server's profile, for the model's prediction (--as)\n"
    "      --server-scan FILE a saved 'tlsdiag scan --json' of the server, as its profile\n"
    "      --cafile FILE      trust anchors (PEM) instead of the system store\n"
    "      --no-verify        a chain that does not verify or a name that does not\n"
    "                         match is reported but does not make the exit status 1\n"
    "      --starttls PROTO   smtp, imap, pop3, ftp, ldap, postgres, xmpp first\n"
    "      --timeout T        connect-to-answer limit (default 8s; 500ms, 8s, 1m; a\n"
    "                         bare number is seconds)\n"
    "      --fixes N          fixes per side when the prediction fails (default 0)\n"
    "      --json             JSON output (docs/serve-json.md)\n"
    "      --color, --no-color  colour on / off (default: on a terminal)\n"
    "  -h, --help             this help\n"
    "\n"
    "Examples:\n"
    "  tlsdiag connect printserver.example.com:5012\n"
    "  tlsdiag connect 192.0.2.10:443 --sni print.example.com --cafile corp-ca.pem\n"
    "  tlsdiag connect printserver:5012 --as legacy-printer --server windows-2025\n"
    "  tlsdiag connect mail.example.com --starttls smtp\n"
    "\n"
    "Exit status: 0 the handshake succeeded (--as: the server answered with a\n"
    "ServerHello and, in TLS <= 1.2, its flight up to ServerHelloDone) and the\n"
    "certificate verifies for the name; 1 it failed, or the\n"
    "chain does not verify or does not cover the name (unless --no-verify); 2 usage\n"
    "error; 3 could not run (profile, memory, an unreadable --cafile).\n";

struct opts {
    const char *target, *sni, *as, *server, *cafile, *starttls;
    char scan_spec[4096];
    unsigned timeout_ms;
    size_t n_fixes;
    bool json, no_verify;
    enum tool_color_mode color;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"sni", required_argument, NULL, 's'},
                                             {"as", required_argument, NULL, 'a'},
                                             {"server", required_argument, NULL, 'S'},
                                             {"server-scan", required_argument, NULL, 'F'},
                                             {"cafile", required_argument, NULL, 'c'},
                                             {"starttls", required_argument, NULL, 't'},
                                             {"timeout", required_argument, NULL, 'T'},
                                             {"fixes", required_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"no-verify", no_argument, NULL, 'V'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c;
    int nopt = tool_permute(argc, argv, "+h", longopts);
    while ((c = getopt_long(nopt, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o->sni = optarg;
            break;
        case 'a':
            o->as = optarg;
            break;
        case 'S':
            o->server = optarg;
            break;
        case 'F':
            snprintf(o->scan_spec, sizeof o->scan_spec, "scan:%s", optarg);
            o->server = o->scan_spec;
            break;
        case 'c':
            o->cafile = optarg;
            break;
        case 't':
            o->starttls = optarg;
            break;
        case 'T': {
            uint64_t ms;
            if (tool_parse_duration("connect", "--timeout", optarg, TOOL_UNIT_S, 1,
                                    CONNECT_TIMEOUT_MAX_MS, &ms) < 0)
                return -1;
            o->timeout_ms = (unsigned)ms;
            break;
        }
        case 'f':
            if (tool_parse_fixes("connect", optarg, &o->n_fixes) < 0)
                return -1;
            break;
        case 'j':
            o->json = true;
            break;
        case 'V':
            o->no_verify = true;
            break;
        default: {
            int r = tool_common_option(c, help_text, &o->color);
            if (r != 0)
                return r;
        }
        }
    }
    if (optind + 1 != argc || (o->server && !o->as)) {
        tool_err("connect", "%s",
                 optind + 1 != argc ? "one HOST[:PORT] is needed" : "--server needs --as");
        return -1;
    }
    o->target = argv[optind];
    return 0;
}

/* ---- the explanation of a failure ---------------------------------------------------- */

/* The explain query for a failure: the alert, or the reset as Windows reports it. */
static const char *explain_query(const struct tlsd_connect_result *r, char *buf, size_t len)
{
    if (r->status == TLSD_CONNECT_ALERT || r->status == TLSD_CONNECT_CLIENT_REFUSED)
        snprintf(buf, len, "alert %d", r->alert);
    else if (r->status == TLSD_CONNECT_RESET)
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

static const char *status_text(const struct tlsd_connect_result *r)
{
    const char *e = ending_text(r);
    if (e)
        return e;
    switch (r->status) {
    case TLSD_CONNECT_ALERT:
        return "the server sent a fatal alert";
    case TLSD_CONNECT_RESET:
        return "the server reset the connection without an alert";
    case TLSD_CONNECT_CLOSED:
        return "the server closed the connection without an answer";
    case TLSD_CONNECT_TIMEOUT:
        return "no answer in time";
    case TLSD_CONNECT_NO_CONNECTION:
        return "no TCP connection";
    case TLSD_CONNECT_NOT_TLS:
        return "the answer is not TLS, or libssl rejected it";
    case TLSD_CONNECT_STARTTLS_FAILED:
        return "the server refused STARTTLS";
    case TLSD_CONNECT_CLIENT_REFUSED:
        return "the client refuses the server's answer";
    case TLSD_CONNECT_ILLEGAL:
        return "the server answered illegally";
    default:
        return "ok";
    }
}

/* ---- text ----------------------------------------------------------------------------- */

static void print_time(const char *label, time_t t)
{
    char buf[32];
    struct tm tm;
    strftime(buf, sizeof buf, "%Y-%m-%d", tlsd_gmtime(&t, &tm));
    printf("%s%s", label, buf);
}

static void print_chain(const struct tlsd_connect_result *r)
{
    if (r->n_chain == 0)
        return;
    printf("Certificate chain (%zu):\n", r->n_chain);
    for (size_t i = 0; i < r->n_chain; i++) {
        const struct tlsd_cert_summary *c = &r->chain[i];
        printf("  %zu %s\n    issuer %s\n    %s %d%s%s, %s", i, c->subject, c->issuer, c->key_type,
               c->key_bits, c->curve[0] ? " " : "", c->curve, c->sig_alg);
        print_time(", valid ", c->not_before);
        print_time(" to ", c->not_after);
        printf("\n");
    }
    if (!r->chain_checked)
        return;
    printf("Verification: %s%s\n", r->trusted ? "trusted" : "NOT trusted: ", r->verify_error);
    printf("Host name: %s %s\n", r->checked_name,
           r->name_matches ? "matches the certificate" : "does NOT match the certificate");
}

static void print_result(const struct tlsd_connect_result *r)
{
    if (r->status == TLSD_CONNECT_OK) {
        printf("Result: %s: %s, %s (0x%04X)", r->hrr ? "HelloRetryRequest" : "handshake succeeds",
               tool_version_name(r->version), tool_suite_name(r->suite), (unsigned)r->suite);
        if (r->group)
            printf(", group %s", tool_group_name(r->group));
        if (r->dh_bits)
            printf(", DHE prime %d bits", r->dh_bits);
        if (r->alpn[0])
            printf(", ALPN %s", r->alpn);
        printf("\n");
        print_chain(r);
        return;
    }
    printf("Result: handshake fails: %s", r->note[0] ? r->note : status_text(r));
    if (r->alert >= 0 && !r->note[0])
        printf(": alert %d (%s)", r->alert, tool_alert_name(r->alert));
    if (r->ending_known)
        printf(" [%s]", tlsd_conn_outcome_name(r->ending));
    bool again = strcmp(r->note, r->error) == 0; /* the note says it already */
    printf("%s%s\n", r->error[0] && !again ? "\n  " : "", again ? "" : r->error);
    const char *port = strrchr(r->address, ':');
    if (r->ending_known && tlsd_conn_outcome_before_tls(r->ending) && port)
        printf("Check: on the server, netstat -ano | findstr %s (Windows) or ss -ltnp "
               "'sport = %s' (Linux) shows what listens; then the firewalls between the two "
               "hosts\n",
               port, port);
    struct tlsd_explain_result er;
    const struct tlsd_explain_match *m = explain_top(r, &er);
    if (m) {
        printf("Meaning: %s\n", m->entry->meaning);
        for (size_t i = 0; i < m->n_causes && i < 3; i++)
            printf("  likely cause %zu: %s\n", i + 1, m->causes[i]->title);
    }
    tlsd_explain_result_free(&er);
}

/* The model's prediction agrees with the server's answer: both succeed with the same
 * version and suite, or both fail. */
static bool agrees(const struct tlsd_outcome *p, const struct tlsd_connect_result *r)
{
    if (r->status == TLSD_CONNECT_OK)
        return p->ok && p->version == r->version && p->suite == r->suite && p->hrr == r->hrr;
    if (r->status == TLSD_CONNECT_CLIENT_REFUSED) /* the server answered; the client ends it */
        return !p->ok && p->alert_from_client && p->version == r->version && p->suite == r->suite;
    return !p->ok && !p->alert_from_client &&
           (r->status == TLSD_CONNECT_ALERT || r->status == TLSD_CONNECT_RESET ||
            r->status == TLSD_CONNECT_CLOSED);
}

/* ---- JSON (docs/serve-json.md) ---------------------------------------------------------- */

static json_t *chain_json(const struct tlsd_connect_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_chain; i++) {
        const struct tlsd_cert_summary *c = &r->chain[i];
        json_t *sans = json_array();
        for (size_t k = 0; k < c->n_sans; k++)
            json_array_append_new(sans, json_string(c->sans[k]));
        json_t *cert =
            json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:b, s:o}", "subject", c->subject,
                      "issuer", c->issuer, "key_type", c->key_type, "key_bits", c->key_bits,
                      "sig_alg", c->sig_alg, "not_before", (json_int_t)c->not_before, "not_after",
                      (json_int_t)c->not_after, "self_signed", c->self_signed, "sans", sans);
        tlsd_cert_dates_json(cert, c);
        json_array_append_new(a, cert);
    }
    return a;
}

static json_t *result_json(const struct tlsd_connect_result *r)
{
    json_t *j =
        json_pack("{s:s, s:s, s:b, s:o}", "address", r->address, "status",
                  tlsd_connect_status_name(r->status), "ok", r->status == TLSD_CONNECT_OK, "ending",
                  r->ending_known ? json_string(tlsd_conn_outcome_name(r->ending)) : json_null());
    if (r->status == TLSD_CONNECT_CLIENT_REFUSED && r->version) /* what the server chose */
        tlsd_json_add_choice(j, r->version, r->suite, r->group);
    if (r->dh_bits)
        json_object_set_new(j, "dh_bits", json_integer(r->dh_bits));
    if (r->status == TLSD_CONNECT_OK) {
        tlsd_json_add_choice(j, r->version, r->suite, r->group);
        json_object_set_new(j, "hello_retry_request", json_boolean(r->hrr));
        json_object_set_new(j, "alpn", json_string(r->alpn));
        json_object_set_new(j, "chain", chain_json(r));
    }
    if (r->chain_checked) {
        json_object_set_new(j, "trusted", json_boolean(r->trusted));
        json_object_set_new(j, "verify_error", json_string(r->verify_error));
        json_object_set_new(j, "name_matches", json_boolean(r->name_matches));
        json_object_set_new(j, "checked_name", json_string(r->checked_name));
    }
    if (r->alert >= 0)
        json_object_set_new(j, "alert",
                            tlsd_alert_to_json(r->alert, r->status == TLSD_CONNECT_CLIENT_REFUSED));
    if (r->note[0])
        json_object_set_new(j, "note", json_string(r->note));
    if (r->status != TLSD_CONNECT_OK) {
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

/* ---- the command -------------------------------------------------------------------------- */

struct as_client {
    struct tlsd_profile client, server;
    bool have_server, captured;
    uint8_t *hello;
    size_t hello_len;
};

static int load_as(const struct opts *o, const char *sni, struct as_client *a)
{
    struct tlsd_profile_err err;
    if (tlsd_connect_hello_for(o->as, sni, &a->hello, &a->hello_len, &a->captured, &a->client,
                               &err) < 0) {
        tool_err("connect", "--as %s: %s", o->as, err.msg);
        return -1;
    }
    tool_note("connect", err.note);
    if (o->server) {
        if (tlsd_profile_load(o->server, TLSD_SIDE_SERVER, &a->server, &err) < 0) {
            tool_err("connect", "--server %s: %s", o->server, err.msg);
            return -1;
        }
        tool_note("connect", err.note);
        a->have_server = true;
    }
    return 0;
}

static void report_text(const struct opts *o, const struct as_client *a,
                        const struct tlsd_connect_result *r)
{
    printf("Server: %s (%s)\n", o->target, r->address[0] ? r->address : "not resolved");
    if (a->hello)
        printf("Client: %s, %s ClientHello of %zu bytes\n", a->client.name,
               a->captured ? "its captured" : "a built", a->hello_len);
    else
        printf("Client: the local %s\n", OPENSSL_VERSION_TEXT);
    print_result(r);
    if (!a->have_server)
        return;
    struct tlsd_outcome p;
    tlsd_negotiate(&a->client, &a->server, &p);
    printf("Model (%s): ", a->server.name);
    tool_print_outcome(&p);
    bool same = agrees(&p, r), on = tool_use_color(o->color, stdout);
    printf("%sThe model and the server's answer %s%s\n",
           tool_class_color(same ? TLSD_CLASS_RECOMMENDED : TLSD_CLASS_INSECURE, on),
           same ? "agree" : "DISAGREE", tool_reset(on));
    if (!p.ok && o->n_fixes > 0 &&
        (tool_print_fixes(&a->client, &a->server, TLSD_SIDE_SERVER, o->n_fixes) < 0 ||
         tool_print_fixes(&a->client, &a->server, TLSD_SIDE_CLIENT, o->n_fixes) < 0))
        tool_err("connect", "out of memory");
}

static void report_json(const struct opts *o, const struct as_client *a,
                        const struct tlsd_connect_result *r)
{
    json_t *j = result_json(r);
    json_object_set_new(j, "target", json_string(o->target));
    json_object_set_new(j, "client", json_string(a->hello ? a->client.name : "openssl"));
    if (a->hello) {
        json_object_set_new(j, "hello_captured", json_boolean(a->captured));
        json_object_set_new(j, "hello_bytes", json_integer((json_int_t)a->hello_len));
    }
    if (a->have_server) {
        struct tlsd_outcome p;
        tlsd_negotiate(&a->client, &a->server, &p);
        json_object_set_new(j, "predicted", tlsd_outcome_to_json(&p));
        json_object_set_new(j, "agree", json_boolean(agrees(&p, r)));
        if (!p.ok && o->n_fixes > 0) {
            json_t *sf = tlsd_fixes_to_json(&a->client, &a->server, TLSD_SIDE_SERVER, o->n_fixes);
            json_object_set_new(j, "server_fixes", sf ? sf : json_null());
        }
    }
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(j);
}

int tool_connect(int argc, char **argv)
{
    struct opts o = {.timeout_ms = CONNECT_TIMEOUT_DEFAULT_MS};
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    enum tlsd_starttls st = TLSD_STARTTLS_NONE;
    if (o.starttls && tlsd_starttls_from_name(o.starttls, &st) < 0) {
        tool_err("connect", "unknown --starttls protocol '%s'", o.starttls);
        return TOOL_EXIT_USAGE;
    }
    if (o.sni && tool_check_sni("connect", o.sni) < 0)
        return TOOL_EXIT_USAGE;
    if (o.cafile && tool_check_readable("connect", "--cafile", o.cafile) < 0)
        return TOOL_EXIT_ERROR;
    struct tlsd_target_list tl = {0};
    char err[256];
    if (tlsd_target_parse(o.target, 443, st, &tl, err, sizeof err) < 0 || tl.n != 1) {
        tool_err("connect", "%s", tl.n > 1 ? "one host, not a range" : err);
        tlsd_target_list_free(&tl);
        return TOOL_EXIT_USAGE;
    }
    const char *sni = o.sni ? o.sni : tl.v[0].sni;
    static struct as_client a;
    if (o.as && load_as(&o, sni, &a) < 0) {
        tlsd_target_list_free(&tl);
        free(a.hello);
        return TOOL_EXIT_ERROR;
    }
    struct tlsd_connect_opts co = {.host = tl.v[0].host,
                                   .port = tl.v[0].port,
                                   .sni = sni,
                                   .cafile = o.cafile,
                                   .starttls = tl.v[0].starttls,
                                   .timeout_ms = o.timeout_ms,
                                   .hello = a.hello,
                                   .hello_len = a.hello_len,
                                   .client_dh_bits_min = a.hello ? a.client.dh_bits_min : 0,
                                   .client_dh_bits_max = a.hello ? a.client.dh_bits_max : 0};
    struct tlsd_connect_result r;
    if (!o.json)
        tool_fit_stdout();
    tlsd_ignore_sigpipe(); /* a server that resets while libssl writes */
    rc = tlsd_connect_run(&co, &r);
    if (rc == 0 && o.json)
        report_json(&o, &a, &r);
    else if (rc == 0)
        report_text(&o, &a, &r);
    else
        tool_err("connect", "could not run (out of memory)");
    /* A handshake to a certificate that does not verify, or not for this name, is what a
     * real client refuses: not success, unless --no-verify. */
    bool ok = rc == 0 && r.status == TLSD_CONNECT_OK &&
              (o.no_verify || !r.chain_checked || (r.trusted && r.name_matches));
    tlsd_connect_result_free(&r);
    tlsd_target_list_free(&tl);
    free(a.hello);
    return rc < 0 ? TOOL_EXIT_ERROR : ok ? TOOL_EXIT_OK : TOOL_EXIT_PROBLEM;
}
