/* Fuzz target: profile parsing in every input form (detected), then the negotiation
 * model, the fix search and the fix renderer on what was parsed. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/fixes.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct tlsd_profile *c, const struct tlsd_profile *s,
                     enum tlsd_side side)
{
    struct tlsd_outcome o;
    tlsd_negotiate(c, s, &o);
    struct tlsd_fix_list l;
    if (o.ok || tlsd_find_fixes(c, s, side, 2, &l) != 0)
        return;
    for (size_t i = 0; i < l.n; i++) {
        struct tlsd_fix_steps st;
        if (tlsd_fix_render(&l.fixes[i], side == TLSD_SIDE_SERVER ? s : c, &st) == 0)
            tlsd_fix_steps_free(&st);
    }
    tlsd_fix_list_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tlsd_profile win, printer;
    static int init;
    struct tlsd_profile_err err;
    if (!init) {
        init = 1;
        if (tlsd_profile_builtin("windows-2022-23h2", TLSD_SIDE_SERVER, &win, &err) != 0 ||
            tlsd_profile_builtin("openssl-1.0.2", TLSD_SIDE_CLIENT, &printer, &err) != 0)
            abort();
    }
    if (size > 65536)
        return 0;
    struct tlsd_profile *p = malloc(sizeof *p);
    if (!p)
        return 0;
    const char *text = (const char *)data;
    if (tlsd_profile_parse_form(TLSD_PROFILE_AUTO, text, size, TLSD_SIDE_CLIENT, p, &err) == 0)
        exercise(p, &win, TLSD_SIDE_SERVER);
    if (tlsd_profile_parse_form(TLSD_PROFILE_AUTO, text, size, TLSD_SIDE_SERVER, p, &err) == 0)
        exercise(&printer, p, TLSD_SIDE_SERVER);
    free(p);
    return 0;
}
