/* Helpers for the codec tests: hex, the testssl client hellos, hex fixtures. */
#ifndef TLSD_CODEC_TESTUTIL_H
#define TLSD_CODEC_TESTUTIL_H

#include "testutil.h"

#include <ctype.h>

static inline int tu_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex digits (whitespace ignored) into a new buffer. */
static inline uint8_t *tu_unhex(const char *hex, size_t n, size_t *len)
{
    uint8_t *out = malloc(n / 2 + 1);
    assert_non_null(out);
    size_t k = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        int v = tu_hexval((unsigned char)hex[i]);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = k;
    return out;
}

/* A hex fixture from tests/unit/fixtures/. */
static inline uint8_t *tu_fixture(const char *name, size_t *len)
{
    char path[1024];
    const char *src = getenv("TLSD_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/unit/fixtures/%s", src ? src : ".", name);
    size_t n;
    char *hex = tu_slurp(path, &n);
    uint8_t *out = tu_unhex(hex, n, len);
    free(hex);
    return out;
}

struct tu_client {
    char *name, *ciphers, *ciphersuites;
    uint8_t *hello;
    size_t hello_len;
    unsigned lowest, highest;
};

/* The value between ("...") on a line "key+=(...)", or NULL. */
static inline char *tu_field(const char *line, const char *key)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t kl = strlen(key);
    if (strncmp(p, key, kl) != 0 || strncmp(p + kl, "+=(", 3) != 0)
        return NULL;
    p += kl + 3;
    if (*p == '"')
        p++;
    const char *e = p + strlen(p);
    while (e > p && (e[-1] == ' ' || e[-1] == '\r'))
        e--;
    if (e > p && e[-1] == ')')
        e--;
    if (e > p && e[-1] == '"')
        e--;
    return strndup(p, (size_t)(e - p));
}

static inline const char *tu_testssl_path(void)
{
    const char *p = getenv("TLSD_TESTSSL_CLIENTS");
    return p ? p : "/etc/testssl/client-simulation.txt";
}

/* Loads every client of testssl's client-simulation.txt. */
static inline size_t tu_load_testssl(struct tu_client **out)
{
    char *buf = tu_slurp(tu_testssl_path(), NULL);
    char **lines;
    size_t nl = tu_lines(buf, &lines), n = 0;
    struct tu_client *c = calloc(nl + 1, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < nl; i++) {
        char *v;
        if ((v = tu_field(lines[i], "names")))
            c[n++].name = v;
        else if (n == 0)
            continue;
        else if ((v = tu_field(lines[i], "ciphers")))
            c[n - 1].ciphers = v;
        else if ((v = tu_field(lines[i], "ciphersuites")))
            c[n - 1].ciphersuites = v;
        else if ((v = tu_field(lines[i], "handshakebytes"))) {
            c[n - 1].hello = tu_unhex(v, strlen(v), &c[n - 1].hello_len);
            free(v);
        } else if ((v = tu_field(lines[i], "lowest_protocol"))) {
            c[n - 1].lowest = (unsigned)strtoul(v, NULL, 16);
            free(v);
        } else if ((v = tu_field(lines[i], "highest_protocol"))) {
            c[n - 1].highest = (unsigned)strtoul(v, NULL, 16);
            free(v);
        }
    }
    free(lines);
    free(buf);
    *out = c;
    return n;
}

static inline void tu_free_testssl(struct tu_client *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].ciphers);
        free(c[i].ciphersuites);
        free(c[i].hello);
    }
    free(c);
}

#endif
