/* The event record and the event log every reader fills (Event XML and .evtx in
 * evtlog.c, the PowerShell exports in evtlog_ps.c): fields, times, the Schannel event
 * tables, and the summaries. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "platform.h"

#include "windows/evtlog_internal.h"
#include "windows/winreg_internal.h"

const char *tlsd_event_format_name(enum tlsd_event_format f)
{
    static const char *const names[] = {"evtx", "xml", "csv", "json"};
    return (size_t)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

bool tlsd_event_is_schannel(const struct tlsd_win_event *e)
{
    return strcasecmp(e->provider, TLSD_SCHANNEL_PROVIDER) == 0 ||
           strcasecmp(e->provider, TLSD_SCHANNEL_PROVIDER_GUID) == 0;
}

const char *tlsd_event_get(const struct tlsd_win_event *e, const char *name)
{
    for (size_t i = 0; i < e->n_data; i++)
        if (strcasecmp(e->data[i].name, name) == 0)
            return e->data[i].value;
    return NULL;
}

const struct tlsd_schannel_event_fields *tlsd_event_fields_of(uint32_t id)
{
    for (size_t i = 0; i < tlsd_schannel_event_fields_n_; i++)
        if (tlsd_schannel_event_fields_[i].id == id)
            return &tlsd_schannel_event_fields_[i];
    return NULL;
}

/* The n-th entry of a comma list into out. */
bool tlsd_event_list_item(const char *list, size_t n, char *out, size_t len)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (n-- == 0) {
            snprintf(out, len, "%.*s", (int)l, p);
            return true;
        }
        p += l + (e ? 1 : 0);
    }
    return false;
}

enum tlsd_event_value_kind tlsd_event_field_kind(uint32_t id, const char *field)
{
    const struct tlsd_schannel_event_fields *f = tlsd_event_fields_of(id);
    char name[48];
    for (size_t i = 0;
         f && i < f->n_decode && tlsd_event_list_item(f->fields, i, name, sizeof name); i++)
        if (strcasecmp(name, field) == 0)
            return f->decode[i];
    return TLSD_EVENT_VALUE_PLAIN;
}

void tlsd_event_add_data(struct tlsd_win_event *e, const char *name, const char *value, size_t vlen)
{
    if (e->n_data == TLSD_EVENT_MAX_DATA)
        return;
    struct tlsd_event_data *d = &e->data[e->n_data++];
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->value, sizeof d->value, "%.*s", (int)vlen, value);
}

int64_t tlsd_event_parse_time(const char *s)
{
    struct tm tm = {0};
    int frac_digits = 0;
    long long frac = 0;
    const char *p = tlsd_strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return TLSD_EVENT_NO_TIME;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            if (frac_digits < 6) {
                frac = frac * 10 + (*p - '0');
                frac_digits++;
            }
    while (frac_digits > 0 && frac_digits < 6) {
        frac *= 10;
        frac_digits++;
    }
    return (int64_t)tlsd_timegm(&tm) * TLSD_EVENT_US_PER_S + frac;
}

int tlsd_event_log_push(struct tlsd_event_log *log, const struct tlsd_win_event *e, bool all)
{
    log->n_records++;
    if (!all && !tlsd_event_is_schannel(e))
        return 0;
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 64;
        struct tlsd_win_event *nv = realloc(log->ev, cap * sizeof *nv);
        if (!nv)
            return -1;
        log->ev = nv;
        log->cap = cap;
    }
    log->ev[log->n++] = *e;
    return 0;
}

void tlsd_event_log_free(struct tlsd_event_log *log)
{
    free(log->ev);
    *log = (struct tlsd_event_log){0};
}

void tlsd_event_init(struct tlsd_win_event *e)
{
    memset(e, 0, sizeof *e);
    e->time_us = TLSD_EVENT_NO_TIME;
}

/* ---- summary --------------------------------------------------------------------- */

int tlsd_event_alert(const struct tlsd_win_event *e)
{
    char field[48];
    const struct tlsd_schannel_event_fields *f = tlsd_event_fields_of(e->id);
    for (size_t i = 0; f && tlsd_event_list_item(f->fields, i, field, sizeof field); i++) {
        const char *v = tlsd_event_get(e, field);
        if (v && tlsd_event_field_kind(e->id, field) == TLSD_EVENT_VALUE_ALERT &&
            isdigit((unsigned char)v[0]))
            return atoi(v);
    }
    return -1;
}

static void group_add(struct tlsd_event_group *g, const struct tlsd_win_event *e)
{
    if (g->count++ == 0 || (e->time_us != TLSD_EVENT_NO_TIME && e->time_us < g->first_us)) {
        g->first_us = e->time_us;
        snprintf(g->first, sizeof g->first, "%s", e->time);
    }
    if (g->count == 1 || (e->time_us != TLSD_EVENT_NO_TIME && e->time_us > g->last_us)) {
        g->last_us = e->time_us;
        snprintf(g->last, sizeof g->last, "%s", e->time);
    }
}

size_t tlsd_events_summarize(const struct tlsd_event_log *log, bool by_alert,
                             struct tlsd_event_group **out)
{
    struct tlsd_event_group *g = calloc(log->n + 1, sizeof *g);
    size_t n = 0;
    for (size_t i = 0; g && i < log->n; i++) {
        const struct tlsd_win_event *e = &log->ev[i];
        int alert = tlsd_event_alert(e);
        if (by_alert && alert < 0)
            continue;
        size_t k = 0;
        while (k < n && !(by_alert ? g[k].alert == alert : g[k].id == e->id))
            k++;
        if (k == n) {
            g[n].id = by_alert ? 0 : e->id;
            g[n].alert = by_alert ? alert : -1;
            n++;
        }
        group_add(&g[k], e);
    }
    *out = g;
    return g ? n : 0;
}

size_t tlsd_events_near(const struct tlsd_event_log *log, int64_t from_us, int64_t to_us,
                        int64_t offset_us, int64_t slack_us, size_t *idx, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < log->n && n < max; i++) {
        int64_t t = log->ev[i].time_us;
        if (t == TLSD_EVENT_NO_TIME)
            continue;
        t -= offset_us; /* on the capture's clock */
        if (t >= from_us - slack_us && t <= to_us + slack_us)
            idx[n++] = i;
    }
    return n;
}
