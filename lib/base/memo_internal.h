/* A memo: the answers to recent questions, for work a capture repeats thousands of times
 * (knowledge-base look-ups, fingerprint digests, rendered lists, JSON member names). It
 * belongs to the object that asks (the analyser, a fingerprint context) and is freed with
 * it, so nothing outlives its owner or is shared between threads.
 *
 * One eviction scheme: direct-mapped. The question's hash picks one slot; a new answer
 * replaces whatever that slot held. A memo that could not be allocated (or a NULL one)
 * remembers nothing: every get misses, every put is refused, and the caller computes. */
#ifndef TLSDIAG_MEMO_INTERNAL_H
#define TLSDIAG_MEMO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/hash_internal.h"

struct tlsd_memo {
    unsigned char *mem; /* n slots of stride bytes: head, key (key_max), value (val_max) */
    size_t n, key_max, val_max, stride;
};

struct tlsd_memo_head {
    uint64_t hash;
    uint32_t key_len; /* UINT32_MAX: empty */
    uint32_t val_len;
};

/* n slots (rounded up to a power of two) for keys up to key_max and values up to val_max
 * bytes. False when out of memory (the memo then remembers nothing). */
bool tlsd_memo_init(struct tlsd_memo *m, size_t n, size_t key_max, size_t val_max);
void tlsd_memo_free(struct tlsd_memo *m);

/* Where key's answer goes (val_len bytes, 8-aligned), key remembered in place of the
 * slot's; NULL when the memo has no room for it (the caller then keeps nothing). */
void *tlsd_memo_put(struct tlsd_memo *m, uint64_t hash, const void *key, size_t key_len,
                    size_t val_len);

static inline struct tlsd_memo_head *tlsd_memo_slot(const struct tlsd_memo *m, uint64_t hash)
{
    return (struct tlsd_memo_head *)(void *)(m->mem + (hash & (m->n - 1)) * m->stride);
}

/* The answer remembered for key (hash: of the key, the same function each time), its
 * length in *val_len when not NULL; NULL when not remembered. Inline: a constant key_len
 * makes the comparison a word or two. */
static inline void *tlsd_memo_get(const struct tlsd_memo *m, uint64_t hash, const void *key,
                                  size_t key_len, size_t *val_len)
{
    if (!m || !m->mem)
        return NULL;
    struct tlsd_memo_head *h = tlsd_memo_slot(m, hash);
    unsigned char *k = (unsigned char *)(h + 1);
    if (h->hash != hash || h->key_len != key_len || memcmp(k, key, key_len) != 0)
        return NULL;
    if (val_len)
        *val_len = h->val_len;
    return k + m->key_max;
}

#endif
