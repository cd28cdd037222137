/* UTF-8 validation for the renderers: peers put any bytes in server names, ALPN and
 * certificate names, and neither JSON (RFC 8259 8.1) nor a terminal may get them raw. */
#ifndef TLSDIAG_UTF8_INTERNAL_H
#define TLSDIAG_UTF8_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (2-4) of the well-formed UTF-8 sequence at p (p[0] >= 0x80), or 0 when it
 * is not one (RFC 3629 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
static inline size_t tlsd_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (!len || n < len)
        return 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* The code point of a well-formed sequence of length len. */
static inline uint32_t tlsd_utf8_decode(const unsigned char *p, size_t len)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = p[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    return cp;
}

/* A control character a terminal acts on: C0, DEL and C1 (ESC and CSI among them). */
static inline bool tlsd_cp_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

#endif
