/* Private to the scanner: the libssl full handshake and the steps after the probes
 * (verification, implementation, findings). The probe itself: probe_internal.h. */
#ifndef TLSDIAG_SCAN_INTERNAL_H
#define TLSDIAG_SCAN_INTERNAL_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "scan/probe_internal.h"

/* A full handshake with libssl (blocking; run it on the thread pool). */
#define FULLHS_MAX_CHAIN 8
/* A full handshake and what follows it (tickets, a renegotiation) gets this many probe
 * time limits in all: a server that drips its flight a byte at a time, each byte within
 * the time limit of one read, still ends it. */
#define FULLHS_TIMEOUTS 4
struct fullhs {
    uv_work_t work;
    struct sockaddr_storage addr;
    char sni[256];
    uint16_t version;
    unsigned timeout_ms;     /* each read or write */
    uint64_t deadline_ms;    /* the whole exchange ends by then (uv_hrtime() / 1e6), 0: none */
    unsigned looks;          /* socket calls made past deadline_ms (TLSD_DEADLINE_LOOK_CALLS) */
    const atomic_bool *stop; /* set: end now (the scan was interrupted), NULL: never */
    bool timed_out;          /* it ran into deadline_ms (or stop) */
    bool call_capped;        /* the last socket call's limit was what is left of deadline_ms */
    const char *sigalgs;     /* libssl's -sigalgs list to offer, NULL: its defaults */
    int role;                /* what the scan does with the result (scan.c) */
    bool no_ticket;          /* offer no session ticket (resumption by session ID only) */
    bool want_session;       /* keep the session (TLS 1.3: read the tickets that follow) */
    /* TLS <= 1.2: wait for the server's answer to our close_notify. A server may drop a
     * session whose connection it saw cut (OpenSSL does), so a resumption by session ID
     * refused after such an end tells nothing. */
    bool await_close;
    bool try_reneg; /* TLS <= 1.2: renegotiate once the handshake is done */
    /* FH_ID12 for a server serving one connection at a time: the resumption of its session
     * renegotiates once resumed (scan.c, queue_reneg), instead of a handshake of its own. */
    bool reneg_in_resumption;
    void *resume; /* an SSL_SESSION to resume (taken: freed with the handshake) */
    void *ctx;
    struct fullhs *next_waiting; /* in tscan.fullhs_waiting (scan.c) */
    /* Called on the worker thread once all that is left is the answer to our close_notify
     * (await_close); from then on the thread writes only closed_clean and after_error. */
    void (*on_release)(struct fullhs *h);
    struct fullhs *next_released; /* in scan.released (scan.c) */
    bool released;                /* the loop took the release */
    struct fullhs *child;         /* the resumption of its session, started at the release */
    struct fullhs *parent;        /* resume: the handshake whose close it waits for */
    bool after_pending;           /* resume: ended before that close was known */
    /* results */
    bool ok;
    char error[160];
    unsigned char *der[FULLHS_MAX_CHAIN]; /* OPENSSL_malloc'd */
    size_t der_len[FULLHS_MAX_CHAIN];
    size_t n_der;
    uint16_t suite;
    char alpn[64]; /* the server's pick from h2,http/1.1 ("" none) */
    bool stapled;  /* a CertificateStatus (OCSP) answered status_request */
    /* Client authentication: the handshake sends no certificate. */
    bool cert_requested;  /* a CertificateRequest arrived */
    int cert_required;    /* 1 refused without one, 0 went on, -1 cannot tell */
    int refusal_alert;    /* the alert of that refusal, -1 none */
    char ca_names[512];   /* certificate_authorities of the request, "; " between */
    uint16_t got_version; /* the version negotiated (or tried) */
    bool connected;       /* the handshake completed */
    bool no_connection;   /* no TCP connection (a local error such as EMFILE, or connect
                             failed): nothing was learnt; the scan retries it */
    bool heard;           /* a record came from the server */
    bool dropped;         /* closed or reset before the server's first byte, in time: nothing
                             was learnt (a server over its connection limit, a fault); the
                             scan retries it */
    unsigned attempts;    /* runs so far (scan.c) */
    uint64_t queued_ms;   /* when the last run was queued (scan_now_ms) */
    bool holds_slot;      /* that run holds one of the target's slots (scan_fullhs_started) */
    unsigned warm_asks;   /* runs again for a drop while connections were held ahead */
    uv_timer_t retry;     /* the back-off before the next run (scan.c) */
    bool reused;          /* resume: the session was resumed */
    int closed_clean;     /* await_close: 1 the server answered close_notify (or closed),
                             0 it did not (after_error says how it ended), -1 not asked */
    /* resume: how the offered session's connection ended (its closed_clean, 1 when not
     * awaited) and, when not cleanly, its after_error */
    int offered_clean;
    char offered_end[160];
    bool has_ticket; /* the session kept has a ticket */
    int reneg;       /* try_reneg: 1 done, 0 refused, -1 cannot tell (after_error) */
    int tickets13;   /* want_session, TLS 1.3: 1 a ticket came, 0 none came from a server
                        still there, -1 cannot tell (after_error); 0 when not read */
    unsigned hrrs;   /* HelloRetryRequests read (a second one ends the handshake) */
    void *session;   /* want_session: the SSL_SESSION (caller frees) */
    /* Why what follows the handshake stays unknown: a time limit, a stall or a reset is no
     * answer, never a "no". */
    char after_error[160];
};
int scan_full_handshake(struct fullhs *h);
void scan_fullhs_free(struct fullhs *h);

struct tlsd_scan_result;
/* Verifies each certificate chain against the trust store (or cafile) and
 * the host name; fills trusted / verify_error / name_matches. */
void scan_verify_certs(struct tlsd_scan_result *r, const char *cafile, const char *host);
/* The implementation the behaviours where implementations differ tell. */
void scan_judge_implementation(struct tlsd_scan_result *r);
/* Derives the findings (weak versions, suites, certificates, features). */
void scan_findings(struct tlsd_scan_result *r);

#endif
