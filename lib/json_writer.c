/* Streaming JSON text writer (json_writer.h). Strings are escaped as RFC 8259 section 7
 * requires: quote, backslash and control characters; bytes >= 0x80 pass through (the
 * texts written are UTF-8 or ASCII; names from certificates are escaped by libcrypto). */
#include "json_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void put(struct tlsd_jw *w, const char *p, size_t n)
{
    tlsd_sb_putn(w->b, p, n);
}

static bool plain(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static void put_escaped(struct tlsd_jw *w, const char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[256];
    if (n + 2 <= sizeof tmp && plain(v, n)) { /* the common case: one append */
        tmp[0] = '"';
        memcpy(tmp + 1, v, n);
        tmp[n + 1] = '"';
        put(w, tmp, n + 2);
        return;
    }
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            put(w, v + i, 1);
            continue;
        }
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        if (c == '\n')
            esc[1] = 'n';
        else if (c == '\t')
            esc[1] = 't';
        else if (c == '\r')
            esc[1] = 'r';
        else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        put(w, esc, len);
    }
    put(w, "\"", 1);
}

/* The separator and the member name before a value. */
static void prefix(struct tlsd_jw *w, const char *key)
{
    char tmp[64];
    size_t n = 0;
    if (w->depth > 0) {
        if (!w->first[w->depth - 1])
            tmp[n++] = ',';
        w->first[w->depth - 1] = false;
    }
    size_t kl = key ? strlen(key) : 0;
    if (key && kl + 4 <= sizeof tmp && plain(key, kl)) { /* member names are plain */
        tmp[n++] = '"';
        memcpy(tmp + n, key, kl);
        n += kl;
        tmp[n++] = '"';
        tmp[n++] = ':';
        key = NULL;
    }
    put(w, tmp, n);
    if (key) {
        put_escaped(w, key, kl);
        put(w, ":", 1);
    }
}

static void open_level(struct tlsd_jw *w, const char *key, const char *bracket)
{
    prefix(w, key);
    put(w, bracket, 1);
    if (w->depth >= TLSD_JW_MAX_DEPTH) {
        w->b->failed = true;
        return;
    }
    w->first[w->depth++] = true;
}

static void close_level(struct tlsd_jw *w, const char *bracket)
{
    if (w->depth > 0)
        w->depth--;
    put(w, bracket, 1);
}

void tlsd_jw_begin_object(struct tlsd_jw *w, const char *key)
{
    open_level(w, key, "{");
}

void tlsd_jw_end_object(struct tlsd_jw *w)
{
    close_level(w, "}");
}

void tlsd_jw_begin_array(struct tlsd_jw *w, const char *key)
{
    open_level(w, key, "[");
}

void tlsd_jw_end_array(struct tlsd_jw *w)
{
    close_level(w, "]");
}

void tlsd_jw_stringn(struct tlsd_jw *w, const char *key, const char *v, size_t n)
{
    prefix(w, key);
    put_escaped(w, v, n);
}

void tlsd_jw_string(struct tlsd_jw *w, const char *key, const char *v)
{
    if (!v) {
        tlsd_jw_null(w, key);
        return;
    }
    tlsd_jw_stringn(w, key, v, strlen(v));
}

void tlsd_jw_int(struct tlsd_jw *w, const char *key, int64_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    prefix(w, key);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void tlsd_jw_uint_or_null(struct tlsd_jw *w, const char *key, uint64_t v)
{
    if (v == 0 || v > INT64_MAX)
        tlsd_jw_null(w, key);
    else
        tlsd_jw_int(w, key, (int64_t)v);
}

void tlsd_jw_real(struct tlsd_jw *w, const char *key, double v)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.6f", v);
    prefix(w, key);
    put(w, tmp, n > 0 ? (size_t)n : 0);
}

void tlsd_jw_bool(struct tlsd_jw *w, const char *key, bool v)
{
    prefix(w, key);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void tlsd_jw_null(struct tlsd_jw *w, const char *key)
{
    prefix(w, key);
    put(w, "null", 4);
}
