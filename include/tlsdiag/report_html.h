/* Self-contained HTML reports: a scan's server cards, a capture's handshake timeline and
 * the match matrix, each one page with inline CSS and a little inline script (no
 * external assets: it reads offline and can be attached to a ticket). Rendered from the
 * same records as the text and JSON into a tlsd_strbuf; the caller writes it out.
 *
 * Every text that came from the network or a file is HTML-escaped and made valid UTF-8
 * (control characters and stray bytes shown as \xHH). Colour never carries meaning alone:
 * every coloured cell also says its class or outcome in words. The static parts read
 * without script; the script only filters and opens rows. A page stays under
 * TLSD_HTML_MAX_BYTES: past TLSD_HTML_BUDGET of detail, the rest is aggregated and the
 * page says so. */
#ifndef TLSDIAG_REPORT_HTML_H
#define TLSDIAG_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "tlsdiag/analyze.h"
#include "tlsdiag/negotiate.h"
#include "tlsdiag/profile.h"
#include "tlsdiag/scan.h"
#include "tlsdiag/strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The size a page aims to stay under, and the bytes of per-item detail (cards, rows,
 * cell details) written before the rest is aggregated. */
#define TLSD_HTML_MAX_BYTES ((size_t)2000000) /* 2 MB (decimal: the stricter reading) */
#define TLSD_HTML_BUDGET    ((size_t)1400 << 10)

/* The match matrix: clients x servers, out[i * ns + k] the outcome of clients[i] with
 * servers[k]. Each failing cell opens to the reason and the first fix on each side.
 * Returns 0, or -1 when memory ran out (b->failed, or the fix search). */
int tlsd_html_match(struct tlsd_strbuf *b, const struct tlsd_profile *clients, size_t nc,
                    const struct tlsd_profile *servers, size_t ns, const struct tlsd_outcome *out)
    __attribute__((warn_unused_result));

/* A scan: an overview of every target, then a card per server (versions, suites by
 * certificate in the server's order with their class, groups, chains, features,
 * findings). Returns 0, or -1 when memory ran out. */
int tlsd_html_scan(struct tlsd_strbuf *b, const struct tlsd_scan_result *results, size_t n)
    __attribute__((warn_unused_result));

/* A capture: collects connections as the analyser decides them (the first listed ones
 * in detail, every one in the timeline's counts), then renders the page. At most
 * TLSD_HTML_MAX_ROWS connections (fewer when their details pass TLSD_HTML_BUDGET) are
 * listed one by one. */
#define TLSD_HTML_MAX_ROWS 1000
struct tlsd_html_capture;
struct tlsd_html_capture *tlsd_html_capture_new(void); /* NULL when out of memory */
/* One decided connection (copied as needed: the record may go after the call); listed:
 * it is one the user asked to see (the others count in the timeline only). */
void tlsd_html_capture_add(struct tlsd_html_capture *h, const struct tlsd_conn *c, bool listed);
/* An input file for the page's heading (copied); error "" or NULL when it was read. */
void tlsd_html_capture_file(struct tlsd_html_capture *h, const char *path, const char *error);
/* The page: the timeline, each listed connection with its ladder and diagnosis, and the
 * summaries of the analyser a. Returns 0, or -1 when memory ran out (here or while
 * collecting). */
int tlsd_html_capture_render(struct tlsd_strbuf *b, const struct tlsd_html_capture *h,
                             const struct tlsd_analyzer *a) __attribute__((warn_unused_result));
void tlsd_html_capture_free(struct tlsd_html_capture *h);

#ifdef __cplusplus
}
#endif
#endif
