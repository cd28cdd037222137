/* Fuzz target: the explain matcher on arbitrary pasted text, and the JSON rendering of what it
 * found. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_explain_result r;
    if (tlsd_explain_query((const char *)data, size, &r) != 0)
        return 0;
    for (size_t i = 1; i < r.n; i++)
        if (r.matches[i].score > r.matches[i - 1].score)
            abort(); /* candidates must come best first */
    json_decref(tlsd_explain_result_to_json(&r));
    tlsd_explain_result_free(&r);
    return 0;
}
