/* ClientHello: built from a description (struct tlsd_hello_spec), parsed into a typed
 * result (struct tlsd_client_hello). Both the SSLv2-compatible CLIENT-HELLO (RFC 5246
 * E.2, SSLv2 spec 2.5) and the SSLv3 / TLS 1.0-1.3 ClientHello (RFC 5246 7.4.1.2,
 * RFC 8446 4.1.2). Parsing what was built gives back the description. */
#ifndef TLSDIAG_HELLO_H
#define TLSDIAG_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/bytes.h"

#include "tlsdiag/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Extension codes: enum tlsd_ext_code (TLSD_EXT_*), tlsdiag/registry_codes.h. The key_share
 * code of draft-ietf-tls-tls13 up to -22, registered as reserved_40: */
#define TLSD_EXT_KEY_SHARE_DRAFT TLSD_EXT_RESERVED_40

/* Suite codes, the SCSVs too: enum tlsd_suite_code (TLSD_SUITE_TLS_*), registry_codes.h. */

enum tlsd_hello_format {
    TLSD_HELLO_TLS = 0, /* SSLv3 / TLS record + handshake message */
    TLSD_HELLO_SSL2,    /* SSLv2 CLIENT-HELLO (pure SSLv2 or v2-compatible) */
};

enum tlsd_random_mode {
    TLSD_RANDOM_AUTO = 0, /* fresh random bytes (RAND_bytes) */
    TLSD_RANDOM_ZERO,     /* all zero */
    TLSD_RANDOM_GIVEN,    /* spec.random */
};

enum tlsd_padding_mode {
    TLSD_PAD_NONE = 0,
    /* RFC 7685 / the F5 workaround: when the handshake message (4-byte header
     * included) is 256..511 bytes long, pad it to 512. */
    TLSD_PAD_AVOID_256_511,
    /* Pad the handshake message (header included) to exactly pad_target bytes;
     * BAD_SPEC when it is already longer than pad_target - 4 and not equal to it. */
    TLSD_PAD_TO_SIZE,
};

/* A list of 16-bit codes; "present" sends the extension even when the list is empty. */
struct tlsd_u16_list {
    const uint16_t *v;
    size_t n;
    bool present;
};

struct tlsd_u8_list {
    const uint8_t *v;
    size_t n;
    bool present;
};

/* A key share to offer: key NULL means "generate a real key pair with libcrypto"
 * (x25519, x448, secp256r1/384r1/521r1, ffdhe2048..8192); otherwise key/len are
 * sent as given (for groups libcrypto lacks or deliberately broken shares). */
struct tlsd_key_share_spec {
    uint16_t group;
    const uint8_t *key;
    size_t len;
};

struct tlsd_raw_ext {
    uint16_t type;
    const uint8_t *data;
    size_t len;
};

struct tlsd_hello_spec {
    enum tlsd_hello_format format;
    uint16_t record_version; /* 0: 0x0301 (TLS 1.3 hellos too, RFC 8446 5.1), or legacy_version if
                                lower */
    uint16_t legacy_version; /* client_version; 0x0002 for pure SSLv2 */
    enum tlsd_random_mode random_mode;
    uint8_t random[32];
    size_t ssl2_challenge_len; /* SSLv2: 16..32 (0 = 32); the last bytes of random */
    uint8_t session_id[32];
    size_t session_id_len;
    /* Cipher suites in wire order; any 16-bit code. In the SSLv2 format codes above
     * 0xFFFF are 3-byte SSLv2 cipher kinds, lower codes are sent as 0x00XXYY. */
    const uint32_t *suites;
    size_t n_suites;
    struct tlsd_u8_list compression; /* not present: { 0 } (null) */

    /* Extensions, sent in this order (GREASE first/last, padding last). None are sent
     * in the SSLv2 format (BAD_SPEC when any is asked for). */
    const char *server_name; /* host_name, NULL: none */
    struct tlsd_u16_list groups;
    struct tlsd_u8_list ec_point_formats;
    struct tlsd_u16_list sigalgs;
    struct tlsd_u16_list sigalgs_cert;
    struct tlsd_u16_list versions; /* supported_versions */
    const struct tlsd_key_share_spec *key_shares;
    size_t n_key_shares;
    bool key_share_present; /* send key_share even with no shares (HRR probe) */
    struct tlsd_u8_list psk_modes;
    bool renegotiation_info; /* empty renegotiation_info extension (RFC 5746 3.4) */
    bool scsv;               /* append TLS_EMPTY_RENEGOTIATION_INFO_SCSV to the suites */
    bool fallback_scsv;      /* append TLS_FALLBACK_SCSV (RFC 7507) */
    bool extended_master_secret;
    bool encrypt_then_mac;
    bool session_ticket; /* empty SessionTicket extension */
    bool status_request; /* OCSP, empty responder list and extensions */
    const char *const *alpn;
    size_t n_alpn;
    const struct tlsd_raw_ext *extra; /* sent as given, after the above */
    size_t n_extra;
    bool empty_extensions; /* send an empty extensions block when no extension is set */

    bool grease;          /* RFC 8701: suite, group, version, sigalg, key share, 2 extensions */
    unsigned grease_seed; /* picks the GREASE values (deterministic) */
    enum tlsd_padding_mode padding;
    size_t pad_target;
    size_t max_size;        /* handshake message limit, header included (0 = none) */
    size_t record_fragment; /* split into records of at most this many bytes (0: 2^14) */
};

/* What a client offers, in the terms scan's probes and connect's profiles both speak;
 * tlsd_hello_spec_offer turns it into a spec by the protocol's rules, kept here once:
 * SSLv2's own format for an SSLv2 hello; legacy_version at most TLS 1.2, TLS 1.3 offered
 * by supported_versions with key_share and psk_key_exchange_modes (RFC 8446 4.1.2,
 * 4.2.1, 4.2.8, 4.2.9); no extensions in an SSL 3.0 hello (RFC 6101 has none) but the
 * padding a large-hello probe asks for;
 * signature_algorithms from TLS 1.2 on (RFC 5246 7.4.1.4.1); encrypt_then_mac and the
 * renegotiation SCSV only in a hello whose highest version is below TLS 1.3 (RFC 7366
 * is for the CBC suites of TLS 1.0-1.2; TLS 1.3 has no renegotiation, RFC 8446 4.1.2). */
struct tlsd_hello_offer {          /* a list is sent when present (its length aside) */
    uint16_t max_version;          /* the highest version offered */
    struct tlsd_u16_list versions; /* supported_versions, highest first; present: TLS 1.3 */
    const uint32_t *suites;
    size_t n_suites;
    struct tlsd_u8_list compression;
    const char *server_name; /* sent as given (the caller leaves out addresses) */
    struct tlsd_u16_list groups;
    struct tlsd_u8_list ec_point_formats;
    struct tlsd_u16_list sigalgs;
    const struct tlsd_key_share_spec *key_shares; /* with supported_versions */
    size_t n_key_shares;
    bool compat_session_id; /* with supported_versions: 32 bytes (RFC 8446 D.4) */
    bool reneg_scsv;        /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.4) */
    bool reneg_info;        /* the empty renegotiation_info extension instead */
    bool fallback_scsv;     /* RFC 7507 */
    bool extended_master_secret, encrypt_then_mac, session_ticket, status_request;
    const char *const *alpn;
    size_t n_alpn;
    const struct tlsd_raw_ext *extra; /* sent as given, extensions allowed */
    size_t n_extra;
    size_t pad_to; /* pad the handshake message to this size (0: no padding) */
};

/* The spec for an offer (the rules above); points into the offer, which must outlive it. */
void tlsd_hello_spec_offer(const struct tlsd_hello_offer *o, struct tlsd_hello_spec *sp);

/* Builds the handshake message (TLS: 4-byte header + body; SSLv2: the CLIENT-HELLO
 * message) into *msg, and the whole record(s) into *rec (either may be NULL).
 * Caller frees both. */
TLSD_WUR enum tlsd_cerr tlsd_hello_build(const struct tlsd_hello_spec *spec, uint8_t **msg,
                                         size_t *msg_len, uint8_t **rec, size_t *rec_len);

/* Which fields carried an RFC 8701 GREASE value. */
enum tlsd_grease_where {
    TLSD_GREASE_SUITE = 1 << 0,
    TLSD_GREASE_EXTENSION = 1 << 1,
    TLSD_GREASE_GROUP = 1 << 2,
    TLSD_GREASE_VERSION = 1 << 3,
    TLSD_GREASE_SIGALG = 1 << 4,
    TLSD_GREASE_KEY_SHARE = 1 << 5,
    TLSD_GREASE_ALPN = 1 << 6,
};

struct tlsd_ext {
    uint16_t type;
    const uint8_t *data; /* points into tlsd_client_hello.msg */
    size_t len;
};

struct tlsd_key_share {
    uint16_t group;
    const uint8_t *key; /* points into the message */
    size_t len;
};

struct tlsd_bytes {
    const uint8_t *p;
    size_t len;
};

/* A parse that fails after the version field still fills every field read before the
 * error (partial = true): see docs/codec.md, "Partial results". */
struct tlsd_client_hello {
    bool partial; /* the parse failed; the fields before the error are set */
    enum tlsd_hello_format format;
    uint16_t record_version; /* 0 when parsed from a bare handshake message */
    uint16_t legacy_version;
    uint8_t random[32]; /* SSLv2: challenge right-aligned, zero-filled (RFC 5246 E.2) */
    size_t ssl2_challenge_len;
    uint8_t session_id[32];
    size_t session_id_len;
    uint32_t *suites; /* wire order; SSLv2 kinds as 24-bit codes, 0x00XXYY as 0xXXYY */
    size_t n_suites;
    uint8_t *compression;
    size_t n_compression;

    bool has_extensions;   /* an extensions block is present (maybe empty) */
    struct tlsd_ext *exts; /* every extension in wire order */
    size_t n_exts;
    unsigned grease; /* enum tlsd_grease_where bits */

    /* Typed extensions; lists keep GREASE values as sent. */
    char *server_name; /* first host_name, NUL-terminated; NULL when absent */
    uint16_t *groups;
    size_t n_groups;
    bool has_groups;
    uint8_t *ec_point_formats;
    size_t n_ec_point_formats;
    bool has_ec_point_formats;
    uint16_t *sigalgs;
    size_t n_sigalgs;
    bool has_sigalgs;
    uint16_t *sigalgs_cert;
    size_t n_sigalgs_cert;
    bool has_sigalgs_cert;
    uint16_t *versions;
    size_t n_versions;
    bool has_versions;
    struct tlsd_key_share *key_shares;
    size_t n_key_shares;
    bool has_key_share;
    uint8_t *psk_modes;
    size_t n_psk_modes;
    bool has_psk_modes;
    bool has_renegotiation_info;
    size_t renegotiation_info_len; /* length of renegotiated_connection */
    bool scsv, fallback_scsv;      /* found in the suite list */
    bool extended_master_secret, encrypt_then_mac, session_ticket, status_request;
    size_t session_ticket_len;
    struct tlsd_bytes *alpn;
    size_t n_alpn;
    bool has_padding;
    size_t padding_len;
    uint8_t max_fragment_length; /* RFC 6066 4: 1..4, 0 when absent */
    bool has_pre_shared_key;     /* RFC 8446 4.2.11 */
    size_t n_psk_identities;
    bool early_data;   /* RFC 8446 4.2.10 */
    size_t cookie_len; /* RFC 8446 4.2.2, 0 when absent */

    uint8_t *msg; /* owned copy of the handshake message */
    size_t msg_len;
    void *block; /* the lists and msg in one allocation (NULL: each allocated alone) */
};

/* Parses a handshake message: TLS (4-byte header, type client_hello) or an SSLv2
 * CLIENT-HELLO message (first byte 1). *out must be freed with tlsd_client_hello_free
 * (also after an error). */
TLSD_WUR enum tlsd_cerr tlsd_client_hello_parse(const uint8_t *msg, size_t len, bool sslv2,
                                                struct tlsd_client_hello *out,
                                                struct tlsd_err *err);
/* Parses whole records (one SSLv2 record, or TLS records whose handshake payload is
 * exactly one ClientHello). */
TLSD_WUR enum tlsd_cerr tlsd_client_hello_parse_records(const uint8_t *buf, size_t len,
                                                        struct tlsd_client_hello *out,
                                                        struct tlsd_err *err);
void tlsd_client_hello_free(struct tlsd_client_hello *ch);
/* The bytes a parsed hello owns (its lists and copy of the message), for a memory cap. */
size_t tlsd_client_hello_bytes(const struct tlsd_client_hello *ch);

/* The protocol versions a hello offers: supported_versions without GREASE when present
 * (RFC 8446 4.2.1), else SSLv3 (or SSLv2 for the SSLv2 format) .. legacy_version. */
void tlsd_client_hello_versions(const struct tlsd_client_hello *ch, uint16_t *lowest,
                                uint16_t *highest);

/* HelloRetryRequest random (RFC 8446 4.1.3): SHA-256("HelloRetryRequest"). */
extern const uint8_t tlsd_hrr_random[32];
/* A message as libssl's message callback hands it over (content type, then the handshake
 * message with its header) is a HelloRetryRequest: a ServerHello with that random. */
bool tlsd_msg_is_hrr(int content_type, const void *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif
