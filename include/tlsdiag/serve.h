/* tlsdiag serve: a listening TLS server that negotiates as a server profile would
 * (local libssl restricted to the profile's versions, suites, order, groups and key
 * types), records every ClientHello through the codec before libssl sees it, and
 * reports per client what it offered, what the model predicts and what really
 * happened. One libuv loop; libssl runs over memory BIOs, one SSL per connection. */
#ifndef TLSDIAG_SERVE_H
#define TLSDIAG_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/bytes.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/record.h"

struct tlsd_strbuf;

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the hello recorder: the first flight of a client, through the codec ---- */

/* Bytes buffered before the ClientHello is whole; a larger first flight is refused. */
#define TLSD_HELLO_REC_MAX (64u * 1024u)

struct tlsd_hello_rec {
    struct tlsd_reasm r;
    uint8_t *raw; /* every byte fed, for the report (the hello as the client sent it) */
    size_t fed;
};
void tlsd_hello_rec_init(struct tlsd_hello_rec *h);
void tlsd_hello_rec_free(struct tlsd_hello_rec *h);
/* Feeds client bytes. OK: *out holds the ClientHello (free with
 * tlsd_client_hello_free); NEED_MORE: not whole yet; anything else: the client's
 * first bytes are not a ClientHello (err says where; MSG_TOO_LARGE past
 * TLSD_HELLO_REC_MAX). */
TLSD_WUR enum tlsd_cerr tlsd_hello_rec_feed(struct tlsd_hello_rec *h, const uint8_t *data,
                                            size_t len, struct tlsd_client_hello *out,
                                            struct tlsd_err *err);

/* ---- the libssl server context of a profile ---- */

#define TLSD_SERVE_MAX_NOTES 8
struct tlsd_serve_setup {
    uint32_t unservable[TLSD_PROFILE_MAX_SUITES]; /* profile suites the local libssl lacks */
    size_t n_unservable;
    unsigned unservable_versions; /* TLSD_V_* the local libssl cannot serve */
    uint16_t unservable_groups[TLSD_PROFILE_MAX_GROUPS];
    size_t n_unservable_groups;
    char certs[TLSD_PROFILE_MAX_CERTS][64]; /* "RSA 2048 (generated)", ... */
    size_t n_certs;
    char notes[TLSD_SERVE_MAX_NOTES][200];
    size_t n_notes;
};

/* A libssl SSL_CTX (returned as void * to keep OpenSSL out of this header) that
 * serves as the profile would; cert_file/key_file NULL: a self-signed certificate
 * of each of the profile's key types (RSA, ECDSA) is generated with libcrypto.
 * NULL with a reason in err. */
void *tlsd_serve_ctx_new(const struct tlsd_profile *p, const char *cert_file, const char *key_file,
                         struct tlsd_serve_setup *setup, char *err, size_t errlen);
void tlsd_serve_ctx_free(void *ctx);

/* ---- the server ---- */

struct tlsd_serve_opts {
    const struct tlsd_profile *profile;
    const char *bind; /* address to listen on (default "0.0.0.0") */
    uint16_t port;    /* 0: any free port (reported to the ready callback) */
    const char *cert_file, *key_file;
    bool record_only;              /* record the hello, answer handshake_failure */
    unsigned max_clients;          /* simultaneous. Default 256. A new client past it evicts
                                      the longest-waiting client that has not yet sent a whole
                                      ClientHello; with none such it is refused (reset) */
    unsigned max_per_address;      /* simultaneous from one IP address, the same way. Default 32 */
    unsigned hello_timeout_ms;     /* from accept to a whole ClientHello. Default 5000 */
    unsigned handshake_timeout_ms; /* from accept to the end of the handshake. Default 10000 */
    unsigned idle_timeout_ms;      /* after the handshake, at most. Default 30000 */
    size_t max_bytes;              /* read from one client, in total. Default 256 KiB */
    unsigned count; /* stop after this many client reports (0: run until signalled) */
};
void tlsd_serve_opts_default(struct tlsd_serve_opts *o);

struct tlsd_serve_client {
    unsigned id;   /* 1, 2, ... in accept order */
    char peer[64]; /* address:port */
    bool have_hello;
    const struct tlsd_client_hello *hello; /* when have_hello */
    const uint8_t *hello_raw;              /* the bytes up to the whole hello (records) */
    size_t hello_raw_len;
    char hello_error[200];             /* when the first bytes were not a hello */
    const struct tlsd_profile *client; /* built from the hello */
    struct tlsd_outcome predicted;     /* the model: client profile vs server profile */
    /* How the client's connection ended (or how far it got when reported), in analyze's
     * words (outcome.h): success; server_alert (detail recorded: --record-only, the hello
     * recorded and handshake_failure sent); reset_after_client_hello (the server refused
     * with a TCP reset, as schannel does; detail reset); client_alert; not_tls (the first
     * bytes are not a ClientHello); aborted after the client's hello, no_client_hello
     * before it, with the detail: reset or closed (by the client), timeout (the handshake
     * time limit), too_large (more than the byte cap), evicted (closed before its hello was
     * whole, to make room), over_capacity (refused with a reset: max_clients or
     * max_per_address already connected and none of them stalled before its hello). */
    enum tlsd_conn_outcome ending;
    enum tlsd_ending_detail detail;
    /* success; also aborted / client_alert after the server's ServerHello went out
     * (suite != 0): what the server chose */
    uint16_t version;
    uint32_t suite;
    uint16_t group;
    int alert;           /* server_alert / client_alert: the alert, else -1 */
    char ssl_error[200]; /* libssl's reason for a refusal */
    char note[256];      /* how the connection ended, in words ("" for a handshake that
                            completed) */
    size_t bytes_in, bytes_out;
    double seconds;
};

/* ---- Rendering a client (serve_render.c; the JSON is in tlsdiag/json.h) ---- */

/* The model and libssl agree: both succeed with the same version and suite (a client that
 * went away after the server's choice counts as success), or both refuse (alert or reset
 * alike, as the prediction says). Not asked of a --record-only client (detail recorded). */
bool tlsd_serve_client_agrees(const struct tlsd_serve_client *c);

/* What a client's report shows beside the client itself. */
struct tlsd_serve_render {
    const struct tlsd_serve_setup *setup; /* what the local OpenSSL cannot serve: why the
                                             model and the real handshake disagree */
    const struct tlsd_profile *server;    /* the server profile, for the fixes */
    size_t n_fixes;                       /* fixes per side for a refused client; 0: none */
    bool color;                           /* terminal styles in the text */
};
/* Appends a client's report as text: how it ended, what it offered, the model's outcome,
 * the real handshake, whether they agree and, when refused, the fixes. -1 when the fixes
 * ran out of memory (the rest is written). */
int tlsd_serve_client_text(const struct tlsd_serve_client *c, const struct tlsd_serve_render *how,
                           struct tlsd_strbuf *b);

/* Distinct ClientHellos (by JA4) a summary names. */
#define TLSD_SERVE_SUM_HELLOS 16
/* What the summary says when serve stops: endings, agreement, the distinct hellos. */
struct tlsd_serve_summary {
    unsigned clients, agree, disagree;
    unsigned endings[TLSD_OUTCOME_COUNT], details[TLSD_DETAIL_COUNT]; /* by the client's word */
    char hellos[TLSD_SERVE_SUM_HELLOS][TLSD_JA4_LEN + 1];
    char hello_peer[TLSD_SERVE_SUM_HELLOS][64]; /* the first client that sent it */
    unsigned hello_count[TLSD_SERVE_SUM_HELLOS];
    size_t n_hellos;
    unsigned other_hellos; /* clients whose hello was not among the first ones */
};
/* Counts a client (s starts zeroed). */
void tlsd_serve_summary_add(struct tlsd_serve_summary *s, const struct tlsd_serve_client *c);
void tlsd_serve_summary_text(const struct tlsd_serve_summary *s, struct tlsd_strbuf *b);

/* Called once per client, on the loop thread, as soon as its outcome is known. */
typedef void (*tlsd_serve_client_cb)(void *ctx, const struct tlsd_serve_client *c);
/* Called once the socket listens. */
typedef void (*tlsd_serve_ready_cb)(void *ctx, const char *addr, uint16_t port,
                                    const struct tlsd_serve_setup *setup);

/* Runs until SIGINT/SIGTERM or opts->count reports. The caller ignores SIGPIPE (a
 * client that goes away while being written to must not end the process). Returns 0, or -1 with a
 * reason in err when it could not start. */
int tlsd_serve_run(const struct tlsd_serve_opts *opts, tlsd_serve_ready_cb ready,
                   tlsd_serve_client_cb cb, void *ctx, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
