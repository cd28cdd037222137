/* One X.509 certificate summarised by libcrypto (lib/codec/x509_summary.c): what every
 * report shows of a certificate. */
#ifndef TLSDIAG_X509_SUMMARY_H
#define TLSDIAG_X509_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tlsdiag/bytes.h"
#include "tlsdiag/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One X.509 certificate summarised by libcrypto (d2i_X509). */
struct tlsd_cert_summary {
    bool decoded; /* false: the DER did not decode (error says why); the rest is empty */
    char subject[512], issuer[512];
    char **sans; /* "DNS:example.com", "IP:192.0.2.1", ... */
    size_t n_sans;
    char key_type[32]; /* "RSA", "EC", "ED25519", "DSA", ... (OpenSSL's name, shown as is) */
    enum tlsd_cert_kind key_kind; /* RSA (not RSA-PSS), ECDSA (EC), DSA; NONE: another */
    int key_sig_alg; /* the enum tlsd_sig_alg its key signs with in TLS 1.3; -1: none */
    int key_bits;
    char curve[64];   /* EC keys: the curve's name */
    char sig_alg[64]; /* "sha256WithRSAEncryption", ... */
    time_t not_before, not_after;
    bool self_signed;   /* subject equals issuer */
    const uint8_t *der; /* points into the message */
    size_t der_len;
};

/* Summarises one DER certificate. Not decodable: OK with decoded false. */
TLSD_WUR enum tlsd_cerr tlsd_cert_summarize(const uint8_t *der, size_t len,
                                            struct tlsd_cert_summary *out);
void tlsd_cert_summary_free(struct tlsd_cert_summary *c);

#ifdef __cplusplus
}
#endif

#endif
