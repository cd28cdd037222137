/* Fuzz target: arbitrary bytes as a pcap / pcapng file through the whole analysis path,
 * from packet to diagnosis: libpcap, frame decoding, TCP reassembly with small caps,
 * TLS found by content, the codec's parsers, outcome and diagnosis, summaries, and both
 * renderers (JSON and text) for every connection and the summaries. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/analyze.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the JSON renderer wrote must parse as JSON. A peer's NUL byte (an ALPN protocol,
 * a server name) is written as \u0000, which RFC 8259 7 allows and jansson refuses
 * unless asked (JSON_ALLOW_NUL). */
static void check_json(struct tlsd_strbuf *b)
{
    json_t *j = b->failed || !b->s ? NULL : json_loadb(b->s, b->len, JSON_ALLOW_NUL, NULL);
    if (b->s && !b->failed && !j)
        abort();
    json_decref(j);
    tlsd_sb_free(b);
}

static void on_conn(void *ctx, const struct tlsd_conn *c)
{
    (void)ctx;
    struct tlsd_strbuf b = {0};
    tlsd_conn_render_json(&b, c, NULL);
    check_json(&b);
    tlsd_conn_render_text(&b, c, true);
    tlsd_sb_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_capture *cap;
    if (tlsd_capture_open_mem(data, size, &cap, NULL, 0) != TLSD_CAPERR_OK)
        return 0;
    const struct tlsd_analyze_config cfg = {
        .tcp = {.flow_cap = 4096, .total_cap = 16384, .max_flows = 8, .idle_usec = 1000000}};
    struct tlsd_analyzer *a = tlsd_analyzer_new(&cfg, on_conn, NULL);
    if (a && tlsd_analyzer_begin(a, "fuzz") == TLSD_CAPERR_OK) {
        struct tlsd_pkt pkt;
        while (tlsd_capture_next(cap, &pkt, NULL, 0) == TLSD_CAPERR_OK)
            if (tlsd_analyzer_packet(a, &pkt) != TLSD_CAPERR_OK)
                break;
        tlsd_analyzer_end(a);
        tlsd_analyzer_add_capture_stats(a, tlsd_capture_get_stats(cap));
        struct tlsd_strbuf b = {0};
        tlsd_analyze_summary_render_json(&b, a);
        check_json(&b);
        tlsd_analyze_summary_render_text(&b, a, false);
        tlsd_sb_free(&b);
    }
    tlsd_analyzer_free(a);
    tlsd_capture_close(cap);
    return 0;
}
