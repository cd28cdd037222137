/* Helpers shared by the subcommands: colour, input, error lines. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

#include "tool.h"

#include "tlsdiag/signals.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textin.h"
#include "tlsdiag/textout.h"

/* The real standard output once tool_fit_stdout has put its filter in front of it. */
static FILE *real_stdout;

bool tool_use_color(enum tool_color_mode mode, FILE *f)
{
    if (f == stdout && real_stdout)
        f = real_stdout;
    if (mode != TOOL_COLOR_AUTO)
        return mode == TOOL_COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR"); /* https://no-color.org: any non-empty value */
    if (no && *no)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return tlsd_terminal_colour(f);
}

char *tool_read_all(FILE *f, size_t max, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            cap = cap * 2 > max ? max : cap * 2;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            break;
        }
    }
    /* UTF-16 with a BOM (Windows PowerShell 5.1's `>`), a UTF-8 BOM and CRLF: decoded here so
     * every command reads text the same way. */
    char *text = tlsd_text_decode((const uint8_t *)buf, n, len, NULL);
    free(buf);
    return text;
}

void tool_err(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tlsdiag %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void tool_note(const char *cmd, const char *note)
{
    if (note[0])
        fprintf(stderr, "tlsdiag %s: note: %s\n", cmd, note);
}

char *tool_join_args(int argc, char **argv, size_t *len)
{
    size_t total = 1;
    for (int i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    char *s = malloc(total);
    if (!s)
        return NULL;
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        memcpy(s + n, argv[i], l);
        n += l;
        s[n++] = ' ';
    }
    s[n] = '\0';
    *len = n;
    return s;
}

int tool_common_option(int c, const char *help, enum tool_color_mode *color)
{
    switch (c) {
    case TOOL_OPT_COLOR:
        *color = TOOL_COLOR_ALWAYS;
        return 0;
    case TOOL_OPT_NO_COLOR:
        *color = TOOL_COLOR_NEVER;
        return 0;
    case 'h':
        tool_fit_stdout();
        fputs(help, stdout);
        return 1;
    default: /* getopt said what was wrong; main adds the pointer to --help */
        return -1;
    }
}

/* Gives up root for good (POSIX; on Windows there is none to give up). */
int tool_drop_privileges(const char *cmd, const char *user)
{
    char err[256];
    if (tlsd_drop_privileges(user, err, sizeof err) != 0) {
        tool_err(cmd, "%s", err);
        return -1;
    }
    return 0;
}

/* Decimal digits from s; *end after them. False for no digits or an overflow. */
static bool digits(const char *s, uint64_t *v, const char **end)
{
    char *e;
    errno = 0;
    unsigned long long n = strtoull(s, &e, 10);
    *v = n;
    *end = e;
    return *s >= '0' && *s <= '9' && errno == 0;
}

int tool_parse_number(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                      uint64_t *out)
{
    uint64_t v;
    const char *end;
    if (!digits(s, &v, &end) || *end != '\0' || v < min || v > max) {
        tool_err(cmd, "%s '%s': a number from %llu to %llu", opt, s, (unsigned long long)min,
                 (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

/* "64K", "1G", or the bytes when no suffix divides them. */
static const char *size_text(uint64_t v, char buf[32])
{
    static const char units[] = "GMK";
    for (int i = 0; i < 3; i++) {
        unsigned shift = 10u * (unsigned)(3 - i);
        if (v && v % ((uint64_t)1 << shift) == 0) {
            snprintf(buf, 32, "%llu%c", (unsigned long long)(v >> shift), units[i]);
            return buf;
        }
    }
    snprintf(buf, 32, "%llu", (unsigned long long)v);
    return buf;
}

int tool_parse_size(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    static const char units[] = "KMG";
    uint64_t v;
    const char *end, *u = NULL;
    bool ok = digits(s, &v, &end);
    if (ok && *end)
        u = strchr(units, toupper((unsigned char)*end));
    unsigned shift = u ? 10u * (unsigned)(u - units + 1) : 0;
    ok = ok && (u ? end[1] == '\0' : *end == '\0') && v <= (max >> shift) && v << shift >= min;
    if (!ok) {
        char lo[32], hi[32];
        tool_err(cmd, "%s '%s': a size from %s to %s bytes (K, M, G: KiB, MiB, GiB)", opt, s,
                 size_text(min, lo), size_text(max, hi));
        return -1;
    }
    *out = v << shift;
    return 0;
}

/* The time units of a duration, largest first, in milliseconds. */
static const struct {
    const char *suffix;
    uint64_t ms;
} time_units[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};

/* "2h", "90s", "500ms": the largest unit that divides ms. */
static const char *duration_text(uint64_t ms, char buf[32])
{
    size_t i = 0;
    while (ms && ms % time_units[i].ms)
        i++;
    if (!ms)
        i = sizeof time_units / sizeof time_units[0] - 1;
    snprintf(buf, 32, "%llu%s", (unsigned long long)(ms / time_units[i].ms), time_units[i].suffix);
    return buf;
}

int tool_parse_duration(const char *cmd, const char *opt, const char *s, enum tool_time_unit bare,
                        uint64_t min_ms, uint64_t max_ms, uint64_t *ms)
{
    uint64_t v, unit = bare == TOOL_UNIT_S ? 1000 : 1;
    const char *end;
    bool ok = digits(s, &v, &end);
    if (ok && *end) {
        unit = 0;
        for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
            if (strcasecmp(end, time_units[i].suffix) == 0)
                unit = time_units[i].ms;
    }
    ok = ok && unit && v <= max_ms / unit && v * unit >= min_ms;
    if (!ok) {
        char lo[32], hi[32];
        tool_err(cmd, "%s '%s': a duration from %s to %s (ms, s, m, h; a bare number is %s)", opt,
                 s, duration_text(min_ms, lo), duration_text(max_ms, hi),
                 bare == TOOL_UNIT_S ? "seconds" : "milliseconds");
        return -1;
    }
    *ms = v * unit;
    return 0;
}

int tool_parse_fixes(const char *cmd, const char *s, size_t *out)
{
    uint64_t v;
    if (tool_parse_number(cmd, "--fixes", s, 0, TOOL_FIXES_MAX, &v) < 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int tool_check_sni(const char *cmd, const char *sni)
{
    size_t n = strlen(sni);
    if (n == 0 || n > TOOL_SNI_MAX) {
        tool_err(cmd,
                 "--sni: %zu bytes; a server_name holds 1 to %d (RFC 6066 section 3, as "
                 "OpenSSL enforces)",
                 n, TOOL_SNI_MAX);
        return -1;
    }
    return 0;
}

int tool_check_readable(const char *cmd, const char *opt, const char *path)
{
    FILE *f = tlsd_fopen(path, "rb");
    if (!f) {
        tool_err(cmd, "%s %s: %s", opt, path, strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

void tool_print_sb(struct tlsd_strbuf *b)
{
    if (b->s)
        fputs(b->s, stdout);
    tlsd_sb_free(b);
}

void tool_print_json(json_t *j)
{
    if (j)
        json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(j);
}

int tool_write_html(const char *cmd, const char *path, struct tlsd_strbuf *b)
{
    if (b->failed || !b->s) {
        tool_err(cmd, "--html %s: out of memory", path);
        tlsd_sb_free(b);
        return -1;
    }
    FILE *f = tlsd_fopen(path, "wb");
    int err = f ? 0 : errno;
    if (f && fwrite(b->s, 1, b->len, f) != b->len)
        err = errno ? errno : EIO;
    if (f && fclose(f) != 0 && !err)
        err = errno;
    tlsd_sb_free(b);
    if (err)
        tool_err(cmd, "--html %s: %s", path, strerror(err));
    return err ? -1 : 0;
}

/* The long option a word names ("--name" or "--name=value", or an unambiguous prefix, as
 * getopt_long takes it); NULL when none or ambiguous (getopt then reports it). */
static const struct option *long_named(const char *word, const struct option *longopts)
{
    const char *eq = strchr(word, '=');
    size_t n = eq ? (size_t)(eq - word) : strlen(word);
    const struct option *hit = NULL;
    int hits = 0;
    for (const struct option *o = longopts; o->name; o++) {
        if (strncmp(o->name, word, n) != 0)
            continue;
        if (o->name[n] == '\0')
            return o; /* exact */
        hit = o;
        hits++;
    }
    return hits == 1 ? hit : NULL;
}

/* How many argv words the option word at argv[i] takes: 1, or 2 when its argument is the
 * next word. */
static int option_words(char *const *argv, int i, int argc, const char *shortopts,
                        const struct option *longopts)
{
    const char *w = argv[i];
    if (w[1] == '-') {
        const struct option *o = long_named(w + 2, longopts);
        return o && o->has_arg == required_argument && !strchr(w, '=') && i + 1 < argc ? 2 : 1;
    }
    for (const char *c = w + 1; *c; c++) {
        const char *d = strchr(shortopts, *c);
        if (d && d[1] == ':') /* takes an argument: the rest of the word, or the next one */
            return c[1] == '\0' && i + 1 < argc ? 2 : 1;
    }
    return 1;
}

static bool is_option_word(const char *w)
{
    /* "-" is standard input and "-12" a negative number: operands, as "--" ends options. */
    return w[0] == '-' && w[1] != '\0' && !(w[1] >= '0' && w[1] <= '9');
}

int tool_permute(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    optind = 1;
    char **tmp = malloc((size_t)argc * sizeof *tmp);
    if (!tmp)
        return argc; /* getopt then sees the words in their order */
    int nopt = 1, nrest = 0;
    if (*shortopts == '+')
        shortopts++;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            argv[nopt++] = argv[i]; /* getopt consumes it; everything after is an operand */
            while (++i < argc)
                tmp[nrest++] = argv[i];
            break;
        }
        if (!is_option_word(argv[i])) {
            tmp[nrest++] = argv[i];
            continue;
        }
        int k = option_words(argv, i, argc, shortopts, longopts);
        /* nopt <= i: option words move only toward the front. */
        for (int j = 0; j < k; j++)
            argv[nopt++] = argv[i + j];
        i += k - 1;
    }
    memcpy(argv + nopt, tmp, (size_t)nrest * sizeof *tmp);
    free(tmp);
    return nopt;
}

/* ---- Fitting text to the terminal ----------------------------------------------------- */

size_t tool_term_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(env, &end, 10);
        if (errno == 0 && *end == '\0' && *env != '-' && v > 0 && v <= TOOL_WIDTH_MAX)
            return v < TOOL_WIDTH_MIN ? TOOL_WIDTH_MIN : (size_t)v;
    }
    unsigned cols = tlsd_terminal_width(real_stdout ? real_stdout : stdout);
    if (cols > 0)
        return cols < TOOL_WIDTH_MIN ? TOOL_WIDTH_MIN : cols;
    return TOOL_WIDTH_DEFAULT;
}

/* The filter in front of stdout: whole lines, each wrapped to the width. */
struct fit {
    FILE *real;
    size_t width;
    struct tlsd_strbuf line; /* the line not yet ended */
};

/* Writes the pending line (wrapped), with its newline when it had one. */
static int fit_emit(struct fit *f, bool newline)
{
    struct tlsd_strbuf w = {0};
    tlsd_text_wrap(f->line.len ? f->line.s : "", f->line.len, f->width, TLSD_WRAP_AUTO, &w);
    f->line.len = 0;
    if (w.failed) {
        tlsd_sb_free(&w);
        errno = ENOMEM;
        return -1;
    }
    size_t n = newline ? w.len : w.len - 1;
    int r = fwrite(w.s, 1, n, f->real) == n ? 0 : -1;
    tlsd_sb_free(&w);
    return r;
}

static ssize_t fit_write(void *cookie, const char *buf, size_t size)
{
    struct fit *f = cookie;
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(buf + i, '\n', size - i);
        size_t k = nl ? (size_t)(nl - (buf + i)) : size - i;
        if (nl && !f->line.len && k <= f->width) {
            /* A whole line that fits (a column takes a byte at least): as it is, without
             * a copy (most lines of a report). */
            if (fwrite(buf + i, 1, k + 1, f->real) != k + 1)
                return -1;
            i += k + 1;
            continue;
        }
        tlsd_sb_putn(&f->line, buf + i, k);
        if (f->line.failed) {
            errno = ENOMEM;
            return -1;
        }
        i += k;
        if (!nl)
            break;
        i++;
        if (fit_emit(f, true) != 0)
            return -1;
    }
    /* The caller flushed (a line of a live report) or its buffer was full: either way the
     * lines go on now. */
    return fflush(f->real) == 0 ? (ssize_t)size : -1;
}

static int fit_close(void *cookie)
{
    struct fit *f = cookie;
    int r = f->line.len ? fit_emit(f, false) : 0;
    int e = errno;
    if (fclose(f->real) != 0)
        r = -1;
    else if (r != 0)
        errno = e;
    tlsd_sb_free(&f->line);
    free(f);
    real_stdout = NULL;
    return r;
}

int tool_fit_stdout(void)
{
    if (real_stdout)
        return 0;
    struct fit *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->width = tool_term_width();
    if (tlsd_filter_stdout(f, fit_write, fit_close, &f->real) != 0) {
        free(f);
        return -1;
    }
    real_stdout = f->real;
    return 0;
}

void tool_wrapf(size_t indent, const char *fmt, ...)
{
    struct tlsd_strbuf out = {0};
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return; /* out of memory: the line is lost, as printf would lose it */
    tlsd_text_wrap(s, (size_t)n, tool_term_width(), indent, &out);
    if (out.len)
        fwrite(out.s, 1, out.len, stdout); /* errors: checked once at exit (tlsdiag.c) */
    free(s);
    tlsd_sb_free(&out);
}

void tool_table_print(struct tlsd_table *t)
{
    struct tlsd_strbuf b = {0};
    tlsd_table_render(t, tool_term_width(), &b);
    tool_print_sb(&b);
}

volatile sig_atomic_t tool_stop_signal;
static struct timespec first_stop; /* when tool_stop_signal was set */

/* Only async-signal-safe calls: clock_gettime, signal, raise. */
static void on_stop_signal(int sig)
{
    if (!tool_stop_signal) {
        clock_gettime(CLOCK_MONOTONIC, &first_stop);
        tool_stop_signal = sig;
        return;
    }
    if (tlsd_signal_second_request(&first_stop)) { /* a second request ends the process */
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

void tool_catch_stop_signals(void)
{
    tlsd_on_stop_signals(on_stop_signal);
}
