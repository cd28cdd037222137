/* tlsdiag scan: everything a server accepts — versions, every suite of the
 * registry per version (by elimination), the server's order, key exchange
 * details, groups, signature schemes, certificates, features — with
 * hand-built hellos, so nothing depends on what the local OpenSSL can do.
 * One libuv loop drives every probe of every target. */
#ifndef TLSDIAG_SCAN_H
#define TLSDIAG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/certchain.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probes in flight per target unless --per-target says otherwise; the libssl handshakes
 * count among them. Connections opened ahead of need only with at least this many. */
#define TLSD_SCAN_PER_TARGET_DEFAULT 16
#define TLSD_SCAN_PER_TARGET_FAST    32
/* tlsd_scan_run sets UV_THREADPOOL_SIZE to this when it is not set (libuv sizes its
 * thread pool, which runs the libssl handshakes, when it is first used). */
#define TLSD_SCAN_THREADS "16"

struct tlsd_scan_opts {
    unsigned max_inflight;   /* probes in flight overall (default 64) */
    unsigned max_per_target; /* probes in flight per target (TLSD_SCAN_PER_TARGET_DEFAULT) */
    /* ... and, once a target's answers come through latency with no sign of a limit on its
     * connections, this many (TLSD_SCAN_PER_TARGET_FAST; 0 or less: max_per_target) */
    unsigned max_per_target_fast;
    unsigned rate;              /* new connections per second, 0 = unlimited */
    unsigned timeout_ms;        /* per probe: connect to last answer byte (default 5000) */
    unsigned retries;           /* of a probe that timed out or failed to connect (default 1) */
    unsigned target_timeout_ms; /* whole target (default 120000) */
    const char *sni;            /* server_name for every target (overrides the host name) */
    bool no_sni;                /* never send server_name */
    const char *cafile;         /* trust anchors instead of the system store */
    bool skip_groups, skip_sigalgs, skip_features;
    /* SIGINT or SIGTERM end the scan: targets not finished get the error "interrupted"
     * and tlsd_scan_run returns TLSD_SCAN_INTERRUPTED (a second signal acts as usual). */
    bool stop_on_signal;
};

void tlsd_scan_opts_default(struct tlsd_scan_opts *o);

/* Versions are indexed by enum tlsd_proto (registry.h), in the order a report lists them. */

/* Certificate key types a TLS 1.2 suite can select (its "auth"). */
enum { TLSD_SCAN_KEY_RSA, TLSD_SCAN_KEY_ECDSA, TLSD_SCAN_KEY_DSA, TLSD_SCAN_NKEYS };
/* The certificate key types scan measures signature schemes for: RSA, ECDSA, DSS. */
extern const enum tlsd_auth tlsd_scan_key_auth[TLSD_SCAN_NKEYS];

struct tlsd_scan_suite {
    uint32_t code;
    uint16_t group;  /* ECDHE / TLS 1.3: the named group used (0: none) */
    int dh_bits;     /* DHE: size of the prime */
    int rsa_kx_bits; /* RSA key exchange: the certificate key size when known */
};

struct tlsd_strbuf;

enum tlsd_tristate { TLSD_UNKNOWN = -1, TLSD_NO = 0, TLSD_YES = 1 };

/* How the first hello of a version was refused, typed; tlsd_scan_refusal_text words it
 * (the "note" of docs/scan-json.md). */
enum tlsd_scan_refusal_kind {
    TLSD_REFUSAL_NONE = 0,       /* accepted, or nothing to say */
    TLSD_REFUSAL_ALERT,          /* an alert: alert_level, alert */
    TLSD_REFUSAL_OTHER_VERSION,  /* a ServerHello (hrr: a HelloRetryRequest) for version */
    TLSD_REFUSAL_TLS_TO_SSL2,    /* the SSLv2 hello got a TLS ServerHello (or HRR) of version */
    TLSD_REFUSAL_NOTHING_PICKED, /* a ServerHello of version that chose nothing offered */
    TLSD_REFUSAL_HRR_LOOP,       /* TLS 1.3: a HelloRetryRequest for the retried hello too */
    /* The probe ended without a ServerHello it could use: ending and detail say how,
     * in the words of every ending (tlsdiag/outcome.h); error: the probe's words. */
    TLSD_REFUSAL_ENDED,
    /* Not decided (after retries); detail: what its probes met (reset, closed,
     * no_connection; none: no answer at all); error: what happened. */
    TLSD_REFUSAL_UNDECIDED,
};

struct tlsd_scan_refusal {
    enum tlsd_scan_refusal_kind kind;
    int alert_level, alert;         /* ALERT */
    uint16_t version;               /* OTHER_VERSION, TLS_TO_SSL2, NOTHING_PICKED */
    bool hrr;                       /* OTHER_VERSION, TLS_TO_SSL2 */
    enum tlsd_conn_outcome ending;  /* ENDED */
    enum tlsd_ending_detail detail; /* ENDED, UNDECIDED */
    bool no_syn_answer;             /* ENDED by a timeout: the TCP connect never answered */
    char error[200];
};

/* The refusal in words ("alert handshake_failure (40)", "answered with TLSv1.2",
 * "reset: ..."), "" for NONE; returns buf. */
const char *tlsd_scan_refusal_text(const struct tlsd_scan_refusal *f, char *buf, size_t len);

struct tlsd_scan_version {
    uint16_t version;
    bool accepted;
    struct tlsd_scan_suite *suites; /* server order when server_order is YES */
    size_t n_suites;
    enum tlsd_tristate server_order;
    /* Server order, but ChaCha20 first for a client that lists it first (OpenSSL
     * SSL_OP_PRIORITIZE_CHACHA, nginx/Apache "PrioritizeChaCha"): tested when the
     * server's order puts another suite before an accepted ChaCha20 suite. */
    enum tlsd_tristate chacha_priority;
    struct tlsd_scan_refusal refusal; /* not accepted: why (e.g. answered with TLSv1.2) */
    /* Whether the version is accepted could not be decided (accepted is false): its
     * probes were reset or dropped although the server answered others (refusal says how). */
    bool undecided;
};

struct tlsd_scan_cert {
    char label[96];               /* "RSA 2048", "EC 256 (prime256v1)" */
    struct tlsd_cert_chain chain; /* verified against the trust store and the SNI / host */
    uint32_t *suites;             /* accepted suites this certificate serves */
    size_t n_suites;
    bool tls13; /* served in a TLS 1.3 handshake: it serves every TLS 1.3 suite */
};

struct tlsd_scan_finding {
    enum tlsd_class cls; /* worst first in the report */
    char *text;
};

struct tlsd_scan_result {
    const struct tlsd_target *target;
    char address[64]; /* the address connected to */
    char error[256];  /* non-empty: the target could not be scanned */
    struct tlsd_scan_version versions[TLSD_PROTO_COUNT];
    uint16_t *groups; /* TLS 1.3 groups, in the server's order when it has one */
    size_t n_groups;
    uint16_t *groups12; /* TLS <= 1.2 ECDHE curves (ServerKeyExchange) */
    size_t n_groups12;
    uint16_t groups12_version; /* the version they were found at (the highest <= TLS 1.2) */
    /* The server picks groups by its own order (then the lists are in that order). */
    enum tlsd_tristate groups_order, groups12_order;
    enum tlsd_tristate hrr; /* answers a hello without a usable key share by HRR */
    uint16_t *sigschemes;   /* TLS 1.2: what the server signs ServerKeyExchange with (all keys) */
    size_t n_sigschemes;
    /* The same per certificate key type, each found with suites that select that type. */
    uint16_t *sigschemes_by_key[TLSD_SCAN_NKEYS];
    size_t n_sigschemes_by_key[TLSD_SCAN_NKEYS];
    /* TLS 1.3: the schemes the server can sign CertificateVerify with, in registry order;
     * each is offered alone, and a ServerHello (not an alert) accepts it. */
    uint16_t *sigschemes13;
    size_t n_sigschemes13;
    struct tlsd_scan_cert *certs;
    size_t n_certs;
    /* Features (TLSD_UNKNOWN when not testable on this server). */
    enum tlsd_tristate secure_renegotiation, fallback_scsv, compression, ems, etm, session_ticket,
        ocsp_stapling, needs_sni, large_hello_intolerant, needs_reneg_signal,
        tls13_hello_answered_12;
    char alpn[64]; /* protocols the server selected from h2,http/1.1 ("" none) */
    /* Client authentication, from a libssl handshake that sends no certificate at the
     * highest version (not over STARTTLS): a CertificateRequest came, the handshake was
     * then refused (with client_cert_alert, -1 none), the CA names it listed. */
    enum tlsd_tristate client_cert_requested, client_cert_required;
    /* Session resumption (a second libssl handshake offering the first one's session)
     * by session ID (no ticket offered), by TLS 1.2 ticket, by TLS 1.3 ticket; a
     * renegotiation the client starts; the heartbeat extension (RFC 6520). */
    enum tlsd_tristate resume_session_id, resume_ticket12, resume_ticket13, client_reneg, heartbeat;
    int client_cert_alert;
    uint16_t client_cert_version;
    char client_cas[512];
    /* DHE at the highest TLS <= 1.2 version (0: not measured, no DHE suite): the prime
     * a client offering the RFC 7919 groups gets, and one offering none of them (most
     * TLS 1.2 clients) gets — the server's own DH parameters. */
    int dh_bits_ffdhe, dh_bits_no_ffdhe;
    char no_sni_answer[96], wrong_sni_answer[96];
    /* A hello without SNI gets another certificate than the scan's (YES: no_sni_cert
     * names it, "CN=... (RSA 2048)"); UNKNOWN when no SNI was sent or none was seen. */
    enum tlsd_tristate sni_selects_cert;
    char no_sni_cert[160];
    /* Where implementations differ (TLSD_UNKNOWN: not testable on this server): a
     * server_name that is no host name refused (with sni_not_host_alert, -1 none); an
     * ECDHE hello without supported_groups refused; an ECDSA certificate used only when
     * the client lists its curve; a TLS 1.3 key share for a group the server accepts
     * answered by a HelloRetryRequest for another group (its own first). */
    enum tlsd_tristate refuses_sni_not_host, ecdhe_needs_groups, needs_cert_curve,
        hrr_despite_share;
    int sni_not_host_alert;
    /* The implementation these tell (scan_impl.c); TLSD_IMPL_GENERIC: not told. */
    enum tlsd_impl implementation;
    char ja3s[33], ja4s[32];
    struct tlsd_scan_finding *findings;
    size_t n_findings;
    /* What the scan could not decide (a probe reset, dropped or refused after its
     * retries, and a hello the server had accepted failing the same way): one line per
     * question, e.g. "TLSv1.2 cipher suites not decided: ...". Non-empty: incomplete. */
    char **undecided;
    size_t n_undecided;
    /* Resets taken as refusals (each confirmed by a known-good hello answered right
     * after), and probes retried because the server reset or refused them. */
    unsigned resets_confirmed, probes_retried;
    /* Incomplete because the server reset or dropped hellos it had answered before (it
     * resets at random, or limits the connections one address may hold): a lower
     * --per-target to scan it again with; 0 when there is none lower to suggest. */
    unsigned suggest_per_target;
    /* With error: how every connection to the target ended, in analyze's words
     * (outcome.h: tcp_refused, tcp_no_answer, no_answer, reset_after_client_hello,
     * not_tls...); ending_known false when they ended in different ways or it is not
     * known (a time limit, a signal, a name that did not resolve). */
    enum tlsd_conn_outcome ending;
    bool ending_known;
    unsigned connections, handshakes;
    double seconds;
};

/* Called on the loop thread as each target finishes (results stay owned by
 * the scan). */
typedef void (*tlsd_scan_done_cb)(void *ctx, const struct tlsd_scan_result *r);
/* Called now and then with progress (probes done, targets done). */
typedef void (*tlsd_scan_progress_cb)(void *ctx, size_t targets_done, size_t targets,
                                      unsigned probes_done);

/* Scans every target; fills results[i] for targets->v[i]. Returns 0, TLSD_SCAN_INTERRUPTED,
 * or -1 when the scan could not run at all (loop setup). A target that fails gets its
 * error in results[i].error and the others go on. */
#define TLSD_SCAN_INTERRUPTED 1 /* tlsd_scan_run: stopped by a signal (stop_on_signal) */
int tlsd_scan_run(const struct tlsd_target_list *targets, const struct tlsd_scan_opts *opts,
                  struct tlsd_scan_result *results, tlsd_scan_done_cb done,
                  tlsd_scan_progress_cb progress, void *ctx) __attribute__((warn_unused_result));
/* "yes", "no" or "unknown". */
const char *tlsd_tristate_name(enum tlsd_tristate t);
/* Appends r as the text report (scan_text.c): colour sequences when color is on, the suite
 * tables fitted to width columns (other lines are left to the caller's wrapping). The JSON
 * is tlsd_scan_result_json (tlsdiag/json.h). */
void tlsd_scan_result_render_text(struct tlsd_strbuf *b, const struct tlsd_scan_result *r,
                                  bool color, size_t width);
void tlsd_scan_result_free(struct tlsd_scan_result *r);

/* The result as JSON, the difference of two scans: tlsdiag/json.h. */

#ifdef __cplusplus
}
#endif
#endif
