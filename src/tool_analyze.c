/* tlsdiag analyze: every TLS handshake in capture files, explained. The library does the
 * work (tlsdiag/analyze.h); this file parses options, filters and prints. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#include "tlsdiag/analyze.h"
#include "tool.h"
#include "tool_analyze.h"
#include "tool_analyze_events.h"

static const char help_text[] =
    "Usage: tlsdiag analyze [options] FILE...\n"
    "\n"
    "Read capture files (pcap, pcapng, also gzip-compressed; - for standard input,\n"
    "uncompressed) and explain every TLS connection in them: who talked to whom, what\n"
    "the client offered, what the server answered or how TCP ended, whether it worked\n"
    "and, if not, why, what to change and which Schannel events the Windows side logs\n"
    "for it. TLS is found by content on any port, also after STARTTLS. Summaries by\n"
    "outcome, client and server follow.\n"
    "\n"
    "Options:\n"
    "      --json           one JSON document: connections, files and summaries\n"
    "      --jsonl          one JSON object per connection, printed as it completes\n"
    "      --client ADDR    only connections from this client address\n"
    "      --server ADDR    only connections to this server address (ADDR or\n"
    "                       ADDR:PORT)\n"
    "      --failed         only failed handshakes\n"
    "      --no-summary     no summaries after the connections\n"
    "      --html FILE      also write one self-contained HTML page: a timeline by\n"
    "                       outcome, each connection with its ladder diagram, the\n"
    "                       summaries (the first 1000 connections listed)\n"
    "      --keylog FILE    TLS 1.3 secrets (SSLKEYLOGFILE format): read the\n"
    "                       encrypted handshake (CertificateRequest, certificates,\n"
    "                       the real alert)\n"
    "      --events FILE    pair each failed connection with the Schannel events of\n"
    "                       FILE (.evtx, Event XML, Get-WinEvent CSV/JSON) in the\n"
    "                       same second or two; text output\n"
    "      --clock-offset S the event log's clock minus the capture's, in seconds\n"
    "      --color          colour even when not on a terminal\n"
    "      --no-color       no colour (also when NO_COLOR is set)\n"
    "  -h, --help           this help\n"
    "\n"
    "\n"
    "Examples:\n"
    "  tlsdiag analyze printer.pcapng\n"
    "  tlsdiag analyze --failed --client 192.0.2.15 capture.pcap.gz\n"
    "  tlsdiag analyze --jsonl big.pcap | jq 'select(.outcome != \"success\")'\n"
    "  tcpdump -i eth0 -w - port 5012 | tlsdiag analyze --jsonl -\n"
    "\n"
    "Exit status: 0 every file read; 1 some file could not be read or was damaged\n"
    "(the rest was analysed); 2 usage error; 3 no file could be read.\n";

/* analyze's own options: the Schannel event log to pair with (tool_analyze_events.c) and
 * the TLS key log. */
struct events_opts {
    const char *file;
    double offset_s;
    const char *html; /* --html FILE */
};

static int parse_opts(int argc, char **argv, struct tool_conn_opts *o, struct events_opts *ev,
                      const char **keylog)
{
    static const struct option longopts[] = {{"events", required_argument, NULL, 'E'},
                                             {"clock-offset", required_argument, NULL, 'O'},
                                             {"keylog", required_argument, NULL, 'K'},
                                             {"html", required_argument, NULL, 'H'},
                                             TOOL_CONN_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    int c, rc;
    char *end;
    int nopt = tool_permute(argc, argv, "+h", longopts);
    while ((c = getopt_long(nopt, argv, "+h", longopts, NULL)) != -1) {
        if (c == 'K') {
            *keylog = optarg;
        } else if (c == 'H') {
            ev->html = optarg;
        } else if (c == 'E') {
            ev->file = optarg;
        } else if (c == 'O') {
            ev->offset_s = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(ev->offset_s)) {
                tool_err("analyze", "--clock-offset: '%s' is not a number of seconds", optarg);
                return -1;
            }
        } else if ((rc = tool_conn_option(c, "analyze", help_text, o)) != 0) {
            return rc;
        }
    }
    if (ev->file && o->format != TOOL_OUT_TEXT) {
        tool_err("analyze", "--events pairs connections in the text output (no --json/--jsonl)");
        return -1;
    }
    return 0;
}

struct progress {
    const char *path;
    off_t size;
};

static void show_progress(void *ctx, uint64_t bytes)
{
    const struct progress *p = ctx;
    if (p->size > 0)
        fprintf(stderr, "\ranalyze: %s %3d%% (%llu MB)", p->path,
                (int)(bytes * 100 / (uint64_t)p->size), (unsigned long long)(bytes >> 20));
    else
        fprintf(stderr, "\ranalyze: %s %llu MB", p->path, (unsigned long long)(bytes >> 20));
}

/* Reads one file; adds it to the JSON document's file list (and the HTML page's). Returns
 * 0 read, 1 damaged or interrupted (the frames before were analysed), 2 unreadable. */
static int one_file(struct tlsd_analyzer *a, const char *path, json_t *files,
                    struct tlsd_html_capture *html)
{
    char err[512] = "";
    uint64_t size;
    struct progress p = {.path = path, .size = tlsd_file_size(path, &size) ? size : 0};
    bool show = isatty(STDERR_FILENO) && p.size > (16 << 20);
    enum tlsd_caperr rc =
        tlsd_analyze_file(a, path, err, sizeof err, show ? show_progress : NULL, &p);
    if (show)
        fprintf(stderr, TLSD_TERM_CLEAR_LINE);
    json_t *f = json_object();
    json_object_set_new(f, "path", json_string(path));
    json_object_set_new(f, "status", json_string(tlsd_caperr_name(rc)));
    json_object_set_new(f, "error", rc == TLSD_CAPERR_OK ? json_null() : json_string(err));
    json_array_append_new(files, f);
    if (html)
        tlsd_html_capture_file(html, path, rc == TLSD_CAPERR_OK ? NULL : err);
    if (rc == TLSD_CAPERR_OK)
        return 0;
    tool_err("analyze", "%s: %s", path, err[0] ? err : tlsd_caperr_message(rc));
    return rc == TLSD_CAPERR_READ || rc == TLSD_CAPERR_INTERRUPTED ? 1 : 2;
}

int tool_analyze(int argc, char **argv)
{
    struct tool_conn_opts o = {.format = TOOL_OUT_TEXT, .server_port = -1};
    const char *keylog_path = NULL;
    struct events_opts ev = {0};
    struct tool_events_pairing pairing = {0};
    int rc = parse_opts(argc, argv, &o, &ev, &keylog_path);
    if (rc != 0)
        return rc > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    if (optind >= argc) {
        tool_err("analyze", "no capture file given");
        return TOOL_EXIT_USAGE;
    }
    if (o.format == TOOL_OUT_TEXT)
        tool_fit_stdout();
    o.color = tool_use_color(o.color_mode, stdout);
    /* On a terminal, or reading a pipe (tcpdump -w -): each connection as it completes. */
    o.flush_each = isatty(STDOUT_FILENO);
    for (int i = optind; i < argc; i++)
        o.flush_each |= strcmp(argv[i], "-") == 0;
    struct tlsd_analyze_config cfg = {.tcp = o.caps, .stop = &tool_stop_signal};
    char err[512];
    if (keylog_path && !(cfg.keylog = tlsd_keylog_load(keylog_path, err, sizeof err))) {
        tool_err("analyze", "--keylog: %s", err);
        return TOOL_EXIT_USAGE;
    }
    if (ev.file && tool_events_pairing_open(&pairing, &o, ev.file, ev.offset_s) < 0) {
        tlsd_keylog_free((struct tlsd_keylog *)cfg.keylog);
        return TOOL_EXIT_ERROR;
    }
    struct tlsd_analyzer *a = ev.file ? tlsd_analyzer_new(&cfg, tool_events_pairing_conn, &pairing)
                                      : tlsd_analyzer_new(&cfg, tool_conn_print, &o);
    json_t *files = json_array();
    if (ev.html)
        o.html = tlsd_html_capture_new();
    if (!a || !files || (ev.html && !o.html)) {
        tool_err("analyze", "out of memory");
        tlsd_keylog_free((struct tlsd_keylog *)cfg.keylog);
        return TOOL_EXIT_ERROR;
    }
    if (o.format == TOOL_OUT_JSON) {
        struct tlsd_strbuf b = {0};
        tlsd_analyze_document_start_json(&b, "tlsdiag analyze");
        tool_print_sb(&b);
    }
    int bad = 0, unreadable = 0, n = argc - optind;
    tool_catch_stop_signals();
    for (int i = optind; i < argc && !tool_stop_signal; i++) {
        int r = one_file(a, argv[i], files, o.html);
        bad += r != 0;
        unreadable += r == 2;
    }
    o.interrupted = tool_stop_signal != 0;
    if (o.format == TOOL_OUT_JSON || unreadable < n) /* nothing to sum up otherwise */
        tool_conn_finish(&o, a, files);
    if (ev.file)
        tool_events_pairing_print(&pairing, ev.file);
    bool html_failed = false;
    if (o.html) {
        struct tlsd_strbuf b = {0};
        if (tlsd_html_capture_render(&b, o.html, a) < 0)
            b.failed = true;
        html_failed = tool_write_html("analyze", ev.html, &b) < 0;
        tlsd_html_capture_free(o.html);
    }
    tool_events_pairing_free(&pairing);
    tlsd_analyzer_free(a);
    tlsd_keylog_free((struct tlsd_keylog *)cfg.keylog);
    json_decref(files);
    if (html_failed)
        return TOOL_EXIT_ERROR;
    if (o.interrupted)
        return TOOL_EXIT_INTERRUPTED;
    if (unreadable == n)
        return TOOL_EXIT_ERROR;
    return bad ? TOOL_EXIT_PROBLEM : TOOL_EXIT_OK;
}
