/* Key logs (SSLKEYLOGFILE, as curl, Firefox, Chrome and OpenSSL's -keylogfile write them)
 * and TLS 1.3 record decryption with their secrets: the key schedule's HKDF-Expand-Label
 * and the AEAD come from libcrypto (EVP), nothing is computed by hand. The capture
 * analyser uses them to read the encrypted handshake: the CertificateRequest, the
 * certificates and the real alert. */
#ifndef TLSDIAG_KEYLOG_H
#define TLSDIAG_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The TLS 1.3 secrets a key log line names (NSS key log format). */
enum tlsd_keylog_label {
    TLSD_KEYLOG_CLIENT_HS = 0, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    TLSD_KEYLOG_SERVER_HS,     /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    TLSD_KEYLOG_CLIENT_AP,     /* CLIENT_TRAFFIC_SECRET_0 */
    TLSD_KEYLOG_SERVER_AP,     /* SERVER_TRAFFIC_SECRET_0 */
    TLSD_KEYLOG_LABELS
};

#define TLSD_KEYLOG_MAX_SECRET 48 /* SHA-384 */

struct tlsd_keylog;

/* Reads a key log file; lines of other labels and comments are skipped. NULL on error
 * (err says why: cannot open, no TLS 1.3 secret in it, out of memory). */
struct tlsd_keylog *tlsd_keylog_load(const char *path, char *err, size_t errlen);
void tlsd_keylog_free(struct tlsd_keylog *k);
size_t tlsd_keylog_count(const struct tlsd_keylog *k); /* client randoms with a secret */
/* The secret of label for the connection whose ClientHello had this random; its length,
 * or 0 when the log does not have it. */
size_t tlsd_keylog_secret(const struct tlsd_keylog *k, const uint8_t random[32],
                          enum tlsd_keylog_label label, uint8_t out[TLSD_KEYLOG_MAX_SECRET]);

/* One direction of a TLS 1.3 connection, decrypting with one traffic secret. */
struct tlsd_tls13_dec {
    bool ready;
    uint16_t suite;
    uint8_t key[32], iv[12];
    size_t key_len;
    uint64_t seq; /* records decrypted with this key (RFC 8446 5.3) */
};

/* Derives key and iv from a traffic secret (RFC 8446 7.3) for the suite; false when the
 * suite is not a TLS 1.3 one or libcrypto fails. */
bool tlsd_tls13_dec_init(struct tlsd_tls13_dec *d, uint16_t suite, const uint8_t *secret,
                         size_t secret_len);
/* Decrypts one record (RFC 8446 5.2): type and version as in its header, body of len
 * bytes. On success the content (padding removed) is in out (len bytes at most), its
 * length in *out_len and its real type in *type. False when it does not authenticate. */
bool tlsd_tls13_decrypt(struct tlsd_tls13_dec *d, uint8_t rtype, uint16_t version,
                        const uint8_t *body, size_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type);

#ifdef __cplusplus
}
#endif

#endif
