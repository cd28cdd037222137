/* Client and server hello fingerprints: JA3 / JA3S (Salesforce, 2017) and
 * JA4 / JA4S (FoxIO, 2023), computed from parsed hellos as their public
 * specifications describe (GREASE removed; their sort and hash rules). */
#ifndef TLSDIAG_FINGERPRINT_H
#define TLSDIAG_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A JA3 string grows with the hello (every suite and extension in decimal),
 * so the full string is heap-allocated. */
struct tlsd_ja3 {
    char *full;    /* "771,4865-4866,0-23-65281,29-23-24,0" (malloc'd) */
    char hash[33]; /* MD5 of full, lower-case hex */
};

/* "t13d1516h2_8daaf6152771_e5627efa2ab1" */
#define TLSD_JA4_LEN 37
/* "t130200_1301_234ea6891581" */
#define TLSD_JA4S_LEN 26

enum tlsd_ja_transport { TLSD_JA_TCP = 't', TLSD_JA_QUIC = 'q', TLSD_JA_DTLS = 'd' };

/* A fingerprint context, for a caller fingerprinting many hellos (the capture analyser):
 * the digests fetched once, one digest context reused, recent fingerprints remembered.
 * Every function below takes one, or NULL to compute each fingerprint on its own (the
 * same answer, slower). One context per thread; tlsd_fp_ctx_new returns NULL when out
 * of memory. */
struct tlsd_fp_ctx;
struct tlsd_fp_ctx *tlsd_fp_ctx_new(void);
void tlsd_fp_ctx_free(struct tlsd_fp_ctx *fp);

/* JA3 of a ClientHello: SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats (decimal, '-' joined, GREASE left out).
 * Returns 0, or -1 when out of memory. Free with tlsd_ja3_free. */
int tlsd_ja3(struct tlsd_fp_ctx *fp, const struct tlsd_client_hello *ch, struct tlsd_ja3 *out)
    __attribute__((warn_unused_result));
/* JA3S of a ServerHello: SSLVersion,Cipher,Extensions. */
int tlsd_ja3s(struct tlsd_fp_ctx *fp, const struct tlsd_server_hello *sh, struct tlsd_ja3 *out)
    __attribute__((warn_unused_result));
void tlsd_ja3_free(struct tlsd_ja3 *j);

/* JA4 of a ClientHello into out[TLSD_JA4_LEN + 1]. */
void tlsd_ja4(struct tlsd_fp_ctx *fp, const struct tlsd_client_hello *ch, enum tlsd_ja_transport t,
              char out[TLSD_JA4_LEN + 1]);
/* JA4S of a ServerHello into out[TLSD_JA4S_LEN + 1]. */
void tlsd_ja4s(struct tlsd_fp_ctx *fp, const struct tlsd_server_hello *sh, enum tlsd_ja_transport t,
               char out[TLSD_JA4S_LEN + 1]);

#ifdef __cplusplus
}
#endif
#endif
