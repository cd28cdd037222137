/* The memo of memo_internal.h: slots allocated once, by the owner. */
#include "base/memo_internal.h"

#include <stdlib.h>

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

bool tlsd_memo_init(struct tlsd_memo *m, size_t n, size_t key_max, size_t val_max)
{
    size_t slots = 1;
    while (slots < n)
        slots *= 2;
    *m = (struct tlsd_memo){.n = slots, .key_max = round8(key_max), .val_max = round8(val_max)};
    m->stride = sizeof(struct tlsd_memo_head) + m->key_max + m->val_max;
    m->mem = malloc(slots * m->stride);
    if (!m->mem)
        return false;
    for (size_t i = 0; i < slots; i++)
        *(struct tlsd_memo_head *)(void *)(m->mem + i * m->stride) =
            (struct tlsd_memo_head){.key_len = UINT32_MAX};
    return true;
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
    struct tlsd_memo_head *h = tlsd_memo_slot(m, hash);
    unsigned char *k = (unsigned char *)(h + 1);
    *h = (struct tlsd_memo_head){
        .hash = hash, .key_len = (uint32_t)key_len, .val_len = (uint32_t)val_len};
    memcpy(k, key, key_len);
    return k + m->key_max;
}
