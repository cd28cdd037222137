/* Connection filters and output shared by tlsdiag analyze and tlsdiag watch. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_analyze.h"

/* Addresses compare in their binary form, so 2001:db8::1 matches 2001:DB8:0::1. */
static bool same_addr(const char *a, const char *b)
{
    uint8_t x[16], y[16];
    int fam = strchr(a, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(fam, a, x) == 1 && inet_pton(fam, b, y) == 1)
        return memcmp(x, y, fam == AF_INET6 ? 16 : 4) == 0;
    return strcmp(a, b) == 0;
}

int tool_conn_server_filter(struct tool_conn_opts *o, const char *arg)
{
    uint8_t buf[16];
    o->server_port = -1;
    if (inet_pton(AF_INET, arg, buf) == 1 || inet_pton(AF_INET6, arg, buf) == 1) {
        snprintf(o->server, sizeof o->server, "%s", arg);
        return 0;
    }
    const char *colon = strrchr(arg, ':');
    if (!colon)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon == arg)
        return -1;
    const char *start = arg;
    size_t len = (size_t)(colon - arg);
    if (arg[0] == '[' && colon[-1] == ']') {
        start++;
        len -= 2;
    }
    if (len >= sizeof o->server)
        return -1;
    memcpy(o->server, start, len);
    o->server[len] = '\0';
    if (inet_pton(AF_INET, o->server, buf) != 1 && inet_pton(AF_INET6, o->server, buf) != 1)
        return -1;
    o->server_port = (int)port;
    return 0;
}

int tool_conn_option(int c, const char *cmd, const char *help, struct tool_conn_opts *o)
{
    switch (c) {
    case 'j':
        o->format = TOOL_OUT_JSON;
        return 0;
    case 'J':
        o->format = TOOL_OUT_JSONL;
        return 0;
    case 'A':
        o->client = optarg;
        return 0;
    case 's':
        if (tool_conn_server_filter(o, optarg) == 0)
            return 0;
        tool_err(cmd, "--server: '%s' is not an address or ADDR:PORT", optarg);
        return -1;
    case 'F':
        o->failed_only = true;
        return 0;
    case 'S':
        o->no_summary = true;
        return 0;
    default:
        return tool_common_option(c, cmd, help, &o->color_mode);
    }
}

static bool wanted(const struct tool_conn_opts *o, const struct tlsd_conn *c)
{
    if (o->failed_only && !tlsd_outcome_failed(c->outcome))
        return false;
    if (o->client && !same_addr(o->client, c->client))
        return false;
    if (o->server[0] && !same_addr(o->server, c->server))
        return false;
    return o->server_port < 0 || !o->server[0] || o->server_port == c->server_port;
}

void tool_conn_print(void *ctx, const struct tlsd_conn *c)
{
    struct tool_conn_opts *o = ctx;
    if (!wanted(o, c))
        return;
    if (o->format == TOOL_OUT_TEXT) {
        struct tlsd_strbuf b = {0};
        tlsd_conn_render_text(&b, c, o->color);
        if (b.s)
            fputs(b.s, stdout);
        tlsd_sb_free(&b);
    } else {
        o->buf.len = 0;
        if (o->format == TOOL_OUT_JSON && o->printed)
            tlsd_sb_putn(&o->buf, ",", 1);
        tlsd_conn_render_json(&o->buf, c);
        if (o->format == TOOL_OUT_JSONL)
            tlsd_sb_putn(&o->buf, "\n", 1);
        if (!o->buf.failed && o->buf.s)
            fwrite(o->buf.s, 1, o->buf.len, stdout);
        o->buf.failed = false;
    }
    o->printed++;
    if (o->flush_each)
        fflush(stdout);
}

void tool_conn_finish(struct tool_conn_opts *o, const struct tlsd_analyzer *a, json_t *files)
{
    if (o->format == TOOL_OUT_JSON) {
        json_t *s = tlsd_analyze_summary_to_json(a);
        fputs("],\"files\":", stdout);
        json_dumpf(files ? files : json_null(), stdout, JSON_COMPACT);
        fputs(",\"summary\":", stdout);
        json_dumpf(s ? s : json_null(), stdout, JSON_COMPACT);
        fputs("}\n", stdout);
        json_decref(s);
    } else if (o->format == TOOL_OUT_TEXT && !o->no_summary) {
        struct tlsd_strbuf b = {0};
        if (!o->printed)
            tlsd_sb_puts(&b, "No TLS connection matched.\n\n");
        tlsd_analyze_summary_render_text(&b, a, o->color);
        if (b.s)
            fputs(b.s, stdout);
        tlsd_sb_free(&b);
    }
    tlsd_sb_free(&o->buf);
    fflush(stdout);
}
