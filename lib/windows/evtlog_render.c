/* A Windows event log's Schannel events as `tlsdiag events` shows them: each event with its
 * decoded data (alert and suite names), meaning, likely causes and the explain command that
 * checks them; a summary by event ID and by alert. Text and JSON; the caller prints. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/evtlog.h"
#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/suitelist.h"

#define MAX_CAUSES_SHOWN 3 /* per event in the text; JSON lists them all */

static const char *level_name(int level)
{
    static const char *const names[] = {"LogAlways", "Critical",    "Error",
                                        "Warning",   "Information", "Verbose"};
    return level >= 0 && (size_t)level < sizeof names / sizeof names[0] ? names[level] : "?";
}

/* A decoded value: alert name, suite name, or the value itself. */
static void decoded(const struct tlsd_win_event *e, const struct tlsd_event_data *d, char *out,
                    size_t len)
{
    enum tlsd_event_value_kind how = tlsd_event_field_kind(e->id, d->name);
    if (how == TLSD_EVENT_VALUE_ALERT) {
        char *end;
        errno = 0;
        long code = strtol(d->value, &end, 10);
        const struct tlsd_alert *a =
            end != d->value && !*end && !errno && code >= 0 && code <= UINT8_MAX
                ? tlsd_alert_by_code((int)code)
                : NULL;
        snprintf(out, len, "%s %s", d->value, a ? a->name : "(not a TLS alert code)");
    } else if (how == TLSD_EVENT_VALUE_SUITE) {
        uint32_t code;
        const struct tlsd_suite *s;
        if (tlsd_suite_resolve(d->value, strlen(d->value), &code, &s) == TLSD_TOKEN_OK && s)
            snprintf(out, len, "%s %s", d->value, s->iana_name);
        else
            snprintf(out, len, "%s", d->value);
    } else {
        snprintf(out, len, "%s", d->value);
    }
}

static const struct tlsd_explain_entry *entry_of(const struct tlsd_win_event *e, int alert)
{
    char key[32];
    snprintf(key, sizeof key, "event:%u", (unsigned)e->id);
    (void)alert;
    return tlsd_event_is_schannel(e) ? tlsd_explain_by_key(key) : NULL;
}

static void check_command(const struct tlsd_win_event *e, int alert, char *out, size_t len)
{
    if (alert >= 0)
        snprintf(out, len, "tlsdiag explain %u %d", (unsigned)e->id, alert);
    else
        snprintf(out, len, "tlsdiag explain %u", (unsigned)e->id);
}

/* The causes explain gives for the event (with its alert: "36888 40" ranks the alert's
 * causes); the entry's own list when the query finds nothing better. */
static const struct tlsd_explain_cause *const *causes_of(const struct tlsd_win_event *e, int alert,
                                                         const struct tlsd_explain_entry *x,
                                                         struct tlsd_explain_result *r, size_t *n)
{
    char q[32];
    check_command(e, alert, q, sizeof q);
    const char *args = q + strlen("tlsdiag explain ");
    *n = x->n_causes;
    if (tlsd_explain_query(args, strlen(args), r) == 0 && r->n > 0 && r->matches[0].entry == x &&
        r->matches[0].n_causes > 0) {
        *n = r->matches[0].n_causes;
        return r->matches[0].causes;
    }
    return x->causes;
}

static void event_text(const struct tlsd_win_event *e, struct tlsd_strbuf *b)
{
    tlsd_sb_printf(b, "%s  %s %u  %s", e->time[0] ? e->time : "(no time)", e->provider,
                   (unsigned)e->id, level_name(e->level));
    if (e->record_id || e->computer[0])
        tlsd_sb_printf(b, "  (record %llu%s%s)", (unsigned long long)e->record_id,
                       e->computer[0] ? ", " : "", e->computer);
    tlsd_sb_puts(b, "\n");
    for (size_t i = 0; i < e->n_data; i++) {
        char v[320];
        decoded(e, &e->data[i], v, sizeof v);
        tlsd_sb_printf(b, "    %-24s %s\n", e->data[i].name, v);
    }
    int alert = tlsd_event_alert(e);
    const struct tlsd_explain_entry *x = entry_of(e, alert);
    if (!x)
        return;
    tlsd_sb_printf(b, "    meaning: %s\n", x->meaning);
    if (alert >= 0) {
        char key[32];
        snprintf(key, sizeof key, "alert:%d", alert);
        const struct tlsd_explain_entry *a = tlsd_explain_by_key(key);
        if (a)
            tlsd_sb_printf(b, "    alert %d: %s\n", alert, a->meaning);
    }
    struct tlsd_explain_result r = {0};
    size_t n;
    const struct tlsd_explain_cause *const *causes = causes_of(e, alert, x, &r, &n);
    for (size_t i = 0; i < n && i < MAX_CAUSES_SHOWN; i++) {
        const struct tlsd_explain_cause *c = causes[i];
        tlsd_sb_printf(b, "    cause %zu: %s\n", i + 1, c->title);
        if (c->n_checks > 0 && c->checks[0].command)
            tlsd_sb_printf(b, "      check: %s  (%s)\n", c->checks[0].command, c->checks[0].what);
    }
    tlsd_explain_result_free(&r);
    char cmd[64];
    check_command(e, alert, cmd, sizeof cmd);
    tlsd_sb_printf(b, "    check: %s\n", cmd);
}

static json_t *event_json(const struct tlsd_win_event *e, bool explain)
{
    json_t *data = json_object();
    for (size_t i = 0; i < e->n_data; i++)
        json_object_set_new(data, e->data[i].name, json_string(e->data[i].value));
    json_t *j = json_pack("{s:I, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:o}", "record_id",
                          (json_int_t)e->record_id, "time", e->time, "id", (int)e->id, "provider",
                          e->provider, "source", e->source, "level", e->level, "level_name",
                          level_name(e->level), "computer", e->computer, "data", data);
    int alert = tlsd_event_alert(e);
    const struct tlsd_explain_entry *x = explain ? entry_of(e, alert) : NULL;
    if (alert >= 0) {
        const struct tlsd_alert *a = tlsd_alert_by_code(alert);
        json_object_set_new(j, "alert",
                            json_pack("{s:i, s:s?}", "code", alert, "name", a ? a->name : NULL));
    }
    if (x) {
        json_t *causes = json_array();
        struct tlsd_explain_result r = {0};
        size_t n;
        const struct tlsd_explain_cause *const *cs = causes_of(e, alert, x, &r, &n);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(causes, json_string(cs[i]->id));
        tlsd_explain_result_free(&r);
        char cmd[64];
        check_command(e, alert, cmd, sizeof cmd);
        json_object_set_new(j, "meaning", json_string(x->meaning));
        json_object_set_new(j, "causes", causes);
        json_object_set_new(j, "check", json_string(cmd));
    }
    return j;
}

static json_t *groups_json(const struct tlsd_event_log *log, bool by_alert)
{
    struct tlsd_event_group *g = NULL;
    size_t n = tlsd_events_summarize(log, by_alert, &g);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_alert *a = by_alert ? tlsd_alert_by_code(g[i].alert) : NULL;
        json_t *o = json_pack("{s:I, s:s, s:s}", "count", (json_int_t)g[i].count, "first",
                              g[i].first, "last", g[i].last);
        if (by_alert) {
            json_object_set_new(o, "alert", json_integer(g[i].alert));
            json_object_set_new(o, "name", a ? json_string(a->name) : json_null());
        } else {
            json_object_set_new(o, "id", json_integer(g[i].id));
        }
        json_array_append_new(arr, o);
    }
    free(g);
    return arr;
}

static void groups_text(const struct tlsd_event_log *log, bool by_alert, struct tlsd_strbuf *b)
{
    struct tlsd_event_group *g = NULL;
    size_t n = tlsd_events_summarize(log, by_alert, &g);
    tlsd_sb_printf(b, "  by %s:%s\n", by_alert ? "alert" : "event", n ? "" : " none");
    for (size_t i = 0; i < n; i++) {
        const struct tlsd_alert *a = by_alert ? tlsd_alert_by_code(g[i].alert) : NULL;
        if (by_alert)
            tlsd_sb_printf(b, "    alert %d %-28s", g[i].alert, a ? a->name : "?");
        else
            tlsd_sb_printf(b, "    event %-5u %-26s", (unsigned)g[i].id, "");
        tlsd_sb_printf(b, " x%-5zu first %s  last %s\n", g[i].count, g[i].first, g[i].last);
    }
    free(g);
}

json_t *tlsd_events_to_json(const struct tlsd_event_log *log, const struct tlsd_event_file *files,
                            size_t nf, bool all)
{
    json_t *fa = json_array(), *ev = json_array();
    for (size_t i = 0; i < nf; i++)
        json_array_append_new(fa, json_pack("{s:s, s:s, s:I, s:I, s:s?}", "file", files[i].path,
                                            "format", tlsd_event_format_name(files[i].fmt),
                                            "records", (json_int_t)files[i].records, "events",
                                            (json_int_t)files[i].kept, "error",
                                            files[i].err[0] ? files[i].err : NULL));
    for (size_t i = 0; i < log->n; i++)
        json_array_append_new(ev, event_json(&log->ev[i], !all));
    return json_pack("{s:o, s:o, s:{s:o, s:o}}", "files", fa, "events", ev, "summary", "by_event",
                     groups_json(log, false), "by_alert", groups_json(log, true));
}

void tlsd_events_text(const struct tlsd_event_log *log, const struct tlsd_event_file *files,
                      size_t nf, bool all, struct tlsd_strbuf *b)
{
    for (size_t i = 0; i < nf; i++)
        if (!files[i].err[0])
            tlsd_sb_printf(b, "%s: %s, %zu records, %zu %s\n", files[i].path,
                           tlsd_event_format_name(files[i].fmt), files[i].records, files[i].kept,
                           all ? "listed" : "Schannel events");
    for (size_t i = 0; i < log->n; i++) {
        tlsd_sb_puts(b, "\n");
        event_text(&log->ev[i], b);
    }
    tlsd_sb_printf(b, "\nSummary: %zu event%s\n", log->n, log->n == 1 ? "" : "s");
    groups_text(log, false, b);
    groups_text(log, true, b);
}
