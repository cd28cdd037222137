/* Typed parsers for the messages a server sends (and Alert): ServerHello and
 * HelloRetryRequest, Certificate (with each X.509 certificate summarised by libcrypto),
 * ServerKeyExchange, CertificateRequest, ServerHelloDone, NewSessionTicket, Alert, the
 * SSLv2 SERVER-HELLO, and one entry point that parses any handshake message by type. */
#ifndef TLSDIAG_HANDSHAKE_H
#define TLSDIAG_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tlsdiag/bytes.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/x509_summary.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Handshake types: enum tlsd_hs_type (TLSD_HS_*), tlsdiag/registry_codes.h. */

/* Context a parser needs from earlier messages. */
struct tlsd_hs_ctx {
    uint16_t version; /* negotiated version (0: unknown, treated as TLS 1.2) */
    uint16_t suite;   /* negotiated suite (ServerKeyExchange needs its key exchange) */
};

/* A parse that fails after the version field still fills every field read before the
 * error (partial = true): see docs/codec.md, "Partial results". */
struct tlsd_server_hello {
    bool partial;            /* the parse failed; the fields before the error are set */
    uint16_t legacy_version; /* TLS 1.3 drafts before -22: the selected version 0x7fNN */
    uint16_t version;        /* selected: supported_versions when present, else legacy_version */
    bool is_hrr;             /* random is the HelloRetryRequest value (RFC 8446 4.1.3) */
    int downgrade;           /* RFC 8446 4.1.3 sentinel: 0 none, 11 ("DOWNGRD\1"), 10 ("\0") */
    uint8_t random[32];
    uint8_t session_id[32];
    size_t session_id_len;
    uint16_t suite;
    uint8_t compression;
    bool has_extensions;
    struct tlsd_ext *exts; /* wire order, pointing into msg */
    size_t n_exts;
    bool has_supported_version;
    uint16_t supported_version;
    bool has_key_share;
    uint16_t key_share_group; /* HRR: the group asked for */
    const uint8_t *key_share; /* NULL in an HRR */
    size_t key_share_len;
    bool renegotiation_info, extended_master_secret, encrypt_then_mac, session_ticket,
        status_request, server_name, has_ec_point_formats;
    char alpn[256];             /* selected protocol, "" when none */
    size_t cookie_len;          /* HRR cookie (RFC 8446 4.2.2) */
    uint16_t record_size_limit; /* RFC 8449, 0 when absent */
    bool has_pre_shared_key;
    uint16_t selected_identity; /* RFC 8446 4.2.11 */
    uint8_t *msg;               /* owned copy of the message */
    size_t msg_len;
};

struct tlsd_certificate_msg {
    struct tlsd_cert_summary *certs; /* leaf first */
    size_t n_certs;
    uint8_t *msg;
    size_t msg_len;
};

enum tlsd_ske_params {
    TLSD_SKE_NONE = 0,
    TLSD_SKE_DH,   /* ServerDHParams (RFC 5246 7.4.3) */
    TLSD_SKE_ECDH, /* ServerECDHParams (RFC 8422 5.4) */
    TLSD_SKE_RSA,  /* export ServerRSAParams (RFC 2246 7.4.3) */
};

struct tlsd_server_key_exchange {
    enum tlsd_ske_params kind;
    bool anonymous; /* no signature (anon suites) */
    int dh_p_bits;  /* DHE: size of p */
    int dh_g_bits;
    size_t dh_ys_len;
    uint8_t curve_type; /* ECDHE: 3 = named_curve */
    uint16_t named_curve;
    size_t point_len;
    int rsa_modulus_bits; /* RSA export */
    bool has_sig_scheme;  /* TLS 1.2 only (RFC 5246 7.4.1.4.1) */
    uint16_t sig_scheme;
    size_t sig_len;
};

struct tlsd_certificate_request {
    uint8_t *cert_types;
    size_t n_cert_types;
    uint16_t *sigalgs; /* TLS 1.2 */
    size_t n_sigalgs;
    bool has_sigalgs;
    size_t n_cas; /* number of distinguished names */
};

struct tlsd_new_session_ticket {
    uint32_t lifetime;
    uint32_t age_add; /* TLS 1.3 */
    size_t nonce_len; /* TLS 1.3 */
    size_t ticket_len;
    size_t n_exts; /* TLS 1.3 */
};

struct tlsd_alert_msg {
    uint8_t level; /* 1 warning, 2 fatal */
    uint8_t description;
};

/* SSLv2 SERVER-HELLO (SSLv2 spec, message type 4). */
struct tlsd_ssl2_server_hello {
    bool session_id_hit;
    uint8_t certificate_type;
    uint16_t version;
    uint32_t *kinds; /* cipher kinds, 24-bit */
    size_t n_kinds;
    struct tlsd_cert_summary cert; /* decoded when certificate_type is 1 (X.509) */
    bool has_cert;
    size_t connection_id_len;
};

/* Parsers of a whole handshake message (4-byte header included) of the given type.
 * Results own their memory: free with the matching _free (also after an error). */
TLSD_WUR enum tlsd_cerr tlsd_server_hello_parse(const uint8_t *msg, size_t len,
                                                struct tlsd_server_hello *out,
                                                struct tlsd_err *err);
/* The same parse without the copy of the message: msg stays NULL and what points into
 * the message points into the caller's buffer (valid as long as it is). For a look at a
 * ServerHello on the way (the record layer learns the version from it). */
TLSD_WUR enum tlsd_cerr tlsd_server_hello_parse_view(const uint8_t *msg, size_t len,
                                                     struct tlsd_server_hello *out,
                                                     struct tlsd_err *err);
void tlsd_server_hello_free(struct tlsd_server_hello *sh);
TLSD_WUR enum tlsd_cerr tlsd_certificate_parse(const uint8_t *msg, size_t len,
                                               const struct tlsd_hs_ctx *ctx,
                                               struct tlsd_certificate_msg *out,
                                               struct tlsd_err *err);
void tlsd_certificate_free(struct tlsd_certificate_msg *c);
TLSD_WUR enum tlsd_cerr tlsd_server_key_exchange_parse(const uint8_t *msg, size_t len,
                                                       const struct tlsd_hs_ctx *ctx,
                                                       struct tlsd_server_key_exchange *out,
                                                       struct tlsd_err *err);
TLSD_WUR enum tlsd_cerr tlsd_certificate_request_parse(const uint8_t *msg, size_t len,
                                                       const struct tlsd_hs_ctx *ctx,
                                                       struct tlsd_certificate_request *out,
                                                       struct tlsd_err *err);
void tlsd_certificate_request_free(struct tlsd_certificate_request *cr);
TLSD_WUR enum tlsd_cerr tlsd_server_hello_done_parse(const uint8_t *msg, size_t len,
                                                     struct tlsd_err *err);
TLSD_WUR enum tlsd_cerr tlsd_new_session_ticket_parse(const uint8_t *msg, size_t len,
                                                      const struct tlsd_hs_ctx *ctx,
                                                      struct tlsd_new_session_ticket *out,
                                                      struct tlsd_err *err);
/* An alert record fragment: exactly level + description. */
TLSD_WUR enum tlsd_cerr tlsd_alert_parse(const uint8_t *frag, size_t len,
                                         struct tlsd_alert_msg *out, struct tlsd_err *err);
/* An SSLv2 message (record payload, first byte the message type 4). */
TLSD_WUR enum tlsd_cerr tlsd_ssl2_server_hello_parse(const uint8_t *msg, size_t len,
                                                     struct tlsd_ssl2_server_hello *out,
                                                     struct tlsd_err *err);
void tlsd_ssl2_server_hello_free(struct tlsd_ssl2_server_hello *sh);

/* Any handshake message, by its type byte. Types without a typed parser here
 * (Finished, CertificateVerify, ...) are checked for a consistent header only. */
struct tlsd_hs_msg {
    uint8_t type;
    size_t body_len;
    union {
        struct tlsd_client_hello client_hello;
        struct tlsd_server_hello server_hello;
        struct tlsd_certificate_msg certificate;
        struct tlsd_server_key_exchange ske;
        struct tlsd_certificate_request cert_request;
        struct tlsd_new_session_ticket ticket;
    } u;
};

TLSD_WUR enum tlsd_cerr tlsd_hs_parse(const uint8_t *msg, size_t len, const struct tlsd_hs_ctx *ctx,
                                      struct tlsd_hs_msg *out, struct tlsd_err *err);
void tlsd_hs_msg_free(struct tlsd_hs_msg *m);

#ifdef __cplusplus
}
#endif

#endif
