/* TCP reassembly for the capture analyser: per flow (both directions of a 5-tuple),
 * each direction turned into an in-order byte stream handed to a callback in chunks.
 *
 * - Out-of-order segments wait until the gap before them fills; retransmissions are
 *   dropped; overlapping bytes keep the first copy seen ("first data wins").
 * - Each chunk carries the frame number of the segment that completed it, so a message
 *   can be attributed to the frame holding its last byte, as tshark does.
 * - Memory is capped per direction and in total (docs/limits.md): out-of-order bytes of one
 *   direction past flow_cap give up that direction's oldest gap (a GAP event) and the data
 *   behind it is delivered. The total covers the buffered segments and what the caller
 *   says it holds for each flow (tlsd_tcp_hold: its parsing state); past total_cap the
 *   least recently active flow that holds bytes gives up its gaps, then is told to let go
 *   of its state (a SHED event). Idle flows expire; the least recently active flow is
 *   evicted when the flow count hits max_flows. Each of these is O(1) per flow given up:
 *   the flows holding bytes are kept in their own list, least recently active first.
 * - Every event caused by a cap names it (limit), so that the caller can say which
 *   connections a cap cut short.
 * - SYN, FIN and RST are noted per direction with frame and timestamp. */
#ifndef TLSDIAG_TCP_REASM_H
#define TLSDIAG_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/capture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The defaults of struct tlsd_tcp_config (a field left 0 takes them). */
#define TLSD_TCP_DEFAULT_FLOW_CAP  ((size_t)1 << 20)
#define TLSD_TCP_DEFAULT_TOTAL_CAP ((size_t)256 << 20)
#define TLSD_TCP_DEFAULT_MAX_FLOWS ((size_t)1 << 18)
#define TLSD_TCP_DEFAULT_IDLE_USEC ((int64_t)600 * 1000000)

struct tlsd_tcp_config {
    size_t flow_cap;   /* out-of-order bytes buffered per direction (default 1 MiB) */
    size_t total_cap;  /* bytes held in all: out-of-order segments and what the caller holds
                        * for its flows (tlsd_tcp_hold) (default 256 MiB) */
    size_t max_flows;  /* flows tracked at once (default 262144) */
    int64_t idle_usec; /* a flow idle this long (capture time) expires (default 600 s) */
    bool flag_events;  /* also deliver TLSD_TCP_EV_FLAGS (FIN/RST as they arrive) */
};

/* The cap that caused an event: bytes or a flow given up to stay within it. */
enum tlsd_tcp_limit {
    TLSD_TCP_LIMIT_NONE = 0,
    TLSD_TCP_LIMIT_FLOW_BUFFER, /* flow_cap */
    TLSD_TCP_LIMIT_BUFFER,      /* total_cap */
    TLSD_TCP_LIMIT_FLOWS,       /* max_flows */
    TLSD_TCP_LIMIT_COUNT
};
/* "max_flow_buffer", "max_buffer", "max_flows" (the options' names in JSON spelling);
 * "" for NONE. */
const char *tlsd_tcp_limit_name(enum tlsd_tcp_limit l);

/* What one direction did. Frame 0 means "not seen". */
struct tlsd_tcp_dir {
    uint64_t syn_frame, fin_frame, rst_frame;
    int64_t syn_ts, fin_ts, rst_ts;
    uint32_t syns;             /* SYN segments (the first and its retransmissions) */
    int64_t last_syn_ts;       /* the last of them */
    uint64_t first_data_frame; /* the first segment with payload, 0 when none */
    uint64_t segments;         /* segments with payload */
    uint64_t delivered;        /* bytes handed to the callback */
    uint64_t gaps, gap_bytes;  /* bytes given up (lost, or cut by the snaplen) */
    uint64_t retrans_bytes;    /* bytes already delivered or buffered, seen again */
    uint64_t ooo_segments;     /* segments that arrived ahead of a gap */
};

struct tlsd_tcp_flow {
    uint64_t id;         /* 0-based, in order of creation (like tcp.stream) */
    uint8_t ip_version;  /* 4 or 6 */
    uint8_t addr[2][16]; /* [0]: the initiator (SYN sender, else first sender) */
    uint16_t port[2];
    struct tlsd_tcp_dir dir[2];
    uint64_t first_frame, last_frame;
    int64_t first_ts, last_ts;
    void *user; /* for the caller; freed by the caller at TLSD_TCP_EV_CLOSE */
};

enum tlsd_tcp_ev_kind {
    TLSD_TCP_EV_DATA = 1, /* data/len: the next bytes of direction dir */
    TLSD_TCP_EV_GAP,      /* len bytes of direction dir will never come (limit: given up at a
                           * cap, NONE: missing from the capture) */
    TLSD_TCP_EV_CLOSE,    /* the flow is forgotten after this (reason in close) */
    TLSD_TCP_EV_FLAGS,    /* direction dir sent FIN or RST (flags); only with flag_events */
    TLSD_TCP_EV_SHED,     /* total_cap: let go of what is held for this flow; the flow's
                           * tlsd_tcp_hold count is 0 after the callback */
};

enum tlsd_tcp_close {
    TLSD_TCP_CLOSE_END = 1, /* tlsd_tcp_finish: end of the capture */
    TLSD_TCP_CLOSE_IDLE,    /* idle longer than idle_usec */
    TLSD_TCP_CLOSE_EVICTED, /* flow cap hit, this was the least recently used */
    TLSD_TCP_CLOSE_REUSED,  /* a new SYN on the same 5-tuple after FIN/RST */
};

struct tlsd_tcp_ev {
    enum tlsd_tcp_ev_kind kind;
    unsigned dir; /* 0: from addr[0], 1: from addr[1] */
    const uint8_t *data;
    size_t len;
    uint64_t frame; /* the frame that completed these bytes (or closed the flow) */
    int64_t ts_usec;
    enum tlsd_tcp_close close;
    uint8_t flags;             /* TLSD_TCP_EV_FLAGS: TLSD_TCP_FIN and/or TLSD_TCP_RST */
    enum tlsd_tcp_limit limit; /* GAP, SHED, CLOSE (EVICTED): the cap that caused it */
};

typedef void (*tlsd_tcp_cb)(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev);

struct tlsd_tcp_stats {
    uint64_t segments, flows, flows_idle, flows_evicted, flows_reused;
    uint64_t ooo_segments, retrans_segments, gaps, gap_bytes;
    uint64_t flow_cap_hits, total_cap_hits, flows_shed;
    size_t buffered, buffered_peak; /* out-of-order bytes held now / at most */
    size_t held, held_peak;         /* bytes the caller holds (tlsd_tcp_hold) now / at most */
    size_t active_flows;
};

struct tlsd_tcp;

/* cfg NULL (or fields 0) for the defaults. Returns NULL when out of memory. */
TLSD_CAP_WUR struct tlsd_tcp *tlsd_tcp_new(const struct tlsd_tcp_config *cfg, tlsd_tcp_cb cb,
                                           void *ctx);
/* Feeds one decoded TCP packet (others are ignored). Events for its flow, and for
 * flows that expired by its timestamp, are delivered from inside this call.
 * TLSD_CAPERR_NOMEM when a flow or segment could not be stored (counted as a gap). */
TLSD_CAP_WUR enum tlsd_caperr tlsd_tcp_packet(struct tlsd_tcp *t, const struct tlsd_pkt *pkt);
/* Ends every flow: pending data after gaps is delivered, then CLOSE (reason END). */
void tlsd_tcp_finish(struct tlsd_tcp *t);
/* The bytes the caller holds for flow now (its parsing state for the flow), counted with
 * the buffered segments against total_cap. Called from the event callback too; the cap is
 * enforced at the end of tlsd_tcp_packet, never inside a callback. */
void tlsd_tcp_hold(struct tlsd_tcp *t, struct tlsd_tcp_flow *flow, size_t bytes);
const struct tlsd_tcp_stats *tlsd_tcp_get_stats(const struct tlsd_tcp *t);
/* Frees everything; flows still open get no events (call tlsd_tcp_finish first). */
void tlsd_tcp_free(struct tlsd_tcp *t);

#ifdef __cplusplus
}
#endif

#endif
