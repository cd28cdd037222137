/* Shared by the HTML renderers (report_html*.c): the page frame, escaping, labels. */
#ifndef TLSDIAG_REPORT_HTML_INTERNAL_H
#define TLSDIAG_REPORT_HTML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/registry.h"
#include "tlsdiag/strbuf.h"

/* The page kinds: each has its heading and its own part of the script. */
enum tlsd_html_page { TLSD_HTML_PAGE_MATCH, TLSD_HTML_PAGE_SCAN, TLSD_HTML_PAGE_CAPTURE };

/* Opens the document: doctype, head with the style sheet, the heading (title escaped). */
void tlsd_html_begin(struct tlsd_strbuf *b, enum tlsd_html_page page, const char *title);
/* Closes it, with the page's script. */
void tlsd_html_end(struct tlsd_strbuf *b, enum tlsd_html_page page);

/* Text from a peer or a file, for element content and quoted attribute values: & < > "
 * ' as entities, well-formed UTF-8 of printable characters as it is, every control
 * character and every byte that is not well-formed UTF-8 as the text \xHH. */
void tlsd_html_text(struct tlsd_strbuf *b, const char *s);
void tlsd_html_textn(struct tlsd_strbuf *b, const char *s, size_t n);

/* Takes back what was written after len (a heading with nothing under it). */
void tlsd_html_cut(struct tlsd_strbuf *b, size_t len);

/* The CSS class of a security class ("k0".."k4") and a labelled chip for it:
 * <span class="lbl kN">weak</span>. */
const char *tlsd_html_class_css(enum tlsd_class c);
void tlsd_html_class_label(struct tlsd_strbuf *b, enum tlsd_class c);

/* A suite by IANA name (0xHHHH when the registry lacks it), as a chip coloured by its
 * class with the class in words (the chip's text ends with the label). */
void tlsd_html_suite_chip(struct tlsd_strbuf *b, uint32_t code);

#endif
