/* .NET applications on Windows: which TLS versions an application asks Schannel for,
 * from the framework it targets, the registry values SchUseStrongCrypto and
 * SystemDefaultTlsVersions and the AppContext switches; and the fixes that change them.
 * Source: Microsoft, "Transport Layer Security (TLS) best practices with the .NET
 * Framework", https://learn.microsoft.com/dotnet/framework/network-programming/tls
 * (windows_notes.md 6). */
#ifndef TLSDIAG_DOTNET_H
#define TLSDIAG_DOTNET_H

#include <stdbool.h>

#include "tlsdiag/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "3.5", "4.0" .. "4.8.1", "5" .. "9", "core"; -1 when unknown. */
int tlsd_dotnet_target_from_name(const char *name, enum tlsd_dotnet_target *out)
    __attribute__((warn_unused_result));
/* "3.5", "4.0-4.5.2", "4.6-4.6.2", "4.7+", "5+"; "" for NONE. */
const char *tlsd_dotnet_target_name(enum tlsd_dotnet_target t);
/* "SchUseStrongCrypto" / "SystemDefaultTlsVersions" -> its bit; 0 when unknown. */
unsigned tlsd_dotnet_setting_from_name(const char *name);
const char *tlsd_dotnet_setting_name(unsigned bit);
/* The AppContext switch of a setting ("Switch.System.Net.DontEnableSchUseStrongCrypto"). */
const char *tlsd_dotnet_switch_name(unsigned bit);
/* The framework's registry folder: "v2.0.50727" (3.5) or "v4.0.30319". */
const char *tlsd_dotnet_registry_version(enum tlsd_dotnet_target t);

/* Sets d->windows and the OS version sets from a built-in Windows profile's name or
 * alias; -1 when it is not a Windows profile with data/windows_support.tsv data. */
int tlsd_dotnet_set_windows(struct tlsd_dotnet *d, const char *profile)
    __attribute__((warn_unused_result));

/* The application lets Schannel choose the versions (SystemDefault). */
bool tlsd_dotnet_system_default(const struct tlsd_dotnet *d);
/* The application passes SCH_USE_STRONG_CRYPTO (Schannel filters weak suites). */
bool tlsd_dotnet_strong_crypto(const struct tlsd_dotnet *d);
/* TLSD_V_* the application offers. */
unsigned tlsd_dotnet_versions(const struct tlsd_dotnet *d);
/* AppContext switches exist: the application runs on the 4.x runtime (4.6 or later). */
bool tlsd_dotnet_has_appcontext(const struct tlsd_dotnet *d);

/* Makes p what its dotnet settings give: the versions, the suites (without those
 * SCH_USE_STRONG_CRYPTO filters; a fix only ever turns it on, so removing them is final)
 * and the supported_versions extension only with TLS 1.3. No-op for a non-.NET profile. */
void tlsd_dotnet_apply(struct tlsd_profile *p);

#ifdef __cplusplus
}
#endif
#endif
