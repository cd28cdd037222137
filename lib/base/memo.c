/* The memo of memo_internal.h: slots allocated by the owner, more as answers come. */
#include "base/memo_internal.h"

#include <stdlib.h>

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* The slots a memo starts with. */
#define MEMO_FIRST_SLOTS 8u
/* How much it grows at a time. */
#define MEMO_GROWTH 8u

bool tlsd_memo_init(struct tlsd_memo *m, size_t n, size_t key_max, size_t val_max)
{
    size_t slots = 1;
    while (slots < n)
        slots *= 2;
    *m = (struct tlsd_memo){.n = slots < MEMO_FIRST_SLOTS ? slots : MEMO_FIRST_SLOTS,
                            .n_max = slots,
                            .key_max = round8(key_max),
                            .val_max = round8(val_max)};
    m->stride = sizeof(struct tlsd_memo_head) + m->key_max + m->val_max;
    /* Zeroed slots are empty ones (struct tlsd_memo_head's key_tag). */
    m->mem = calloc(m->n, m->stride);
    return m->mem != NULL;
}

/* More answers than slots: the memo is busy, give it more (up to n_max). The answers kept
 * are dropped (a memo may forget any answer); when the memory is not there, it stays as
 * it is. */
static void grow(struct tlsd_memo *m)
{
    size_t n = m->n * MEMO_GROWTH < m->n_max ? m->n * MEMO_GROWTH : m->n_max;
    unsigned char *mem = calloc(n, m->stride);
    if (!mem) {
        m->n_max = m->n;
        return;
    }
    free(m->mem);
    m->mem = mem;
    m->n = n;
    m->puts = 0;
}

void tlsd_memo_free(struct tlsd_memo *m)
{
    free(m->mem);
    *m = (struct tlsd_memo){0};
}

void *tlsd_memo_put(struct tlsd_memo *m, uint64_t hash, const void *key, size_t key_len,
                    size_t val_len)
{
    if (!m || !m->mem || key_len > m->key_max || val_len > m->val_max)
        return NULL;
    if (m->n < m->n_max && ++m->puts > m->n)
        grow(m);
    struct tlsd_memo_head *h = tlsd_memo_slot(m, hash);
    unsigned char *k = (unsigned char *)(h + 1);
    *h = (struct tlsd_memo_head){
        .hash = hash, .key_tag = (uint32_t)key_len + 1, .val_len = (uint32_t)val_len};
    memcpy(k, key, key_len);
    return k + m->key_max;
}
