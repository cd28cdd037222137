/* analyze --events: failed connections paired with the server's Schannel events. */
#ifndef TLSDIAG_TOOL_ANALYZE_EVENTS_H
#define TLSDIAG_TOOL_ANALYZE_EVENTS_H

#include "tlsdiag/evtlog.h"
#include "tool_analyze.h"

#define TOOL_PAIR_MAX_EVENTS 8

struct tool_event_pair {
    uint64_t id;
    char what[200];
    int64_t first_us;
    size_t idx[TOOL_PAIR_MAX_EVENTS];
    size_t n;
};

struct tool_events_pairing {
    struct tool_conn_opts *o;
    struct tlsd_event_log log;
    int64_t offset_us; /* the event log's clock minus the capture's */
    struct tool_event_pair *pairs;
    size_t n, cap;
};

/* Reads the event log FILE (any form 'tlsdiag events' reads); -1 with a message. */
int tool_events_pairing_open(struct tool_events_pairing *p, struct tool_conn_opts *o,
                             const char *file, double offset_s);
/* The analyzer's callback: prints through tool_conn_print, then pairs a failed connection. */
void tool_events_pairing_conn(void *ctx, const struct tlsd_conn *c);
/* The text section after the connections. */
void tool_events_pairing_print(const struct tool_events_pairing *p, const char *file);
void tool_events_pairing_free(struct tool_events_pairing *p);

#endif
