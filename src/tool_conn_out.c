/* Connection filters and output shared by tlsdiag analyze and tlsdiag watch. */
#include <arpa/inet.h>
#include <getopt.h>
#include <pthread.h>
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

/* Stores a limit option's value (already in range) into caps. */
static void set_limit(struct tlsd_tcp_config *caps, int c, uint64_t v)
{
    if (c == TOOL_OPT_MAX_FLOWS)
        caps->max_flows = (size_t)v;
    else if (c == TOOL_OPT_MAX_BUFFER)
        caps->total_cap = (size_t)v;
    else if (c == TOOL_OPT_MAX_FLOW_BUFFER)
        caps->flow_cap = (size_t)v;
    else
        caps->idle_usec = (int64_t)v * 1000; /* milliseconds */
}

/* --max-flows, --max-buffer, --max-flow-buffer, --idle-timeout: 0 taken, 1 not one of
 * them, -1 a bad value (said on stderr, naming the option). */
static int limit_option(int c, const char *cmd, struct tlsd_tcp_config *caps)
{
    static const struct {
        int code;
        const char *name;
        enum { COUNT, SIZE, DURATION } kind; /* SIZE: K, M, G; DURATION: ms, s, m, h */
        uint64_t max;                        /* bytes, or milliseconds */
    } opts[] = {
        {TOOL_OPT_MAX_FLOWS, "--max-flows", COUNT, TOOL_MAX_FLOWS_MAX},
        {TOOL_OPT_MAX_BUFFER, "--max-buffer", SIZE, TOOL_MAX_BUFFER_MAX},
        {TOOL_OPT_MAX_FLOW_BUFFER, "--max-flow-buffer", SIZE, TOOL_MAX_BUFFER_MAX},
        {TOOL_OPT_IDLE_TIMEOUT, "--idle-timeout", DURATION, TOOL_IDLE_TIMEOUT_MAX_MS},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (opts[i].code != c)
            continue;
        uint64_t v;
        const char *name = opts[i].name;
        int rc = opts[i].kind == SIZE ? tool_parse_size(cmd, name, optarg, 1, opts[i].max, &v)
                 : opts[i].kind == DURATION
                     ? tool_parse_duration(cmd, name, optarg, TOOL_UNIT_S, 1, opts[i].max, &v)
                     : tool_parse_number(cmd, name, optarg, 1, opts[i].max, &v);
        if (rc < 0)
            return -1;
        set_limit(caps, c, v);
        return 0;
    }
    return 1;
}

int tool_conn_option(int c, const char *cmd, const char *help, struct tool_conn_opts *o)
{
    int rc = limit_option(c, cmd, &o->caps);
    if (rc <= 0)
        return rc;
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
        return tool_common_option(c, help, &o->color_mode);
    }
}

static bool filtered(const struct tool_conn_opts *o)
{
    return o->failed_only || o->client || o->server[0];
}

static bool wanted(const struct tool_conn_opts *o, const struct tlsd_conn *c)
{
    if (o->failed_only && !tlsd_conn_outcome_failed(c->outcome))
        return false;
    if (o->client && !same_addr(o->client, c->client))
        return false;
    if (o->server[0] && !same_addr(o->server, c->server))
        return false;
    return o->server_port < 0 || !o->server[0] || o->server_port == c->server_port;
}

/* Output goes out in big chunks: one write per OUT_CHUNK bytes of JSON, not per
 * connection (unless every connection must show at once). A writer thread writes a full
 * chunk while the next one is rendered: copying hundreds of MB into the page cache is a
 * tenth of the run, and it need not wait for the analysis nor hold it up. */
#define OUT_CHUNK ((size_t)1 << 20)

struct tool_out_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *chunk; /* being written; NULL when the writer is idle */
    size_t len, cap;
    char *spare; /* the last chunk written, for the renderer to reuse */
    size_t spare_cap;
    bool stop;
};

static void *writer_main(void *arg)
{
    struct tool_out_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->chunk && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->chunk)
            break;
        char *p = w->chunk;
        size_t len = w->len;
        pthread_mutex_unlock(&w->mu);
        fwrite(p, 1, len, stdout);
        pthread_mutex_lock(&w->mu);
        w->spare = p;
        w->spare_cap = w->cap;
        w->chunk = NULL;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Waits until the writer has written what it was given (stdout is then ours). */
static void writer_wait(struct tool_out_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->chunk)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void writer_end(struct tool_conn_opts *o)
{
    struct tool_out_writer *w = o->writer;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->spare);
    free(w);
    o->writer = NULL;
}

static struct tool_out_writer *writer_start(void)
{
    struct tool_out_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Everything rendered so far goes out now, in order. */
static void out_flush(struct tool_conn_opts *o)
{
    writer_wait(o->writer);
    if (!o->buf.failed && o->buf.len)
        fwrite(o->buf.s, 1, o->buf.len, stdout);
    o->buf.len = 0;
    o->buf.failed = false;
}

/* A full chunk goes to the writer thread (written here when there is none), and its
 * previous chunk, written, becomes the buffer to render into. */
static void out_hand_over(struct tool_conn_opts *o)
{
    if (!o->writer && !o->writer_failed && !(o->writer = writer_start()))
        o->writer_failed = true;
    struct tool_out_writer *w = o->writer;
    if (!w || o->buf.failed) {
        out_flush(o);
        return;
    }
    pthread_mutex_lock(&w->mu);
    while (w->chunk)
        pthread_cond_wait(&w->cv, &w->mu);
    w->chunk = o->buf.s;
    w->len = o->buf.len;
    w->cap = o->buf.cap;
    o->buf.s = w->spare;
    o->buf.cap = w->spare ? w->spare_cap : 0;
    o->buf.len = 0;
    if (o->buf.s)
        o->buf.s[0] = '\0';
    w->spare = NULL;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void print_json(struct tool_conn_opts *o, const struct tlsd_conn *c)
{
    if (o->format == TOOL_OUT_JSON && !o->diags)
        o->diags = tlsd_diag_table_new(); /* NULL: diagnoses inline */
    size_t mark = o->buf.len;
    if (o->format == TOOL_OUT_JSON && o->printed)
        tlsd_sb_putn(&o->buf, ",", 1);
    tlsd_conn_render_json(&o->buf, c, o->format == TOOL_OUT_JSON ? o->diags : NULL);
    if (o->format == TOOL_OUT_JSONL)
        tlsd_sb_putn(&o->buf, "\n", 1);
    if (o->buf.failed) { /* out of memory: what was there before still goes out */
        o->buf.failed = false;
        o->buf.len = mark;
    }
    if (o->flush_each)
        out_flush(o);
    else if (o->buf.len >= OUT_CHUNK)
        out_hand_over(o);
}

void tool_conn_print(void *ctx, const struct tlsd_conn *c)
{
    struct tool_conn_opts *o = ctx;
    bool want = wanted(o, c);
    if (o->html)
        tlsd_html_capture_add(o->html, c, want);
    if (!want)
        return;
    if (o->format == TOOL_OUT_TEXT) {
        struct tlsd_strbuf b = {0};
        tlsd_conn_render_text(&b, c, o->color);
        tool_print_sb(&b);
    } else {
        print_json(o, c);
    }
    o->printed++;
    if (o->flush_each)
        fflush(stdout);
}

/* The rest of a --json document after the connections: the distinct diagnoses they refer
 * to, the outcome classes in words, the files and the summaries. */
static void finish_document(struct tool_conn_opts *o, const struct tlsd_analyzer *a, json_t *files)
{
    char *ft = files ? json_dumps(files, JSON_COMPACT) : NULL;
    tlsd_analyze_document_end_json(&o->buf, o->diags, o->printed, o->interrupted, ft, a);
    free(ft);
    out_flush(o);
}

void tool_conn_finish(struct tool_conn_opts *o, const struct tlsd_analyzer *a, json_t *files)
{
    out_flush(o);
    if (o->format == TOOL_OUT_JSON) {
        finish_document(o, a, files);
    } else if (o->format == TOOL_OUT_TEXT && !o->no_summary) {
        struct tlsd_strbuf b = {0};
        if (!o->printed)
            tlsd_sb_puts(&b, "No TLS connection matched.\n\n");
        if (filtered(o))
            tlsd_sb_printf(&b,
                           "The summary covers the whole capture, not only the %llu "
                           "connection%s listed (--failed, --client and --server choose what "
                           "is listed).\n",
                           (unsigned long long)o->printed, o->printed == 1 ? "" : "s");
        if (o->interrupted)
            tlsd_sb_printf(&b,
                           "Interrupted: the connections above and the summary cover the "
                           "frames read before the signal; %llu connection%s still open "
                           "then %s left out.\n\n",
                           (unsigned long long)tlsd_analyzer_stats(a)->unfinished,
                           tlsd_analyzer_stats(a)->unfinished == 1 ? "" : "s",
                           tlsd_analyzer_stats(a)->unfinished == 1 ? "is" : "are");
        tlsd_analyze_summary_render_text(&b, a, o->color);
        tool_print_sb(&b);
    }
    writer_end(o);
    tlsd_sb_free(&o->buf);
    tlsd_diag_table_free(o->diags);
    o->diags = NULL;
    fflush(stdout);
}
