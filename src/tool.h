/* Shared helpers of the tlsdiag command-line tool. */
#ifndef TLSDIAG_TOOL_H
#define TLSDIAG_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */
#include "tlsdiag/textout.h"

/* Exit codes (documented in docs/tlsdiag.1 and README.md). */
enum {
    TOOL_EXIT_OK = 0,            /* everything asked for was done */
    TOOL_EXIT_PROBLEM = 1,       /* done, but some input items were bad or a check failed */
    TOOL_EXIT_USAGE = 2,         /* bad command line */
    TOOL_EXIT_ERROR = 3,         /* could not run: I/O error, out of memory, ... */
    TOOL_EXIT_INTERRUPTED = 130, /* SIGINT or SIGTERM: what was finished was written */
};

/* SIGINT and SIGTERM set tool_stop_signal (to the signal's number) instead of ending the
 * process, once: a second one (TLSD_SIGNAL_REPEAT_MS after the first, not the same one
 * delivered twice) ends it as usual. For commands that write what they
 * finished before they stop (scan, analyze). */
#include <signal.h>
extern volatile sig_atomic_t tool_stop_signal;
void tool_catch_stop_signals(void);

struct tool_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int tool_ciphers(int argc, char **argv);
int tool_profiles(int argc, char **argv);
int tool_match(int argc, char **argv);
int tool_scan(int argc, char **argv);
int tool_explain(int argc, char **argv);
int tool_serve(int argc, char **argv);
int tool_connect(int argc, char **argv);
int tool_analyze(int argc, char **argv);
int tool_watch(int argc, char **argv);
int tool_events(int argc, char **argv);

/* Colour: on when stdout is a terminal and NO_COLOR is unset; --color and
 * --no-color override. */
enum tool_color_mode { TOOL_COLOR_AUTO, TOOL_COLOR_ALWAYS, TOOL_COLOR_NEVER };
bool tool_use_color(enum tool_color_mode mode, FILE *f);

/* Text fitted to the terminal (issue 17): every text report keeps to the width of the
 * terminal it is printed on. The width is COLUMNS when set to a number, else the size of
 * the terminal on stdout, else TOOL_WIDTH_DEFAULT (not a terminal: a file, a pipe). */
#define TOOL_WIDTH_DEFAULT 80
#define TOOL_WIDTH_MIN     40
#define TOOL_WIDTH_MAX     10000
size_t tool_term_width(void);
/* From here on every line written to stdout that is wider than tool_term_width() is
 * wrapped at item boundaries with a hanging indent (tlsd_text_wrap). For text reports
 * only: JSON, CSV and lists meant for other programs must stay as they are. 0, or -1 when
 * the filter could not be set up (stdout is then as it was). */
int tool_fit_stdout(void);
/* printf of one line (no newline in fmt), wrapped to the width with continuation lines at
 * indent columns (or TLSD_WRAP_AUTO): for a table whose last column is free text. */
void tool_wrapf(size_t indent, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));

/* Prints a table (tlsdiag/textout.h) to stdout, fitted to tool_term_width(), and frees its rows. */
void tool_table_print(struct tlsd_table *t);

/* getopt codes of the options every command shares (beyond -h). */
enum { TOOL_OPT_COLOR = 0x180, TOOL_OPT_NO_COLOR };
/* Their long options, last in every command's table (then its {NULL, 0, NULL, 0}). */
#define TOOL_COMMON_LONGOPTS                                                                       \
    {"color", no_argument, NULL, TOOL_OPT_COLOR}, {"colour", no_argument, NULL, TOOL_OPT_COLOR},   \
        {"no-color", no_argument, NULL, TOOL_OPT_NO_COLOR},                                        \
        {"no-colour", no_argument, NULL, TOOL_OPT_NO_COLOR},                                       \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* The options every command shares, for its getopt switch: TOOL_OPT_COLOR, TOOL_OPT_NO_COLOR,
 * 'h' (--help: prints help) and anything unknown (getopt said what;
 * main points to --help). Returns 0 to go on, 1 after
 * --help, -1 for a bad option. */
int tool_common_option(int c, const char *help, enum tool_color_mode *color);

/* Options anywhere on the line, as GNU tools take them ("scan HOST --json", "explain 36874
 * --json"): reorders argv[1..argc) so that the option words (each with its argument) come
 * first in their order, and returns how many words getopt_long should see (pass it as argc;
 * the operands then start at optind). "--" ends the options; "-" and a negative number
 * ("-2146893018") are operands. Resets optind. */
struct option;
int tool_permute(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* The number parser of option values: decimal digits only, from min to max. -1 with
 * "OPT 'S': a number from MIN to MAX" on stderr otherwise (nothing taken as 0). */
int tool_parse_number(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                      uint64_t *out);
/* A size: a number of bytes, or one with the suffix K, M or G (KiB, MiB, GiB; either case),
 * from min to max bytes. -1 with a message naming opt otherwise. */
int tool_parse_size(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
                    uint64_t *out);

/* A duration: a number with the suffix ms, s, m or h, or a bare number in the option's
 * documented unit `bare`, from min_ms to max_ms milliseconds; *ms in milliseconds. -1 with
 * "OPT 'S': a duration from MIN to MAX (...)" on stderr otherwise. Every time option takes
 * it, so "--timeout 5s" means the same to scan (bare: milliseconds) and connect (seconds). */
enum tool_time_unit { TOOL_UNIT_MS, TOOL_UNIT_S };
int tool_parse_duration(const char *cmd, const char *opt, const char *s, enum tool_time_unit bare,
                        uint64_t min_ms, uint64_t max_ms, uint64_t *ms);

/* --fixes N: a number from 0 to TOOL_FIXES_MAX; -1 with a message otherwise ("abc" was
 * taken as 0 before, silently showing no fixes). */
#define TOOL_FIXES_MAX 20
int tool_parse_fixes(const char *cmd, const char *s, size_t *out);

/* Reads a whole stream (at most max bytes). Returns a malloc'd NUL-terminated
 * buffer and its length, or NULL with errno set (EFBIG when too large). */
char *tool_read_all(FILE *f, size_t max, size_t *len);

/* "tlsdiag CMD: note: NOTE" on stderr; nothing when note is "" (e.g. a struct
 * tlsd_profile_err's note: a bare name that was both a built-in profile and a file). */
void tool_note(const char *cmd, const char *note);

/* The arguments joined by single spaces (malloc'd; NULL when out of memory). */
char *tool_join_args(int argc, char **argv, size_t *len);

/* When running as root: gives up root for good (supplementary groups, group, user; default
 * user "nobody") and checks that it cannot be regained. 0 when done or not root; -1 with a
 * message on stderr. Called once the sockets and keys a command needs are open. */
int tool_drop_privileges(const char *cmd, const char *user);

/* The longest server_name OpenSSL sends (TLSEXT_MAXLEN_host_name); a DNS name is at most
 * 253 bytes. */
#define TOOL_SNI_MAX 255
/* A usage check of --sni: -1 (with a message) when it is empty or longer than TOOL_SNI_MAX. */
int tool_check_sni(const char *cmd, const char *sni);
/* -1 (with "OPT PATH: reason" on stderr) when PATH cannot be opened for reading. */
int tool_check_readable(const char *cmd, const char *opt, const char *path);

/* Writes an HTML report (--html FILE) and frees b: every write checked, a failure (or a
 * report that ran out of memory) said on stderr. 0, or -1. */
struct tlsd_strbuf;
int tool_write_html(const char *cmd, const char *path, struct tlsd_strbuf *b);
/* A renderer's text on stdout, then b freed (errors: checked once at exit, tlsdiag.c). */
void tool_print_sb(struct tlsd_strbuf *b);
/* A document as indented JSON and a newline on stdout, then j released (NULL: the newline). */
void tool_print_json(json_t *j);

/* Prints "tlsdiag COMMAND: message" on stderr. */
void tool_err(const char *cmd, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));

/* The model's outcome and the fixes for one side, printed on stdout (the library's
 * renderers: tlsd_outcome_text, tlsd_fixes_text; JSON in tlsdiag/json.h). */
struct tlsd_outcome;
struct tlsd_profile;
void tool_print_outcome(const struct tlsd_outcome *o);
int tool_print_fixes(const struct tlsd_profile *c, const struct tlsd_profile *s,
                     enum tlsd_side side, size_t max);

#endif
