/* Profiles: one side's TLS configuration (client or server) — versions, suites in
 * order, groups, signature schemes, certificate key types, preference mode and the
 * implementation's quirks. Built-in profiles come from data/profiles/ (generated
 * into the binary); the rest are parsed from what an administrator has at hand.
 * The file format is documented in docs/profile-format.md. */
#ifndef TLSDIAG_PROFILE_H
#define TLSDIAG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/registry.h"
#include "tlsdiag/registry_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_PROFILE_MAX_SUITES  512
#define TLSD_PROFILE_MAX_GROUPS  64
#define TLSD_PROFILE_MAX_SIGALGS 64
#define TLSD_PROFILE_MAX_CERTS   4
/* RSA and DSA key sizes a profile may give (bits); the size when it gives none. */
#define TLSD_CERT_BITS_MIN             512
#define TLSD_CERT_BITS_MAX             16384
#define TLSD_CERT_BITS_DEFAULT         2048
#define TLSD_PROFILE_MAX_CIPHER_STRING 512
#define TLSD_PROFILE_MAX_DH_BITS       16384 /* ffdhe8192 is the largest in use */

enum tlsd_side { TLSD_SIDE_ANY = 0, TLSD_SIDE_CLIENT, TLSD_SIDE_SERVER };

enum tlsd_impl {
    TLSD_IMPL_GENERIC = 0,
    TLSD_IMPL_OPENSSL,
    TLSD_IMPL_GNUTLS,
    TLSD_IMPL_SCHANNEL,
    TLSD_IMPL_JAVA,
};

/* Whose suite order a server follows. DEFAULT = the implementation's default
 * (schannel, Java: server; OpenSSL, GnuTLS: client). */
enum tlsd_pref { TLSD_PREF_DEFAULT = 0, TLSD_PREF_SERVER, TLSD_PREF_CLIENT };

/* Behaviour flags. */
enum tlsd_profile_flag {
    /* Server: no common suite -> TCP reset, no alert (schannel, windows_notes.md 1). */
    TLSD_PF_RESET_ON_NO_MATCH = 1u << 0,
    /* Server with server preference: prefer ChaCha20 when the client lists it first
     * (OpenSSL SSL_OP_PRIORITIZE_CHACHA; only when configured). */
    TLSD_PF_PRIORITIZE_CHACHA = 1u << 1,
    /* Server: a TLS 1.2 hello must carry the renegotiation SCSV or extension. */
    TLSD_PF_REQUIRE_RENEG_INFO = 1u << 2,
    /* Client: sends the renegotiation SCSV or extension (RFC 5746). */
    TLSD_PF_SENDS_RENEG_INFO = 1u << 3,
    /* Client: the hello has a supported_groups extension (else: none sent). */
    TLSD_PF_SENDS_GROUPS = 1u << 4,
    /* Client: the hello has a signature_algorithms extension. */
    TLSD_PF_SENDS_SIGALGS = 1u << 5,
    /* Client: the server_name host_name is not a valid DNS name (e.g. "host:443"). */
    TLSD_PF_SNI_INVALID = 1u << 6,
    /* Windows: the suite order comes from a Group Policy (a reg: export showed it), so a
     * change must go into that GPO; Enable-TlsCipherSuite has no effect while it is set. */
    TLSD_PF_POLICY_SUITE_ORDER = 1u << 7,
};

/* The key type of a server certificate a profile lists; its name, as profiles spell it,
 * is tlsd_key_type_name() ("rsa", "ecdsa", ...). */
enum tlsd_key_type {
    TLSD_KEY_NONE = 0,
    TLSD_KEY_RSA,
    TLSD_KEY_ECDSA,
    TLSD_KEY_DSA,
    TLSD_KEY_ED25519,
    TLSD_KEY_ED448,
};
#define TLSD_KEY_TYPE_COUNT 6

/* A server certificate key: bits for RSA/DSA, group (curve) for ECDSA. */
struct tlsd_cert_key {
    enum tlsd_key_type type;
    int bits;
    uint16_t curve;
};

/* Protocol versions as a bit set (TLSD_V_*, registry.h): SSLv2 .. TLSv1.3. */
/* Bit of a version code (0x0002, 0x0300..0x0304), 0 for anything else. */
unsigned tlsd_version_bit(uint16_t code);
/* Code of a single version bit; 0 when the bit is not a version. */
uint16_t tlsd_version_of_bit(unsigned bit);
/* Highest / lowest version code in a set, 0 when empty. */
uint16_t tlsd_versions_max(unsigned set);
uint16_t tlsd_versions_min(unsigned set);

/* A .NET application on Windows: the framework it targets picks the TLS versions it asks
 * Schannel for, unless registry values or AppContext switches let the OS choose
 * (include/tlsdiag/dotnet.h has the rules and their sources). */
enum tlsd_dotnet_target {
    TLSD_DOTNET_NONE = 0, /* not a .NET application */
    TLSD_DOTNET_FX35,     /* .NET Framework 3.5 (CLR 2.0, key v2.0.50727) */
    TLSD_DOTNET_FX40,     /* targets .NET Framework 4.0 - 4.5.2 */
    TLSD_DOTNET_FX46,     /* targets 4.6 - 4.6.2 */
    TLSD_DOTNET_FX47,     /* targets 4.7 or later (4.7.x, 4.8, 4.8.1) */
    TLSD_DOTNET_CORE,     /* .NET (Core) 5 or later */
};
/* The two .NET Framework settings (registry DWORD = 1, or the AppContext switch
 * DontEnable... = false). */
enum tlsd_dotnet_setting {
    TLSD_DOTNET_SCH_USE_STRONG_CRYPTO = 1u << 0,
    TLSD_DOTNET_SYSTEM_DEFAULT_TLS = 1u << 1,
};
struct tlsd_dotnet {
    enum tlsd_dotnet_target target;
    unsigned registry;     /* enum tlsd_dotnet_setting bits set to 1 in the registry */
    unsigned appcontext;   /* the same bits set by the application's AppContext switches */
    char windows[32];      /* the built-in Windows profile the application runs on */
    unsigned os_default;   /* TLSD_V_* Schannel's client uses by default on that Windows */
    unsigned os_supported; /* TLSD_V_* an application may ask Schannel's client for */
};

/* A profile is a plain value: copy it to try a change (the fix search does). */
struct tlsd_profile {
    char name[96];
    char description[200];
    char source[200];
    enum tlsd_side side;
    enum tlsd_impl impl;
    unsigned versions; /* TLSD_V_* bits */
    /* Client hellos: the highest version in legacy_version and whether a
     * supported_versions extension lists them (a TLS 1.3-capable hello). */
    bool supported_versions_ext;
    uint32_t suites[TLSD_PROFILE_MAX_SUITES]; /* preference order; TLS 1.3 suites too */
    size_t n_suites;
    /* Schannel before Windows 10, read from a registry order list: the curve suffixes
     * each ECDHE suite was listed with (bit k: the release's k-th curve suffix,
     * data/windows_support.tsv), so a fix writes the list back as it was; 0: with every
     * group of the side (a built-in default list). Moves with suites[]. */
    uint8_t suite_curves[TLSD_PROFILE_MAX_SUITES];
    uint16_t groups[TLSD_PROFILE_MAX_GROUPS]; /* preference order */
    size_t n_groups;
    uint16_t key_shares[TLSD_PROFILE_MAX_GROUPS]; /* client: groups with a key share */
    size_t n_key_shares;
    uint16_t sigalgs[TLSD_PROFILE_MAX_SIGALGS];
    size_t n_sigalgs;
    /* server: the TLS 1.3 schemes it signs CertificateVerify with (a scan finds them);
     * none: whatever its keys allow */
    uint16_t sigalgs13[TLSD_PROFILE_MAX_SIGALGS];
    size_t n_sigalgs13;
    struct tlsd_cert_key certs[TLSD_PROFILE_MAX_CERTS]; /* server */
    size_t n_certs;
    enum tlsd_pref pref;
    unsigned flags; /* enum tlsd_profile_flag */
    /* An OpenSSL-configured side: the administrator's cipher string for TLS <= 1.2 as
     * written ("HIGH:!aNULL"); fixes add to it instead of rewriting it. "" unknown. */
    char cipher_string[TLSD_PROFILE_MAX_CIPHER_STRING];
    /* The input named no versions (Get-TlsCipherSuite output, a GPO string, a suite
     * list): versions holds what its suites allow, an assumption the report must name
     * unless tlsd_profile_set_versions replaces it. */
    bool versions_assumed;
    /* A .NET application (target TLSD_DOTNET_NONE: not one): versions are derived. */
    struct tlsd_dotnet dotnet;
    /* Schannel of a known Windows release (the built-in profile's name, also the base of
     * a registry export): what that release can be set to (data/windows_support.tsv)
     * bounds the fixes. "" when not known. */
    char windows[32];
    /* Server: the DHE prime size in bits it uses at TLS <= 1.2 with a client that offers
     * no RFC 7919 group (its own parameters; a saved scan measures it). 0: unknown. */
    int dh_bits;
    /* Client: the DHE prime sizes it accepts; a server prime outside them ends the
     * handshake at the client (Java 6 and 7: at most 1024 bits). 0: no limit known. */
    int dh_bits_min, dh_bits_max;
    /* Server: the alert it answers a hello offering only SSLv3 with (a saved scan saw
     * it); TLSD_ALERT_UNKNOWN: what its implementation usually sends. */
    int ssl3_alert;
    /* Server, OpenSSL 3: its security level (0-5; `@SECLEVEL=N` in cipher_string sets it);
     * from 1 up it signs no TLS 1.0/1.1 handshake (MD5-SHA1 is below level 1).
     * TLSD_SECLEVEL_UNKNOWN: not known, no such rule applied. */
    int security_level;
};
#define TLSD_SECLEVEL_UNKNOWN (-1)
#define TLSD_SECLEVEL_MAX     5
#define TLSD_ALERT_UNKNOWN    (-1)

const char *tlsd_side_name(enum tlsd_side s);
/* "rsa", "ecdsa", "dsa", "ed25519", "ed448"; "" for TLSD_KEY_NONE. */
const char *tlsd_key_type_name(enum tlsd_key_type t);
/* "RSA", "ECDSA", "DSA", "ED25519", "ED448" (as certificate summaries spell them). */
const char *tlsd_key_type_label(enum tlsd_key_type t);
/* A key type by its name, any case ("ec" is ecdsa); TLSD_KEY_NONE when unknown. */
enum tlsd_key_type tlsd_key_type_from_name(const char *name);
/* The key type a suite's certificate kind needs (RSA, ECDSA, DSA); TLSD_KEY_NONE for the
 * kinds no profile configures (anon, static DH/ECDH, GOST, ...). */
enum tlsd_key_type tlsd_key_type_of_cert_kind(enum tlsd_cert_kind c);
const char *tlsd_impl_name(enum tlsd_impl i);
int tlsd_impl_from_name(const char *name, enum tlsd_impl *out) __attribute__((warn_unused_result));
/* The preference a server really follows (DEFAULT resolved by implementation). */
enum tlsd_pref tlsd_profile_pref(const struct tlsd_profile *p);

/* Fills the defaults every parser starts from: generic, TLS 1.0-1.3, the common
 * groups (x25519, secp256r1, secp384r1), signature schemes and an RSA-2048
 * certificate; no suites. */
void tlsd_profile_init(struct tlsd_profile *p, enum tlsd_side side);

/* Sets cipher_string (cut at its size) and, when it names one, security_level. */
void tlsd_profile_set_cipher_string(struct tlsd_profile *p, const char *s);

/* Appends when absent; -1 when the list is full. */
int tlsd_profile_add_suite(struct tlsd_profile *p, uint32_t code)
    __attribute__((warn_unused_result));
bool tlsd_profile_has_suite(const struct tlsd_profile *p, uint32_t code);
bool tlsd_profile_has_group(const struct tlsd_profile *p, uint16_t group);
bool tlsd_profile_has_sigalg(const struct tlsd_profile *p, uint16_t sigalg);
/* A server signs TLS 1.3 CertificateVerify with sigalg: its sigalgs13 holds it, or is
 * empty (not restricted: whatever its keys allow). */
bool tlsd_profile_signs13(const struct tlsd_profile *p, uint16_t sigalg);
/* Inserts at position pos (0 = top; past the end = append). */
int tlsd_profile_insert_suite(struct tlsd_profile *p, size_t pos, uint32_t code)
    __attribute__((warn_unused_result));

/* Built-in profiles (data/profiles/). */
struct tlsd_builtin_profile {
    const char *name;
    const char *aliases; /* comma list, or NULL */
    const char *family;  /* windows, openssl, java, testssl */
    const char *side;    /* client, server, any */
    const char *text;    /* the profile in the file format */
};
size_t tlsd_builtin_profile_count(void);
const struct tlsd_builtin_profile *tlsd_builtin_profile_at(size_t i);
/* By name or alias, case-insensitive. */
const struct tlsd_builtin_profile *tlsd_builtin_profile_find(const char *name);
/* The built-in profile whose name is nearest to a mistyped one ("win2022" ->
 * "windows-2022": the typed letters in order with the same digits, else a small edit
 * distance), or NULL when none is close. */
const char *tlsd_builtin_profile_nearest(const char *typed);

/* Parsing. Every parser fills *p (starting from tlsd_profile_init with side) and
 * writes a reason to err on failure (-1). */
struct tlsd_profile_err {
    char msg[256];
    /* Set by tlsd_profile_load on success when a bare name was both a built-in profile and a
     * file in the working directory (tlsd_profile_shadow_note); "" otherwise. */
    char note[512];
};

/* The profile file format: "key = value" lines (docs/profile-format.md). */
int tlsd_profile_parse_text(const char *text, size_t len, enum tlsd_side side,
                            struct tlsd_profile *p, struct tlsd_profile_err *err)
    __attribute__((warn_unused_result));
/* A built-in by name. */
int tlsd_profile_builtin(const char *name, enum tlsd_side side, struct tlsd_profile *p,
                         struct tlsd_profile_err *err) __attribute__((warn_unused_result));

/* Input forms other than the profile file format. */
enum tlsd_profile_form {
    TLSD_PROFILE_AUTO = 0,
    TLSD_PROFILE_FILEFORMAT, /* key = value lines */
    TLSD_PROFILE_HEX,        /* a ClientHello record as hex */
    TLSD_PROFILE_OPENSSL,    /* an OpenSSL cipher string */
    TLSD_PROFILE_WEBSERVER, /* nginx ssl_ciphers/ssl_protocols, Apache SSLCipherSuite/SSLProtocol */
    TLSD_PROFILE_POWERSHELL, /* Get-TlsCipherSuite output */
    TLSD_PROFILE_GPO,        /* a GPO "SSL Cipher Suite Order" string */
    TLSD_PROFILE_LIST,       /* a plain list of suite names or codes */
    TLSD_PROFILE_SCAN_JSON,  /* a saved `tlsdiag scan --json` */
    TLSD_PROFILE_CAPTURE,    /* a ClientHello from a capture (tlsd_profile_load reads it) */
};
const char *tlsd_profile_form_name(enum tlsd_profile_form f);
/* Guesses the form of a text (file contents or inline text). */
enum tlsd_profile_form tlsd_profile_detect(const char *text, size_t len);
int tlsd_profile_parse_form(enum tlsd_profile_form form, const char *text, size_t len,
                            enum tlsd_side side, struct tlsd_profile *p,
                            struct tlsd_profile_err *err) __attribute__((warn_unused_result));
/* The profile as `tlsdiag profiles PROFILE` shows it, appended to b (JSON: tlsdiag/json.h). */
struct tlsd_strbuf;
void tlsd_profile_text(const struct tlsd_profile *p, struct tlsd_strbuf *b);
/* A scan this process ran as a server profile: what the server was seen to accept, read as
 * TLSD_PROFILE_SCAN_JSON reads the saved scan. */
struct tlsd_scan_result;
int tlsd_profile_from_scan(const struct tlsd_scan_result *r, struct tlsd_profile *p,
                           struct tlsd_profile_err *err) __attribute__((warn_unused_result));
/* A ClientHello's bytes (whole records) as a client profile. */
int tlsd_profile_from_hello(const uint8_t *rec, size_t len, struct tlsd_profile *p,
                            struct tlsd_profile_err *err) __attribute__((warn_unused_result));

/* A parsed ClientHello as a client profile (starting from tlsd_profile_init). */
struct tlsd_client_hello;
void tlsd_profile_from_client_hello(const struct tlsd_client_hello *ch, struct tlsd_profile *p);

/* Sets p's versions from spec: a list ("TLSv1.2, TLSv1.3", "1.2 1.3") or a built-in
 * profile whose versions to take (a Windows version's defaults: "windows-2019");
 * clears versions_assumed. Returns 0, or -1 with err set. */
int tlsd_profile_set_versions(struct tlsd_profile *p, const char *spec,
                              struct tlsd_profile_err *err) __attribute__((warn_unused_result));
/* The profile in the file format (every key it has, codes in hex), malloc'd; NULL when
 * out of memory. Parsing it back gives the same profile. */
char *tlsd_profile_format(const struct tlsd_profile *p);
/* One command-line PROFILE: a built-in name ("builtin:NAME" never reads a file; a bare NAME
 * that is also a file in the working directory is the built-in, and err->note says so);
 * "hex:", "openssl:", "gpo:", "list:",
 * "nginx:", "apache:" followed by inline text; "ps:FILE", "file:FILE"; a file name
 * (form detected from the contents; "./NAME", any path with a '/', is always a file); or
 * inline text (form detected). */
int tlsd_profile_load(const char *spec, enum tlsd_side side, struct tlsd_profile *p,
                      struct tlsd_profile_err *err) __attribute__((warn_unused_result));
/* The built-in profile a PROFILE spec names ("NAME" or "builtin:NAME"), or NULL. */
const struct tlsd_builtin_profile *tlsd_profile_spec_builtin(const char *spec);
/* When spec is a bare built-in name (or "local") and also a regular file in the working
 * directory: writes to note which one tlsd_profile_load takes (the built-in) and how to
 * name the other, and returns true. */
bool tlsd_profile_shadow_note(const char *spec, char *note, size_t len);

#ifdef __cplusplus
}
#endif
#endif
