/* One cipher suite token in any spelling -> code. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tlsdiag/suitelist.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (hexval((unsigned char)s[i]) < 0)
            return false;
    return len > 0;
}

/* Parses the prefixed hex spellings: 0xC02F (one group of 1-4 digits, or 6
 * for an SSLv2 kind) and 0xC0,0x2F (2 or 3 groups of exactly 2 digits joined
 * by commas or blanks, as openssl -V and testssl print them).
 * Returns 1 parsed, 0 not prefixed hex, -1 malformed. */
static int parse_hex(const char *s, size_t len, uint32_t *code)
{
    if (!(len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
        return 0;
    uint32_t v = 0;
    size_t groups = 0, first_digits = 0;
    size_t i = 0;
    while (i < len) {
        if (!(i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')))
            return -1;
        i += 2;
        size_t start = i;
        while (i < len && hexval((unsigned char)s[i]) >= 0 && i - start < 6)
            v = (v << 4) | (uint32_t)hexval((unsigned char)s[i++]);
        size_t n = i - start;
        if (groups == 0)
            first_digits = n;
        groups++;
        if (n == 0 || (groups > 1 && (n != 2 || first_digits != 2)))
            return -1;
        while (i < len && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
            i++;
    }
    if (groups == 1 && !(first_digits <= 4 || first_digits == 6))
        return -1;
    if (groups > 3)
        return -1;
    if (groups == 1 && first_digits == 2 && len > 4)
        return -1;
    *code = v;
    return 1;
}

/* Bare hex without 0x: exactly 4 or 6 digits (c02f, 0700c0). */
static bool parse_bare_hex(const char *s, size_t len, uint32_t *code)
{
    if (!(len == 4 || len == 6) || !all_hex(s, len))
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 4) | (uint32_t)hexval((unsigned char)s[i]);
    *code = v;
    return true;
}

static enum tlsd_token_status classify(uint32_t code, uint32_t *out,
                                       const struct tlsd_suite **suite)
{
    *out = code;
    *suite = tlsd_suite_by_code(code);
    if (*suite)
        return TLSD_TOKEN_OK;
    return tlsd_is_grease(code) ? TLSD_TOKEN_GREASE : TLSD_TOKEN_UNASSIGNED;
}

enum tlsd_token_status tlsd_suite_resolve(const char *tok, size_t len, uint32_t *code,
                                          const struct tlsd_suite **suite)
{
    char buf[256];
    *suite = NULL;
    *code = 0;
    if (len == 0 || len >= sizeof buf)
        return TLSD_TOKEN_UNKNOWN_NAME;
    memcpy(buf, tok, len);
    buf[len] = '\0';

    const struct tlsd_suite *s = tlsd_suite_by_name(buf);
    if (s)
        return classify(s->code, code, suite);
    /* Java (JSSE) and old Microsoft documents spell TLS suites SSL_*. */
    if (len > 4 && strncasecmp(buf, "SSL_", 4) == 0) {
        char alt[260];
        snprintf(alt, sizeof alt, "TLS_%s", buf + 4);
        s = tlsd_suite_by_name(alt);
        if (s)
            return classify(s->code, code, suite);
    }
    uint32_t v;
    int h = parse_hex(buf, len, &v);
    if (h > 0)
        return classify(v, code, suite);
    if (h < 0)
        return TLSD_TOKEN_BAD_HEX;
    if (parse_bare_hex(buf, len, &v))
        return classify(v, code, suite);
    return TLSD_TOKEN_UNKNOWN_NAME;
}
