/* Streaming JSON text writer (json_writer.h). Strings are escaped as RFC 8259 section 7
 * requires: quote, backslash and control characters. Well-formed UTF-8 passes through;
 * a byte that is not part of it (a peer's server name or ALPN may hold any bytes) is
 * written as \u00XX, the byte's value as a code point (as Latin-1 reads it), so that the
 * output is always valid UTF-8 (RFC 8259 8.1). */
#include "analyze/json_writer.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8_internal.h"

/* The common case, room in the buffer, without a call; the buffer stays terminated. */
static inline void put(struct tlsd_jw *w, const char *p, size_t n)
{
    struct tlsd_strbuf *b = w->b;
    if (b->len + n < b->cap && !b->failed) {
        memcpy(b->s + b->len, p, n);
        b->len += n;
        b->s[b->len] = '\0';
        return;
    }
    tlsd_sb_putn(b, p, n);
}

/* Bytes that need an escape (RFC 8259 7): control characters, quote, backslash; and a
 * look at bytes >= 0x80 (UTF-8, or a byte to escape). */
static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* Whether one of the 8 bytes of x needs an escape (needs_escape), without a branch per
 * byte: x itself has a high bit for bytes >= 0x80; otherwise (all below 0x80) each
 * subtraction borrows into a byte's high bit exactly when some byte is below 0x20 or
 * equal to the quote or the backslash (the haszero/hasless bit tricks). */
static inline bool word_needs_escape(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t t = (x - ones * 0x20) | ((x ^ (ones * '"')) - ones) | ((x ^ (ones * '\\')) - ones);
    return ((t | x) & (ones * 0x80)) != 0;
}

static void put_escaped_slow(struct tlsd_jw *w, const char *v, size_t n);

#ifndef NDEBUG
static bool key_needs_escape(const char *key, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (needs_escape((unsigned char)key[i]))
            return true;
    return false;
}
#endif

/* The common case, a plain string with room for it: checked while it is copied. */
static void put_escaped(struct tlsd_jw *w, const char *v, size_t n)
{
    struct tlsd_strbuf *b = w->b;
    if (!b->failed && b->cap - b->len > n + 2) {
        char *o = b->s + b->len + 1;
        size_t i = 0;
        for (uint64_t x; i + 8 <= n; i += 8) { /* a word at a time while none needs one */
            memcpy(&x, v + i, 8);
            if (word_needs_escape(x))
                break;
            memcpy(o + i, &x, 8);
        }
        while (i < n && !needs_escape((unsigned char)v[i])) {
            o[i] = v[i];
            i++;
        }
        if (i == n) {
            o[-1] = '"';
            o[n] = '"';
            b->len += n + 2;
            b->s[b->len] = '\0';
            return;
        }
    }
    put_escaped_slow(w, v, n);
}

static void put_escaped_slow(struct tlsd_jw *w, const char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    put(w, "\"", 1);
    size_t run = 0; /* start of the plain bytes not yet written */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        size_t seq = c >= 0x80 ? tlsd_utf8_seq((const unsigned char *)v + i, n - i) : 0;
        if (seq) {
            i += seq - 1;
            continue;
        }
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        put(w, v + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        if (c == '\n')
            esc[1] = 'n';
        else if (c == '\t')
            esc[1] = 't';
        else if (c == '\r')
            esc[1] = 'r';
        else if (c < 0x20 || c >= 0x80) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        put(w, esc, len);
    }
    put(w, v + run, n - run);
    put(w, "\"", 1);
}

/* The separator and the member name before a value. */
static void prefix_slow(struct tlsd_jw *w, const char *key, bool comma)
{
    if (comma)
        put(w, ",", 1);
    if (key) {
        put_escaped(w, key, strlen(key));
        put(w, ":", 1);
    }
}

#define KEY_FAST 48 /* member names up to this long take the fast path */

/* Member names are string literals, a few dozen of them written millions of times: their
 * lengths (and that they need no escape) are kept in the writer's memo by address, and a
 * known name is copied a word at a time instead of checked byte by byte. The memo is
 * direct-mapped: with 256 slots a few names collided and evicted each other on every
 * connection; 4,096 leave the hundred or so names their own slots. */
#define KEY_SLOTS 4096

void tlsd_jw_memo_init(struct tlsd_jw_memo *m, size_t slots, size_t key_max, size_t value_max)
{
    (void)tlsd_memo_init(&m->keys, KEY_SLOTS, sizeof(const char *), sizeof(size_t));
    (void)tlsd_memo_init(&m->values, slots, key_max, value_max);
}

void tlsd_jw_memo_free(struct tlsd_jw_memo *m)
{
    tlsd_memo_free(&m->keys);
    tlsd_memo_free(&m->values);
}

/* Copies a remembered name to o, a word at a time (no byte past the name is read); its
 * length in *n. False when the name is not remembered. */
static inline bool known_key(struct tlsd_jw_memo *memo, const char *key, char *o, size_t *n)
{
    const size_t *known =
        memo ? tlsd_memo_get(&memo->keys, tlsd_hash_ptr(key), &key, sizeof key, NULL) : NULL;
    if (!known)
        return false;
    size_t len = *known;
    if (len >= 8) {
        for (size_t i = 0; i + 8 <= len; i += 8)
            memcpy(o + i, key + i, 8);
        memcpy(o + len - 8, key + len - 8, 8);
    } else if (len >= 4) {
        memcpy(o, key, 4);
        memcpy(o + len - 4, key + len - 4, 4);
    } else {
        for (size_t i = 0; i < len; i++)
            o[i] = key[i];
    }
    *n = len;
    return true;
}

/* Copies a name to o, checking it on the way: false when it needs an escape or is longer
 * than KEY_FAST; else its length in *n, and it is remembered. */
static inline bool plain_key(struct tlsd_jw_memo *memo, const char *key, char *o, size_t *n)
{
    size_t i = 0;
    for (; key[i]; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x20 || c == '"' || c == '\\' || i >= KEY_FAST)
            return false;
        o[i] = (char)c;
    }
    size_t *m =
        memo ? tlsd_memo_put(&memo->keys, tlsd_hash_ptr(key), &key, sizeof key, sizeof i) : NULL;
    if (m)
        *m = i;
    *n = i;
    return true;
}

/* Copies a literal name (its length known to the caller's compiler, TLSD_JW_KLEN) to o
 * with at most two overlapping moves, no byte past the name read, no look-up and no
 * check: a literal member name is one of the schema's words, which need no escape (the
 * Debug build checks it). */
static inline void literal_key(const char *key, size_t len, char *o)
{
    assert(!key_needs_escape(key, len));
    if (len >= 8) {
        uint64_t x;
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&x, key + i, 8);
            memcpy(o + i, &x, 8);
        }
        memcpy(&x, key + len - 8, 8);
        memcpy(o + len - 8, &x, 8);
    } else if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, key, 4);
        memcpy(&hi, key + len - 4, 4);
        memcpy(o, &lo, 4);
        memcpy(o + len - 4, &hi, 4);
    } else {
        for (size_t i = 0; i < len; i++)
            o[i] = key[i];
    }
}

/* The name's bytes into o (after the opening quote), their count in *n; false: the slow
 * path must write it (an escape, or too long). */
static inline bool fast_key(struct tlsd_jw *w, const char *key, size_t klen, char *o, size_t *n)
{
    if (klen <= KEY_FAST) {
        literal_key(key, klen, o);
        *n = klen;
        return true;
    }
    return known_key(w->memo, key, o, n) || plain_key(w->memo, key, o, n);
}

static inline __attribute__((always_inline)) void prefix(struct tlsd_jw *w, const char *key,
                                                         size_t klen)
{
    bool comma = false;
    if (w->depth > 0) {
        comma = !w->first[w->depth - 1];
        w->first[w->depth - 1] = false;
    }
    struct tlsd_strbuf *b = w->b;
    if (b->failed || b->cap - b->len < KEY_FAST + 8) {
        prefix_slow(w, key, comma);
        return;
    }
    /* Straight into the buffer. */
    char *o = b->s + b->len;
    *o = ',';
    o += comma;
    if (key) {
        size_t n;
        *o++ = '"';
        if (!fast_key(w, key, klen, o, &n)) {
            prefix_slow(w, key, comma);
            return;
        }
        o += n;
        *o++ = '"';
        *o++ = ':';
    }
    b->len = (size_t)(o - b->s);
    b->s[b->len] = '\0';
}

static void open_level(struct tlsd_jw *w, const char *key, size_t klen, const char *bracket)
{
    prefix(w, key, klen);
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

void tlsd_jw_begin_object_k(struct tlsd_jw *w, const char *key, size_t klen)
{
    open_level(w, key, klen, "{");
}

void tlsd_jw_end_object(struct tlsd_jw *w)
{
    close_level(w, "}");
}

void tlsd_jw_begin_array_k(struct tlsd_jw *w, const char *key, size_t klen)
{
    open_level(w, key, klen, "[");
}

void tlsd_jw_end_array(struct tlsd_jw *w)
{
    close_level(w, "]");
}

void tlsd_jw_stringn_k(struct tlsd_jw *w, const char *key, size_t klen, const char *v, size_t n)
{
    prefix(w, key, klen);
    put_escaped(w, v, n);
}

void tlsd_jw_string_k(struct tlsd_jw *w, const char *key, size_t klen, const char *v)
{
    if (!v) {
        tlsd_jw_null_k(w, key, klen);
        return;
    }
    tlsd_jw_stringn_k(w, key, klen, v, strlen(v));
}

void tlsd_jw_int_k(struct tlsd_jw *w, const char *key, size_t klen, int64_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    prefix(w, key, klen);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void tlsd_jw_uint_or_null_k(struct tlsd_jw *w, const char *key, size_t klen, uint64_t v)
{
    if (v == 0 || v > INT64_MAX)
        tlsd_jw_null_k(w, key, klen);
    else
        tlsd_jw_int_k(w, key, klen, (int64_t)v);
}

void tlsd_jw_bool_k(struct tlsd_jw *w, const char *key, size_t klen, bool v)
{
    prefix(w, key, klen);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void tlsd_jw_null_k(struct tlsd_jw *w, const char *key, size_t klen)
{
    prefix(w, key, klen);
    put(w, "null", 4);
}

void tlsd_jw_hex_k(struct tlsd_jw *w, const char *key, size_t klen, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[12];
    size_t digits = v > 0xffff ? 6 : 4, n = 0;
    tmp[n++] = '"';
    tmp[n++] = '0';
    tmp[n++] = 'x';
    for (size_t i = digits; i-- > 0;)
        tmp[n++] = hex[(v >> (4 * i)) & 15];
    tmp[n++] = '"';
    prefix(w, key, klen);
    put(w, tmp, n);
}

void tlsd_jw_usec_k(struct tlsd_jw *w, const char *key, size_t klen, int64_t usec)
{
    char tmp[32], *p = tmp + sizeof tmp;
    uint64_t u = usec < 0 ? (uint64_t)0 - (uint64_t)usec : (uint64_t)usec;
    uint64_t frac = u % 1000000, sec = u / 1000000;
    for (int i = 0; i < 6; i++, frac /= 10)
        *--p = (char)('0' + frac % 10);
    *--p = '.';
    do
        *--p = (char)('0' + sec % 10);
    while (sec /= 10);
    if (usec < 0)
        *--p = '-';
    prefix(w, key, klen);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void tlsd_jw_raw_k(struct tlsd_jw *w, const char *key, size_t klen, const char *json, size_t n)
{
    prefix(w, key, klen);
    put(w, json, n);
}
