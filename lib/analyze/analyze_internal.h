/* Internals shared by the analyser's files (lib/analyze*.c). */
#ifndef TLSDIAG_ANALYZE_INTERNAL_H
#define TLSDIAG_ANALYZE_INTERNAL_H

#include "analyze/json_writer.h"
#include "base/memo_internal.h"
#include "tlsdiag/analyze.h"
#include "tlsdiag/fingerprint.h"

/* What the analyser remembers between connections, to answer repeated questions at once:
 * its memos, made with it and freed with it (each connection points to them while it is
 * diagnosed and rendered). */
struct tlsd_analyze_memo {
    struct tlsd_memo kb_causes, kb_alerts, kb_events; /* knowledge-base look-ups */
    struct tlsd_memo offers;                          /* a suite list's description */
    struct tlsd_memo time;                            /* a second's date and time of day */
    struct tlsd_jw_memo json;                         /* member names, rendered lists */
    struct tlsd_fp_ctx *fp;                           /* digests, JA4 */
};

/* NULL when out of memory. */
struct tlsd_analyze_memo *tlsd_analyze_memo_new(void);
void tlsd_analyze_memo_free(struct tlsd_analyze_memo *m);
/* The memos of analyze_diag.c and analyze_json.c. */
void tlsd_diag_memo_init(struct tlsd_analyze_memo *m);
void tlsd_render_memo_init(struct tlsd_analyze_memo *m);

/* A bounded open-addressing table of summaries keyed by text. */
struct tlsd_sumtab {
    void *items; /* array of item_size entries, in order of first sight */
    size_t n, cap, item_size;
    uint64_t *slots; /* index + 1 (0 empty), 32 bits of the hash above */
    size_t nslots;
};

/* A parsed Certificate message shared by every connection that saw the same bytes: servers
 * send the same chain to every client, and summarising X.509 is the costliest step. */
struct tlsd_cert_ref {
    unsigned refs;
    uint64_t hash;
    uint16_t version;
    struct tlsd_certificate_msg m;
};

#define TLSD_CERT_CACHE 64

struct tlsd_analyzer {
    struct tlsd_cert_ref *cert_cache[TLSD_CERT_CACHE];
    struct tlsd_analyze_config cfg;
    tlsd_conn_cb cb;
    void *ctx;
    char *source;
    struct tlsd_tcp *tcp;
    struct tlsd_analyze_stats stats;
    struct tlsd_sumtab clients, servers;
    struct tlsd_diag_sum diags[TLSD_DIAG_SUM_MAX];
    size_t n_diags;
    uint64_t diags_other; /* failed connections whose diagnosis found no room */
    bool discard;         /* interrupted: connections still open are counted, not reported */
    uint8_t tls_ports[65536 / 8]; /* server ports where a ClientHello was seen */
    struct tlsd_analyze_memo *memo;
};

/* True when a hello states its lowest version: supported_versions, or the SSLv2 format
 * (which speaks SSL 2.0). Otherwise it names only its highest (RFC 5246 E.1), and
 * nothing says it speaks SSL 3.0. */
static inline bool tlsd_hello_states_lowest(const struct tlsd_client_hello *ch)
{
    return ch->has_versions || ch->format == TLSD_HELLO_SSL2;
}

/* Ports where a plain-text service usually listens: a TLS hello sent there is a likely
 * mistake of its own, and a TCP failure there is no failed TLS connection. */
bool tlsd_plain_text_port(uint16_t port);

/* The side (enum tlsd_peer) whose FIN or RST came first; -1 when neither ended. */
int tlsd_conn_ended_first(const struct tlsd_conn *c);

/* The value of a cap in force (bytes, or flows for max_flows). */
static inline uint64_t tlsd_limit_value(const struct tlsd_analyzer *a, enum tlsd_tcp_limit l)
{
    const struct tlsd_tcp_config *c = &a->cfg.tcp;
    return l == TLSD_TCP_LIMIT_FLOW_BUFFER ? c->flow_cap
           : l == TLSD_TCP_LIMIT_BUFFER    ? c->total_cap
                                           : c->max_flows;
}

int tlsd_summary_init(struct tlsd_analyzer *a);
void tlsd_summary_free(struct tlsd_analyzer *a);
/* The summary of c's server so far, made (empty) when new; NULL when the table is full
 * (counted as dropped). */
struct tlsd_server_sum *tlsd_summary_server(struct tlsd_analyzer *a, const struct tlsd_conn *c);
/* Counts a decided connection in the client summary and in its server's (from
 * tlsd_summary_server, may be NULL). */
void tlsd_summary_add(struct tlsd_analyzer *a, const struct tlsd_conn *c,
                      struct tlsd_server_sum *server);

#endif
