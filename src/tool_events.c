/* tlsdiag events: the Schannel events of a Windows System log (.evtx, Event XML,
 * Get-WinEvent CSV or JSON), each decoded and explained, and a summary by kind and alert. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/json.h"
#include "tlsdiag/strbuf.h"
#include "tool.h"

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
    "from the contents. A file that cannot be read is reported and the rest still\n"
    "are.\n"
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

static void output(const struct tlsd_event_log *log, const struct tlsd_event_file *files, size_t nf,
                   bool all, bool json)
{
    if (json) {
        json_t *j = tlsd_events_to_json(log, files, nf, all);
        tool_print_json(j);
        return;
    }
    struct tlsd_strbuf b = {0};
    tlsd_events_text(log, files, nf, all, &b);
    tool_print_sb(&b);
}

int tool_events(int argc, char **argv)
{
    bool all = false, json = false;
    int r = parse_opts(argc, argv, &all, &json);
    if (r != 0)
        return r > 0 ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    size_t nf = (size_t)(argc - optind);
    struct tlsd_event_file *files = calloc(nf, sizeof *files);
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
