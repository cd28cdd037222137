/* Peer-supplied text made safe for a terminal and for JSON (textout.h). */
#include "platform.h"

#include "tlsdiag/textout.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsdiag/strbuf.h"

#include "base/utf8_internal.h"

/* The length of the well-formed UTF-8 sequence (or ASCII byte) at s, 0 when s does not start
 * one; *cp gets the code point. */
static size_t seq_at(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t k = tlsd_utf8_seq(s, n);
    if (k)
        *cp = tlsd_utf8_decode(s, k);
    return k;
}

char *tlsd_text_escape(const char *s, size_t n, char *out, size_t outlen)
{
    if (outlen < 4) {
        if (outlen)
            out[0] = '\0';
        return out;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = seq_at(u + i, n - i, &cp);
        char esc[12];
        const char *piece = s + i;
        size_t plen = k;
        if (k == 0 || tlsd_cp_is_control(cp)) {
            k = k ? k : 1;
            /* A C1 control in UTF-8 is two bytes: each shown. */
            plen = 0;
            for (size_t j = 0; j < k; j++)
                plen += (size_t)snprintf(esc + plen, sizeof esc - plen, "\\x%02X", u[i + j]);
            piece = esc;
        } else if (cp == '\\') {
            piece = "\\\\";
            plen = 2;
        }
        /* o + 4 <= outlen holds throughout: room is kept for "..." and the NUL. */
        if (o + plen + 4 > outlen) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += k;
    }
    out[o] = '\0';
    return out;
}

char *tlsd_text_utf8(const char *s, size_t n)
{
    char *out = malloc(n * 3 + 1); /* a byte becomes at most three (U+FFFD) */
    if (!out)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = seq_at(u + i, n - i, &cp);
        if (k > 0 && cp != 0) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        /* The byte as Latin-1 (U+0080..U+00FF); a NUL, which would end a C string, as
         * U+FFFD. */
        if (u[i] == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        unsigned b = u[i];
        out[o++] = (char)(0xC0 | b >> 6);
        out[o++] = (char)(0x80 | (b & 0x3F));
        i++;
    }
    out[o] = '\0';
    return out;
}

/* The length of the colour sequence at s (ESC '[' digits and ';' 'm'), 0 when there is
 * none there. */
static size_t sgr_len(const char *s, size_t n)
{
    if (n < 3 || s[0] != '\033' || s[1] != '[')
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] == 'm')
            return i + 1;
        if (!isdigit((unsigned char)s[i]) && s[i] != ';')
            return 0;
    }
    return 0;
}

/* The bytes of the character or colour sequence at s; *cols gets its columns. */
static size_t char_at(const char *s, size_t n, size_t *cols)
{
    size_t k = sgr_len(s, n);
    if (k) {
        *cols = 0;
        return k;
    }
    *cols = 1;
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80)
        return 1;
    k = tlsd_utf8_seq(u, n);
    return k ? k : 1;
}

size_t tlsd_text_columns(const char *s, size_t n)
{
    size_t cols = 0;
    for (size_t i = 0; i < n;) {
        size_t c;
        i += char_at(s + i, n - i, &c);
        cols += c;
    }
    return cols;
}

/* Whether the character before s[i] joins two items, so that the line may break after it:
 * "A,B", "A;B", "A|B", "A:B" -- but not a time or address ("10:05", "[::1]:443") nor
 * "https://". */
static bool joins(const char *s, size_t n, size_t i)
{
    if (i < 2 || i >= n || s[i] == ' ')
        return false;
    char c = s[i - 1];
    if (c == ',' || c == ';' || c == '|')
        return true;
    if (c != ':' || s[i] == '/' || s[i] == ':' || s[i - 2] == ':')
        return false;
    return !(isdigit((unsigned char)s[i - 2]) && isdigit((unsigned char)s[i]));
}

/* Whether the space at s[i] is inside a Windows registry path ("...\\Protocols\\TLS
 * 1.2\\Client"): the words on both sides hold a backslash. Such a path stays on one line,
 * to be copied. */
static bool in_path(const char *s, size_t n, size_t i)
{
    bool before = false, after = false;
    for (size_t j = i; j > 0 && s[j - 1] != ' ' && !before; j--)
        before = s[j - 1] == '\\';
    for (size_t j = i + 1; j < n && s[j] != ' ' && !after; j++)
        after = s[j] == '\\';
    return before && after;
}

/* What a line holds that the wrapping must look at: ASCII without escapes only (plain:
 * a byte is a column), and backslashes (a registry path may be in it). Found once per
 * line, so that the byte-by-byte walk of a report's lines skips what cannot apply. */
struct line_kind {
    bool plain, paths;
};

/* Whether some byte of x is zero (exact: no false positives). */
static inline uint64_t has_zero_byte(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull;
    return (x - ones) & ~x & (ones * 0x80);
}

/* Eight bytes at a time: a report's long lines are most of its bytes. */
static struct line_kind line_kind(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t high = 0, esc = 0, slash = 0, x;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        high |= x;
        esc |= has_zero_byte(x ^ (ones * '\033'));
        slash |= has_zero_byte(x ^ (ones * '\\'));
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        high |= c;
        esc |= c == '\033';
        slash |= c == '\\';
    }
    return (struct line_kind){.plain = !(high & ones * 0x80) && !esc, .paths = slash != 0};
}

/* Where the piece of s that starts at pos and fits in room columns ends (at the last item
 * boundary that fits, or at the first one when none does); *next gets where the following
 * piece starts (past the spaces at the break). */
static size_t piece_end(const char *s, size_t n, size_t pos, size_t room, struct line_kind lk,
                        size_t *next)
{
    size_t cols = 0, end = 0;
    bool text = false;
    for (size_t i = pos; i < n;) {
        size_t c = 1, k = lk.plain ? 1 : char_at(s + i, n - i, &c);
        if (cols + c > room && end)
            return end;
        cols += c;
        text = text || s[i] != ' ';
        i += k;
        if (i == n)
            break;
        if (!text)
            continue; /* a break inside the leading spaces would print nothing */
        size_t e = 0, nx = i;
        if (s[i] == ' ' && s[i - 1] == ' ')
            continue; /* the break is before the first of several spaces */
        if (s[i] == ' ' && !(lk.paths && in_path(s, n, i))) {
            e = i;
            while (nx < n && s[nx] == ' ')
                nx++;
        } else if (joins(s, n, i)) {
            e = i;
        }
        if (e && (cols <= room || !end)) {
            end = e;
            *next = nx;
        }
        if (e && cols > room)
            return end; /* the first boundary past the room: a word longer than the room */
    }
    *next = n;
    return n;
}

/* Whether a plain line may break at s[i] (after the item before it): at the first of one
 * or more spaces (*next past them), or after a character that joins two items (*next =
 * i). */
static bool plain_break(const char *s, size_t n, size_t i, size_t *next)
{
    if (s[i] == ' ') {
        if (s[i - 1] == ' ')
            return false; /* the break is before the first of several spaces */
        size_t nx = i;
        while (nx < n && s[nx] == ' ')
            nx++;
        *next = nx;
        return true;
    }
    char c = s[i - 1]; /* joins() needs one of these before i */
    if ((c != ',' && c != ';' && c != '|' && c != ':') || !joins(s, n, i))
        return false;
    *next = i;
    return true;
}

/* piece_end for a plain line without a registry path (the most of a report): a byte is a
 * column, so the piece is the rest when it fits, else it ends at the last break within
 * the room, found walking back from the room's end (a word's length, not the whole
 * piece), else at the first break past it (a word longer than the room). No break inside
 * the leading spaces: it would print nothing. */
static size_t piece_end_plain(const char *s, size_t n, size_t pos, size_t room, size_t *next)
{
    *next = n;
    if (n - pos <= room)
        return n;
    size_t j0 = pos;
    while (j0 < n && s[j0] == ' ')
        j0++;
    for (size_t i = pos + room; i > j0; i--)
        if (plain_break(s, n, i, next))
            return i;
    for (size_t i = (j0 > pos + room ? j0 : pos + room) + 1; i < n; i++)
        if (plain_break(s, n, i, next))
            return i;
    *next = n;
    return n;
}

/* The columns of the label a continuation line is indented under (TLSD_WRAP_AUTO), or 0. */
static size_t label_columns(const char *s, size_t n, size_t lead)
{
    const char *p = s + lead;
    size_t m = n - lead, at = 0;
    if (m >= 2 && (p[0] == '-' || p[0] == '*') && p[1] == ' ')
        return lead + 2;
    size_t d = 0;
    while (d < m && d < 4 && isdigit((unsigned char)p[d]))
        d++;
    if (d > 0 && d + 1 < m && p[d] == '.' && p[d + 1] == ' ')
        return lead + d + 2;
    size_t w = 0;
    while (w < m && p[w] != ' ')
        w++;
    if (w > 0 && w + 1 < m && p[w + 1] == ' ') { /* "offered  up to ..." */
        at = w;
    } else {
        for (size_t i = 0; i + 1 < m && !at; i++)
            if (p[i] == ':' && p[i + 1] == ' ') /* "Cipher Suite Order: ..." */
                at = i + 1;
    }
    if (!at)
        return 0;
    while (at < m && p[at] == ' ')
        at++;
    return at < m ? tlsd_text_columns(s, lead + at) : 0;
}

static size_t auto_indent(const char *s, size_t n, size_t width)
{
    size_t lead = 0;
    while (lead < n && s[lead] == ' ')
        lead++;
    size_t label = label_columns(s, n, lead);
    return label && label <= width / 2 ? label : lead + 2;
}

static void put_spaces(struct tlsd_strbuf *out, size_t n)
{
    static const char sp[] = "                                "; /* 32 */
    for (size_t k; n > 0; n -= k) {
        k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        tlsd_sb_putn(out, sp, k);
    }
}

void tlsd_text_wrap(const char *s, size_t n, size_t width, size_t indent, struct tlsd_strbuf *out)
{
    /* A column takes a byte at least, and a plain line's byte is one. */
    struct line_kind lk = {.plain = false, .paths = true};
    if (n > width)
        lk = line_kind(s, n);
    if (n <= width || (!lk.plain && tlsd_text_columns(s, n) <= width)) {
        tlsd_sb_putn(out, s, n);
        tlsd_sb_putn(out, "\n", 1);
        return;
    }
    if (indent == TLSD_WRAP_AUTO)
        indent = auto_indent(s, n, width);
    if (width < indent + TLSD_WRAP_MIN_ROOM)
        indent = width > TLSD_WRAP_MIN_ROOM ? width - TLSD_WRAP_MIN_ROOM : 0;
    size_t pos = 0;
    for (bool first = true; pos < n; first = false) {
        size_t next;
        size_t room = width - (first ? 0 : indent);
        size_t end = lk.plain && !lk.paths ? piece_end_plain(s, n, pos, room, &next)
                                           : piece_end(s, n, pos, room, lk, &next);
        if (!first)
            put_spaces(out, indent);
        tlsd_sb_putn(out, s + pos, end - pos);
        tlsd_sb_putn(out, "\n", 1);
        pos = next;
    }
}

/* Splits usec into whole seconds (floor) and the microseconds past them; false when the
 * broken-down time is outside the years 0000-9999. */
static bool split_time(int64_t usec, bool local, struct tm *tm, long *micros)
{
    int64_t sec = usec / 1000000, rest = usec % 1000000;
    if (rest < 0) {
        sec--;
        rest += 1000000;
    }
    time_t t = (time_t)sec;
    *micros = (long)rest;
    if (!(local ? tlsd_localtime(&t, tm) : tlsd_gmtime(&t, tm)))
        return false;
    return tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900;
}

/* v in exactly n decimal digits, zero-padded (v < 10^n). */
static char *put_digits(char *o, unsigned long v, size_t n)
{
    for (size_t i = n; i-- > 0; v /= 10)
        o[i] = (char)('0' + v % 10);
    return o + n;
}

/* "YYYY-MM-DD", sep, "HH:MM:SS" (a year of four digits). */
static char *put_date_time(char *o, const struct tm *tm, char sep)
{
    o = put_digits(o, (unsigned long)tm->tm_year + 1900, 4);
    *o++ = '-';
    o = put_digits(o, (unsigned long)tm->tm_mon + 1, 2);
    *o++ = '-';
    o = put_digits(o, (unsigned long)tm->tm_mday, 2);
    *o++ = sep;
    o = put_digits(o, (unsigned long)tm->tm_hour, 2);
    *o++ = ':';
    o = put_digits(o, (unsigned long)tm->tm_min, 2);
    *o++ = ':';
    return put_digits(o, (unsigned long)tm->tm_sec, 2);
}

char *tlsd_time_utc(int64_t usec, bool frac, char *out, size_t len)
{
    struct tm tm;
    long micros;
    if (len)
        out[0] = '\0';
    if (!split_time(usec, false, &tm, &micros) || len < TLSD_TIME_LEN)
        return NULL;
    if (tm.tm_year + 1900 < 1000) { /* strftime's %Y: no leading zeros */
        size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, len - n, frac ? ".%06ldZ" : "Z", micros);
        return out;
    }
    /* Written by hand: a timestamp or two per connection of a capture. */
    char *o = put_date_time(out, &tm, 'T');
    if (frac) {
        *o++ = '.';
        o = put_digits(o, (unsigned long)micros, 6);
    }
    *o++ = 'Z';
    *o = '\0';
    return out;
}

char *tlsd_time_local(int64_t usec, char *out, size_t len)
{
    struct tm tm;
    long micros;
    if (len)
        out[0] = '\0';
    if (!split_time(usec, true, &tm, &micros) || len < TLSD_TIME_LEN)
        return NULL;
    long off = tlsd_utc_offset_min(&tm); /* minutes east of UTC */
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    if (tm.tm_year + 1900 < 1000 || off / 60 > 99) { /* strftime's %Y: no leading zeros */
        size_t n = strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(out + n, len - n, ".%03ld %c%02ld:%02ld", micros / 1000, sign, off / 60, off % 60);
        return out;
    }
    /* By hand, as tlsd_time_utc: one per connection of a text report. */
    char *o = put_date_time(out, &tm, ' ');
    *o++ = '.';
    o = put_digits(o, (unsigned long)micros / 1000, 3);
    *o++ = ' ';
    *o++ = sign;
    o = put_digits(o, (unsigned long)off / 60, 2);
    *o++ = ':';
    o = put_digits(o, (unsigned long)off % 60, 2);
    *o = '\0';
    return out;
}

static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

void tlsd_text_put(struct tlsd_strbuf *b, const char *s, size_t n, enum tlsd_text_dest dest)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp;
        size_t seq = seq_at(p + i, n - i, &cp);
        const char *ent = dest == TLSD_TEXT_HTML && seq == 1 ? html_entity(p[i]) : NULL;
        if (seq && !ent && !tlsd_cp_is_control(cp)) {
            i += seq - 1;
            continue;
        }
        tlsd_sb_putn(b, s + run, i - run);
        size_t len = seq ? seq : 1;
        if (ent)
            tlsd_sb_puts(b, ent);
        for (size_t k = 0; !ent && k < len; k++) {
            char esc[4] = {'\\', 'x', hex[p[i + k] >> 4], hex[p[i + k] & 15]};
            tlsd_sb_putn(b, esc, sizeof esc);
        }
        i += len - 1;
        run = i + 1;
    }
    tlsd_sb_putn(b, s + run, n - run);
}
