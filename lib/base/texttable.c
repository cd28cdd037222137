/* Tables fitted to a terminal's width (textout.h). */
#include "tlsdiag/textout.h"

#include <stdlib.h>
#include <string.h>

#include "tlsdiag/strbuf.h"

void tlsd_table_row(struct tlsd_table *t, const char *const *cells)
{
    if (t->n_rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **c = realloc(t->cells, cap * t->n_cols * sizeof *c);
        if (!c) {
            t->failed = true;
            return;
        }
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->n_rows * t->n_cols;
    for (size_t i = 0; i < t->n_cols; i++)
        if (!(row[i] = strdup(cells[i] ? cells[i] : ""))) {
            while (i > 0)
                free(row[--i]);
            t->failed = true;
            return;
        }
    t->n_rows++;
}

/* Which columns fit in width (shown[i]), given each column's width. */
static void table_fit(const struct tlsd_table *t, const size_t *w, size_t width, bool *shown)
{
    size_t used = t->indent;
    for (size_t k = 0; k < t->n_cols; k++) {
        size_t c = t->keep[k], need = w[c] + (k ? 2 : 0);
        shown[c] = k == 0 || used + need <= width;
        if (shown[c])
            used += need;
    }
}

static void table_line(const struct tlsd_table *t, const char *const *cells, const size_t *w,
                       const bool *shown, struct tlsd_strbuf *out)
{
    size_t last = 0; /* no padding after the last cell with text */
    for (size_t i = 0; i < t->n_cols; i++)
        if (shown[i] && cells[i][0])
            last = i;
    tlsd_sb_printf(out, "%*s", (int)t->indent, "");
    bool first = true;
    for (size_t i = 0; i <= last; i++) {
        if (!shown[i])
            continue;
        size_t pad = i == last ? 0 : w[i] - tlsd_text_columns(cells[i], strlen(cells[i]));
        tlsd_sb_printf(out, "%s%s%*s", first ? "" : "  ", cells[i], (int)pad, "");
        first = false;
    }
    tlsd_sb_putn(out, "\n", 1);
}

void tlsd_table_render(struct tlsd_table *t, size_t width, struct tlsd_strbuf *out)
{
    size_t *w = calloc(t->n_cols, sizeof *w);
    bool *shown = calloc(t->n_cols, sizeof *shown);
    for (size_t i = 0; w && shown && i < t->n_cols; i++) {
        w[i] = t->heads ? strlen(t->heads[i]) : 0;
        for (size_t r = 0; r < t->n_rows; r++) {
            const char *c = t->cells[r * t->n_cols + i];
            size_t cw = tlsd_text_columns(c, strlen(c));
            w[i] = cw > w[i] ? cw : w[i];
        }
    }
    if (w && shown) {
        table_fit(t, w, width, shown);
        if (t->heads)
            table_line(t, t->heads, w, shown, out);
        for (size_t r = 0; r < t->n_rows; r++)
            table_line(t, (const char *const *)t->cells + r * t->n_cols, w, shown, out);
    }
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->n_rows = t->cap = 0;
    free(w);
    free(shown);
}
