/* Text input decoding: BOMs, UTF-16 (Windows PowerShell 5.1, reg export) and CRLF. */
#include "tlsdiag/textin.h"

#include <stdbool.h>
#include <stdlib.h>

#define REPLACEMENT_CHAR 0xFFFDu
/* How many leading code units the BOM-less UTF-16 guess looks at. */
#define GUESS_UNITS 8

static bool zero_pattern(const uint8_t *in, size_t len, size_t zero_at)
{
    size_t units = len / 2 < GUESS_UNITS ? len / 2 : GUESS_UNITS;
    if (units < 2)
        return false;
    for (size_t i = 0; i < units; i++) {
        const uint8_t *u = in + 2 * i;
        /* ASCII text in UTF-16: one byte zero, the other not. */
        if (u[zero_at] != 0 || u[1 - zero_at] == 0)
            return false;
    }
    return true;
}

enum tlsd_text_encoding tlsd_text_detect(const uint8_t *in, size_t len)
{
    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
        return TLSD_TEXT_UTF8_BOM;
    if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE)
        return TLSD_TEXT_UTF16LE;
    if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF)
        return TLSD_TEXT_UTF16BE;
    if (zero_pattern(in, len, 1))
        return TLSD_TEXT_UTF16LE;
    if (zero_pattern(in, len, 0))
        return TLSD_TEXT_UTF16BE;
    return TLSD_TEXT_8BIT;
}

const char *tlsd_text_encoding_name(enum tlsd_text_encoding enc)
{
    switch (enc) {
    case TLSD_TEXT_UTF8_BOM:
        return "UTF-8 with BOM";
    case TLSD_TEXT_UTF16LE:
        return "UTF-16LE";
    case TLSD_TEXT_UTF16BE:
        return "UTF-16BE";
    case TLSD_TEXT_8BIT:
        break;
    }
    return "8-bit";
}

/* Appends one byte, folding CRLF and a lone CR into LF. *cr remembers a CR just seen. */
static void put_byte(char *out, size_t *n, bool *cr, uint8_t b)
{
    if (b == '\n' && *cr) {
        *cr = false;
        return; /* the CR before it already became '\n' */
    }
    *cr = b == '\r';
    out[(*n)++] = (char)(b == '\r' ? '\n' : b);
}

static void put_utf8(char *out, size_t *n, bool *cr, uint32_t cp)
{
    if (cp < 0x80) {
        put_byte(out, n, cr, (uint8_t)cp);
        return;
    }
    *cr = false;
    if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | cp >> 6);
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | cp >> 18);
        out[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
    }
    out[(*n)++] = (char)(0x80 | (cp & 0x3F));
}

static uint32_t unit_at(const uint8_t *p, bool le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
}

/* One code point from UTF-16 at in[*i], advancing *i; bad sequences become U+FFFD. */
static uint32_t next_utf16(const uint8_t *in, size_t len, size_t *i, bool le)
{
    if (len - *i < 2) {
        *i = len;
        return REPLACEMENT_CHAR; /* a final odd byte */
    }
    uint32_t u = unit_at(in + *i, le);
    *i += 2;
    if (u >= 0xD800 && u <= 0xDBFF && len - *i >= 2) {
        uint32_t lo = unit_at(in + *i, le);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *i += 2;
            return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
    }
    if ((u >= 0xD800 && u <= 0xDFFF) || u == 0)
        return REPLACEMENT_CHAR;
    return u;
}

char *tlsd_text_decode(const uint8_t *in, size_t len, size_t *out_len, enum tlsd_text_encoding *enc)
{
    enum tlsd_text_encoding e = tlsd_text_detect(in, len);
    if (enc)
        *enc = e;
    bool utf16 = e == TLSD_TEXT_UTF16LE || e == TLSD_TEXT_UTF16BE;
    size_t skip = e == TLSD_TEXT_UTF8_BOM ? 3 : utf16 && (in[0] == 0xFF || in[0] == 0xFE) ? 2 : 0;
    /* A UTF-16 code unit (2 bytes) becomes at most 3 UTF-8 bytes; a pair (4) at most 4. */
    size_t cap = utf16 ? (len / 2 + 1) * 3 : len;
    char *out = malloc(cap + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    bool cr = false;
    if (utf16) {
        bool le = e == TLSD_TEXT_UTF16LE;
        for (size_t i = skip; i < len;)
            put_utf8(out, &n, &cr, next_utf16(in, len, &i, le));
    } else {
        for (size_t i = skip; i < len; i++)
            put_byte(out, &n, &cr, in[i]);
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}
