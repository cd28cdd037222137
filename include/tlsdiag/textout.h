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

/* Where tlsd_text_put writes to. */
enum tlsd_text_dest {
    TLSD_TEXT_TERMINAL, /* a terminal or text file */
    TLSD_TEXT_HTML,     /* HTML element content or a quoted attribute value */
};

/* Appends s[0..n) to b, whole: well-formed UTF-8 of printable characters as it is, every
 * control character (C0, DEL, C1) and every byte that is not well-formed UTF-8 as "\xhh";
 * for HTML also & < > " ' as entities. */
void tlsd_text_put(struct tlsd_strbuf *b, const char *s, size_t n, enum tlsd_text_dest dest);

#endif
