/* Fuzz target: the streaming reassembler. The first byte picks the chunk size the
 * rest is fed in; every handshake message that comes out goes to the typed parsers
 * with the version and suite of the last ServerHello. */
#include <stdint.h>
#include <stdlib.h>

#include "tlsdiag/handshake.h"
#include "tlsdiag/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(struct tlsd_reasm *r, const struct tlsd_event *ev, struct tlsd_hs_ctx *ctx)
{
    if (ev->kind == TLSD_EV_ALERT) {
        struct tlsd_alert_msg a;
        enum tlsd_cerr e = tlsd_alert_parse(ev->data, ev->len, &a, NULL);
        (void)e;
    }
    /* Certificates (libcrypto, slow) are fuzzed by fuzz_server_msgs; here the point
     * is the reassembler, so they are left out to keep the exec rate up. */
    if (ev->kind != TLSD_EV_HANDSHAKE || ev->hs_type == TLSD_HS_CERTIFICATE)
        return;
    struct tlsd_hs_msg m;
    if (tlsd_hs_parse(ev->data, ev->len, ctx, &m, NULL) == TLSD_CERR_OK &&
        m.type == TLSD_HS_SERVER_HELLO) {
        ctx->version = m.u.server_hello.version;
        ctx->suite = m.u.server_hello.suite;
        tlsd_reasm_server_hello(r, m.u.server_hello.version, m.u.server_hello.is_hrr);
    }
    tlsd_hs_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] * 7 + 1;
    struct tlsd_reasm r;
    struct tlsd_hs_ctx ctx = {0};
    tlsd_reasm_init(&r);
    for (size_t off = 1; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (tlsd_reasm_feed(&r, data + off, n) != TLSD_CERR_OK)
            break;
        struct tlsd_event ev;
        while (tlsd_reasm_next(&r, &ev) == TLSD_CERR_OK)
            on_event(&r, &ev, &ctx);
    }
    tlsd_reasm_free(&r);
    struct tlsd_record rec;
    enum tlsd_cerr e = tlsd_record_parse(data + 1, size - 1, data[0] & 1, 0, &rec, NULL, NULL);
    (void)e;
    return 0;
}
