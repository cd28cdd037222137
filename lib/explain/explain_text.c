/* The explain result as text, as `tlsdiag explain` shows it: for each match its title,
 * meaning, side, related entries and ranked causes (the first in full: why, checks with the
 * command, fixes, references), wrapped to a width with hanging indents. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/explain.h"
#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"
#include "tlsdiag/textout.h"

struct out {
    struct tlsd_strbuf *b;
    size_t width;
    bool color;
};

/* label then text, wrapped; continuation lines are indented to the end of the label. A
 * registry path with spaces in it stays on one line (tlsd_text_wrap). */
static void wrapped(struct out *o, const char *label, const char *text)
{
    struct tlsd_strbuf line = {0};
    tlsd_sb_printf(&line, "%s%s", label, text);
    if (line.s)
        tlsd_text_wrap(line.s, line.len, o->width, strlen(label), o->b);
    else
        o->b->failed = true;
    tlsd_sb_free(&line);
}

static const char *on(const struct out *o, const char *seq)
{
    return tlsd_style(seq, o->color);
}

static void cause_text(struct out *o, size_t rank, const struct tlsd_explain_cause *c, bool full)
{
    tlsd_sb_printf(o->b, "  %zu) %s%s%s: %s\n", rank, on(o, TLSD_SGR_BOLD), c->id,
                   on(o, TLSD_SGR_RESET), c->title);
    if (!full)
        return;
    wrapped(o, "     Why: ", c->why);
    for (size_t i = 0; i < c->n_checks; i++) {
        wrapped(o, "     Check: ", c->checks[i].what);
        tlsd_sb_printf(o->b, "            $ %s\n", c->checks[i].command);
    }
    for (size_t i = 0; i < c->n_fix_windows; i++)
        wrapped(o, "     Fix (Windows): ", c->fix_windows[i]);
    for (size_t i = 0; i < c->n_fix_other; i++)
        wrapped(o, "     Fix (elsewhere): ", c->fix_other[i]);
    wrapped(o, "     See: ", c->refs);
}

static void title_text(struct out *o, const struct tlsd_explain_match *m)
{
    const struct tlsd_explain_entry *e = m->entry;
    switch (e->kind) {
    case TLSD_EXPLAIN_ALERT:
        tlsd_sb_printf(o->b, "TLS alert %u %s", (unsigned)e->code, e->name);
        break;
    case TLSD_EXPLAIN_EVENT:
        tlsd_sb_printf(o->b, "Schannel event %u (%s)", (unsigned)e->code, e->level);
        if (m->alert >= 0) {
            const struct tlsd_alert *a = tlsd_alert_by_code(m->alert);
            tlsd_sb_printf(o->b, " with alert %d %s", m->alert, a ? a->name : "");
        }
        break;
    case TLSD_EXPLAIN_STATUS:
        tlsd_sb_printf(o->b, "%s 0x%08X (%d, %u)", e->name, (unsigned)e->code,
                       (int)(int32_t)e->code, (unsigned)e->code);
        break;
    case TLSD_EXPLAIN_MESSAGE:
        tlsd_sb_printf(o->b, "%s message %s", e->source, e->name);
        break;
    }
}

static void related_text(struct out *o, const struct tlsd_explain_entry *e)
{
    if (!e->n_related)
        return;
    struct tlsd_strbuf list = {0};
    for (size_t i = 0; i < e->n_related; i++)
        tlsd_sb_printf(&list, "%s%s", i ? " " : "", e->related[i]);
    wrapped(o, "  Related: ", list.s ? list.s : "");
    tlsd_sb_free(&list);
}

static void match_text(struct out *o, size_t rank, const struct tlsd_explain_match *m, bool full)
{
    const struct tlsd_explain_entry *e = m->entry;
    tlsd_sb_printf(o->b, "%s%zu. ", on(o, TLSD_SGR_BOLD_CYAN), rank);
    title_text(o, m);
    tlsd_sb_printf(o->b, "%s  [score %d, matched \"%s\"]\n", on(o, TLSD_SGR_RESET), m->score,
                   m->matched);
    wrapped(o, "  Meaning: ", e->meaning);
    tlsd_sb_printf(o->b, "  %s: %s\n", e->kind == TLSD_EXPLAIN_EVENT ? "Logged on" : "Raised by",
                   e->side);
    if (m->alert >= 0) {
        const struct tlsd_alert *a = tlsd_alert_by_code(m->alert);
        char label[32];
        snprintf(label, sizeof label, "  Alert %d: ", m->alert);
        if (a)
            wrapped(o, label, a->description);
    }
    related_text(o, e);
    tlsd_sb_puts(o->b, "  Likely causes, most likely first:\n");
    for (size_t i = 0; i < m->n_causes; i++)
        cause_text(o, i + 1, m->causes[i], full);
    if (full)
        wrapped(o, "  References: ", e->refs);
}

void tlsd_explain_text(const struct tlsd_explain_result *r, size_t shown, size_t width, bool color,
                       struct tlsd_strbuf *b)
{
    struct out o = {b, width, color};
    if (shown > r->n)
        shown = r->n;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            tlsd_sb_puts(b, "\n");
        match_text(&o, i + 1, &r->matches[i], i == 0);
    }
    if (r->n > shown)
        tlsd_sb_printf(b, "\n(%zu more candidates; --max 0 shows all)\n", r->n - shown);
}

void tlsd_explain_list_text(struct tlsd_strbuf *b)
{
    for (size_t i = 0; i < tlsd_explain_count(); i++) {
        const struct tlsd_explain_entry *e = tlsd_explain_at(i);
        tlsd_sb_printf(b, "%-44s %-34s %s\n", e->key, e->name, e->causes[0]->id);
    }
}
