/* analyze --events FILE [--clock-offset SECONDS]: each failed connection of the capture
 * next to the Schannel events the server logged in the same second or two, so the packet
 * view and the server's own words are read together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/registry.h"
#include "tool_analyze_events.h"

#define PAIR_SLACK_US 2000000LL /* "the same second or two" */
#define US_PER_S      1e6

int tool_events_pairing_open(struct tool_events_pairing *p, struct tool_conn_opts *o,
                             const char *file, double offset_s)
{
    enum tlsd_event_format fmt;
    char err[400];
    memset(p, 0, sizeof *p);
    p->o = o;
    p->offset_us = (int64_t)(offset_s * US_PER_S);
    if (tlsd_events_read_file(file, false, &p->log, &fmt, err, sizeof err) < 0) {
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
    if (p->o->printed == before || !tlsd_conn_outcome_failed(c->outcome))
        return; /* filtered out, or it worked */
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct tool_event_pair *nv = realloc(p->pairs, cap * sizeof *nv);
        if (!nv)
            return;
        p->pairs = nv;
        p->cap = cap;
    }
    struct tool_event_pair *pr = &p->pairs[p->n++];
    memset(pr, 0, sizeof *pr);
    pr->id = c->id;
    snprintf(pr->what, sizeof pr->what, "%s:%u -> %s:%u, %s", c->client, c->client_port, c->server,
             c->server_port, tlsd_conn_outcome_text(c->outcome));
    pr->first_us = c->first_ts;
    pr->n = tlsd_events_near(&p->log, c->first_ts, c->last_ts, p->offset_us, PAIR_SLACK_US, pr->idx,
                             TOOL_PAIR_MAX_EVENTS);
}

static void print_event_line(const struct tlsd_win_event *e)
{
    int alert = tlsd_event_alert(e);
    const struct tlsd_alert *a = alert >= 0 ? tlsd_alert_by_code(alert) : NULL;
    printf("    %s  Schannel %u", e->time, (unsigned)e->id);
    if (a)
        printf(" alert %d %s", alert, a->name);
    const char *proto = tlsd_event_get(e, "Protocol"), *state = tlsd_event_get(e, "ErrorState");
    if (proto)
        printf(" %s", proto);
    if (state)
        printf(" (error state %s)", state);
    printf("   check: tlsdiag explain %u%s", (unsigned)e->id, alert >= 0 ? "" : "\n");
    if (alert >= 0)
        printf(" %d\n", alert);
}

void tool_events_pairing_print(const struct tool_events_pairing *p, const char *file)
{
    size_t matched = 0;
    printf("\nSchannel events of %s next to the failed connections (event clock %+.3f s from "
           "the capture's, +-%lld s):\n",
           file, (double)p->offset_us / US_PER_S, PAIR_SLACK_US / 1000000LL);
    for (size_t i = 0; i < p->n; i++) {
        const struct tool_event_pair *pr = &p->pairs[i];
        printf("  stream %llu  %s\n", (unsigned long long)pr->id, pr->what);
        if (pr->n == 0)
            printf("    no Schannel event within the window (check --clock-offset and the "
                   "EventLogging level)\n");
        for (size_t k = 0; k < pr->n; k++)
            print_event_line(&p->log.ev[pr->idx[k]]);
        matched += pr->n > 0;
    }
    printf("  %zu of %zu failed connection%s paired with events; %zu Schannel event%s in the "
           "log\n",
           matched, p->n, p->n == 1 ? "" : "s", p->log.n, p->log.n == 1 ? "" : "s");
}

void tool_events_pairing_free(struct tool_events_pairing *p)
{
    tlsd_event_log_free(&p->log);
    free(p->pairs);
}
