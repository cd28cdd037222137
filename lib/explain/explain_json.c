/* The explain knowledge base and match results as JSON (the CLI prints them). */
#include <stdio.h>

#include "tlsdiag/explain.h"
#include "tlsdiag/json.h"

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *tlsd_explain_cause_to_json(const struct tlsd_explain_cause *c)
{
    json_t *checks = json_array();
    for (size_t i = 0; checks && i < c->n_checks; i++)
        json_array_append_new(checks, json_pack("{s:s, s:s}", "what", c->checks[i].what, "command",
                                                c->checks[i].command));
    return json_pack("{s:s, s:s, s:s, s:o*, s:o*, s:o*, s:s}", "id", c->id, "title", c->title,
                     "why", c->why, "checks", checks, "fix_windows",
                     str_array(c->fix_windows, c->n_fix_windows), "fix_other",
                     str_array(c->fix_other, c->n_fix_other), "refs", c->refs);
}

static json_t *causes_json(const struct tlsd_explain_cause *const *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, tlsd_explain_cause_to_json(c[i]));
    return a;
}

/* The code in the spellings people paste: hex, unsigned and signed decimal. */
static json_t *status_codes(uint32_t code)
{
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08X", (unsigned)code);
    return json_pack("{s:s, s:I, s:I}", "hex", hex, "unsigned", (json_int_t)code, "signed",
                     (json_int_t)(int32_t)code);
}

static json_t *entry_json(const struct tlsd_explain_entry *e,
                          const struct tlsd_explain_cause *const *c, size_t n_causes)
{
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o*, s:o*, s:s}", "key", e->key, "kind",
                  tlsd_explain_kind_name(e->kind), "name", e->name, "source", e->source, "side",
                  e->side, "meaning", e->meaning, "causes", causes_json(c, n_causes), "related",
                  str_array(e->related, e->n_related), "refs", e->refs);
    if (!j)
        return NULL;
    if (e->kind == TLSD_EXPLAIN_STATUS)
        json_object_set_new(j, "code", status_codes(e->code));
    else if (e->kind != TLSD_EXPLAIN_MESSAGE)
        json_object_set_new(j, "code", json_integer(e->code));
    if (e->level)
        json_object_set_new(j, "level", json_string(e->level));
    if (e->kind == TLSD_EXPLAIN_EVENT)
        json_object_set_new(j, "carries_alert", json_boolean(e->carries_alert));
    return j;
}

json_t *tlsd_explain_entry_to_json(const struct tlsd_explain_entry *e)
{
    return entry_json(e, e->causes, e->n_causes);
}

json_t *tlsd_explain_result_to_json(const struct tlsd_explain_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->n; i++) {
        const struct tlsd_explain_match *m = &r->matches[i];
        json_t *j = entry_json(m->entry, m->causes, m->n_causes);
        if (!j)
            continue;
        json_object_set_new(j, "score", json_integer(m->score));
        json_object_set_new(j, "matched", json_string(m->matched));
        if (m->alert >= 0)
            json_object_set_new(j, "alert", json_integer(m->alert));
        json_array_append_new(a, j);
    }
    return json_pack("{s:I, s:o*}", "count", (json_int_t)r->n, "matches", a);
}
