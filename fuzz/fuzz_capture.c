/* Fuzz target: arbitrary bytes as a pcap / pcapng file through the whole capture path:
 * libpcap (fmemopen + pcap_fopen_offline), frame decoding, TCP reassembly with small
 * caps (so gap skipping, cap hits and eviction are reached), and each direction's
 * byte stream through the codec's record reassembler and hello parsers. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/capture.h"
#include "tlsdiag/handshake.h"
#include "tlsdiag/hello.h"
#include "tlsdiag/record.h"
#include "tlsdiag/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct dirs {
    struct tlsd_reasm rs[2];
    bool dead[2];
};

static void parse_message(struct tlsd_reasm *rs, const struct tlsd_event *ev)
{
    struct tlsd_err err = {0};
    if (ev->kind == TLSD_EV_HANDSHAKE && ev->hs_type == 1) {
        struct tlsd_client_hello ch;
        enum tlsd_cerr e = tlsd_client_hello_parse(ev->data, ev->len, false, &ch, &err);
        (void)e; /* only crashes matter here */
        tlsd_client_hello_free(&ch);
    } else if (ev->kind == TLSD_EV_HANDSHAKE && ev->hs_type == 2) {
        struct tlsd_server_hello sh;
        if (tlsd_server_hello_parse(ev->data, ev->len, &sh, &err) == TLSD_CERR_OK)
            tlsd_reasm_server_hello(rs, sh.version, sh.is_hrr);
        tlsd_server_hello_free(&sh);
    }
}

static void feed(struct dirs *d, unsigned dir, const uint8_t *p, size_t len)
{
    struct tlsd_event ev;
    if (d->dead[dir] || tlsd_reasm_feed(&d->rs[dir], p, len) != TLSD_CERR_OK) {
        d->dead[dir] = true;
        return;
    }
    while (tlsd_reasm_next(&d->rs[dir], &ev) == TLSD_CERR_OK)
        parse_message(&d->rs[dir], &ev);
}

static void on_tcp(void *ctx, struct tlsd_tcp_flow *flow, const struct tlsd_tcp_ev *ev)
{
    (void)ctx;
    struct dirs *d = flow->user;
    if (ev->kind == TLSD_TCP_EV_CLOSE) {
        if (d) {
            tlsd_reasm_free(&d->rs[0]);
            tlsd_reasm_free(&d->rs[1]);
            free(d);
        }
        return;
    }
    if (!d) {
        if (!(flow->user = d = calloc(1, sizeof *d)))
            return;
        tlsd_reasm_init(&d->rs[0]);
        tlsd_reasm_init(&d->rs[1]);
    }
    if (ev->kind == TLSD_TCP_EV_GAP)
        d->dead[ev->dir] = true;
    else
        feed(d, ev->dir, ev->data, ev->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsd_capture *cap;
    if (tlsd_capture_open_mem(data, size, &cap, NULL, 0) != TLSD_CAPERR_OK)
        return 0;
    const struct tlsd_tcp_config cfg = {
        .flow_cap = 4096, .total_cap = 16384, .max_flows = 8, .idle_usec = 1000000};
    struct tlsd_tcp *tcp = tlsd_tcp_new(&cfg, on_tcp, NULL);
    struct tlsd_pkt pkt;
    while (tcp && tlsd_capture_next(cap, &pkt, NULL, 0) == TLSD_CAPERR_OK)
        if (tlsd_tcp_packet(tcp, &pkt) != TLSD_CAPERR_OK)
            break;
    if (tcp)
        tlsd_tcp_finish(tcp);
    tlsd_tcp_free(tcp);
    tlsd_capture_close(cap);
    return 0;
}
