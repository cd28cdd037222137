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

/* One formatting pass when the text fits in the room left (the common case), two
 * otherwise. */
void tlsd_sb_printf(struct tlsd_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->failed || !reserve(b, 64))
        return;
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
