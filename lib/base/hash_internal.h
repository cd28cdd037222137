/* One non-cryptographic hash for the library's caches and memo tables (analyze's
 * rendered lists, the fingerprints' digest memo): 64-bit words at a time. */
#ifndef TLSDIAG_HASH_INTERNAL_H
#define TLSDIAG_HASH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t tlsd_hash_bytes(const void *data, size_t n)
{
    const char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t v = 0;
    memcpy(&v, p + i, n - i);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* A pointer key (a literal's address): one multiply, its high bits to the low end. */
static inline uint64_t tlsd_hash_ptr(const void *p)
{
    return ((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 32;
}

#endif
