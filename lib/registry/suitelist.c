/* Whole cipher suite lists: form detection, tokenising, resolving, filters. */
#include "tlsdiag/suitelist.h"
#include "tlsdiag/suite_render.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKEN_SHOWN 64

const char *tlsd_list_form_name(enum tlsd_list_form f)
{
    switch (f) {
    case TLSD_FORM_NAMES:
        return "names";
    case TLSD_FORM_OPENSSL:
        return "openssl-cipher-string";
    case TLSD_FORM_PS_LIST:
        return "powershell-list";
    case TLSD_FORM_PS_TABLE:
        return "powershell-table";
    case TLSD_FORM_EMPTY:
        break;
    }
    return "empty";
}

/* ---- growing arrays ---------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* A token made safe to print on one line: control and non-ASCII bytes as
 * \xHH, at most MAX_TOKEN_SHOWN bytes of input shown. */
static char *printable(const char *s, size_t len)
{
    size_t shown = len > MAX_TOKEN_SHOWN ? MAX_TOKEN_SHOWN : len;
    char *out = malloc(shown * 4 + 4);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F)
            *o++ = (char)c;
        else
            o += sprintf(o, "\\x%02X", c);
    }
    if (shown < len)
        o += sprintf(o, "...");
    *o = '\0';
    return out;
}

static int add_msg(struct tlsd_list_msg **arr, size_t *n, size_t *cap, const char *tok,
                   size_t toklen, const char *text)
{
    if (grow((void **)arr, cap, *n, sizeof **arr) < 0)
        return -1;
    char *t = printable(tok, toklen);
    char *x = strdup(text);
    if (!t || !x) {
        free(t);
        free(x);
        return -1;
    }
    (*arr)[*n].token = t;
    (*arr)[*n].text = x;
    (*n)++;
    return 0;
}

static int add_error(struct tlsd_suite_list *l, const char *tok, size_t len, const char *text)
{
    return add_msg(&l->errors, &l->n_errors, &l->cap_errors, tok, len, text);
}

static int add_note(struct tlsd_suite_list *l, const char *tok, size_t len, const char *text)
{
    return add_msg(&l->notes, &l->n_notes, &l->cap_notes, tok, len, text);
}

static bool has_code(const struct tlsd_suite_list *l, uint32_t code)
{
    if (code <= 0xFFFF)
        return l->seen_ && (l->seen_[code >> 3] >> (code & 7)) & 1;
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i].code == code)
            return true;
    return false;
}

int tlsd_suite_list_add(struct tlsd_suite_list *l, uint32_t code)
{
    if (grow((void **)&l->items, &l->cap_items, l->n_items, sizeof *l->items) < 0)
        return -1;
    if (code <= 0xFFFF) {
        if (!l->seen_ && !(l->seen_ = calloc(65536 / 8, 1)))
            return -1;
        l->seen_[code >> 3] |= (unsigned char)(1u << (code & 7));
    }
    l->items[l->n_items].code = code;
    l->items[l->n_items].suite = tlsd_suite_by_code(code);
    l->n_items++;
    return 0;
}

void tlsd_suite_list_free(struct tlsd_suite_list *l)
{
    for (size_t i = 0; i < l->n_errors; i++) {
        free(l->errors[i].token);
        free(l->errors[i].text);
    }
    for (size_t i = 0; i < l->n_notes; i++) {
        free(l->notes[i].token);
        free(l->notes[i].text);
    }
    free(l->errors);
    free(l->notes);
    free(l->items);
    free(l->seen_);
    memset(l, 0, sizeof *l);
}

/* ---- one token into the list ------------------------------------------ */

static int take_token(struct tlsd_suite_list *l, const char *tok, size_t len)
{
    uint32_t code;
    const struct tlsd_suite *s;
    char msg[160];
    switch (tlsd_suite_resolve(tok, len, &code, &s)) {
    case TLSD_TOKEN_OK:
        break;
    case TLSD_TOKEN_UNASSIGNED:
        snprintf(msg, sizeof msg, "0x%04X is not an assigned cipher suite", code);
        if (add_note(l, tok, len, msg) < 0)
            return -1;
        break;
    case TLSD_TOKEN_GREASE:
        snprintf(msg, sizeof msg, "0x%04X is a GREASE value (RFC 8701), not a real suite", code);
        if (add_note(l, tok, len, msg) < 0)
            return -1;
        break;
    case TLSD_TOKEN_BAD_HEX:
        return add_error(l, tok, len, "malformed hex code (want 0xC02F, 0xC0,0x2F or c02f)");
    case TLSD_TOKEN_UNKNOWN_NAME:
        return add_error(l, tok, len, "unknown cipher suite name");
    }
    if (has_code(l, code)) {
        snprintf(msg, sizeof msg, "duplicate of an earlier entry (0x%04X); kept once", code);
        return add_note(l, tok, len, msg);
    }
    return tlsd_suite_list_add(l, code);
}

/* ---- tokenising -------------------------------------------------------- */

static bool is_sep(unsigned char c)
{
    return c == ',' || c == ':' || c == ';' || c == '\'' || c == '"' || c == '{' || c == '}' ||
           c == '(' || c == ')' || c == '[' || c == ']' || c == '\0' || isspace(c);
}

static bool is_byte_hex(const char *p, const char *end)
{
    return end - p >= 4 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
           isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3]) &&
           (end - p == 4 || is_sep((unsigned char)p[4]));
}

/* Next token of [p, end): skips separators; joins byte pairs such as
 * "0xC0,0x2F" (and 3-byte SSLv2 kinds) into one token. */
static bool next_token(const char **pp, const char *end, const char **tok, size_t *len)
{
    const char *p = *pp;
    while (p < end && is_sep((unsigned char)*p))
        p++;
    if (p >= end)
        return false;
    const char *start = p;
    if (is_byte_hex(p, end)) {
        const char *q = p + 4;
        for (int extra = 0; extra < 2; extra++) {
            const char *r = q;
            while (r < end && (*r == ' ' || *r == '\t'))
                r++;
            if (r >= end || *r != ',')
                break;
            r++;
            while (r < end && (*r == ' ' || *r == '\t'))
                r++;
            if (!is_byte_hex(r, end))
                break;
            q = r + 4;
        }
        p = q;
    } else {
        while (p < end && !is_sep((unsigned char)*p))
            p++;
    }
    *tok = start;
    *len = (size_t)(p - start);
    *pp = p;
    return true;
}

/* ---- OpenSSL cipher strings -------------------------------------------- */

static bool looks_openssl_only(const char *tok, size_t len)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return false;
    uint32_t code;
    const struct tlsd_suite *s;
    if (tlsd_suite_resolve(tok, len, &code, &s) != TLSD_TOKEN_UNKNOWN_NAME)
        return false;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    return tlsd_openssl_valid_token(buf);
}

/* An OpenSSL cipher string uses :, comma or space between elements and
 * has at least one element that is an operator, keyword or @command. */
static bool is_openssl_string(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *tok;
    size_t tl;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' && i + 1 < len && text[i + 1] != '\n' &&
            !isspace((unsigned char)text[i + 1]))
            return false; /* multi-line input is a list */
    while (next_token(&p, end, &tok, &tl)) {
        if (tok[0] == '!' || tok[0] == '-' || tok[0] == '+' || tok[0] == '@')
            return true;
        if (looks_openssl_only(tok, tl))
            return true;
    }
    return false;
}

static int parse_openssl(const char *text, size_t len, struct tlsd_suite_list *l)
{
    char err[200];
    char *str = malloc(len + 1);
    if (!str)
        return -1;
    /* libssl's own separators are : , and space; newlines become spaces. */
    for (size_t i = 0; i < len; i++)
        str[i] = (text[i] == '\n' || text[i] == '\r' || text[i] == '\t') ? ' ' : text[i];
    str[len] = '\0';
    l->form = TLSD_FORM_OPENSSL;

    /* Report elements nobody knows, and names only our registry knows. */
    const char *p = str, *end = str + len, *tok;
    size_t tl;
    while (next_token(&p, end, &tok, &tl)) {
        const char *name = tok;
        size_t nl = tl;
        while (nl > 0 && (*name == '!' || *name == '-' || *name == '+')) {
            name++;
            nl--;
        }
        if (nl == 0 || *name == '@')
            continue;
        uint32_t code;
        const struct tlsd_suite *s;
        char buf[128];
        if (nl >= sizeof buf) {
            if (add_error(l, tok, tl, "unknown cipher-string element") < 0)
                goto oom;
            continue;
        }
        memcpy(buf, name, nl);
        buf[nl] = '\0';
        if (tlsd_suite_resolve(name, nl, &code, &s) == TLSD_TOKEN_OK) {
            if (!tlsd_openssl_knows(code)) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "the local OpenSSL cannot name 0x%04X %s, so the expansion leaves it out",
                         code, s->iana_name);
                if (add_note(l, tok, tl, msg) < 0)
                    goto oom;
            }
        } else if (!tlsd_openssl_valid_token(buf)) {
            if (add_error(l, tok, tl, "unknown cipher-string element") < 0)
                goto oom;
        }
    }
    uint32_t *codes = NULL;
    int n = tlsd_openssl_expand(str, &codes, err, sizeof err);
    if (n < 0) {
        if (add_error(l, str, len, err) < 0)
            goto oom;
    }
    for (int i = 0; i < n; i++)
        if (!has_code(l, codes[i]) && tlsd_suite_list_add(l, codes[i]) < 0) {
            free(codes);
            goto oom;
        }
    free(codes);
    free(str);
    return 0;
oom:
    free(str);
    return -1;
}

/* ---- PowerShell Get-TlsCipherSuite ------------------------------------- */

static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

/* "Name : value" on a line by itself: the Format-List form. */
static bool ps_list_value(const char *p, const char *e, const char *key, const char **v,
                          const char **ve)
{
    size_t kl = strlen(key);
    trim(&p, &e);
    if ((size_t)(e - p) < kl || strncasecmp(p, key, kl) != 0)
        return false;
    p += kl;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= e || *p != ':')
        return false;
    p++;
    trim(&p, &e);
    *v = p;
    *ve = e;
    return true;
}

static bool is_ps_list(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *v, *ve;
    int names = 0, others = 0;
    while (p < end) {
        const char *e = line_end(p, end);
        if (ps_list_value(p, e, "Name", &v, &ve))
            names++;
        else if (ps_list_value(p, e, "CipherSuite", &v, &ve) ||
                 ps_list_value(p, e, "Exchange", &v, &ve) || ps_list_value(p, e, "Cipher", &v, &ve))
            others++;
        p = e + (e < end);
    }
    return names > 0 && others > 0;
}

static int parse_ps_list(const char *text, size_t len, struct tlsd_suite_list *l)
{
    const char *p = text, *end = text + len, *v, *ve;
    l->form = TLSD_FORM_PS_LIST;
    while (p < end) {
        const char *e = line_end(p, end);
        if (ps_list_value(p, e, "Name", &v, &ve) && ve > v &&
            take_token(l, v, (size_t)(ve - v)) < 0)
            return -1;
        p = e + (e < end);
    }
    return 0;
}

/* Format-Table: a header line, a line of dash groups, then rows; columns
 * are the spans of the dash groups. */
struct ps_col {
    size_t start, end;
};

static bool dash_line(const char *p, const char *e, struct ps_col *cols, size_t *ncols, size_t max)
{
    size_t n = 0;
    bool any = false;
    for (const char *q = p; q < e;) {
        if (*q == '-') {
            const char *s = q;
            while (q < e && *q == '-')
                q++;
            if (n < max) {
                cols[n].start = (size_t)(s - p);
                cols[n].end = (size_t)(q - p);
                n++;
            }
            any = true;
        } else if (*q == ' ' || *q == '\t' || *q == '\r') {
            q++;
        } else {
            return false;
        }
    }
    *ncols = n;
    return any;
}

static int find_col(const char *hp, const char *he, const struct ps_col *cols, size_t ncols,
                    const char *name)
{
    for (size_t i = 0; i < ncols; i++) {
        const char *s = hp + cols[i].start, *e = hp + cols[i].end;
        if (s >= he)
            break;
        if (e > he)
            e = he;
        trim(&s, &e);
        if ((size_t)(e - s) == strlen(name) && strncasecmp(s, name, strlen(name)) == 0)
            return (int)i;
    }
    return -1;
}

/* The cell of column c on a row: from the column's start to the next
 * column's start (PowerShell left-aligns text, right-aligns numbers). */
static void cell(const char *p, const char *e, const struct ps_col *cols, size_t ncols, size_t c,
                 const char **cs, const char **ce)
{
    size_t from = c > 0 ? cols[c - 1].end : 0;
    size_t to = c + 1 < ncols ? cols[c + 1].start : (size_t)(e - p);
    const char *s = p + (from < (size_t)(e - p) ? from : (size_t)(e - p));
    const char *x = p + (to < (size_t)(e - p) ? to : (size_t)(e - p));
    trim(&s, &x);
    *cs = s;
    *ce = x;
}

static bool truncated(const char *s, const char *e)
{
    return (e - s >= 3 && memcmp(e - 3, "...", 3) == 0) ||
           (e - s >= 3 && memcmp(e - 3, "\xE2\x80\xA6", 3) == 0);
}

static int parse_ps_table(const char *text, size_t len, struct tlsd_suite_list *l)
{
    const char *p = text, *end = text + len, *prev = NULL, *prev_e = NULL;
    struct ps_col cols[32];
    size_t ncols = 0;
    int name_col = -1, code_col = -1;
    const char *hp = NULL, *he = NULL;
    l->form = TLSD_FORM_PS_TABLE;
    while (p < end) {
        const char *e = line_end(p, end);
        const char *te = e;
        while (te > p && te[-1] == '\r')
            te--;
        if (name_col < 0) {
            if (prev && dash_line(p, te, cols, &ncols, 32)) {
                hp = prev;
                he = prev_e;
                name_col = find_col(hp, he, cols, ncols, "Name");
                code_col = find_col(hp, he, cols, ncols, "CipherSuite");
            }
        } else {
            const char *s = p, *x = te;
            trim(&s, &x);
            if (s == x) {
                name_col = -1; /* a blank line ends this table; another may follow */
            } else {
                const char *cs, *ce;
                cell(p, te, cols, ncols, (size_t)name_col, &cs, &ce);
                if (truncated(cs, ce) && code_col >= 0) {
                    const char *ns, *ne;
                    cell(p, te, cols, ncols, (size_t)code_col, &ns, &ne);
                    char num[16];
                    size_t nl = (size_t)(ne - ns);
                    if (nl > 0 && nl < sizeof num) {
                        memcpy(num, ns, nl);
                        num[nl] = '\0';
                        char *endp;
                        unsigned long v = strtoul(num, &endp, 10);
                        if (*endp == '\0' && v <= 0xFFFF) {
                            char hex[8];
                            snprintf(hex, sizeof hex, "0x%04lX", v);
                            if (take_token(l, hex, strlen(hex)) < 0)
                                return -1;
                            p = e + (e < end);
                            continue;
                        }
                    }
                }
                if (ce > cs && take_token(l, cs, (size_t)(ce - cs)) < 0)
                    return -1;
            }
        }
        prev = p;
        prev_e = te;
        p = e + (e < end);
    }
    (void)hp;
    (void)he;
    return 0;
}

static bool is_ps_table(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *prev = NULL, *prev_e = NULL;
    struct ps_col cols[32];
    size_t ncols;
    while (p < end) {
        const char *e = line_end(p, end);
        const char *te = e;
        while (te > p && te[-1] == '\r')
            te--;
        if (prev && dash_line(p, te, cols, &ncols, 32) &&
            find_col(prev, prev_e, cols, ncols, "Name") >= 0)
            return true;
        prev = p;
        prev_e = te;
        p = e + (e < end);
    }
    return false;
}

/* ---- entry point -------------------------------------------------------- */

static int parse_names(const char *text, size_t len, struct tlsd_suite_list *l)
{
    const char *p = text, *end = text + len, *tok;
    size_t tl;
    l->form = TLSD_FORM_NAMES;
    while (next_token(&p, end, &tok, &tl))
        if (take_token(l, tok, tl) < 0)
            return -1;
    return 0;
}

int tlsd_suite_list_parse(const char *text, size_t len, struct tlsd_suite_list *l)
{
    memset(l, 0, sizeof *l);
    const char *p = text, *end = text + len, *tok;
    size_t tl;
    if (!next_token(&p, end, &tok, &tl)) {
        l->form = TLSD_FORM_EMPTY;
        return add_error(l, "", 0, "empty list: no cipher suite given");
    }
    int rc;
    if (is_ps_list(text, len))
        rc = parse_ps_list(text, len, l);
    else if (is_ps_table(text, len))
        rc = parse_ps_table(text, len, l);
    else if (is_openssl_string(text, len))
        rc = parse_openssl(text, len, l);
    else
        rc = parse_names(text, len, l);
    if (rc < 0)
        tlsd_suite_list_free(l);
    return rc;
}

int tlsd_suite_list_error(struct tlsd_suite_list *l, const char *token, const char *text)
{
    return add_error(l, token, strlen(token), text);
}

int tlsd_suite_list_note(struct tlsd_suite_list *l, const char *token, const char *text)
{
    return add_note(l, token, strlen(token), text);
}
