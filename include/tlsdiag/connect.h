/* tlsdiag connect: one handshake with a server. Either the local libssl makes it
 * (version, suite, group, the certificate chain with verification and host-name check,
 * ALPN), or another client's ClientHello is sent as raw bytes (a built-in profile's
 * captured hello, or one built from a profile with the codec) and the server's answer
 * is read with the codec: ServerHello, alert, reset or silence. */
#ifndef TLSDIAG_CONNECT_H
#define TLSDIAG_CONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/certchain.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/target.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tlsd_connect_opts {
    const char *host;
    uint16_t port;
    const char *sni;    /* server_name (default: host, unless it is an address) */
    const char *cafile; /* trust anchors (default: the system store) */
    enum tlsd_starttls starttls;
    unsigned timeout_ms;  /* connect to answer (default 8000) */
    const uint8_t *hello; /* NULL: libssl handshake; else whole ClientHello records to send */
    size_t hello_len;
    /* hello mode: the DHE prime sizes the client whose hello it is accepts (its profile's
     * dh_bits_min/max, 0: no limit); a prime outside them ends the handshake there, as
     * that client ends it (ending client_alert). */
    int client_dh_bits_min, client_dh_bits_max;
};

#define TLSD_CONNECT_MAX_CHAIN 10

struct tlsd_connect_result {
    char address[80]; /* address:port connected to */
    /* How the connection ended, in analyze's words (outcome.h): success (libssl: the
     * handshake done; hello mode: a ServerHello came), server_alert, client_alert (the
     * local libssl sent an alert, or in hello mode what the client whose hello it is does:
     * a DHE prime outside its limits, or detail illegal_answer), tcp_refused, tcp_no_answer
     * (no answer to the SYN), no_answer (none to the hello), reset_after_client_hello,
     * close_after_client_hello, aborted (after the ServerHello), not_tls; ending_known false
     * when it cannot be told (the name did not resolve, a local error, bytes but no
     * ServerHello in time). */
    enum tlsd_conn_outcome ending;
    bool ending_known;
    /* What the socket saw beyond the ending: timeout, reset, closed, no_connection,
     * starttls_failed, ssl2_server_hello, illegal_answer (hello mode: the ServerHello chose
     * what the hello did not offer; a real client aborts with illegal_parameter). */
    enum tlsd_ending_detail detail;
    char error[256]; /* a sentence for anything but success */
    /* What happened, in words, where the ending's general sentence would not be true or
     * not all of it: bytes that came to no ServerHello, a second HelloRetryRequest, an
     * alert of an undefined level or code, an answer in SSLv2, a flight cut after the
     * ServerHello. "" otherwise. */
    char note[256];
    int alert; /* server_alert: received; client_alert: sent by the client; else -1 */
    uint16_t version;
    uint32_t suite;
    uint16_t group; /* 0: none / unknown */
    int dh_bits;    /* DHE: the prime's size in the ServerKeyExchange; 0: none */
    bool hrr;       /* hello mode: the answer was a HelloRetryRequest */
    char alpn[64];
    /* The server's certificates (at most TLSD_CONNECT_MAX_CHAIN); libssl mode: verified
     * against the trust anchors and the SNI / host name (or address), chain.checked. */
    struct tlsd_cert_chain chain;
};

/* The handshake succeeded (libssl), or a ServerHello came (hello mode). */
static inline bool tlsd_connect_succeeded(const struct tlsd_connect_result *r)
{
    return r->ending_known && r->ending == TLSD_OUTCOME_SUCCESS;
}

/* Runs one connection. Returns 0 (the result says what happened), or -1 when it could
 * not run at all (out of memory, loop setup). */
int tlsd_connect_run(const struct tlsd_connect_opts *o, struct tlsd_connect_result *r)
    __attribute__((warn_unused_result));
void tlsd_connect_result_free(struct tlsd_connect_result *r);

/* The result as `tlsdiag connect` shows it, appended to b (JSON: tlsdiag/json.h). */
struct tlsd_strbuf;
void tlsd_connect_result_text(const struct tlsd_connect_result *r, struct tlsd_strbuf *b);
/* The model's prediction agrees with the server's answer: both succeed with the same
 * version and suite, or both fail (the client refusing what the server chose, when the
 * model says the client refuses it). */
struct tlsd_outcome;
bool tlsd_connect_agrees(const struct tlsd_outcome *p, const struct tlsd_connect_result *r);

/* The whole text report of `tlsdiag connect`: who spoke to whom, the result and, with a
 * server profile, the model's prediction beside the answer and the fixes. */
struct tlsd_connect_report {
    const char *target;                /* as the user gave it */
    const struct tlsd_profile *client; /* --as: the profile whose hello was sent; NULL: the
                                          local OpenSSL */
    bool captured;                     /* that hello was captured, not built */
    size_t hello_len;
    const struct tlsd_profile *server; /* --server: what the server is believed to run, or
                                          NULL */
    size_t n_fixes;                    /* per side when the model predicts a failure */
    bool color;
};
/* -1 when the fixes ran out of memory (the rest is written). */
int tlsd_connect_report_text(const struct tlsd_connect_report *rep,
                             const struct tlsd_connect_result *r, struct tlsd_strbuf *b);

/* The ClientHello records a client PROFILE sends (for --as): the captured hello of a
 * built-in or file profile that has one (client_hello = HEX, or hex: input), else one
 * built with the codec from the profile's versions, suites, groups, signature schemes
 * and key shares (real keys). *client receives the profile; sni goes into server_name
 * of a built hello. Caller frees *rec. Returns 0 or -1 with err set. */
int tlsd_connect_hello_for(const char *spec, const char *sni, uint8_t **rec, size_t *len,
                           bool *captured, struct tlsd_profile *client,
                           struct tlsd_profile_err *err) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
