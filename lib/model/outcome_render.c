/* The model's outcome and the fixes for one side, as text and as JSON: what `match`,
 * `serve` and `connect` show for a client and a server. Renderers only: the caller prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/fixes.h"
#include "tlsdiag/json.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"

void tlsd_outcome_text(const struct tlsd_outcome *o, struct tlsd_strbuf *b)
{
    if (o->ok) {
        tlsd_sb_printf(b, "Result: handshake succeeds: %s, %s (0x%04X)",
                       tlsd_version_code_name(o->version), tlsd_suite_code_name(o->suite),
                       (unsigned)o->suite);
        if (o->group)
            tlsd_sb_printf(b, ", group %s%s", tlsd_group_code_name(o->group),
                           o->hrr ? " after HelloRetryRequest" : "");
        tlsd_sb_puts(b, "\n");
        return;
    }
    tlsd_sb_printf(b, "Result: handshake fails: %s\n  %s\n", tlsd_fail_class_text(o->fail),
                   o->detail);
    if (o->reset)
        tlsd_sb_printf(
            b, "  The server closes the connection without an alert (the client sees a reset, "
               "WSAECONNRESET 10054).\n");
    else if (o->alert >= 0)
        tlsd_sb_printf(b, "  The %s sends alert %d (%s).\n",
                       o->alert_from_client ? "client" : "server", o->alert,
                       tlsd_alert_code_name(o->alert));
    for (size_t i = 0; i < o->n_events; i++) {
        tlsd_sb_printf(b, "  Schannel event %d on the server", o->events[i]);
        if (o->event_alert[i] >= 0)
            tlsd_sb_printf(b, " (alert %d, %s)", o->event_alert[i],
                           tlsd_alert_code_name(o->event_alert[i]));
        tlsd_sb_puts(b, "\n");
    }
}

/* "     what: text", a text of several lines (two reg commands) with each line under the
 * first, so that the terminal's wrapping keeps them apart from the next step. */
static void step_text(struct tlsd_strbuf *b, const char *what, const char *text)
{
    int col = 5 + (int)strlen(what) + 2;
    tlsd_sb_printf(b, "     %s: ", what);
    for (const char *p = text;;) {
        const char *nl = strchr(p, '\n');
        tlsd_sb_printf(b, "%.*s\n", (int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
        if (!nl || !nl[1])
            break;
        p = nl + 1;
        tlsd_sb_printf(b, "%*s", col, "");
    }
}

int tlsd_fixes_text(const struct tlsd_profile *c, const struct tlsd_profile *s, enum tlsd_side side,
                    size_t max, struct tlsd_strbuf *b)
{
    struct tlsd_fix_list l;
    if (tlsd_find_fixes(c, s, side, max, &l) < 0)
        return -1;
    tlsd_sb_printf(b, "\nFixes on the %s (%s):\n", tlsd_side_name(side),
                   side == TLSD_SIDE_SERVER ? s->name : c->name);
    if (l.n == 0)
        tlsd_sb_printf(
            b,
            "  none found by adding up to %d versions, suites, groups, signature schemes or "
            "certificates\n",
            TLSD_FIX_MAX_CHANGES);
    if (l.n == 0 && l.versions_impossible) {
        const struct tlsd_profile *self = side == TLSD_SIDE_SERVER ? s : c;
        tlsd_sb_printf(b, "  Schannel on %s cannot run", self->windows);
        for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
            if (l.versions_impossible & bit)
                tlsd_sb_printf(b, " %s", tlsd_version_code_name(tlsd_version_of_bit(bit)));
        tlsd_sb_puts(b, ", whatever its registry says: only a newer Windows release can\n");
    }
    if (l.only_insecure)
        tlsd_sb_printf(
            b,
            "  No secure fix exists (none within %d changes): every change below gives a weak "
            "or insecure connection.\n",
            TLSD_FIX_MAX_CHANGES);
    for (size_t i = 0; i < l.n; i++) {
        char sum[300], risk[300];
        struct tlsd_fix_steps st;
        tlsd_fix_summary(&l.fixes[i], sum, sizeof sum);
        tlsd_fix_risk(&l.fixes[i], risk, sizeof risk);
        tlsd_sb_printf(b, "  %zu. %s%s -> %s %s, class %s\n", i + 1,
                       l.fixes[i].stopgap ? "stopgap (weaker): " : "", sum,
                       tlsd_version_code_name(l.fixes[i].after.version),
                       tlsd_suite_code_name(l.fixes[i].after.suite),
                       tlsd_class_name(l.fixes[i].cls));
        if (risk[0])
            tlsd_sb_printf(b, "     risk: %s\n", risk);
        if (tlsd_fix_render(&l.fixes[i], side == TLSD_SIDE_SERVER ? s : c, &st) < 0) {
            tlsd_fix_list_free(&l);
            return -1;
        }
        for (size_t k = 0; k < st.n; k++)
            step_text(b, st.v[k].what, st.v[k].text);
        for (size_t k = 0; k < st.n_notes; k++)
            tlsd_sb_printf(b, "     note: %s\n", st.notes[k]);
        tlsd_fix_steps_free(&st);
    }
    tlsd_fix_list_free(&l);
    return b->failed ? -1 : 0;
}

void tlsd_json_add_choice(json_t *j, uint16_t version, uint32_t suite, uint16_t group)
{
    if (version)
        json_object_set_new(j, "version", json_string(tlsd_version_code_name(version)));
    if (suite) {
        char hex[12];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)suite);
        json_object_set_new(j, "suite", json_string(tlsd_suite_code_name(suite)));
        json_object_set_new(j, "suite_code", json_string(hex));
    }
    if (group) {
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04X", (unsigned)group);
        json_object_set_new(j, "group", json_string(tlsd_group_code_name(group)));
        json_object_set_new(j, "group_code", json_string(hex));
    }
}

json_t *tlsd_alert_to_json(int code, bool by_client)
{
    return json_pack("{s:i, s:s, s:s}", "code", code, "name", tlsd_alert_code_name(code), "sent_by",
                     by_client ? "client" : "server");
}

json_t *tlsd_outcome_to_json(const struct tlsd_outcome *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "ok", json_boolean(o->ok));
    /* A client that refuses the server's choice refuses what the server chose. */
    bool chose = o->ok || o->fail == TLSD_FAIL_CLIENT_REFUSES;
    tlsd_json_add_choice(j, o->version, chose ? o->suite : 0, chose ? o->group : 0);
    if (o->ok) {
        json_object_set_new(j, "hello_retry_request", json_boolean(o->hrr));
        return j;
    }
    json_object_set_new(j, "failure", json_string(tlsd_fail_class_name(o->fail)));
    json_object_set_new(j, "detail", json_string(o->detail));
    json_object_set_new(j, "reset", json_boolean(o->reset));
    if (o->alert >= 0)
        json_object_set_new(j, "alert", tlsd_alert_to_json(o->alert, o->alert_from_client));
    json_t *ev = json_array();
    for (size_t i = 0; i < o->n_events; i++) {
        json_t *e = json_pack("{s:i}", "id", o->events[i]);
        if (o->event_alert[i] >= 0)
            json_object_set_new(e, "alert", json_integer(o->event_alert[i]));
        json_array_append_new(ev, e);
    }
    json_object_set_new(j, "schannel_events", ev);
    return j;
}

json_t *tlsd_fixes_to_json(const struct tlsd_profile *c, const struct tlsd_profile *s,
                           enum tlsd_side side, size_t max)
{
    struct tlsd_fix_list l;
    if (tlsd_find_fixes(c, s, side, max, &l) < 0)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < l.n; i++) {
        char sum[300], risk[300];
        struct tlsd_fix_steps st;
        tlsd_fix_summary(&l.fixes[i], sum, sizeof sum);
        tlsd_fix_risk(&l.fixes[i], risk, sizeof risk);
        json_t *f = json_pack("{s:s, s:i, s:s, s:b, s:o}", "change", sum, "changes",
                              (int)l.fixes[i].n_changes, "class", tlsd_class_name(l.fixes[i].cls),
                              "stopgap", l.fixes[i].stopgap, "result",
                              tlsd_outcome_to_json(&l.fixes[i].after));
        if (risk[0])
            json_object_set_new(f, "risk", json_string(risk));
        if (l.fixes[i].dotnet)
            json_object_set_new(f, "dotnet_fix",
                                json_string(tlsd_dotnet_fix_name(l.fixes[i].dotnet)));
        /* The side with the fix, in the profile format: 'tlsdiag connect --as' or
         * 'tlsdiag serve --profile' can try it. */
        struct tlsd_profile after = side == TLSD_SIDE_SERVER ? *s : *c;
        tlsd_fix_apply(&l.fixes[i], &after);
        char *text = tlsd_profile_format(&after);
        if (text)
            json_object_set_new(f, "profile_after", json_string(text));
        free(text);
        json_t *steps = json_array(), *notes = json_array();
        if (tlsd_fix_render(&l.fixes[i], side == TLSD_SIDE_SERVER ? s : c, &st) == 0) {
            for (size_t k = 0; k < st.n; k++)
                json_array_append_new(
                    steps, json_pack("{s:s, s:s}", "for", st.v[k].what, "text", st.v[k].text));
            for (size_t k = 0; k < st.n_notes; k++)
                json_array_append_new(notes, json_string(st.notes[k]));
            tlsd_fix_steps_free(&st);
        }
        json_object_set_new(f, "steps", steps);
        json_object_set_new(f, "notes", notes);
        json_array_append_new(arr, f);
    }
    json_t *j = json_pack("{s:o, s:b}", "fixes", arr, "only_insecure", l.only_insecure);
    if (l.versions_impossible) {
        json_t *v = json_array();
        for (unsigned bit = TLSD_V_SSL3; bit <= TLSD_V_TLS13; bit <<= 1)
            if (l.versions_impossible & bit)
                json_array_append_new(
                    v, json_string(tlsd_version_code_name(tlsd_version_of_bit(bit))));
        json_object_set_new(j, "versions_impossible", v);
    }
    tlsd_fix_list_free(&l);
    return j;
}
