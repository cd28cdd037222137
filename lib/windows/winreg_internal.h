/* The generated Schannel tables (scripts/gen_schannel.py). */
#ifndef TLSDIAG_WINREG_INTERNAL_H
#define TLSDIAG_WINREG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/evtlog.h"

enum tlsd_setting_kind {
    TLSD_SET_PROTOCOL,
    TLSD_SET_CIPHER,
    TLSD_SET_HASH,
    TLSD_SET_KX,
    TLSD_SET_LIMIT,
    TLSD_SET_ORDER,
    TLSD_SET_CURVES,
    TLSD_SET_DOTNET,
    TLSD_SET_LOGGING,
};

/* A whole text file (at most max bytes) decoded by tlsd_text_decode; NULL with err set. */
char *tlsd_win_read_text(const char *path, size_t max, size_t *len, char *err, size_t err_len);

/* One row of data/schannel_registry.tsv. */
struct tlsd_schannel_setting {
    enum tlsd_setting_kind kind;
    const char *key; /* below HKEY_LOCAL_MACHINE; {VERSION} and {SIDE} placeholders */
    const char *value;
    const char *match; /* FIELD=V|V* for cipher/hash/kx; local|policy; limit field; "-" */
    const char *meaning;
    const char *source;
};
extern const struct tlsd_schannel_setting tlsd_schannel_settings_[];
extern const size_t tlsd_schannel_settings_n_;

/* One row of data/windows_support.tsv (comma lists). */
/* Before Windows 10 a suite name's suffix picks the curve: "_P256" is secp256r1. */
struct tlsd_windows_curve_suffix {
    uint16_t group;
    const char *suffix; /* without the underscore */
};

struct tlsd_windows_support {
    const char *profile;
    /* TLSD_V_*: what Schannel can be set to (registry Enabled/DisabledByDefault), and
     * what it does with no setting, per side */
    unsigned versions_supported_server, versions_supported_client;
    unsigned versions_default_server, versions_default_client;
    const char *suites_supported; /* comma list of Windows suite names */
    const uint16_t *groups;       /* the TLS groups its Schannel can negotiate */
    size_t n_groups;
    /* Curves chosen by suite-name suffix (before Windows 10); none: by the ECC Curve Order */
    const struct tlsd_windows_curve_suffix *curve_suffixes;
    size_t n_curve_suffixes;
    bool tls_cmdlets; /* Enable-TlsCipherSuite and Enable-TlsEccCurve exist (Windows 10+) */
};
extern const struct tlsd_windows_support tlsd_windows_support_[];
extern const size_t tlsd_windows_support_n_;
/* The row of a built-in Windows profile (by name or alias), or NULL. */
const struct tlsd_windows_support *tlsd_windows_support_of(const char *profile);
/* The Windows release a Schannel side runs, when known: a fix can turn on only what that
 * release has (no TLS 1.3 before Windows 11 / Server 2022, no GCM suite with ECDHE on
 * Windows 7, no X25519 before Windows 10), whatever the registry is told. */
struct tlsd_profile;
const struct tlsd_windows_support *tlsd_windows_support_of_side(const struct tlsd_profile *p);
/* The groups the registry list gave suite i of p (before Windows 10: its names' curve
 * suffixes, suite_curves); 0: not bound to some (any of the side's groups). */
#define TLSD_WINDOWS_MAX_SUFFIXES 8
size_t tlsd_windows_listed_groups(const struct tlsd_profile *p, size_t i,
                                  uint16_t out[TLSD_WINDOWS_MAX_SUFFIXES]);
/* The release has the suite (under any of its Windows names). */
bool tlsd_windows_support_has_suite(const struct tlsd_windows_support *ws, uint32_t code);
/* The release's Schannel can negotiate the group. */
bool tlsd_windows_support_has_group(const struct tlsd_windows_support *ws, uint16_t group);
/* The release lists this exact Windows suite name (a curve-suffixed one included). */
bool tlsd_windows_support_has_name(const struct tlsd_windows_support *ws, const char *name,
                                   size_t len);

/* One row of data/schannel_event_fields.tsv (comma lists of the same length). */
struct tlsd_schannel_event_fields {
    unsigned id;
    const char *fields;                       /* "Name,Name,..." in the manifest's order */
    const enum tlsd_event_value_kind *decode; /* one per field */
    size_t n_decode;
};
extern const struct tlsd_schannel_event_fields tlsd_schannel_event_fields_[];
extern const size_t tlsd_schannel_event_fields_n_;

#endif
