/* .reg files as `reg export` (reg.exe) and regedit write them: a header line
 * ("Windows Registry Editor Version 5.00" or "REGEDIT4"), [KEY] and [-KEY] lines,
 * "name"=VALUE or @=VALUE lines where VALUE is "string", dword:XXXXXXXX, hex:...,
 * hex(N):... (wrapped over lines ending in '\') or - (delete), and ';' comments.
 * Every byte is read through the project's reader (struct tlsd_rd); the text is
 * decoded from UTF-16 by tlsd_text_decode first. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

#include "tlsdiag/bytes.h"
#include "tlsdiag/textin.h"
#include "tlsdiag/winreg.h"
#include "windows/winreg_internal.h"

#define REG_HEADER_V5    "Windows Registry Editor Version 5.00"
#define REG_HEADER_V4    "REGEDIT4"
#define REG_MAX_FILE     (64u * 1024 * 1024)
#define REG_DWORD_LEN    4
#define REG_HEX_PREFIX   "hex"
#define REG_DWORD_PREFIX "dword:"

struct line_ctx {
    struct tlsd_reg *reg;
    const char *file;
    unsigned line;
    char *key; /* current key, NULL after [-KEY] or before any key */
    struct tlsd_reg_err *err;
};

static int fail(struct line_ctx *c, const char *what)
{
    snprintf(c->err->msg, sizeof c->err->msg, "%s:%u: %s", c->file, c->line, what);
    return -1;
}

/* Next byte without consuming it; -1 at the end. */
static int peek(const struct tlsd_rd *r)
{
    return tlsd_rd_left(r) ? *r->p : -1;
}

static void skip_blanks(struct tlsd_rd *r)
{
    uint8_t ch;
    while ((peek(r) == ' ' || peek(r) == '\t') && tlsd_rd_u8(r, &ch, "blank") == TLSD_CERR_OK)
        ;
}

static bool take(struct tlsd_rd *r, char want)
{
    uint8_t ch;
    if (peek(r) != (unsigned char)want)
        return false;
    return tlsd_rd_u8(r, &ch, "char") == TLSD_CERR_OK;
}

/* HKLM and the numbered control sets spelled the way the knowledge is written. */
static char *canonical_key(const uint8_t *p, size_t n)
{
    static const struct {
        const char *from, *to;
    } roots[] = {{"HKLM\\", "HKEY_LOCAL_MACHINE\\"}, {"HKCU\\", "HKEY_CURRENT_USER\\"}};
    char *k = tlsd_strndup((const char *)p, n);
    if (!k)
        return NULL;
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        size_t fl = strlen(roots[i].from);
        if (strncasecmp(k, roots[i].from, fl) == 0) {
            char *full = NULL;
            if (asprintf(&full, "%s%s", roots[i].to, k + fl) < 0)
                full = NULL;
            free(k);
            k = full;
            break;
        }
    }
    /* "\ControlSet001\" is what CurrentControlSet points at on a running system. */
    char *cs = k ? tlsd_strcasestr(k, "\\ControlSet00") : NULL;
    if (cs && isdigit((unsigned char)cs[13]) && (cs[14] == '\\' || cs[14] == '\0')) {
        char *full = NULL;
        if (asprintf(&full, "%.*s\\CurrentControlSet%s", (int)(cs - k), k, cs + 14) < 0)
            full = NULL;
        free(k);
        k = full;
    }
    return k;
}

static bool key_under(const char *key, const char *parent)
{
    size_t pl = strlen(parent);
    return strncasecmp(key, parent, pl) == 0 && (key[pl] == '\0' || key[pl] == '\\');
}

static void value_free(struct tlsd_reg_value *v)
{
    free(v->key);
    free(v->name);
    free(v->data);
    free(v->file);
}

static void remove_at(struct tlsd_reg *reg, size_t i)
{
    value_free(&reg->v[i]);
    memmove(&reg->v[i], &reg->v[i + 1], (reg->n - i - 1) * sizeof reg->v[0]);
    reg->n--;
}

static void delete_key(struct tlsd_reg *reg, const char *key)
{
    for (size_t i = reg->n; i-- > 0;)
        if (key_under(reg->v[i].key, key))
            remove_at(reg, i);
}

static void delete_value(struct tlsd_reg *reg, const char *key, const char *name)
{
    for (size_t i = reg->n; i-- > 0;)
        if (strcasecmp(reg->v[i].key, key) == 0 && strcasecmp(reg->v[i].name, name) == 0)
            remove_at(reg, i);
}

static int set_value(struct line_ctx *c, char *name, enum tlsd_reg_type type, uint8_t *data,
                     size_t len)
{
    struct tlsd_reg *reg = c->reg;
    delete_value(reg, c->key, name);
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 64;
        struct tlsd_reg_value *nv = realloc(reg->v, cap * sizeof *nv);
        if (!nv)
            goto oom;
        reg->v = nv;
        reg->cap = cap;
    }
    struct tlsd_reg_value *v = &reg->v[reg->n];
    *v = (struct tlsd_reg_value){.key = strdup(c->key),
                                 .name = name,
                                 .type = type,
                                 .data = data,
                                 .len = len,
                                 .file = strdup(c->file),
                                 .line = c->line};
    if (!v->key || !v->file) {
        value_free(v);
        return fail(c, "out of memory");
    }
    reg->n++;
    return 0;
oom:
    free(name);
    free(data);
    return fail(c, "out of memory");
}

/* The length of a quoted string's body (escapes included), -1 when unterminated. */
static long quoted_len(const struct tlsd_rd *r)
{
    const uint8_t *p = r->p;
    while (p < r->end && *p != '"')
        p += *p == '\\' && p + 1 < r->end ? 2 : 1;
    return p < r->end ? (long)(p - r->p) : -1;
}

/* A quoted string with \\ and \" escapes; the reader is past the opening quote. */
static char *quoted(struct tlsd_rd *r)
{
    long body = quoted_len(r);
    char *s = body >= 0 ? malloc((size_t)body + 1) : NULL;
    size_t n = 0;
    uint8_t ch;
    while (s && tlsd_rd_u8(r, &ch, "string") == TLSD_CERR_OK) {
        if (ch == '"')
            return s[n] = '\0', s;
        if (ch == '\\' && (peek(r) == '\\' || peek(r) == '"') &&
            tlsd_rd_u8(r, &ch, "escape") != TLSD_CERR_OK)
            break;
        s[n++] = (char)ch;
    }
    free(s);
    return NULL;
}

static int hex_digit(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* "41,00,42,..." (blanks allowed around commas, continuation already joined). */
static int hex_bytes(struct tlsd_rd *r, uint8_t **out, size_t *len)
{
    uint8_t *b = malloc(tlsd_rd_left(r) / 2 + 1);
    size_t n = 0;
    if (!b)
        return -1;
    for (;;) {
        skip_blanks(r);
        if (peek(r) < 0)
            break;
        uint8_t hi, lo;
        if (tlsd_rd_u8(r, &hi, "hex") != TLSD_CERR_OK || hex_digit(hi) < 0)
            goto bad;
        unsigned v = (unsigned)hex_digit(hi);
        if (hex_digit(peek(r)) >= 0) {
            if (tlsd_rd_u8(r, &lo, "hex") != TLSD_CERR_OK)
                goto bad;
            v = v * 16 + (unsigned)hex_digit(lo);
        }
        b[n++] = (uint8_t)v;
        skip_blanks(r);
        if (peek(r) >= 0 && !take(r, ','))
            goto bad;
    }
    *out = b;
    *len = n;
    return 0;
bad:
    free(b);
    return -1;
}

static bool take_word(struct tlsd_rd *r, const char *w)
{
    size_t n = strlen(w);
    if (tlsd_rd_left(r) < n || strncasecmp((const char *)r->p, w, n) != 0)
        return false;
    const uint8_t *skip;
    return tlsd_rd_bytes(r, &skip, n, "word") == TLSD_CERR_OK;
}

static int dword_value(struct tlsd_rd *r, uint8_t **out, size_t *len)
{
    uint32_t v = 0;
    unsigned digits = 0;
    uint8_t ch;
    while (hex_digit(peek(r)) >= 0 && tlsd_rd_u8(r, &ch, "dword") == TLSD_CERR_OK) {
        v = v * 16 + (uint32_t)hex_digit(ch);
        digits++;
    }
    skip_blanks(r);
    if (digits == 0 || digits > 2 * REG_DWORD_LEN || peek(r) >= 0)
        return -1;
    uint8_t *b = malloc(REG_DWORD_LEN);
    if (!b)
        return -1;
    for (unsigned i = 0; i < REG_DWORD_LEN; i++)
        b[i] = (uint8_t)(v >> (8 * i)); /* REG_DWORD is little-endian */
    *out = b;
    *len = REG_DWORD_LEN;
    return 0;
}

/* hex(N): the type number in hex. */
static int hex_type(struct tlsd_rd *r, enum tlsd_reg_type *type)
{
    unsigned t = 0, digits = 0;
    uint8_t ch;
    if (!take(r, '(')) {
        *type = TLSD_REG_BINARY;
        return take(r, ':') ? 0 : -1;
    }
    while (hex_digit(peek(r)) >= 0 && digits < 8 && tlsd_rd_u8(r, &ch, "type") == TLSD_CERR_OK) {
        t = t * 16 + (unsigned)hex_digit(ch);
        digits++;
    }
    *type = (enum tlsd_reg_type)t;
    return digits && take(r, ')') && take(r, ':') ? 0 : -1;
}

static int value_line(struct line_ctx *c, struct tlsd_rd *r)
{
    char *name;
    if (take(r, '@'))
        name = strdup("");
    else if (take(r, '"'))
        name = quoted(r);
    else
        return fail(c, "expected a value (\"name\"= or @=)");
    if (!name)
        return fail(c, "unterminated value name");
    skip_blanks(r);
    if (!take(r, '=')) {
        free(name);
        return fail(c, "expected '=' after the value name");
    }
    skip_blanks(r);
    if (!c->key) {
        free(name);
        return fail(c, "a value before any [KEY]");
    }
    uint8_t *data = NULL;
    size_t len = 0;
    enum tlsd_reg_type type;
    int rc = 0;
    if (take(r, '-')) {
        delete_value(c->reg, c->key, name);
        free(name);
        return 0;
    } else if (take(r, '"')) {
        char *s = quoted(r);
        type = TLSD_REG_SZ;
        data = (uint8_t *)s;
        len = s ? strlen(s) + 1 : 0;
        skip_blanks(r);
        rc = s && peek(r) < 0 ? 0 : -1;
    } else if (take_word(r, REG_DWORD_PREFIX)) {
        type = TLSD_REG_DWORD;
        rc = dword_value(r, &data, &len);
    } else if (take_word(r, REG_HEX_PREFIX)) {
        rc = hex_type(r, &type) < 0 ? -1 : hex_bytes(r, &data, &len);
    } else {
        rc = -1;
    }
    if (rc < 0) {
        free(name);
        free(data);
        return fail(c, "malformed value data");
    }
    return set_value(c, name, type, data, len);
}

static int key_line(struct line_ctx *c, struct tlsd_rd *r)
{
    bool del = take(r, '-');
    const uint8_t *start = r->p;
    size_t n = tlsd_rd_left(r);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
        n--;
    if (n < 2 || start[n - 1] != ']')
        return fail(c, "a key line without its closing ']'");
    char *key = canonical_key(start, n - 1);
    if (!key)
        return fail(c, "out of memory");
    free(c->key);
    c->key = NULL;
    if (del) {
        delete_key(c->reg, key);
        free(key);
    } else {
        c->key = key;
    }
    return 0;
}

static int one_line(struct line_ctx *c, const char *line, size_t n)
{
    struct tlsd_err e = {0};
    struct tlsd_rd r;
    tlsd_rd_init(&r, line, n, &e);
    skip_blanks(&r);
    if (peek(&r) < 0 || peek(&r) == ';')
        return 0;
    if (take(&r, '['))
        return key_line(c, &r);
    return value_line(c, &r);
}

/* Trailing blanks dropped; true when the line is continued (ends in '\'). */
static bool trim_continued(const char *line, size_t *n)
{
    while (*n > 0 && (line[*n - 1] == ' ' || line[*n - 1] == '\t'))
        (*n)--;
    if (*n > 0 && line[*n - 1] == '\\') {
        (*n)--;
        return true;
    }
    return false;
}

static bool is_header(const char *line, size_t n)
{
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    return (n == strlen(REG_HEADER_V5) && strncmp(line, REG_HEADER_V5, n) == 0) ||
           (n == strlen(REG_HEADER_V4) && strncmp(line, REG_HEADER_V4, n) == 0);
}

int tlsd_reg_apply_text(struct tlsd_reg *reg, const char *text, size_t len, const char *file,
                        struct tlsd_reg_err *err)
{
    struct line_ctx c = {.reg = reg, .file = file, .line = 0, .key = NULL, .err = err};
    char *joined = malloc(len + 1);
    size_t jl = 0, i = 0;
    int rc = 0;
    bool header = false;
    if (!joined)
        return fail(&c, "out of memory");
    while (rc == 0 && i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        const char *line = text + i;
        i += n + 1;
        c.line++;
        if (!header) {
            if (n == 0)
                continue;
            if (!is_header(line, n))
                rc = fail(&c, "not a registry export (no \"" REG_HEADER_V5 "\" or \"" REG_HEADER_V4
                              "\" line)");
            header = true;
            continue;
        }
        size_t from = 0;
        if (jl > 0) /* a continuation line: its indentation is not data */
            while (from < n && (line[from] == ' ' || line[from] == '\t'))
                from++;
        size_t m = n - from;
        bool more = trim_continued(line + from, &m);
        memcpy(joined + jl, line + from, m);
        jl += m;
        if (more && i < len)
            continue;
        rc = one_line(&c, joined, jl);
        jl = 0;
    }
    if (rc == 0 && !header)
        rc = fail(&c, "empty file, not a registry export");
    free(joined);
    free(c.key);
    return rc;
}

char *tlsd_win_read_text(const char *path, size_t max, size_t *len, char *err, size_t err_len)
{
    FILE *f = tlsd_fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open", path);
        return NULL;
    }
    uint8_t *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    bool bad = !buf || ferror(f) || n > max;
    fclose(f);
    char *text = bad ? NULL : tlsd_text_decode(buf, n, len, NULL);
    free(buf);
    if (!text)
        snprintf(err, err_len, "%s: unreadable or larger than %zu MiB", path, max >> 20);
    return text;
}

int tlsd_reg_apply_file(struct tlsd_reg *reg, const char *path, struct tlsd_reg_err *err)
{
    size_t tl = 0;
    char *text = tlsd_win_read_text(path, REG_MAX_FILE, &tl, err->msg, sizeof err->msg);
    if (!text)
        return -1;
    int rc = tlsd_reg_apply_text(reg, text, tl, path, err);
    free(text);
    return rc;
}

void tlsd_reg_free(struct tlsd_reg *reg)
{
    for (size_t i = 0; i < reg->n; i++)
        value_free(&reg->v[i]);
    free(reg->v);
    *reg = (struct tlsd_reg){0};
}

static bool tail_matches(const char *key, const char *tail)
{
    size_t kl = strlen(key), tl = strlen(tail);
    if (tl > kl || strcasecmp(key + kl - tl, tail) != 0)
        return false;
    return tl == kl || key[kl - tl - 1] == '\\';
}

const struct tlsd_reg_value *tlsd_reg_find(const struct tlsd_reg *reg, const char *key_tail,
                                           const char *name)
{
    for (size_t i = 0; i < reg->n; i++)
        if (tail_matches(reg->v[i].key, key_tail) && strcasecmp(reg->v[i].name, name) == 0)
            return &reg->v[i];
    return NULL;
}

bool tlsd_reg_dword(const struct tlsd_reg_value *v, uint32_t *out)
{
    if (!v || v->type != TLSD_REG_DWORD || v->len != REG_DWORD_LEN)
        return false;
    struct tlsd_err e = {0};
    struct tlsd_rd r;
    uint8_t b[REG_DWORD_LEN];
    tlsd_rd_init(&r, v->data, v->len, &e);
    if (tlsd_rd_copy(&r, b, sizeof b, "REG_DWORD") != TLSD_CERR_OK)
        return false;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

/* One UTF-16LE string (no NUL) to UTF-8 through the shared decoder (a BOM in front
 * makes the encoding certain). */
static int append_utf16(char **out, size_t *ol, const uint8_t *p, size_t n)
{
    static const uint8_t bom_le[] = {0xff, 0xfe};
    uint8_t *tmp = malloc(n + sizeof bom_le);
    if (!tmp)
        return -1;
    memcpy(tmp, bom_le, sizeof bom_le);
    memcpy(tmp + sizeof bom_le, p, n);
    size_t dl = 0;
    char *d = tlsd_text_decode(tmp, n + sizeof bom_le, &dl, NULL);
    free(tmp);
    char *grown = d ? realloc(*out, *ol + dl + 2) : NULL;
    if (!grown) {
        free(d);
        return -1;
    }
    memcpy(grown + *ol, d, dl);
    *ol += dl;
    grown[*ol] = '\0';
    *out = grown;
    free(d);
    return 0;
}

/* hex(2)/hex(7) data: UTF-16LE strings, each ended by a NUL code unit. */
static char *utf16_strings(const struct tlsd_reg_value *v, char sep)
{
    struct tlsd_err e = {0};
    struct tlsd_rd r;
    tlsd_rd_init(&r, v->data, v->len, &e);
    char *out = calloc(1, 2);
    size_t ol = 0;
    const uint8_t *start = r.p;
    uint8_t lo, hi;
    while (out && tlsd_rd_left(&r) >= 2) {
        const uint8_t *here = r.p;
        if (tlsd_rd_u8(&r, &lo, "UTF-16") != TLSD_CERR_OK ||
            tlsd_rd_u8(&r, &hi, "UTF-16") != TLSD_CERR_OK)
            break;
        if (lo || hi)
            continue;
        if (here > start) {
            if (ol)
                out[ol++] = sep; /* room: append_utf16 leaves two bytes spare */
            if (append_utf16(&out, &ol, start, (size_t)(here - start)) < 0) {
                free(out);
                return NULL;
            }
        }
        start = r.p;
    }
    return out;
}

char *tlsd_reg_string(const struct tlsd_reg_value *v, char sep)
{
    if (!v)
        return NULL;
    if (v->type == TLSD_REG_SZ && v->len && v->data[v->len - 1] == '\0')
        return strdup((const char *)v->data);
    if (v->type == TLSD_REG_SZ || v->type == TLSD_REG_EXPAND_SZ || v->type == TLSD_REG_MULTI_SZ)
        return utf16_strings(v, sep);
    return NULL;
}
