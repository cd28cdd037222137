/* tlsdiag connect: one real handshake with a server, by the local OpenSSL or with
 * another client's ClientHello (--as), explained. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/opensslv.h>

#include "platform.h"

#include "tlsdiag/connect.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"
#include "tool.h"

#define CONNECT_TIMEOUT_DEFAULT_MS 8000u          /* --timeout */
#define CONNECT_TIMEOUT_MAX_MS     (3600u * 1000) /* an hour */

static const char help_text[] =
    "Usage: tlsdiag connect HOST[:PORT] [options]\n"
    "\n"
    "One real handshake with a server, made by the local OpenSSL (like openssl\n"
    "s_client, or Invoke-WebRequest to an address with the real host name): version,\n"
    "suite, group, ALPN, the certificate chain with its verification and the\n"
    "host-name check; on failure the cause (alert received, reset, no answer)\n"
    "explained.\n"
    "\n"
    "With --as PROFILE it sends another client's ClientHello instead: the captured\n"
    "hello of a built-in client (the 162 testssl clients) or of a profile given as\n"
    "hex, else one built from the profile (versions, suites, groups, signature\n"
    "schemes, real key shares), and reports what the server answered: ServerHello\n"
    "version, suite and group, or the alert or reset, and why. With --server PROFILE\n"
    "(what you believe the server runs) it shows the model's prediction next to the\n"
    "answer.\n"
    "\n"
    "Options:\n"
    "      --sni NAME         server_name to send and check the certificate against\n"
    "                         (default: HOST unless it is an address)\n"
    "      --as PROFILE       send this client's hello (built-in name, file, hex:...;\n"
    "                         builtin:NAME or ./NAME when a file has a built-in's\n"
    "                         name)\n"
    "      --server PROFILE   the server's profile, for the model's prediction (--as)\n"
    "      --server-scan FILE a saved 'tlsdiag scan --json' of the server, as its\n"
    "                         profile\n"
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
    struct tlsd_connect_report rep = {.target = o->target,
                                      .client = a->hello ? &a->client : NULL,
                                      .captured = a->captured,
                                      .hello_len = a->hello_len,
                                      .server = a->have_server ? &a->server : NULL,
                                      .n_fixes = o->n_fixes,
                                      .color = tool_use_color(o->color, stdout)};
    struct tlsd_strbuf b = {0};
    if (tlsd_connect_report_text(&rep, r, &b) < 0)
        tool_err("connect", "out of memory");
    tool_print_sb(&b);
}

static void report_json(const struct opts *o, const struct as_client *a,
                        const struct tlsd_connect_result *r)
{
    json_t *j = tlsd_connect_result_to_json(r);
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
        json_object_set_new(j, "agree", json_boolean(tlsd_connect_agrees(&p, r)));
        if (!p.ok && o->n_fixes > 0) {
            json_t *sf = tlsd_fixes_to_json(&a->client, &a->server, TLSD_SIDE_SERVER, o->n_fixes);
            json_object_set_new(j, "server_fixes", sf ? sf : json_null());
        }
    }
    tool_print_json(j);
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
    bool ok = rc == 0 && tlsd_connect_succeeded(&r) &&
              (o.no_verify || !r.chain.checked || (r.chain.trusted && r.chain.name_matches));
    tlsd_connect_result_free(&r);
    tlsd_target_list_free(&tl);
    free(a.hello);
    return rc < 0 ? TOOL_EXIT_ERROR : ok ? TOOL_EXIT_OK : TOOL_EXIT_PROBLEM;
}
