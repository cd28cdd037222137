#include "tlsdiag/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct tlsd_strbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->s = p;
    b->cap = cap;
    return true;
}

void tlsd_sb_putn(struct tlsd_strbuf *b, const char *p, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Appends v in decimal (negative: with its sign). */
static void put_decimal(struct tlsd_strbuf *b, unsigned long long v, bool negative)
{
    char tmp[24], *p = tmp + sizeof tmp;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    if (negative)
        *--p = '-';
    tlsd_sb_putn(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_signed(struct tlsd_strbuf *b, long long v)
{
    put_decimal(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/* Formats fmt itself when its conversions are only %s, %d, %u, %ld, %lu, %lld, %llu, %zu
 * and %% (most of the library's texts: the diagnosis' sentences, the text reports):
 * glibc's vsnprintf sets up a FILE for each call, about a thousand instructions before
 * the first byte. False for anything else (flags, widths, precisions, other
 * conversions) or a NULL string, having consumed part of ap and appended part of the
 * text: the caller takes both back and asks vsnprintf. */
static bool simple_format(struct tlsd_strbuf *b, const char *fmt, va_list ap)
{
    for (const char *p = fmt;;) {
        const char *q = strchr(p, '%');
        q = q ? q : p + strlen(p);
        tlsd_sb_putn(b, p, (size_t)(q - p));
        if (!*q)
            return true;
        const char *s;
        int longs = 0;
        for (p = q + 1; *p == 'l' && longs < 2; p++)
            longs++;
        switch (*p) {
        case 's':
            if (longs || !(s = va_arg(ap, const char *)))
                return false;
            tlsd_sb_putn(b, s, strlen(s));
            break;
        case 'd':
            put_signed(b, longs == 2 ? va_arg(ap, long long)
                          : longs    ? va_arg(ap, long)
                                     : va_arg(ap, int));
            break;
        case 'u':
            put_decimal(b,
                        longs == 2 ? va_arg(ap, unsigned long long)
                        : longs    ? va_arg(ap, unsigned long)
                                   : va_arg(ap, unsigned),
                        false);
            break;
        case 'z':
            if (longs || p[1] != 'u')
                return false;
            put_decimal(b, va_arg(ap, size_t), false);
            p++;
            break;
        case '%':
            if (longs)
                return false;
            tlsd_sb_putn(b, "%", 1);
            break;
        default:
            return false;
        }
        p++;
    }
}

/* The simple formats by hand (simple_format); others in one formatting pass when the text
 * fits in the room left (the common case), two otherwise. */
void tlsd_sb_printf(struct tlsd_strbuf *b, const char *fmt, ...)
{
    va_list ap, simple;
    if (b->failed || !reserve(b, 64))
        return;
    size_t mark = b->len;
    va_start(simple, fmt);
    bool done = simple_format(b, fmt, simple);
    va_end(simple);
    if (done || b->failed)
        return;
    b->len = mark;
    b->s[mark] = '\0';
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return;
    }
    b->s[b->len] = '\0';
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void tlsd_sb_puts(struct tlsd_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

char *tlsd_sb_take(struct tlsd_strbuf *b)
{
    if (b->failed || !reserve(b, 0)) {
        tlsd_sb_free(b);
        return NULL;
    }
    b->s[b->len] = '\0';
    char *s = b->s;
    memset(b, 0, sizeof *b);
    return s;
}

void tlsd_sb_free(struct tlsd_strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
