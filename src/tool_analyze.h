/* Shared by tlsdiag analyze and tlsdiag watch: connection filters and output. */
#ifndef TLSDIAG_TOOL_ANALYZE_H
#define TLSDIAG_TOOL_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsdiag/analyze.h"
#include "tlsdiag/report_html.h"
#include "tool.h"

enum tool_out_format { TOOL_OUT_TEXT, TOOL_OUT_JSON, TOOL_OUT_JSONL };

struct tool_conn_opts {
    enum tool_out_format format;
    enum tool_color_mode color_mode;
    bool color;
    const char *client; /* address filter, or NULL */
    char server[64];    /* address filter, "" for none */
    int server_port;    /* -1: any */
    bool failed_only;
    bool no_summary;
    bool flush_each;                /* flush after every connection (live, or a terminal) */
    struct tlsd_strbuf buf;         /* JSON text not yet written */
    struct tlsd_diag_table *diags;  /* --json: the document's distinct diagnoses */
    struct tool_out_writer *writer; /* writes full chunks while the next is rendered */
    bool writer_failed;             /* no thread: chunks are written in place */
    uint64_t printed;               /* connections printed */
    struct tlsd_html_capture *html; /* --html: every connection goes here too */
    bool interrupted;               /* a signal stopped the reading (said in the output) */
    struct tlsd_tcp_config caps;    /* --max-flows, --max-buffer, ...; 0: the defaults */
};

/* getopt codes of the limit options (no short forms). */
enum {
    TOOL_OPT_MAX_FLOWS = 0x100,
    TOOL_OPT_MAX_BUFFER,
    TOOL_OPT_MAX_FLOW_BUFFER,
    TOOL_OPT_IDLE_TIMEOUT,
};

/* The largest values the limit options take. */
#define TOOL_MAX_FLOWS_MAX       100000000u
#define TOOL_MAX_BUFFER_MAX      ((uint64_t)1 << 40)
#define TOOL_IDLE_TIMEOUT_MAX_MS (365ull * 86400 * 1000)

/* The long options analyze and watch share, for their getopt_long tables. */
#define TOOL_CONN_LONGOPTS                                                                         \
    {"json", no_argument, NULL, 'j'}, {"jsonl", no_argument, NULL, 'J'},                           \
        {"client", required_argument, NULL, 'A'}, {"server", required_argument, NULL, 's'},        \
        {"failed", no_argument, NULL, 'F'}, {"no-summary", no_argument, NULL, 'S'},                \
        {"max-flows", required_argument, NULL, TOOL_OPT_MAX_FLOWS},                                \
        {"max-buffer", required_argument, NULL, TOOL_OPT_MAX_BUFFER},                              \
        {"max-flow-buffer", required_argument, NULL, TOOL_OPT_MAX_FLOW_BUFFER},                    \
        {"idle-timeout", required_argument, NULL, TOOL_OPT_IDLE_TIMEOUT}, TOOL_COMMON_LONGOPTS

/* The limit options in both commands' --help (docs/limits.md has the same defaults). */
#define TOOL_CONN_LIMITS_HELP                                                                      \
    "Limits (docs/limits.md; what a limit cuts short is reported so, and counted):\n"              \
    "      --max-flows N    TCP connections tracked at once (default 262144)\n"                    \
    "      --max-buffer SIZE\n"                                                                    \
    "                       memory kept for connections not yet decided: TCP segments\n"           \
    "                       out of order, TLS bytes not yet a whole message, parsing\n"            \
    "                       state and hellos (default 256M)\n"                                     \
    "      --max-flow-buffer SIZE\n"                                                               \
    "                       TCP bytes out of order kept per direction (default 1M)\n"              \
    "      --idle-timeout T a connection idle this long (capture time) is ended\n"                 \
    "                       (default 10m)\n"                                                       \
    "  SIZE: bytes, or with K, M or G (KiB, MiB, GiB). T: 500ms, 30s, 10m, 1h; a\n"                \
    "  bare number is seconds.\n"

/* Handles one of the shared options (and, through tool_common_option, colour, help and
 * unknown options). Returns 0 to go on, 1 after --help, -1 for a bad option or value. */
int tool_conn_option(int c, const char *cmd, const char *help, struct tool_conn_opts *o);

/* Parses ADDR or ADDR:PORT ([v6]:PORT) into o. 0, or -1 when malformed. */
int tool_conn_server_filter(struct tool_conn_opts *o, const char *arg);
/* The analyzer's callback: filters, then prints in the chosen format (flushed). */
void tool_conn_print(void *ctx, const struct tlsd_conn *c);
/* Ends the output: closes the JSON document (with files, may be NULL) or prints the text
 * summaries. */
void tool_conn_finish(struct tool_conn_opts *o, const struct tlsd_analyzer *a, json_t *files);

#endif
