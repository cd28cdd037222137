/* Sorting that gives the same order on every system (see platform.h): stable, so elements
 * that compare equal keep their order. C does not promise that of qsort; glibc's is a merge
 * sort in practice, the Windows C runtime's a quicksort, so ties in a ranking (fixes, scan
 * findings, explain candidates) came out in another order under Windows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* A stable merge sort; without memory for the merge buffer, an insertion sort. */
static void merge_sort(char *a, char *tmp, size_t n, size_t size,
                       int (*cmp)(const void *, const void *, void *), void *ctx)
{
    if (n < 2)
        return;
    size_t half = n / 2;
    merge_sort(a, tmp, half, size, cmp, ctx);
    merge_sort(a + half * size, tmp, n - half, size, cmp, ctx);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        /* Equal elements: the left one first (stability). */
        size_t from = cmp(a + j * size, a + i * size, ctx) < 0 ? j++ : i++;
        memcpy(tmp + k++ * size, a + from * size, size);
    }
    memcpy(tmp + k * size, a + i * size, (half - i) * size);
    k += half - i;
    memcpy(tmp + k * size, a + j * size, (n - j) * size);
    memcpy(a, tmp, n * size);
}

static void insertion_sort(char *a, size_t n, size_t size,
                           int (*cmp)(const void *, const void *, void *), void *ctx)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size, ctx) > 0; j--)
            for (size_t b = 0; b < size; b++) {
                char t = a[(j - 1) * size + b];
                a[(j - 1) * size + b] = a[j * size + b];
                a[j * size + b] = t;
            }
}

void tlsd_qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                  void *ctx)
{
    char *tmp = n > 1 && n <= SIZE_MAX / size ? malloc(n * size) : NULL;
    if (tmp)
        merge_sort(base, tmp, n, size, cmp, ctx);
    else
        insertion_sort(base, n, size, cmp, ctx);
    free(tmp);
}

/* qsort's comparison, called through the context one. */
static int plain_cmp(const void *a, const void *b, void *ctx)
{
    int (*const *cmp)(const void *, const void *) = ctx;
    return (*cmp)(a, b);
}

void tlsd_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    tlsd_qsort_r(base, n, size, plain_cmp, &cmp);
}
