/* analyze --events: each failed connection of a capture next to the Schannel events the
 * server logged in the same second or two, so the packet view and the server's own words
 * are read together (evtlog.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/analyze.h"
#include "tlsdiag/evtlog.h"
#include "tlsdiag/outcome.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"

#define PAIR_SLACK_US 2000000LL /* "the same second or two" */
#define US_PER_S      1e6

int tlsd_event_pairing_add(struct tlsd_event_pairing *p, const struct tlsd_conn *c)
{
    if (!tlsd_conn_outcome_failed(c->outcome))
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct tlsd_event_pair *nv = realloc(p->pairs, cap * sizeof *nv);
        if (!nv)
            return -1;
        p->pairs = nv;
        p->cap = cap;
    }
    struct tlsd_event_pair *pr = &p->pairs[p->n++];
    memset(pr, 0, sizeof *pr);
    pr->id = c->id;
    snprintf(pr->what, sizeof pr->what, "%s:%u -> %s:%u, %s", c->client, c->client_port, c->server,
             c->server_port, tlsd_conn_outcome_text(c->outcome));
    pr->first_us = c->first_ts;
    pr->n = tlsd_events_near(&p->log, c->first_ts, c->last_ts, p->offset_us, PAIR_SLACK_US, pr->idx,
                             TLSD_PAIR_MAX_EVENTS);
    return 0;
}

static void event_line(struct tlsd_strbuf *b, const struct tlsd_win_event *e)
{
    int alert = tlsd_event_alert(e);
    const struct tlsd_alert *a = alert >= 0 ? tlsd_alert_by_code(alert) : NULL;
    tlsd_sb_printf(b, "    %s  Schannel %u", e->time, (unsigned)e->id);
    if (a)
        tlsd_sb_printf(b, " alert %d %s", alert, a->name);
    const char *proto = tlsd_event_get(e, "Protocol"), *state = tlsd_event_get(e, "ErrorState");
    if (proto)
        tlsd_sb_printf(b, " %s", proto);
    if (state)
        tlsd_sb_printf(b, " (error state %s)", state);
    /* the command on a line of its own: a terminal's wrapping never splits it */
    tlsd_sb_printf(b, "\n      check: tlsdiag explain %u", (unsigned)e->id);
    if (alert >= 0)
        tlsd_sb_printf(b, " %d", alert);
    tlsd_sb_puts(b, "\n");
}

void tlsd_event_pairing_text(const struct tlsd_event_pairing *p, const char *file,
                             struct tlsd_strbuf *b)
{
    size_t matched = 0;
    tlsd_sb_printf(b,
                   "\nSchannel events of %s next to the failed connections (event clock %+.3f s "
                   "from the capture's, +-%lld s):\n",
                   file, (double)p->offset_us / US_PER_S, PAIR_SLACK_US / 1000000LL);
    for (size_t i = 0; i < p->n; i++) {
        const struct tlsd_event_pair *pr = &p->pairs[i];
        tlsd_sb_printf(b, "  stream %llu  %s\n", (unsigned long long)pr->id, pr->what);
        if (pr->n == 0)
            tlsd_sb_printf(b, "    no Schannel event within the window (check --clock-offset "
                              "and the EventLogging level)\n");
        for (size_t k = 0; k < pr->n; k++)
            event_line(b, &p->log.ev[pr->idx[k]]);
        matched += pr->n > 0;
    }
    tlsd_sb_printf(b,
                   "  %zu of %zu failed connection%s paired with events; %zu Schannel event%s in "
                   "the log\n",
                   matched, p->n, p->n == 1 ? "" : "s", p->log.n, p->log.n == 1 ? "" : "s");
}

void tlsd_event_pairing_free(struct tlsd_event_pairing *p)
{
    tlsd_event_log_free(&p->log);
    free(p->pairs);
    memset(p, 0, sizeof *p);
}
