/* Fuzz target: scan target specifications (what users and -iL files give). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[600];
    if (size >= sizeof spec)
        size = sizeof spec - 1;
    memcpy(spec, data, size);
    spec[size] = '\0';
    struct tlsd_target_list l = {0};
    char err[256];
    for (int st = 0; st <= TLSD_STARTTLS_XMPP; st += 3) {
        /* Each parse on an empty list: the list grows with every call. */
        if (tlsd_target_parse(spec, (uint16_t)(size * 131), (enum tlsd_starttls)st, &l, err,
                              sizeof err) == 0 &&
            l.n > TLSD_MAX_RANGE)
            abort();
        tlsd_target_list_free(&l);
    }
    return 0;
}
