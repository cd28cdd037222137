/* analyze --events: failed connections paired with the server's Schannel events. */
#ifndef TLSDIAG_TOOL_ANALYZE_EVENTS_H
#define TLSDIAG_TOOL_ANALYZE_EVENTS_H

#include "tlsdiag/evtlog.h"
#include "tool_analyze.h"

struct tool_events_pairing {
    struct tool_conn_opts *o;
    struct tlsd_event_pairing pairing;
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
