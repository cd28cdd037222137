/* The explain knowledge base: TLS alerts, Schannel events, SSPI/Win32/Winsock status codes and
 * pasted error messages, each with its meaning, the side that raised it and ranked causes; each
 * cause with checks (the tlsdiag command that performs them) and fixes on Windows and elsewhere.
 *
 * The tables are generated at build time from data/explain/ (scripts/gen_explain.py). The
 * matcher turns free input (codes, names, pasted text with noise around it) into ranked
 * candidates; it never prints. */
#ifndef TLSDIAG_EXPLAIN_H
#define TLSDIAG_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tlsd_explain_kind {
    TLSD_EXPLAIN_ALERT,   /* a TLS AlertDescription (code 0-255) */
    TLSD_EXPLAIN_EVENT,   /* a Schannel event ID in the System log */
    TLSD_EXPLAIN_STATUS,  /* an SSPI/CryptoAPI HRESULT or a Winsock error */
    TLSD_EXPLAIN_MESSAGE, /* an error text printed by a program */
};

struct tlsd_explain_check {
    const char *what;
    const char *command; /* the tlsdiag command line that performs the check */
};

struct tlsd_explain_cause {
    const char *id; /* no-common-cipher, untrusted-ca, ... */
    const char *title;
    const char *why;
    const struct tlsd_explain_check *checks;
    size_t n_checks;
    const char *const *fix_windows;
    size_t n_fix_windows;
    const char *const *fix_other;
    size_t n_fix_other;
    const char *refs;
};

struct tlsd_explain_entry {
    enum tlsd_explain_kind kind;
    const char *key;    /* "alert:40", "event:36888", "status:0x80090326", "message:openssl.x" */
    const char *name;   /* handshake_failure, "Schannel 36888", SEC_E_ILLEGAL_MESSAGE, message id */
    uint32_t code;      /* alert code, event ID or status value; 0 for messages */
    const char *source; /* tls, schannel, sec, cert, winsock, ..., or the program of a message */
    const char *level;  /* events: Error, Warning, Information; NULL otherwise */
    const char *side;   /* which side raised it */
    const char *meaning;
    bool carries_alert;          /* events whose data holds a TLS alert code (36887, 36888) */
    const char *const *patterns; /* normalised texts; a leading '~' marks a generic one */
    size_t n_patterns;
    const struct tlsd_explain_cause *const *causes; /* most likely first */
    size_t n_causes;
    const char *const *related; /* keys of related entries */
    size_t n_related;
    const char *refs;
};

size_t tlsd_explain_count(void);
const struct tlsd_explain_entry *tlsd_explain_at(size_t i);
/* By key ("alert:40", "status:0x80090326", ...); NULL when unknown. */
const struct tlsd_explain_entry *tlsd_explain_by_key(const char *key);
size_t tlsd_explain_cause_count(void);
const struct tlsd_explain_cause *tlsd_explain_cause_at(size_t i);
const char *tlsd_explain_kind_name(enum tlsd_explain_kind k);

/* One candidate: the entry, how well it matched (1-100) and what matched. For an event that
 * carries an alert (36887/36888) with the alert code given, alert is that code and causes are
 * the alert's; otherwise alert is -1 and causes are the entry's. */
struct tlsd_explain_match {
    const struct tlsd_explain_entry *entry;
    int score;
    int alert;
    char matched[96];
    const struct tlsd_explain_cause *const *causes;
    size_t n_causes;
};

struct tlsd_explain_result {
    struct tlsd_explain_match *matches; /* best first */
    size_t n;
};

/* Explains free input: event IDs (with an alert code: "36888 40", "36888/40"), alert numbers and
 * names, status codes in hex, signed or unsigned decimal, or by name, and pasted error text with
 * noise around it. Fills *r with the candidates, best first (none when nothing matched).
 * Returns 0, or -1 when out of memory. */
__attribute__((warn_unused_result)) int tlsd_explain_query(const char *text, size_t len,
                                                           struct tlsd_explain_result *r);
void tlsd_explain_result_free(struct tlsd_explain_result *r);

/* The first shown matches of r as `tlsdiag explain` shows them (the first with its causes in
 * full), wrapped to width columns, with ANSI colour when color; the whole knowledge base
 * as one line per entry (key, name, first cause). Appended to b; JSON: tlsdiag/json.h. */
struct tlsd_strbuf;
void tlsd_explain_text(const struct tlsd_explain_result *r, size_t shown, size_t width, bool color,
                       struct tlsd_strbuf *b);
void tlsd_explain_list_text(struct tlsd_strbuf *b);

#ifdef __cplusplus
}
#endif
#endif
