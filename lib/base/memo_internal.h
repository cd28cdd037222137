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
    size_t n_max; /* n grows up to this (tlsd_memo_put) */
    size_t puts;  /* answers put since n last grew (counted while it may grow) */
};

struct tlsd_memo_head {
    uint64_t hash;
    uint32_t key_tag; /* the key's length + 1; 0: empty (a calloc'd slot) */
    uint32_t val_len;
};

/* Up to n slots (rounded up to a power of two) for keys up to key_max and values up to
 * val_max bytes. A memo starts with a few slots and grows as answers are put (more answers
 * than slots: eight times the slots, the answers kept so far forgotten), so an owner that
 * asks a few questions (an analyser of a short capture, one run of a fuzz target) costs a
 * few hundred bytes, not the full table. False when out of memory (the memo then
 * remembers nothing). */
bool tlsd_memo_init(struct tlsd_memo *m, size_t n, size_t key_max, size_t val_max);
void tlsd_memo_free(struct tlsd_memo *m);

/* Where key's answer goes (val_len bytes, 8-aligned), key remembered in place of the
 * slot's; NULL when the memo has no room for it (the caller then keeps nothing). A put may
 * grow the memo: a pointer that tlsd_memo_get returned before it is no longer valid. */
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
    if (h->hash != hash || h->key_tag != key_len + 1 || memcmp(k, key, key_len) != 0)
        return NULL;
    if (val_len)
        *val_len = h->val_len;
    return k + m->key_max;
}

#endif
