/* A server's certificate chain and its verification, one record for scan and connect:
 * the certificates as sent (leaf first, each summarised with a private DER copy), then
 * what OpenSSL's X509_verify_cert said of them against the trust store and whether the
 * leaf covers the name checked. Rendered as text here, as JSON by tlsdiag/json.h. */
#ifndef TLSDIAG_CERTCHAIN_H
#define TLSDIAG_CERTCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/handshake.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tlsd_cert_chain {
    struct tlsd_cert_summary *certs; /* leaf first; each der is owned by the chain */
    size_t n;
    bool checked;             /* tlsd_cert_chain_verify ran */
    bool trusted;             /* the chain verifies against the trust store */
    char verify_error[200];   /* why not ("" when trusted) */
    char verify_subject[512]; /* the certificate verification failed at (chain or store) */
    int verify_depth;         /* its position: 0 the leaf, 1 the first intermediate, ... */
    bool name_matches;        /* the leaf covers checked_name (a host name or an address) */
    char checked_name[256];
};

/* Appends a summary of a private copy of der (the message it came from may go away).
 * False (nothing added) when out of memory or the DER does not decode. */
bool tlsd_cert_chain_add(struct tlsd_cert_chain *c, const uint8_t *der, size_t len);
void tlsd_cert_chain_free(struct tlsd_cert_chain *c);

/* Verifies the chain with OpenSSL (X509_verify_cert, as a TLS server's chain) against
 * cafile, or the system store when cafile is NULL, and checks that the leaf covers name
 * (host name or address; NULL or "": not checked). Fills checked and the fields after it. */
void tlsd_cert_chain_verify(struct tlsd_cert_chain *c, const char *cafile, const char *name);
/* The same for n chains with one load of the trust store (parsing the system store costs
 * more than a verification). */
void tlsd_cert_chains_verify(struct tlsd_cert_chain *const *chains, size_t n, const char *cafile,
                             const char *name);

struct tlsd_strbuf;
/* Every certificate, one numbered entry each (subject; issuer; key and validity, marked
 * EXPIRED or NOT YET VALID), each line begun with indent. */
void tlsd_cert_chain_text(const struct tlsd_cert_chain *c, const char *indent,
                          struct tlsd_strbuf *b);
/* Why verification failed: the error, and where when it was not the leaf's
 * ("unable to get local issuer certificate (at CN=..., chain position 2)"). */
void tlsd_cert_chain_failure_text(const struct tlsd_cert_chain *c, struct tlsd_strbuf *b);

#ifdef __cplusplus
}
#endif
#endif
