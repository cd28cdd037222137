/* The frame every HTML report shares: document head, the one style sheet, the script,
 * escaping of peer text and the class labels. */
#include <stdio.h>
#include <string.h>

#include "report/report_html_internal.h"
#include "tlsdiag/analyze.h"
#include "tlsdiag/textout.h"

/* Colours by security class (k0 unknown .. k4 recommended) and by outcome (o-NAME, the
 * outcome's JSON name; "ok"/"fail" for predictions). Each coloured element also carries
 * its meaning as text. In print the colours stay (print-color-adjust) and the filter
 * controls go. */
static const char style[] =
    "<style>\n"
    ":root{color-scheme:light}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1em 2em;"
    "color:#111;background:#fff}\n"
    "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em}"
    "h3{font-size:1.05em;margin:.9em 0 .3em}\n"
    "table{border-collapse:collapse;margin:.3em 0}\n"
    "th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#eee}\n"
    "code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
    ".note{background:#fff7d6;border:1px solid #c9a800;padding:.4em .7em;margin:.6em 0}\n"
    ".lbl{display:inline-block;border:1px solid #555;border-radius:3px;padding:0 4px;"
    "font-size:.85em;margin:1px 2px}\n"
    ".k0{background:#e4e4e4}.k1{background:#f3a6a6}.k2{background:#ffd38a}"
    ".k3{background:#cbe8cd}.k4{background:#8ed49b}\n"
    ".ok{background:#8ed49b}.fail{background:#f3a6a6}\n"
    ".chips{display:flex;flex-wrap:wrap;gap:2px;margin:.2em 0}\n"
    ".chip{border:1px solid #777;border-radius:3px;padding:0 4px;font-size:.88em}\n"
    ".chip i{font-style:normal;font-size:.85em;color:#333}\n"
    ".card{border:2px solid #666;border-radius:6px;padding:.5em 1em;margin:1em 0;"
    "break-inside:avoid}\n"
    ".card>h2{margin-top:.2em}\n"
    "details>summary{cursor:pointer}\n"
    "table.matrix td{min-width:9em}table.matrix thead th{position:sticky;top:0}\n"
    "table.matrix details>div{margin-top:.3em;padding:.3em;background:#fff;"
    "border:1px solid #555;max-width:36em}\n"
    "details.conn{border-bottom:1px solid #ccc;padding:1px 0}\n"
    "details.conn>summary{white-space:nowrap;overflow:hidden}\n"
    "details.conn>div{padding:.3em 1em .6em 2em}\n"
    "summary .t{display:inline-block;width:8.5em}\n"
    "summary .ep{display:inline-block;width:27em;overflow:hidden;text-overflow:ellipsis;"
    "vertical-align:bottom}\n"
    "summary .lbl{width:14em;text-align:center}\n"
    ".track{display:inline-block;position:relative;width:12em;height:.8em;"
    "background:#f2f2f2;border:1px solid #bbb;vertical-align:middle}\n"
    ".track b{position:absolute;top:-.45em;margin-left:-.3em;font-size:.9em;line-height:1.6}\n"
    "svg text{font:12px system-ui,sans-serif}\n"
    "#filters{margin:.5em 0;padding:.4em;border:1px solid #999}\n"
    "@media print{#filters,.noprint{display:none}body{margin:0}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "details.conn{break-inside:avoid}}\n"
    "</style>\n";

/* The capture page's filters: the controls are made by the script (hidden without it,
 * where every row shows); a row carries data-c (client), data-s (server), data-o
 * (outcome). */
static const char script_capture[] =
    "<script>\n"
    "(function(){var f=document.getElementById('filters');if(!f)return;\n"
    "var rows=Array.prototype.slice.call(document.querySelectorAll('[data-c]'));\n"
    "function fill(id,key){var sel=document.getElementById(id),seen={};\n"
    "rows.forEach(function(r){seen[r.dataset[key]]=1});\n"
    "Object.keys(seen).sort().forEach(function(v){var o=document.createElement('option');"
    "o.value=v;o.textContent=v;sel.appendChild(o)});return sel}\n"
    "var c=fill('fc','c'),s=fill('fs','s'),o=fill('fo','o'),n=document.getElementById('fn');\n"
    "function apply(){var k=0;rows.forEach(function(r){var show=(!c.value||r.dataset.c===c.value)"
    "&&(!s.value||r.dataset.s===s.value)&&(!o.value||r.dataset.o===o.value);r.hidden=!show;"
    "if(show)k++});n.textContent=k+' of '+rows.length+' rows shown'}\n"
    "[c,s,o].forEach(function(e){e.addEventListener('change',apply)});f.hidden=false;apply()})();\n"
    "</script>\n";

/* The matrix: one cell open at a time; Escape closes it. */
static const char script_match[] =
    "<script>\n"
    "(function(){var cells=document.querySelectorAll('table.matrix details');\n"
    "cells.forEach(function(d){d.addEventListener('toggle',function(){if(!d.open)return;\n"
    "cells.forEach(function(e){if(e!==d)e.open=false})})});\n"
    "document.addEventListener('keydown',function(ev){if(ev.key==='Escape')"
    "cells.forEach(function(e){e.open=false})})})();\n"
    "</script>\n";

/* The colour of each capture outcome (CSS class o-NAME): background for labels and
 * rows, fill for the timeline's bars. */
static const char *const outcome_colour[TLSD_OUTCOME_COUNT] = {
    [TLSD_OUTCOME_SUCCESS] = "#8ed49b",           [TLSD_OUTCOME_SERVER_ALERT] = "#f3a6a6",
    [TLSD_OUTCOME_CLIENT_ALERT] = "#f08fb0",      [TLSD_OUTCOME_RESET_AFTER_HELLO] = "#f7b98a",
    [TLSD_OUTCOME_CLOSE_AFTER_HELLO] = "#a9cdf0", [TLSD_OUTCOME_ABORTED] = "#ffd38a",
    [TLSD_OUTCOME_NO_ANSWER] = "#fff09a",         [TLSD_OUTCOME_NOT_TLS] = "#d7c4ef",
    [TLSD_OUTCOME_TCP_REFUSED] = "#c9a27e",       [TLSD_OUTCOME_TCP_NO_ANSWER] = "#b8b07a",
    [TLSD_OUTCOME_NO_CLIENT_HELLO] = "#9fd6d2",   [TLSD_OUTCOME_SERVER_SPOKE_FIRST] = "#c7b8e0",
    [TLSD_OUTCOME_TRUNCATED] = "#e4e4e4",
};

static void outcome_style(struct tlsd_strbuf *b)
{
    tlsd_sb_puts(b, "<style>\n");
    for (int o = 0; o < TLSD_OUTCOME_COUNT; o++)
        tlsd_sb_printf(b, ".o-%s{background:%s;fill:%s}\n",
                       tlsd_conn_outcome_name((enum tlsd_conn_outcome)o), outcome_colour[o],
                       outcome_colour[o]);
    tlsd_sb_puts(b, "</style>\n");
}

static const char *const page_kind[] = {
    [TLSD_HTML_PAGE_MATCH] = "match",
    [TLSD_HTML_PAGE_SCAN] = "scan",
    [TLSD_HTML_PAGE_CAPTURE] = "analyze",
};

void tlsd_html_begin(struct tlsd_strbuf *b, enum tlsd_html_page page, const char *title)
{
    tlsd_sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"tlsdiag " TLSD_VERSION "\">\n<title>");
    tlsd_html_text(b, title);
    tlsd_sb_puts(b, "</title>\n");
    tlsd_sb_puts(b, style);
    if (page == TLSD_HTML_PAGE_CAPTURE)
        outcome_style(b);
    tlsd_sb_printf(b, "</head>\n<body class=\"%s\">\n<h1>", page_kind[page]);
    tlsd_html_text(b, title);
    tlsd_sb_puts(b, "</h1>\n<p class=\"mono\">tlsdiag " TLSD_VERSION " ");
    tlsd_sb_puts(b, page_kind[page]);
    tlsd_sb_puts(b, "</p>\n");
}

void tlsd_html_end(struct tlsd_strbuf *b, enum tlsd_html_page page)
{
    if (page == TLSD_HTML_PAGE_CAPTURE)
        tlsd_sb_puts(b, script_capture);
    else if (page == TLSD_HTML_PAGE_MATCH)
        tlsd_sb_puts(b, script_match);
    tlsd_sb_puts(b, "</body>\n</html>\n");
}

void tlsd_html_textn(struct tlsd_strbuf *b, const char *s, size_t n)
{
    tlsd_text_put(b, s, n, TLSD_TEXT_HTML);
}

void tlsd_html_text(struct tlsd_strbuf *b, const char *s)
{
    tlsd_html_textn(b, s ? s : "", s ? strlen(s) : 0);
}

void tlsd_html_cut(struct tlsd_strbuf *b, size_t len)
{
    if (b->s && len < b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

const char *tlsd_html_class_css(enum tlsd_class c)
{
    static const char *const css[] = {"k0", "k1", "k2", "k3", "k4"};
    return (unsigned)c < sizeof css / sizeof css[0] ? css[c] : css[0];
}

void tlsd_html_class_label(struct tlsd_strbuf *b, enum tlsd_class c)
{
    tlsd_sb_printf(b, "<span class=\"lbl %s\">%s</span>", tlsd_html_class_css(c),
                   tlsd_class_name(c));
}

void tlsd_html_suite_chip(struct tlsd_strbuf *b, uint32_t code)
{
    const struct tlsd_suite *s = tlsd_suite_by_code(code);
    enum tlsd_class c = s ? s->cls : TLSD_CLASS_UNKNOWN;
    if (s)
        tlsd_sb_printf(b, "<span class=\"chip %s\">%s <i>%s</i></span>", tlsd_html_class_css(c),
                       s->iana_name, tlsd_class_name(c));
    else
        tlsd_sb_printf(b, "<span class=\"chip k0\">0x%04X <i>unknown</i></span>", (unsigned)code);
}
