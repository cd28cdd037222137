/* Shared helpers of the tlsdiag command-line tool. */
#ifndef TLSDIAG_TOOL_H
#define TLSDIAG_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tlsdiag/registry.h"

/* Exit codes (documented in docs/tlsdiag.1 and README.md). */
enum {
    TOOL_EXIT_OK = 0,      /* everything asked for was done */
    TOOL_EXIT_PROBLEM = 1, /* done, but some input items were bad or a check failed */
    TOOL_EXIT_USAGE = 2,   /* bad command line */
    TOOL_EXIT_ERROR = 3,   /* could not run: I/O error, out of memory, ... */
};

struct tool_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int tool_ciphers(int argc, char **argv);
int tool_explain(int argc, char **argv);
int tool_analyze(int argc, char **argv);
int tool_watch(int argc, char **argv);

/* Colour: on when stdout is a terminal and NO_COLOR is unset; --color and
 * --no-color override. */
enum tool_color_mode { TOOL_COLOR_AUTO, TOOL_COLOR_ALWAYS, TOOL_COLOR_NEVER };
bool tool_use_color(enum tool_color_mode mode, FILE *f);
/* ANSI colour for a security class, "" when colour is off. */
const char *tool_class_color(enum tlsd_class c, bool on);
const char *tool_reset(bool on);

/* The options every command shares, for its getopt switch: 'C' (--color), 'N' (--no-color),
 * 'h' (--help: prints help) and anything unknown (prints a hint). Returns 0 to go on, 1 after
 * --help, -1 for a bad option. */
int tool_common_option(int c, const char *cmd, const char *help, enum tool_color_mode *color);

/* Reads a whole stream (at most max bytes). Returns a malloc'd NUL-terminated
 * buffer and its length, or NULL with errno set (EFBIG when too large). */
char *tool_read_all(FILE *f, size_t max, size_t *len);

/* The arguments joined by single spaces (malloc'd; NULL when out of memory). */
char *tool_join_args(int argc, char **argv, size_t *len);

/* Prints "tlsdiag COMMAND: message" on stderr. */
void tool_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
