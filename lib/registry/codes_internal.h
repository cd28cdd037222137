/* Is a code (suite, group, version, signature scheme) in a list: one answer for the codec's
 * checks, the model and the scan, instead of a loop written in each. */
#ifndef TLSDIAG_CODES_INTERNAL_H
#define TLSDIAG_CODES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool tlsd_has_u16(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static inline bool tlsd_has_u32(const uint32_t *v, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

#endif
