/* Writing cipher suite lists in every spelling. Renderers build text or
 * JSON; the caller prints it. */
#ifndef TLSDIAG_SUITE_RENDER_H
#define TLSDIAG_SUITE_RENDER_H

#include "tlsdiag/suitelist.h"

enum tlsd_suite_format {
    TLSD_FMT_TABLE = 0,
    TLSD_FMT_IANA,
    TLSD_FMT_OPENSSL,
    TLSD_FMT_GNUTLS,
    TLSD_FMT_WINDOWS,
    TLSD_FMT_HEX,
    TLSD_FMT_GPO,
    TLSD_FMT_POWERSHELL,
    TLSD_FMT_JSON,
};

/* "iana", "openssl", ... ; returns -1 for an unknown name. */
int tlsd_suite_format_from_name(const char *name, enum tlsd_suite_format *f);

/* The Windows "SSL Cipher Suite Order" policy value is limited to 1023
 * characters (Microsoft: "Prioritizing Schannel Cipher Suites"). */
#define TLSD_GPO_MAX_CHARS 1023

/* Renders list->items in one of the list formats (iana, openssl, gnutls,
 * windows, hex, gpo, powershell). Items with no spelling in that scheme go
 * to *problems (one message each) and are left out. Returns malloc'd text or
 * NULL when out of memory. */
char *tlsd_render_suite_list(const struct tlsd_suite_list *list, enum tlsd_suite_format fmt,
                             struct tlsd_suite_list *problems);

/* The PowerShell script (as tlsd_render_suite_list with TLSD_FMT_POWERSHELL, which keeps
 * the TLS 1.3 suites): it disables every suite it does not keep, which its first comment
 * line and a note in *problems say; keep_tls13 false lets it disable TLS 1.3 suites the
 * list does not name. */
char *tlsd_render_powershell(const struct tlsd_suite_list *list, bool keep_tls13,
                             struct tlsd_suite_list *problems);

/* For a reader (the terminal's colour when color): one suite in full (its names in every
 * scheme, what it needs, its class and source), or a list as a table fitted to width. */
struct tlsd_strbuf;
void tlsd_suite_card_text(const struct tlsd_suite *s, bool color, struct tlsd_strbuf *b);
void tlsd_suite_table_text(const struct tlsd_suite_list *l, bool color, size_t width,
                           struct tlsd_strbuf *b);

/* As JSON: tlsdiag/json.h. */

/* Adds a message to list->errors (for renderers and callers). */
int tlsd_suite_list_error(struct tlsd_suite_list *list, const char *token, const char *text);
int tlsd_suite_list_note(struct tlsd_suite_list *list, const char *token, const char *text);

#endif
