/* .NET applications on Windows: the TLS versions one asks Schannel for.
 *
 * Rules, from Microsoft "Transport Layer Security (TLS) best practices with the .NET
 * Framework" (https://learn.microsoft.com/dotnet/framework/network-programming/tls,
 * dotnet/docs docs/framework/network-programming/tls.md; windows_notes.md 6):
 *  - 3.5 and 4.0-4.5.2 use SslProtocols.Default / Ssl3|Tls: "setting SslProtocols.Default
 *    forces the use of SSL 3.0 /TLS 1.0 and prevents TLS 1.2".
 *  - SchUseStrongCrypto = 1 "uses more secure network protocols (TLS 1.2, TLS 1.1, and
 *    TLS 1.0) and blocks protocols that are not secure"; "If your app targets .NET
 *    Framework 4.6 or later versions, this key defaults to a value of 1". "The .NET
 *    Framework version 3.5 supports the SchUseStrongCrypto flag only when an explicit TLS
 *    value is passed" (so not for its default).
 *  - SystemDefaultTlsVersions = 1 "causes your app to allow the operating system to choose
 *    the protocol"; it defaults to 1 for applications targeting 4.7 or later; for 3.5 it
 *    lives under v2.0.50727 (KB3154518/3154519/3154520).
 *  - AppContext switches Switch.System.Net.DontEnableSchUseStrongCrypto and
 *    ...DontEnableSystemDefaultTlsVersions = false do the same per application; they are
 *    "relevant if your app targets, or runs on, .NET Framework 4.6 or later versions".
 *  - .NET 5 and later leave the versions to the OS (SslProtocols.None).
 * Strong cryptography also applies under SystemDefault (4.6+ targets default to it), so
 * SSL 3.0 is blocked there too; .NET 3.5 honours it only with an explicit TLS value.
 * Versions an application names explicitly are used when Schannel supports them even if
 * they are off by default (DisabledByDefault = 1: "used only when an application asks for
 * it explicitly", data/schannel_registry.tsv); SystemDefault gets the OS defaults.
 * SCH_USE_STRONG_CRYPTO: "The Microsoft Schannel provider will filter out known weak
 * cipher suites" (RC4 on 7/8/8.1; RC4, DES, export and null on 10 1607+; windows_notes.md 1). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tlsdiag/dotnet.h"
#include "tlsdiag/registry.h"
#include "windows/winreg_internal.h"

#define EXPLICIT_DEFAULT (TLSD_V_SSL3 | TLSD_V_TLS10)
#define EXPLICIT_STRONG  (TLSD_V_TLS10 | TLSD_V_TLS11 | TLSD_V_TLS12)

static const struct {
    const char *name;
    enum tlsd_dotnet_target target;
} target_names[] = {
    {"3.5", TLSD_DOTNET_FX35},
    {"3.5.1", TLSD_DOTNET_FX35},
    {"4.0", TLSD_DOTNET_FX40},
    {"4", TLSD_DOTNET_FX40},
    {"4.5", TLSD_DOTNET_FX40},
    {"4.5.1", TLSD_DOTNET_FX40},
    {"4.5.2", TLSD_DOTNET_FX40},
    {"4.6", TLSD_DOTNET_FX46},
    {"4.6.1", TLSD_DOTNET_FX46},
    {"4.6.2", TLSD_DOTNET_FX46},
    {"4.7", TLSD_DOTNET_FX47},
    {"4.7.1", TLSD_DOTNET_FX47},
    {"4.7.2", TLSD_DOTNET_FX47},
    {"4.8", TLSD_DOTNET_FX47},
    {"4.8.1", TLSD_DOTNET_FX47},
    {"5", TLSD_DOTNET_CORE},
    {"6", TLSD_DOTNET_CORE},
    {"7", TLSD_DOTNET_CORE},
    {"8", TLSD_DOTNET_CORE},
    {"9", TLSD_DOTNET_CORE},
    {"core", TLSD_DOTNET_CORE},
    /* the names tlsd_dotnet_target_name gives, so a formatted profile reads back */
    {"4.0-4.5.2", TLSD_DOTNET_FX40},
    {"4.6-4.6.2", TLSD_DOTNET_FX46},
    {"4.7+", TLSD_DOTNET_FX47},
    {"5+", TLSD_DOTNET_CORE},
};

int tlsd_dotnet_target_from_name(const char *name, enum tlsd_dotnet_target *out)
{
    for (size_t i = 0; i < sizeof target_names / sizeof target_names[0]; i++)
        if (strcasecmp(name, target_names[i].name) == 0) {
            *out = target_names[i].target;
            return 0;
        }
    return -1;
}

const char *tlsd_dotnet_target_name(enum tlsd_dotnet_target t)
{
    static const char *const names[] = {"", "3.5", "4.0-4.5.2", "4.6-4.6.2", "4.7+", "5+"};
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "";
}

static const struct {
    unsigned bit;
    const char *name, *appcontext;
} settings[] = {
    {TLSD_DOTNET_SCH_USE_STRONG_CRYPTO, "SchUseStrongCrypto",
     "Switch.System.Net.DontEnableSchUseStrongCrypto"},
    {TLSD_DOTNET_SYSTEM_DEFAULT_TLS, "SystemDefaultTlsVersions",
     "Switch.System.Net.DontEnableSystemDefaultTlsVersions"},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

unsigned tlsd_dotnet_setting_from_name(const char *name)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcasecmp(name, settings[i].name) == 0)
            return settings[i].bit;
    return 0;
}

const char *tlsd_dotnet_setting_name(unsigned bit)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (settings[i].bit == bit)
            return settings[i].name;
    return "?";
}

const char *tlsd_dotnet_switch_name(unsigned bit)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (settings[i].bit == bit)
            return settings[i].appcontext;
    return "?";
}

const char *tlsd_dotnet_registry_version(enum tlsd_dotnet_target t)
{
    return t == TLSD_DOTNET_FX35 ? "v2.0.50727" : "v4.0.30319";
}

int tlsd_dotnet_set_windows(struct tlsd_dotnet *d, const char *profile)
{
    const struct tlsd_windows_support *ws = tlsd_windows_support_of(profile);
    if (!ws)
        return -1;
    snprintf(d->windows, sizeof d->windows, "%s", ws->profile);
    d->os_default = ws->versions_default_client;
    d->os_supported = ws->versions_supported_client;
    return 0;
}

static unsigned settings_of(const struct tlsd_dotnet *d)
{
    /* AppContext switches exist only on the 4.x runtime (4.6 or later). */
    return d->registry | (tlsd_dotnet_has_appcontext(d) ? d->appcontext : 0);
}

bool tlsd_dotnet_has_appcontext(const struct tlsd_dotnet *d)
{
    return d->target >= TLSD_DOTNET_FX40 && d->target <= TLSD_DOTNET_FX47;
}

bool tlsd_dotnet_system_default(const struct tlsd_dotnet *d)
{
    return d->target >= TLSD_DOTNET_FX47 ||
           (d->target != TLSD_DOTNET_NONE && (settings_of(d) & TLSD_DOTNET_SYSTEM_DEFAULT_TLS));
}

bool tlsd_dotnet_strong_crypto(const struct tlsd_dotnet *d)
{
    /* .NET 5+ passes SCH_USE_STRONG_CRYPTO whenever it requires encryption (dotnet/runtime
     * SslStreamPal.Windows) */
    return d->target >= TLSD_DOTNET_FX46 ||
           (d->target == TLSD_DOTNET_FX40 && (settings_of(d) & TLSD_DOTNET_SCH_USE_STRONG_CRYPTO));
}

unsigned tlsd_dotnet_versions(const struct tlsd_dotnet *d)
{
    if (d->target == TLSD_DOTNET_NONE)
        return 0;
    /* strong cryptography "blocks protocols that are not secure": SSL 3.0 */
    unsigned blocked = tlsd_dotnet_strong_crypto(d) ? (unsigned)TLSD_V_SSL3 : 0;
    if (tlsd_dotnet_system_default(d))
        return d->os_default & ~blocked;
    return (tlsd_dotnet_strong_crypto(d) ? EXPLICIT_STRONG : EXPLICIT_DEFAULT) & d->os_supported;
}

/* A suite SCH_USE_STRONG_CRYPTO filters out: RC4, DES, export and NULL ciphers. */
static bool weak_filtered(const struct tlsd_suite *st)
{
    switch (st->cipher) {
    case TLSD_CIPHER_NULL:
    case TLSD_CIPHER_RC4_128:
    case TLSD_CIPHER_RC4_40:
    case TLSD_CIPHER_DES_CBC:
    case TLSD_CIPHER_DES40_CBC:
        return true;
    default:
        return (st->kx_flags & TLSD_KXF_EXPORT) != 0;
    }
}

void tlsd_dotnet_apply(struct tlsd_profile *p)
{
    const struct tlsd_dotnet *d = &p->dotnet;
    if (d->target == TLSD_DOTNET_NONE)
        return;
    p->versions = tlsd_dotnet_versions(d);
    p->versions_assumed = false;
    p->supported_versions_ext = (p->versions & TLSD_V_TLS13) != 0;
    bool strong = tlsd_dotnet_strong_crypto(d);
    size_t k = 0;
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct tlsd_suite *st = tlsd_suite_by_code(p->suites[i]);
        if (!strong || !st || !weak_filtered(st))
            p->suite_curves[k] = p->suite_curves[i], p->suites[k++] = p->suites[i];
    }
    p->n_suites = k;
}
