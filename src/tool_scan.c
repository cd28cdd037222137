/* tlsdiag scan: everything a server accepts, rendered as text or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

#include "tlsdiag/json.h"
#include "tlsdiag/report_html.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"
#include "tool.h"

/* A target list larger than this is refused rather than read in part. */
#define MAX_TARGET_LIST            (64u * 1024 * 1024)
#define SCAN_TIMEOUT_MAX_MS        3600000u  /* --timeout: an hour per probe */
#define SCAN_TARGET_TIMEOUT_MAX_MS 86400000u /* --target-timeout: a day per target */
#define SCAN_COUNT_MAX             10000000u /* --concurrency, --per-target, --rate */
#define SCAN_RETRIES_MAX           100u

static const char help_text[] =
    "Usage: tlsdiag scan [options] TARGET...\n"
    "\n"
    "Find every protocol version, cipher suite (out of the whole IANA registry, not\n"
    "just what the local OpenSSL knows), the server's order, groups, signature\n"
    "schemes, certificates and TLS features a server accepts. Hellos are built by\n"
    "tlsdiag, so versions and suites the local OpenSSL disabled are still found.\n"
    "\n"
    "TARGET: host, host:port, [v6addr]:port, an address range (192.0.2.0/28), or\n"
    "scheme://host:port with scheme smtp, imap, pop3, ftp, ldap, postgres or xmpp for\n"
    "STARTTLS. Port 443 unless given (or the STARTTLS protocol's port).\n"
    "\n"
    "Options:\n"
    "  -iL, --input-list FILE  read targets from FILE, one per line ('-' for stdin)\n"
    "  -p, --port N            default port for targets without one\n"
    "      --sni NAME          send NAME as server_name (test a server by address\n"
    "                          under its real name) and check the certificate for it\n"
    "      --no-sni            send no server_name\n"
    "      --starttls PROTO    STARTTLS first: smtp, imap, pop3, ftp, ldap, postgres,\n"
    "                          xmpp\n"
    "      --cafile FILE       verify certificates against FILE, not the system store\n"
    "      --json              one JSON document with every target\n"
    "                          (docs/scan-json.md)\n"
    "      --jsonl             one JSON object per target, per line, as each finishes\n"
    "      --diff OLD.json     after each target, what changed since that saved scan\n"
    "      --html FILE         also write the report as one self-contained HTML page\n"
    "      --timeout T         time limit per probe (default 5s; 500ms, 5s, 1m; a\n"
    "                          bare number is milliseconds)\n"
    "      --target-timeout T  time limit per target, not counting its waits for a\n"
    "                          free slot (default 2m; a bare number is seconds)\n"
    "      --concurrency N     probes in flight overall (default 64)\n"
    "      --per-target N      probes in flight per target (default 16, and 32 for\n"
    "                          a target whose answers come through latency and\n"
    "                          that limits nothing; given, N holds throughout)\n"
    "      --rate N            new connections per second at most (default: no limit)\n"
    "      --retries N         retries of a probe that timed out, failed to connect\n"
    "                          or was reset (default 1; a persisting reset is a\n"
    "                          refusal only when a known-good hello is answered right\n"
    "                          after)\n"
    "      --no-groups         skip the group enumeration\n"
    "      --no-sigalgs        skip the signature scheme enumeration\n"
    "      --no-features       skip the feature probes\n"
    "  -q, --quiet             no progress line\n"
    "      --color, --no-color colour on or off (default: on a terminal, unless\n"
    "                          NO_COLOR is set)\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 every target scanned; 1 some target could not be scanned (its\n"
    "error is in the report); 2 usage error; 3 could not run.\n";

struct opts {
    struct tlsd_scan_opts scan;
    bool json, jsonl, quiet;
    const char *diff; /* --diff: a saved scan to compare with */
    const char *html; /* --html FILE */
    enum tool_color_mode color;
    uint16_t port;
    enum tlsd_starttls starttls;
};

static void print_text(const struct tlsd_scan_result *r, bool color)
{
    struct tlsd_strbuf b = {0};
    tlsd_scan_result_render_text(&b, r, color, tool_term_width());
    tool_print_sb(&b);
}

struct run {
    struct opts *o;
    bool progress;       /* shown until every target is done, then cleared once */
    uint64_t started_ms; /* tlsd_now_ms when the scan started: the ETA's clock */
    const json_t *old;   /* --diff: the saved scan */
};

static json_t *target_json(const struct run *run, const struct tlsd_scan_result *r);

static void on_done(void *ctx, const struct tlsd_scan_result *r)
{
    struct run *run = ctx;
    if (run->o->jsonl) {
        json_t *j = target_json(run, r);
        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        fflush(stdout);
        json_decref(j);
    }
}

#define ETA_MIN_DONE  5u   /* targets finished before an ETA is shown */
#define ETA_MIN_MS    1000 /* and milliseconds elapsed: a rate from less says little */
#define PROGRESS_COLS 79u  /* the line fits 80 columns without wrapping */
#define SECS_PER_MIN  60u
#define SECS_PER_HOUR 3600u
#define ETA_MAX_HOURS 99u /* longer is shown as ">99h" */
#define MS_PER_S      1000u

/* "ETA 42s", "ETA 12m05s", "ETA 3h07m": the remaining targets at the rate seen so far. */
static void format_eta(char *buf, size_t size, uint64_t secs)
{
    if (secs >= (uint64_t)ETA_MAX_HOURS * SECS_PER_HOUR)
        snprintf(buf, size, ", ETA >%uh", ETA_MAX_HOURS);
    else if (secs >= SECS_PER_HOUR)
        snprintf(buf, size, ", ETA %uh%02um", (unsigned)(secs / SECS_PER_HOUR),
                 (unsigned)(secs % SECS_PER_HOUR / SECS_PER_MIN));
    else if (secs >= SECS_PER_MIN)
        snprintf(buf, size, ", ETA %um%02us", (unsigned)(secs / SECS_PER_MIN),
                 (unsigned)(secs % SECS_PER_MIN));
    else
        snprintf(buf, size, ", ETA %us", (unsigned)secs);
}

/* "scan: 1234/10000 targets, 98765 probes, ETA 5m12s", cut to PROGRESS_COLS; cleared at
 * the end. The ETA is left out until ETA_MIN_DONE targets and ETA_MIN_MS have passed. */
static void on_progress(void *ctx, size_t done, size_t total, unsigned probes)
{
    struct run *run = ctx;
    if (!run->progress)
        return;
    if (done == total) { /* probes of the last target may still report: one clear */
        fputs(TLSD_TERM_CLEAR_LINE, stderr);
        run->progress = false;
        return;
    }
    uint64_t elapsed = tlsd_now_ms() - run->started_ms;
    char eta[32] = "", line[PROGRESS_COLS + 1];
    if (done >= ETA_MIN_DONE && elapsed >= ETA_MIN_MS) {
        /* elapsed / done per target, for the targets not finished, rounded up to a second */
        uint64_t left_ms = elapsed * (uint64_t)(total - done) / done;
        format_eta(eta, sizeof eta, (left_ms + MS_PER_S - 1) / MS_PER_S);
    }
    snprintf(line, sizeof line, "scan: %zu/%zu targets, %u probes%s", done, total, probes, eta);
    fprintf(stderr, TLSD_TERM_CLEAR_LINE "%s", line);
}

static int read_list(const char *path, struct opts *o, struct tlsd_target_list *l)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : tlsd_fopen(path, "rb");
    if (!f) {
        tool_err("scan", "%s: %s", path, strerror(errno));
        return -1;
    }
    /* Read whole and decoded: a list saved on Windows is UTF-16 or CRLF text. */
    size_t len;
    char *text = tool_read_all(f, MAX_TARGET_LIST, &len);
    if (f != stdin)
        fclose(f);
    if (!text) {
        tool_err("scan", "%s: %s", path, strerror(errno));
        return -1;
    }
    char err[256];
    int rc = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (strspn(line, " \t") == strlen(line))
            continue;
        if (tlsd_target_parse(line, o->port, o->starttls, l, err, sizeof err) < 0) {
            tool_err("scan", "%s: %s", path, err);
            rc = -1;
        }
    }
    free(text);
    return rc;
}

/* A count option from min to max (tool_parse_number's message otherwise). */
static int parse_count(const char *name, const char *s, uint64_t min, uint64_t max, unsigned *out)
{
    uint64_t v;
    if (tool_parse_number("scan", name, s, min, max, &v) < 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* A duration option in milliseconds (bare numbers in the option's documented unit). */
static int parse_ms(const char *name, const char *s, enum tool_time_unit bare, uint64_t max_ms,
                    unsigned *out)
{
    uint64_t v;
    if (tool_parse_duration("scan", name, s, bare, 1, max_ms, &v) < 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* --diff: what changed since the saved scan of the same target, as the JSON record
 * {"file", "in_file": false} or {"file", "in_file": true, "changes": [...]}
 * (tlsd_scan_diff); NULL for a target that ended in an error. */
static json_t *diff_json(const json_t *old, const char *file, const struct tlsd_scan_result *r,
                         const json_t *now)
{
    if (r->error[0])
        return NULL;
    const json_t *ot = tlsd_scan_doc_target(old, r->target->input);
    json_t *d = json_pack("{s:s, s:b}", "file", file, "in_file", ot != NULL);
    if (d && ot)
        json_object_set_new(d, "changes", tlsd_scan_diff(ot, now));
    return d;
}

/* The target's JSON object, with "changes_since" under --diff. */
static json_t *target_json(const struct run *run, const struct tlsd_scan_result *r)
{
    json_t *j = tlsd_scan_result_json(r);
    json_t *d = run->old && j ? diff_json(run->old, run->o->diff, r, j) : NULL;
    if (d)
        json_object_set_new(j, "changes_since", d);
    return j;
}

static void print_diff(const json_t *d, const struct tlsd_scan_result *r)
{
    struct tlsd_strbuf b = {0};
    tlsd_scan_diff_section_text(d, r->target->input, &b);
    tool_print_sb(&b);
}

int tool_scan(int argc, char **argv)
{
    enum {
        O_SNI = 256,
        O_NOSNI,
        O_STARTTLS,
        O_CAFILE,
        O_JSON,
        O_JSONL,
        O_TIMEOUT,
        O_CONC,
        O_PERT,
        O_RATE,
        O_RETRIES,
        O_NOGROUPS,
        O_NOSIG,
        O_NOFEAT,
        O_IL,
        O_TTIMEOUT,
        O_DIFF,
        O_HTML
    };
    static const struct option longopts[] = {
        {"input-list", required_argument, NULL, O_IL},
        {"diff", required_argument, NULL, O_DIFF},
        {"port", required_argument, NULL, 'p'},
        {"sni", required_argument, NULL, O_SNI},
        {"no-sni", no_argument, NULL, O_NOSNI},
        {"starttls", required_argument, NULL, O_STARTTLS},
        {"cafile", required_argument, NULL, O_CAFILE},
        {"json", no_argument, NULL, O_JSON},
        {"jsonl", no_argument, NULL, O_JSONL},
        {"html", required_argument, NULL, O_HTML},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"concurrency", required_argument, NULL, O_CONC},
        {"per-target", required_argument, NULL, O_PERT},
        {"rate", required_argument, NULL, O_RATE},
        {"retries", required_argument, NULL, O_RETRIES},
        {"target-timeout", required_argument, NULL, O_TTIMEOUT},
        {"no-groups", no_argument, NULL, O_NOGROUPS},
        {"no-sigalgs", no_argument, NULL, O_NOSIG},
        {"no-features", no_argument, NULL, O_NOFEAT},
        {"quiet", no_argument, NULL, 'q'},
        TOOL_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    struct opts o = {.color = TOOL_COLOR_AUTO};
    tlsd_scan_opts_default(&o.scan);
    const char *lists[16];
    size_t n_lists = 0;
    unsigned port = 0;
    int c;
    /* nmap spells the list option -iL: accept it as a whole word too. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-iL") == 0)
            argv[i] = "--input-list";
    int nopt = tool_permute(argc, argv, "p:qh", longopts);
    while ((c = getopt_long(nopt, argv, "+p:qh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_IL:
            if (n_lists < 16)
                lists[n_lists++] = optarg;
            break;
        case 'p':
            bad = parse_count("--port", optarg, 1, 65535, &port);
            o.port = (uint16_t)port;
            break;
        case O_SNI:
            o.scan.sni = optarg;
            break;
        case O_NOSNI:
            o.scan.no_sni = true;
            break;
        case O_STARTTLS:
            if (tlsd_starttls_from_name(optarg, &o.starttls) < 0) {
                tool_err("scan", "unknown STARTTLS protocol '%s'", optarg);
                bad = 1;
            }
            break;
        case O_CAFILE:
            o.scan.cafile = optarg;
            break;
        case O_JSON:
            o.json = true;
            break;
        case O_JSONL:
            o.jsonl = true;
            break;
        case O_DIFF:
            o.diff = optarg;
            break;
        case O_HTML:
            o.html = optarg;
            break;
        case O_TIMEOUT:
            bad = parse_ms("--timeout", optarg, TOOL_UNIT_MS, SCAN_TIMEOUT_MAX_MS,
                           &o.scan.timeout_ms);
            break;
        case O_TTIMEOUT:
            bad = parse_ms("--target-timeout", optarg, TOOL_UNIT_S, SCAN_TARGET_TIMEOUT_MAX_MS,
                           &o.scan.target_timeout_ms);
            break;
        case O_CONC:
            bad = parse_count("--concurrency", optarg, 1, SCAN_COUNT_MAX, &o.scan.max_inflight);
            break;
        case O_PERT:
            bad = parse_count("--per-target", optarg, 1, SCAN_COUNT_MAX, &o.scan.max_per_target);
            o.scan.max_per_target_fast = 0; /* given: kept through latency too */
            break;
        case O_RATE:
            bad = parse_count("--rate", optarg, 0, SCAN_COUNT_MAX, &o.scan.rate);
            break;
        case O_RETRIES:
            bad = parse_count("--retries", optarg, 0, SCAN_RETRIES_MAX, &o.scan.retries);
            break;
        case O_NOGROUPS:
            o.scan.skip_groups = true;
            break;
        case O_NOSIG:
            o.scan.skip_sigalgs = true;
            break;
        case O_NOFEAT:
            o.scan.skip_features = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        default: {
            int r = tool_common_option(c, help_text, &o.color);
            if (r > 0)
                return TOOL_EXIT_OK;
            bad = r < 0;
        }
        }
        if (bad) {
            return TOOL_EXIT_USAGE;
        }
    }
    if (o.scan.sni && tool_check_sni("scan", o.scan.sni) < 0)
        return TOOL_EXIT_USAGE;
    if (o.scan.cafile && tool_check_readable("scan", "--cafile", o.scan.cafile) < 0)
        return TOOL_EXIT_ERROR;
    struct tlsd_target_list targets = {0};
    char err[256];
    int rc = TOOL_EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (tlsd_target_parse(argv[i], o.port, o.starttls, &targets, err, sizeof err) < 0) {
            tool_err("scan", "%s", err);
            rc = TOOL_EXIT_USAGE;
        }
    for (size_t i = 0; i < n_lists; i++)
        if (read_list(lists[i], &o, &targets) < 0)
            rc = TOOL_EXIT_USAGE;
    if (rc == TOOL_EXIT_OK && targets.n == 0) {
        tool_err("scan", "no target given");
        rc = TOOL_EXIT_USAGE;
    }
    if (rc != TOOL_EXIT_OK) {
        tlsd_target_list_free(&targets);
        return rc;
    }
    json_t *old = NULL;
    if (o.diff) {
        json_error_t jerr;
        if (!(old = json_load_file(o.diff, 0, &jerr)) || !json_is_object(old)) {
            tool_err("scan", "--diff %s: %s", o.diff,
                     old ? "not a 'tlsdiag scan --json' document" : jerr.text);
            json_decref(old);
            tlsd_target_list_free(&targets);
            return TOOL_EXIT_ERROR;
        }
    }
    if (!o.json && !o.jsonl)
        tool_fit_stdout();
    struct tlsd_scan_result *results = calloc(targets.n, sizeof *results);
    struct run run = {.o = &o,
                      .progress = !o.quiet && isatty(STDERR_FILENO),
                      .started_ms = tlsd_now_ms(),
                      .old = old};
    o.scan.stop_on_signal = true; /* what is finished is still written */
    int ran = results ? tlsd_scan_run(&targets, &o.scan, results, on_done, on_progress, &run) : -1;
    if (ran < 0) {
        tool_err("scan", "cannot start the scan");
        free(results);
        tlsd_target_list_free(&targets);
        return TOOL_EXIT_ERROR;
    }
    bool color = tool_use_color(o.color, stdout);
    if (o.html) {
        struct tlsd_strbuf b = {0};
        if (tlsd_html_scan(&b, results, targets.n) < 0)
            b.failed = true;
        if (tool_write_html("scan", o.html, &b) < 0)
            rc = TOOL_EXIT_ERROR;
    }
    json_t *all = o.json ? json_array() : NULL;
    for (size_t i = 0; i < targets.n; i++) {
        if ((results[i].error[0] || results[i].n_undecided) && rc == TOOL_EXIT_OK)
            rc = TOOL_EXIT_PROBLEM;
        if (all)
            json_array_append_new(all, target_json(&run, &results[i]));
        else if (!o.jsonl)
            print_text(&results[i], color);
        if (old && !all && !o.jsonl) {
            json_t *now = tlsd_scan_result_json(&results[i]);
            json_t *d = now ? diff_json(old, o.diff, &results[i], now) : NULL;
            if (d)
                print_diff(d, &results[i]);
            json_decref(d);
            json_decref(now);
        }
        tlsd_scan_result_free(&results[i]);
    }
    bool interrupted = ran == TLSD_SCAN_INTERRUPTED;
    if (interrupted && run.progress)
        fputs(TLSD_TERM_CLEAR_LINE, stderr);
    if (interrupted && !all && !o.jsonl)
        printf("Interrupted: the targets above marked 'interrupted' were not finished.\n");
    if (interrupted)
        rc = TOOL_EXIT_INTERRUPTED;
    if (all) {
        json_t *doc = json_pack("{s:s, s:b, s:o}", "tlsdiag", TLSD_VERSION, "interrupted",
                                interrupted, "targets", all);
        tool_print_json(doc);
    }
    json_decref(old);
    free(results);
    tlsd_target_list_free(&targets);
    return fflush(stdout) == 0 ? rc : TOOL_EXIT_ERROR;
}
