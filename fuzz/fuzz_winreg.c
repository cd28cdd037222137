/* Fuzz target: .reg files (any encoding, through tlsd_text_decode as the CLI reads
 * them) and the effective Schannel configuration built from what they set, over a
 * Windows 10+ base and a pre-Windows 10 one (curve-suffixed names). */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/textin.h"
#include "tlsdiag/winreg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const bases[] = {"windows-2022", "windows-7", NULL};
    size_t len = 0;
    char *text = tlsd_text_decode(data, size, &len, NULL);
    struct tlsd_reg reg = {0};
    struct tlsd_reg_err err;
    struct tlsd_win_state *st = malloc(sizeof *st);
    if (text && st && tlsd_reg_apply_text(&reg, text, len, "fuzz", &err) == 0)
        for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
            if (tlsd_win_state_build(st, &reg, bases[i], NULL, TLSD_SIDE_SERVER, &err) < 0)
                break;
    tlsd_reg_free(&reg);
    free(st);
    free(text);
    return 0;
}
