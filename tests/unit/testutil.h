/* Small helpers shared by the unit tests (cmocka). */
#ifndef TLSD_TESTUTIL_H
#define TLSD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ../shared as seen from the source tree (env TLSD_SHARED from ctest). */
static inline const char *tu_shared(void)
{
    const char *s = getenv("TLSD_SHARED");
    return s ? s : "../shared";
}

/* Reads a whole file into a NUL-terminated buffer; fails the test if absent. */
static inline char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Splits buf in place into lines; returns the count, *lines malloc'd. */
static inline size_t tu_lines(char *buf, char ***lines)
{
    size_t n = 0, cap = 256;
    *lines = malloc(cap * sizeof **lines);
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            cap *= 2;
            *lines = realloc(*lines, cap * sizeof **lines);
        }
        (*lines)[n++] = l;
    }
    return n;
}

#endif
