/* Text from the network or a file, made safe for a terminal and for JSON.
 *
 * A server name, ALPN protocol, certificate name or error text comes from the peer: it may
 * hold ESC sequences, newlines, other control characters or bytes that are not UTF-8.
 * Nothing of it reaches a terminal raw (tlsd_text_escape) and every JSON string is valid
 * UTF-8 (tlsd_text_utf8). */
#ifndef TLSDIAG_TEXTOUT_H
#define TLSDIAG_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tlsd_strbuf;

#include "tlsdiag/strbuf.h"

/* Writes s[0..n) to out (always NUL-terminated, cut with "..." when outlen is too small):
 * printable ASCII and well-formed UTF-8 of printable characters as they are; a backslash
 * as "\\"; every control character (C0, DEL, C1), and every byte that is not part of
 * well-formed UTF-8, as "\xHH". Returns out. */
char *tlsd_text_escape(const char *s, size_t n, char *out, size_t outlen);

/* A copy of s[0..n) that is valid UTF-8 with no U+0000 (caller frees; NULL when memory
 * runs out): well-formed UTF-8 is kept, every other byte 0xHH becomes the character U+00HH
 * (the byte read as Latin-1, as "\u00HH" in JSON escapes), and a NUL byte becomes U+FFFD.
 * Control characters stay: JSON escapes them. */
char *tlsd_text_utf8(const char *s, size_t n);

/* Text for a terminal of a given width.
 *
 * The display columns of s[0..n): one per character (a well-formed UTF-8 sequence or a
 * lone byte), none for the ANSI colour sequences (ESC '[' ... 'm') the renderers add. */
size_t tlsd_text_columns(const char *s, size_t n);

/* Lets tlsd_text_wrap choose the hanging indent. */
#define TLSD_WRAP_AUTO ((size_t)-1)
/* The fewest columns a wrapped line keeps for its text, whatever the indent. */
#define TLSD_WRAP_MIN_ROOM 20

/* Appends line[0..n) (one line, no newline) to out as lines of at most width columns, each
 * ending in '\n'. A line is broken only between items: at a space (the spaces at the break
 * are dropped) or after a ',', ';', '|' or ':' that joins two items without a space
 * ("A,B", "A:B"; not "10:05" nor "https://"), never inside a Windows registry path
 * ("...\\Protocols\\TLS 1.2\\Client", to be copied whole). A word longer than the room stays whole
 * on a line of its own (URLs, long names). Continuation lines start at the hanging indent: indent,
 * or with TLSD_WRAP_AUTO under the text after the line's label ("  offered  up to
 * ...", "Cipher Suite Order: A,B", "- item", "1. item") when that is in the first half of
 * the width, else the line's own indent plus two. */
void tlsd_text_wrap(const char *line, size_t n, size_t width, size_t indent,
                    struct tlsd_strbuf *out);

/* Times, as a reader matches them with an event log (issue 17). Room for either form. */
#define TLSD_TIME_LEN 40
/* usec microseconds since the epoch as RFC 3339 UTC: "2022-06-07T22:50:43.123456Z", or
 * "2022-06-07T22:50:43Z" without frac (certificate dates). NULL (out = "") when the time
 * cannot be shown (outside the years 0000-9999). */
char *tlsd_time_utc(int64_t usec, bool frac, char *out, size_t len);
/* The same as local time with its UTC offset and milliseconds, for text:
 * "2022-06-08 00:50:43.123 +02:00". */
char *tlsd_time_local(int64_t usec, char *out, size_t len);
/* Where tlsd_text_put writes to. */
enum tlsd_text_dest {
    TLSD_TEXT_TERMINAL, /* a terminal or text file */
    TLSD_TEXT_HTML,     /* HTML element content or a quoted attribute value */
};

/* Appends s[0..n) to b, whole: well-formed UTF-8 of printable characters as it is, every
 * control character (C0, DEL, C1) and every byte that is not well-formed UTF-8 as "\xhh";
 * for HTML also & < > " ' as entities. */
void tlsd_text_put(struct tlsd_strbuf *b, const char *s, size_t n, enum tlsd_text_dest dest);

/* Terminal styles (ANSI SGR sequences) of the text renderers, used only when colour is on
 * (tlsd_style). tlsd_text_columns counts none of them. */
#define TLSD_SGR_BOLD       "\033[1m"
#define TLSD_SGR_BOLD_RED   "\033[1;31m"
#define TLSD_SGR_YELLOW     "\033[33m"
#define TLSD_SGR_GREEN      "\033[32m"
#define TLSD_SGR_BOLD_GREEN "\033[1;32m"
#define TLSD_SGR_BOLD_CYAN  "\033[1;36m"
#define TLSD_SGR_RESET      "\033[0m"
/* A progress line's start on stderr: back to the first column, the old line erased. */
#define TLSD_TERM_CLEAR_LINE "\r\033[K"
/* sgr when colour is on, else "". */
static inline const char *tlsd_style(const char *sgr, bool on)
{
    return on ? sgr : "";
}

/* A table fitted to a width: columns as wide as their widest cell, two spaces apart; when
 * not all fit, the columns are kept in the order of keep[] (the most important first; a
 * column that does not fit is skipped for the next) and written in their own order. The
 * first kept column is written whatever the width. */
struct tlsd_table {
    size_t n_cols, n_rows, cap;
    const char *const *heads; /* n_cols titles, or NULL for no header row */
    const size_t *keep;       /* n_cols column indexes, most important first */
    size_t indent;            /* spaces before each row */
    char **cells;             /* n_rows * n_cols copies (colour sequences allowed) */
    bool failed;              /* out of memory: rows were lost */
};
/* Adds a row of t->n_cols cells (copied; NULL is an empty cell). */
void tlsd_table_row(struct tlsd_table *t, const char *const *cells);
/* Appends the table's lines, fitted to width, to out and frees its rows. */
void tlsd_table_render(struct tlsd_table *t, size_t width, struct tlsd_strbuf *out);

#endif
