/* Fuzz target: cipher suite list parsing in every input form, and
 * rendering the result in every output format. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/json.h"
#include "tlsdiag/suite_render.h"
#include "tlsdiag/suitelist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_suite_list l;
    if (tlsd_suite_list_parse((const char *)data, size, &l) != 0)
        return 0;
    for (int f = TLSD_FMT_IANA; f <= TLSD_FMT_POWERSHELL; f++) {
        struct tlsd_suite_list problems = {0};
        free(tlsd_render_suite_list(&l, (enum tlsd_suite_format)f, &problems));
        tlsd_suite_list_free(&problems);
    }
    json_decref(tlsd_suite_list_to_json(&l));
    tlsd_suite_list_free(&l);
    return 0;
}
