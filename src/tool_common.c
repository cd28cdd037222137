/* Helpers shared by the subcommands: colour, input, error lines. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

#include "tlsdiag/strbuf.h"
#include "tlsdiag/textin.h"

bool tool_use_color(enum tool_color_mode mode, FILE *f)
{
    if (mode != TOOL_COLOR_AUTO)
        return mode == TOOL_COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR"); /* https://no-color.org: any non-empty value */
    if (no && *no)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(f));
}

const char *tool_class_color(enum tlsd_class c, bool on)
{
    if (!on)
        return "";
    switch (c) {
    case TLSD_CLASS_INSECURE:
        return "\033[1;31m";
    case TLSD_CLASS_WEAK:
        return "\033[33m";
    case TLSD_CLASS_SECURE:
        return "\033[32m";
    case TLSD_CLASS_RECOMMENDED:
        return "\033[1;32m";
    default:
        return "";
    }
}

const char *tool_reset(bool on)
{
    return on ? "\033[0m" : "";
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

int tool_common_option(int c, const char *cmd, const char *help, enum tool_color_mode *color)
{
    switch (c) {
    case 'C':
        *color = TOOL_COLOR_ALWAYS;
        return 0;
    case 'N':
        *color = TOOL_COLOR_NEVER;
        return 0;
    case 'h':
        fputs(help, stdout);
        return 1;
    default:
        fprintf(stderr, "Try 'tlsdiag %s --help'.\n", cmd);
        return -1;
    }
}

/* Gives up root for good: supplementary groups, group, then user (in that order, while
 * still allowed to), and checks that root cannot be regained. */
int tool_drop_privileges(const char *cmd, const char *user)
{
    if (geteuid() != 0 && getuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(user ? user : "nobody");
    if (!pw) {
        tool_err(cmd, "no such user '%s' to switch to", user ? user : "nobody");
        return -1;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        tool_err(cmd, "cannot switch to user '%s': %s", pw->pw_name, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        tool_err(cmd, "could regain root after dropping it; stopping");
        return -1;
    }
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
    FILE *f = fopen(path, "rb");
    if (!f) {
        tool_err(cmd, "%s %s: %s", opt, path, strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

int tool_write_html(const char *cmd, const char *path, struct tlsd_strbuf *b)
{
    if (b->failed || !b->s) {
        tool_err(cmd, "--html %s: out of memory", path);
        tlsd_sb_free(b);
        return -1;
    }
    FILE *f = fopen(path, "wb");
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

volatile sig_atomic_t tool_stop_signal;

static void on_stop_signal(int sig)
{
    tool_stop_signal = sig;
}

void tool_catch_stop_signals(void)
{
    struct sigaction sa = {.sa_handler = on_stop_signal, .sa_flags = SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
