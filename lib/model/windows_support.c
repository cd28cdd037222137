/* What each Windows release's Schannel can be set to (data/windows_support.tsv, generated
 * into schannel_tables.c): looked up by the profiles, .NET, the fixes and the registry
 * reader. In the model layer, below the registry reader that also uses it. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "tlsdiag/profile.h"
#include "tlsdiag/suitelist.h"
#include "windows/winreg_internal.h"

const struct tlsd_windows_support *tlsd_windows_support_of(const char *profile)
{
    const struct tlsd_builtin_profile *b = tlsd_builtin_profile_find(profile);
    for (size_t i = 0; b && i < tlsd_windows_support_n_; i++)
        if (strcasecmp(tlsd_windows_support_[i].profile, b->name) == 0)
            return &tlsd_windows_support_[i];
    return NULL;
}

const struct tlsd_windows_support *tlsd_windows_support_of_side(const struct tlsd_profile *p)
{
    return p->impl == TLSD_IMPL_SCHANNEL && p->windows[0] ? tlsd_windows_support_of(p->windows)
                                                          : NULL;
}

bool tlsd_windows_support_has_suite(const struct tlsd_windows_support *ws, uint32_t code)
{
    for (const char *p = ws->suites_supported; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        uint32_t c;
        const struct tlsd_suite *s;
        if (tlsd_suite_resolve(p, n, &c, &s) == TLSD_TOKEN_OK && c == code)
            return true;
        p += n + (e ? 1 : 0);
    }
    return false;
}

bool tlsd_windows_support_has_group(const struct tlsd_windows_support *ws, uint16_t group)
{
    for (size_t i = 0; i < ws->n_groups; i++)
        if (ws->groups[i] == group)
            return true;
    return false;
}

bool tlsd_windows_support_has_name(const struct tlsd_windows_support *ws, const char *name,
                                   size_t len)
{
    for (const char *p = ws->suites_supported; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, name, len) == 0)
            return true;
        p += n + (p[n] == ',' ? 1 : 0);
    }
    return false;
}

size_t tlsd_windows_listed_groups(const struct tlsd_profile *p, size_t i,
                                  uint16_t out[TLSD_WINDOWS_MAX_SUFFIXES])
{
    const struct tlsd_windows_support *ws = tlsd_windows_support_of_side(p);
    size_t n = 0;
    for (size_t k = 0; ws && i < p->n_suites && k < ws->n_curve_suffixes && k < 8; k++)
        if ((p->suite_curves[i] >> k) & 1)
            out[n++] = ws->curve_suffixes[k].group;
    return n;
}
