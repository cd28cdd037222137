/* Private to the scan engine: a target's state, the tasks that issue its probes, the
 * scan's loop and limits, and the functions its files share. In layers, each knowing only
 * those below it: scheduling (the libuv loop, limits, admission, retries): scan_sched.c;
 * hellos and recording answers: scan_hello.c, scan_results.c; enumeration by elimination
 * (suites, groups, signature schemes, the server's order): scan_enum.c; the versions,
 * features, full handshakes and judgements of a target: scan.c. */
#ifndef TLSDIAG_SCAN_ENGINE_H
#define TLSDIAG_SCAN_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline_internal.h"
#include "base/stop_internal.h"
#include "scan/scan_internal.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h" /* TLSD_PRINTF_FORMAT */

/* Retries (scan_sched.c, and the libssl handshakes' in scan.c) back off. */
#define BACKOFF_MS     50u   /* first retry; doubled each time */
#define BACKOFF_MAX_MS 2000u /* at most */

/* Connections opened ahead of need (scan_sched.c, open_warm): once a target's quickest
 * answer took WARM_MIN_MS, a TCP handshake costs enough to do it before the hello is
 * known; at most one per probe in flight, WARM_MAX per target, each kept WARM_IDLE_MS. */
#define WARM_MIN_MS  30u
#define WARM_MAX     16u
#define WARM_IDLE_MS 1000u
#define WARM_MISSES  2u /* answers without bytes on them (warm_missed): then none */
#define WARM_ASKS    2u /* a probe asked again for such a drop at most */
/* After the last connection opened ahead is closed, the server may count it a while:
 * drops are blamed on it for twice the quickest answer, WARM_GRACE_MS at least. */
#define WARM_GRACE_MS 50u

struct scan;
struct tscan;
struct task;
struct fullhs;

/* What a task asks, as the scheduler sees it: the handler of its answers and its place in
 * the queue. Each kind is defined by the file that owns it (scan_enum.c, scan.c); a task
 * points at its kind's descriptor. */
struct scan_task_kind {
    void (*on_result)(struct task *k, struct probe_res *res);
    void (*on_drop)(struct task *k); /* ends a task of a stopped target (NULL: scan_end_task) */
    bool background;                 /* waits behind every other queued probe */
};

/* The steps of a target above the scheduler (scan.c): what starts once its name is
 * resolved, and what is judged once its last task has ended (before it is reported). */
struct scan_hooks {
    void (*start)(struct tscan *t);
    void (*finish)(struct tscan *t);
    uv_async_cb released; /* scan.released_async: libssl handshakes released (scan.c) */
};

/* The feature probes (scan.c). */
enum feature {
    F_FALLBACK,
    F_COMPRESSION,
    F_NO_SNI,
    F_WRONG_SNI,
    F_LARGE,
    F_NO_RENEG_SIGNAL,
    F_DHE_NO_FFDHE,
    /* Where implementations differ (scan_impl.c tells which one from them). */
    F_SNI_NOT_HOST, /* server_name "tlsdiag_not_a_host": GnuTLS refuses it (illegal_parameter) */
    F_NO_GROUPS,    /* ECDHE suites, no supported_groups: OpenSSL finds no shared curve */
    F_CERT_CURVE,   /* ECDHE_ECDSA suites with only x25519/x448: OpenSSL needs the cert's curve */
    F_SHARE_X25519, /* TLS 1.3, every group, one key share: GnuTLS (server precedence) */
    F_SHARE_P256,   /* asks for its own first group by HRR; OpenSSL takes the share */
};
#define F_COUNT (F_SHARE_P256 + 1)

/* How a TLS 1.3 signature scheme offer that was answered is split (scan_enum.c). */
enum sig13_split {
    SIG13_BY_ALG,  /* an answered offer is split by signature algorithm */
    SIG13_BY_EACH, /* into one scheme each */
};

/* A task issues probes one at a time and decides the next from each answer. */
struct task {
    struct tscan *t;
    const struct scan_task_kind *kind;
    unsigned tries;
    uint8_t *pending_hello; /* for a retry */
    size_t pending_len;
    uint32_t *remaining; /* codes still offered */
    size_t n_remaining;
    /* What the kind asks in particular (by kind: elim_kind, order_kind, ... in the file that
     * owns it). */
    struct elim *e;           /* ELIM, ORDER, SPEC: the enumeration the task belongs to */
    unsigned gen;             /* ELIM, SPEC: its generation; an older one was abandoned */
    int order;                /* ORDER: which of the two hellos (0: a before b, 1: b before a) */
    size_t guess;             /* SPEC: the position in the guessed order that the probe tests */
    int vi;                   /* CHACHA: the version (enum tlsd_proto) */
    enum sig13_split split;   /* SIG13 */
    bool retried;             /* SIG13: sent again with the group a HelloRetryRequest named */
    enum feature feature;     /* FEATURE */
    struct task *next_queued; /* scheduler queue */
    /* Faults (see probe_done): a reset or refused probe is retried after a back-off, and a
     * reset that persists is confirmed as a refusal by a hello the server accepted before
     * (the control) or, failing that, answered as undecided. */
    struct task *next_delayed; /* waiting for its back-off */
    uint64_t due_ms;
    struct task *next_parked; /* waiting for a known-good hello to confirm with */
    bool control;             /* the probe in flight is the control */
    unsigned local_tries;     /* requeued because this process ran out of descriptors */
    struct {
        bool set;
        enum tlsd_conn_outcome ending;
        bool ending_known;
        enum tlsd_ending_detail detail;
        int uv_err;
        char error[200];
    } held;                      /* the last ambiguous answer (reset, closed) */
    enum tlsd_ending_detail met; /* answered undecided: how its probes ended (none: no answer) */
    uint64_t launched_ms;        /* when its probe in flight was started */
    bool on_warm;                /* that probe took a connection opened ahead */
    bool fresh;                  /* its next probe opens a new connection (warm_missed) */
    unsigned warm_asks;          /* asked again for a drop in that time (WARM_ASKS at most) */
    bool urgent; /* on the longest path of its target (a server order still to find): its
                    probes go ahead of its target's other foreground ones */
    bool whole;  /* its next probe keeps the connection open (no half-close) */
};

struct tscan {
    struct scan *s;
    const struct tlsd_target *target;
    struct tlsd_scan_result *r;
    struct sockaddr_storage addr;
    const char *sni;
    unsigned inflight;
    unsigned tasks_open;
    bool resolved, failed, finished;
    uint64_t started_ms;
    uv_getaddrinfo_t gai;
    /* The target's time limit, judged after the loop has polled the sockets
     * (deadline_internal.h): answers already in them are read first. */
    struct tlsd_deadline deadline;
    bool deadline_running;
    /* The limit counts the target's own time: not the time it had nothing in flight while
     * its probes waited in the queue for a free slot of --concurrency (other targets' slow
     * probes, silent servers, held it up). queued: its tasks in the queue. */
    unsigned queued;
    bool waiting;
    uint64_t wait_since_ms, waited_ms;
    /* what later tasks need from the version tasks */
    int roots_left;    /* versions whose first probe has not answered (and the TLS 1.3
                          groups' first question, asked with them) */
    size_t sig13_left; /* TLS 1.3 signature scheme probes not done */
    bool *sig13_ok;    /* per registry scheme: accepted in TLS 1.3 */
    uint16_t fp_version, features_version; /* the answers JA3S and features come from */
    uint8_t *no_sni_leaf;                  /* the certificate a hello without SNI got (DER) */
    size_t no_sni_len;
    /* faults */
    unsigned limit; /* probes in flight for this target (lowered when it limits) */
    /* A server that serves one connection at a time (scan_sched.c, serial_check): answers
     * that come far later than its quickest one. Its probes then half-close. */
    uint64_t quickest_ms, quickest_warm_ms; /* on a new connection, on one opened ahead */
    unsigned late_answers, half_close_misses;
    /* Connections opened ahead of need, oldest first (warm_on: its answers are slow enough). */
    struct probe *warm[WARM_MAX];
    unsigned n_warm, warm_misses;
    unsigned n_fullhs; /* libssl handshakes running (counted in inflight too) */
    /* A server serving one connection at a time: its libssl handshakes run one after
     * another (scan.c, queue_fullhs); the others wait here, in order. */
    unsigned fullhs_running;
    struct fullhs *fullhs_waiting;
    uint64_t warm_grace_ms; /* until then a drop may be the server counting closed ones */
    bool warm_on, warm_off;
    bool serial, half_close_off;
    unsigned live_tasks; /* tasks not ended */
    bool ever_connected; /* a probe got through connect() */
    /* How its probes ended (bits of enum tlsd_conn_outcome, probe_res.ending), and whether
     * one ended in a way that cannot be told: the target's ending when it failed. */
    uint32_t endings;
    bool ending_unknown;
    bool flaky;          /* a reset or refused hello was answered when tried again */
    uint8_t *good_hello; /* a hello the server answered with a ServerHello (a copy) */
    size_t good_len;
    struct task *parked; /* tasks waiting for good_hello */
    unsigned n_parked;
    /* What was decided from confirmed resets: undecided after all if the server turns
     * out to reset at random (doubt_versions: bits of enum tlsd_proto whose acceptance). */
    char **doubts;
    size_t n_doubts;
    unsigned doubt_versions;
    unsigned flight_noted; /* bits of enum tlsd_proto: an unfinished first flight was reported */
    bool flight_stalls;    /* a first flight ran into the time limit: later probes end at
                              the ServerHello instead of waiting for it each time */
    bool tls13_answered;   /* a TLS 1.3 ServerHello that is no HelloRetryRequest came */
    bool hrr_loop;         /* a libssl handshake met a second HelloRetryRequest */
    /* The TLS 1.3 groups' first question, asked with the versions' (scan_enum.c): in
     * flight, what its answer calls, the group its HRR named (0: none to use). */
    struct {
        bool asked;
        void (*on_answer)(struct tscan *t);
        uint32_t pick;
    } early13;
    /* Probes where implementations differ: -1 not sent, 0 refused, 1 answered. */
    int no_groups_answer, curve_answer;
    uint16_t no_groups_version, curve_version;
    struct share_answer {
        int answered;          /* -1 not sent, 0 refused, 1 answered */
        bool hrr;              /* by a HelloRetryRequest */
        uint16_t share, group; /* the key share sent, the group answered */
    } shares[2];
};

struct scan {
    uv_loop_t loop;
    const struct scan_hooks *hooks;
    const struct tlsd_scan_opts *o;
    struct tscan *targets;
    size_t n_targets, targets_done;
    /* Targets are admitted a few at a time (max_active: as many as probes may be in flight
     * in all): each one's time limit,
     * state and queued probes start when it does, so a fleet of thousands neither times
     * out waiting behind the others nor holds every target's state at once. */
    size_t targets_started, targets_active, max_active;
    unsigned inflight;
    unsigned probes_done;
    struct task *queue_head;    /* tasks waiting for a global slot (see enqueue) */
    struct task *queue_fg_tail; /* the last foreground one, or NULL */
    struct task *queue_tail;    /* the last one, or NULL */
    uv_timer_t rate_timer;
    unsigned rate_tokens;
    tlsd_scan_done_cb done;
    tlsd_scan_progress_cb progress;
    void *ctx;
    uint32_t *suites[TLSD_PROTO_COUNT]; /* scan_suites_for's lists, made once per scan */
    size_t n_suites[TLSD_PROTO_COUNT];
    unsigned max_now;     /* probes in flight overall: max_inflight, lowered on EMFILE */
    struct task *delayed; /* retries waiting for their back-off, earliest first */
    uv_timer_t retry_timer;
    struct probe_set probes; /* in flight */
    unsigned n_warm;         /* connections opened ahead, every target's */
    uv_signal_t sigint, sigterm;
    bool interrupted;
    struct tlsd_stop_request stop; /* SIGINT/SIGTERM */
    atomic_bool stop_fullhs;       /* set on a signal: libssl handshakes on the thread pool end */
    /* libssl handshakes released by their worker threads (scan.c, fullhs_release) */
    uv_async_t released_async;
    uv_mutex_t released_mu;
    struct fullhs *released;
};
struct hello_opts {
    uint16_t version; /* the version to ask for */
    const uint32_t *suites;
    size_t n_suites;
    const uint16_t *groups; /* NULL: every group fit for the version */
    size_t n_groups;
    const uint16_t *sigalgs; /* NULL: every scheme */
    size_t n_sigalgs;
    bool no_key_shares;   /* TLS 1.3: empty key_share (forces an HRR) */
    uint16_t share_group; /* TLS 1.3: the one key share to send (0: x25519 and P-256) */
    bool no_reneg_scsv;   /* leave out the renegotiation SCSV / extension */
    bool fallback_scsv;
    bool compression; /* offer DEFLATE */
    bool heartbeat;   /* the heartbeat extension, peer_allowed_to_send (RFC 6520 2) */
    bool no_sni;
    bool no_groups;  /* no supported_groups extension */
    const char *sni; /* override */
    size_t pad_to;   /* pad the handshake message to this size */
};

enum ekind { E_SUITES, E_GROUPS, E_SIGALGS };

/* scan_sched.c: the scheduler, knowing nothing above it */
uint64_t scan_now_ms(struct scan *s);
/* The time t has used of its --target-timeout: since it started, less the time it waited
 * with nothing in flight for a free slot (struct tscan's queued). */
uint64_t scan_target_used_ms(const struct tscan *t);
/* Connections opened ahead (scan_sched.c): whether some were held for t at any time since
 * since_ms (a drop then may be the server's limit on connections, not its answer), and
 * none from now on. */
bool scan_warm_held_since(const struct tscan *t, uint64_t since_ms);
/* Whether t takes more probes at once than its limit (through latency, see target_limit
 * in scan_sched.c); how many it may have in flight at least (its limit, within
 * --concurrency). */
bool scan_target_fast(const struct tscan *t);
unsigned scan_target_room(const struct tscan *t);
void scan_warm_stop(struct tscan *t);
/* A libssl handshake (scan.c) runs for t. Where connections are scarce (a per-target limit
 * below TLSD_SCAN_PER_TARGET_DEFAULT, given or lowered) it holds one of the target's slots
 * meanwhile (true), so the limit bounds every connection to the target; its end lets a
 * queued probe go. Elsewhere it runs beside the probes, as it costs them time. */
bool scan_fullhs_started(struct tscan *t);
void scan_fullhs_ended(struct tscan *t, bool holds_slot);
void scan_submit(struct task *k, uint8_t *hello, size_t len);
struct task *scan_new_task(struct tscan *t, const struct scan_task_kind *kind);
void scan_end_task(struct task *k);
/* The queued tasks that pick(k, arg) chooses become urgent (struct task). */
void scan_make_urgent(struct scan *s, bool (*pick)(const struct task *k, const void *arg),
                      const void *arg);
void scan_add_undecided(struct tlsd_scan_result *r, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 2, 3)));
void scan_add_doubt(struct tscan *t, int vi, const char *fmt, ...)
    __attribute__((format(TLSD_PRINTF_FORMAT, 3, 4)));
/* Ends t once its last task has ended: the hooks' finish, then the caller's done. */
void scan_maybe_finish_target(struct tscan *t);
/* tlsd_scan_run with the steps above the scheduler. */
int scan_run(const struct scan_hooks *hooks, const struct tlsd_target_list *targets,
             const struct tlsd_scan_opts *opts, struct tlsd_scan_result *results,
             tlsd_scan_done_cb done, tlsd_scan_progress_cb progress, void *ctx);

/* scan_hello.c: the hellos of the probes (above the scheduler) */
uint16_t *scan_all_groups(uint16_t version, size_t *n);
uint16_t *scan_all_sigalgs(size_t *n);
int scan_build_hello(struct tscan *t, const struct hello_opts *h, uint8_t **rec, size_t *len);
uint32_t *scan_suites_for(struct scan *sc, uint16_t v, size_t *n);

/* scan_results.c: an answer recorded in the target's result (above the scheduler) */
enum tlsd_tristate scan_tri_of(bool b);
void scan_remove_code(uint32_t *v, size_t *n, uint32_t code);
void scan_refusal_of(const struct task *k, const struct probe_res *res,
                     struct tlsd_scan_refusal *f);
/* The certificate of r whose leaf is der, or NULL. */
struct tlsd_scan_cert *scan_cert_with_leaf(const struct tlsd_scan_result *r, const uint8_t *der,
                                           size_t len);
struct tlsd_scan_cert *scan_add_chain(struct tscan *t, const uint8_t *const *der, const size_t *len,
                                      size_t n, uint32_t suite);
void scan_note_cert(struct tscan *t, const struct probe_res *res, uint32_t suite);
void scan_note_fingerprints(struct tscan *t, const struct probe_res *res);
void scan_note_features(struct tscan *t, const struct probe_res *res);

/* scan_enum.c: the enumerations (above the hellos and results) */
bool scan_is_ecdhe(uint32_t code);
uint32_t *scan_suites_where(struct scan *sc, uint16_t v, bool (*keep)(uint32_t), size_t *n);
struct elim *scan_elim_start(struct tscan *t, enum ekind kind, int vi, uint32_t *cands, size_t n,
                             uint32_t pinned, int key, void (*on_root)(struct tscan *, bool),
                             void (*on_done)(struct elim *));
void scan_suites_done(struct elim *e);
void scan_merge_sigschemes(struct tlsd_scan_result *r);
void scan_start_groups(struct tscan *t, int vi);
/* The TLS 1.3 groups' first question, asked with the versions' (at most once a target);
 * on_answer is called when it is answered (false: it was not asked). scan_start_groups13
 * starts the TLS 1.3 group enumeration with its answer. */
bool scan_ask_groups13_early(struct tscan *t, void (*on_answer)(struct tscan *t));
void scan_start_groups13(struct tscan *t);
void scan_start_sigalgs(struct tscan *t);
void scan_start_sigalgs13(struct tscan *t);

#endif
