/* The capture analyser: every TCP connection of a capture (file or live) turned into a
 * typed record — who talked to whom, what the client offered, what the server answered
 * or how TCP ended, an outcome class and a diagnosis in plain words with the Schannel
 * events an administrator will find for it — plus summaries by client, server and
 * outcome. Connections are handed to a callback as soon as they are decided and freed
 * after it returns, so memory stays bounded: every byte kept for a connection not yet
 * decided counts against the caps of tlsdiag/tcp_reasm.h (docs/limits.md), and a
 * connection a cap cut short says so (limit) instead of being judged on what was left.
 * Rendering is separate: analyze_json.c and analyze_text.c read these records. */
#ifndef TLSDIAG_ANALYZE_H
#define TLSDIAG_ANALYZE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/capture.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/fingerprint.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/keylog.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/tcp_reasm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLSD_CONN_MAX_ALERTS 8

struct tlsd_conn_alert {
    enum tlsd_peer side;
    uint8_t level;   /* 1 warning, 2 fatal; 0 when encrypted */
    int description; /* -1 when encrypted (TLS 1.3, or after ChangeCipherSpec) */
    bool encrypted;
    uint64_t frame;
};

/* A Schannel event the administrator will find in the System log for this failure. */
struct tlsd_schannel_event {
    uint32_t id;              /* 36874, 36887, 36888 */
    int alert;                /* the alert code in its data, -1 for none */
    enum tlsd_peer logged_on; /* which machine logs it (when it runs Windows) */
    const char *meaning;      /* from the explain knowledge base */
};

#define TLSD_DIAG_MAX_CAUSES  3
#define TLSD_DIAG_MAX_EVENTS  3
#define TLSD_DIAG_MAX_BRIDGES 5

struct tlsd_diagnosis {
    char *text; /* plain words; NULL for a plain success */
    const struct tlsd_explain_cause *causes[TLSD_DIAG_MAX_CAUSES]; /* most likely first */
    size_t n_causes;
    struct tlsd_schannel_event events[TLSD_DIAG_MAX_EVENTS];
    size_t n_events;
    uint32_t bridges[TLSD_DIAG_MAX_BRIDGES]; /* suites that would make both sides meet */
    size_t n_bridges;
};

/* One TCP connection. Pointers stay valid during the callback only. */
struct tlsd_conn {
    uint64_t id;        /* TCP stream number within its input (like tcp.stream) */
    const char *source; /* input name (file path, interface) */
    uint8_t ip_version;
    char client[46], server[46]; /* addresses as text */
    uint16_t client_port, server_port;
    uint64_t first_frame, last_frame;
    int64_t first_ts, last_ts; /* microseconds since the epoch */

    bool has_ch; /* the first ClientHello, parsed */
    struct tlsd_client_hello ch;
    uint64_t ch_frame;
    uint16_t offered_low, offered_high; /* versions offered */
    struct tlsd_ja3 ja3;
    char ja4[TLSD_JA4_LEN + 1];

    bool has_hrr;
    bool hrr_inferred; /* not in the capture: a second ClientHello repeated the first's random */
    uint16_t hrr_group;
    uint64_t dup_hello_frame; /* the client sent its ClientHello again after the server's
                               * hello (not after an HRR; RFC 8446 4.1.2), 0 when not */
    bool has_sh;              /* the ServerHello (not the HRR), parsed */
    struct tlsd_server_hello sh;
    uint64_t sh_frame;
    struct tlsd_ja3 ja3s;
    char ja4s[TLSD_JA4S_LEN + 1];
    bool ssl2_server_hello; /* an SSLv2 SERVER-HELLO answered */

    bool has_cert;                           /* the server's Certificate, when sent in the clear */
    const struct tlsd_certificate_msg *cert; /* shared with other connections (cached) */
    void *cert_ref;                          /* the analyser's reference to it */

    struct tlsd_conn_alert alerts[TLSD_CONN_MAX_ALERTS];
    size_t n_alerts;
    int fatal; /* index in alerts of the alert that ended the handshake, -1 */

    /* TCP: frames of FIN / RST per side, 0 when not seen. */
    uint64_t fin_frame[2], rst_frame[2];
    /* TCP before TLS: the client's SYNs and the server's first answer to them. */
    uint32_t syns;       /* SYN segments from the client (1 + retransmissions); 0: not seen */
    int64_t syn_ts;      /* the first of them */
    int64_t last_syn_ts; /* the last of them */
    int64_t answer_ts;   /* the server's SYN-ACK, or its RST to the SYN; 0 when none */
    bool syn_acked;      /* the server accepted the connection (SYN-ACK) */
    uint64_t bytes[2];   /* stream bytes delivered per side */
    uint64_t gaps;       /* bytes lost (both sides) */
    bool not_tls[2];     /* the side sent bytes that are not TLS */
    uint8_t head[2][48]; /* its first bytes, for a report */
    size_t head_len[2];
    bool handshake_done; /* TLS <= 1.2: the server's ChangeCipherSpec; TLS 1.3: the server's
                          * first record after the client's Finished that is no alert */
    /* TLS 1.3, told from the sizes of encrypted records: the client's flight shows whether
     * the server sent a CertificateRequest (RFC 8446 4.4.2: the client answers it with a
     * Certificate message, empty when it has none). */
    int client_cert;           /* -1 unknown, 0 empty Certificate, 1 a certificate sent */
    bool alert_after_finished; /* the fatal encrypted alert answered the client's Finished */
    bool cert_requested;       /* TLS 1.3: a CertificateRequest was read (key log) */
    bool decrypted;            /* TLS 1.3: the handshake was read with a key log's secrets */
    int64_t ch_ts;             /* when the ClientHello was complete */
    int64_t end_ts[2];         /* the first FIN or RST per side, 0 when none */
    unsigned n_client_hellos, n_server_hellos, n_alerts_total; /* as tshark counts */
    size_t parse_errors;
    char parse_error[160];     /* the first parse error, "" when none */
    enum tlsd_tcp_close close; /* 0 when decided before TCP closed */
    /* A cap of the analyser cut it short (bytes given up, or the connection itself), NONE
     * when none did. Its outcome is then TRUNCATED unless what was seen decided it
     * (success, an alert). */
    enum tlsd_tcp_limit limit;

    enum tlsd_conn_outcome outcome;
    struct tlsd_diagnosis diag;
    /* The analyser's memos (private), used by the diagnosis and the renderers; NULL for a
     * record made elsewhere (then nothing is remembered). */
    struct tlsd_analyze_memo *memo;
};

/* Summaries, bounded: at most TLSD_SUMMARY_MAX entries per table (then counted in
 * dropped). */
#define TLSD_SUMMARY_MAX      65536
#define TLSD_SUM_VERSION_BASE 0x0300 /* SSL 3.0 */
#define TLSD_SUM_VERSION_BITS 32

struct tlsd_client_sum {
    char addr[46];
    uint64_t handshakes, failures;
    uint16_t offered_low, offered_high; /* widest range seen */
    size_t n_suites;                    /* in the last ClientHello */
    char ja4[TLSD_JA4_LEN + 1];         /* of the last ClientHello */
    uint16_t groups[8];                 /* groups of the last ClientHello (no GREASE) */
    size_t n_groups;
    uint64_t outcomes[TLSD_OUTCOME_COUNT];
};

/* One distinct diagnosis of the failed connections: how often, and which clients. */
#define TLSD_DIAG_SUM_MAX     64 /* distinct diagnoses kept; the rest are counted apart */
#define TLSD_DIAG_SUM_CLIENTS 8  /* client addresses named per diagnosis */
struct tlsd_diag_sum {
    char *text;
    uint64_t connections;
    char clients[TLSD_DIAG_SUM_CLIENTS][46];
    size_t n_clients;
    bool more_clients; /* other clients had it too */
};

struct tlsd_server_sum {
    char addr[46];
    uint16_t port;
    uint64_t handshakes, failures;
    uint16_t best_version;  /* highest version the server chose */
    uint32_t versions_done; /* bit v - TLSD_SUM_VERSION_BASE: completed a handshake at v */
    uint32_t suites[8];     /* suites it chose */
    size_t n_suites;
    uint16_t groups[8]; /* key share groups it chose (ServerHello or HelloRetryRequest) */
    size_t n_groups;
    char cert_key_type[32]; /* of the certificate it sent, "" when not seen */
    int cert_bits;
    uint64_t cert_frame;
    uint64_t outcomes[TLSD_OUTCOME_COUNT];
};

struct tlsd_analyze_stats {
    uint64_t files, files_failed;
    uint64_t frames, bytes, tcp_segments, udp_datagrams;
    uint64_t skipped[TLSD_PKT_SKIP_COUNT]; /* frames skipped, by reason */
    uint64_t read_errors;                  /* damaged files (frames before were used) */
    uint64_t flows, flows_not_tls;         /* TCP flows; those without any TLS */
    uint64_t connections;                  /* reported */
    uint64_t connections_before_tls;       /* of them, failed before TLS (TCP outcomes) */
    uint64_t outcomes[TLSD_OUTCOME_COUNT];
    uint64_t client_hellos, server_hellos, alerts; /* handshake counts, as tshark counts */
    uint64_t record_errors, parse_errors, nomem;
    uint64_t summary_dropped;
    uint64_t unfinished; /* connections still open when a signal stopped the reading */
    /* By cap (enum tlsd_tcp_limit): connections reported that it cut short, and flows
     * given up at it before they showed any TLS (not reported). */
    uint64_t limit_connections[TLSD_TCP_LIMIT_COUNT], limit_flows[TLSD_TCP_LIMIT_COUNT];
};

struct tlsd_analyzer;

/* Called for each connection once decided (handshake done, fatal alert, TCP end, expiry,
 * end of input). The record is freed when the callback returns. */
typedef void (*tlsd_conn_cb)(void *ctx, const struct tlsd_conn *c);

struct tlsd_analyze_config {
    struct tlsd_tcp_config tcp;       /* zero fields: the defaults. total_cap counts, beside the
                                       * TCP segments, all the analyser keeps for a connection
                                       * until it is decided (parsing state, TLS bytes not yet a
                                       * whole record or message, the parsed hellos) */
    const struct tlsd_keylog *keylog; /* TLS 1.3 secrets: the encrypted handshake is read */
    /* Set (by a signal handler) to stop tlsd_analyze_file between two frames: the file
     * ends INTERRUPTED and the connections still open are counted, not reported. */
    const volatile sig_atomic_t *stop;
};

/* NULL when out of memory. */
__attribute__((warn_unused_result)) struct tlsd_analyzer *
tlsd_analyzer_new(const struct tlsd_analyze_config *cfg, tlsd_conn_cb cb, void *ctx);
/* Starts an input (file or interface); its name is copied. Connections of a previous
 * input still open are decided first. NOMEM on failure. */
__attribute__((warn_unused_result)) enum tlsd_caperr tlsd_analyzer_begin(struct tlsd_analyzer *a,
                                                                         const char *source);
/* One decoded packet of the current input (frame counters too). UDP is counted only. */
__attribute__((warn_unused_result)) enum tlsd_caperr
tlsd_analyzer_packet(struct tlsd_analyzer *a, const struct tlsd_pkt *pkt);
/* Ends the current input: every connection still open is decided and reported. */
void tlsd_analyzer_end(struct tlsd_analyzer *a);
/* A whole capture file: begin, every packet, end. Returns OK, or the error that stopped
 * the file (message in err; packets before it were analysed). progress (may be NULL) is
 * called now and then with the bytes read so far. */
__attribute__((warn_unused_result)) enum tlsd_caperr
tlsd_analyze_file(struct tlsd_analyzer *a, const char *path, char *err, size_t errlen,
                  void (*progress)(void *ctx, uint64_t bytes), void *pctx);
/* Adds a capture reader's frame statistics (frames, skip reasons) to the analyzer's. */
void tlsd_analyzer_add_capture_stats(struct tlsd_analyzer *a, const struct tlsd_capture_stats *cs);
const struct tlsd_analyze_stats *tlsd_analyzer_stats(const struct tlsd_analyzer *a);
/* The caps in force (the defaults filled in). */
const struct tlsd_tcp_config *tlsd_analyzer_caps(const struct tlsd_analyzer *a);
size_t tlsd_analyzer_client_count(const struct tlsd_analyzer *a);
const struct tlsd_client_sum *tlsd_analyzer_client_at(const struct tlsd_analyzer *a, size_t i);
/* The distinct diagnoses of the failed connections, most frequent first; *other gets the
 * connections whose diagnosis did not fit in the table. */
size_t tlsd_analyzer_diag_count(const struct tlsd_analyzer *a, uint64_t *other);
const struct tlsd_diag_sum *tlsd_analyzer_diag_at(const struct tlsd_analyzer *a, size_t i);
size_t tlsd_analyzer_server_count(const struct tlsd_analyzer *a);
const struct tlsd_server_sum *tlsd_analyzer_server_at(const struct tlsd_analyzer *a, size_t i);
void tlsd_analyzer_free(struct tlsd_analyzer *a);

/* The connections that failed before TLS, counted by server port (over every server
 * address), by outcome; ports in increasing order. */
struct tlsd_port_sum {
    uint16_t port;
    uint64_t outcomes[TLSD_OUTCOME_COUNT];
};
/* Fills at most max ports; returns how many ports there are in all. */
size_t tlsd_analyzer_before_tls_ports(const struct tlsd_analyzer *a, struct tlsd_port_sum *out,
                                      size_t max);

/* Diagnosis of a decided connection (analyze_diag.c); known: what earlier connections
 * showed of the same server, or NULL. Replaces c->diag. */
void tlsd_diagnose(struct tlsd_conn *c, const struct tlsd_server_sum *known);
void tlsd_diagnosis_free(struct tlsd_diagnosis *d);
/* "TLS 1.2", "SSL 3.0", "TLS 1.3 (draft 23)" into buf[24]. */
const char *tlsd_version_label(uint16_t v, char buf[24]);

/* Renderers (analyze_json.c, analyze_text.c); schema in docs/analyze-json.md.
 *
 * A --json document holds each distinct diagnosis once, in a table its connections refer
 * to by index (at most TLSD_DIAG_TABLE_MAX entries; past that, or without a table, a
 * connection carries its diagnosis object itself). */
#define TLSD_DIAG_TABLE_MAX 65536
struct tlsd_diag_table;
struct tlsd_diag_table *tlsd_diag_table_new(void); /* NULL when out of memory */
void tlsd_diag_table_free(struct tlsd_diag_table *t);
size_t tlsd_diag_table_count(const struct tlsd_diag_table *t);
/* The table's diagnoses as a JSON array, in index order, appended to b. */
void tlsd_diag_table_render_json(struct tlsd_strbuf *b, const struct tlsd_diag_table *t);
/* The connection as one compact JSON object appended to b, written directly; its
 * diagnosis as an index into diags (added when new), or inline when diags is NULL. */
void tlsd_conn_render_json(struct tlsd_strbuf *b, const struct tlsd_conn *c,
                           struct tlsd_diag_table *diags);
/* The summaries as one JSON object appended to b (streamed: up to 65,536 clients). */
void tlsd_analyze_summary_render_json(struct tlsd_strbuf *b, const struct tlsd_analyzer *a);
/* The start of the JSON document of analyze or watch (tool: "tlsdiag analyze"), up to the
 * opening of its connections array. */
void tlsd_analyze_document_start_json(struct tlsd_strbuf *b, const char *tool);
/* The end of analyze's JSON document after the connections (docs/analyze-json.md): closes
 * their array, then the distinct diagnoses they refer to, the outcome classes in words,
 * how many connections were listed, whether the run was interrupted, "files" (the
 * caller's JSON text, or null) and the summary. */
void tlsd_analyze_document_end_json(struct tlsd_strbuf *b, const struct tlsd_diag_table *diags,
                                    uint64_t listed, bool interrupted, const char *files_json,
                                    const struct tlsd_analyzer *a);
/* Text: appended to b; color adds ANSI colours. */
void tlsd_conn_render_text(struct tlsd_strbuf *b, const struct tlsd_conn *c, bool color);
void tlsd_analyze_summary_render_text(struct tlsd_strbuf *b, const struct tlsd_analyzer *a,
                                      bool color);

#ifdef __cplusplus
}
#endif

#endif
