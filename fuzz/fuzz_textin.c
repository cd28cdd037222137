/* Fuzz target: the text decoder (BOMs, UTF-16, line ends). Its output must be NUL-terminated
 * at its stated length, hold no CR, and for UTF-16 input be valid UTF-8 (checked by walking it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/textin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    enum tlsd_text_encoding enc;
    char *s = tlsd_text_decode(data, size, &n, &enc);
    if (!s)
        return 0;
    if (s[n] != '\0' || memchr(s, '\r', n))
        abort();
    if (enc == TLSD_TEXT_UTF16LE || enc == TLSD_TEXT_UTF16BE) {
        for (size_t i = 0; i < n;) {
            size_t k = utf8_len((const unsigned char *)s + i);
            if (k == 0 || i + k > n)
                abort();
            i += k;
        }
        if (strlen(s) != n)
            abort(); /* a U+0000 must not cut the text */
    }
    free(s);
    return 0;
}
