/* analyze --events FILE [--clock-offset SECONDS]: the pairing is the library's
 * (tlsd_event_pairing, evtlog.h); here the log is read and each connection printed. */
#include <stdio.h>
#include <string.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/strbuf.h"
#include "tool_analyze_events.h"

#define US_PER_S 1e6

int tool_events_pairing_open(struct tool_events_pairing *p, struct tool_conn_opts *o,
                             const char *file, double offset_s)
{
    enum tlsd_event_format fmt;
    char err[400];
    memset(p, 0, sizeof *p);
    p->o = o;
    p->pairing.offset_us = (int64_t)(offset_s * US_PER_S);
    if (tlsd_events_read_file(file, false, &p->pairing.log, &fmt, err, sizeof err) < 0) {
        tool_err("analyze", "--events %s", err);
        return -1;
    }
    return 0;
}

void tool_events_pairing_conn(void *ctx, const struct tlsd_conn *c)
{
    struct tool_events_pairing *p = ctx;
    uint64_t before = p->o->printed;
    tool_conn_print(p->o, c);
    if (p->o->printed != before)                      /* not filtered out */
        (void)tlsd_event_pairing_add(&p->pairing, c); /* out of memory: that pair is lost */
}

void tool_events_pairing_print(const struct tool_events_pairing *p, const char *file)
{
    struct tlsd_strbuf b = {0};
    tlsd_event_pairing_text(&p->pairing, file, &b);
    tool_print_sb(&b);
}

void tool_events_pairing_free(struct tool_events_pairing *p)
{
    tlsd_event_pairing_free(&p->pairing);
}
