/* Shared by tlsdiag analyze and tlsdiag watch: connection filters and output. */
#ifndef TLSDIAG_TOOL_ANALYZE_H
#define TLSDIAG_TOOL_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsdiag/analyze.h"
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
    bool flush_each;        /* flush after every connection (live, or a terminal) */
    struct tlsd_strbuf buf; /* JSON text of one connection, reused */
    uint64_t printed;       /* connections printed */
};

/* Parses ADDR or ADDR:PORT ([v6]:PORT) into o. 0, or -1 when malformed. */
int tool_conn_server_filter(struct tool_conn_opts *o, const char *arg);
/* The analyzer's callback: filters, then prints in the chosen format (flushed). */
void tool_conn_print(void *ctx, const struct tlsd_conn *c);
/* Ends the output: closes the JSON document (with files, may be NULL) or prints the text
 * summaries. */
void tool_conn_finish(struct tool_conn_opts *o, const struct tlsd_analyzer *a, json_t *files,
                      bool no_summary);

#endif
