/* tlsdiag serve: stand in for a server. Listens, negotiates as the server profile would
 * (local libssl), and prints per client what it offered, the model's prediction, what
 * really happened and, on a failure, the fixes on either side. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform.h"

#include "tlsdiag/fingerprint.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/serve.h"
#include "tlsdiag/textout.h"
#include "tool.h"

static const char help_text[] =
    "Usage: tlsdiag serve --profile PROFILE [--port N] [options]\n"
    "\n"
    "A TLS server that negotiates as PROFILE would (versions, suites and their order,\n"
    "server or client preference, groups, certificate key type), with the local\n"
    "OpenSSL. Every ClientHello is recorded; for each client it prints what the\n"
    "client offered, what the model predicts ('tlsdiag match'), what really happened\n"
    "and, on a failure, the fixes on either side. Point a printer at it before\n"
    "changing the real server. A profile that resets on no match (Windows) resets the\n"
    "TCP connection instead of sending an alert, as Schannel does. Suites the local\n"
    "OpenSSL cannot serve (3DES, RC4 in OpenSSL 3) are listed at start-up.\n"
    "\n"
    "Options:\n"
    "  -p, --profile PROFILE     the server profile (built-in name, file, inline\n"
    "                            text; builtin:NAME or ./NAME when a file has a\n"
    "                            built-in's name)\n"
    "      --port N              port to listen on (default 4433; 0 = any free port)\n"
    "      --bind ADDR           address to listen on (default 0.0.0.0)\n"
    "      --cert FILE           certificate chain (PEM) instead of a generated one\n"
    "      --key FILE            its private key (PEM; default: in --cert)\n"
    "      --record-only         record the hello, answer handshake_failure\n"
    "      --max-clients N       simultaneous clients (default 256); past it the\n"
    "                            client waiting longest without a whole ClientHello\n"
    "                            is evicted, or with none such the new one is reset\n"
    "      --max-per-address N   the same per client IP address (default 32)\n"
    "      --hello-timeout T     time limit until the ClientHello is whole (default\n"
    "                            5s)\n"
    "      --handshake-timeout T time limit of a handshake (default 10s)\n"
    "      --idle-timeout T      close a connection this long after its handshake\n"
    "                            (default 30s)\n"
    "      --max-bytes SIZE      bytes read from one client at most (default 256K)\n"
    "      --count N             stop after N clients (default: run until\n"
    "                            interrupted)\n"
    "      --fixes N             fixes to show per side on a failure (default 3)\n"
    "      --user USER           when started as root: the user to switch to once the\n"
    "                            port is open and the key loaded (default nobody)\n"
    "      --json                one JSON array of every client, each written as it\n"
    "                            is known (the array is closed when serve stops)\n"
    "      --jsonl               one JSON object per client, as each one is known\n"
    "      --color, --no-color   colour on / off (default: on a terminal)\n"
    "  -h, --help                this help\n"
    "  T: 500ms, 5s, 1m; a bare number is seconds. SIZE: bytes, or with K, M, G.\n"
    "\n"
    "Examples:\n"
    "  tlsdiag serve --profile windows-2025 --port 443\n"
    "  tlsdiag serve --profile windows-2022-23h2 --port 5012 --record-only --jsonl\n"
    "\n"
    "The listening address and what cannot be served are written to stderr.\n"
    "Exit status: 0 stopped by a signal or after --count clients; 2 usage error;\n"
    "3 could not start (profile, certificate, port).\n";

struct opts {
    struct tlsd_serve_opts s;
    const char *profile, *user;
    size_t n_fixes;
    bool json, jsonl;
    enum tool_color_mode color;
};

#define SERVE_CLIENTS_MAX           100000u             /* --max-clients, --max-per-address */
#define SERVE_HANDSHAKE_TIME_MAX_MS (3600u * 1000)      /* --hello-, --handshake-timeout */
#define SERVE_IDLE_TIME_MAX_MS      (86400u * 1000)     /* --idle-timeout */
#define SERVE_BYTES_MAX             ((uint64_t)1 << 30) /* --max-bytes */
#define SERVE_COUNT_MAX             1000000u            /* --count */

struct run {
    const struct opts *o;
    const struct tlsd_profile *server;
    size_t n_json; /* --json: clients written so far (the array is streamed) */
    bool color, failed;
    struct tlsd_serve_setup setup; /* what the local OpenSSL cannot serve */
    struct tlsd_serve_summary sum;
};

/* A count option from min to max into *out; false (said on stderr) otherwise. */
static bool count_opt(const char *opt, uint64_t min, uint64_t max, unsigned *out)
{
    uint64_t v;
    if (tool_parse_number("serve", opt, optarg, min, max, &v) < 0)
        return false;
    *out = (unsigned)v;
    return true;
}

/* A duration option (a bare number is seconds) up to max_ms, in milliseconds. */
static bool ms_opt(const char *opt, uint64_t max_ms, unsigned *out)
{
    uint64_t v;
    if (tool_parse_duration("serve", opt, optarg, TOOL_UNIT_S, 1, max_ms, &v) < 0)
        return false;
    *out = (unsigned)v;
    return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"profile", required_argument, NULL, 'p'},
                                             {"port", required_argument, NULL, 'P'},
                                             {"bind", required_argument, NULL, 'b'},
                                             {"cert", required_argument, NULL, 'c'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"record-only", no_argument, NULL, 'r'},
                                             {"max-clients", required_argument, NULL, 'm'},
                                             {"max-per-address", required_argument, NULL, 'A'},
                                             {"hello-timeout", required_argument, NULL, 'H'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"handshake-timeout", required_argument, NULL, 't'},
                                             {"idle-timeout", required_argument, NULL, 'i'},
                                             {"max-bytes", required_argument, NULL, 'B'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"fixes", required_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"jsonl", no_argument, NULL, 'l'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c;
    bool bad = false;
    unsigned n = 0;
    uint64_t v = 0;
    int nopt = tool_permute(argc, argv, "+p:h", longopts);
    while ((c = getopt_long(nopt, argv, "+p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->profile = optarg;
            break;
        case 'P':
            bad |= !count_opt("--port", 0, 65535, &n);
            o->s.port = (uint16_t)n;
            break;
        case 'b':
            o->s.bind = optarg;
            break;
        case 'c':
            o->s.cert_file = optarg;
            break;
        case 'k':
            o->s.key_file = optarg;
            break;
        case 'r':
            o->s.record_only = true;
            break;
        case 'm':
            bad |= !count_opt("--max-clients", 1, SERVE_CLIENTS_MAX, &o->s.max_clients);
            break;
        case 'A':
            bad |= !count_opt("--max-per-address", 1, SERVE_CLIENTS_MAX, &o->s.max_per_address);
            break;
        case 'H':
            bad |= !ms_opt("--hello-timeout", SERVE_HANDSHAKE_TIME_MAX_MS, &o->s.hello_timeout_ms);
            break;
        case 'u':
            o->user = optarg;
            break;
        case 't':
            bad |= !ms_opt("--handshake-timeout", SERVE_HANDSHAKE_TIME_MAX_MS,
                           &o->s.handshake_timeout_ms);
            break;
        case 'i':
            bad |= !ms_opt("--idle-timeout", SERVE_IDLE_TIME_MAX_MS, &o->s.idle_timeout_ms);
            break;
        case 'B':
            bad |= tool_parse_size("serve", "--max-bytes", optarg, 1, SERVE_BYTES_MAX, &v) < 0;
            o->s.max_bytes = (size_t)v;
            break;
        case 'n':
            bad |= !count_opt("--count", 0, SERVE_COUNT_MAX, &o->s.count);
            break;
        case 'f':
            bad |= tool_parse_fixes("serve", optarg, &o->n_fixes) < 0;
            break;
        case 'j':
            o->json = true;
            break;
        case 'l':
            o->jsonl = true;
            break;
        default: {
            int r = tool_common_option(c, help_text, &o->color);
            if (r != 0)
                return r;
        }
        }
    }
    if (bad) /* the value's parser said why */
        return -1;
    if (optind < argc || !o->profile || (o->json && o->jsonl)) {
        tool_err("serve", "%s",
                 !o->profile     ? "--profile is required"
                 : optind < argc ? "unexpected operand (serve takes options only)"
                                 : "--json and --jsonl: one or the other");
        return -1;
    }
    return 0;
}

/* ---- callbacks ---------------------------------------------------------------------- */

/* --json: the array is written as clients are known, so serve keeps no record of a client
 * once it is out (a long run's memory stays flat); the same text jansson would write for the
 * whole array. */
static void json_array_item(struct run *r, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
    if (!text) {
        r->failed = true;
        return;
    }
    fputs(r->n_json++ ? ",\n  " : "[\n  ", stdout);
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n')
            fputs("  ", stdout);
    }
    fflush(stdout);
    free(text);
}

static void on_client(void *ctx, const struct tlsd_serve_client *c)
{
    struct run *r = ctx;
    tlsd_serve_summary_add(&r->sum, c);
    struct tlsd_serve_render how = {
        .setup = &r->setup, .server = r->server, .n_fixes = r->o->n_fixes, .color = r->color};
    if (!r->o->json && !r->o->jsonl) {
        struct tlsd_strbuf b = {0};
        if (tlsd_serve_client_text(c, &how, &b) < 0)
            tool_err("serve", "out of memory");
        tool_print_sb(&b);
        fflush(stdout);
        return;
    }
    json_t *j = tlsd_serve_client_json(c, &how);
    if (r->o->json)
        json_array_item(r, j);
    else {
        json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(4));
        putchar('\n');
        fflush(stdout);
    }
    json_decref(j);
}

static void on_ready(void *ctx, const char *addr, uint16_t port,
                     const struct tlsd_serve_setup *setup)
{
    struct run *r = ctx;
    r->setup = *setup;
    fprintf(stderr, "tlsdiag serve: listening on %s port %u as %s%s\n", addr, (unsigned)port,
            r->server->name, r->o->s.record_only ? " (record only)" : "");
    for (size_t i = 0; i < setup->n_certs; i++)
        fprintf(stderr, "  certificate: %s\n", setup->certs[i]);
    if (setup->n_unservable) {
        fprintf(stderr,
                "  the local OpenSSL cannot serve %zu of the profile's suites "
                "(clients needing only these are refused, unlike the real server):\n",
                setup->n_unservable);
        for (size_t i = 0; i < setup->n_unservable; i++)
            fprintf(stderr, "    %s\n", tlsd_suite_code_name(setup->unservable[i]));
    }
    for (unsigned bit = 1; bit <= TLSD_V_TLS13; bit <<= 1)
        if (setup->unservable_versions & bit)
            fprintf(stderr, "  the local OpenSSL cannot serve %s\n",
                    tlsd_version_code_name(tlsd_version_of_bit(bit)));
    for (size_t i = 0; i < setup->n_unservable_groups; i++)
        fprintf(stderr, "  the local OpenSSL does not know group %s\n",
                tlsd_group_code_name(setup->unservable_groups[i]));
    for (size_t i = 0; i < setup->n_notes; i++)
        fprintf(stderr, "  note: %s\n", setup->notes[i]);
    fflush(stderr);
    /* The port is open and the key loaded: root is no longer needed (as watch does). */
    if (tool_drop_privileges("serve", r->o->user) != 0) {
        r->failed = true;
        raise(SIGTERM); /* the loop stops as on a signal; tool_serve reports the failure */
    }
}

int tool_serve(int argc, char **argv)
{
    struct opts o = {.n_fixes = 3};
    tlsd_serve_opts_default(&o.s);
    o.s.port = 4433;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    static struct tlsd_profile server;
    struct tlsd_profile_err perr;
    if (tlsd_profile_load(o.profile, TLSD_SIDE_SERVER, &server, &perr) < 0) {
        tool_err("serve", "%s: %s", o.profile, perr.msg);
        return TOOL_EXIT_ERROR;
    }
    tool_note("serve", perr.note);
    o.s.profile = &server;
    if (!o.json && !o.jsonl)
        tool_fit_stdout();
    struct run r = {.o = &o, .server = &server, .color = tool_use_color(o.color, stdout)};
    char err[256];
    tlsd_ignore_sigpipe();
    if (tlsd_serve_run(&o.s, on_ready, on_client, &r, err, sizeof err) < 0) {
        tool_err("serve", "%s", err);
        return TOOL_EXIT_ERROR;
    }
    if (o.json)
        fputs(r.n_json ? "\n]\n" : "[]\n", stdout);
    else if (!o.jsonl) {
        struct tlsd_strbuf b = {0};
        tlsd_serve_summary_text(&r.sum, &b);
        tool_print_sb(&b);
    }
    return r.failed ? TOOL_EXIT_ERROR : TOOL_EXIT_OK;
}
