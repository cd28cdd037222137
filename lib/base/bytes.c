/* The bounds-checked reader and the length-prefixing writer (see bytes.h). */
#include "tlsdiag/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cerr_names[] = {
#define TLSD_CERR_NAME(name, msg) #name,
    TLSD_CERR_LIST(TLSD_CERR_NAME)
#undef TLSD_CERR_NAME
};

static const char *const cerr_messages[] = {
#define TLSD_CERR_MSG(name, msg) msg,
    TLSD_CERR_LIST(TLSD_CERR_MSG)
#undef TLSD_CERR_MSG
};

const char *tlsd_cerr_name(enum tlsd_cerr e)
{
    return (unsigned)e < TLSD_CERR_COUNT ? cerr_names[e] : "UNKNOWN";
}

const char *tlsd_cerr_message(enum tlsd_cerr e)
{
    return (unsigned)e < TLSD_CERR_COUNT ? cerr_messages[e] : "unknown error";
}

void tlsd_err_format(const struct tlsd_err *e, char *buf, size_t len)
{
    if (!len)
        return;
    snprintf(buf, len, "%s at %zu (%s): %s", tlsd_cerr_name(e->code), e->offset,
             e->what ? e->what : "-", tlsd_cerr_message(e->code));
}

void tlsd_rd_init(struct tlsd_rd *r, const void *buf, size_t len, struct tlsd_err *err)
{
    r->p = buf;
    r->base = buf;
    r->end = r->p ? r->p + len : r->p;
    r->err = err;
}

size_t tlsd_rd_left(const struct tlsd_rd *r)
{
    return (size_t)(r->end - r->p);
}

size_t tlsd_rd_offset(const struct tlsd_rd *r)
{
    return (size_t)(r->p - r->base);
}

enum tlsd_cerr tlsd_rd_fail(struct tlsd_rd *r, enum tlsd_cerr code, const char *what)
{
    if (r->err && r->err->code == TLSD_CERR_OK) {
        r->err->code = code;
        r->err->what = what;
        r->err->offset = tlsd_rd_offset(r);
    }
    return code;
}

static enum tlsd_cerr rd_uint(struct tlsd_rd *r, unsigned width, uint32_t *v, const char *what)
{
    if (tlsd_rd_left(r) < width)
        return tlsd_rd_fail(r, TLSD_CERR_TRUNCATED, what);
    uint32_t x = 0;
    for (unsigned i = 0; i < width; i++)
        x = (x << 8) | r->p[i];
    r->p += width;
    *v = x;
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_rd_u8(struct tlsd_rd *r, uint8_t *v, const char *what)
{
    uint32_t x;
    enum tlsd_cerr e = rd_uint(r, 1, &x, what);
    if (e == TLSD_CERR_OK)
        *v = (uint8_t)x;
    return e;
}

enum tlsd_cerr tlsd_rd_u16(struct tlsd_rd *r, uint16_t *v, const char *what)
{
    uint32_t x;
    enum tlsd_cerr e = rd_uint(r, 2, &x, what);
    if (e == TLSD_CERR_OK)
        *v = (uint16_t)x;
    return e;
}

enum tlsd_cerr tlsd_rd_u24(struct tlsd_rd *r, uint32_t *v, const char *what)
{
    return rd_uint(r, 3, v, what);
}

enum tlsd_cerr tlsd_rd_u32(struct tlsd_rd *r, uint32_t *v, const char *what)
{
    return rd_uint(r, 4, v, what);
}

enum tlsd_cerr tlsd_rd_bytes(struct tlsd_rd *r, const uint8_t **v, size_t n, const char *what)
{
    if (tlsd_rd_left(r) < n)
        return tlsd_rd_fail(r, TLSD_CERR_TRUNCATED, what);
    *v = r->p;
    r->p += n;
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_rd_copy(struct tlsd_rd *r, void *out, size_t n, const char *what)
{
    const uint8_t *p;
    enum tlsd_cerr e = tlsd_rd_bytes(r, &p, n, what);
    if (e == TLSD_CERR_OK && n)
        memcpy(out, p, n);
    return e;
}

enum tlsd_cerr tlsd_rd_length(struct tlsd_rd *r, unsigned width, size_t *len, const char *what)
{
    size_t at = tlsd_rd_offset(r);
    uint32_t x;
    enum tlsd_cerr e = rd_uint(r, width, &x, what);
    if (e != TLSD_CERR_OK)
        return e;
    *len = x;
    if (r->err && r->err->length_hook)
        r->err->length_hook(r->err->hook_ctx, at, width, x);
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_rd_sub(struct tlsd_rd *outer, struct tlsd_rd *inner, size_t n, const char *what)
{
    const uint8_t *p;
    enum tlsd_cerr e = tlsd_rd_bytes(outer, &p, n, what);
    if (e != TLSD_CERR_OK)
        return e;
    inner->p = p;
    inner->end = p + n;
    inner->base = outer->base;
    inner->err = outer->err;
    return TLSD_CERR_OK;
}

static enum tlsd_cerr rd_vec(struct tlsd_rd *outer, struct tlsd_rd *inner, unsigned width,
                             const char *what)
{
    size_t n;
    enum tlsd_cerr e = tlsd_rd_length(outer, width, &n, what);
    if (e != TLSD_CERR_OK)
        return e;
    return tlsd_rd_sub(outer, inner, n, what);
}

enum tlsd_cerr tlsd_rd_vec8(struct tlsd_rd *outer, struct tlsd_rd *inner, const char *what)
{
    return rd_vec(outer, inner, 1, what);
}

enum tlsd_cerr tlsd_rd_vec16(struct tlsd_rd *outer, struct tlsd_rd *inner, const char *what)
{
    return rd_vec(outer, inner, 2, what);
}

enum tlsd_cerr tlsd_rd_vec24(struct tlsd_rd *outer, struct tlsd_rd *inner, const char *what)
{
    return rd_vec(outer, inner, 3, what);
}

enum tlsd_cerr tlsd_rd_done(struct tlsd_rd *r, const char *what)
{
    if (r->p != r->end)
        return tlsd_rd_fail(r, TLSD_CERR_TRAILING, what);
    return TLSD_CERR_OK;
}

/* The writer. */

void tlsd_wr_init(struct tlsd_wr *w)
{
    memset(w, 0, sizeof *w);
}

void tlsd_wr_free(struct tlsd_wr *w)
{
    free(w->buf);
    tlsd_wr_init(w);
}

static void wr_fail(struct tlsd_wr *w, enum tlsd_cerr e)
{
    if (w->err == TLSD_CERR_OK)
        w->err = e;
}

static uint8_t *wr_reserve(struct tlsd_wr *w, size_t n)
{
    if (w->err != TLSD_CERR_OK)
        return NULL;
    if (n > SIZE_MAX / 2 - w->len) {
        wr_fail(w, TLSD_CERR_NOMEM);
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b) {
            wr_fail(w, TLSD_CERR_NOMEM);
            return NULL;
        }
        w->buf = b;
        w->cap = cap;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void wr_uint(struct tlsd_wr *w, uint32_t v, unsigned width)
{
    uint8_t *p = wr_reserve(w, width);
    if (!p)
        return;
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

void tlsd_wr_u8(struct tlsd_wr *w, uint8_t v)
{
    wr_uint(w, v, 1);
}

void tlsd_wr_u16(struct tlsd_wr *w, uint16_t v)
{
    wr_uint(w, v, 2);
}

void tlsd_wr_u24(struct tlsd_wr *w, uint32_t v)
{
    if (v > 0xffffff)
        wr_fail(w, TLSD_CERR_VEC_TOO_LONG);
    wr_uint(w, v, 3);
}

void tlsd_wr_u32(struct tlsd_wr *w, uint32_t v)
{
    wr_uint(w, v, 4);
}

void tlsd_wr_bytes(struct tlsd_wr *w, const void *p, size_t n)
{
    uint8_t *d = wr_reserve(w, n);
    if (d && n)
        memcpy(d, p, n);
}

void tlsd_wr_zeros(struct tlsd_wr *w, size_t n)
{
    uint8_t *d = wr_reserve(w, n);
    if (d && n)
        memset(d, 0, n);
}

static void wr_open(struct tlsd_wr *w, uint8_t width)
{
    if (w->err != TLSD_CERR_OK)
        return;
    if (w->n_open == TLSD_WR_MAX_OPEN) {
        wr_fail(w, TLSD_CERR_BAD_SPEC);
        return;
    }
    size_t at = w->len;
    if (!wr_reserve(w, width))
        return;
    w->open_at[w->n_open] = at;
    w->open_width[w->n_open] = width;
    w->n_open++;
}

void tlsd_wr_open_vec8(struct tlsd_wr *w)
{
    wr_open(w, 1);
}

void tlsd_wr_open_vec16(struct tlsd_wr *w)
{
    wr_open(w, 2);
}

void tlsd_wr_open_vec24(struct tlsd_wr *w)
{
    wr_open(w, 3);
}

void tlsd_wr_close_vec(struct tlsd_wr *w)
{
    if (w->err != TLSD_CERR_OK)
        return;
    if (w->n_open == 0) {
        wr_fail(w, TLSD_CERR_BAD_SPEC);
        return;
    }
    w->n_open--;
    size_t at = w->open_at[w->n_open];
    unsigned width = w->open_width[w->n_open];
    size_t n = w->len - at - width;
    if (n >> (8 * width)) {
        wr_fail(w, TLSD_CERR_VEC_TOO_LONG);
        return;
    }
    for (unsigned i = 0; i < width; i++)
        w->buf[at + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
}

enum tlsd_cerr tlsd_wr_status(const struct tlsd_wr *w)
{
    if (w->err != TLSD_CERR_OK)
        return w->err;
    return w->n_open ? TLSD_CERR_BAD_SPEC : TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_wr_take(struct tlsd_wr *w, uint8_t **buf, size_t *len)
{
    enum tlsd_cerr e = tlsd_wr_status(w);
    if (e != TLSD_CERR_OK) {
        tlsd_wr_free(w);
        return e;
    }
    *buf = w->buf;
    *len = w->len;
    if (!*buf) {
        *buf = malloc(1);
        if (!*buf)
            return TLSD_CERR_NOMEM;
    }
    tlsd_wr_init(w);
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_rd_u16_list_in(struct tlsd_rd *r, uint16_t **out, size_t *n, const char *what,
                                   void *(*alloc)(size_t), void (*release)(void *))
{
    size_t left = tlsd_rd_left(r);
    *out = NULL;
    *n = 0;
    if (left % 2)
        return tlsd_rd_fail(r, TLSD_CERR_LENGTH, what);
    uint16_t *v = alloc((left / 2 + 1) * sizeof *v);
    if (!v)
        return tlsd_rd_fail(r, TLSD_CERR_NOMEM, what);
    for (size_t i = 0; i < left / 2; i++) {
        if (tlsd_rd_u16(r, &v[i], what) != TLSD_CERR_OK) {
            release(v);
            return r->err->code;
        }
    }
    *out = v;
    *n = left / 2;
    return TLSD_CERR_OK;
}

enum tlsd_cerr tlsd_rd_u8_list_in(struct tlsd_rd *r, uint8_t **out, size_t *n, const char *what,
                                  void *(*alloc)(size_t))
{
    size_t left = tlsd_rd_left(r);
    *out = alloc(left + 1);
    *n = 0;
    if (!*out)
        return tlsd_rd_fail(r, TLSD_CERR_NOMEM, what);
    if (tlsd_rd_copy(r, *out, left, what) != TLSD_CERR_OK)
        return r->err->code;
    *n = left;
    return TLSD_CERR_OK;
}

/* malloc, not calloc: malloc's per-thread cache serves it. */
enum tlsd_cerr tlsd_rd_u16_list(struct tlsd_rd *r, uint16_t **out, size_t *n, const char *what)
{
    return tlsd_rd_u16_list_in(r, out, n, what, malloc, free);
}

enum tlsd_cerr tlsd_rd_u8_list(struct tlsd_rd *r, uint8_t **out, size_t *n, const char *what)
{
    return tlsd_rd_u8_list_in(r, out, n, what, malloc);
}
