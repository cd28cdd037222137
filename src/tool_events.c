/* tlsdiag events: the Schannel events of a Windows System log (.evtx, Event XML,
 * Get-WinEvent CSV or JSON), each decoded and explained, and a summary by kind and alert. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/suitelist.h"
#include "tool.h"

#define MAX_CAUSES_SHOWN 3

static const char help_text[] =
    "Usage: tlsdiag events [options] FILE...\n"
    "\n"
    "Reads the Schannel events of a Windows System log and explains each one: time,\n"
    "event ID, level, the decoded event data (TLS alert code and name, error state,\n"
    "protocol, cipher suite, target name), what it means, its likely causes and the\n"
    "command that checks them; then a summary by event and by alert with the first\n"
    "and last time seen. Each FILE may be an .evtx file (Event Viewer 'Save As',\n"
    "wevtutil epl), Event XML (wevtutil qe /f:xml, Event Viewer 'Save as XML'), or\n"
    "Get-WinEvent output piped to Export-Csv or ConvertTo-Json; the form is detected\n"
    "from the contents. A file that cannot be read is reported and the rest still are.\n"
    "\n"
    "Options:\n"
    "      --all           list every record, not only Schannel's (no explanations)\n"
    "      --json          JSON output\n"
    "      --color         colour even when not on a terminal\n"
    "      --no-color      no colour (also when NO_COLOR is set)\n"
    "  -h, --help          this help\n"
    "\n"
    "Collect the log on the server with:\n"
    "  wevtutil epl System schannel.evtx /q:\"*[System[Provider[@Name='Schannel']]]\"\n"
    "\n"
    "Exit status: 0 read; 1 a file could not be read or is not an event log;\n"
    "2 usage error.\n";

struct file_result {
    const char *path;
    enum tlsd_event_format fmt;
    size_t records, kept;
    char err[400];
};

static const char *level_name(int level)
{
    static const char *const names[] = {"LogAlways", "Critical",    "Error",
                                        "Warning",   "Information", "Verbose"};
    return level >= 0 && (size_t)level < sizeof names / sizeof names[0] ? names[level] : "?";
}

/* A decoded value: alert name, suite name, or the value itself. */
static void decoded(const struct tlsd_event *e, const struct tlsd_event_data *d, char *out,
                    size_t len)
{
    const char *how = tlsd_event_field_decode(e->id, d->name);
    if (strcmp(how, "alert") == 0) {
        char *end;
        errno = 0;
        long code = strtol(d->value, &end, 10);
        const struct tlsd_alert *a =
            end != d->value && !*end && !errno && code >= 0 && code <= UINT8_MAX
                ? tlsd_alert_by_code((int)code)
                : NULL;
        snprintf(out, len, "%s %s", d->value, a ? a->name : "(not a TLS alert code)");
    } else if (strcmp(how, "suite") == 0) {
        uint32_t code;
        const struct tlsd_suite *s;
        if (tlsd_suite_resolve(d->value, strlen(d->value), &code, &s) == TLSD_TOKEN_OK && s)
            snprintf(out, len, "%s %s", d->value, s->iana_name);
        else
            snprintf(out, len, "%s", d->value);
    } else {
        snprintf(out, len, "%s", d->value);
    }
}

static const struct tlsd_explain_entry *entry_of(const struct tlsd_event *e, int alert)
{
    char key[32];
    snprintf(key, sizeof key, "event:%u", (unsigned)e->id);
    (void)alert;
    return tlsd_event_is_schannel(e) ? tlsd_explain_by_key(key) : NULL;
}

static void check_command(const struct tlsd_event *e, int alert, char *out, size_t len)
{
    if (alert >= 0)
        snprintf(out, len, "tlsdiag explain %u %d", (unsigned)e->id, alert);
    else
        snprintf(out, len, "tlsdiag explain %u", (unsigned)e->id);
}

/* The causes explain gives for the event (with its alert: "36888 40" ranks the alert's
 * causes); the entry's own list when the query finds nothing better. */
static const struct tlsd_explain_cause *const *causes_of(const struct tlsd_event *e, int alert,
                                                         const struct tlsd_explain_entry *x,
                                                         struct tlsd_explain_result *r, size_t *n)
{
    char q[32];
    check_command(e, alert, q, sizeof q);
    const char *args = q + strlen("tlsdiag explain ");
    *n = x->n_causes;
    if (tlsd_explain_query(args, strlen(args), r) == 0 && r->n > 0 && r->matches[0].entry == x &&
        r->matches[0].n_causes > 0) {
        *n = r->matches[0].n_causes;
        return r->matches[0].causes;
    }
    return x->causes;
}

static void print_event(const struct tlsd_event *e)
{
    printf("%s  %s %u  %s", e->time[0] ? e->time : "(no time)", e->provider, (unsigned)e->id,
           level_name(e->level));
    if (e->record_id || e->computer[0])
        printf("  (record %llu%s%s)", (unsigned long long)e->record_id, e->computer[0] ? ", " : "",
               e->computer);
    putchar('\n');
    for (size_t i = 0; i < e->n_data; i++) {
        char v[320];
        decoded(e, &e->data[i], v, sizeof v);
        printf("    %-24s %s\n", e->data[i].name, v);
    }
    int alert = tlsd_event_alert(e);
    const struct tlsd_explain_entry *x = entry_of(e, alert);
    if (!x)
        return;
    printf("    meaning: %s\n", x->meaning);
    if (alert >= 0) {
        char key[32];
        snprintf(key, sizeof key, "alert:%d", alert);
        const struct tlsd_explain_entry *a = tlsd_explain_by_key(key);
        if (a)
            printf("    alert %d: %s\n", alert, a->meaning);
    }
    struct tlsd_explain_result r = {0};
    size_t n;
    const struct tlsd_explain_cause *const *causes = causes_of(e, alert, x, &r, &n);
    for (size_t i = 0; i < n && i < MAX_CAUSES_SHOWN; i++) {
        const struct tlsd_explain_cause *c = causes[i];
        printf("    cause %zu: %s\n", i + 1, c->title);
        if (c->n_checks > 0 && c->checks[0].command)
            printf("      check: %s  (%s)\n", c->checks[0].command, c->checks[0].what);
    }
    tlsd_explain_result_free(&r);
    char cmd[64];
    check_command(e, alert, cmd, sizeof cmd);
    printf("    check: %s\n", cmd);
}

static json_t *event_json(const struct tlsd_event *e, bool explain)
{
    json_t *data = json_object();
    for (size_t i = 0; i < e->n_data; i++)
        json_object_set_new(data, e->data[i].name, json_string(e->data[i].value));
    json_t *j = json_pack("{s:I, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:o}", "record_id",
                          (json_int_t)e->record_id, "time", e->time, "id", (int)e->id, "provider",
                          e->provider, "source", e->source, "level", e->level, "level_name",
                          level_name(e->level), "computer", e->computer, "data", data);
    int alert = tlsd_event_alert(e);
    const struct tlsd_explain_entry *x = explain ? entry_of(e, alert) : NULL;
    if (alert >= 0) {
        const struct tlsd_alert *a = tlsd_alert_by_code(alert);
        json_object_set_new(j, "alert",
                            json_pack("{s:i, s:s?}", "code", alert, "name", a ? a->name : NULL));
    }
    if (x) {
        json_t *causes = json_array();
        struct tlsd_explain_result r = {0};
        size_t n;
        const struct tlsd_explain_cause *const *cs = causes_of(e, alert, x, &r, &n);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(causes, json_string(cs[i]->id));
        tlsd_explain_result_free(&r);
        char cmd[64];
        check_command(e, alert, cmd, sizeof cmd);
        json_object_set_new(j, "meaning", json_string(x->meaning));
        json_object_set_new(j, "causes", causes);
        json_object_set_new(j, "check", json_string(cmd));
    }
    return j;
}

static json_t *groups_json(const struct tlsd_event_log *log, bool by_alert)
{
    struct tlsd_event_group *g = NULL;
    size_t n = tlsd_events_summarize(log, by_alert, &g);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_alert *a = by_alert ? tlsd_alert_by_code(g[i].alert) : NULL;
        json_t *o = json_pack("{s:I, s:s, s:s}", "count", (json_int_t)g[i].count, "first",
                              g[i].first, "last", g[i].last);
        if (by_alert) {
            json_object_set_new(o, "alert", json_integer(g[i].alert));
            json_object_set_new(o, "name", a ? json_string(a->name) : json_null());
        } else {
            json_object_set_new(o, "id", json_integer(g[i].id));
        }
        json_array_append_new(arr, o);
    }
    free(g);
    return arr;
}

static void print_groups(const struct tlsd_event_log *log, bool by_alert)
{
    struct tlsd_event_group *g = NULL;
    size_t n = tlsd_events_summarize(log, by_alert, &g);
    printf("  by %s:%s\n", by_alert ? "alert" : "event", n ? "" : " none");
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_alert *a = by_alert ? tlsd_alert_by_code(g[i].alert) : NULL;
        if (by_alert)
            printf("    alert %d %-28s", g[i].alert, a ? a->name : "?");
        else
            printf("    event %-5u %-26s", (unsigned)g[i].id, "");
        printf(" x%-5zu first %s  last %s\n", g[i].count, g[i].first, g[i].last);
    }
    free(g);
}

static int parse_opts(int argc, char **argv, bool *all, bool *json)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                             {"json", no_argument, NULL, 'j'},
                                             TOOL_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    enum tool_color_mode color = TOOL_COLOR_AUTO;
    int c;
    int nopt = tool_permute(argc, argv, "+h", longopts);
    while ((c = getopt_long(nopt, argv, "+h", longopts, NULL)) != -1) {
        if (c == 'a')
            *all = true;
        else if (c == 'j')
            *json = true;
        else {
            int r = tool_common_option(c, help_text, &color);
            if (r != 0)
                return r;
        }
    }
    if (optind >= argc) {
        tool_err("events", "no FILE given");
        return -1;
    }
    return 0;
}

static void output(const struct tlsd_event_log *log, const struct file_result *files, size_t nf,
                   bool all, bool json)
{
    if (json) {
        json_t *fa = json_array(), *ev = json_array();
        for (size_t i = 0; i < nf; i++)
            json_array_append_new(fa, json_pack("{s:s, s:s, s:I, s:I, s:s?}", "file", files[i].path,
                                                "format", tlsd_event_format_name(files[i].fmt),
                                                "records", (json_int_t)files[i].records, "events",
                                                (json_int_t)files[i].kept, "error",
                                                files[i].err[0] ? files[i].err : NULL));
        for (size_t i = 0; i < log->n; i++)
            json_array_append_new(ev, event_json(&log->ev[i], !all));
        json_t *j =
            json_pack("{s:o, s:o, s:{s:o, s:o}}", "files", fa, "events", ev, "summary", "by_event",
                      groups_json(log, false), "by_alert", groups_json(log, true));
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(j);
        return;
    }
    for (size_t i = 0; i < nf; i++)
        if (!files[i].err[0])
            printf("%s: %s, %zu records, %zu %s\n", files[i].path,
                   tlsd_event_format_name(files[i].fmt), files[i].records, files[i].kept,
                   all ? "listed" : "Schannel events");
    for (size_t i = 0; i < log->n; i++) {
        putchar('\n');
        print_event(&log->ev[i]);
    }
    printf("\nSummary: %zu event%s\n", log->n, log->n == 1 ? "" : "s");
    print_groups(log, false);
    print_groups(log, true);
}

int tool_events(int argc, char **argv)
{
    bool all = false, json = false;
    int r = parse_opts(argc, argv, &all, &json);
    if (r != 0)
        return r > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    size_t nf = (size_t)(argc - optind);
    struct file_result *files = calloc(nf, sizeof *files);
    struct tlsd_event_log log = {0};
    int rc = files ? TOOL_EXIT_OK : TOOL_EXIT_ERROR;
    for (size_t i = 0; files && i < nf; i++) {
        size_t before_n = log.n, before_r = log.n_records;
        files[i].path = argv[optind + (int)i];
        if (tlsd_events_read_file(files[i].path, all, &log, &files[i].fmt, files[i].err,
                                  sizeof files[i].err) < 0) {
            tool_err("events", "%s", files[i].err);
            rc = TOOL_EXIT_PROBLEM;
        }
        files[i].records = log.n_records - before_r;
        files[i].kept = log.n - before_n;
    }
    if (!json)
        tool_fit_stdout();
    if (files)
        output(&log, files, nf, all, json);
    tlsd_event_log_free(&log);
    free(files);
    return rc;
}
