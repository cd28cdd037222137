/* The TLS registries: cipher suites, versions, groups, signature schemes,
 * extensions, alerts, handshake and content types.
 *
 * Every table is generated at build time from the data/ TSV files (the single source of
 * truth, see scripts/gen_tables.py); this header is the only way to read them. */
#ifndef TLSDIAG_REGISTRY_H
#define TLSDIAG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Generated from data/ (scripts/gen_tables.py): enum tlsd_kx and its TLSD_KXF_* flags,
 * tlsd_auth, tlsd_cert_kind, tlsd_cipher (TLSD_CIPHERF_*), tlsd_mac, tlsd_suite_status,
 * tlsd_group_kind, tlsd_sig_hash, tlsd_sig_alg, tlsd_version_family, each with a
 * tlsd_<enum>_name(); and the named codes TLSD_VERSION_*, TLSD_ALERT_*, TLSD_GROUP_*,
 * TLSD_SIGSCHEME_*, TLSD_EXT_*, TLSD_HS_*, TLSD_CT_*. */
#include "tlsdiag/registry_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Security class, worst first, so that "a < b" means "a is worse". */
enum tlsd_class {
    TLSD_CLASS_UNKNOWN = 0,
    TLSD_CLASS_INSECURE,
    TLSD_CLASS_WEAK,
    TLSD_CLASS_SECURE,
    TLSD_CLASS_RECOMMENDED,
};

const char *tlsd_class_name(enum tlsd_class c);
/* The terminal style of a class (tlsdiag/textout.h), "" when colour is off or for unknown. */
const char *tlsd_class_style(enum tlsd_class c, bool on);
/* Parses "insecure", "weak", "secure", "recommended" (any case). */
enum tlsd_class tlsd_class_from_name(const char *name);

/* One cipher suite (a 16-bit TLS code) or SSLv2 cipher kind (a 24-bit code).
 * String fields are never NULL except where marked "or NULL". Comma lists
 * hold every further spelling of the same code. */
struct tlsd_suite {
    uint32_t code;
    const char *iana_name;
    const char *openssl_name;    /* or NULL */
    const char *openssl_aliases; /* comma list, or NULL */
    const char *gnutls_name;     /* or NULL */
    const char *windows_names;   /* comma list, or NULL */
    const char *windows_name;    /* the spelling to write for Windows, or NULL */
    enum tlsd_kx kx;             /* RSA, DHE, ECDHE, PSK, ..., ANY (TLS 1.3) */
    unsigned kx_flags;           /* TLSD_KXF_*: ephemeral, EC, DH, PSK, export, RSA */
    enum tlsd_auth auth;         /* RSA, ECDSA, DSS, anon, ..., ANY */
    enum tlsd_cert_kind cert;    /* key type the server certificate needs */
    enum tlsd_cipher cipher;     /* AES_128_GCM, 3DES_EDE_CBC, ... */
    unsigned cipher_flags;       /* TLSD_CIPHERF_*: CBC, AEAD, stream, ChaCha20, CCM_8 */
    int bits;                    /* symmetric key bits */
    enum tlsd_mac mac;           /* AEAD, SHA1, SHA256, ... */
    uint16_t min_version;        /* lowest protocol version, e.g. 0x0303 */
    enum tlsd_class cls;
    const char *class_reason;
    enum tlsd_suite_status status; /* iana, scsv, draft, vendor, sslv2 */
    const char *reference;
};

size_t tlsd_suite_count(void);
const struct tlsd_suite *tlsd_suite_at(size_t i);
/* Exact code; NULL when the code is not in the registry (GREASE included). */
const struct tlsd_suite *tlsd_suite_by_code(uint32_t code);
/* The suite's cipher has every TLSD_CIPHERF_* flag given (CBC, ChaCha20, ...); false for a
 * code the registry does not have. */
bool tlsd_suite_cipher_is(uint32_t code, unsigned cipher_flags);
/* Exact name in any naming scheme (IANA, OpenSSL and its old spellings,
 * GnuTLS, Windows), case-insensitive. NULL when unknown. */
const struct tlsd_suite *tlsd_suite_by_name(const char *name);
/* True for SSLv2 cipher kinds (3-byte codes). */
bool tlsd_suite_is_sslv2(const struct tlsd_suite *s);
/* A signalling suite value (the renegotiation and fallback SCSVs: status scsv), not a
 * suite that can be negotiated. */
bool tlsd_suite_code_is_scsv(uint32_t code);
/* True when the suite can be negotiated at protocol version v. */
bool tlsd_suite_usable_at(const struct tlsd_suite *s, uint16_t version);
/* True when name is one entry of a comma list such as windows_names. */
bool tlsd_name_in_list(const char *list, const char *name);

/* RFC 8701 GREASE values: 0x0A0A, 0x1A1A, ... 0xFAFA (cipher suites,
 * groups, extensions, versions and signature schemes all use these). */
bool tlsd_is_grease(uint32_t code);

struct tlsd_version {
    uint16_t code;
    const char *name; /* SSLv3, TLSv1.2, ... */
    const char *iana_name;
    const char *openssl_name;        /* or NULL */
    const char *gnutls_name;         /* or NULL */
    const char *windows_name;        /* SCHANNEL registry key name, or NULL */
    enum tlsd_version_family family; /* ssl2, tls, dtls */
    enum tlsd_class cls;
    const char *reference;
};

struct tlsd_group {
    uint16_t code;
    const char *name;
    const char *openssl_name;  /* comma list, or NULL */
    const char *gnutls_name;   /* or NULL */
    const char *windows_name;  /* or NULL */
    enum tlsd_group_kind kind; /* ec, ecx, ffdhe, pq, hybrid, ... */
    int bits;
    bool tls13; /* allowed in TLS 1.3 */
    enum tlsd_class cls;
    const char *reference;
};

struct tlsd_sigscheme {
    uint16_t code;
    const char *name;
    const char *openssl_name; /* or NULL */
    const char *gnutls_name;  /* or NULL */
    enum tlsd_sig_hash hash;
    enum tlsd_sig_alg signature;
    bool tls13;
    enum tlsd_class cls;
    const char *reference;
};

struct tlsd_extension {
    uint16_t code;
    const char *name;
    const char *reference;
    const char *tls13_messages; /* or NULL */
    const char *recommended;
};

struct tlsd_alert {
    int code;
    const char *name;
    const char *level_rule;
    const char *reference;
    const char *description;
};

struct tlsd_handshake_type {
    int code;
    const char *name;
    bool tls; /* sent in a TLS stream: false for DTLS-only types and message_hash */
    const char *reference;
};

struct tlsd_content_type {
    int code;
    const char *name;
    const char *reference;
};

/* An alert's level (RFC 5246 7.2; RFC 8446 6: every alert is fatal but close_notify and
 * user_canceled, whatever its level says). */
enum tlsd_alert_level { TLSD_ALERT_LEVEL_WARNING = 1, TLSD_ALERT_LEVEL_FATAL = 2 };
/* "fatal", "warning", NULL for any other value. */
const char *tlsd_alert_level_name(int level);

/* The protocol versions a profile holds and a scan probes, oldest first: one index,
 * its bit in a version set (TLSD_V_*) and its wire code (tlsd_proto_codes). */
enum tlsd_proto {
    TLSD_PROTO_SSL2,
    TLSD_PROTO_SSL3,
    TLSD_PROTO_TLS10,
    TLSD_PROTO_TLS11,
    TLSD_PROTO_TLS12,
    TLSD_PROTO_TLS13,
    TLSD_PROTO_COUNT
};
enum {
    TLSD_V_SSL2 = 1u << TLSD_PROTO_SSL2,
    TLSD_V_SSL3 = 1u << TLSD_PROTO_SSL3,
    TLSD_V_TLS10 = 1u << TLSD_PROTO_TLS10,
    TLSD_V_TLS11 = 1u << TLSD_PROTO_TLS11,
    TLSD_V_TLS12 = 1u << TLSD_PROTO_TLS12,
    TLSD_V_TLS13 = 1u << TLSD_PROTO_TLS13,
};
extern const uint16_t tlsd_proto_codes[TLSD_PROTO_COUNT];
/* The index of a version code (0x0002, 0x0300..0x0304); -1 for anything else. */
int tlsd_proto_of_code(uint16_t code);

/* Lookups by code (NULL when unassigned) and by any name (case-insensitive). */
const struct tlsd_version *tlsd_version_by_code(uint16_t code);
/* Drafts of TLS 1.3 are 0x7fNN (draft-ietf-tls-tls13-NN): from here on no code is a
 * final TLS version. */
#define TLSD_VERSION_DRAFT13_BASE 0x7f00
/* A draft of TLS 1.3, registered or not. */
bool tlsd_version_is_draft13(uint16_t v);
/* TLS 1.3: 0x0304, or a draft. */
bool tlsd_version_is_tls13(uint16_t v);
const struct tlsd_version *tlsd_version_by_name(const char *name);
const struct tlsd_group *tlsd_group_by_code(uint16_t code);
const struct tlsd_group *tlsd_group_by_name(const char *name);
const struct tlsd_sigscheme *tlsd_sigscheme_by_code(uint16_t code);
const struct tlsd_sigscheme *tlsd_sigscheme_by_name(const char *name);
const struct tlsd_extension *tlsd_extension_by_code(uint16_t code);
const struct tlsd_extension *tlsd_extension_by_name(const char *name);
const struct tlsd_alert *tlsd_alert_by_code(int code);

const struct tlsd_alert *tlsd_alert_by_name(const char *name);
const struct tlsd_handshake_type *tlsd_handshake_type_by_code(int code);
const struct tlsd_content_type *tlsd_content_type_by_code(int code);

/* Names for renderers, with the mark each uses for a code the registry does not have: the
 * suite's IANA name or "?", the version's or group's name or "-", the alert's name or
 * "undefined" (also for a negative code). */
const char *tlsd_suite_code_name(uint32_t code);
const char *tlsd_version_code_name(uint16_t code);
const char *tlsd_group_code_name(uint16_t code);
const char *tlsd_alert_code_name(int code);

/* An alert as received, in words: "handshake_failure (40)", "255 (no alert TLS defines)",
 * and a level other than fatal (2) named: "handshake_failure (40) of level 7 (neither
 * warning 1 nor fatal 2)". level < 0: not known (not named). */
void tlsd_alert_describe(int level, int desc, char *out, size_t len);

/* Whole tables, for listing and tests. */
size_t tlsd_version_count(void);
const struct tlsd_version *tlsd_version_at(size_t i);
size_t tlsd_group_count(void);
const struct tlsd_group *tlsd_group_at(size_t i);
size_t tlsd_sigscheme_count(void);
const struct tlsd_sigscheme *tlsd_sigscheme_at(size_t i);
size_t tlsd_extension_count(void);
const struct tlsd_extension *tlsd_extension_at(size_t i);
size_t tlsd_alert_count(void);
const struct tlsd_alert *tlsd_alert_at(size_t i);
size_t tlsd_handshake_type_count(void);
const struct tlsd_handshake_type *tlsd_handshake_type_at(size_t i);

/* Short display name of a version code: "TLSv1.2", "SSLv3", "GREASE",
 * or "0x7A7A" style for unknown values. buf must hold 16 bytes. */
const char *tlsd_version_str(uint16_t code, char buf[16]);

/* A suite code as written in reports: "0x002F", SSLv2 kinds (24 bits) "0x0700C0".
 * buf must hold 12 bytes; returns buf. */
const char *tlsd_suite_code_str(uint32_t code, char buf[12]);

#ifdef __cplusplus
}
#endif
#endif
