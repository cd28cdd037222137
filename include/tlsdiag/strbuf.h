/* A growable text buffer for renderers (no I/O: callers print the result). */
#ifndef TLSDIAG_STRBUF_H
#define TLSDIAG_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* The printf dialect checked in formats: the C library's own; the Windows build
 * (cmake/windows-deps.cmake) says gnu_printf, as mingw-w64's C99 printf is used there. */
#ifndef TLSD_PRINTF_FORMAT
#define TLSD_PRINTF_FORMAT printf
#endif

struct tlsd_strbuf {
    char *s;
    size_t len, cap;
    bool failed; /* an allocation failed; s holds what fitted */
};

void tlsd_sb_printf(struct tlsd_strbuf *b, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));
void tlsd_sb_puts(struct tlsd_strbuf *b, const char *s);
/* Appends n bytes (no format, no strlen). */
void tlsd_sb_putn(struct tlsd_strbuf *b, const char *p, size_t n);
/* Returns the text (caller frees) or NULL when an allocation failed. */
char *tlsd_sb_take(struct tlsd_strbuf *b);
void tlsd_sb_free(struct tlsd_strbuf *b);

#endif
