/* tlsdiag match: predict whether a client talks to a server, and the smallest safe
 * change on either side that makes it work. Matrix mode: many clients x many servers. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "platform.h"

#include "tlsdiag/analyze.h"
#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/report_html.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/target.h"
#include "tool.h"

#define MAX_SIDES 512

static const char help_text[] =
    "Usage: tlsdiag match --client PROFILE --server PROFILE [options]\n"
    "       tlsdiag match (--client P ... | --clients-from FAMILY)\n"
    "                     (--server P ... | --servers LIST) [options]\n"
    "\n"
    "Predicts the handshake between a client and a server without touching either:\n"
    "the version, suite and group they agree on, or why it fails (no common version,\n"
    "no common suite, certificate type, group, signature scheme, client refuses),\n"
    "the alert or reset and the Schannel events the admin will see; then the fewest\n"
    "changes on each side that make it work, secure ones first, with the exact\n"
    "PowerShell, registry, GPO, OpenSSL, nginx or Apache settings.\n"
    "\n"
    "PROFILE is a built-in name ('tlsdiag profiles' lists them), a file (profile\n"
    "format, nginx/Apache lines, Get-TlsCipherSuite output, ClientHello hex, suite\n"
    "list, a saved 'tlsdiag scan --json' for the server side), or inline text with\n"
    "a prefix: hex:..., openssl:..., gpo:..., list:..., nginx:..., apache:...,\n"
    "ps:FILE, scan:FILE, file:FILE, capture:FILE[#STREAM|@CLIENT] (a client's\n"
    "ClientHello from a pcap/pcapng capture: the first, TCP stream N, or the first\n"
    "from a client address; a capture file is also recognised without the prefix).\n"
    "A server may also be HOST:PORT: it is scanned first (as 'tlsdiag scan' does).\n"
    "builtin:NAME is always the built-in and ./NAME (any path with a '/') always the\n"
    "file; a bare NAME that is both is the built-in, with a note on stderr.\n"
    "\n"
    "Options:\n"
    "  -c, --client PROFILE   the client (repeat for a matrix)\n"
    "  -s, --server PROFILE   the server (repeat for a matrix)\n"
    "      --clients-from F   every built-in client of family F (testssl, windows,\n"
    "                         dotnet, openssl, java), or capture:FILE for every\n"
    "                         client address that sent a ClientHello in a capture\n"
    "      --servers LIST     comma list of server profiles, e.g.\n"
    "                         windows-2016,windows-2019,windows-2022,windows-2025\n"
    "      --fixes N          fixes to show per side (default 3; 0 = none)\n"
    "      --versions V       the versions of a profile whose input names none\n"
    "                         (Get-TlsCipherSuite output, gpo:, list:): a list such\n"
    "                         as TLSv1.2,TLSv1.3, or a built-in profile whose\n"
    "                         versions to take, e.g. windows-2019; without it (or a\n"
    "                         'versions =' line in the input) the report names the\n"
    "                         versions assumed\n"
    "      --json             JSON output\n"
    "      --html FILE        also write the matrix as one self-contained HTML page:\n"
    "                         a heat map whose cells open to the reason and first fix\n"
    "      --color, --no-color accepted by every command; match has no colour\n"
    "  -h, --help             this help\n"
    "\n"
    "Examples:\n"
    "  tlsdiag match --client printer.profile --server windows-2022\n"
    "  tlsdiag match -c list:TLS_RSA_WITH_3DES_EDE_CBC_SHA -s windows-2025\n"
    "  tlsdiag match --client printer.pcap --server printserver.example.com:5012\n"
    "  tlsdiag match --clients-from testssl --servers windows-2019,windows-2025\n"
    "\n"
    "Exit status: 0 every handshake succeeds; 1 some handshake fails (predicted);\n"
    "2 usage error; 3 a profile could not be read.\n";

struct opts {
    const char *clients[MAX_SIDES], *servers[MAX_SIDES];
    size_t n_clients, n_servers;
    size_t n_fixes;
    const char *versions; /* --versions: for profiles whose input names none */
    const char *html;     /* --html FILE */
    bool json;
    bool matrix;
    char *owned[MAX_SIDES]; /* client specs made for --clients-from capture:FILE */
    size_t n_owned;
};

static void free_opts(struct opts *o)
{
    for (size_t i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    free(o);
}

/* ---- text ------------------------------------------------------------------- */

static int report_pair(const struct tlsd_profile *c, const struct tlsd_profile *s,
                       const struct opts *o)
{
    struct tlsd_outcome out;
    tlsd_negotiate(c, s, &out);
    struct tlsd_strbuf b = {0};
    int rc = tlsd_pair_text(c, s, &out, o->n_fixes, &b);
    tool_print_sb(&b);
    return rc < 0 ? -1 : out.ok ? 0 : 1;
}

static int run_matrix(struct tlsd_profile *cs, size_t nc, struct tlsd_profile *ss, size_t ns,
                      const struct opts *o)
{
    struct tlsd_outcome *out = calloc(nc * ns, sizeof *out);
    if (!out)
        return -1;
    size_t fails = 0;
    for (size_t i = 0; i < nc * ns; i++) {
        tlsd_negotiate(&cs[i / ns], &ss[i % ns], &out[i]);
        fails += !out[i].ok;
    }
    int rc = fails ? 1 : 0;
    if (o->html) {
        struct tlsd_strbuf b = {0};
        if (tlsd_html_match(&b, cs, nc, ss, ns, out) < 0)
            b.failed = true;
        if (tool_write_html("match", o->html, &b) < 0)
            rc = -2;
    }
    struct tlsd_matrix m = {cs, nc, ss, ns, out};
    if (o->json) {
        tool_print_json(tlsd_matrix_json(&m, o->n_fixes));
    } else {
        struct tlsd_strbuf b = {0};
        tlsd_matrix_text(&m, tool_term_width(), &b);
        tool_print_sb(&b);
    }
    free(out);
    return rc;
}

/* ---- options and loading ------------------------------------------------------- */

struct seen {
    struct opts *o;
    const char *file;
};

/* One client per distinct address that sent a ClientHello in the capture. */
static void on_capture_conn(void *ctx, const struct tlsd_conn *c)
{
    struct seen *sn = ctx;
    struct opts *o = sn->o;
    if (!c->has_ch || o->n_clients >= MAX_SIDES || o->n_owned >= MAX_SIDES)
        return;
    for (size_t i = 0; i < o->n_owned; i++) {
        const char *at = strrchr(o->owned[i], '@');
        if (at && strcmp(at + 1, c->client) == 0)
            return;
    }
    char *spec = NULL;
    if (asprintf(&spec, "capture:%s@%s", sn->file, c->client) < 0)
        return;
    o->owned[o->n_owned++] = spec;
    o->clients[o->n_clients++] = spec;
}

static int add_capture_clients(struct opts *o, const char *file)
{
    size_t before = o->n_clients;
    struct seen sn = {o, file};
    struct tlsd_analyze_config cfg = {0};
    struct tlsd_analyzer *a = tlsd_analyzer_new(&cfg, on_capture_conn, &sn);
    if (!a)
        return -1;
    char err[256];
    enum tlsd_caperr ce = tlsd_analyze_file(a, file, err, sizeof err, NULL, NULL);
    tlsd_analyzer_free(a);
    if (ce != TLSD_CAPERR_OK)
        tool_err("match", "%s: %s", file, err);
    return o->n_clients > before ? 0 : -1;
}

static int add_family(struct opts *o, const char *family)
{
    if (strncmp(family, "capture:", 8) == 0)
        return add_capture_clients(o, family + 8);
    size_t before = o->n_clients;
    for (size_t i = 0; i < tlsd_builtin_profile_count() && o->n_clients < MAX_SIDES; i++) {
        const struct tlsd_builtin_profile *b = tlsd_builtin_profile_at(i);
        if (strcmp(b->family, family) == 0)
            o->clients[o->n_clients++] = b->name;
    }
    return o->n_clients > before ? 0 : -1;
}

static int add_servers(struct opts *o, char *list)
{
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (o->n_servers >= MAX_SIDES)
            return -1;
        o->servers[o->n_servers++] = t;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"client", required_argument, NULL, 'c'},
                                             {"server", required_argument, NULL, 's'},
                                             {"clients-from", required_argument, NULL, 'C'},
                                             {"servers", required_argument, NULL, 'S'},
                                             {"fixes", required_argument, NULL, 'n'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"versions", required_argument, NULL, 'V'},
                                             {"html", required_argument, NULL, 'H'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c;
    int nopt = tool_permute(argc, argv, "+c:s:h", longopts);
    while ((c = getopt_long(nopt, argv, "+c:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (o->n_clients >= MAX_SIDES)
                return -1;
            o->clients[o->n_clients++] = optarg;
            break;
        case 's':
            if (o->n_servers >= MAX_SIDES)
                return -1;
            o->servers[o->n_servers++] = optarg;
            break;
        case 'C':
            if (add_family(o, optarg) < 0) {
                tool_err("match", "no built-in profiles of family '%s'", optarg);
                return -1;
            }
            o->matrix = true;
            break;
        case 'S':
            if (add_servers(o, optarg) < 0)
                return -1;
            o->matrix = true;
            break;
        case 'n':
            if (tool_parse_fixes("match", optarg, &o->n_fixes) < 0)
                return -1;
            break;
        case 'j':
            o->json = true;
            break;
        case 'V':
            o->versions = optarg;
            break;
        case 'H':
            o->html = optarg;
            break;
        default: {
            enum tool_color_mode color; /* accepted; the verdicts have no colour */
            int r = tool_common_option(c, help_text, &color);
            if (r != 0)
                return r;
        }
        }
    }
    if (optind < argc || o->n_clients == 0 || o->n_servers == 0) {
        tool_err("match", "need at least one --client and one --server");
        return -1;
    }
    return 0;
}

/* A server given as HOST:PORT ([v6]:PORT): not a file, and the part after the last
 * colon a port number. A suite list or cipher string never ends that way. */
static bool is_live_server(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    uint64_t size;
    if (!colon || colon == spec || !colon[1] || strlen(colon + 1) > 5 ||
        tlsd_file_size(spec, &size))
        return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    long port = strtol(colon + 1, NULL, 10);
    return port > 0 && port <= 65535 && !strpbrk(spec, " ,;=");
}

/* Scans the server now (tlsdiag scan with its defaults) and reads the result as a saved
 * scan would be read. */
static int load_live(const char *spec, struct tlsd_profile *p, struct tlsd_profile_err *err)
{
    struct tlsd_target_list t = {0};
    char e[256];
    if (tlsd_target_parse(spec, 443, TLSD_STARTTLS_NONE, &t, e, sizeof e) < 0 || t.n != 1) {
        snprintf(err->msg, sizeof err->msg, "%s", t.n > 1 ? "one server, not a range" : e);
        tlsd_target_list_free(&t);
        return -1;
    }
    struct tlsd_scan_opts so;
    tlsd_scan_opts_default(&so);
    struct tlsd_scan_result r = {0};
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "match: scanning %s ...", spec);
    int rc = tlsd_scan_run(&t, &so, &r, NULL, NULL, NULL);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, TLSD_TERM_CLEAR_LINE);
    if (rc == 0 && r.error[0]) {
        snprintf(err->msg, sizeof err->msg, "could not scan it: %.200s", r.error);
        tlsd_scan_result_free(&r);
        tlsd_target_list_free(&t);
        return -1;
    }
    rc = rc == 0 ? tlsd_profile_from_scan(&r, p, err)
                 : (snprintf(err->msg, sizeof err->msg, "the scan could not run"), -1);
    tlsd_scan_result_free(&r);
    tlsd_target_list_free(&t);
    return rc;
}

/* A saved scan is named by its file (before.json, after.json), not "scan of ADDRESS": two
 * scans of one server stay apart in the matrix and the report. */
static void name_by_file(struct tlsd_profile *p, const char *spec)
{
    if (strncmp(p->name, "scan of ", 8) != 0 || !tlsd_is_regular_file(spec))
        return;
    const char *base = strrchr(spec, '/');
    snprintf(p->name, sizeof p->name, "%s", base ? base + 1 : spec);
}

static struct tlsd_profile *load_all(const char *const *specs, size_t n, enum tlsd_side side,
                                     const char *versions)
{
    struct tlsd_profile *v = calloc(n, sizeof *v);
    if (!v) {
        tool_err("match", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct tlsd_profile_err err = {.note = ""};
        bool builtin = tlsd_profile_spec_builtin(specs[i]) != NULL;
        int rc = !builtin && side == TLSD_SIDE_SERVER && is_live_server(specs[i])
                     ? load_live(specs[i], &v[i], &err)
                     : tlsd_profile_load(specs[i], side, &v[i], &err);
        if (rc == 0 && versions && v[i].versions_assumed)
            rc = tlsd_profile_set_versions(&v[i], versions, &err);
        if (rc < 0) {
            tool_err("match", "%s '%s': %s", tlsd_side_name(side), specs[i], err.msg);
            free(v);
            return NULL;
        }
        tool_note("match", err.note);
        name_by_file(&v[i], specs[i]);
    }
    return v;
}

/* Two saved scans of one server given one after the other (--server before.json --server
 * after.json): what changed between them, as scan --diff shows it. */
static void print_scan_changes(const char *a, const char *b)
{
    json_t *da = json_load_file(a, 0, NULL), *db = da ? json_load_file(b, 0, NULL) : NULL;
    const json_t *ta = json_array_get(json_object_get(da, "targets"), 0);
    const json_t *tb = json_array_get(json_object_get(db, "targets"), 0);
    const char *na = json_string_value(json_object_get(ta, "target"));
    const char *nb = json_string_value(json_object_get(tb, "target"));
    if (na && nb && strcmp(na, nb) == 0) {
        struct tlsd_strbuf s = {0};
        json_t *changes = tlsd_scan_diff(ta, tb);
        tlsd_sb_printf(&s, "\nWhat changed on %s between %s and %s:\n", na, a, b);
        tlsd_scan_diff_text(changes, &s);
        json_decref(changes);
        tool_print_sb(&s);
    }
    json_decref(da);
    json_decref(db);
}

int tool_match(int argc, char **argv)
{
    struct opts *o = calloc(1, sizeof *o);
    if (!o)
        return TOOL_EXIT_ERROR;
    o->n_fixes = 3;
    int rc = parse_opts(argc, argv, o);
    if (rc != 0) {
        free_opts(o);
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    }
    if (!o->json)
        tool_fit_stdout();
    struct tlsd_profile *cs = load_all(o->clients, o->n_clients, TLSD_SIDE_CLIENT, o->versions);
    struct tlsd_profile *ss =
        cs ? load_all(o->servers, o->n_servers, TLSD_SIDE_SERVER, o->versions) : NULL;
    if (!cs || !ss) {
        free(cs);
        free_opts(o);
        return TOOL_EXIT_ERROR;
    }
    if (o->matrix || o->n_clients > 1 || o->n_servers > 1) {
        rc = run_matrix(cs, o->n_clients, ss, o->n_servers, o);
    } else if (o->json) {
        struct tlsd_outcome out;
        tlsd_negotiate(&cs[0], &ss[0], &out);
        json_t *j = tlsd_pair_json(&cs[0], &ss[0], &out, o->n_fixes);
        tool_print_json(j);
        rc = out.ok ? 0 : 1;
    } else {
        rc = report_pair(&cs[0], &ss[0], o);
    }
    if (!o->json && rc >= 0)
        for (size_t k = 0; k + 1 < o->n_servers; k++)
            print_scan_changes(o->servers[k], o->servers[k + 1]);
    if (rc >= 0 && o->html && !(o->matrix || o->n_clients > 1 || o->n_servers > 1)) {
        struct tlsd_outcome out;
        struct tlsd_strbuf b = {0};
        tlsd_negotiate(&cs[0], &ss[0], &out);
        if (tlsd_html_match(&b, cs, 1, ss, 1, &out) < 0)
            b.failed = true;
        if (tool_write_html("match", o->html, &b) < 0)
            rc = -2;
    }
    free(cs);
    free(ss);
    free_opts(o);
    if (rc == -2) /* the HTML file could not be written (said) */
        return TOOL_EXIT_ERROR;
    if (rc < 0) {
        tool_err("match", "out of memory");
        return TOOL_EXIT_ERROR;
    }
    return fflush(stdout) == 0 ? rc : TOOL_EXIT_ERROR;
}
