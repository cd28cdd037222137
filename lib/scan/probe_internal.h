/* The probe: one TCP connection that sends one ClientHello (after a STARTTLS exchange
 * when asked) and reads the server's first flight through the codec. Used by the scanner
 * (many probes on one loop) and by connect (one). */
#ifndef TLSDIAG_PROBE_INTERNAL_H
#define TLSDIAG_PROBE_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/target.h"

enum probe_outcome {
    PROBE_SERVER_HELLO = 0, /* a ServerHello (or HRR) arrived; see res.sh */
    PROBE_SSL2_HELLO,       /* an SSLv2 SERVER-HELLO */
    PROBE_ALERT,            /* an alert before any ServerHello */
    PROBE_CLOSED,           /* the server closed (FIN) before any ServerHello */
    PROBE_RESET,            /* connection reset before any ServerHello */
    PROBE_TIMEOUT,          /* no complete answer in time */
    PROBE_CONNECT_FAILED,   /* refused, unreachable, ... (uv_err) */
    PROBE_NOT_TLS,          /* the answer is not TLS (error says why) */
    PROBE_STARTTLS_FAILED,  /* the plain-text protocol refused STARTTLS */
    PROBE_HANDOVER,         /* no hello given: connected (and STARTTLS done); res.fd */
    PROBE_UNDECIDED,        /* scan.c: reset/refused after retries and not confirmed as a
                               refusal; error says what happened */
};

struct probe_res {
    enum probe_outcome outcome;
    int uv_err;
    char error[200];
    bool have_sh, have_cert, have_ske, have_ssl2, cert_status;
    struct tlsd_server_hello sh;
    struct tlsd_certificate_msg cert;
    struct tlsd_server_key_exchange ske;
    struct tlsd_ssl2_server_hello ssl2;
    struct tlsd_alert_msg alert; /* first alert seen (PROBE_ALERT, or after SH) */
    bool have_alert;
    /* TLS <= 1.2: the ServerHello came but the rest of the first flight (Certificate,
     * ServerKeyExchange, ServerHelloDone) did not end: time limit, close, or a message
     * that cannot be read (error says which). */
    bool flight_incomplete;
    bool timed_out;  /* the probe's time limit ended it */
    bool connected;  /* the TCP handshake completed (a time limit before it: no SYN answer) */
    size_t bytes_in; /* of the TLS answer (after any STARTTLS dialogue) */
    /* scan.c: a reset (or close) taken as the server's refusal because a hello it had
     * accepted was answered right after; in doubt if the server later resets at random. */
    bool confirmed_reset;
    int fd; /* PROBE_HANDOVER: a dup of the socket, the callee closes it; else -1 */
};

typedef void (*probe_cb)(void *ctx, struct probe_res *res);

/* The probes in flight, so that they can be stopped together (probe_stop_all). */
struct probe;
struct probe_set {
    struct probe *head;
};

struct probe_req {
    struct sockaddr_storage addr;
    enum tlsd_starttls starttls;
    uint8_t *hello; /* whole records to send; the probe frees it. NULL: hand the
                       connected socket over (PROBE_HANDOVER) instead */
    size_t hello_len;
    unsigned timeout_ms;
    probe_cb cb;
    void *ctx;
    struct probe_set *set; /* the probe is listed there while in flight (may be NULL) */
    bool hello_enough;     /* end at the ServerHello: the rest of the flight is not awaited */
};

/* Starts a probe on loop; req->cb is called exactly once (also on failure to
 * start, from within this call). The result is valid during the callback. */
void probe_start(uv_loop_t *loop, const struct probe_req *req);

const char *probe_outcome_name(enum probe_outcome o);
/* The bytes of an answer that did not come to a ServerHello, in words: "8 bytes: a
 * record of 69 bytes begun, 8 of them came". ignored: handshake messages a client
 * ignores (HelloRequest) read before it, of type ignored_type. */
void probe_bytes_text(size_t bytes, size_t ignored, int ignored_type, size_t have, size_t want,
                      char *out, size_t len);

/* How the probe's connection ended, named as analyze names it (tlsdiag/outcome.h): a
 * refused SYN, no answer to it, no answer to the hello, a reset or close before or after
 * the ServerHello...; false when that is not known (a local error, a stop by signal).
 * PROBE_HANDOVER and a ServerHello give success: the hello was answered. */
bool probe_ending(const struct probe_res *res, enum tlsd_conn_outcome *out);

/* Ends every probe of set now: each reports PROBE_TIMEOUT with error why. */
void probe_stop_all(struct probe_set *set, const char *why);

/* The protocol the ServerHello's ALPN extension selected, as safe text: the peer's bytes
 * with control characters and bytes that are not UTF-8 escaped (textout.h), cut to outlen. */
void probe_alpn(const struct probe_res *res, char *out, size_t outlen);

#endif
