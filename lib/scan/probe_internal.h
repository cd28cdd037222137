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

/* How a probe ended is the ending analyze names (tlsdiag/outcome.h), with a detail:
 *   a ServerHello (or HRR; see sh), an SSLv2 SERVER-HELLO (detail ssl2_server_hello), or
 *     the connected socket handed over (fd, when no hello was given): success;
 *   an alert before any ServerHello: server_alert;
 *   a reset or close (detail reset, closed): reset_after_client_hello,
 *     close_after_client_hello, or aborted after a ServerHello;
 *   a time limit (detail timeout): no_answer, tcp_no_answer (no SYN answer);
 *   a failed connection (detail no_connection): tcp_refused, tcp_no_answer (uv_err);
 *   an answer that is not TLS: not_tls (error says why); detail starttls_failed when the
 *     plain-text protocol refused STARTTLS;
 *   the scheduler (scan_sched.c): reset/refused after retries and not confirmed as a refusal:
 * detail undecided (error says what happened). ending_known is false when the ending cannot be
 * told: a local error, a stop by signal, bytes that came to no ServerHello before the time limit.
 */
struct probe_res {
    enum tlsd_conn_outcome ending;
    bool ending_known;
    enum tlsd_ending_detail detail;
    int uv_err;
    char error[200];
    bool have_sh, have_cert, have_ske, have_ssl2, cert_status;
    struct tlsd_server_hello sh;
    struct tlsd_certificate_msg cert;
    struct tlsd_server_key_exchange ske;
    struct tlsd_ssl2_server_hello ssl2;
    struct tlsd_alert_msg alert; /* first alert seen (server_alert, or after SH) */
    bool have_alert;
    bool ssl2_record; /* the answer was an SSLv2 record (the error then says what of) */
    /* TLS <= 1.2: the ServerHello came but the rest of the first flight (Certificate,
     * ServerKeyExchange, ServerHelloDone) did not end: time limit, close, or a message
     * that cannot be read (error says which). */
    bool flight_incomplete;
    bool timed_out;  /* the probe's time limit ended it */
    bool connected;  /* the TCP handshake completed (a time limit before it: no SYN answer) */
    size_t bytes_in; /* of the TLS answer (after any STARTTLS dialogue) */
    /* scan_sched.c: a reset (or close) taken as the server's refusal because a hello it had
     * accepted was answered right after; in doubt if the server later resets at random. */
    bool confirmed_reset;
    int fd; /* handed over (no hello): a dup of the socket, the callee closes it; else -1 */
    bool half_closed; /* our FIN followed the hello (req.half_close) */
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
                       connected socket over (res.fd) instead */
    size_t hello_len;
    unsigned timeout_ms;
    probe_cb cb;
    void *ctx;
    struct probe_set *set; /* the probe is listed there while in flight (may be NULL) */
    bool hello_enough;     /* end at the ServerHello: the rest of the flight is not awaited */
    /* Shut our side down (a FIN) right after the hello: a server that serves one connection
     * at a time then ends each one when its answer is out, instead of a round trip later
     * when our close reaches it. */
    bool half_close;
};

/* Starts a probe on loop; req->cb is called exactly once (also on failure to
 * start, from within this call). The result is valid during the callback. */
void probe_start(uv_loop_t *loop, const struct probe_req *req);

/* A connection opened ahead of need: its TCP handshake is under way or done before the
 * hello it will carry is known, so that the probe that takes it costs one round trip less.
 * probe_warm_open starts one (NULL: it could not); probe_warm_take gives it a request, and it
 * goes on as probe_start would (the request's address is the one it was opened to);
 * probe_warm_close drops it unused. Until taken, on_lost(ctx, p) is called once (then p is
 * gone) when the connect fails, the server sends anything or ends it, or max_idle_ms pass. */
struct probe *probe_warm_open(uv_loop_t *loop, const struct sockaddr_storage *addr,
                              unsigned max_idle_ms, void (*on_lost)(void *ctx, struct probe *p),
                              void *ctx);
void probe_warm_take(struct probe *p, const struct probe_req *req);
void probe_warm_close(struct probe *p);

/* How the probe ended, in a word for scan's prose: its detail, or else its ending. */
const char *probe_what(const struct probe_res *res);
/* A ServerHello (or HRR) came; an SSLv2 SERVER-HELLO came. */
static inline bool probe_server_hello(const struct probe_res *res)
{
    return res->ending == TLSD_OUTCOME_SUCCESS && res->detail == TLSD_DETAIL_NONE && res->fd < 0;
}
static inline bool probe_ssl2_hello(const struct probe_res *res)
{
    return res->ending == TLSD_OUTCOME_SUCCESS && res->detail == TLSD_DETAIL_SSL2_SERVER_HELLO;
}
/* The bytes of an answer that did not come to a ServerHello, in words: "8 bytes: a
 * record of 69 bytes begun, 8 of them came". ignored: handshake messages a client
 * ignores (HelloRequest) read before it, of type ignored_type. */
void probe_bytes_text(size_t bytes, size_t ignored, int ignored_type, size_t have, size_t want,
                      char *out, size_t len);

/* Half-closes the probes of set whose ctx pick() chooses (req.half_close): those whose hello
 * is out send their FIN now, those still connecting after their hello. */
void probe_half_close_some(struct probe_set *set, bool (*pick)(void *ctx, void *arg), void *arg);

/* Ends every probe of set now: each reports a time limit (ending not known) with error why. */
void probe_stop_all(struct probe_set *set, const char *why);

/* The protocol the ServerHello's ALPN extension selected, as safe text: the peer's bytes
 * with control characters and bytes that are not UTF-8 escaped (textout.h), cut to outlen. */
void probe_alpn(const struct probe_res *res, char *out, size_t outlen);

#endif
