/* Names for the command's own lines, and the model's outcome and fixes printed as
 * `match`, `serve` and `connect` show them (lib/model/outcome_render.c renders them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/strbuf.h"
#include "tool.h"

void tool_print_outcome(const struct tlsd_outcome *o)
{
    struct tlsd_strbuf b = {0};
    tlsd_outcome_text(o, &b);
    tool_print_sb(&b);
}

int tool_print_fixes(const struct tlsd_profile *c, const struct tlsd_profile *s,
                     enum tlsd_side side, size_t max)
{
    struct tlsd_strbuf b = {0};
    int n = tlsd_fixes_text(c, s, side, max, &b);
    tool_print_sb(&b);
    return n;
}
