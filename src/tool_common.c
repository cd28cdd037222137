/* Helpers shared by the subcommands: colour, input, error lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

#include "tool.h"

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
    return tlsd_terminal_colour(f);
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
    buf[n] = '\0';
    *len = n;
    return buf;
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
