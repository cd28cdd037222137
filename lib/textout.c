/* Peer-supplied text made safe for a terminal and for JSON (textout.h). */
#include "tlsdiag/textout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8_internal.h"

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
